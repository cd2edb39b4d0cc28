"""The price table: the catalog flattened into rows a SQL engine can join usage records against.

One rate row per (model, price period, context tier, minute-of-week segment, service tier). A usage
record at UTC moment `ts` with `input` prompt tokens (cached ones included) in service tier `st` is
priced by the single row where

    valid_from <= ts < valid_until
    tier_lo < input <= tier_hi              (tier_lo is -1 for the first tier, so 0 tokens match)
    wk_lo <= minute_of_week(ts) < wk_hi     (Monday 00:00 = 0; seconds are ignored)
    service_tier = st                       ("standard", "batch", "flex" or "priority")

and costs fresh x input_rate + cached x cached_rate + cache_write_5m x cache_write_rate
+ cache_write_1h x cache_write_1h_rate + (output + reasoning) x output_rate, where fresh is the
input less its cached and written tokens. Rates are per token, exact, with everything resolved:
the period in force (`ModelPrice.period_at`, retirement included), the tier (`choose_tier`), the
time-of-day window in force (first match wins, as `pricing.window_at`), a window's multiplier or
explicit rates, and the service tier (`pricing.service_tier_parts`: a multiplier scales the
window-adjusted price; explicit rates replace it, windows and all, at the tier their own bounds
choose). A rate a sheet leaves out is resolved as the engine does (cached reads at the input rate,
and so on). No row matches where the engine has no price: before a model's first period, at or
after its retirement, or in a service tier it does not offer.

Open ends are written as OPEN_START and OPEN_END; the last tier's upper bound is TIER_MAX.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, localcontext

from aicost.model.catalog import Catalog
from aicost.model.prices import ModelPrice, Period, Rates, ServiceTier, Window

OPEN_START = dt.datetime(1970, 1, 1)
OPEN_END = dt.datetime(9999, 12, 31)
TIER_MAX = 10**18
MINUTES_PER_DAY = 1440
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
STANDARD = "standard"
MILLION = Decimal(1_000_000)
# a Monday: Window.covers looks only at the weekday and the minute of the day
_REFERENCE_MONDAY = dt.datetime(2024, 1, 1)

RATE_COLUMNS = (
    "model_ref",
    "provider",
    "model",
    "currency",
    "valid_from",
    "valid_until",
    "tier",
    "tier_lo",
    "tier_hi",
    "wk_lo",
    "wk_hi",
    "window",
    "service_tier",
    "input_rate",
    "cached_rate",
    "cache_write_rate",
    "cache_write_1h_rate",
    "output_rate",
)
NAME_COLUMNS = ("provider", "name", "model_ref")


@dataclass(frozen=True, slots=True)
class RateRow:
    model_ref: str
    provider: str
    model: str
    currency: str
    valid_from: dt.datetime  # inclusive, naive UTC
    valid_until: dt.datetime  # exclusive, naive UTC
    tier: int
    tier_lo: int  # exclusive bound on prompt input tokens
    tier_hi: int  # inclusive
    wk_lo: int  # minute of week, inclusive
    wk_hi: int  # exclusive
    window: str
    service_tier: str
    input_rate: Decimal
    cached_rate: Decimal
    cache_write_rate: Decimal
    cache_write_1h_rate: Decimal
    output_rate: Decimal

    def values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in RATE_COLUMNS)


@dataclass(frozen=True, slots=True)
class NameRow:
    provider: str
    name: str  # lower case
    model_ref: str

    def values(self) -> tuple[object, ...]:
        return (self.provider, self.name, self.model_ref)


@dataclass(frozen=True, slots=True)
class PriceTable:
    rates: tuple[RateRow, ...]
    names: tuple[NameRow, ...]


PerToken = tuple[Decimal, Decimal, Decimal, Decimal, Decimal]


def minute_of_week(moment: dt.datetime) -> int:
    return moment.weekday() * MINUTES_PER_DAY + moment.hour * 60 + moment.minute


def per_token(rates: Rates, factor: Decimal = Decimal(1)) -> PerToken:
    """A tier's five rates per token (absent rates resolved), times `factor`."""
    with localcontext() as ctx:
        ctx.prec = 60
        return (
            rates.input * factor / MILLION,
            rates.cached_rate * factor / MILLION,
            rates.cache_write_rate * factor / MILLION,
            rates.cache_write_1h_rate * factor / MILLION,
            rates.output * factor / MILLION,
        )


def tier_bounds(tiers: tuple[Rates, ...]) -> list[tuple[int, int, int]]:
    """(index, lo, hi] for each tier `choose_tier` can pick; the last one takes everything above."""
    bounds = []
    lo = -1
    for index, tier in enumerate(tiers):
        last = index == len(tiers) - 1
        hi = TIER_MAX if last or tier.up_to is None else tier.up_to
        if hi > lo:
            bounds.append((index, lo, hi))
            lo = hi
    return bounds


def week_segments(windows: tuple[Window, ...]) -> list[tuple[int, int, Window | None]]:
    """[lo, hi) minute-of-week segments, each with the one window in force (first match wins)."""
    if not windows:
        return [(0, MINUTES_PER_WEEK, None)]
    marks = {0}
    for window in windows:
        for start, end in window.hours:
            marks.update({start, end})
    cuts = sorted(
        {
            day * MINUTES_PER_DAY + mark
            for day in range(7)
            for mark in marks
            if 0 <= day * MINUTES_PER_DAY + mark < MINUTES_PER_WEEK
        }
    )
    segments: list[tuple[int, int, Window | None]] = []
    for lo, hi in zip(cuts, [*cuts[1:], MINUTES_PER_WEEK], strict=True):
        at = _REFERENCE_MONDAY + dt.timedelta(minutes=lo)
        found = next((w for w in windows if w.covers(at)), None)
        if segments and segments[-1][2] is found:
            segments[-1] = (segments[-1][0], hi, found)
        else:
            segments.append((lo, hi, found))
    return segments


def periods_in_force(model: ModelPrice) -> list[tuple[dt.datetime, dt.datetime, Period]]:
    """[from, until) stretches with the period `period_at` picks there; retirement applied."""
    marks: set[dt.datetime] = set()
    for each in model.periods:
        marks.update(m for m in (each.since, each.until) if m is not None)
    if model.retired is not None:
        marks.add(model.retired)
    marks = {m for m in marks if OPEN_START < m < OPEN_END}
    cuts = [OPEN_START, *sorted(marks)]
    spans: list[tuple[dt.datetime, dt.datetime, Period]] = []
    for start, end in zip(cuts, [*cuts[1:], OPEN_END], strict=True):
        period = model.period_at(start)
        if period is None:
            continue
        if spans and spans[-1][2] is period and spans[-1][1] == start:
            spans[-1] = (spans[-1][0], end, period)
        else:
            spans.append((start, end, period))
    return spans


def _segment_rates(
    period: Period, tier: Rates, window: Window | None, service: ServiceTier | None
) -> PerToken:
    factor = Decimal(1) if service is None or service.multiplier is None else service.multiplier
    if window is None:
        return per_token(tier, factor)
    if window.rates is not None:
        return per_token(window.rates, factor)
    assert window.multiplier is not None
    with localcontext() as ctx:
        ctx.prec = 60
        return per_token(tier, window.multiplier * factor)


def _period_rows(
    model: ModelPrice, start: dt.datetime, end: dt.datetime, period: Period
) -> list[RateRow]:
    rows: list[RateRow] = []

    def add(
        service: str, index: int, lo: int, hi: int, wk: tuple[int, int], window: str, r: PerToken
    ) -> None:
        rows.append(
            RateRow(
                model.ref,
                model.provider,
                model.id,
                model.currency,
                start,
                end,
                index,
                lo,
                hi,
                wk[0],
                wk[1],
                window,
                service,
                *r,
            )
        )

    segments = week_segments(period.windows)
    services: list[tuple[str, ServiceTier | None]] = [(STANDARD, None)]
    services += [(t.name, t) for t in period.all_service_tiers()]
    for name, service in services:
        if service is not None and service.multiplier is None:
            assert service.tiers is not None
            for index, lo, hi in tier_bounds(service.tiers):
                add(name, index, lo, hi, (0, MINUTES_PER_WEEK), "", per_token(service.tiers[index]))
            continue
        for index, lo, hi in tier_bounds(period.tiers):
            merged: list[tuple[int, int, str, PerToken]] = []
            for wk_lo, wk_hi, window in segments:
                label = "" if window is None else window.name
                rates = _segment_rates(period, period.tiers[index], window, service)
                if merged and merged[-1][2] == label and merged[-1][3] == rates:
                    merged[-1] = (merged[-1][0], wk_hi, label, rates)
                else:
                    merged.append((wk_lo, wk_hi, label, rates))
            for wk_lo, wk_hi, label, rates in merged:
                add(name, index, lo, hi, (wk_lo, wk_hi), label, rates)
    return rows


def model_rows(model: ModelPrice) -> list[RateRow]:
    return [
        row
        for start, end, period in periods_in_force(model)
        for row in _period_rows(model, start, end, period)
    ]


def name_rows(model: ModelPrice) -> list[NameRow]:
    names = dict.fromkeys(n.lower() for n in (model.id, *model.aliases))
    return [NameRow(model.provider, name, model.ref) for name in names]


def build_price_table(catalog: Catalog) -> PriceTable:
    """Every model of the catalog as rate rows and name rows, in catalog order."""
    rates: list[RateRow] = []
    names: list[NameRow] = []
    for model in catalog.models:
        rates += model_rows(model)
        names += name_rows(model)
    return PriceTable(tuple(rates), tuple(dict.fromkeys(names)))


RATE_DIGITS = 18  # rates are DECIMAL(18, scale) in SQL: exact in DuckDB, Spark, PostgreSQL, ...
DEFAULT_SCALE = 14


def rate_scale(table: PriceTable) -> int:
    """The scale SQL rates need: 14, or more where a rate has more decimals (an error where one
    would not fit DECIMAL(18, scale))."""
    from aicost.model.errors import AicostError

    scale, whole = DEFAULT_SCALE, 1
    for row in table.rates:
        for value in (
            row.input_rate,
            row.cached_rate,
            row.cache_write_rate,
            row.cache_write_1h_rate,
            row.output_rate,
        ):
            exponent = int(value.normalize().as_tuple().exponent)
            scale = max(scale, -exponent)
            whole = max(whole, len(str(int(value))))
    if scale + whole > RATE_DIGITS:
        raise AicostError(
            f"a per-token rate needs {whole} digits before and {scale} after the point, more "
            f"than DECIMAL({RATE_DIGITS}, s) holds",
            hint="round the sheet's rates or multipliers to fewer decimals",
        )
    return scale
