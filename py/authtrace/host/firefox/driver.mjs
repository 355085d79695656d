// Headless Firefox over WebDriver BiDi (puppeteer-core, no download), driven by
// Python as JSON lines: one request per stdin line {id, op, ...}, one answer per
// stdout line {id, ok, value} or {id, ok: false, error}. Pages are named by small
// integers. Firefox ESR's executable comes in argv[2] (Debian's /usr/bin/firefox-esr).
// What Firefox cannot do that Chromium's CDP can (freeze, network emulation) is
// not offered here: docs/engines.md says what each engine's tab controls are.
import { createInterface } from "node:readline";
import puppeteer from "puppeteer-core";

const executablePath = process.argv[2] || "/usr/bin/firefox-esr";
const browser = await puppeteer.launch({
  browser: "firefox",
  executablePath,
  headless: true,
  protocol: "webDriverBiDi",
  // A fresh profile per launch (puppeteer's temporary one); no first-run pages, no updates.
  extraPrefsFirefox: { "browser.shell.checkDefaultBrowser": false, "app.update.enabled": false },
});
const pages = new Map();
let nextPage = 1;
const console_ = new Map(); // page id -> the last console lines (errors and warnings)

function register(page) {
  const id = nextPage++;
  pages.set(id, page);
  const lines = [];
  console_.set(id, lines);
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warn") lines.push(`${m.type()}: ${m.text()}`.slice(0, 300));
    if (lines.length > 50) lines.shift();
  });
  page.on("pageerror", (e) => lines.push(`pageerror: ${e && e.message}`.slice(0, 300)));
  return id;
}

function page(id) {
  const p = pages.get(id);
  if (!p) throw new Error(`no page ${id}`);
  return p;
}

const ops = {
  version: async () => browser.version(),
  newPage: async () => register(await browser.newPage()),
  // A script run in every new document of the page before its own scripts.
  addInitScript: async ({ page: id, source }) => { await page(id).evaluateOnNewDocument(source); return true; },
  goto: async ({ page: id, url, timeoutMs = 60000 }) => {
    await page(id).goto(url, { waitUntil: "load", timeout: timeoutMs });
    return page(id).url();
  },
  // The expression's value, as JSON (an awaited promise's value for async expressions).
  evaluate: async ({ page: id, expression }) =>
    page(id).evaluate((src) => Promise.resolve((0, eval)(src)).then((v) => (v === undefined ? null : v)), expression),
  bringToFront: async ({ page: id }) => { await page(id).bringToFront(); return true; },
  close: async ({ page: id }) => { await page(id).close(); pages.delete(id); return true; },
  console: async ({ page: id }) => console_.get(id) || [],
  quit: async () => { await browser.close(); process.exit(0); },
};

const out = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
out({ id: 0, ok: true, value: await browser.version() }); // ready
const rl = createInterface({ input: process.stdin });
rl.on("line", async (line) => {
  let req;
  try { req = JSON.parse(line); } catch { return out({ id: null, ok: false, error: "bad request line" }); }
  const op = ops[req.op];
  if (!op) return out({ id: req.id, ok: false, error: `unknown op ${req.op}` });
  try {
    out({ id: req.id, ok: true, value: await op(req) });
  } catch (e) {
    out({ id: req.id, ok: false, error: String((e && e.message) || e) });
  }
});
rl.on("close", async () => { await browser.close().catch(() => {}); process.exit(0); });
