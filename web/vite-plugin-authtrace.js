// authtrace for your Vite app: one line in vite.config.js.
//
//   import authtrace from "/path/to/authtrace/web/vite-plugin-authtrace.js";
//   export default defineConfig({ plugins: [react(), authtrace()] });
//
// It is enabled only when Vite runs in the chosen mode (`vite build --mode
// staging`, option `mode`, default "staging") or when the environment has
// AUTHTRACE=1. Then it
//
//   - serves (dev) or emits (build) under `<base>__authtrace/`: the local
//     Pyodide distribution (`static/pyodide`, with the authtrace wheel), PyScript
//     (`static/pyscript`), a `pyscript.json` pointing at that Pyodide, the boot
//     shim (`web/recorder/boot.js`), the experiments helper
//     (`web/recorder/experiments.js`) and the in-tab replay injector
//     (`web/recorder/replay-inject.js`, loaded by the panel when used);
//     nothing comes from a CDN;
//   - injects into index.html: the boot shim as the very first <head> script
//     (it must see the page from its first moment), the experiments helper
//     right after it, PyScript's css/js, and a `<script type="py">` that starts
//     the recorder and the debug panel (`await main(panel=True)`).
//
// When it is not enabled it does nothing at all: a production build has no
// byte of authtrace, PyScript or Pyodide (tests/browser/test_vite_plugin.py
// checks this). Run `authtrace pyodide build` first so `static/` is populated.
//
// Options:
//   mode        the Vite mode that enables it ("staging"); an array for several
//   enabled     true/false forces it on/off (overrides mode and AUTHTRACE)
//   staticDir   where pyodide/, pyscript/ and pyscript.json live
//               (default: the authtrace checkout's static/, next to this file's web/)
//   recorderDir where boot.js and experiments.js live (default: ./recorder next to this file)
//   path        the URL folder under Vite's base ("__authtrace/")
//   panel       mount the debug panel (true); false starts only the recorder
//   experiments inject experiments.js and serve replay-inject.js (true)
//   pyodideFiles  a filter (name => boolean) for the files of static/pyodide that
//               are emitted; default: all but the test-only wheels
//
// Content-Security-Policy: see docs/embedding.md.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

const TYPES = {
  ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json",
  ".css": "text/css", ".zip": "application/zip", ".whl": "application/zip", ".tar": "application/x-tar",
  ".html": "text/html", ".map": "application/json", ".py": "text/x-python", ".txt": "text/plain",
};
// Wheels only authtrace's own in-Pyodide test run needs; a staging site never loads them.
const TEST_WHEELS = /^(pytest|hypothesis|iniconfig|pluggy|pygments|tblib|sortedcontainers|tblib)-.*\.whl$/;

function walk(dir, prefix = "") {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...walk(path.join(dir, entry.name), rel));
    else out.push(rel);
  }
  return out;
}

export default function authtrace(options = {}) {
  const staticDir = path.resolve(options.staticDir || path.join(here, "..", "static"));
  const recorderDir = path.resolve(options.recorderDir || path.join(here, "recorder"));
  const folder = (options.path || "__authtrace/").replace(/^\/+/, "").replace(/\/*$/, "/");
  const modes = [].concat(options.mode || "staging");
  const panel = options.panel !== false;
  const withExperiments = options.experiments !== false;
  const pyodideFilter = options.pyodideFiles || ((name) => !TEST_WHEELS.test(name));
  let base = "/";
  let url = (p) => base + folder + p;

  function pyscriptJson() {
    let conf = {};
    try { conf = JSON.parse(fs.readFileSync(path.join(staticDir, "pyscript.json"), "utf8")); } catch (_) { /* defaults */ }
    return JSON.stringify({ ...conf, interpreter: url("pyodide/pyodide.mjs"),
      packages: conf.packages || ["authtrace"] }, null, 2) + "\n";
  }

  // Every file the page may ask for, by its path under `folder`.
  function files() {
    const map = new Map();
    for (const sub of ["pyodide", "pyscript"]) {
      const dir = path.join(staticDir, sub);
      if (!fs.existsSync(dir)) {
        throw new Error(`authtrace: ${dir} is missing; run \`authtrace pyodide build\` in the authtrace checkout`);
      }
      for (const rel of walk(dir)) {
        if (sub === "pyodide" && !pyodideFilter(rel)) continue;
        map.set(`${sub}/${rel}`, path.join(dir, rel));
      }
    }
    map.set("boot.js", path.join(recorderDir, "boot.js"));
    if (withExperiments) {
      map.set("experiments.js", path.join(recorderDir, "experiments.js"));
      map.set("replay-inject.js", path.join(recorderDir, "replay-inject.js"));
    }
    return map;
  }

  function tags() {
    const start = panel ? "await main(panel=True)" : "await main()";
    const out = [{ tag: "script", attrs: { src: url("boot.js") }, injectTo: "head-prepend" }];
    if (withExperiments) out.push({ tag: "script", attrs: { src: url("experiments.js") }, injectTo: "head-prepend" });
    out.push(
      { tag: "link", attrs: { rel: "stylesheet", href: url("pyscript/core.css") }, injectTo: "head" },
      { tag: "script", attrs: { type: "module", src: url("pyscript/core.js") }, injectTo: "head" },
      { tag: "script", attrs: { type: "py", config: url("pyscript.json"), async: true },
        children: `\nfrom authtrace.browser.embed import main\n${start}\n`, injectTo: "body" },
    );
    return out;
  }

  return {
    name: "authtrace",
    enforce: "post",
    apply(_config, env) {
      if (options.enabled !== undefined) return !!options.enabled;
      return process.env.AUTHTRACE === "1" || modes.includes(env.mode);
    },
    configResolved(config) {
      base = config.base || "/";
      if (!base.endsWith("/")) base += "/";
    },
    configureServer(server) {
      const table = files();
      server.middlewares.use((req, res, next) => {
        const pathname = decodeURIComponent((req.url || "").split("?")[0]);
        const prefixes = [base + folder, "/" + folder];
        const prefix = prefixes.find((p) => pathname.startsWith(p));
        if (!prefix) return next();
        const rel = pathname.slice(prefix.length);
        if (rel === "pyscript.json") {
          res.setHeader("Content-Type", "application/json");
          res.end(pyscriptJson());
          return undefined;
        }
        const file = table.get(rel);
        if (!file || !fs.existsSync(file)) return next();
        res.setHeader("Content-Type", TYPES[path.extname(file)] || "application/octet-stream");
        res.setHeader("Cache-Control", "no-cache");
        fs.createReadStream(file).pipe(res);
        return undefined;
      });
    },
    generateBundle() {
      for (const [rel, file] of files()) {
        this.emitFile({ type: "asset", fileName: folder + rel, source: fs.readFileSync(file) });
      }
      this.emitFile({ type: "asset", fileName: folder + "pyscript.json", source: pyscriptJson() });
    },
    transformIndexHtml: {
      // After Vite's own HTML processing: these URLs are served as they are, not bundled.
      order: "post",
      handler() {
        return tags();
      },
    },
  };
}
