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

Entries are read with an unpickler that only builds the known data classes, Decimals and dates, so a
tampered cache file cannot run code.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import io
import os
import pickle
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aicost import __version__
from aicost.model import prices
from aicost.model.prices import FxRates, Gpu, PriceSheet

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


def entry_path(directory: Path, key: tuple[Any, ...], raw: bytes) -> Path:
    # named by the file and its content, so two versions of one sheet (a working copy and a git
    # revision of it, say) keep separate entries; the entry itself holds the exact bytes it stands for
    ident = zlib.crc32(repr(key).encode("utf-8", "surrogateescape"))
    return directory / f"{ident:08x}{zlib.crc32(raw):08x}{len(raw):x}.pickle"


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
    try:
        with open(entry_path(directory, key, raw), "rb") as handle:
            blob = handle.read()
        stored_key, stored_raw, value = _Unpickler(io.BytesIO(blob)).load()
    except Exception:  # a cache problem is never the user's problem: read the YAML instead
        return None
    if stored_key != key or stored_raw != raw or not isinstance(value, Compiled):
        return None
    return value


def write(directory: Path, key: tuple[Any, ...], raw: bytes, value: Compiled) -> None:
    """Store an entry whole (temp file + rename), or not at all; failures are ignored."""
    target = entry_path(directory, key, raw)
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with open(temp, "wb") as handle:
            pickle.dump((key, raw, value), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temp, target)
        prune(directory)
    except Exception:
        with contextlib.suppress(OSError):
            temp.unlink()


def prune(directory: Path) -> None:
    """Keep the cache small: past MAX_ENTRIES, drop the entries written longest ago."""
    entries = list(directory.glob("*.pickle"))
    if len(entries) <= MAX_ENTRIES:
        return
    dated = sorted((e.stat().st_mtime_ns, e) for e in entries)
    for _, old in dated[: len(entries) - MAX_ENTRIES * 3 // 4]:
        with contextlib.suppress(OSError):
            old.unlink()


def load(path: Path, name: str, build: Build) -> Compiled:
    """One file's data: from the cache when an entry for its exact bytes exists, else `build` it.

    An entry matches on the file's exact bytes (kept in the entry and compared whole), its display
    name and the code stamp, so an edit, a `git checkout` or a copy that keeps the old mtime can never
    be served stale data, and a sheet read from a git revision into a scratch file is found again.
    """
    if not enabled():
        return build(path, name, None)
    try:
        raw = path.read_bytes()
    except OSError:
        return build(path, name, None)  # the reader reports the problem in its own words
    if len(raw) > MAX_BYTES:
        return build(path, name, raw)
    key = (code_stamp(), name)
    directory = cache_dir()
    cached = read(directory, key, raw)
    if cached is not None:
        return cached
    value = build(path, name, raw)
    write(directory, key, raw, value)
    return value
