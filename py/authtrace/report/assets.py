"""The report's stylesheet and its one small script, inline in the file (no fetch of anything).

The page reads without the script: the lanes' marks have hover titles, evidence
links jump to their row in the event table, which ``:target`` highlights. The
script adds the zoom toolbar (1× to 64×, about the highlighted event; pan by dragging or
the slider) and the
highlighting: an evidence link, a row of the table or a mark (click) marks the event on
the lanes (with a guide line, brought into view) and its row in the table.

The timeline sticks to the top of the window while the findings and the table
scroll under it, so a highlighted mark stays in sight.
"""

from __future__ import annotations

from ..browser.panel.svg import STYLE as LANES_STYLE

CSS = """
:root { color-scheme: dark; }
* { box-sizing: border-box; }
body { margin: 0; background: #101114; color: #e8e8ea; font: 14px/1.45 system-ui, sans-serif; }
a { color: #8fb8ff; }
code, pre { font: 12px ui-monospace, monospace; }
h1 { font-size: 18px; margin: 0 0 6px; color: #9aa0ad; font-weight: 600; }
h2 { font-size: 16px; margin: 22px 0 8px; border-bottom: 1px solid #2a2c33; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 0 0 4px; }
.rp-head { padding: 14px 18px 8px; background: #17181c; border-bottom: 1px solid #2a2c33; }
.rp-verdict { font-size: 20px; font-weight: 650; margin: 0 0 8px; padding: 6px 10px; border-radius: 4px;
  border-left: 5px solid #8a8f9a; background: #1b1d22; }
.rp-verdict[data-tone="bad"] { border-color: #e5484d; background: #3b1618; }
.rp-verdict[data-tone="warn"] { border-color: #f0a020; background: #33270f; }
.rp-verdict[data-tone="ok"] { border-color: #2f9e5b; background: #13291c; }
.rp-facts { display: grid; grid-template-columns: max-content 1fr; gap: 1px 12px; margin: 0 0 6px; font-size: 13px; }
.rp-facts dt { color: #9aa0ad; } .rp-facts dd { margin: 0; overflow-wrap: anywhere; }
.rp-redaction { font-size: 12px; color: #9aa0ad; margin: 4px 0; }
.rp-nav a { margin-right: 14px; font-size: 13px; }
.rp-timeline { position: sticky; top: 0; z-index: 2; background: #101114; border-bottom: 2px solid #2a2c33;
  padding: 4px 18px 2px; }
.rp-toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; font-size: 12px; color: #9aa0ad; padding: 2px 0; }
.rp-toolbar[hidden] { display: none; }
.rp-toolbar button { font: inherit; color: #e8e8ea; background: #2a2c33; border: 1px solid #50535e; border-radius: 4px;
  padding: 1px 8px; cursor: pointer; }
.rp-toolbar button[aria-pressed="true"] { background: #3d5a99; border-color: #6ea8ff; }
.rp-toolbar input[type=range] { width: 220px; }
.rp-lanes { max-height: 42vh; overflow: auto; background: #101114; }
.rp-lanes svg { display: block; }
.rp-lanes[data-zoomed="true"] svg { cursor: grab; }
.rp-legend { font-size: 11px; color: #9aa0ad; margin: 2px 0; }
.rp-legend i { display: inline-block; width: 10px; height: 10px; margin: 0 3px 0 8px; vertical-align: -1px; }
.rp-legend .at-ok { background: #2f9e5b; } .rp-legend .at-warn { background: #f0a020; }
.rp-legend .at-bad { background: #e5484d; } .rp-legend .at-info { background: #5b8def; }
.rp-legend .at-muted { background: #8a8f9a; } .rp-legend .at-exp { background: #b46cf0; }
.rp-legend .rp-split { background: rgba(229, 72, 77, .3); border: 1px dashed #e5484d; }
.at-timeline .rp-split { fill: #e5484d; opacity: .16; pointer-events: none; }
.at-timeline .rp-splitbar { fill: #e5484d; opacity: .8; }
.at-timeline .rp-guide { stroke: #fff; stroke-width: 1; stroke-dasharray: 3 2; pointer-events: none; }
.at-timeline .at-mark { cursor: pointer; }
.at-timeline .at-mark.rp-hit rect { stroke: #fff; stroke-width: 2.5; }
main { padding: 0 18px 24px; }
/* Long reports: what is off screen is laid out when it comes near (or is linked to), not at load. */
.rp-finding { content-visibility: auto; contain-intrinsic-size: auto 220px; }
.rp-chunk { content-visibility: auto; contain-intrinsic-size: auto 2600px; }
.rp-events { table-layout: fixed; }
.rp-events th:nth-child(1), .rp-events td:nth-child(1) { width: 8.5em; }
.rp-events th:nth-child(2), .rp-events td:nth-child(2) { width: 6.5em; }
.rp-events th:nth-child(3), .rp-events td:nth-child(3) { width: 9em; overflow: hidden; text-overflow: ellipsis; }
.rp-events th:nth-child(4), .rp-events td:nth-child(4) { width: 4.5em; }
.rp-events th:nth-child(5), .rp-events td:nth-child(5) { width: 13em; overflow: hidden; text-overflow: ellipsis; }
.rp-events th:nth-child(7), .rp-events td:nth-child(7) { width: 5em; }
.rp-finding { background: #17181c; border: 1px solid #2a2c33; border-left: 4px solid #e5484d; border-radius: 4px;
  padding: 8px 12px; margin: 8px 0; }
.rp-finding[data-cause="split-brain"] { border-left-color: #f0a020; }
.rp-finding h3 code { color: #9aa0ad; font-weight: 400; margin-left: 6px; }
.rp-finding p { margin: 4px 0; }
.rp-num { display: inline-block; min-width: 1.6em; color: #9aa0ad; }
.rp-when { color: #9aa0ad; font-size: 13px; }
.rp-conf { font-size: 12px; padding: 0 6px; border-radius: 8px; border: 1px solid #50535e; }
.rp-conf[data-confidence="confirmed"] { border-color: #2f9e5b; color: #7fd6a0; }
.rp-conf[data-confidence="inferred"] { border-color: #f0a020; color: #f5c46a; }
.rp-fix { color: #b8d4ff; }
.rp-ev { font: 12px ui-monospace, monospace; padding: 0 3px; border-radius: 3px; }
.rp-ev.rp-hit { background: #3d5a99; color: #fff; }
.rp-cites { list-style: none; padding: 0; margin: 4px 0; font-size: 13px; }
.rp-cites li { margin: 1px 0; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
caption, .rp-caption { text-align: left; color: #9aa0ad; font-size: 12px; padding: 2px 0 6px; margin: 0; }
th { text-align: left; color: #9aa0ad; font-weight: 600; border-bottom: 1px solid #2a2c33; padding: 3px 6px; }
td { border-bottom: 1px solid #1f2127; padding: 2px 6px; vertical-align: top; }
td:nth-child(-n+4) { white-space: nowrap; font: 12px ui-monospace, monospace; color: #c7cad3; }
.rp-events tr { scroll-margin-top: 50vh; cursor: pointer; }
.rp-events tr.rp-cited td:nth-child(6) { font-weight: 600; }
.rp-events tr:target, .rp-events tr.rp-hit { background: #3d5a99; }
.rp-events details { font-weight: 400; }
.rp-events pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: 2px 0; color: #c7cad3; }
footer { padding: 8px 18px 20px; color: #70757f; font-size: 12px; }
@media print { .rp-timeline { position: static; } .rp-lanes { max-height: none; overflow: visible; } }
""" + LANES_STYLE

SCRIPT = r"""
(() => {
  "use strict";
  const box = document.getElementById("rp-lanes");
  const svg = box && box.querySelector("svg.at-timeline");
  const NS = "http://www.w3.org/2000/svg";
  let lit = [];
  let guide = null;
  let dragged = false;

  function utc(ms) { return new Date(ms).toISOString().slice(11, 19); }

  // -- zoom: every x in the plot maps through the window [left, left + W / zoom] --------
  const bg = svg && svg.querySelector(".at-lanebg");
  const L = bg ? +bg.getAttribute("x") : 0, W = bg ? +bg.getAttribute("width") : 0;
  const t0 = svg ? +svg.dataset.start : 0, t1 = svg ? +svg.dataset.end : 0;
  const points = [], spans = [], ticks = [];
  if (bg) {
    for (const r of svg.querySelectorAll(".at-mark rect")) points.push([r, +r.getAttribute("x") + +r.getAttribute("width") / 2]);
    for (const r of svg.querySelectorAll("rect.at-band, rect.rp-split, rect.rp-splitbar"))
      spans.push([r, +r.getAttribute("x"), +r.getAttribute("width")]);
    for (const g of svg.querySelectorAll(".at-tick")) ticks.push([g, +g.querySelector("line").getAttribute("x1")]);
  }
  let zoom = 1, center = L + W / 2;
  const pan = document.getElementById("rp-pan"), shown = document.getElementById("rp-window");

  function place() {
    const half = W / 2 / zoom;
    center = Math.min(Math.max(center, L + half), L + W - half);
    const left = center - half, at = x => L + (x - left) * zoom;
    const show = (el, on) => el.setAttribute("visibility", on ? "visible" : "hidden");
    for (const [el, x] of points) { const cx = at(x); el.setAttribute("x", (cx - 2).toFixed(1)); show(el, cx >= L - 2 && cx <= L + W + 2); }
    for (const [el, x, w] of spans) {
      const a = Math.max(L, at(x)), b = Math.min(L + W, at(x + w));
      el.setAttribute("x", a.toFixed(1)); el.setAttribute("width", Math.max(1, b - a).toFixed(1)); show(el, b > a);
    }
    for (const [g, x] of ticks) {
      const tx = at(x);
      for (const line of g.querySelectorAll("line")) { line.setAttribute("x1", tx.toFixed(1)); line.setAttribute("x2", tx.toFixed(1)); }
      for (const text of g.querySelectorAll("text")) text.setAttribute("x", (tx + 2).toFixed(1));
      show(g, tx >= L && tx <= L + W);
    }
    const span = t1 - t0, from = t0 + (left - L) / W * span;
    if (shown) shown.textContent = utc(from) + " to " + utc(from + span / zoom) + " UTC";
    if (pan) { pan.disabled = zoom === 1; pan.value = zoom === 1 ? 500 : Math.round((center - L - half) / (W - 2 * half) * 1000); }
    box.dataset.zoomed = String(zoom > 1);
    for (const b of document.querySelectorAll("#rp-toolbar [data-zoom]")) b.setAttribute("aria-pressed", String(+b.dataset.zoom === zoom));
    drawGuide();
  }

  function setZoom(z, about) {
    if (about === undefined) {  // zoom about the highlighted event, if any
      const mark = lit.find(el => el.classList.contains("at-mark"));
      const base = mark && points.find(p => p[0] === mark.querySelector("rect"));
      if (base) about = base[1];
    }
    if (about !== undefined) center = about;
    zoom = z;
    place();
  }

  // -- highlighting ----------------------------------------------------------------------------
  function drawGuide() {
    if (guide) { guide.remove(); guide = null; }
    const mark = lit.find(el => el.classList.contains("at-mark"));
    if (!mark) return;
    const r = mark.querySelector("rect"), x = (+r.getAttribute("x") + 2).toFixed(1);
    guide = document.createElementNS(NS, "line");
    guide.setAttribute("class", "rp-guide");
    for (const [k, v] of [["x1", x], ["x2", x], ["y1", 0], ["y2", svg.getAttribute("height")]]) guide.setAttribute(k, v);
    svg.appendChild(guide);
  }

  function reveal(mark) {
    const base = points.find(p => p[0] === mark.querySelector("rect"));
    if (base && zoom > 1) { const half = W / 2 / zoom, cx = L + (base[1] - (center - half)) * zoom; if (cx < L || cx > L + W) setZoom(zoom, base[1]); }
    const r = mark.getBoundingClientRect(), b = box.getBoundingClientRect();
    if (r.top < b.top || r.bottom > b.bottom) box.scrollTop += r.top - b.top - b.height / 2;
    if (r.left < b.left || r.right > b.right) box.scrollLeft += r.left - b.left - b.width / 2;
  }

  function highlight(value) {
    const id = parseInt(value, 10);
    for (const el of lit) el.classList.remove("rp-hit");
    lit = [];
    if (Number.isFinite(id)) {
      lit = [...document.querySelectorAll('.at-mark[data-id="' + id + '"], a.rp-ev[data-id="' + id + '"]')];
      const row = document.getElementById("ev-" + id);
      if (row) lit.push(row);
      for (const el of lit) el.classList.add("rp-hit");
      document.body.dataset.highlight = String(id);
    } else {
      delete document.body.dataset.highlight;
    }
    const mark = lit.find(el => el.classList.contains("at-mark"));
    if (svg) drawGuide();
    if (mark) reveal(mark);
  }

  document.addEventListener("click", e => {
    const link = e.target.closest && e.target.closest("a.rp-ev");
    if (link) { highlight(link.dataset.id); return; }
    const mark = e.target.closest && e.target.closest(".at-mark");
    if (mark && !dragged) {
      highlight(mark.dataset.id);
      if (document.getElementById("ev-" + mark.dataset.id)) location.hash = "ev-" + mark.dataset.id;
      return;
    }
    const row = e.target.closest && e.target.closest(".rp-events tr[id]");
    if (row && !e.target.closest("a, summary, pre")) highlight(row.id.slice(3));
  });
  window.addEventListener("hashchange", () => { const m = /^#ev-(\d+)$/.exec(location.hash); if (m) highlight(m[1]); });

  // -- the toolbar and dragging ------------------------------------------------------------------
  if (bg) {
    const bar = document.getElementById("rp-toolbar");
    bar.hidden = false;
    for (const b of bar.querySelectorAll("[data-zoom]")) b.addEventListener("click", () => setZoom(+b.dataset.zoom));
    pan.addEventListener("input", () => { const half = W / 2 / zoom; center = L + half + (W - 2 * half) * pan.value / 1000; place(); });
    let from = null;
    svg.addEventListener("pointerdown", e => { if (zoom > 1) { from = [e.clientX, center]; dragged = false; } });
    svg.addEventListener("pointermove", e => {
      if (!from) return;
      const dx = e.clientX - from[0];
      if (Math.abs(dx) > 3) { dragged = true; center = from[1] - dx / zoom; place(); }
    });
    window.addEventListener("pointerup", () => { from = null; setTimeout(() => { dragged = false; }, 0); });
    if (shown) shown.textContent = utc(t0) + " to " + utc(t1) + " UTC";  // zoom 1: everything where it was drawn
  }
  const m = /^#ev-(\d+)$/.exec(location.hash);
  if (m) highlight(m[1]);
  document.documentElement.dataset.ready = "true";
})();
"""
