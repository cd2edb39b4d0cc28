"""The range of every number aicost reads, written here once, and the Decimal context it computes in.

A value is checked against its range when it is read (a sheet, a workload, a flag), before any
arithmetic touches it: the checks look only at a Decimal's digits and exponent, so `1e999999` is
refused as quickly as `1e10`. Because every accepted value is bounded, one context is wide enough
for every product the engine forms, and no accepted input can overflow later.

Why PRECISION digits are enough (the worst estimate row; `tests/test_ranges.py` recomputes it):
- one request: tokens (<= 1e12 each, whole) x a price (<= 1e9, 12 places) / 1e6 -> <= 3e15, 18 places;
- a discount window multiplier (<= 100, 12 places), the off-peak share (12 places) and the batch
  factor 1 - b + b x m (<= 100, 24 places) -> <= 3e19 with 66 places: 86 digits;
- a currency conversion multiplies by a rate (<= 1e9, 12 places) and divides by one (>= 1e-12):
  <= 3e40; x requests (<= 1e15) x 730 hours -> below 1e60 with 78 exact places.
So 60 integer digits and 78 decimals are exact under 140 digits; the divisions (by 24, by a rate)
are rounded at PRECISION digits, far below the 12 places JSON shows. Training figures stay smaller
(6 x 1e16 params x 1e18 tokens / MFU 1e-12 ... x fx) than 1e100, so EXPONENT bounds them all.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import TYPE_CHECKING, ParamSpec, TypeVar

if TYPE_CHECKING:
    from decimal import _ContextManager

P = ParamSpec("P")
T = TypeVar("T")

PLACES = 12  # decimals read on input; JSON shows at most as many
PRECISION = 160  # significant digits of every computation (see the module docstring)
EXPONENT = 999  # |exponent| bound of the context: anything near it is a bug, trapped as one

MONEY = Context(
    prec=PRECISION,
    rounding=ROUND_HALF_EVEN,
    Emax=EXPONENT,
    Emin=-EXPONENT,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)


def money_context() -> _ContextManager:
    """`with money_context():` computes in the one context wide enough for every value in range."""
    return localcontext(MONEY)


def in_money_context(func: Callable[P, T]) -> Callable[P, T]:
    """An engine entry point that computes in the money context whatever the caller's context."""

    @functools.wraps(func)
    def call(*args: P.args, **kwargs: P.kwargs) -> T:
        with localcontext(MONEY):
            return func(*args, **kwargs)

    return call


def _number(value: Decimal) -> str:
    text = f"{value:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def shorten(raw: str, width: int = 24) -> str:
    """A value as typed, cut in the middle when long (a 5,000-digit number stays one short line)."""
    raw = raw.strip()
    if len(raw) <= width:
        return raw
    return f"{raw[:12]}...{raw[-6:]} ({len(raw):,} characters)"


@dataclass(frozen=True, slots=True)
class Range:
    """The accepted values of one kind of number: `low`..`high`, at most `places` decimals."""

    noun: str  # what the number is, for messages: "a price per million tokens"
    high: Decimal
    low: Decimal = Decimal(0)
    places: int = PLACES  # 0: whole numbers only
    above_low: bool = False  # `low` itself is refused (an exchange rate, an MFU)

    @property
    def span(self) -> str:
        low = _number(self.low)
        high = _number(self.high)
        if self.above_low:
            return f"above {low} and at most {high}"
        return f"from {low} to {high}"

    def check(
        self, value: Decimal | int, what: str, raw: str | None = None, shift: int = 0
    ) -> Decimal:
        """`value` x 10**shift, if it is within range; else ValueError naming `what`, value and limit.

        Only digits and exponents are looked at before the value is known to be in range, so a huge
        or tiny exponent costs nothing.
        """
        shown = shorten(raw if raw is not None else str(value))
        if isinstance(value, bool):
            raise ValueError(f"{what} must be a number, not {shown}")
        if isinstance(value, int):
            if value < 0:
                raise ValueError(self._outside(what, shown))
            if value.bit_length() > 128:  # no need to read a longer int's digits
                raise ValueError(self._outside(what, shown))
            value = Decimal(value)
        if not value.is_finite():
            raise ValueError(f"{what} must be a finite number, not {shown}")
        sign, digits, exponent = value.as_tuple()
        assert isinstance(exponent, int)
        if value.is_zero():
            value, digits = Decimal(0), (0,)
        elif sign or value.adjusted() + shift > self.high.adjusted():
            raise ValueError(self._outside(what, shown))
        else:
            zeros = 0
            for digit in reversed(digits):
                if digit:
                    break
                zeros += 1
            places = max(0, -(exponent + shift + zeros))
            if places > self.places:
                if self.places == 0:
                    raise ValueError(f"{what} {shown!r} is not a whole number ({self.noun})")
                raise ValueError(
                    f"{what} {shown} has {places} decimal places; {self.noun} has at most "
                    f"{self.places}"
                )
        with money_context():
            if shift:
                value = value.scaleb(shift)
            if len(digits) > PRECISION // 2:  # trailing zeros only, by the checks above
                value = value.quantize(Decimal(1).scaleb(-self.places))
            if value > self.high:
                raise ValueError(self._outside(what, shown))
            if value < self.low or (self.above_low and value == self.low):
                raise ValueError(self._outside(what, shown))
        return value

    def whole(self, value: Decimal | int, what: str, raw: str | None = None, shift: int = 0) -> int:
        """A whole number within range, as an int (converted only once it is known to be small)."""
        return int(self.check(value, what, raw, shift))

    def _outside(self, what: str, shown: str) -> str:
        return f"{what} must be {self.span} ({self.noun}), not {shown}"


def _e(power: int) -> Decimal:
    return Decimal(10) ** power


# -- the ranges -----------------------------------------------------------------------------------
# Generous beyond any real price list (a currency such as IDR runs to 1e4 per USD), tight enough
# that their products stay exact (module docstring).

PRICE = Range("a price per million tokens", _e(9))
MULTIPLIER = Range("a price multiplier", Decimal(100))
SHARE = Range("a share of requests", Decimal(1))
TOKENS = Range("a token count", _e(12), places=0)
REQUESTS = Range("a request count", _e(15), places=0)
MONEY_AMOUNT = Range("an amount of money", _e(18))
FX_RATE = Range("an exchange rate", _e(9))  # zero is refused by name in the fx schema
PERCENT = Range("a percentage", _e(9))
TOP = Range("a number of models", Decimal(10_000), low=Decimal(1), places=0)
GPU_HOURS = Range("a number of GPU-hours", _e(12))
GPU_PRICE = Range("a price per GPU-hour", _e(6))
GPU_COUNT = Range("a number of GPUs", _e(9), places=0)
TFLOPS = Range("a peak throughput in TFLOP/s", _e(9))
PARAMS = Range("a parameter count", _e(16))
TRAINING_TOKENS = Range("a training token count", _e(18))
FLOPS = Range("a compute figure in FLOP", _e(40))
MFU = Range("a model FLOP utilisation", Decimal(1), above_low=True)

# Dates: from the Unix epoch to the end of 2999 (UTC). Prices before 1970 or after 2999 are typos,
# and the bounds keep every conversion and comparison far from the datetime type's own limits.
FIRST_MOMENT = dt.datetime(1970, 1, 1)
END_MOMENT = dt.datetime(3000, 1, 1)  # exclusive
DATE_SPAN = "from 1970-01-01 to 2999-12-31 (UTC)"


def check_moment(value: dt.datetime | dt.date, what: str) -> dt.datetime | dt.date:
    """A date, or a datetime as naive UTC, within the date range; else ValueError naming `what`."""
    if isinstance(value, dt.datetime):
        if not FIRST_MOMENT.year <= value.year < END_MOMENT.year:
            raise ValueError(
                f"{what} {value.isoformat()} is outside the dates aicost reads, {DATE_SPAN}"
            )
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)  # safe: years 1970..2999
        if not FIRST_MOMENT <= value < END_MOMENT:
            raise ValueError(
                f"{what} {value.isoformat()}Z is outside the dates aicost reads, {DATE_SPAN}"
            )
        return value
    if not FIRST_MOMENT.date() <= value < END_MOMENT.date():
        raise ValueError(
            f"{what} {value.isoformat()} is outside the dates aicost reads, {DATE_SPAN}"
        )
    return value
