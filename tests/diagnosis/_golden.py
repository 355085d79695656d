"""What "the same findings" means, and the inputs the golden files were recorded from.

``outcome(trace)`` is the whole ``authtrace analyze --json`` document (it has no
timing) plus what the JSON leaves out but the panel and the human output use:
each finding's tab, each split-brain interval's tab, evidence and ``inferred``
flag, and the key-event lines of the short timeline.
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from authtrace import Event, Trace
from authtrace.diagnosis import diagnose, har_to_trace, key_events

TESTS = Path(__file__).resolve().parents[1]
FIXTURES = TESTS / "fixtures"
GOLDEN = FIXTURES / "diagnosis"
sys.path.insert(0, str(TESTS / "core"))
from _builders import make_jwt  # noqa: E402
from _har_scenarios import mint  # noqa: E402

# The HAR fixtures hold placeholders for access tokens (no JWT is committed); these
# are minted at test time, deterministically, at the same times as tests/cli's.
HAR_T0_S = int(datetime(2026, 11, 26, 9, 0, tzinfo=timezone.utc).timestamp())
HAR_MINTED = {"reconnect-offline": {1: 0, 2: 618}, "healthy": {1: 0, 2: 290}, "cookie-missing-refresh-token": {}}


def fixture_inputs() -> list[str]:
    """Every trace and HAR fixture (the browser-shaped HARs in their folders too), relative to tests/fixtures."""
    return sorted(str(p.relative_to(FIXTURES)) for d in ("traces", "har") for p in (FIXTURES / d).rglob("*")
                  if p.suffix in (".json", ".har"))


def har_text(path: Path, signature: bytes | None = bytes(64)) -> str:
    """A HAR fixture with its access-token placeholders replaced by JWTs (deterministic by default)."""
    text = path.read_text()
    for n, offset in HAR_MINTED.get(path.stem, {}).items():
        jwt = make_jwt({"iat": HAR_T0_S + offset, "exp": HAR_T0_S + offset + 300, "jti": f"jti_golden_{n}"},
                       signature=signature)
        text = text.replace(f"@@ACCESS_TOKEN_{n}@@", jwt)
    return mint(text, make_jwt, signature)[0]


def load_fixture(rel: str) -> Trace:
    path = FIXTURES / rel
    if path.suffix == ".har":
        return har_to_trace(json.loads(har_text(path)))
    return Trace.loads(path.read_text())


def trace_from_json(obj: dict[str, Any]) -> Trace:
    """A recorded trace as it was diagnosed (no format check: some are random, odd on purpose)."""
    return Trace(dict(obj.get("meta") or {}), [Event.from_json(e) for e in obj["events"]])


def outcome(trace: Trace) -> dict[str, Any]:
    d = diagnose(trace)
    doc = d.to_json()
    doc["finding_tabs"] = [f.tab for f in d.findings]
    doc["split_brain_detail"] = [{"tab": s.tab, "evidence": list(s.evidence), "inferred": s.inferred}
                                 for s in d.split_brain]
    doc["key_events"] = [[k.tab, k.wall, k.rel_ms, k.id, k.text] for k in key_events(trace)]
    return json.loads(json.dumps(doc))


def digest(doc: dict[str, Any]) -> dict[str, Any]:
    """A compact stand-in for an outcome: the finding ids and a hash of all of it."""
    text = json.dumps(doc, sort_keys=True, ensure_ascii=False)
    return {"ids": [f["id"] for f in doc["findings"]], "split_brain": len(doc["split_brain"]),
            "sha256": hashlib.sha256(text.encode()).hexdigest()}


BENCH_SIZES = (2_000, 20_000)


def bench_digest(n: int) -> dict[str, Any]:
    """The outcome of the ``n``-event trace ``authtrace bench diagnosis`` builds, in short."""
    from authtrace.host.bench_diagnosis import build

    d = digest(outcome(build(n, FIXTURES / "traces")))
    return {"sha256": d["sha256"], "findings": len(d["ids"])}
