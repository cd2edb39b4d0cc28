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
    cache_write_1h: Decimal | None = None  # the 1-hour cache write (Anthropic); schema 1.1

    @property
    def cached_rate(self) -> Decimal:
        return self.input if self.cached_input is None else self.cached_input

    @property
    def cache_write_rate(self) -> Decimal:
        return self.input if self.cache_write is None else self.cache_write

    @property
    def cache_write_1h_rate(self) -> Decimal:
        """A sheet without a 1-hour rate bills 1-hour writes as 5-minute ones (and says so)."""
        return self.cache_write_rate if self.cache_write_1h is None else self.cache_write_1h


SERVICE_TIERS = ("batch", "flex", "priority")


@dataclass(frozen=True, slots=True)
class ServiceTier:
    """A named alternative to list price (batch, flex, priority): a multiplier on the period's
    prices, or explicit rates (per tier) that replace them."""

    name: str
    multiplier: Decimal | None
    tiers: tuple[Rates, ...] | None = None


def choose_tier(tiers: tuple[Rates, ...], prompt_tokens: int) -> tuple[int, Rates]:
    """The tier a request falls in, chosen by its input tokens (cached ones included)."""
    for index, tier in enumerate(tiers):
        if tier.up_to is None or prompt_tokens <= tier.up_to:
            return index, tier
    return len(tiers) - 1, tiers[-1]


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
    service_tiers: tuple[ServiceTier, ...] = ()  # besides batch_multiplier, the shorthand
    note: str | None = None  # free text from the sheet: what was served then, and why it changed

    @property
    def tiered(self) -> bool:
        return len(self.tiers) > 1

    def service_tier(self, name: str) -> ServiceTier | None:
        """The service tier `name`, `batch_multiplier` read as the batch tier."""
        for tier in self.service_tiers:
            if tier.name == name:
                return tier
        if name == "batch" and self.batch_multiplier is not None:
            return ServiceTier("batch", self.batch_multiplier)
        return None

    def all_service_tiers(self) -> tuple[ServiceTier, ...]:
        names = {t.name for t in self.service_tiers}
        extra = () if "batch" in names else tuple(t for t in [self.service_tier("batch")] if t)
        return tuple(sorted((*self.service_tiers, *extra), key=lambda t: t.name))

    def contains(self, moment: dt.datetime) -> bool:
        return (self.since is None or self.since <= moment) and (
            self.until is None or moment < self.until
        )

    def tier_for(self, prompt_tokens: int) -> tuple[int, Rates]:
        """The tier a request falls in, chosen by its input tokens (cached ones included)."""
        return choose_tier(self.tiers, prompt_tokens)


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
    """Exchange rates: units of each currency per one unit of `base`. `rates` are those of `date`;
    `history` holds earlier dated sets (newest first), so an amount priced at an earlier moment is
    converted at the rate of its own day."""

    base: str
    date: dt.date
    source: str | None
    rates: dict[str, Decimal] = field(default_factory=dict)
    path: str = ""
    sha256: str = ""
    history: tuple[tuple[dt.date, dict[str, Decimal]], ...] = ()

    def rate(self, currency: str) -> Decimal | None:
        """Units of `currency` per one unit of the base currency, at the newest date."""
        if currency == self.base:
            return Decimal(1)
        return self.rates.get(currency)

    def at(self, moment: dt.datetime | dt.date | None) -> FxRates:
        """The rates in force at `moment`: the newest set dated on or before it.

        Before the oldest dated set, the oldest set is used (there is nothing older to go by).
        """
        if moment is None or not self.history:
            return self
        day = moment.date() if isinstance(moment, dt.datetime) else moment
        if day >= self.date:
            return self
        chosen = self.history[-1]
        for date, rates in self.history:  # newest first
            if date <= day:
                chosen = (date, rates)
                break
        return FxRates(self.base, chosen[0], self.source, chosen[1], self.path, self.sha256)


@dataclass(frozen=True, slots=True)
class Gpu:
    key: str
    name: str | None
    bf16_tflops: Decimal
    hourly_price: Decimal | None
    source: str | None
    checked: dt.date | None
