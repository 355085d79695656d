"""``authtrace bench NAME [--json]``: benchmarks that print figures.

Each benchmark is a module ``authtrace.host.bench_<name>`` with
``add_arguments(parser)`` (optional) and ``main(args) -> dict``; targets are
reported in the figures (``meets_target``), never asserted by a timed test.
"""

from __future__ import annotations

import importlib
import json

BENCHMARKS = {
    "recorder": "fetch and WebSocket round trips with and without the recorder, and the memory of 10,000 events",
    "emulators": "many concurrent Convex sync clients against the emulator: Transition latency p50/p95, clients held",
    "replay": "replay a recorded one-hour session (300 s tokens) fast-forwarded in Chromium: wall time, speed-up",
    "diagnosis": "diagnose traces of 2k to 1M events: time, peak memory, the fitted growth exponent",
    "panel": "navigation to the debug panel interactive and the recorder attached, cold and warm cache, bytes transferred",
    "report": "HTML reports of 2k and 20k events: size, and time to open and render in headless Chromium",
    "loading": "peak memory and time of trace redact and analyze on a generated 50 MB HAR",
    "livediag": "the panel's split-brain diagnosis over a full 20,000-event buffer in Chromium: longest task, main-thread ms/min",
    "fleet": "authtrace fleet over 1,000 and 10,000 generated sessions in OTLP files: time, sessions/s, memory, scaling",
    "chaos": "chaos runs side by side: runs per minute against concurrency, CPU load, same verdicts as serial",
}


def register(sub) -> None:
    p = sub.add_parser("bench", help="run a benchmark and print its figures")
    bsub = p.add_subparsers(dest="bench", metavar="NAME", required=True)
    for name, help_text in BENCHMARKS.items():
        b = bsub.add_parser(name, help=help_text)
        b.add_argument("--json", action="store_true", help="print one JSON object")
        module = _module(name)
        if module is not None and hasattr(module, "add_arguments"):
            module.add_arguments(b)
        b.set_defaults(func=run, bench_module=name)


def _module(name: str):
    try:
        return importlib.import_module(f"authtrace.host.bench_{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"authtrace.host.bench_{name}":
            return None
        raise


def run(args) -> int:
    from ..errors import UsageError

    module = _module(args.bench_module)
    if module is None:
        raise UsageError(f"benchmark {args.bench_module!r} is not available in this build")
    figures = module.main(args)
    if args.json:
        print(json.dumps(figures))
    else:
        _print_human(args.bench_module, figures)
    return 0


def _print_human(name: str, figures: dict, indent: str = "") -> None:
    if not indent:
        print(f"authtrace bench {name}")
    for key, value in figures.items():
        if isinstance(value, dict):
            print(f"{indent}  {key}:")
            _print_human(name, value, indent + "  ")
        else:
            print(f"{indent}  {key}: {value}")
