// Builds the authtrace lab app (web/lab) into web/dist/lab.
// `authtrace lab` serves the result together with the local Pyodide files
// and the emulators; nothing is loaded from a CDN.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here("./web/lab"),
  base: "/",
  plugins: [react()],
  resolve: {
    alias: { "authtrace/recorder": here("./web/recorder/clients.js") },
  },
  build: {
    outDir: here("./web/dist/lab"),
    emptyOutDir: true,
    sourcemap: true,
    target: "es2022",
  },
  logLevel: "warn",
});
