"""SOURCE arguments to readers: files, directories (searched recursively) and `-` (stdin), each
file matched to its reader by `--from` or by its content.

Detection reads up to 64 KiB of a file and asks each reader's `sniff` in `READERS` order; a
reader module that is not there (not written yet, or left out of a build) is skipped. A file no
reader recognises is an error naming what was expected and what was found.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from aicost.model.errors import AicostError
from aicost.usage.readers import READERS
from aicost.usage.record import Malformed, UsageRecord

HEAD_BYTES = 64 * 1024
STDIN = "-"
GENERIC = "aicost.usage.readers.generic"


@dataclass(frozen=True)
class SourceFile:
    path: Path
    shown: str  # the name messages use (`<stdin>` for `-`)
    reader: ModuleType
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Sources:
    files: tuple[SourceFile, ...]
    skipped: tuple[str, ...] = ()  # files in a directory that no reader recognised

    def records(self) -> Iterator[UsageRecord | Malformed]:
        """A fresh stream of every file's records, in order (call again for a second pass)."""
        for source in self.files:
            try:
                for item in source.reader.read(source.path, **source.options):
                    if source.shown != str(source.path) and isinstance(item, Malformed):
                        item = Malformed(
                            item.where.replace(str(source.path), source.shown, 1), item.reason
                        )
                    yield item
            except OSError as exc:
                raise AicostError(
                    f"{source.shown}: cannot read: {exc.strerror or exc}",
                    hint="check the path and its permissions",
                ) from None


def reader_module(name: str) -> ModuleType | None:
    """The reader module for a `--from` name, or None where this build does not have it."""
    path = READERS[name]
    try:
        return importlib.import_module(path)
    except ModuleNotFoundError as exc:
        if exc.name != path:
            raise
        return None


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(HEAD_BYTES)
    except OSError as exc:
        raise AicostError(
            f"{path}: cannot read: {exc.strerror or exc}", hint="check its permissions"
        ) from None


def describe(head: bytes) -> str:
    """What the start of a file looks like, in a few words, for a message."""
    if not head.strip():
        return "an empty file"
    if head.startswith(b"SQLite format 3\x00"):
        return "an SQLite database"
    if b"\x00" in head[:4096]:
        return "binary data"
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    first = text.lstrip().split("\n", 1)[0].strip()
    if first.startswith("{"):
        try:
            value = json.loads(first)
        except ValueError:
            return "JSON that is not one object per line"
        if isinstance(value, dict):
            keys = ", ".join(list(value)[:8])
            return f"JSON lines with keys: {_short(keys)}"
    if first.startswith("["):
        return "a JSON array"
    if "," in first or "\t" in first:
        return f"a CSV header: {_short(first)}"
    return f"text starting {_short(first)!r}"


def _short(text: str, width: int = 80) -> str:
    from aicost.model.limits import shorten

    return shorten(text, width)


def _expected(module: ModuleType) -> str:
    describes = getattr(module, "DESCRIBES", module.__name__)
    expects = getattr(module, "EXPECTS", None)
    return f"a {describes}" + (f" (expected {expects}" if expects else "")


def _files(argument: str) -> list[tuple[Path, bool]]:
    """(path, named) for one SOURCE: a file as given, or a directory's regular files, sorted."""
    path = Path(argument)
    if path.is_dir():
        try:
            found = sorted(p for p in path.rglob("*") if p.is_file())
        except OSError as exc:
            raise AicostError(
                f"{path}: cannot read the directory: {exc.strerror or exc}",
                hint="check its permissions",
            ) from None
        return [(p, False) for p in found]
    if not path.exists():
        raise AicostError(f"{path}: no such file or directory")
    if not path.is_file():
        raise AicostError(f"{path}: not a regular file", hint="give a log file or a directory")
    return [(path, True)]


@contextlib.contextmanager
def open_sources(
    arguments: list[str], fmt: str | None = None, mapping: Path | None = None
) -> Iterator[Sources]:
    """Resolve SOURCE arguments; `-` is spooled to a private temporary file for the run."""
    if not arguments:
        raise AicostError("no SOURCE given", hint="give a log file, a directory, or - for stdin")
    if fmt is not None and fmt not in READERS:
        raise AicostError(f"unknown --from format {fmt!r}", hint="use one of " + ", ".join(READERS))
    if mapping is not None and not mapping.is_file():
        raise AicostError(f"{mapping}: no such mapping file", hint="--map takes a YAML file")
    spool: str | None = None
    try:
        files: list[SourceFile] = []
        skipped: list[str] = []
        for argument in arguments:
            if argument == STDIN:
                if spool is None:
                    spool = tempfile.mkdtemp(prefix="aicost-usage-")
                    target = Path(spool) / "stdin"
                    with target.open("wb") as out:
                        shutil.copyfileobj(sys.stdin.buffer, out, 1 << 20)
                listed = [(Path(spool) / "stdin", True)]
            else:
                listed = _files(argument)
            for path, named in listed:
                shown = "<stdin>" if argument == STDIN else str(path)
                chosen = _choose(path, shown, named, fmt, mapping)
                if chosen is None:
                    skipped.append(shown)
                else:
                    files.append(chosen)
        if not files and skipped:
            raise AicostError(
                f"no usage log found in {', '.join(arguments)}: {len(skipped)} file(s), none "
                "in a format aicost reads",
                hint="name the format with --from, or map a CSV/JSONL with --map",
            )
        yield Sources(tuple(files), tuple(skipped))
    finally:
        if spool is not None:
            shutil.rmtree(spool, ignore_errors=True)


def _choose(
    path: Path, shown: str, named: bool, fmt: str | None, mapping: Path | None
) -> SourceFile | None:
    head = _head(path)
    if mapping is not None and fmt is None:
        fmt = "jsonl" if head.lstrip()[:1] in (b"{", b"[") else "csv"
    options: dict[str, Any] = {}
    if mapping is not None:
        if READERS[fmt or ""] != GENERIC:
            raise AicostError(
                f"--map goes with the generic reader (--from csv or jsonl), not --from {fmt}"
            )
        options["mapping"] = mapping
    if fmt is not None:
        module = reader_module(fmt)
        if module is None:
            raise AicostError(
                f"the {fmt} usage format is not available in this build of aicost",
                hint=f"{READERS[fmt]} is missing",
            )
        if not head.strip():
            return SourceFile(path, shown, module, options)  # an empty log holds no records
        if mapping is None and not module.sniff(path, head):
            raise AicostError(_not_format(shown, module, head), hint="check --from")
        return SourceFile(path, shown, module, options)
    if not head.strip():
        return None if not named else _empty(path, shown)
    tried: list[ModuleType] = []
    for name in READERS:
        module = reader_module(name)
        if module is None or module in tried:
            continue
        tried.append(module)
        if module.sniff(path, head):
            return SourceFile(path, shown, module, options)
    if not named:
        return None
    kinds = "; ".join(getattr(m, "DESCRIBES", m.__name__) for m in tried) or "none installed"
    raise AicostError(
        f"{shown}: not a usage log aicost can read (expected one of: {kinds}; found "
        f"{describe(head)})",
        hint="name the format with --from, or map a CSV/JSONL with --map",
    )


def _empty(path: Path, shown: str) -> SourceFile:
    """A named empty file: no records, read by nothing."""
    return SourceFile(path, shown, _NOTHING)


def _not_format(shown: str, module: ModuleType, head: bytes) -> str:
    expected = _expected(module)
    found = describe(head)
    if "(" in expected:
        return f"{shown}: not {expected}; found {found})"
    return f"{shown}: not {expected} (found {found})"


class _Nothing(ModuleType):
    def read(self, path: Path, **_: Any) -> Iterator[UsageRecord | Malformed]:
        return iter(())


_NOTHING = _Nothing("aicost.usage.empty")
