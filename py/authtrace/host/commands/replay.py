"""``authtrace replay FILE``: re-run the refresh attempts of a recorded session in Chromium.

The command only: the plan is :mod:`authtrace.replay` (pure), the run in Chromium is
:mod:`authtrace.host.replay`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..terminal import json_safe, safe


def _safe_print(*parts: Any) -> None:
    sys.stdout.write(safe(" ".join(str(p) for p in parts)) + "\n")


def register(sub) -> None:
    p = sub.add_parser(
        "replay",
        help="re-run a recorded session's refresh attempts, page states and server events in headless Chromium",
        description="Replay a trace, a HAR export or a replay plan (authtrace-replay/1) against the lab and the "
                    "emulators: did the recorded failure recur, and the split-brain figures per adapter.",
    )
    p.add_argument("input", metavar="FILE", type=Path, help="a trace (.json), a HAR export or a replay plan")
    p.add_argument("--adapter", default="stock", choices=("stock", "resilient", "both"),
                   help="stock (the published adapter; a recorded broken variant replays as itself), resilient "
                        "(the bridge) or both (default: stock)")
    p.add_argument("--speed", type=float, default=10.0,
                   help="fast-forward quiet time N times; the 2 s around each fault stay exact (default 10)")
    p.add_argument("--clock", default="real", choices=("real", "virtual"),
                   help="real: quiet time fast-forwarded by --speed (default); virtual: the recording at its own "
                        "pace on Chromium's virtual time, the emulators' clock in step (no page states yet)")
    p.add_argument("--repeat", type=int, default=1, help="replay N times per adapter and report whether every "
                                                         "run had the same outcome (default 1)")
    p.add_argument("--plan-out", type=Path, default=None, help="write the replay plan (JSON) here")
    p.add_argument("--plan-only", action="store_true", help="build and check the plan (and its schedule); no browser")
    p.add_argument("--trace-dir", type=Path, default=Path(".authtrace") / "replays",
                   help="where the replays' traces go (default .authtrace/replays)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run_replay)


def read_plan(path: Path) -> dict[str, Any]:
    from ...replay import PlanError, load_plan
    from ..jsonfile import read_json

    obj = read_json(path, "a trace, a HAR export or a replay plan")
    try:
        return load_plan(obj)
    except PlanError as exc:
        raise UsageError(f"{path}: {exc}") from None


def outcome_key(result: dict[str, Any]) -> tuple:
    """What must be the same in every repetition of a deterministic replay."""
    return (result.get("recurred"), result.get("split_brain_open"), result.get("wedged"),
            result.get("authkit_user_at_end"), result.get("convex_authenticated_at_end"))


def run_replay(args) -> int:
    from ...replay import schedule

    if not (1.0 <= args.speed <= 10_000):
        raise UsageError("--speed must be between 1 and 10000")
    if not (1 <= args.repeat <= 100):
        raise UsageError("--repeat must be between 1 and 100")
    plan = read_plan(args.input)
    sched = schedule(plan, args.speed)
    if args.plan_out is not None:
        if args.plan_out.resolve() == args.input.resolve():
            raise UsageError(f"--plan-out {args.plan_out} is the input file; choose another")
        from ...redaction import redact
        from ..jsonfile import output

        with output(args.plan_out, force=True, inputs=(args.input,)) as f:  # redacted, like every output
            f.write(json_safe(json.dumps(redact(plan).value, indent=1, ensure_ascii=False)) + "\n")
    out: dict[str, Any] = {"input": str(args.input), "plan": str(args.plan_out) if args.plan_out else None,
                           "recorded": plan.get("recorded"), "speed": args.speed,
                           "schedule": {k: sched[k] for k in ("recorded_ms", "replay_ms", "fast_forward",
                                                               "access_token_ttl_s")},
                           "steps": len(sched["steps"])}
    if args.plan_only:
        if not args.plan_out:
            out["plan"] = plan
        out["steps"] = sched["steps"]
        return _emit(args, out)

    from ..replay import ReplayUnavailable, resilient_wired, run
    from ..scenarios.context import ScenarioError

    adapters = ["stock", "resilient"] if args.adapter == "both" else [args.adapter]
    if "resilient" in adapters:
        why = resilient_wired()
        if why:
            raise UsageError(f"--adapter resilient cannot run: {why}")
    stem = args.input.name.removesuffix(".json").removesuffix(".har")
    out["adapters"] = {}
    for adapter in adapters:
        runs = []
        for i in range(args.repeat):
            name = stem if args.repeat == 1 else f"{stem}.r{i + 1}"
            try:
                runs.append(run(plan, adapter, args.speed, args.trace_dir / f"{name}.{adapter}.json", name=name,
                                clock=args.clock))
            except (ReplayUnavailable, ScenarioError) as exc:
                raise UsageError(f"replay could not run: {exc}") from None
        first = runs[0]
        entry = {k: first.get(k) for k in (
            "recurred", "split_brain_ms", "split_brain_open", "split_brain_longest_ms", "wedged", "lost_mutations",
            "duplicated_mutations", "recovered_ms", "authkit_user_at_end", "convex_authenticated_at_end",
            "trace_secrets_found", "causes", "comparison", "page_adapter", "timing", "trace")}
        if args.repeat > 1:
            entry["repeat"] = args.repeat
            entry["outcomes"] = [list(outcome_key(r)) for r in runs]
            entry["deterministic"] = len({outcome_key(r) for r in runs}) == 1
            entry["recurred_runs"] = sum(1 for r in runs if r.get("recurred"))
            entry["traces"] = [r["trace"] for r in runs]
        out["adapters"][adapter] = entry
    return _emit(args, out)


def _emit(args, out: dict[str, Any]) -> int:
    from ...redaction import redact

    out = redact(out).value  # the plan and the results are input-derived: redacted, printed safely
    if args.json:
        sys.stdout.write(json_safe(json.dumps(out, ensure_ascii=False)) + "\n")
        return 0
    print = _safe_print  # every line below holds input-derived text
    rec = out.get("recorded") or {}
    print(f"{out['input']}: recorded failure: "
          f"{'split brain open at the end' if rec.get('split_brain_open_at_end') else 'no open split brain'}"
          f"{', wedged' if rec.get('wedged') else ''}; causes: {', '.join(rec.get('causes') or []) or 'none'}")
    s = out["schedule"]
    print(f"  schedule: {s['recorded_ms'] / 1000:.1f} s recorded -> {s['replay_ms'] / 1000:.1f} s replayed "
          f"({s['fast_forward']}x), tokens {s['access_token_ttl_s']} s, {out['steps'] if isinstance(out['steps'], int) else len(out['steps'])} steps")
    if out.get("plan") and isinstance(out["plan"], str):
        print(f"  plan: {out['plan']}")
    for adapter, e in (out.get("adapters") or {}).items():
        verdict = "the recorded failure RECURRED" if e["recurred"] else "the recorded failure did not recur"
        print(f"  {adapter} ({e['page_adapter']}): {verdict}")
        for key in ("split_brain_ms", "split_brain_open", "wedged", "lost_mutations", "recovered_ms",
                    "authkit_user_at_end", "convex_authenticated_at_end", "causes", "trace"):
            print(f"    {key:28} {e[key]}")
        if "deterministic" in e:
            print(f"    {'deterministic':28} {e['deterministic']} ({e['recurred_runs']}/{e['repeat']} recurred)")
    return 0
