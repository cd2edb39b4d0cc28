"""Read one input file safely: a regular file only, never more than a limit, never a hang.

A FIFO, a device such as /dev/zero or /dev/urandom, or a socket is refused by name before it is
read; the file is opened non-blocking and checked again on the open descriptor (it may have been
swapped since), and at most `limit + 1` bytes are ever read. Standard library only: the compiled
catalog cache uses it on the fast path.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from aicost.model.errors import AicostError

MAX_BYTES = 10 * 1024 * 1024

_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def _refuse(name: str, mode: int) -> AicostError:
    what = _kind(mode)
    if what == "a directory":
        return AicostError(f"{name}: is a directory, expected a YAML file")
    return AicostError(
        f"{name}: not a regular file ({what}); only regular files are read",
        hint="give the path of a YAML file",
    )


def _too_big(name: str, size: int, limit: int) -> AicostError:
    return AicostError(
        f"{name}: file is {size:,} bytes; the limit is {limit:,} ({limit // (1024 * 1024)} MiB)"
    )


def read_regular(path: Path, name: str, limit: int = MAX_BYTES) -> bytes:
    """The bytes of the regular file at `path` (shown to the user as `name`), at most `limit`."""
    if not name or not str(path):
        raise AicostError("an empty path was given", hint="give the path of a YAML file")
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise AicostError(f"{name}: no such file", hint="check the path") from None
    except OSError as exc:
        raise AicostError(f"{name}: cannot read: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        raise _refuse(name, st.st_mode)
    if st.st_size > limit:
        raise _too_big(name, st.st_size, limit)
    try:
        fd = os.open(path, _FLAGS)
    except OSError as exc:
        raise AicostError(f"{name}: cannot read: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):  # swapped for something else since the first look
            raise _refuse(name, st.st_mode)
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            chunk = os.read(fd, min(1024 * 1024, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise AicostError(f"{name}: cannot read: {exc.strerror}") from None
    finally:
        os.close(fd)
    if total > limit:
        raise _too_big(name, total, limit)
    return b"".join(chunks)
