"""The fast-forwarded schedule (``authtrace.replay.schedule``), exactly, on small hand-made plans:
which steps happen around the sign-in, their order at one moment, the stretches' bounds and the
time map past its last stretch."""

from __future__ import annotations

from authtrace.replay import FORMAT, schedule
from authtrace.replay.schedule import TimeMap


def plan(signed_in=0, ttl=15, **parts) -> dict:
    return {"format": FORMAT, "duration_ms": 20_000, "signed_in_ms": signed_in, "tokens": {"access_token_ttl_s": ttl},
            **parts}


def drop(fid, start, end, **more) -> dict:
    return {"id": fid, "target": "workos", "action": "drop", "start_ms": start, "end_ms": end, **more}


def steps(p, speed=1.0) -> list[tuple]:
    return [(s["at_ms"], s["do"], s.get("fault") or s.get("body")) for s in schedule(p, speed)["steps"]]


def test_a_plan_may_leave_out_the_lists_it_has_nothing_in():
    only_faults = plan(faults=[drop("f1", 1000, 2000)])
    assert steps(only_faults) == [(1000.0, "arm", "f1"), (2000.0, "fault-ended", None)]
    only_server = plan(server=[{"at_ms": 3000, "type": "auth-error"}])
    assert steps(only_server) == []
    assert schedule(only_server)["replay_ms"] == 20_000.0


def test_the_replay_token_lifetime_keeps_its_milliseconds():
    s = schedule(plan(ttl=15.5, faults=[drop("f1", 1000, 2000)]))
    assert s["access_token_ttl_s"] == 15.5 and s["recorded_access_token_ttl_s"] == 15.5
    assert schedule(plan(ttl=40.2345, faults=[drop("f1", 1000, 2000)]), 2)["access_token_ttl_s"] == 20.117


def test_steps_at_one_moment_hide_before_freeze_unfreeze_before_show():
    p = plan(page=[{"state": "frozen", "start_ms": 1000, "end_ms": 3000},
                   {"state": "hidden", "start_ms": 1000, "end_ms": 3000}])
    assert [d for _, d, _ in steps(p)] == ["hide", "freeze", "unfreeze", "show", "fault-ended"]


def test_what_ended_by_the_sign_in_is_not_replayed_what_ends_at_it_is():
    p = plan(signed_in=1000, page=[{"state": "hidden", "start_ms": 0, "end_ms": 1000}],
             faults=[drop("f1", 0, 500), drop("f2", 500, 1000), drop("f3", 2000, 3000)])
    assert steps(p) == [(0.0, "arm", "f2"), (1000.0, "arm", "f3"), (2000.0, "fault-ended", None)]  # ms after sign-in


def test_only_the_users_messages_after_the_sign_in_are_sent_again():
    p = plan(signed_in=1000, mutations=[{"at_ms": 500}, {"at_ms": 1500, "udf_path": "other:fn"},
                                        {"at_ms": 2000, "udf_path": "messages:send"}, {"at_ms": 2500}])
    assert steps(p) == [(1000.0, "send", "replay-3"), (1500.0, "send", "replay-4")]


def test_stretches_are_reported_to_a_tenth_of_a_millisecond():
    p = plan(attempts=[{"at_ms": 3333.33, "outcome": {"type": "TypeError"}}])
    s = schedule(p, 2)
    assert [(g["kind"], g["from_ms"], g["to_ms"]) for g in s["segments"]] == [
        ("quiet", 0.0, 1333.3), ("kept", 1333.3, 5333.3), ("token", 5333.3, 18333.3), ("quiet", 18333.3, 20000.0)]


def test_the_time_map_past_its_last_stretch_runs_at_real_time():
    tmap = TimeMap([{"kind": "quiet", "rate": 0.5, "from_ms": 100, "to_ms": 300, "replay_from_ms": 0.0}])
    assert tmap(200) == 50.0 and tmap(300) == 100.0
    assert tmap(350) == 150.0
    assert TimeMap([])(123.4) == 123.4
