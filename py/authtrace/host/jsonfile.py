"""The CLI's files: reading JSON inputs and writing outputs without ever losing data.

Reading (:func:`read_json`, :func:`open_input`): every problem (missing,
a directory, not UTF-8, empty, truncated, invalid, NaN/Infinity or numbers
that overflow, more than 20 digits, nested too deeply) is one
:class:`UsageError` line naming the file. Large files are parsed a piece at a
time (:mod:`.jsonstream`), so the text is never held whole.

Writing (:func:`output`): ``-`` is standard output (written once complete). Otherwise OUT must be a
regular file or not exist (a directory, device or FIFO is refused, also with
``--force``), must not be an input (same file, also through links), and is
only replaced with ``force``. The data goes to a new uniquely named temporary
file next to OUT, which is then renamed over it (or hard-linked to it when OUT
must not exist yet), so OUT is either untouched or complete, and no other file
(an unrelated ``OUT.tmp``, the input) is ever touched. Any failure removes the
temporary file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from .errors import UsageError
from .jsonstream import BadJson, read
from .terminal import one_line


@contextlib.contextmanager
def open_input(path: Path, expected: str = "a JSON file") -> Iterator[IO[bytes]]:
    try:
        if not stat.S_ISREG(os.stat(path).st_mode) and not os.path.isdir(path):
            raise UsageError(f"{path}: not a regular file, expected {expected}")  # a FIFO would block
        f = open(path, "rb")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory, expected {expected}") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from None
    with f:
        yield f


def read_json(path: Path, expected: str = "a JSON file") -> Any:
    """The parsed JSON in ``path``; every problem is a one-line UsageError."""
    with open_input(path, expected) as f:
        try:
            return read(f)
        except BadJson as exc:
            raise UsageError(f"{path}: not a trace: {exc}") from None
        except OSError as exc:
            raise UsageError(f"{path}: cannot read ({exc.strerror})") from None


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


@contextlib.contextmanager
def output(dst: str | Path, *, force: bool, inputs: tuple[Path, ...] = ()) -> Iterator[IO[str]]:
    """A text stream that becomes ``dst`` when the block ends without an error."""
    if str(dst) == "-":  # spooled, so that an error leaves no half document on stdout
        with tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n") as spool:
            yield spool
            spool.seek(0)
            shutil.copyfileobj(spool, sys.stdout)
            sys.stdout.flush()
        return
    dst = Path(dst)
    for src in inputs:
        if _same(src, dst):
            raise UsageError(f"refusing to overwrite the input {src}; choose another -o")
    target = Path(os.path.realpath(dst))  # a symlink stays a symlink; the file it points to is replaced
    try:
        st: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise UsageError(f"cannot write {dst}: {exc.strerror}") from None
    if st is not None:
        if not stat.S_ISREG(st.st_mode):
            raise UsageError(f"{dst} is not a regular file (a directory, device or pipe); choose a file name")
        if not force:
            raise UsageError(f"{dst} exists; pass --force to overwrite it")
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise UsageError(f"cannot write {dst}: a file is in the way of its directory") from None
    except OSError as exc:
        raise UsageError(f"cannot write {dst}: {exc.strerror}") from None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise UsageError(f"cannot write {dst}: {exc.strerror}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, stat.S_IMODE(st.st_mode) if st is not None else 0o666 & ~_umask())
        _publish(tmp, target, replace=st is not None, dst=dst)
    except OSError as exc:
        raise UsageError(f"cannot write {dst}: {one_line(exc.strerror or exc)}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _publish(tmp: Path, target: Path, *, replace: bool, dst: Path) -> None:
    if replace:
        os.replace(tmp, target)
        return
    try:
        os.link(tmp, target)  # fails if OUT appeared meanwhile: never overwritten without --force
    except FileExistsError:
        raise UsageError(f"{dst} exists; pass --force to overwrite it") from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        if target.exists():  # no hard links on this file system
            raise UsageError(f"{dst} exists; pass --force to overwrite it") from None
        os.replace(tmp, target)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
