// The app's own Convex functions, run by convex-test in this Node process for
// authtrace's Convex emulator (py/authtrace/host/emulators/function_runner.py
// starts and stops it; convex_functions.py is its Python side).
//
// TypeScript loads through tsx. convex-test, tsx and convex come from the app's
// node_modules: next to the `authtrace` npm package (which depends on exact
// versions of convex-test and tsx), else the app's own, else the folders named
// in `search` (an authtrace checkout).
//
// Protocol, one JSON object per line. Requests on stdin:
//   {id, op: "query" | "mutation" | "action", path, args, identity}   args in Convex JSON
//   {id, op: "reset"}                                                 a fresh, empty database
// Replies and events on file descriptor `fd` (stdout and stderr stay the
// functions' console, which the emulator forwards to its log):
//   {id, ok: true, value} | {id, ok: false, message, data?}
//   {event: "ready", functions, authConfig, problems, versions}
//   {event: "writes"}     a scheduled function (or an action's timer) ran and may have written
// Requests are handled one at a time, in order, like the emulator's single core thread.
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

import { check } from "./validate.mjs";
import { describe, serverError } from "./errors.mjs";

const config = JSON.parse(process.argv[2] || "{}");
const dir = path.resolve(config.dir);
const out = fs.createWriteStream(null, { fd: Number(config.fd) });
const send = (msg) => out.write(JSON.stringify(msg) + "\n");

const EXTENSIONS = /\.(m?[jt]sx?|c[jt]s)$/;
const NOT_FUNCTIONS = /(^|\/)(schema|auth\.config|convex\.config)$|\.(test|spec)$|^_generated\//;

// -- where convex-test, tsx and convex come from -------------------------------------------
function bases() {
  const out = [];
  try {
    out.push(path.dirname(createRequire(path.join(dir, "noop.js")).resolve("authtrace/package.json")));
  } catch { /* no authtrace npm package next to the app */ }
  out.push(dir, ...(config.search || []));
  return out;
}

function resolveFrom(all, specifier) {
  for (const base of all) {
    try {
      return createRequire(path.join(base, "noop.js")).resolve(specifier);
    } catch { /* next */ }
  }
  throw new Error(`cannot find the npm package "${specifier}" from ${dir}: install authtrace in the app ` +
                  "(npm install authtrace brings convex-test and tsx)");
}

function versionOf(file) {
  for (let d = path.dirname(file); d !== path.dirname(d); d = path.dirname(d)) {
    const manifest = path.join(d, "package.json");
    if (fs.existsSync(manifest)) {
      const pkg = JSON.parse(fs.readFileSync(manifest, "utf8"));
      if (pkg.name && pkg.version) return `${pkg.name}@${pkg.version}`;
    }
  }
  return null;
}

// -- modules ------------------------------------------------------------------------------
function moduleFiles(root, rel = "") {
  const found = [];
  for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) found.push(...moduleFiles(root, child));
    else if (EXTENSIONS.test(entry.name) && !entry.name.endsWith(".d.ts")) found.push(child);
  }
  return found;
}

const stem = (rel) => rel.replace(EXTENSIONS, "");

async function load() {
  const all = bases();
  const tsxFile = resolveFrom(all, "tsx/esm/api");
  const testFile = resolveFrom(all, "convex-test");
  const testRequire = createRequire(testFile);
  // require-resolved (convex-test has no exports map): convex's CommonJS build, whose
  // names a dynamic import puts on `default`.
  const cjs = async (name) => {
    const mod = await import(pathToFileURL(testRequire.resolve(name)).href);
    return mod.default && typeof mod.default === "object" ? { ...mod.default, ...mod } : mod;
  };
  const values = await cjs("convex/values");
  const server = await cjs("convex/server");
  const tsx = await import(pathToFileURL(tsxFile).href);
  (tsx.register || tsx.default.register)();
  watchTimers();
  const { convexTest } = await import(pathToFileURL(testFile).href);

  const files = moduleFiles(dir);
  const loaders = {};
  for (const rel of files) {
    const url = pathToFileURL(path.join(dir, rel)).href;
    loaders[`./${rel}`] = () => import(url);
  }
  // convex-test finds the functions' root by their _generated folder.
  if (!files.some((rel) => rel.startsWith("_generated/"))) loaders["./_generated/server.js"] = async () => ({});

  const problems = [];
  const modules = {};
  for (const rel of files) {
    if (/^_generated\//.test(rel) || /(^|\/)(auth\.config|convex\.config)$|\.(test|spec)$/.test(stem(rel))) continue;
    try {
      modules[stem(rel)] = await import(pathToFileURL(path.join(dir, rel)).href);
    } catch (err) {
      problems.push(`${rel}: ${err && err.stack ? err.stack.split("\n").slice(0, 3).join(" | ") : err}`);
    }
  }
  const functions = [];
  for (const [mod, exports] of Object.entries(modules)) {
    if (NOT_FUNCTIONS.test(mod)) continue;
    for (const [name, fn] of Object.entries(exports)) {
      const kind = fn && (fn.isQuery ? "query" : fn.isMutation ? "mutation" : fn.isAction ? "action" : null);
      if (!kind) continue;
      // Returns are checked here, with the backend's wording (convex-test would word it its own way).
      if (typeof fn.exportReturns === "function" && !fn.__authtraceReturns) {
        fn.__authtraceReturns = JSON.parse(fn.exportReturns());
        fn.exportReturns = () => "null";
      }
      functions.push({ path: `${mod}:${name}`, kind, visibility: fn.isInternal ? "internal" : "public" });
    }
  }
  let authConfig = null;
  const authFile = files.find((rel) => stem(rel) === "auth.config");
  if (authFile) {
    // As `npx convex dev` does, refuse a config that reads a variable the deployment does not set.
    const env = process.env;
    const unset = new Set();
    process.env = new Proxy(env, {
      get(target, name) {
        // only the config's own reads (Node and tsx read optional variables of their own meanwhile)
        if (typeof name === "string" && !(name in target) && String(new Error().stack).includes(authFile)) unset.add(name);
        return target[name];
      },
    });
    try {
      const mod = await import(pathToFileURL(path.join(dir, authFile)).href);
      authConfig = JSON.parse(JSON.stringify(mod.default ?? null));
    } catch (err) {
      problems.push(`${authFile}: ${err && err.message}`);
    } finally {
      process.env = env;
    }
    for (const name of unset) {
      problems.push(`Environment variable ${name} is used in auth config file but its value was not set.`);
    }
  }
  const schema = modules.schema ? modules.schema.default : undefined;
  return {
    values, server, modules, functions, authConfig, problems,
    fresh: () => convexTest(schema, loaders),
    versions: { "convex-test": versionOf(testFile), tsx: versionOf(tsxFile), convex: versionOf(testRequire.resolve("convex/values")) },
  };
}

// -- scheduled functions ------------------------------------------------------------------
// convex-test runs a scheduled function on a real timer. After any timer fires,
// wait for the scheduled functions in flight and tell the emulator, which then
// re-runs the subscriptions (they may read what the function wrote).
let current = null;
function watchTimers() {
  const realSetTimeout = globalThis.setTimeout;
  let pending = false;
  const settled = () => {
    if (pending) return;
    pending = true;
    realSetTimeout(async () => {
      pending = false;
      try { if (current) await current.finishInProgressScheduledFunctions(); } catch { /* its own error, reported by convex-test */ }
      send({ event: "writes" });
    }, 0);
  };
  const wrapped = function setTimeout(callback, ms, ...rest) {
    if (typeof callback !== "function") return realSetTimeout(callback, ms, ...rest);
    return realSetTimeout(function () {
      try { return callback.apply(this, rest); } finally { settled(); }
    }, ms);
  };
  Object.assign(wrapped, realSetTimeout);
  globalThis.setTimeout = wrapped;
}

// -- calls --------------------------------------------------------------------------------
const KINDS = { query: "Query", mutation: "Mutation", action: "Action" };

function lookup(app, udfPath, op) {
  const [mod, exportName = "default"] = udfPath.split(":");
  const fn = app.modules[mod] && !NOT_FUNCTIONS.test(mod) ? app.modules[mod][exportName] : undefined;
  const kind = fn && (fn.isQuery ? "query" : fn.isMutation ? "mutation" : fn.isAction ? "action" : null);
  if (!kind || fn.isInternal) {
    throw { convex: serverError(`Could not find public function for '${udfPath}'. ` +
                                "Did you forget to run `npx convex dev` or `npx convex deploy`?") };
  }
  if (kind !== op) {
    throw { convex: serverError(`Trying to execute ${udfPath} as ${KINDS[op]}, but it is defined as ${KINDS[kind]}.`) };
  }
  return fn;
}

async function call(app, t, { op, path: udfPath, args, identity }) {
  const fn = lookup(app, udfPath, op);
  const value = app.values.jsonToConvex(args ?? {});
  const argsValidator = JSON.parse(fn.exportArgs());
  const problem = check(argsValidator, value, "", app.values.jsonToConvex);
  if (problem) throw { convex: serverError(`ArgumentValidationError: ${problem}`) };
  const accessor = identity ? t.withIdentity(identity) : t;
  const result = await accessor[op](app.server.makeFunctionReference(udfPath), value);
  const returns = fn.__authtraceReturns;
  if (returns) {
    const wrong = check(returns, result === undefined ? null : result, "", app.values.jsonToConvex);
    if (wrong) throw { convex: serverError(`ReturnsValidationError: ${wrong}`) };
  }
  return app.values.convexToJson(result === undefined ? null : result);
}

async function main() {
  let app;
  try {
    app = await load();
  } catch (err) {
    send({ event: "ready", functions: [], authConfig: null, problems: [String(err && err.message || err)], versions: {} });
    return;
  }
  current = app.fresh();
  send({ event: "ready", functions: app.functions, authConfig: app.authConfig, problems: app.problems, versions: app.versions });
  let queue = Promise.resolve();
  const lines = readline.createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    queue = queue.then(() => handle(app, line));
  });
  lines.on("close", () => queue.then(() => out.end(() => process.exit(0))));
}

async function handle(app, line) {
  let request;
  try {
    request = JSON.parse(line);
  } catch {
    return;
  }
  const { id } = request;
  if (request.op === "reset") {
    current = app.fresh();
    send({ id, ok: true, value: null });
    return;
  }
  try {
    send({ id, ok: true, value: await call(app, current, request) });
  } catch (err) {
    if (err && typeof err === "object" && "convex" in err && !(err instanceof Error)) {
      send({ id, ok: false, message: err.convex });
    } else {
      send({ id, ok: false, ...describe(err, dir, app.values.convexToJson) });
    }
  }
}

main();
