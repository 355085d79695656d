// authtrace for your Vite app: one line in vite.config.*.
//
//   import authtrace from "authtrace/vite";
//   export default defineConfig({ plugins: [react(), authtrace()] });
//
// It is enabled only when Vite runs in the chosen mode (`vite build --mode
// staging`, option `mode`, default "staging") or when the environment has
// AUTHTRACE=1. Then it
//
//   - serves (dev) or emits (build) under `<base>__authtrace/`: Pyodide's core
//     from the `pyodide` npm package and PyScript from `@pyscript/core`, both
//     resolved from node_modules (the versions the authtrace package depends
//     on), the wheels a page loads (`wheels/` next to this file: the authtrace
//     wheel, with a `pyodide-lock.json` listing it), a `pyscript.json`
//     pointing at that Pyodide, and the page scripts of `recorder/`: the boot
//     shim (`boot.js`), the recorder's IndexedDB store (`store.js`, loaded by
//     the recorder), the experiments helper (`experiments.js`) and the in-tab
//     replay injector (`replay-inject.js`, loaded by the panel when used);
//     nothing comes from a CDN;
//   - injects into index.html: the boot shim as the very first <head> script
//     (it must see the page from its first moment), the experiments helper
//     right after it, PyScript's css/js, and a `<script type="py">` that starts
//     the recorder and the debug panel (`await main(panel=True)`);
//   - resolves `authtrace/recorder` (traceConvexOptions, traceUseAuth) to the
//     real wrappers.
//
// When it is not enabled it only resolves `authtrace/recorder` to two identity
// functions, so the app's opt-in lines stay and a production build has no byte
// of authtrace, PyScript or Pyodide (tests/browser/test_vite_plugin.py and
// tests/packaging/ check this).
//
// Options:
//   mode        the Vite mode that enables it ("staging"); an array for several
//   enabled     true/false forces it on/off (overrides mode and AUTHTRACE)
//   path        the URL folder under Vite's base ("__authtrace/")
//   panel       mount the debug panel (true); false starts only the recorder
//   experiments inject experiments.js and serve replay-inject.js (true)
//   otlp        {endpoint, headers, sample}: the recorder sends its redacted events and live findings
//               to an OpenTelemetry Collector's OTLP/HTTP receiver (<endpoint>/v1/logs, /v1/traces);
//               sample (0..1, default 1) picks sessions; headers go with every request, so never a
//               secret (anything in the page is public). CSP and CORS: docs/fleet.md
//   recorderDir where boot.js, store.js and the other page scripts live (./recorder next to this file)
//   wheelsDir   where the page's wheels and their lock live (./wheels next to this file;
//               in a checkout `authtrace pyodide build` writes it)
//
// Content-Security-Policy: see docs/embedding.md.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

const TYPES = {
  ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json",
  ".css": "text/css", ".zip": "application/zip", ".whl": "application/zip", ".tar": "application/x-tar",
  ".html": "text/html", ".map": "application/json", ".py": "text/x-python", ".txt": "text/plain",
};
// What PyScript and Pyodide load from the `pyodide` package (its other files are for Node).
const PYODIDE_CORE = ["pyodide.mjs", "pyodide.js", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "package.json"];
const RECORDER_OFF = "\0trace-recorder-off";
const EXPERIMENT_SCRIPTS = ["experiments.js", "replay-inject.js"]; // left out with `experiments: false`
const IDENTITY = "export const traceConvexOptions = (options = {}) => options;\nexport const traceUseAuth = (useAuth) => useAuth;\n";

function walk(dir, prefix = "") {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...walk(path.join(dir, entry.name), rel));
    else out.push(rel);
  }
  return out;
}

// The folder of an npm package as Node resolves it from this file: the user's
// node_modules (hoisted), or node_modules/authtrace/node_modules (nested).
function packageDir(name) {
  try {
    return path.dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));
  } catch (_) {
    throw new Error(`authtrace: the npm package "${name}" is not installed; it comes with authtrace ` +
                    `(\`npm install authtrace\`), or install it yourself`);
  }
}

function readJson(file, what) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`authtrace: cannot read ${what} (${file}): ${err.message}`);
  }
}

// The otlp option as the recorder takes it, checked at config time (a typo fails the build, not the page).
function otlpOption(otlp) {
  if (otlp === undefined || otlp === null || otlp === false) return null;
  const { endpoint, headers = {}, sample = 1, ...rest } = otlp;
  if (typeof endpoint !== "string" || !/^https?:\/\//.test(endpoint)) {
    throw new Error(`authtrace: otlp.endpoint must be an http(s) URL (the Collector's OTLP/HTTP receiver), got ${JSON.stringify(endpoint)}`);
  }
  if (typeof headers !== "object" || Object.values(headers).some((v) => typeof v !== "string")) {
    throw new Error("authtrace: otlp.headers must be an object of strings");
  }
  if (typeof sample !== "number" || !(sample >= 0 && sample <= 1)) {
    throw new Error(`authtrace: otlp.sample must be a number from 0 to 1, got ${JSON.stringify(sample)}`);
  }
  return { ...rest, endpoint, headers, sample };
}

// A Python string literal holding `text` (JSON's string syntax is Python's; "<" escaped for the HTML).
const pyString = (text) => JSON.stringify(text).replace(/</g, "\\u003c");

export default function authtrace(options = {}) {
  const recorderDir = path.resolve(options.recorderDir || path.join(here, "recorder"));
  const wheelsDir = path.resolve(options.wheelsDir || path.join(here, "wheels"));
  const folder = (options.path || "__authtrace/").replace(/^\/+/, "").replace(/\/*$/, "/");
  const modes = [].concat(options.mode || "staging");
  const panel = options.panel !== false;
  const withExperiments = options.experiments !== false;
  const otlp = otlpOption(options.otlp);
  let on = false;
  let base = "/";
  const url = (p) => base + folder + p;

  // "passthrough": PyScript gives the packages to loadPyodide, which loads them from the lock
  // while it starts, instead of installing micropip first to install them (docs/packages.md).
  function pyscriptJson() {
    return JSON.stringify({ interpreter: url("pyodide/pyodide.mjs"), packages: ["authtrace"],
      packages_cache: "passthrough", experimental_create_proxy: "auto" }, null, 2) + "\n";
  }

  // Pyodide's own lock `info` (it checks it against the core) with our wheels as the packages.
  function lockJson(pyodideDir) {
    const ours = readJson(path.join(wheelsDir, "pyodide-lock.json"),
      "the authtrace wheels' lock (in a checkout: run `authtrace pyodide build`)");
    const theirs = readJson(path.join(pyodideDir, "pyodide-lock.json"), "the pyodide package's lock");
    const minor = (info) => String(info.python).split(".").slice(0, 2).join(".");
    if (minor(ours.info) !== minor(theirs.info)) {
      console.warn(`authtrace: its wheels were made for Python ${ours.info.python}, node_modules/pyodide runs ` +
                   `Python ${theirs.info.python}; install the pyodide version authtrace depends on`);
    }
    return JSON.stringify({ info: theirs.info, packages: ours.packages }, null, 1) + "\n";
  }

  // Every file the page may ask for, by its path under `folder`: a file path, or generated text.
  function files() {
    const map = new Map();
    const pyodideDir = packageDir("pyodide");
    const pyscriptDir = path.join(packageDir("@pyscript/core"), "dist");
    for (const name of PYODIDE_CORE) map.set(`pyodide/${name}`, path.join(pyodideDir, name));
    for (const name of fs.readdirSync(wheelsDir)) {
      if (name.endsWith(".whl")) map.set(`pyodide/${name}`, path.join(wheelsDir, name));
    }
    map.set("pyodide/pyodide-lock.json", { text: lockJson(pyodideDir) });
    for (const rel of walk(pyscriptDir)) {
      if (!rel.endsWith(".map")) map.set(`pyscript/${rel}`, path.join(pyscriptDir, rel));
    }
    map.set("pyscript.json", { text: pyscriptJson() });
    // The whole folder, as the recorder and the panel load their scripts next to boot.js.
    for (const rel of walk(recorderDir)) {
      if (rel.endsWith(".js") && (withExperiments || !EXPERIMENT_SCRIPTS.includes(rel))) {
        map.set(rel, path.join(recorderDir, rel));
      }
    }
    return map;
  }

  function tags() {
    const args = [panel ? "panel=True" : "",
      otlp ? `otlp=__import__("json").loads(${pyString(JSON.stringify(otlp))})` : ""].filter(Boolean);
    const start = `await main(${args.join(", ")})`;
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
    // "pre": `authtrace/recorder` must be resolved here before Vite looks in node_modules.
    enforce: "pre",
    config(_config, env) {
      on = options.enabled !== undefined ? !!options.enabled
        : process.env.AUTHTRACE === "1" || modes.includes(env.mode);
    },
    configResolved(config) {
      base = config.base || "/";
      if (!base.endsWith("/")) base += "/";
    },
    resolveId(source) {
      if (source !== "authtrace/recorder") return null;
      return on ? path.join(recorderDir, "clients.js") : RECORDER_OFF;
    },
    load(id) {
      return id === RECORDER_OFF ? IDENTITY : null;
    },
    configureServer(server) {
      if (!on) return;
      const table = files();
      server.middlewares.use((req, res, next) => {
        const pathname = decodeURIComponent((req.url || "").split("?")[0]);
        const prefix = [base + folder, "/" + folder].find((p) => pathname.startsWith(p));
        if (!prefix) return next();
        const rel = pathname.slice(prefix.length);
        const file = table.get(rel);
        if (!file || (typeof file === "string" && !fs.existsSync(file))) return next();
        const name = typeof file === "string" ? file : rel;
        res.setHeader("Content-Type", TYPES[path.extname(name)] || "application/octet-stream");
        res.setHeader("Cache-Control", "no-cache");
        if (typeof file === "string") fs.createReadStream(file).pipe(res);
        else res.end(file.text);
        return undefined;
      });
    },
    generateBundle() {
      if (!on) return;
      for (const [rel, file] of files()) {
        const source = typeof file === "string" ? fs.readFileSync(file) : file.text;
        this.emitFile({ type: "asset", fileName: folder + rel, source });
      }
    },
    transformIndexHtml: {
      // After Vite's own HTML processing: these URLs are served as they are, not bundled.
      order: "post",
      handler() {
        return on ? tags() : undefined;
      },
    },
  };
}
