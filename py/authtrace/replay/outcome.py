"""The recorded outcome of a session and whether a replay reproduced it (pure)."""

from __future__ import annotations

from typing import Any

from ..trace import Trace


def failure_signature(trace: Trace) -> dict[str, Any]:
    """How the recorded session ended: split brain still open, a wedge, the diagnosis causes."""
    from ..diagnosis import diagnose

    d = diagnose(trace)
    causes = d.causes()
    return {"split_brain_open_at_end": any(s.open for s in d.split_brain),
            "wedged": "throw-wedge" in causes, "causes": causes}


def compare(recorded: dict[str, Any], replayed: dict[str, Any]) -> dict[str, Any]:
    """Did the replay reproduce the recorded failure? ``replayed`` has the runner's
    ``split_brain_open`` / ``wedged`` and the replay trace's diagnosis ``causes``."""
    rec_causes = [c for c in recorded.get("causes", [])]
    rep_causes = set(replayed.get("causes") or [])
    failures = []
    if recorded.get("split_brain_open_at_end"):
        failures.append("split-brain-open")
    if recorded.get("wedged"):
        failures.append("wedged")
    seen = {"split-brain-open": bool(replayed.get("split_brain_open")),
            "wedged": bool(replayed.get("wedged")) or "throw-wedge" in rep_causes}
    recurred = bool(failures) and any(seen[f] for f in failures)
    return {
        "recorded_failure": failures,
        "recurred": recurred,
        "failure_in_replay": [f for f, v in seen.items() if v],
        "causes_reproduced": [c for c in rec_causes if c in rep_causes],
        "causes_missing": [c for c in rec_causes if c not in rep_causes],
        "causes_new": sorted(rep_causes - set(rec_causes)),
    }
