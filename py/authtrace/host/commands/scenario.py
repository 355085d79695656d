"""``authtrace scenario list`` and ``authtrace scenario run NAME`` (in the lab, or against your app
with ``--app-url URL`` / ``--app-cmd CMD``)."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import UsageError
from . import app_options


def register(sub) -> None:
    p = sub.add_parser("scenario", help="reproduce a reported failure chain in headless Chromium")
    psub = p.add_subparsers(dest="scenario_command", metavar="ACTION", required=True)
    ls = psub.add_parser("list", help="list the scenarios")
    ls.set_defaults(func=run_list)
    r = psub.add_parser("run", help="run one scenario and print its figures")
    r.add_argument("name", metavar="NAME")
    r.add_argument("--adapter", default=None, help="stock (the published adapter, default) or resilient (the bridge); "
                                                   "the lab's choice: your app brings its own")
    r.add_argument("--seed", type=int, default=0, help="varies timings reproducibly (default: 0)")
    r.add_argument("--json", action="store_true", help="print one JSON object")
    r.add_argument("--trace-out", type=Path, default=None, help="where to write the recorded trace")
    r.add_argument("--profile", choices=["full", "ci"], default="full",
                   help="ci: a long scenario in its shortened profile (default: full)")
    app_options.add(r)
    r.set_defaults(func=run_one)


def run_list(args) -> int:
    from ..scenarios.app import NOT_ON_APPS
    from ..scenarios.catalog import SCENARIOS

    width = max(len(n) for n in SCENARIOS)
    for name, s in SCENARIOS.items():
        print(f"{name:{width}}  {s.summary} (~{s.minutes:g} min)" + (" [lab only]" if name in NOT_ON_APPS else ""))
    return 0


def run_one(args) -> int:
    from ..scenarios.catalog import SCENARIOS
    from ..scenarios.context import ScenarioError
    from ..scenarios.runner import ADAPTERS, run

    if args.name not in SCENARIOS:
        raise UsageError(f"unknown scenario {args.name!r}; `authtrace scenario list` shows them")
    on_app = app_options.wanted(args)
    if on_app and args.adapter is not None:
        raise UsageError("--adapter picks the lab's adapter; your app (--app-url/--app-cmd) brings its own")
    adapter = args.adapter or "stock"
    if adapter not in ADAPTERS:
        raise UsageError(f"--adapter must be one of {', '.join(ADAPTERS)}")
    if args.trace_out is not None and args.trace_out.exists():
        raise UsageError(f"{args.trace_out} exists; choose another --trace-out")
    try:
        if on_app:
            result = _run_on_app(args)
        else:
            result = run(args.name, adapter, args.seed, args.trace_out, profile=args.profile)
    except ScenarioError as exc:
        raise UsageError(f"scenario {args.name} could not run: {exc}") from None
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:28} {value}")
    return 0


def _run_on_app(args) -> dict:
    from ..scenarios.app import NOT_ON_APPS, run_on_app

    if args.name in NOT_ON_APPS:
        raise UsageError(f"{args.name} does not run against your app: {NOT_ON_APPS[args.name]}")
    with app_options.station(args) as station:
        return run_on_app(args.name, station, args.seed, args.trace_out, profile=args.profile)
