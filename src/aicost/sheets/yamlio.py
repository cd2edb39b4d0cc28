"""Read YAML safely into plain Python data, keeping where every value came from.

The document is built straight from the parser's event stream in one pass, without recursion, so
the work is linear in the input and bounded: nesting deeper than 64 levels, a value that contains
itself through an alias, aliases that expand far beyond the file's own size, more than a million
values in all, and more items than a caller allows in a top-level list (`workloads`) are refused
with the place they occur, as soon as they are met.

Scalars follow YAML 1.2's plain decimal numbers rather than YAML 1.1's: `017` is not octal 15 and
`1:30` is not base-60 90; those forms, hexadecimal and octal numbers, and text that Python would
read as a number written in other digits (`١٢`, `１２`) are errors that say how to write the value.
Numbers with a fraction or exponent become `Decimal` (never float), duplicate keys are errors (all
of them are listed), and only the standard YAML tags are accepted. Alongside the data the reader
returns a map from each value's path (a tuple of keys and indexes) to its 1-based line and column,
so schema errors can point at the right place.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from aicost.model.errors import AicostError, Location, Problem, SheetErrors
from aicost.sheets.files import MAX_BYTES, read_regular

MAX_DEPTH = 64  # mappings and lists inside each other; real sheets use fewer than 10
MAX_VALUES = 1_000_000  # values in a document, aliases expanded
ALIAS_FACTOR = 100  # aliases may expand a document to this many times its own values
ALIAS_FLOOR = 10_000  # ... or to this many values, whichever is more

try:  # the C parser is several times faster; the pure-Python one is the fallback
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_TAG}{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")}
_COLLECTION_TAGS = {None, f"{_TAG}map", f"{_TAG}seq"}

PathKey = tuple[str | int, ...]

_DIGITS = r"[0-9](?:_?[0-9])*"
_INT = re.compile(r"[-+]?(?:0|[1-9](?:_?[0-9])*)\Z")
_FLOAT = re.compile(  # a fraction, an exponent or both: 0.5, .5, 1., 37e9, 1.5e-3
    rf"[-+]?(?:(?:{_DIGITS}\.(?:{_DIGITS})?|\.{_DIGITS})(?:[eE][-+]?{_DIGITS})?"
    rf"|{_DIGITS}[eE][-+]?{_DIGITS})\Z"
)
_SPECIAL = re.compile(r"[-+]?\.(?:inf|Inf|INF)\Z|\.(?:nan|NaN|NAN)\Z")
_SEXAGESIMAL = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?\Z")
_LEADING_ZERO = re.compile(r"[-+]?0[0-9_]+\Z")
_OTHER_BASE = re.compile(r"[-+]?0(?:[xX][0-9a-fA-F_]+|[oO][0-7_]+|[bB][01_]+)\Z")
_BOOLS = {
    **dict.fromkeys(("true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"), True),
    **dict.fromkeys(("false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"), False),
}
_NULLS = {"", "~", "null", "Null", "NULL"}
_TIMESTAMP = yaml.constructor.SafeConstructor.timestamp_regexp


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


class _Frame:
    """A mapping or list being read: its value, place, pending key and where its marks start."""

    __slots__ = ("anchor", "first", "key", "limit", "path", "value")

    def __init__(self, value: Any, path: PathKey, anchor: str | None, first: int):
        self.value = value
        self.path = path
        self.anchor = anchor
        self.first = first
        self.key: str | None = None
        self.limit: tuple[str, int] | None = None


class _Builder:
    def __init__(self, path: str, limits: Mapping[str, int] | None):
        self.path = path
        self.limits = dict(limits or {})
        self.marks: dict[PathKey, tuple[int, int]] = {}
        self.order: list[PathKey] = []  # the marked paths in document order (for alias copies)
        self.values = 0  # values built, aliases expanded
        self.own = 0  # values written out in the file
        self.aliased = False
        self.anchors: dict[str, tuple[Any, PathKey, int, int]] = {}
        self.open: set[str] = set()  # anchors of mappings and lists not yet closed
        self.duplicates: list[Problem] = []
        self._scalars = yaml.constructor.SafeConstructor()

    def fail(self, mark: Any, message: str, hint: str | None = None) -> AicostError:
        return AicostError(message, where=self.at(mark), hint=hint)

    def at(self, mark: Any) -> Location:
        return Location(self.path, mark.line + 1, mark.column + 1)

    def run(self, events: Any) -> Any:
        stack: list[_Frame] = []
        root: Any = None
        documents = 0
        for event in events:
            kind = type(event)
            if kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise self.fail(
                        event.start_mark,
                        "invalid YAML: a second document starts here; a file holds one document",
                        hint="remove the `---` line or split the file",
                    )
                continue
            if kind in (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent):
                continue
            if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                frame = stack.pop()
                if frame.anchor is not None:
                    self.open.discard(frame.anchor)
                    self.anchors[frame.anchor] = (
                        frame.value,
                        frame.path,
                        frame.first,
                        len(self.order),
                    )
                if not stack:
                    root = frame.value
                else:
                    self.place(stack[-1], frame.value)
                continue
            parent = stack[-1] if stack else None
            if parent is not None and isinstance(parent.value, dict) and parent.key is None:
                self.key(parent, event)
                continue
            path = self.child_path(parent, event.start_mark)
            self.mark(path, event.start_mark)
            if kind is yaml.ScalarEvent:
                value = self.scalar(event)
                self.count(event.start_mark)
                if event.anchor is not None:
                    self.anchors[event.anchor] = (value, path, len(self.order), len(self.order))
            elif kind is yaml.AliasEvent:
                value = self.alias(event, path)
            else:  # the start of a mapping or a list
                if len(stack) >= MAX_DEPTH:
                    raise self.fail(
                        event.start_mark,
                        f"document is nested too deeply (more than {MAX_DEPTH} levels)",
                        hint="a sheet needs only a few levels",
                    )
                mapping = kind is yaml.MappingStartEvent
                if (
                    event.tag not in _COLLECTION_TAGS
                    or event.tag == f"{_TAG}{'seq' if mapping else 'map'}"
                ):
                    raise self.fail(
                        event.start_mark, f"tag {event.tag!r} is not allowed", hint="remove the tag"
                    )
                self.count(event.start_mark)
                frame = _Frame({} if mapping else [], path, event.anchor, len(self.order))
                if event.anchor is not None:
                    self.open.add(event.anchor)
                    self.anchors.pop(event.anchor, None)
                if (
                    not mapping
                    and parent is not None
                    and len(stack) == 1
                    and isinstance(path[-1], str)
                    and path[-1] in self.limits
                ):
                    frame.limit = (path[-1], self.limits[path[-1]])
                stack.append(frame)
                continue
            if parent is None:
                root = value
            else:
                self.place(parent, value)
        if self.duplicates:
            if len(self.duplicates) == 1:
                first = self.duplicates[0]
                raise AicostError(
                    first.message.removesuffix(" (remove one of them)"),
                    where=first.where,
                    hint="remove one of them",
                )
            raise SheetErrors(self.duplicates)
        return root

    def child_path(self, parent: _Frame | None, mark: Any) -> PathKey:
        if parent is None:
            return ()
        if isinstance(parent.value, dict):
            assert parent.key is not None
            return (*parent.path, parent.key)
        index = len(parent.value)
        if parent.limit is not None and index >= parent.limit[1]:
            name, limit = parent.limit
            raise self.fail(
                mark,
                f"more than {limit:,} {name} in one file; the limit is {limit:,}",
                hint=f"split the {name} into several files",
            )
        return (*parent.path, index)

    def place(self, parent: _Frame, value: Any) -> None:
        if isinstance(parent.value, dict):
            assert parent.key is not None
            parent.value[parent.key] = value
            parent.key = None
        else:
            parent.value.append(value)

    def mark(self, path: PathKey, mark: Any) -> None:
        if path not in self.marks:
            self.marks[path] = (mark.line + 1, mark.column + 1)
            self.order.append(path)

    def count(self, mark: Any, values: int = 1) -> None:
        self.values += values
        if self.values > MAX_VALUES:
            raise self.fail(
                mark,
                f"document holds more than {MAX_VALUES:,} values"
                + (" once its aliases are expanded" if self.aliased else ""),
                hint=f"a file may hold at most {MAX_VALUES:,} values; split it",
            )

    def key(self, parent: _Frame, event: Any) -> None:
        if type(event) is not yaml.ScalarEvent:
            raise self.fail(event.start_mark, "mapping keys must be plain text")
        name: str = event.value
        if event.tag == f"{_TAG}merge" or (name == "<<" and event.implicit[0]):
            raise self.fail(
                event.start_mark, "merge keys (<<) are not supported", hint="write the keys out"
            )
        if event.tag not in (None, "!", f"{_TAG}str"):
            raise self.fail(event.start_mark, f"tag {event.tag!r} is not allowed on a key")
        path = (*parent.path, name)
        if name in parent.value:
            first = self.marks.get(path, (0, 0))[0]
            self.duplicates.append(
                Problem(
                    self.at(event.start_mark),
                    "error",
                    f"duplicate key {name!r} (first defined on line {first}) (remove one of them)",
                )
            )
        self.mark(path, event.start_mark)
        parent.key = name

    def alias(self, event: Any, path: PathKey) -> Any:
        name = event.anchor
        if name in self.open:
            raise self.fail(
                event.start_mark,
                f"alias *{name} is inside the value it names (a value cannot contain itself)",
                hint="remove the alias",
            )
        if name not in self.anchors:
            raise self.fail(event.start_mark, f"alias *{name} names no anchor defined before it")
        value, origin, first, end = self.anchors[name]
        self.aliased = True
        budget = min(MAX_VALUES, max(ALIAS_FLOOR, ALIAS_FACTOR * self.own))
        if self.values + 1 + end - first > budget:
            raise self.fail(
                event.start_mark,
                "aliases expand the document to too many values: "
                f"more than {budget:,} from the {self.own:,} written out",
                hint="write the values out, or use fewer nested aliases",
            )
        size = len(origin)
        for index in range(first, end):
            self.mark((*path, *self.order[index][size:]), _Mark(self.marks[self.order[index]]))
        self.values += 1 + end - first
        return value

    def scalar(self, event: Any) -> Any:
        self.own += 1
        value: str = event.value
        tag = event.tag
        if tag is None or tag == "!":
            result = self.plain(event, value) if event.implicit[0] and tag is None else value
        elif tag not in _SCALAR_TAGS:
            raise self.fail(event.start_mark, f"tag {tag!r} is not allowed", hint="remove the tag")
        else:
            result = self.tagged(event, tag[len(_TAG) :], value)
        if isinstance(result, str) and not result.isascii():
            self.other_digits(event, result)
        return result

    def plain(self, event: Any, value: str) -> Any:
        """An untagged, unquoted scalar: YAML 1.2's numbers, YAML 1.1's booleans, dates, text."""
        if value in _NULLS:
            return None
        first = value[0]
        if first in "0123456789+-.":
            number = self.number(event, value, whole=False)
            if number is not None:
                return number
            if _TIMESTAMP.match(value):
                return self.tagged(event, "timestamp", value)
            return value
        return _BOOLS.get(value, value)

    def number(self, event: Any, value: str, whole: bool) -> Any:
        """The number `value` writes in decimal; None for text; an error for YAML 1.1's forms."""
        if _INT.match(value):
            # Python refuses to read integers of more than 4,300 digits; a Decimal holds any, and
            # the schema then refuses it by the field's range
            return int(value) if len(value) <= 100 else Decimal(value)
        if _FLOAT.match(value):
            if whole:
                return None
            try:
                return Decimal(value)
            except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
                return None
        if _SPECIAL.match(value):
            return None if whole else Decimal("NaN")  # the schema rejects it with a clear message
        if _SEXAGESIMAL.match(value):
            raise self.fail(
                event.start_mark,
                f"{value!r} is not a number here: YAML 1.1 reads it as a base-60 number "
                f"({_base60(value)})",
                hint=f'write the number you mean, or quote it ("{value}") if it is text',
            )
        if _LEADING_ZERO.match(value):
            raise self.fail(
                event.start_mark,
                f"{value!r} starts with a 0, which YAML 1.1 reads as an octal number",
                hint=f'write it without the leading zero, or quote it ("{value}") if it is text',
            )
        if _OTHER_BASE.match(value):
            raise self.fail(
                event.start_mark,
                f"{value!r} is not a decimal number",
                hint=f'write numbers in decimal digits, or quote it ("{value}") if it is text',
            )
        return None

    def tagged(self, event: Any, tag: str, value: str) -> Any:
        """A scalar with an explicit standard tag (`!!int 5`), or a plain date."""
        if tag == "str":
            return value
        if tag == "null":
            return None
        if tag in ("int", "float"):
            number = self.number(event, value, whole=tag == "int")
            if number is None:
                kind = "a whole number" if tag == "int" else "a number"
                raise self.fail(event.start_mark, f"cannot read {value!r} as {kind}")
            return Decimal(number) if tag == "float" else number
        if tag == "bool":
            found = _BOOLS.get(value)
            if found is None:
                raise self.fail(event.start_mark, f"cannot read {value!r} as true or false")
            return found
        node = yaml.ScalarNode(f"{_TAG}timestamp", value)
        try:
            stamp = self._scalars.construct_yaml_timestamp(node)
        except ValueError as exc:
            raise self.fail(event.start_mark, f"{value!r} is not a valid date: {exc}") from None
        except Exception:  # PyYAML fails on text that is no date at all
            raise self.fail(
                event.start_mark,
                f"{value!r} is not a valid date",
                hint="write YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ",
            ) from None
        if isinstance(stamp, dt.datetime) and stamp.tzinfo is not None:
            with contextlib.suppress(OverflowError):  # out of range: the schema names the field
                stamp = stamp.astimezone(dt.UTC).replace(tzinfo=None)
        return stamp

    def other_digits(self, event: Any, value: str) -> None:
        """Text Python would read as a number though it is not written with the digits 0-9."""
        if not any(ch.isdigit() for ch in value):
            return
        try:
            Decimal(value)
        except (InvalidOperation, ValueError):
            return
        raise self.fail(
            event.start_mark,
            f"{value!r} is written with digits other than 0-9",
            hint="write numbers with the digits 0-9",
        )


class _Mark:
    """A parser mark rebuilt from a stored (line, column), for marks copied through an alias."""

    __slots__ = ("column", "line")

    def __init__(self, place: tuple[int, int]):
        self.line = place[0] - 1
        self.column = place[1] - 1


def _base60(value: str) -> str:
    sign = -1 if value.startswith("-") else 1
    digits = value.lstrip("+-").replace("_", "")
    if "." in digits:
        return "a fraction"
    total = 0
    for part in digits.split(":"):
        total = total * 60 + int(part)
    return str(sign * total)


def read_text(path: Path, display: str | None = None) -> str:
    """Read a regular UTF-8 text file no bigger than 10 MiB, with errors that name it."""
    name = str(path) if display is None else display
    return decode(read_regular(path, name, MAX_BYTES), name)


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


def parse(text: str, path: str, limits: Mapping[str, int] | None = None) -> Document:
    """Parse one YAML document. Raises AicostError with a location on any problem.

    `limits` caps the number of items in top-level lists by key (`{"workloads": 10_000}`).
    """
    builder = _Builder(path, limits)
    try:
        data = builder.run(yaml.parse(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path)
        problem = exc.problem or exc.context or "invalid YAML"
        raise AicostError(f"invalid YAML: {problem}", where=where) from None
    except yaml.YAMLError as exc:
        raise AicostError(f"invalid YAML: {exc}", where=Location(path)) from None
    except RecursionError:  # pragma: no cover - the pure-Python parser on a deep document
        raise AicostError(
            f"document is nested too deeply (more than {MAX_DEPTH} levels)", where=Location(path)
        ) from None
    if not builder.marks:
        raise AicostError("file is empty", where=Location(path, 1, 1))
    return Document(path=path, data=data, marks=builder.marks, text=text)


def load(path: Path, display: str | None = None) -> Document:
    name = display or str(path)
    return parse(read_text(path, name), name)
