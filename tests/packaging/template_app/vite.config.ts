import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import authtrace from "authtrace/vite";

// https://vite.dev/config/
export default defineConfig({
  plugins: [react(), authtrace()],
});
