"""Read YAML safely into plain Python data, keeping where every value came from.

Numbers with a fraction or exponent become `Decimal` (never float), duplicate keys are errors, only
the standard YAML tags are accepted, and big files or runaway alias expansion are refused. Alongside
the data the reader returns a map from each value's path (a tuple of keys and indexes) to its
1-based line and column, so schema errors can point at the right place.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from aicost.model.errors import AicostError, Location

MAX_BYTES = 10 * 1024 * 1024
MAX_NODES = 200_000  # nodes visited, aliases expanded; a billion-laughs document blows past this

try:  # the C parser is several times faster; the pure-Python one is the fallback
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_TAG}{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")}

PathKey = tuple[str | int, ...]
_EXPONENT = re.compile(r"^[-+]?[0-9][0-9_]*(\.[0-9_]*)?[eE][-+]?[0-9]+$")


@dataclass(frozen=True, slots=True)
class Document:
    """Parsed YAML with the source position of every value."""

    path: str
    data: Any
    marks: dict[PathKey, tuple[int, int]]
    text: str

    def where(self, key: PathKey) -> Location:
        """The closest located ancestor of `key` (a missing key is reported at its parent)."""
        while key not in self.marks and key:
            key = key[:-1]
        line, col = self.marks.get(key, (1, 1))
        return Location(self.path, line, col)


class _Builder:
    def __init__(self, path: str):
        self.path = path
        self.marks: dict[PathKey, tuple[int, int]] = {}
        self.visited = 0
        self._scalars = yaml.constructor.SafeConstructor()

    def fail(self, node: yaml.Node, message: str, hint: str | None = None) -> AicostError:
        mark = node.start_mark
        return AicostError(
            message, where=Location(self.path, mark.line + 1, mark.column + 1), hint=hint
        )

    def build(self, node: yaml.Node, key: PathKey, depth: int = 0) -> Any:
        self.visited += 1
        if self.visited > MAX_NODES:
            raise self.fail(
                node,
                "document expands to too many values (excessive alias expansion?)",
                hint=f"a sheet may hold at most {MAX_NODES:,} values",
            )
        if depth > 100:
            raise self.fail(node, "document is nested too deeply")
        self.marks.setdefault(key, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            if node.tag != f"{_TAG}map":
                raise self.fail(node, f"tag {node.tag!r} is not allowed", hint="remove the tag")
            result: dict[str, Any] = {}
            for knode, vnode in node.value:
                if knode.tag == f"{_TAG}merge":
                    raise self.fail(
                        knode, "merge keys (<<) are not supported", hint="write the keys out"
                    )
                if not isinstance(knode, yaml.ScalarNode):
                    raise self.fail(knode, "mapping keys must be plain text")
                name = knode.value
                if name in result:
                    first = self.marks.get((*key, name), (0, 0))[0]
                    raise self.fail(
                        knode,
                        f"duplicate key {name!r} (first defined on line {first})",
                        hint="remove one of them",
                    )
                self.marks[(*key, name)] = (knode.start_mark.line + 1, knode.start_mark.column + 1)
                result[name] = self.build(vnode, (*key, name), depth + 1)
            return result
        if isinstance(node, yaml.SequenceNode):
            if node.tag != f"{_TAG}seq":
                raise self.fail(node, f"tag {node.tag!r} is not allowed", hint="remove the tag")
            return [self.build(item, (*key, i), depth + 1) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        return self.scalar(node)

    def scalar(self, node: yaml.ScalarNode) -> Any:
        tag = node.tag
        if tag not in _SCALAR_TAGS:
            raise self.fail(
                node, f"tag {tag!r} is not allowed", hint="only plain YAML values are read"
            )
        value: str = node.value
        if tag == f"{_TAG}str" and not node.style and _EXPONENT.match(value):
            tag = f"{_TAG}float"  # YAML 1.1 reads 37e9 as text; sheets mean the number
        if tag == f"{_TAG}float":
            text = value.replace("_", "")
            if text.lower().lstrip("+-") in (".inf", ".nan"):
                return Decimal("NaN")  # rejected by the schema with a clear message
            try:
                return Decimal(text)
            except InvalidOperation:
                raise self.fail(node, f"cannot read {value!r} as a number") from None
        if tag == f"{_TAG}int":
            try:
                return int(self._scalars.construct_yaml_int(node))
            except ValueError:
                raise self.fail(node, f"cannot read {value!r} as a whole number") from None
        if tag == f"{_TAG}timestamp":
            try:
                stamp = self._scalars.construct_yaml_timestamp(node)
            except ValueError as exc:
                raise self.fail(node, f"{value!r} is not a valid date: {exc}") from None
            if isinstance(stamp, dt.datetime) and stamp.tzinfo is not None:
                with contextlib.suppress(OverflowError):  # out of range: the schema names the field
                    stamp = stamp.astimezone(dt.UTC).replace(tzinfo=None)
            return stamp
        if tag == f"{_TAG}bool":
            return self._scalars.construct_yaml_bool(node)
        if tag == f"{_TAG}null":
            return None
        return value


def read_text(path: Path, display: str | None = None) -> str:
    """Read a UTF-8 text file no bigger than 10 MiB, with errors that name it."""
    name = display or str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise AicostError(f"{name}: no such file", hint="check the path") from None
    except OSError as exc:
        raise AicostError(f"{name}: cannot read: {exc.strerror}") from None
    if path.is_dir():
        raise AicostError(f"{name}: is a directory, expected a YAML file")
    if size > MAX_BYTES:
        raise AicostError(f"{name}: file is {size:,} bytes; the limit is {MAX_BYTES:,} (10 MiB)")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise AicostError(f"{name}: cannot read: {exc.strerror}") from None
    return decode(raw, name)


def decode(raw: bytes, name: str) -> str:
    if len(raw) > MAX_BYTES:
        raise AicostError(
            f"{name}: file is {len(raw):,} bytes; the limit is {MAX_BYTES:,} (10 MiB)"
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - raw.rfind(b"\n", 0, exc.start)
        raise AicostError(
            f"not UTF-8 text (byte {exc.start}: {raw[exc.start : exc.end]!r})",
            where=Location(name, line, column),
            hint="save the file as UTF-8",
        ) from None


def parse(text: str, path: str) -> Document:
    """Parse one YAML document. Raises AicostError with a location on any problem."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path)
        problem = exc.problem or exc.context or "invalid YAML"
        if (exc.context or "").startswith("expected a single document"):
            raise AicostError(
                "invalid YAML: a second document starts here; a file holds one document",
                where=where,
                hint="remove the `---` line or split the file",
            ) from None
        raise AicostError(f"invalid YAML: {problem}", where=where) from None
    except yaml.YAMLError as exc:
        raise AicostError(f"invalid YAML: {exc}", where=Location(path)) from None
    if node is None:
        raise AicostError("file is empty", where=Location(path, 1, 1))
    builder = _Builder(path)
    data = builder.build(node, ())
    return Document(path=path, data=data, marks=builder.marks, text=text)


def load(path: Path, display: str | None = None) -> Document:
    name = display or str(path)
    return parse(read_text(path, name), name)
