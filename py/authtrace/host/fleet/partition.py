"""OTLP lines into buckets by ``session.id``, so that each bucket holds whole sessions.

A Collector's file exporter writes requests as they come: one session's records
are spread over many lines, among other sessions', and over rotated files. Each
line goes to the bucket ``hash(session.id) % buckets`` (a file per bucket and
input file, ``b<k>-f<i>.part``), prefixed with the input file's number. The
session ids are found in the raw line first: the exporter puts ``session.id`` on
the resource as well as on each record, so when every ``session.id`` of a line
names the same session (the usual case: one line is one request of one tab) the
line is copied as it is. Otherwise (a batch processor merged several sessions'
requests into one line, or the shape is unusual) it is parsed and each resource's
records go to their own session's bucket.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from ...otlp.readback import NO_SESSION, OtlpFormatError, records
from ...otlp.values import attribute_map
from ..errors import UsageError
from ..jsonfile import open_input
from ..jsonstream import BadJson, loads

_SESSION = re.compile(rb'"key"\s*:\s*"session\.id"\s*,\s*"value"\s*:\s*\{\s*"stringValue"\s*:\s*"((?:[^"\\]|\\.)*)"')
_MENTION = re.compile(rb'"session\.id"')


def bucket_of(session_id: str, buckets: int) -> int:
    return int.from_bytes(hashlib.blake2b(session_id.encode(), digest_size=8).digest(), "big") % buckets


def _split(request: dict) -> dict[str, list[dict]]:
    """A request's records by session, each resource's as a request of its own (its resource kept)."""
    out: dict[str, list[dict]] = {}
    for rl in request.get("resourceLogs") or []:
        resource = (rl or {}).get("resource") or {}
        default = attribute_map(resource.get("attributes")).get("session.id")
        mine: dict[str, list] = {}
        for sl in (rl or {}).get("scopeLogs") or []:
            for record in (sl or {}).get("logRecords") or []:
                sid = attribute_map(record.get("attributes")).get("session.id", default)
                mine.setdefault(NO_SESSION if sid is None else str(sid), []).append(record)
        for sid, recs in mine.items():
            out.setdefault(sid, []).append({"resourceLogs": [{"resource": resource, "scopeLogs": [{"logRecords": recs}]}]})
    return out


def partition(path: str, index: int, out_dir: str, buckets: int) -> tuple[int, int]:
    """Sort the lines of OTLP file ``path`` (input number ``index``) into ``out_dir``'s buckets;
    returns (lines, bytes). A bad line is a UsageError naming the file and line."""
    handles: dict[int, object] = {}
    lines = size = 0
    prefix = f"{index}\t".encode()

    def write(bucket: int, data: bytes) -> None:
        f = handles.get(bucket)
        if f is None:
            f = handles[bucket] = open(Path(out_dir) / f"b{bucket}-f{index}.part", "ab")
        f.write(prefix + data.rstrip(b"\r\n") + b"\n")

    try:
        with open_input(Path(path), "an OTLP JSON file") as src:
            for n, raw in enumerate(src, 1):
                if not raw.strip():
                    continue
                lines += 1
                size += len(raw)
                ids = {m.group(1) for m in _SESSION.finditer(raw)}
                if len(ids) == 1 and len(_MENTION.findall(raw)) == sum(1 for _ in _SESSION.finditer(raw)):
                    sid = json.loads(b'"' + ids.pop() + b'"')
                    write(bucket_of(sid, buckets), raw)
                    continue
                try:
                    request = loads(raw.decode("utf-8"))
                    for _ in records(request):  # checks the shape
                        break
                except (UnicodeDecodeError, BadJson, OtlpFormatError) as exc:
                    raise UsageError(f"{path}: line {n}: {exc}") from None
                for sid, parts in _split(request).items():
                    for part in parts:
                        write(bucket_of(sid, buckets), json.dumps(part, separators=(",", ":")).encode())
    finally:
        for f in handles.values():
            f.close()
    return lines, size
