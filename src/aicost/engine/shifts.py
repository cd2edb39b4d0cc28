"""What a change does to the rate a token is billed at, whatever field carried it.

A field-by-field diff misses changes that raise a bill without raising a field: flat prices
turned into tiers, `cached_input` removed (cached tokens then bill at the input rate), a tier
boundary lowered, a discount window or batch price dropped, the sheet's currency switched. Here
each model's current prices on both sides are evaluated as the engine bills them: per token class,
for every prompt size band (tier bounds of either side), every minute-of-week band (window bounds
of either side, and list price) and with and without the batch multiplier, in one currency.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, localcontext

from aicost.engine.estimate import conversion_pair
from aicost.model.catalog import Catalog
from aicost.model.errors import AicostError
from aicost.model.prices import ModelPrice, Period, Rates

TOKENS = ("input", "cached_input", "cache_write", "output")
MINUTES_PER_DAY = 24 * 60
_MONDAY = dt.datetime(2024, 1, 1)  # any Monday: windows only look at weekday and time


@dataclass(frozen=True, slots=True)
class Band:
    """Where a rate was compared: prompt sizes, a minute of the week (None: no window on either
    side, so every moment) and whether the batch multiplier applied."""

    prompt_from: int
    prompt_to: int | None
    minute: int | None
    batch: bool


@dataclass(frozen=True, slots=True)
class RateShift:
    """The largest rise (or fall) of one model's effective rate per 1M tokens of one class.

    `old` is converted into the new sheet's currency when the sheet switched currency; `percent`
    is None for a rise from zero.
    """

    provider: str
    model: str
    token: str
    old: Decimal
    new: Decimal
    percent: Decimal | None
    currency: str
    band: Band

    @property
    def rises(self) -> bool:
        return self.new > self.old


@dataclass(frozen=True, slots=True)
class CurrencyGap:
    """A sheet that switched currency with no exchange rate to compare its prices across it."""

    provider: str
    old: str
    new: str
    reason: str
    hint: str | None


def _rate(rates: Rates, token: str) -> Decimal:
    if token == "cached_input":
        return rates.cached_rate
    if token == "cache_write":
        return rates.cache_write_rate
    value: Decimal = getattr(rates, token)
    return value


def effective_rate(period: Period, token: str, band: Band) -> Decimal:
    """The rate a token of this class is billed at in this band, as `pricing` bills it."""
    _, rates = period.tier_for(band.prompt_from)
    value = _rate(rates, token)
    if band.minute is not None:
        moment = _MONDAY + dt.timedelta(minutes=band.minute)
        window = next((w for w in period.windows if w.covers(moment)), None)
        if window is not None and window.rates is not None:
            value = _rate(window.rates, token)
        elif window is not None and window.multiplier is not None:
            value = value * window.multiplier
    if band.batch and period.batch_multiplier is not None:
        value = value * period.batch_multiplier
    return value


def _bands(old: Period, new: Period) -> Iterator[Band]:
    bounds = sorted({t.up_to for p in (old, new) for t in p.tiers if t.up_to is not None})
    starts = [0, *(b + 1 for b in bounds)]
    prompts = [
        (s, None if i + 1 == len(starts) else starts[i + 1] - 1) for i, s in enumerate(starts)
    ]
    windows = [*old.windows, *new.windows]
    # None: list price, as a workload without an off-peak share pays it; then every stretch of
    # the week in which a window of either side applies
    minutes: list[int | None] = [None]
    cuts = {0}
    for window in windows:
        for start, end in window.hours:
            cuts.update((start % MINUTES_PER_DAY, end % MINUTES_PER_DAY))
    for day in range(7):
        for cut in sorted(cuts):
            moment = _MONDAY + dt.timedelta(days=day, minutes=cut)
            if any(w.covers(moment) for w in windows):
                minutes.append(day * MINUTES_PER_DAY + cut)
    batched = old.batch_multiplier is not None or new.batch_multiplier is not None
    batches = [False, True] if batched else [False]
    for low, high in prompts:
        for minute in minutes:
            for batch in batches:
                yield Band(low, high, minute, batch)


def _percent(old: Decimal, new: Decimal) -> Decimal | None:
    if old == 0:
        return None
    return (new - old) / old * 100


def _steeper(a: RateShift | None, b: RateShift) -> bool:
    """Whether `b` moves further than `a` (a rise from zero beats any percent)."""
    if a is None:
        return True
    if a.percent is None or b.percent is None:
        return a.percent is not None
    return abs(b.percent) > abs(a.percent)


def model_shifts(
    old: ModelPrice, new: ModelPrice, convert: tuple[Decimal, Decimal]
) -> list[RateShift]:
    """The steepest rise and the steepest fall of `new`'s effective rates against `old`'s."""
    up: RateShift | None = None
    down: RateShift | None = None
    before, after = old.current, new.current
    with localcontext() as ctx:
        ctx.prec = 60
        for band in _bands(before, after):
            for token in TOKENS:
                a = effective_rate(before, token, band) * convert[0] / convert[1]
                b = effective_rate(after, token, band)
                if a == b:
                    continue
                shift = RateShift(
                    new.provider, new.id, token, a, b, _percent(a, b), new.currency, band
                )
                if shift.rises and _steeper(up, shift):
                    up = shift
                elif not shift.rises and _steeper(down, shift):
                    down = shift
    return [s for s in (up, down) if s is not None]


def rate_shifts(old: Catalog, new: Catalog) -> tuple[list[RateShift], list[CurrencyGap]]:
    """Every model on both sides whose effective rates moved, and sheets that cannot be compared.

    A currency switch is compared through the new catalog's exchange rates (the old one's when the
    new has none), so an fx update alone never shows as a price change.
    """
    shifts: list[RateShift] = []
    gaps: list[CurrencyGap] = []
    fx = new.fx if new.fx is not None else old.fx
    for slug in sorted(old.sheets.keys() & new.sheets.keys()):
        a, b = old.sheets[slug], new.sheets[slug]
        try:
            convert = conversion_pair(fx, a.currency, b.currency)
        except AicostError as exc:
            gaps.append(CurrencyGap(slug, a.currency, b.currency, exc.message, exc.hint))
            continue
        before = {m.id: m for m in a.models}
        for model in b.models:
            if model.id in before and (
                convert != (Decimal(1), Decimal(1)) or before[model.id] != model
            ):
                shifts.extend(model_shifts(before[model.id], model, convert))
    return shifts, gaps
