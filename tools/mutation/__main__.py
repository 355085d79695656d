"""Mutation testing of authtrace's pure core: ``.venv/bin/python -m tools.mutation``.

mutmut (pinned in pyproject's ``test`` extra, configured in ``[tool.mutmut]``)
plants one change at a time in each function of the pure core and runs, against
each, the fast CPython tests that call that function. This command lays out the
working directory mutmut expects, guards the run against browsers
(``tools/mutation/guard.py``), runs mutmut, and prints the score per module and
every surviving mutant as a diff. Exit code 0 when the targets of issue 21 hold
(≥ 80 % overall, ≥ 70 % in every module), 1 when not, 2 on bad usage.

Equivalent mutants (a change that cannot change behaviour, so no test can kill it) are
listed by name, each with its reason, in ``[tool.authtrace.mutation.equivalent]`` of
``pyproject.toml``; they are shown apart and left out of the score. An entry whose mutant
no longer exists (its function changed) or was killed is reported, so the list stays true.

mutmut names modules after their path under ``src/`` (``src/authtrace/jwt.py`` is
``authtrace.jwt``, as the tests import it); the package lives in ``py/``, so the
run happens in ``.authtrace/mutation/`` where ``src`` links to ``py``. Results
stay there between runs: a second run only tests what changed (``--fresh``
starts over; ``--recheck`` runs the survivors again after new tests).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / ".authtrace" / "mutation"
PACKAGE = Path("src") / "authtrace"
TARGET_OVERALL = 80.0
TARGET_MODULE = 70.0

KILLED = {1: "killed", 3: "killed", 36: "timeout", 24: "timeout", -24: "timeout", 152: "timeout", 255: "timeout"}
OUT_OF_SAMPLE = 34  # mutmut's "skipped": a result it leaves alone, so those mutants are not run
SAMPLE_MIN = 20  # mutants per module at least (all of a smaller module), so every module gets a score
# Everything else counts against the score: survived (0), no test calls the function (33, 5),
# and anything odd (a crash of the run itself is not a test failing).


def equivalents() -> dict[str, str]:
    """Mutant name -> why it cannot change behaviour (``[tool.authtrace.mutation.equivalent]``)."""
    import tomllib

    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    table = data.get("tool", {}).get("authtrace", {}).get("mutation", {}).get("equivalent", {})
    bad = [name for name, why in table.items() if not (isinstance(why, str) and why.strip())]
    if bad:
        print(f"mutation: equivalent mutants need a reason in pyproject.toml: {', '.join(bad)}", file=sys.stderr)
        raise SystemExit(2)
    return table


def lay_out() -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    for name, target in (("src", ROOT / "py"), ("tests", ROOT / "tests"), ("pyproject.toml", ROOT / "pyproject.toml")):
        link = WORK / name
        if not link.is_symlink():
            link.symlink_to(target)
    site = WORK / "site"
    site.mkdir(exist_ok=True)
    # Python subprocesses of the tests (``python -m authtrace ...``) get the guard too.
    (site / "sitecustomize.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom tools.mutation.guard import install\ninstall()\n"
    )
    # ...and import the mutated package, not the editable install (the mutant's name is in
    # MUTANT_UNDER_TEST, which they inherit).
    os.environ["PYTHONPATH"] = os.pathsep.join([str(site), str(WORK / "mutants" / "src")])
    os.environ["SE_OFFLINE"] = "true"


def generate() -> None:
    """Let mutmut copy the sources and plant its mutants (only changed files are redone)."""
    from mutmut.__main__ import copy_also_copy_files, copy_src_dir, create_mutants
    from mutmut.mutation.trampoline import set_mutant_under_test

    set_mutant_under_test("mutant_generation")
    (WORK / "mutants").mkdir(exist_ok=True)
    copy_src_dir()
    copy_also_copy_files()
    create_mutants(os.cpu_count() or 2)


def _bucket(name: str, seed: int = 0) -> str:
    import hashlib

    return hashlib.sha256((f"{seed}:{name}" if seed else name).encode()).hexdigest()


SAMPLE_FILE = WORK / "sample.json"  # the mutants of the last chosen sample: the report counts these


def choose_sample(percent: float | None, seed: int = 0) -> int:
    """Choose the mutants to judge (``percent`` None: all) and mark the others without a result
    as skipped, so mutmut does not run them; results outside the sample are kept for later.

    Per module, the mutants with the lowest hashes of their names (with ``seed``): ``percent`` %
    of them, at least :data:`SAMPLE_MIN`. The same code and seed give the same sample, so runs
    compare; another seed gives a sample independent of the tests written against the first."""
    import json
    import math

    chosen: list[str] = []
    for meta in (WORK / "mutants" / PACKAGE).rglob("*.py.meta"):
        data = json.loads(meta.read_text())
        codes = data["exit_code_by_key"]
        names = sorted(codes, key=lambda name: _bucket(name, seed))
        n = len(names) if percent is None else max(math.ceil(len(names) * percent / 100), min(len(names), SAMPLE_MIN))
        keep = set(names[:n])
        for name in names:
            if name in keep and codes[name] == OUT_OF_SAMPLE:
                codes[name] = None
            elif name not in keep and codes[name] is None:
                codes[name] = OUT_OF_SAMPLE
        chosen += names[:n]
        meta.write_text(json.dumps(data, indent=4))
    SAMPLE_FILE.write_text(json.dumps({"percent": percent, "seed": seed, "mutants": sorted(chosen)}, indent=0))
    return len(chosen)


def saved_sample() -> tuple[set[str] | None, str]:
    """The mutants of the last sample and how it was chosen (None: count every mutant with a result)."""
    import json

    if not SAMPLE_FILE.exists():
        return None, ""
    data = json.loads(SAMPLE_FILE.read_text())
    how = "all mutants" if data["percent"] is None else f"a {data['percent']:g} % sample, seed {data['seed']}"
    return set(data["mutants"]), how


def recheck_survivors() -> int:
    """Forget every result that is not a kill, so those mutants run again."""
    import json

    n = 0
    for meta in (WORK / "mutants" / PACKAGE).rglob("*.py.meta"):
        data = json.loads(meta.read_text())
        codes = data["exit_code_by_key"]
        for name, code in codes.items():
            if code is not None and code not in KILLED and code != OUT_OF_SAMPLE:
                codes[name] = None
                n += 1
        meta.write_text(json.dumps(data, indent=4))
    return n


def run_mutmut(names: list[str], max_children: int) -> None:
    from mutmut.__main__ import cli

    args = ["run", "--max-children", str(max_children), *names]
    try:
        cli.main(args=args, prog_name="mutmut", standalone_mode=False)
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise SystemExit(f"mutation: mutmut stopped (exit code {exc.code}); see its output above")


def results() -> dict[str, dict[str, int | None]]:
    """Exit code of every mutant, by module path (``diagnosis/rules/refresh.py``)."""
    import json

    out = {}
    base = WORK / "mutants" / PACKAGE
    for meta in sorted(base.rglob("*.py.meta")):
        module = str(meta.relative_to(base))[: -len(".meta")]
        out[module] = json.loads(meta.read_text())["exit_code_by_key"]
    return out


def diff_lines(name: str, module: str) -> list[str]:
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    try:
        diff = get_diff_for_mutant(name, path=PACKAGE / module)
    except Exception as exc:  # a stale result whose function is gone
        return [f"  (no diff: {exc})"]
    return ["  " + line for line in diff.splitlines()[2:] if line[:1] in "-+"]


def report(by_module: dict[str, dict[str, int | None]], show_survivors: bool,
           equivalent: dict[str, str] | None = None, sample: set[str] | None = None, how: str = "") -> bool:
    equivalent = equivalent or {}
    rows = []
    total = Counter()
    if sample is not None:  # results of earlier samples stay on disk but are not this run's count
        by_module = {module: {name: (code if name in sample else OUT_OF_SAMPLE) for name, code in codes.items()}
                     for module, codes in by_module.items()}
    left_out = sum(code == OUT_OF_SAMPLE for codes in by_module.values() for code in codes.values())
    survivors = defaultdict(list)
    listed_equivalent = []
    stale = {name: "no such mutant (its function changed?)" for name in equivalent}
    for module, codes in by_module.items():
        c = Counter()
        for name, code in codes.items():
            if name in stale:
                del stale[name]
                if code in KILLED:
                    stale[name] = "listed as equivalent, but a test kills it"
            if code == OUT_OF_SAMPLE:
                continue
            c["total"] += 1
            if code is None:
                c["unchecked"] += 1
            elif code in KILLED:
                c["killed"] += 1
            elif name in equivalent:
                c["equivalent"] += 1
                listed_equivalent.append(name)
            else:
                c["survived"] += 1
                survivors[module].append((name, code))
        total.update(c)
        rows.append((module, c))

    def score(c: Counter) -> float | None:
        judged = c["killed"] + c["survived"]
        return 100.0 * c["killed"] / judged if judged else None

    if show_survivors:
        for module, names in survivors.items():
            print(f"\n== survivors in {module}")
            for name, code in sorted(names, key=lambda nc: int(nc[0].rsplit("_", 1)[-1])):
                why = "no test calls it" if code in (5, 33) else ("survived" if code == 0 else f"exit code {code}")
                print(f"{name}  [{why}]")
                print("\n".join(diff_lines(name, module)))

    if show_survivors and listed_equivalent:
        print("\n== equivalent (pyproject.toml [tool.authtrace.mutation.equivalent]; not in the score)")
        for name in sorted(listed_equivalent):
            print(f"{name}: {equivalent[name]}")
    for name, why in sorted(stale.items()):
        print(f"mutation: equivalent entry {name}: {why}", file=sys.stderr)

    ok = True
    print(f"\n{'module':36} {'mutants':>7} {'killed':>7} {'survived':>8} {'equiv.':>6} {'unchecked':>9} {'score':>7}")
    for module, c in rows:
        s = score(c)
        low = s is not None and s < TARGET_MODULE
        ok &= not low
        mark = "  < 70%" if low else ""
        shown = "-" if s is None else f"{s:.1f}%"
        print(f"{module:36} {c['total']:7} {c['killed']:7} {c['survived']:8} {c['equivalent']:6} {c['unchecked']:9} "
              f"{shown:>7}{mark}")
    s = score(total)
    shown = "-" if s is None else f"{s:.1f}%"
    print(f"{'overall':36} {total['total']:7} {total['killed']:7} {total['survived']:8} {total['equivalent']:6} "
          f"{total['unchecked']:9} {shown:>7}")
    ok &= s is not None and s >= TARGET_OVERALL and total["unchecked"] == 0
    if left_out:
        print(f"({how or 'a sample'}: {total['total']} of {total['total'] + left_out} mutants; "
              "--sample and --seed to change it)")
    verdict = "meets" if ok else "does not meet"
    print(f"\nmutation score {shown}: {verdict} the target (>= {TARGET_OVERALL:.0f}% overall, "
          f">= {TARGET_MODULE:.0f}% in every module, every mutant checked)")
    return ok


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.mutation", description=__doc__.split("\n\n")[0])
    p.add_argument("names", nargs="*", help="only these mutants (mutmut globs, e.g. 'authtrace.jwt.*')")
    p.add_argument("--fresh", action="store_true", help="forget all results and mutants, start over")
    p.add_argument("--recheck", action="store_true", help="run every mutant that was not killed again")
    p.add_argument("--report", action="store_true", help="print the scores of the last run, run nothing")
    p.add_argument("--no-survivors", action="store_true", help="print only the table")
    p.add_argument("--sample", type=float, metavar="PERCENT",
                   help=f"run a deterministic sample: PERCENT %% of each module's mutants (at least {SAMPLE_MIN})")
    p.add_argument("--seed", type=int, default=0,
                   help="which sample: another seed draws mutants independently of the last (default 0)")
    p.add_argument("--max-children", type=int, default=os.cpu_count() or 2, help="parallel test runs")
    args = p.parse_args(argv)
    try:
        import mutmut  # noqa: F401
    except ImportError:
        print("mutation: mutmut is not installed; run .ci/setup (it is in the test extra)", file=sys.stderr)
        return 2

    if args.fresh and WORK.exists():
        shutil.rmtree(WORK)
    lay_out()
    sys.path.insert(0, str(ROOT))
    from tools.mutation import guard

    guard.install()
    os.chdir(WORK)
    if not args.report:
        generate()
        if args.recheck:  # before the sample is chosen, so survivors outside it are not run
            print(f"mutation: {recheck_survivors()} mutants to run again")
        if not args.names:  # named mutants run whatever the sample
            print(f"mutation: {choose_sample(args.sample, args.seed)} mutants in the run"
                  + (f" (a {args.sample:g} % sample, seed {args.seed})" if args.sample is not None else ""))
        run_mutmut(args.names, args.max_children)
    sample, how = saved_sample()
    ok = report(results(), show_survivors=not args.no_survivors, equivalent=equivalents(), sample=sample, how=how)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
