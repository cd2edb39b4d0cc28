"""Small helpers the JSON-lines readers share: numbers, moments and the lines of a file's head.

Every helper raises ValueError with a message fit for a `Malformed` reason; the readers turn it
into one and go on, so a bad value never ends a read.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from aicost.model.limits import TOKENS, check_moment, shorten

_MAX_TOKENS = int(TOKENS.high)
_EPOCH = dt.datetime(1970, 1, 1)
BAD_JSON = "not valid JSON (a truncated or damaged line)"


def bad_json(error: BaseException) -> str:
    """Why a line did not parse: a number too long for any count is named as such."""
    if "integer string conversion" in str(error):
        return "a number far too long to be a count (thousands of digits)"
    return BAD_JSON


def shown(value: object) -> str:
    """A value as JSON, cut short: for messages."""
    try:
        text = json.dumps(value, ensure_ascii=True)
    except (TypeError, ValueError):
        text = repr(value)
    return shorten(text)


def count(value: object, what: str) -> int:
    """A token count: a whole JSON number from 0 to 1e12 (null and absent are 0)."""
    if type(value) is int and 0 <= value <= _MAX_TOKENS:  # the common case, first and cheap
        return value
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what} must be a whole number, not {shown(value)}")
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{what} must be a whole number, not {shown(value)}")
        return TOKENS.whole(Decimal(value), what, raw=repr(value))
    return TOKENS.whole(value, what)


def count_text(value: object, what: str) -> int:
    """A token count written as a decimal string (OTLP/JSON's 64-bit ints) or as a number."""
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit()):
            raise ValueError(f"{what} must be a whole number, not {shown(value)}")
        # Decimal reads any length in linear time; the range check refuses a long one by its exponent
        return TOKENS.whole(Decimal(text), what, raw=text)
    return count(value, what)


def moment(value: object, what: str) -> dt.datetime:
    """An ISO-8601 timestamp as naive UTC (one without an offset is taken as UTC)."""
    if type(value) is str and value[-1:] == "Z" and "1970" <= value[:4] <= "2999":
        # the usual `2026-10-09T13:00:05.000Z`: already UTC, and within the dates aicost reads
        try:
            quick = dt.datetime.fromisoformat(value[:-1])
        except ValueError:
            pass  # the general path below says what is wrong
        else:
            if quick.tzinfo is None:
                return quick
    if not isinstance(value, str):
        raise ValueError(f"{what} must be an ISO-8601 time, not {shown(value)}")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{what} {shown(value)} is not an ISO-8601 time") from None
    result = check_moment(parsed, what)
    assert isinstance(result, dt.datetime)
    return result


def unix_nanos(value: object, what: str) -> dt.datetime:
    """Nanoseconds since the Unix epoch (a decimal string or a number) as naive UTC."""
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit()) or len(text) > 20:
            raise ValueError(f"{what} must be nanoseconds since 1970, not {shown(value)}")
        nanos = int(text)
    elif type(value) is int and value >= 0:
        nanos = value
    else:
        raise ValueError(f"{what} must be nanoseconds since 1970, not {shown(value)}")
    if nanos >= 32_503_680_000 * 10**9:  # 3000-01-01: past every date aicost reads
        raise ValueError(f"{what} {nanos} is after 2999-12-31 (UTC)")
    return _EPOCH + dt.timedelta(microseconds=nanos // 1000)


def head_objects(head: bytes, limit: int = 20) -> tuple[list[dict[str, object]], bytes]:
    """The JSON objects on the lines of a file's head, and its last line when that is unfinished.

    The last line is unfinished when the head stops inside it; then only a byte test can judge it.
    """
    lines = head.split(b"\n")
    rest = b""
    found: list[dict[str, object]] = []
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except (ValueError, RecursionError):
            if index == len(lines) - 1:
                rest = line
            continue
        if isinstance(value, dict):
            found.append(value)
        if len(found) >= limit:
            break
    return found, rest
