"""How ``authtrace bench livediag`` attributes tasks to authtrace (pure: made-up trace
events and observer entries; the benchmark itself runs Chromium)."""

from __future__ import annotations

from authtrace.host.bench_livediag import long_tasks, main_thread

PYODIDE = "http://127.0.0.1:1/static/pyodide/pyodide.asm.mjs"
APP = "http://127.0.0.1:1/assets/index.js"


def task(ts, dur, tdur, name="RunTask"):
    return {"name": name, "ph": "X", "pid": 1, "tid": 1, "ts": ts, "dur": dur, "tdur": tdur}


def call(ts, dur, url, tdur=None):
    return {"name": "FunctionCall", "ph": "X", "pid": 1, "tid": 1, "ts": ts, "dur": dur, "tdur": tdur or dur,
            "args": {"data": {"url": url}}}


def start(ts, name):
    return {"name": name, "ph": "X", "pid": 1, "tid": 1, "ts": ts, "dur": 1}


THREADS = [{"name": "thread_name", "ph": "M", "pid": 1, "tid": 1, "args": {"name": "CrRendererMain"}},
           {"name": "thread_name", "ph": "M", "pid": 2, "tid": 2, "args": {"name": "CrRendererMain"}}]


def test_main_thread_counts_the_tasks_authtrace_ran_most_of():
    events = THREADS + [
        task(0, 80_000, 20_000), task(10, 70_000, 19_000, "ThreadControllerImpl::RunTask"),  # one task, nested
        start(20, "RunPostTaskCallback"), call(30, 60_000, PYODIDE, 18_000),
        task(100_000, 40_000, 40_000), start(100_010, "TimerFire"), call(100_020, 10_000, PYODIDE),  # mostly the app's
        call(100_030, 30_000, APP),
        task(200_000, 30_000, 30_000), start(200_001, "TimerFire"), call(200_010, 29_000, PYODIDE),
        {**task(0, 500_000, 500_000), "pid": 2, "tid": 2},  # another renderer: not the page's
    ]
    got = main_thread(events, seconds=60)
    assert got["tasks"] == 3 and got["authtrace_tasks"] == 2
    assert got["authtrace_longest_task_ms"] == 80.0 and got["authtrace_longest_task_cpu_ms"] == 30.0
    assert got["authtrace_tasks_over_target"] == 1 and got["authtrace_tasks_over_target_cpu"] == 0
    assert got["authtrace_cpu_ms_per_min"] == 18.0 + 10.0 + 29.0  # every call into authtrace, a minute's worth
    assert got["authtrace_cpu_ms_per_min_by_start"] == {"timers": 30.0, "post_tasks": 20.0, "events": 0.0}


def test_long_tasks_are_authtraces_when_its_scripts_took_half():
    got = long_tasks({"long": [{"start": 0, "duration": 120}, {"start": 500, "duration": 60}],
                      "loaf": [{"scripts": [
                          {"start": 10, "duration": 100, "url": PYODIDE, "invoker": "TimerHandler:setTimeout"},
                          {"start": 500, "duration": 50, "url": APP, "invoker": "DOMWindow.onclick"},
                          {"start": 550, "duration": 8, "url": PYODIDE, "invoker": "SchedulerPostTaskCallback"}]}]})
    assert got["count"] == 2 and got["longest_ms"] == 120
    assert got["authtrace_count"] == 1 and got["authtrace_longest_ms"] == 120 and got["authtrace_over_target"] == 1
    assert got["authtrace_scripts_over_25ms"] == {"TimerHandler:setTimeout": 100}
