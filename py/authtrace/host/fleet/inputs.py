"""The inputs of ``authtrace fleet``: files and directories to files, told apart by their first bytes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from ..errors import UsageError
from ..otlpfile import sniff

SUFFIXES = (".json", ".har", ".jsonl", ".ndjson")


def files(paths: list[Path]) -> Iterator[Path]:
    """Every file named, and every ``*.json``/``*.har``/``*.jsonl``/``*.ndjson`` under a directory
    named (sorted, so that runs see the same order); a missing path is a UsageError."""
    for path in paths:
        if path.is_dir():
            for root, dirs, names in os.walk(path):
                dirs.sort()
                for name in sorted(names):
                    if name.endswith(SUFFIXES) and not name.startswith("."):
                        yield Path(root) / name
        elif path.exists():
            yield path
        else:
            raise UsageError(f"{path}: no such file or directory")


def is_otlp(path: Path) -> bool:
    return sniff(path)
