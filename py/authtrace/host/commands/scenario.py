"""``authtrace scenario list`` and ``authtrace scenario run NAME``."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import UsageError


def register(sub) -> None:
    p = sub.add_parser("scenario", help="reproduce a reported failure chain in headless Chromium")
    psub = p.add_subparsers(dest="scenario_command", metavar="ACTION", required=True)
    ls = psub.add_parser("list", help="list the scenarios")
    ls.set_defaults(func=run_list)
    r = psub.add_parser("run", help="run one scenario and print its figures")
    r.add_argument("name", metavar="NAME")
    r.add_argument("--adapter", default="stock", help="stock (the published adapter) or resilient (the bridge)")
    r.add_argument("--seed", type=int, default=0, help="varies timings reproducibly (default: 0)")
    r.add_argument("--json", action="store_true", help="print one JSON object")
    r.add_argument("--trace-out", type=Path, default=None, help="where to write the recorded trace")
    r.add_argument("--profile", choices=["full", "ci"], default="full",
                   help="ci: a long scenario in its shortened profile (default: full)")
    r.set_defaults(func=run_one)


def run_list(args) -> int:
    from ..scenarios.catalog import SCENARIOS

    width = max(len(n) for n in SCENARIOS)
    for name, s in SCENARIOS.items():
        print(f"{name:{width}}  {s.summary} (~{s.minutes:g} min)")
    return 0


def run_one(args) -> int:
    from ..scenarios.catalog import SCENARIOS
    from ..scenarios.context import ScenarioError
    from ..scenarios.runner import ADAPTERS, run

    if args.name not in SCENARIOS:
        raise UsageError(f"unknown scenario {args.name!r}; `authtrace scenario list` shows them")
    if args.adapter not in ADAPTERS:
        raise UsageError(f"--adapter must be one of {', '.join(ADAPTERS)}")
    if args.trace_out is not None and args.trace_out.exists():
        raise UsageError(f"{args.trace_out} exists; choose another --trace-out")
    try:
        result = run(args.name, args.adapter, args.seed, args.trace_out, profile=args.profile)
    except ScenarioError as exc:
        raise UsageError(f"scenario {args.name} could not run: {exc}") from None
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:28} {value}")
    return 0
