"""What `models` and `history` show: the catalog's rates at a date, and a model's price periods."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from aicost.model.catalog import Catalog, no_price_message
from aicost.model.limits import in_money_context, money_context
from aicost.model.prices import DAYS, ModelPrice, Period, Rates, Window


@dataclass(frozen=True, slots=True)
class WindowInfo:
    name: str
    days: tuple[str, ...]
    hours: tuple[str, ...]
    multiplier: Decimal | None
    rates: Rates | None


@dataclass(frozen=True, slots=True)
class ModelInfo:
    provider: str
    id: str
    name: str
    currency: str
    aliases: tuple[str, ...]
    context_window: int | None
    batch_multiplier: Decimal | None
    tiers: tuple[Rates, ...]
    windows: tuple[WindowInfo, ...]
    since: dt.datetime | None
    until: dt.datetime | None
    retired: dt.datetime | None


@dataclass(frozen=True, slots=True)
class PeriodInfo:
    since: dt.datetime | None
    until: dt.datetime | None
    currency: str
    tiers: tuple[Rates, ...]
    windows: tuple[WindowInfo, ...]
    batch_multiplier: Decimal | None
    first: bool
    change: dict[str, Decimal]  # percent change of each rate against the period before


@dataclass(frozen=True, slots=True)
class RateRow:
    """One CSV row of `models`: a model's rates at one tier."""

    provider: str
    model: str
    tier: str
    currency: str
    input: Decimal
    cached_input: Decimal | None
    cache_write: Decimal | None
    output: Decimal
    context_window: int | None
    batch_multiplier: Decimal | None


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def window_info(window: Window) -> WindowInfo:
    return WindowInfo(
        name=window.name,
        days=tuple(DAYS[d] for d in window.days),
        hours=tuple(f"{_clock(a)}-{_clock(b)}" for a, b in window.hours),
        multiplier=window.multiplier,
        rates=window.rates,
    )


def model_info(model: ModelPrice, period: Period) -> ModelInfo:
    return ModelInfo(
        provider=model.provider,
        id=model.id,
        name=model.name,
        currency=model.currency,
        aliases=model.aliases,
        context_window=model.context_window,
        batch_multiplier=period.batch_multiplier,
        tiers=period.tiers,
        windows=tuple(window_info(w) for w in period.windows),
        since=period.since,
        until=period.until,
        retired=model.retired,
    )


@in_money_context
def list_models(
    catalog: Catalog,
    at: dt.datetime,
    providers: Sequence[str] = (),
    search: str | None = None,
    models: Sequence[str] = (),
) -> tuple[list[ModelInfo], list[str]]:
    """Models with a price at `at` (filtered), and notes on the ones left out."""
    for provider in providers:
        catalog.sheet(provider)
    wanted = {p.lower() for p in providers}
    needle = (search or "").lower()
    found: list[ModelInfo] = []
    notes: list[str] = []
    for model in catalog.select(models):
        if wanted and model.provider not in wanted:
            continue
        haystack = " ".join((model.provider, model.id, model.name, *model.aliases)).lower()
        if needle and needle not in haystack:
            continue
        period = model.period_at(at)
        if period is None:
            notes.append(no_price_message(model, at))
            continue
        found.append(model_info(model, period))
    found.sort(key=lambda m: (m.provider, m.id.lower()))
    return found, notes


def rate_rows(models: Sequence[ModelInfo]) -> list[RateRow]:
    rows = []
    for info in models:
        for index, tier in enumerate(info.tiers):
            if len(info.tiers) == 1:
                label = "flat"
            elif tier.up_to is not None:
                label = f"<={tier.up_to}"
            else:
                label = f">{info.tiers[index - 1].up_to}"
            rows.append(
                RateRow(
                    info.provider,
                    info.id,
                    label,
                    info.currency,
                    tier.input,
                    tier.cached_input,
                    tier.cache_write,
                    tier.output,
                    info.context_window,
                    info.batch_multiplier,
                )
            )
    return rows


def _percent(old: Decimal | None, new: Decimal | None) -> Decimal | None:
    if old is None or new is None or old == new:
        return None
    if old == 0:
        return None
    with money_context():
        return (new - old) / old * 100


@in_money_context
def price_history(catalog: Catalog, ref: str) -> tuple[ModelPrice, list[PeriodInfo]]:
    """Every price period of one model, oldest first, with the change from the one before."""
    model = catalog.resolve(ref)
    periods: list[PeriodInfo] = []
    previous: Period | None = None
    for period in model.periods:
        until = period.until
        if model.retired is not None and (until is None or until > model.retired):
            until = model.retired
        change: dict[str, Decimal] = {}
        if previous is not None:
            old, new = previous.tiers[0], period.tiers[0]
            for name in ("input", "cached_input", "output"):
                pct = _percent(getattr(old, name), getattr(new, name))
                if pct is not None:
                    change[name] = pct
        periods.append(
            PeriodInfo(
                since=period.since,
                until=until,
                currency=model.currency,
                tiers=period.tiers,
                windows=tuple(window_info(w) for w in period.windows),
                batch_multiplier=period.batch_multiplier,
                first=previous is None,
                change=change,
            )
        )
        previous = period
    return model, periods
