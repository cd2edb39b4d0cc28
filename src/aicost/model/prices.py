"""The priced world as plain, frozen data: sheets, models, price periods, tiers, windows, claims.

These are what the cost engine, the differ and the renderers work on. They are built from validated
YAML (see `schema.py`) or from the compiled catalog cache, and import nothing heavy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Rates:
    """Prices per 1M tokens for one tier (or a flat price: one tier with no bound)."""

    input: Decimal
    cached_input: Decimal | None
    cache_write: Decimal | None
    output: Decimal
    up_to: int | None = None

    @property
    def cached_rate(self) -> Decimal:
        return self.input if self.cached_input is None else self.cached_input

    @property
    def cache_write_rate(self) -> Decimal:
        return self.input if self.cache_write is None else self.cache_write


@dataclass(frozen=True, slots=True)
class Window:
    """A time-of-day price, UTC: a multiplier on the period's rates, or explicit flat rates."""

    name: str
    days: tuple[int, ...]  # 0 = Monday; empty = every day
    hours: tuple[tuple[int, int], ...]  # minutes from midnight [start, end); start > end wraps
    multiplier: Decimal | None
    rates: Rates | None

    def covers(self, moment: dt.datetime) -> bool:
        if self.days and moment.weekday() not in self.days:
            return False
        if not self.hours:
            return True
        minute = moment.hour * 60 + moment.minute
        for start, end in self.hours:
            if start <= end and start <= minute < end:
                return True
            if start > end and (minute >= start or minute < end):
                return True
        return False


@dataclass(frozen=True, slots=True)
class Period:
    """One stretch of time with one set of prices. `since`/`until` are naive UTC; None = open."""

    since: dt.datetime | None
    until: dt.datetime | None
    tiers: tuple[Rates, ...]
    windows: tuple[Window, ...] = ()
    batch_multiplier: Decimal | None = None

    @property
    def tiered(self) -> bool:
        return len(self.tiers) > 1

    def contains(self, moment: dt.datetime) -> bool:
        return (self.since is None or self.since <= moment) and (
            self.until is None or moment < self.until
        )

    def tier_for(self, prompt_tokens: int) -> tuple[int, Rates]:
        """The tier a request falls in, chosen by its input tokens (cached ones included)."""
        for index, tier in enumerate(self.tiers):
            if tier.up_to is None or prompt_tokens <= tier.up_to:
                return index, tier
        return len(self.tiers) - 1, self.tiers[-1]


@dataclass(frozen=True, slots=True)
class ModelPrice:
    provider: str
    id: str
    name: str
    currency: str
    aliases: tuple[str, ...]
    context_window: int | None
    retired: dt.datetime | None
    periods: tuple[Period, ...]  # oldest first

    @property
    def ref(self) -> str:
        return f"{self.provider}/{self.id}"

    @property
    def current(self) -> Period:
        return self.periods[-1]

    def period_at(self, moment: dt.datetime) -> Period | None:
        if self.retired is not None and moment >= self.retired:
            return None
        for period in reversed(self.periods):
            if period.contains(moment):
                return period
        return None

    def priced_spans(self) -> list[tuple[dt.datetime | None, dt.datetime | None]]:
        """The stretches of time with a price, adjacent periods merged, retirement applied."""
        spans: list[tuple[dt.datetime | None, dt.datetime | None]] = []
        for period in self.periods:
            until = period.until
            if self.retired is not None and (until is None or until > self.retired):
                until = self.retired
            if (spans and spans[-1][1] == period.since) or (spans and period.since is None):
                spans[-1] = (spans[-1][0], until)
            else:
                spans.append((period.since, until))
        return spans


@dataclass(frozen=True, slots=True)
class TrainingClaim:
    provider: str
    model: str
    currency: str
    covers: str
    source: str
    claim: Decimal | None = None
    bound: str = "about"
    gpu: str | None = None
    gpu_count: int | None = None
    gpu_hours: Decimal | None = None
    gpu_hour_price: Decimal | None = None
    active_params: Decimal | None = None
    training_tokens: Decimal | None = None
    flops: Decimal | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class PriceSheet:
    provider: str
    name: str
    currency: str
    source: str | None
    checked: dt.date | None
    path: str
    sha256: str
    batch_multiplier: Decimal | None = None
    models: tuple[ModelPrice, ...] = ()
    claims: tuple[TrainingClaim, ...] = ()


@dataclass(frozen=True, slots=True)
class FxRates:
    base: str
    date: dt.date
    source: str | None
    rates: dict[str, Decimal] = field(default_factory=dict)
    path: str = ""
    sha256: str = ""

    def rate(self, currency: str) -> Decimal | None:
        """Units of `currency` per one unit of the base currency."""
        if currency == self.base:
            return Decimal(1)
        return self.rates.get(currency)


@dataclass(frozen=True, slots=True)
class Gpu:
    key: str
    name: str | None
    bf16_tflops: Decimal
    hourly_price: Decimal | None
    source: str | None
    checked: dt.date | None
