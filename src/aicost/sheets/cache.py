"""The compiled catalog cache: each sheet's frozen price data, kept so a run need not parse YAML.

Reading YAML and validating it with pydantic costs far more than pricing a workload, and importing
yaml and pydantic alone costs more than starting Python. So once a file has been read and validated,
the plain dataclasses built from it (`aicost.model.prices`) are pickled to one cache file per sheet. A later
run that finds the same bytes under the same display name, read by the same aicost version and code,
unpickles them and never imports yaml or pydantic.

The cache is only ever a shortcut: a missing, stale, corrupt or unreadable entry, or an unwritable
cache directory, silently falls back to reading the YAML, and the data is the same either way. Only
sheets that load without error are stored. `AICOST_NO_CACHE=1` turns it off; `AICOST_CACHE_DIR` moves
it (default `$XDG_CACHE_HOME/aicost`, else `~/.cache/aicost`).

The entries live in a directory of the cache's own, `<cache dir>/catalog-v1/` (tagged with a
CACHEDIR.TAG), so pruning can only ever remove files this cache wrote, whatever else shares the
cache dir. That directory must be owned by the user and writable by no one else, as ssh asks of its
files, and each entry must be a regular file of the user's, opened without following links and
read up to a size limit: a cache someone else can write to is not used at all, since a well-formed
entry planted there would be trusted. Entries are read with an unpickler that only builds the known
data classes, Decimals and dates, so even a tampered entry cannot run code.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import io
import os
import pickle
import re
import secrets
import stat
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aicost import __version__
from aicost.model import prices
from aicost.model.prices import FxRates, Gpu, PriceSheet
from aicost.sheets.files import read_regular

ENV_DIR = "AICOST_CACHE_DIR"
ENV_OFF = "AICOST_NO_CACHE"
FORMAT = 1  # bump when the layout of an entry changes
MAX_ENTRIES = 500
MAX_BYTES = 10 * 1024 * 1024  # as yamlio: bigger files are refused, never cached

# The modules whose code decides what a sheet compiles to: a change to any of them is a new key,
# so a development checkout never reads data built by older code under the same version number.
_CODE = (
    "../model/prices.py",
    "loader.py",
    "schema.py",
    "yamlio.py",
    "../model/quantity.py",
    "cache.py",
    "files.py",
)


Build = Callable[[Path, str, "bytes | None"], "Compiled"]


@dataclass(frozen=True, slots=True)
class Compiled:
    """What one file holds, as plain data: a price sheet, exchange rates or GPU figures."""

    kind: str  # "sheet" | "fx" | "gpus"
    sheet: PriceSheet | None = None
    fx: FxRates | None = None
    gpus: tuple[Gpu, ...] = ()


def enabled() -> bool:
    return os.environ.get(ENV_OFF, "").strip() not in ("1", "true", "yes")


def cache_dir() -> Path:
    explicit = os.environ.get(ENV_DIR, "").strip()
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    if xdg and os.path.isabs(xdg):
        return Path(xdg, "aicost")
    return Path.home() / ".cache" / "aicost"


_code_stamp: tuple[Any, ...] | None = None


def code_stamp() -> tuple[Any, ...]:
    """The tool's version, Python's, and the size and mtime of the code that builds the data."""
    global _code_stamp
    if _code_stamp is None:
        here = os.path.dirname(os.path.abspath(__file__))
        stamps: list[Any] = [__version__, sys.version_info[:2], FORMAT]
        for name in _CODE:
            try:
                st = os.stat(os.path.join(here, name))
                stamps.append((name, st.st_size, st.st_mtime_ns))
            except OSError:
                stamps.append((name, None))
        _code_stamp = tuple(stamps)
    return _code_stamp


STORE = "catalog-v1"  # the cache's own directory inside cache_dir(): it never touches anything else
MARKER = "CACHEDIR.TAG"
_MARKER_TEXT = b"Signature: 8a477f597d28d172789f06886806bc55\n# aicost's compiled catalog cache\n"
_ENTRY = re.compile(r"[0-9a-f]{16}[0-9a-f]+\.pickle\Z")
_MAX_ENTRY = 4 * MAX_BYTES  # an entry holds the sheet's bytes and the data built from them
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def entry_name(key: tuple[Any, ...], raw: bytes) -> str:
    # named by the file and its content, so two versions of one sheet (a working copy and a git
    # revision of it, say) keep separate entries; the entry itself holds the exact bytes it stands for
    ident = zlib.crc32(repr(key).encode("utf-8", "surrogateescape"))
    return f"{ident:08x}{zlib.crc32(raw):08x}{len(raw):x}.pickle"


def _private(st: os.stat_result) -> bool:
    """Ours alone, as ssh asks of its files: owned by this user, writable by no one else."""
    return st.st_uid == os.geteuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def open_store(directory: Path, create: bool) -> int | None:
    """A descriptor of the cache's own directory, or None when it is missing or not safe to use.

    Every later step works relative to this descriptor, so a directory swapped in after the check
    is never used. The directory must be a real directory (not a symlink), owned by this user and
    writable by no one else; a cache anyone else can write to could hand this run altered prices.
    """
    store = directory / STORE
    if create:
        try:
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            store.mkdir(mode=0o700)
        except FileExistsError:
            pass
        except OSError:
            return None
    try:
        fd = os.open(store, _DIR_FLAGS)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISDIR(st.st_mode) or not _private(st):
            os.close(fd)
            return None
        if create:
            _mark(fd)
    except OSError:
        os.close(fd)
        return None
    return fd


def _mark(fd: int) -> None:
    """Tag the directory as a cache (backup tools skip it; people see whose it is)."""
    try:
        marker = os.open(MARKER, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600, dir_fd=fd)
    except FileExistsError:
        return
    try:
        os.write(marker, _MARKER_TEXT)
    finally:
        os.close(marker)


_ALLOWED: dict[tuple[str, str], Any] = {
    ("decimal", "Decimal"): decimal.Decimal,
    ("datetime", "date"): dt.date,
    ("datetime", "datetime"): dt.datetime,
    ("aicost.sheets.cache", "Compiled"): Compiled,
    **{
        ("aicost.model.prices", n): getattr(prices, n)
        for n in (
            "PriceSheet",
            "ModelPrice",
            "Period",
            "Rates",
            "ServiceTier",
            "Window",
            "TrainingClaim",
            "FxRates",
            "Gpu",
        )
    },
}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        found = _ALLOWED.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the cache")
        return found


def read(directory: Path, key: tuple[Any, ...], raw: bytes) -> Compiled | None:
    """The cached data for these exact bytes under `key`, or None on any miss, mismatch or damage."""
    store = open_store(directory, create=False)
    if store is None:
        return None
    try:
        blob = _read_entry(store, entry_name(key, raw))
        if blob is None:
            return None
        stored_key, stored_raw, value = _Unpickler(io.BytesIO(blob)).load()
    except Exception:  # a cache problem is never the user's problem: read the YAML instead
        return None
    finally:
        os.close(store)
    if stored_key != key or stored_raw != raw or not isinstance(value, Compiled):
        return None
    return value


def _read_entry(store: int, name: str) -> bytes | None:
    """An entry's bytes: a regular file of ours, not a link, a pipe or a device, and not too big."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | _NOFOLLOW, dir_fd=store)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or not _private(st) or st.st_size > _MAX_ENTRY:
            return None
        chunks = []
        total = 0
        while total <= _MAX_ENTRY:
            chunk = os.read(fd, min(1024 * 1024, _MAX_ENTRY + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        return None if total > _MAX_ENTRY else b"".join(chunks)
    finally:
        os.close(fd)


def write(directory: Path, key: tuple[Any, ...], raw: bytes, value: Compiled) -> None:
    """Store an entry whole (a new private temp file + rename), or not at all; failures are ignored."""
    store = open_store(directory, create=True)
    if store is None:
        return
    target = entry_name(key, raw)
    temp = f".{target}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        fd = os.open(
            temp,
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0),
            0o600,
            dir_fd=store,
        )
        with os.fdopen(fd, "wb") as handle:
            pickle.dump((key, raw, value), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temp, target, src_dir_fd=store, dst_dir_fd=store)
        prune(store)
    except Exception:
        with contextlib.suppress(OSError):
            os.unlink(temp, dir_fd=store)
    finally:
        os.close(store)


def prune(store: int) -> None:
    """Keep the cache small: past MAX_ENTRIES, drop the entries written longest ago.

    Only in the cache's own directory, and only files named as its entries are named.
    """
    dated = []
    with os.scandir(store) as listing:
        for item in listing:
            if _ENTRY.match(item.name) and item.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    dated.append((item.stat(follow_symlinks=False).st_mtime_ns, item.name))
    if len(dated) <= MAX_ENTRIES:
        return
    dated.sort()
    for _, name in dated[: len(dated) - MAX_ENTRIES * 3 // 4]:
        with contextlib.suppress(OSError):
            os.unlink(name, dir_fd=store)


def load(path: Path, name: str, build: Build) -> Compiled:
    """One file's data: from the cache when an entry for its exact bytes exists, else `build` it.

    An entry matches on the file's exact bytes (kept in the entry and compared whole), its display
    name and the code stamp, so an edit, a `git checkout` or a copy that keeps the old mtime can never
    be served stale data, and a sheet read from a git revision into a scratch file is found again.
    """
    if not enabled():
        return build(path, name, None)
    raw = read_regular(path, name, MAX_BYTES)  # only a regular file, never over the limit
    key = (code_stamp(), name)
    directory = cache_dir()
    cached = read(directory, key, raw)
    if cached is not None:
        return cached
    value = build(path, name, raw)
    write(directory, key, raw, value)
    return value
