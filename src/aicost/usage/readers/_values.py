"""Small value readers the usage readers share: token counts, timestamps, whole JSON documents.

A value that cannot be read raises `BadValue` with a reason in words; a reader turns it into a
`Malformed` for the line or entry it came from.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from aicost.model.errors import AicostError
from aicost.usage.record import Malformed, UsageRecord

MAX_FIELD_CHARS = 64 * 1024 * 1024  # a CSV field (LiteLLM keeps whole messages in one)
MAX_DOCUMENT_BYTES = 512 * 1024 * 1024  # whole-document formats (API pages) are read at once
_UTC = dt.UTC
_EPOCH = dt.datetime(1970, 1, 1)


class BadValue(ValueError):
    """A field that holds no usable value; the message says which and why."""


def count(value: Any, name: str) -> int:
    """A token or request count: a whole number, 0 or more (JSON int, integral number or digits)."""
    if value is None:
        return 0
    if type(value) is int:
        if value < 0:
            raise BadValue(f"{name} is negative ({value})")
        return value
    if isinstance(value, bool):
        raise BadValue(f"{name} is {str(value).lower()}, not a number")
    if isinstance(value, Decimal | float):
        if value != value or value in (Decimal("Infinity"), Decimal("-Infinity")):
            raise BadValue(f"{name} is not a number ({value})")
        if value != int(value):
            raise BadValue(f"{name} is not a whole number ({value})")
        return count(int(value), name)
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return 0
        if not (text.isascii() and text.isdigit()):
            raise BadValue(f"{name} is not a whole number ({value!r})")
        return int(text)
    raise BadValue(f"{name} is not a number ({type(value).__name__})")


def money(value: Any, name: str) -> Decimal | None:
    """A reported cost as an exact Decimal (JSON numbers are read as Decimal, text kept as written)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadValue(f"{name} is {str(value).lower()}, not an amount")
    try:
        amount = Decimal(value) if isinstance(value, int | str | Decimal) else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise BadValue(f"{name} is not an amount ({value!r})")
    return amount


def utc_iso(value: Any, name: str) -> dt.datetime:
    """An ISO 8601 time as naive UTC; a time without an offset is taken as UTC already."""
    if not isinstance(value, str):
        raise BadValue(f"{name} is not a time ({value!r})")
    try:
        stamp = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadValue(f"{name} is not an ISO 8601 time ({value!r})") from None
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(_UTC).replace(tzinfo=None)
    return stamp


def utc_unix(value: Any, name: str, scale: int = 1) -> dt.datetime:
    """Seconds (or, with `scale` 1000, milliseconds) since 1970 as naive UTC."""
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise BadValue(f"{name} is not a Unix time ({value!r})")
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
        if not number.is_finite():
            raise InvalidOperation
        return _EPOCH + dt.timedelta(microseconds=int(number * 1_000_000 / scale))
    except (InvalidOperation, OverflowError, ValueError):
        raise BadValue(f"{name} is not a Unix time ({value!r})") from None


def text(value: Any) -> str | None:
    """A name-like field as text; None for missing or empty."""
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | Decimal):
        return str(value)
    return None


def load_document(path: Path) -> Any | Malformed:
    """A whole JSON document (numbers with a fraction as Decimal); a parse error as a Malformed."""
    size = os.stat(path).st_size
    if size > MAX_DOCUMENT_BYTES:
        raise AicostError(
            f"{path}: file is {size:,} bytes; the limit for a whole JSON document is "
            f"{MAX_DOCUMENT_BYTES:,} (512 MiB)",
            hint="split the pages into several files",
        )
    with open(path, encoding="utf-8-sig", errors="strict") as handle:
        try:
            return json.load(handle, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            return Malformed(f"{path}:{exc.lineno}:{exc.colno}", f"invalid JSON: {exc.msg}")
        except UnicodeDecodeError as exc:
            return Malformed(f"{path}", f"not UTF-8 text (byte {exc.start})")


def sorted_dims(pairs: list[tuple[str, str | None]]) -> tuple[tuple[str, str], ...]:
    """The dimensions that have a value, sorted by name."""
    return tuple(sorted((name, value) for name, value in pairs if value is not None))


def csv_reader(handle: Any, delimiter: str = ",") -> Any:
    """A csv.reader that takes fields up to MAX_FIELD_CHARS (the module's limit is process-wide)."""
    if csv.field_size_limit() < MAX_FIELD_CHARS:
        csv.field_size_limit(MAX_FIELD_CHARS)
    return csv.reader(handle, delimiter=delimiter)


def csv_rows(path: Path, delimiter: str = ",") -> Iterator[tuple[int, list[str]] | Malformed]:
    """The non-empty rows of a CSV file with the line each starts on; an unreadable row as a Malformed."""
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        reader = csv_reader(handle, delimiter)
        last = 0
        while True:
            try:
                for row in reader:
                    start, last = last + 1, reader.line_num
                    if row:
                        yield start, row
                return
            except csv.Error as exc:
                yield Malformed(f"{path}:{last + 1}", f"unreadable CSV row: {exc}")
                last = reader.line_num


def json_line(raw: bytes) -> Any:
    """One JSON Lines value (numbers with a fraction as Decimal); a reason in words when it is not."""
    try:
        return json.loads(raw.rstrip(b"\r\n"), parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise BadValue(f"invalid JSON: {exc.msg} (character {exc.pos + 1})") from None
    except ValueError:  # not UTF-8
        raise BadValue("invalid JSON: not UTF-8 text") from None


Record = Callable[[Any, dt.datetime, int, str], UsageRecord]


def bucket_pages(
    path: Path,
    times: tuple[str, str],
    moment: Callable[[Any, str], dt.datetime],
    record: Record,
    page_kind: str,
) -> Iterator[UsageRecord | Malformed]:
    """The records of a usage API's JSON: a page, or a list of pages, of `data` buckets, each with
    a start and end (`times`, read by `moment`) and `results`, one record each (built by `record`
    from the result, the bucket's start, its width in seconds and where it stands)."""
    document = load_document(path)
    if isinstance(document, Malformed):
        yield document
        return
    pages = document if isinstance(document, list) else [document]
    for p, page in enumerate(pages):
        here = f"{path}#[{p}]." if isinstance(document, list) else f"{path}#"
        buckets = page.get("data") if isinstance(page, dict) else None
        if not isinstance(buckets, list):
            yield Malformed(here.rstrip(".#"), f"not a {page_kind} (no `data` list)")
            continue
        for b, bucket in enumerate(buckets):
            yield from _bucket(bucket, f"{here}data[{b}]", times, moment, record)


def _bucket(
    bucket: Any,
    at: str,
    times: tuple[str, str],
    moment: Callable[[Any, str], dt.datetime],
    record: Record,
) -> Iterator[UsageRecord | Malformed]:
    if not isinstance(bucket, dict):
        yield Malformed(at, "a bucket is not an object")
        return
    first, last = times
    try:
        start = moment(bucket.get(first), first)
        end = moment(bucket.get(last), last)
    except BadValue as exc:
        yield Malformed(at, str(exc))
        return
    width = int((end - start).total_seconds())
    if width <= 0:
        yield Malformed(at, f"{last} is not after {first}")
        return
    results = bucket.get("results")
    if not isinstance(results, list):
        yield Malformed(at, "no `results` list in the bucket")
        return
    for r, result in enumerate(results):
        where = f"{at}.results[{r}]"
        try:
            yield record(result, start, width, where)
        except BadValue as exc:
            yield Malformed(where, str(exc))
