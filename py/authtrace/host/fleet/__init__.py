"""``authtrace fleet``: the diagnosis of many sessions (traces, HARs, a Collector's OTLP files) summed up.

- :mod:`.inputs`: FILES_OR_DIRS to files (walked lazily), each an OTLP file or one session;
- :mod:`.partition`: OTLP lines sorted into buckets by ``session.id`` (a session may be spread
  over many lines and files; a bucket holds whole sessions and stays small however large the input);
- :mod:`.session`: the per-session function (diagnose, keep a small :class:`SessionResult`) and the
  two tasks that run it: a trace/HAR file, an OTLP bucket;
- :mod:`.summary`: sessions per cause, split-brain count and durations, share affected, worst sessions;
- :mod:`.engine`: the tasks on a local process pool or a Dask cluster (``--scheduler``), the same
  functions either way, a bounded number in flight so memory stays flat.
"""
