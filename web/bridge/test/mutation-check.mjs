// Mutation check for the bridge suite: applies each edit below to a temporary copy
// of web/bridge, runs the suite there, and expects it to FAIL. A mutant the suite
// lets pass means a rule nobody tests. Prints, per edit, which tests caught it (in the
// first test file that failed: files run fastest first and a mutant stops there).
//
//   node web/bridge/test/mutation-check.mjs [--only NAME] [--jobs N]
//
// Exit 0 when every mutant is caught; 1 when one survives or an edit no longer
// applies (the code moved: update its `find`). tests/bridge runs it in CI.
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const BRIDGE = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const ROOT = resolve(BRIDGE, "../..");

// Each: what the edit breaks, the file, the exact text (must occur once) and its replacement.
export const MUTANTS = [
  // -- the edits issue 11 lists, in the new code --------------------------------------------
  { name: "remove the proactive-refresh cooldown", file: "machine.js",
    find: " || s.now - s.lastProactiveAt < o.cooldownMs", replace: "" },
  { name: "remove the shortening of a background sleep (signals no longer cut a backoff)", file: "machine.js",
    find: "    if (s.now >= earliest) startCall(s, fx, e.name);", replace: "    if (false) startCall(s, fx, e.name);" },
  { name: "don't force the call a forced caller joins", file: "machine.js",
    find: "s.forceNext = s.forceNext ? 2 : 1;", replace: "s.forceNext = 0;" },
  { name: "confirm a terminal error with another call (the dropped confirming attempt)", file: "machine.js",
    find: "if (failure.kind === \"terminal\") {", replace: "if (failure.kind === \"terminal\" && s.attempt > 0) {" },
  { name: "make dispose a no-op", file: "broker.js",
    find: "  function dispose() {\n    if (state.phase === \"disposed\") return;", replace: "  function dispose() {\n    return;" },
  // -- the new rules ------------------------------------------------------------------------------
  { name: "no backoff ceiling", file: "machine.js",
    find: "const cap = Math.min(ceiling, o.backoffBaseMs * 2 ** Math.max(0, attempt - 1));",
    replace: "const cap = o.backoffBaseMs * 2 ** Math.max(0, attempt - 1);" },
  { name: "fixed 2 s retries (the old blocked cap)", file: "machine.js",
    find: "let delay = backoffDelay(s.attempt, event.page || {}, event.random ?? 0.5, o);", replace: "let delay = 2_000;" },
  { name: "ignore Retry-After", file: "machine.js",
    find: "if (typeof failure.retryAfterMs === \"number\") {", replace: "if (false) {" },
  { name: "navigator.onLine as a gate, no maximum wait", file: "machine.js",
    find: "if (online === false) d = Math.max(d, Math.min(o.offlineMaxWaitMs, ceiling));", replace: "if (online === false) d = 1e12;" },
  { name: "a second AuthKit call while one hangs", file: "machine.js",
    find: "if (!s.waiters.length || s.phase !== \"idle\") return;", replace: "if (!s.waiters.length || (s.phase !== \"idle\" && s.phase !== \"stuck\")) return;" },
  { name: "a hung call goes unreported (no console.warn)", file: "machine.js",
    find: "fx.push({ type: \"warn\", message:", replace: "void ({ type: \"warn\", message:" },
  { name: "no valid token served while AuthKit hangs or backs off", file: "machine.js",
    find: "    if (s.phase === \"stuck\" || s.phase === \"backoff\") serveCached(s, fx);\n", replace: "" },
  { name: "no misconfigured state: re-arm forever", file: "machine.js",
    find: "if (s.rejected >= Math.max(1, s.opts.maxRejectedTokens)) {", replace: "if (false) {" },
  { name: "a reconnect loop faster than a render goes uncounted (rotates on and on)", file: "machine.js",
    find: "!(asked && s.now - h.at < s.opts.rejectBurstMs)", replace: "true" },
  { name: "null from getAccessToken retried as a transient failure", file: "machine.js",
    find: "if (e.ok && (e.token === null || e.token === undefined || e.token === \"\")) {", replace: "if (false) {" },
  { name: "a forced request always rotates (ignores AuthKit's newer token)", file: "machine.js",
    find: "const force = !!s.token && s.waiters.some((w) => !satisfies(w, s.token.value))\n    && (s.forceNext === 2 || (s.forceNext === 1 && !inAuthKitBuffer(s.token, s.now, o)));",
    replace: "const force = s.waiters.some((w) => w.force);" },
  { name: "same_token not detected on a forced call", file: "machine.js",
    find: "        } else if (call.force) {\n", replace: "        } else if (false) {\n" },
  { name: "dispose at once on release (breaks StrictMode's remount)", file: "broker.js",
    find: "if (holds === 0 && disposeTimer === null) disposeTimer = timers.setTimeout(() => { disposeTimer = null; if (holds === 0) dispose(); }, 0);",
    replace: "if (holds === 0) dispose();" },
  { name: "never dispose on unmount (index.js before issue 11)", file: "index.js",
    find: "return () => { off(); release(); if (hub.broker === broker) setActive(null); };", replace: "return () => { off(); if (hub.broker === broker) setActive(null); };" },
  { name: "reload a hidden tab", file: "index.js",
    find: "    if (isHidden()) {", replace: "    if (false) {" },
  { name: "reload on every sign-out (no page-session guard)", file: "index.js",
    find: "already = sessionStorage.getItem(RELOAD_KEY) !== null;", replace: "already = false;" },
  // -- the refresh breaker (breaker.js) ---------------------------------------------------------
  { name: "breaker off by default", file: "options.js",
    find: "holdAuthKitRefreshes: true,", replace: "holdAuthKitRefreshes: false," },
  { name: "breaker never closing on signals (the bridge's attempt after a signal is held)", file: "machine.js",
    find: "  if (s.call) return \"calling\";", replace: "  if (s.call) return SIGNALS.includes(s.call.trigger) ? \"backoff\" : \"calling\";" },
  { name: "breaker holding the bridge's own call", file: "breaker.js",
    find: "    if (m === \"calling\") return false;", replace: "    if (m === \"calling\") backoff = true;" },
  { name: "breaker touching non-refresh requests (grant_type not checked)", file: "breaker.js",
    find: "  if (!refresh) return null;", replace: "" },
  { name: "breaker touching non-refresh requests (any method)", file: "breaker.js",
    find: "  if (String(init.method || \"GET\").toUpperCase() !== \"POST\") return null;", replace: "" },
  { name: "breaker holding past the end of the backoff", file: "machine.js",
    find: "if (s.phase === \"backoff\" && (s.retryAt === null || now < s.retryAt)) return \"backoff\";",
    replace: "if (s.phase === \"backoff\") return \"backoff\";" },
  { name: "breaker stacking a wrapper on every install", file: "breaker.js",
    find: "    if (b.installed) return; // outermost", replace: "    if (false) return; // outermost" },
  { name: "breaker never unwrapping fetch", file: "breaker.js",
    find: "    try { target.fetch = b.inner; } catch { return; }", replace: "    return;" },
  { name: "breaker not fail-open (an error inside it fails the request)", file: "breaker.js",
    find: "    } catch { b.stats.errors += 1; origin = null; held = null; }", replace: "    } catch (e) { throw e; }" },
  { name: "a refresh failure AuthKit hides (unexpired token) not counted: forced follow-up", file: "machine.js",
    find: "if (!call.force && wireFailure(e.wire)) {", replace: "if (false) {" },
  { name: "a bridge call that joined a held refresh counts as a failed attempt", file: "machine.js",
    find: "if (e.held && !call.afterHeld && s.waiters.length) {", replace: "if (false) {" },
  { name: "Retry-After seen on the wire ignored", file: "broker.js",
    find: "retryAfterMs(err, clock.now()) ?? (seen() && seen().retryAfterMs)", replace: "retryAfterMs(err, clock.now())" },
];

// Fast, pure files first: a mutant stops at the first file that fails (bail below);
// the React layer's own tests first for an edit of index.js.
const ORDER = ["machine", "classify", "watchdog", "breaker", "holding", "broker", "session", "targets", "authkit-real", "recorder", "react"];
function testFiles(dir, mutated = null) {
  const first = mutated === "index.js" ? "react" : null;
  const rank = (f) => { const name = f.replace(/\.test\.js$/, ""); const i = ORDER.indexOf(name); return name === first ? -1 : i < 0 ? ORDER.length : i; };
  return readdirSync(join(dir, "bridge/test")).filter((f) => f.endsWith(".test.js")).sort((a, b) => rank(a) - rank(b))
    .map((f) => join("bridge/test", f));
}

/** Run `files` in `dir` with node's test runner; resolve {code, failed: [test names], timedOut}. */
function runFiles(dir, files, timeoutMs = 600_000) {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  return new Promise((done) => {
    // A generous per-test timeout: on a loaded machine a slow test must not pass for a catch.
    const child = spawn(process.execPath, ["--test", "--test-reporter=tap", "--test-timeout=120000", "--test-force-exit", ...files],
      { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => { out += d; });
    child.stderr.on("data", (d) => { out += d; });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      const failed = [];
      const lines = out.split("\n");
      lines.forEach((line, i) => {
        const m = /^\s*not ok \d+ - (.*)$/.exec(line);
        if (!m) return;
        const block = lines.slice(i + 1, i + 12).join("\n");
        if (!/failureType: 'subtestsFailed'/.test(block)) failed.push(/timed out after/.test(block) ? `${m[1]} (TIMED OUT)` : m[1]);
      });
      done({ code, failed, timedOut: code === null });
    });
  });
}

/** The whole suite in `dir`; with `bail`, file by file, stopping at the first that fails. */
async function runSuite(dir, { bail = false, mutated = null } = {}) {
  const files = testFiles(dir, mutated);
  if (!bail) return runFiles(dir, files);
  for (const file of files) {
    const r = await runFiles(dir, [file]);
    if (r.code !== 0) return { ...r, failed: r.failed.map((name) => `${name}  [${file.split("/").pop()}]`) };
  }
  return { code: 0, failed: [], timedOut: false };
}

async function main() {
  const args = process.argv.slice(2);
  const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : null;
  const jobs = args.includes("--jobs") ? Number(args[args.indexOf("--jobs") + 1]) : Math.min(2, availableParallelism());
  const mutants = MUTANTS.filter((m) => !only || m.name.includes(only));
  const originals = new Map();
  const problems = [];
  for (const m of mutants) {
    const src = originals.get(m.file) ?? readFileSync(join(BRIDGE, m.file), "utf8");
    originals.set(m.file, src);
    const hits = src.split(m.find).length - 1;
    if (hits !== 1) problems.push(`${m.name}: its text occurs ${hits} times in ${m.file} (expected once)`);
  }
  if (problems.length) { for (const p of problems) console.log(`✗ ${p}`); process.exit(1); }

  const workdir = mkdtempSync(join(tmpdir(), "bridge-mutants-"));
  const slot = (i) => {
    const dir = join(workdir, String(i));
    cpSync(BRIDGE, join(dir, "bridge"), { recursive: true });
    cpSync(join(ROOT, "web/recorder/boot.js"), join(dir, "recorder/boot.js")); // recorder.test.js loads it
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
    return dir;
  };
  try {
    const base = await runSuite(slot("baseline"));
    if (base.code !== 0) {
      console.log(`✗ the unmodified suite fails (${base.failed.join("; ") || `exit ${base.code}`}): fix it before checking mutants`);
      process.exit(1);
    }
    const results = new Array(mutants.length);
    let next = 0;
    const worker = async (w) => {
      const dir = slot(`w${w}`);
      while (next < mutants.length) {
        const i = next++;
        const m = mutants[i];
        for (const [file, src] of originals) writeFileSync(join(dir, "bridge", file), src);
        writeFileSync(join(dir, "bridge", m.file), originals.get(m.file).replace(m.find, m.replace));
        const t0 = Date.now();
        results[i] = { ...(await runSuite(dir, { bail: true, mutated: m.file })), ms: Date.now() - t0 };
        const r = results[i];
        const caught = r.code !== 0;
        console.log(`${caught ? "✓ caught" : "✗ SURVIVED"}  ${m.name}  (${(r.ms / 1000).toFixed(1)} s)`);
        if (r.timedOut) console.log("      the suite hung (killed): counts as caught");
        for (const name of r.failed.slice(0, 4)) console.log(`      fails: ${name}`);
        if (r.failed.length > 4) console.log(`      … and ${r.failed.length - 4} more`);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, jobs) }, (_, w) => worker(w)));
    const survived = mutants.filter((m, i) => results[i].code === 0);
    console.log(`\n${mutants.length - survived.length} of ${mutants.length} mutants caught`);
    process.exitCode = survived.length ? 1 : 0;
  } finally {
    rmSync(workdir, { recursive: true, force: true });
  }
}

// Under `node --test web/bridge/test/` every file in test/ is loaded as a test: do nothing there.
if (!process.env.NODE_TEST_CONTEXT && process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
