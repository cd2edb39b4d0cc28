"""Numbers as people type them: token counts (`1.5k`, `2M`), shares, dates, and money for JSON."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

_SUFFIX = {"": 1, "k": 10**3, "m": 10**6, "b": 10**9, "g": 10**9}
_PLACES = Decimal(1).scaleb(-12)


def parse_tokens(text: str | int, what: str = "token count") -> int:
    """`1500`, `1_500`, `1.5k`, `2M`, `1.2B` -> int. Anything not a whole non-negative number fails."""
    if isinstance(text, bool):
        raise ValueError(f"{what} must be a number, not {text!r}")
    if isinstance(text, int):
        if text < 0:
            raise ValueError(f"{what} must not be negative (got {text})")
        return text
    if isinstance(text, Decimal):
        return _whole(text, str(text), what)
    raw = str(text).strip()
    body = raw.replace("_", "").replace(",", "")
    suffix = body[-1:].lower() if body[-1:].isalpha() else ""
    number = body[: len(body) - len(suffix)] if suffix else body
    if suffix not in _SUFFIX or not number:
        raise ValueError(
            f"{what} {raw!r} is not a number; write e.g. 1500, 1_500, 1.5k, 2M or 1.2B"
        )
    try:
        value = Decimal(number) * _SUFFIX[suffix]
    except InvalidOperation:
        raise ValueError(
            f"{what} {raw!r} is not a number; write e.g. 1500, 1_500, 1.5k, 2M or 1.2B"
        ) from None
    return _whole(value, raw, what)


def _whole(value: Decimal, raw: str, what: str) -> int:
    if not value.is_finite():
        raise ValueError(f"{what} {raw!r} is not a number")
    if value < 0:
        raise ValueError(f"{what} must not be negative (got {raw})")
    if value != value.to_integral_value():
        raise ValueError(f"{what} {raw!r} is not a whole number of tokens")
    return int(value)


def parse_share(text: str | Decimal | int, what: str) -> Decimal:
    """A share of requests between 0 and 1 inclusive; `50%` is read as 0.5."""
    if isinstance(text, bool):
        raise ValueError(f"{what} must be a number between 0 and 1, not {text!r}")
    raw = str(text).strip()
    try:
        value = Decimal(raw[:-1]) / 100 if raw.endswith("%") else Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"{what} {raw!r} is not a number between 0 and 1") from None
    if not value.is_finite() or not Decimal(0) <= value <= 1:
        raise ValueError(f"{what} must be between 0 and 1 (got {raw})")
    return value


def parse_amount(text: str, what: str) -> Decimal:
    raw = str(text).strip()
    try:
        value = Decimal(raw.replace("_", "").replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"{what} {raw!r} is not a number; write e.g. 3000 or 12.50") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"{what} must be a non-negative number (got {raw})")
    return value


def parse_moment(text: str, what: str = "date") -> dt.datetime:
    """`2025-07-28` (start of that day, UTC) or `2025-09-05T16:00Z` -> naive UTC datetime."""
    raw = text.strip()
    try:
        if len(raw) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(raw), dt.time())
        stamp = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{what} {raw!r} is not a date; write YYYY-MM-DD or YYYY-MM-DDTHH:MMZ"
        ) from None
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(dt.UTC).replace(tzinfo=None)
    return stamp


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
        value = value.quantize(_PLACES, rounding=ROUND_HALF_EVEN)
    if value == 0:
        return "0"
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
