"""Re-record the golden findings (only when a change of findings is intended and reviewed).

    .venv/bin/python tests/diagnosis/record_golden.py [fixtures] [mutants] [bench] [built]   (default: all)

Writes ``tests/fixtures/diagnosis/fixtures.json`` (the outcome of every trace and
HAR fixture), ``mutants.json`` (the finding ids and a digest of the whole outcome
of each seeded mutant, see ``_mutants.py``), ``bench.json`` (the same of the
2,000- and 20,000-event traces ``authtrace bench diagnosis`` builds) and ``built.json`` (every trace the core tests diagnose, with its
outcome: the core tests run with ``diagnose`` wrapped to keep what it was given).
Traces diagnosed under changed thresholds are left out.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

import pytest  # noqa: E402

import authtrace.diagnosis as diagnosis  # noqa: E402
from authtrace.diagnosis import thresholds  # noqa: E402
from tests.diagnosis._golden import (  # noqa: E402
    BENCH_SIZES, GOLDEN, bench_digest, digest, fixture_inputs, load_fixture, outcome)
from tests.diagnosis._mutants import SEEDS, mutant  # noqa: E402

DEFAULTS = {k: v for k, v in vars(thresholds).items() if k.isupper()}
RANDOM_KEPT = 10


class Recorder:
    def __init__(self) -> None:
        self.cases: dict[str, dict] = {}
        self.test = "?"

    def pytest_runtest_setup(self, item) -> None:
        self.test = item.nodeid

    def wrap(self, original):
        def diagnose(trace, rules=None):
            result = original(trace, rules)
            if rules is None and {k: getattr(thresholds, k) for k in DEFAULTS} == DEFAULTS:
                doc = json.loads(json.dumps(trace.to_json()))
                key = hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()
                if key not in self.cases:
                    self.cases[key] = {"test": self.test, "trace": doc, "expected": outcome(trace)}
            return result

        return diagnose


def main(which: list[str]) -> int:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    which = which or ["fixtures", "mutants", "bench", "built"]
    if "fixtures" in which:
        fixtures = {rel: outcome(load_fixture(rel)) for rel in fixture_inputs()}
        (GOLDEN / "fixtures.json").write_text(json.dumps(fixtures, indent=1, ensure_ascii=False) + "\n")
        print(f"{len(fixtures)} fixtures")
    if "mutants" in which:
        mutants = {str(seed): digest(outcome(mutant(seed))) for seed in SEEDS}
        (GOLDEN / "mutants.json").write_text(json.dumps(mutants, indent=0) + "\n")
        print(f"{len(mutants)} mutants")
    if "bench" in which:
        bench = {str(n): bench_digest(n) for n in BENCH_SIZES}
        (GOLDEN / "bench.json").write_text(json.dumps(bench, indent=1) + "\n")
        print(f"{len(bench)} bench traces")
    if "built" in which:
        return record_built()
    return 0


def record_built() -> int:
    rec = Recorder()
    diagnosis.diagnose = rec.wrap(diagnosis.diagnose)
    code = pytest.main([str(HERE.parent / "core"), "-q", "-p", "no:cacheprovider", "-o", "addopts=",
                        "-p", "no:pytest_pyodide", "-k", "diagnosis or summary"], plugins=[rec])
    if code != 0:
        print("the core tests failed; nothing recorded", file=sys.stderr)
        return 1
    # Random traces (hypothesis) are kept only when they found something, at most RANDOM_KEPT per test.
    kept: dict[str, int] = {}
    cases = []
    for key, c in sorted(rec.cases.items()):
        if "random" in c["test"]:
            if not (c["expected"]["findings"] or c["expected"]["split_brain"]):
                continue
            kept[c["test"]] = kept.get(c["test"], 0) + 1
            if kept[c["test"]] > RANDOM_KEPT:
                continue
        cases.append(c)
    cases.sort(key=lambda c: c["test"])
    (GOLDEN / "built.json").write_text(json.dumps(cases, separators=(",", ":"), ensure_ascii=False) + "\n")
    print(f"{len(cases)} built traces")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
