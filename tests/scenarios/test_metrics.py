"""The scenario runner's figures from sampled lab states (pure, no browser)."""

from authtrace.host.scenarios.metrics import Sample, compute, mutations, split_brain, wedged


def s(t, user=True, convex=True, **kw):
    return Sample(t, user, convex, **kw)


def test_split_brain_intervals_ignore_sign_in_and_report_open_end():
    samples = [s(0, False, False), s(100, True, False), s(200, True, True), s(300, True, False), s(500, True, True),
               s(600, True, False), s(900, True, False)]
    assert split_brain(samples) == [{"start": 300, "end": 500}, {"start": 600, "end": None}]
    m = compute(samples, [], [], fault_end=250)
    assert m.split_brain_ms == 200 + 300
    assert m.split_brain_open and m.authkit_user_at_end and not m.convex_authenticated_at_end
    assert m.recovered_ms is None


def test_frozen_samples_carry_the_last_state():
    samples = [s(0), s(100, convex=False), Sample(200, None, None, frozen=True), s(400)]
    assert split_brain(samples) == [{"start": 100, "end": 400}]


def test_consistent_sign_out_is_not_split_brain():
    samples = [s(0), s(100), s(200, False, False), s(5000, False, False)]
    m = compute(samples, [], [], fault_end=150)
    assert m.split_brain == [] and not m.split_brain_open and m.recovered_ms is None


def test_recovery_is_timed_from_fault_end_to_the_final_authenticated_stretch():
    samples = [s(0), s(100, convex=False), s(1000, convex=False), s(1300), s(2000)]
    assert compute(samples, [], [], fault_end=1000).recovered_ms == 300
    assert compute([s(0), s(5000)], [], [], fault_end=1000).recovered_ms == 0


def test_wedged_needs_a_stuck_socket_with_no_reconnect_attempt_for_ten_seconds():
    stopped = [s(t, convex=True, socket="stopped", connection_count=2, connection_retries=3) for t in range(0, 12_000, 500)]
    assert wedged(stopped)
    retrying = [s(t, convex=False, socket="stopped", connection_count=2, connection_retries=t // 2000)
                for t in range(0, 12_000, 500)]
    assert not wedged(retrying)
    paused = [s(t, socket="ready", paused="uninitialized", connected=True, ever_connected=False,
                connection_count=1, connection_retries=0) for t in range(0, 11_000, 500)]
    assert wedged(paused)
    assert not wedged(stopped[:15])  # 7 s is not yet a wedge
    waiting = [s(t, socket="stopped", connection_count=2, connection_retries=3, fetching=True) for t in range(0, 12_000, 500)]
    assert not wedged(waiting)  # Convex is waiting for a token, not wedged


def test_lost_and_duplicated_mutations():
    assert mutations(["a", "b", "c"], ["a", "c", "c"]) == (1, 1)
    assert mutations(["a", "a"], ["a"]) == (1, 0)
    # a failure the page was told about is not silently lost
    assert mutations(["a", "b"], ["a"], failed=["b"]) == (0, 0)


def test_serving_needs_the_socket_running_not_only_convex_saying_authenticated():
    up = dict(socket="ready", paused="no", connected=True)
    # Convex keeps saying "authenticated" while its socket is stopped, waiting for a token.
    samples = [s(0, **up), s(100, socket="stopped", connected=False), s(900, socket="ready", paused="yes", connected=True),
               s(1300, **up), s(2000, **up)]
    m = compute(samples, [], [], fault_end=200)
    assert m.recovered_ms == 0 and m.serving_ms == 1100
    assert compute(samples[:3], [], [], fault_end=200).serving_ms is None
    assert compute([s(0, **up), s(500, **up)], [], [], fault_end=100).serving_ms == 0


def test_samples_while_the_provider_is_unmounted_carry_the_last_mounted_state():
    up = dict(socket="ready", paused="no", connected=True)
    samples = [s(0, **up), s(100, None, None, mounted=False), s(5000, None, None, mounted=False), s(6000, **up)]
    assert split_brain(samples) == []
    assert compute(samples, [], [], fault_end=50).serving_ms == 0
