"""Numbers as people type them: token counts (`1.5k`, `2M`), shares, dates, and money for JSON."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from aicost.model.limits import (
    MONEY_AMOUNT,
    SHARE,
    TOKENS,
    Range,
    check_moment,
    money_context,
    shorten,
)

_SHIFT = {"": 0, "k": 3, "m": 6, "b": 9, "g": 9}
_PLACES = Decimal(1).scaleb(-12)
_TOKENS_EXAMPLE = "write e.g. 1500, 1_500, 1.5k, 2M or 1.2B"


def parse_tokens(
    text: str | int | Decimal, what: str = "token count", limit: Range = TOKENS
) -> int:
    """`1500`, `1_500`, `1.5k`, `2M`, `1.2B` -> int within `limit`; anything else fails."""
    if isinstance(text, bool):
        raise ValueError(f"{what} must be a number, not {text!r}")
    if isinstance(text, int | Decimal):
        return limit.whole(text, what)
    raw = str(text).strip()
    body = raw.replace("_", "").replace(",", "")
    suffix = body[-1:].lower() if body[-1:].isalpha() else ""
    number = body[: len(body) - len(suffix)] if suffix else body
    if suffix not in _SHIFT or not number:
        raise ValueError(f"{what} {shorten(raw)!r} is not a number; {_TOKENS_EXAMPLE}")
    try:
        value = Decimal(number)
    except InvalidOperation:
        raise ValueError(f"{what} {shorten(raw)!r} is not a number; {_TOKENS_EXAMPLE}") from None
    return limit.whole(value, what, raw, _SHIFT[suffix])


def parse_share(text: str | Decimal | int, what: str) -> Decimal:
    """A share of requests between 0 and 1 inclusive; `50%` is read as 0.5."""
    if isinstance(text, bool):
        raise ValueError(f"{what} must be a number between 0 and 1, not {text!r}")
    raw = str(text).strip()
    percent = raw.endswith("%")
    try:
        value = Decimal(raw[:-1] if percent else raw)
    except InvalidOperation:
        raise ValueError(f"{what} {shorten(raw)!r} is not a number between 0 and 1") from None
    return SHARE.check(value, what, raw, -2 if percent else 0)


def parse_amount(text: str, what: str, limit: Range = MONEY_AMOUNT) -> Decimal:
    raw = str(text).strip()
    try:
        value = Decimal(raw.replace("_", "").replace(",", ""))
    except InvalidOperation:
        raise ValueError(
            f"{what} {shorten(raw)!r} is not a number; write e.g. 3000 or 12.50"
        ) from None
    return limit.check(value, what, raw)


def parse_whole(text: str | int, what: str, limit: Range) -> int:
    """A plain whole number such as `--top 5`, within `limit`."""
    if isinstance(text, int) and not isinstance(text, bool):
        return limit.whole(text, what)
    raw = str(text).strip()
    try:
        value = Decimal(raw.replace("_", ""))
    except InvalidOperation:
        raise ValueError(f"{what} {shorten(raw)!r} is not a whole number") from None
    return limit.whole(value, what, raw)


def parse_moment(text: str, what: str = "date") -> dt.datetime:
    """`2025-07-28` (start of that day, UTC) or `2025-09-05T16:00Z` -> naive UTC datetime."""
    raw = text.strip()
    try:
        if len(raw) == 10:
            stamp = dt.datetime.combine(dt.date.fromisoformat(raw), dt.time())
        else:
            stamp = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{what} {shorten(raw)!r} is not a date; write YYYY-MM-DD or YYYY-MM-DDTHH:MMZ"
        ) from None
    checked = check_moment(stamp, what)
    assert isinstance(checked, dt.datetime)
    return checked


def as_moment(value: dt.date | dt.datetime) -> dt.datetime:
    """Dates in sheets mean midnight UTC."""
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.combine(value, dt.time())


def format_moment(value: dt.datetime) -> str:
    """A date when it is midnight, else an ISO UTC timestamp."""
    if value.time() == dt.time():
        return value.date().isoformat()
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def exact(value: Decimal) -> str:
    """Money for JSON and CSV: the exact decimal, at most 12 places (half-even), no trailing zeros."""
    if value.as_tuple().exponent < -12:  # type: ignore[operator]
        with money_context():
            value = value.quantize(_PLACES, rounding=ROUND_HALF_EVEN)
    if value == 0:
        return "0"
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
