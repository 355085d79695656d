"""How ``bench recorder`` charges CPU profile samples to authtrace (pure; no browser)."""

from __future__ import annotations

from authtrace.host.bench_recorder import attribute


def _profile(frames: dict[int, tuple[str, str, int | None]], samples: list[tuple[int, int]]) -> dict:
    """frames: id -> (functionName, url, parent id); samples: (node id, µs since the previous)."""
    nodes = [{"id": i, "callFrame": {"functionName": name, "url": url}, "children": []}
             for i, (name, url, _) in frames.items()]
    by_id = {n["id"]: n for n in nodes}
    for i, (_, _, parent) in frames.items():
        if parent is not None:
            by_id[parent]["children"].append(i)
    return {"nodes": nodes, "samples": [s for s, _ in samples], "timeDeltas": [d for _, d in samples]}


FRAMES = {
    1: ("(root)", "", None),
    2: ("(idle)", "", 1),
    3: ("(garbage collector)", "", 1),
    4: ("(program)", "", 1),
    5: ("onmessage", "", 1),                                 # the app's own code (no URL)
    6: ("listener", "http://x/recorder/boot.js", 1),         # the shim's frame listener
    7: ("exec", "", 6),                                      # a builtin it calls: still the shim's
    8: ("send", "http://x/recorder/boot.js", 1),             # the shim's send wrapper ...
    9: ("send", "", 8),                                      # ... calling the native send: the app's cost
    10: ("flush", "http://x/recorder/boot.js", 1),
    11: ("wasm-function[1]", "http://x/static/pyodide/pyodide.asm.wasm", 10),
    12: ("put", "http://x/recorder/store.js", 1),
    13: ("handler", "http://x/app.js", 1),
}


def test_samples_are_charged_by_the_innermost_frame_with_a_script_url():
    got = attribute(_profile(FRAMES, [(2, 1000), (5, 1000), (6, 1000), (7, 1000), (9, 1000), (8, 1000),
                                      (11, 1000), (12, 1000), (13, 1000), (3, 1000), (4, 1000)]))
    assert got["idle"] == 1.0 and got["gc"] == 1.0 and got["program"] == 1.0
    assert got["page"] == 3.0  # the app's code, the native send under the shim's wrapper, app.js
    assert got["authtrace"] == 5.0
    assert got["by_script"] == {"boot shim": 3.0, "pyodide (the Python recorder)": 1.0, "recorder scripts": 1.0}


def test_the_longest_stretch_of_authtrace_work_includes_the_gc_inside_it():
    got = attribute(_profile(FRAMES, [(6, 1000), (11, 30_000), (3, 25_000), (11, 1000), (5, 1000),
                                      (3, 5000), (12, 2000), (2, 1000)]))
    assert got["stretches"] == [(57.0, 25.0), (2.0, 0.0)]  # GC after app code is not charged to authtrace
