"""What `models` and `history` show: the catalog's rates at a date, and a model's price periods."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from aicost.engine.estimate import conversion_pair, convert
from aicost.engine.windows import MINUTES_PER_WEEK, DayRange, day_ranges, first_match, share
from aicost.model.catalog import Catalog, mentions, no_price_message
from aicost.model.limits import in_money_context, money_context
from aicost.model.prices import DAYS, FxRates, ModelPrice, Period, Rates, Window

Pair = tuple[Decimal, Decimal]
SAME: Pair = (Decimal(1), Decimal(1))


@dataclass(frozen=True, slots=True)
class WindowInfo:
    name: str
    days: tuple[str, ...]
    hours: tuple[str, ...]
    multiplier: Decimal | None
    rates: Rates | None
    minutes_per_week: int  # minutes of the UTC week this window prices (first match wins)
    share_of_week: Decimal  # minutes_per_week / 10,080
    ranges: tuple[DayRange, ...] = field(default=(), metadata={"json": False})  # days, in runs


@dataclass(frozen=True, slots=True)
class WindowGroup:
    """Windows of one period that give the same price under the same name, taken together."""

    name: str
    windows: tuple[WindowInfo, ...]
    multiplier: Decimal | None
    rates: Rates | None
    minutes_per_week: int
    share_of_week: Decimal
    tiers: tuple[Rates, ...]  # the prices in the window: its own rates, or each tier x multiplier


def _scaled(rates: Rates, factor: Decimal) -> Rates:
    def each(value: Decimal | None) -> Decimal | None:
        return None if value is None else value * factor

    return replace(
        rates,
        input=rates.input * factor,
        cached_input=each(rates.cached_input),
        cache_write=each(rates.cache_write),
        output=rates.output * factor,
        cache_write_1h=each(rates.cache_write_1h),
    )


@in_money_context
def window_groups(windows: Sequence[WindowInfo], tiers: Sequence[Rates]) -> tuple[WindowGroup, ...]:
    """`windows` grouped by (name, multiplier, rates), in order of first appearance, with the
    prices in force in each group (`tiers` are the period's list prices)."""
    keys: list[tuple[str, Decimal | None, Rates | None]] = []
    members: dict[tuple[str, Decimal | None, Rates | None], list[WindowInfo]] = {}
    for window in windows:
        key = (window.name, window.multiplier, window.rates)
        if key not in members:
            keys.append(key)
            members[key] = []
        members[key].append(window)
    out = []
    for key in keys:
        group = members[key]
        minutes = sum(w.minutes_per_week for w in group)
        fraction = Decimal(minutes) / Decimal(MINUTES_PER_WEEK)
        name, multiplier, rates = key
        if rates is not None:
            prices: tuple[Rates, ...] = (rates,)
        else:
            assert multiplier is not None
            prices = tuple(_scaled(t, multiplier) for t in tiers)
        out.append(WindowGroup(name, tuple(group), multiplier, rates, minutes, fraction, prices))
    return tuple(out)


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
    note: str | None = None  # the current period's `note:` in the sheet


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
    note: str | None = None  # the period's `note:` in the sheet


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


def convert_rates(rates: Rates, pair: Pair) -> Rates:
    """A tier's prices in another currency (the same tier when no conversion is needed)."""
    if pair[0] == pair[1]:
        return rates

    def each(value: Decimal | None) -> Decimal | None:
        return None if value is None else convert(value, pair)

    return replace(
        rates,
        input=convert(rates.input, pair),
        cached_input=each(rates.cached_input),
        cache_write=each(rates.cache_write),
        output=convert(rates.output, pair),
    )


def _pair(fx: FxRates | None, source: str, target: str | None) -> tuple[Pair, str]:
    """How to convert a sheet's prices into `target` (None: leave them in the sheet's currency)."""
    if target is None or target == source:
        return SAME, source
    return conversion_pair(fx, source, target), target


def window_infos(windows: Sequence[Window], pair: Pair = SAME) -> tuple[WindowInfo, ...]:
    """A period's windows with the minutes of the week each prices (the first match wins)."""
    return tuple(
        WindowInfo(
            name=window.name,
            days=tuple(DAYS[d] for d in window.days),
            hours=tuple(f"{_clock(a)}-{_clock(b)}" for a, b in window.hours),
            multiplier=window.multiplier,
            rates=None if window.rates is None else convert_rates(window.rates, pair),
            minutes_per_week=minutes.bit_count(),
            share_of_week=share(minutes),
            ranges=day_ranges(window.days),
        )
        for window, minutes in zip(windows, first_match(windows), strict=True)
    )


def model_info(
    model: ModelPrice, period: Period, fx: FxRates | None = None, currency: str | None = None
) -> ModelInfo:
    """A model's prices at one period, in `currency` (default: the sheet's own)."""
    pair, code = _pair(fx, model.currency, currency)
    return ModelInfo(
        provider=model.provider,
        id=model.id,
        name=model.name,
        currency=code,
        aliases=model.aliases,
        context_window=model.context_window,
        batch_multiplier=period.batch_multiplier,
        tiers=tuple(convert_rates(t, pair) for t in period.tiers),
        windows=window_infos(period.windows, pair),
        since=period.since,
        until=period.until,
        retired=model.retired,
        note=period.note,
    )


@in_money_context
def list_models(
    catalog: Catalog,
    at: dt.datetime,
    providers: Sequence[str] = (),
    search: str | None = None,
    models: Sequence[str] = (),
    *,
    currency: str | None = None,
) -> tuple[list[ModelInfo], list[str]]:
    """Models with a price at `at` (filtered), and notes on the ones left out.

    Rates are in `currency` when given (converted through the catalog's fx sheet), else each
    sheet's own currency.
    """
    for provider in providers:
        catalog.sheet(provider)
    wanted = {p.lower() for p in providers}
    found: list[ModelInfo] = []
    notes: list[str] = []
    for model in catalog.select(models):
        if wanted and model.provider not in wanted:
            continue
        if not mentions(model, search):
            continue
        period = model.period_at(at)
        if period is None:
            notes.append(no_price_message(model, at))
            continue
        found.append(model_info(model, period, catalog.fx, currency))
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
def price_history(
    catalog: Catalog, ref: str, currency: str | None = None
) -> tuple[ModelPrice, list[PeriodInfo]]:
    """Every price period of one model, oldest first, with the change from the one before.

    Rates are in `currency` when given, else the sheet's own; a change is a ratio, the same in both.
    """
    model = catalog.resolve(ref)
    pair, code = _pair(catalog.fx, model.currency, currency)
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
                currency=code,
                tiers=tuple(convert_rates(t, pair) for t in period.tiers),
                windows=window_infos(period.windows, pair),
                batch_multiplier=period.batch_multiplier,
                first=previous is None,
                change=change,
                note=period.note,
            )
        )
        previous = period
    return model, periods
