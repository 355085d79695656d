"""The panel's stylesheet: everything under ``.at-dock``, so the app's styles and
the panel's do not meet (the panel sets its own font, colours and box model).
The swimlanes' own rules live with their renderer (:data:`.svg.STYLE`)."""

from .svg import STYLE as SWIMLANES

CSS = """
.at-dock, .at-dock * { box-sizing: border-box; }
.at-dock { position: fixed; z-index: 2147483000; right: 8px; bottom: 8px; font: 12px/1.35 system-ui, sans-serif;
  color: #e8e8ea; }
.at-dock[data-open="true"] { left: 0; right: 0; bottom: 0; height: min(45vh, 360px); background: #17181c;
  border-top: 2px solid #4b4f5c; box-shadow: 0 -4px 16px rgba(0,0,0,.35); display: flex; flex-direction: column; }
.at-dock button, .at-dock select, .at-dock input, .at-dock label.at-file { font: inherit; color: #e8e8ea; background: #2a2c33;
  border: 1px solid #50535e; border-radius: 4px; padding: 2px 7px; margin: 0 2px; cursor: pointer; }
.at-dock input[type=number] { width: 4.2em; cursor: text; }
.at-dock button:hover, .at-dock label.at-file:hover { background: #373a44; }
.at-dock :focus-visible { outline: 2px solid #6ea8ff; outline-offset: 1px; }
.at-dock button[aria-pressed="true"] { background: #3d5a99; border-color: #6ea8ff; }
.at-toggle { box-shadow: 0 2px 8px rgba(0,0,0,.35); }
.at-dock[data-open="true"] .at-toggle { position: absolute; right: 8px; top: 4px; }
.at-toggle[data-alarm="true"] { background: #9b1c1c !important; border-color: #ff6b6b !important; }
.at-body { display: flex; flex-direction: column; min-height: 0; flex: 1; padding: 4px 8px 0; }
.at-body[hidden] { display: none; }
.at-row { display: flex; flex-wrap: wrap; align-items: center; gap: 4px; padding: 2px 0; padding-right: 110px; }
.at-row .at-label { color: #9aa0ad; margin-left: 6px; }
.at-badge { display: inline-block; padding: 1px 7px; border-radius: 10px; background: #2a2c33; border: 1px solid #50535e; }
.at-badge b { font-weight: 600; color: #9aa0ad; margin-right: 4px; }
.at-badge[data-tone="ok"] { border-color: #2f9e5b; } .at-badge[data-tone="bad"] { border-color: #e5484d; background: #3b1618; }
.at-badge[data-tone="warn"] { border-color: #d99a1e; }
.at-alarm { max-height: 6.2em; overflow: auto; background: #5c1215; border: 1px solid #e5484d; border-radius: 4px; padding: 4px 8px; margin: 2px 0; color: #fff; }
.at-alarm[hidden] { display: none; }
.at-alarm code { color: #ffd1d1; }
.at-view { color: #d99a1e; }
.at-view[hidden] { display: none; }
.at-status { color: #9aa0ad; }
.at-status[data-state="error"] { color: #ff8a8a; }
.at-status[data-state="armed"] { color: #d99a1e; }
.at-scroll { flex: 1; overflow: auto; min-height: 0; background: #101114; border: 1px solid #2a2c33; margin-top: 2px; }
.at-console { display: flex; flex-direction: column; max-height: 50%; min-height: 6em; }
.at-console[hidden] { display: none; }
.at-console-out { flex: 1; overflow: auto; margin: 2px 0; padding: 4px; background: #101114; border: 1px solid #2a2c33;
  white-space: pre-wrap; font: 12px/1.3 ui-monospace, monospace; }
.at-console-line { color: #9aa0ad; } .at-console-error { color: #ff8a8a; }
.at-dock input.at-console-in { flex: 1; font-family: ui-monospace, monospace; cursor: text; }
.at-sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
""" + SWIMLANES
