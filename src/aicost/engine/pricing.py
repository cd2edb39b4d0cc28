"""The cost engine: what one request costs on one model at one moment, and what a workload costs.

Pure functions over `prices` data and Decimals. The rules (SPEC section 3):
- per request at tier t: (input - cached - cache_write) x input_t + cached x cached_input_t
  + cache_write x cache_write_t + (output + reasoning) x output_t, all / 1,000,000;
- the tier is chosen by the request's input tokens (cached included) and prices the whole request;
- batch and off-peak shares blend list and discounted prices; the two are independent, so a request
  can be both batched and off-peak;
- a period total is requests x per-request cost; a month is 730 hours.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from aicost.engine.windows import first_match, share
from aicost.model.errors import Location
from aicost.model.limits import in_money_context, money_context
from aicost.model.prices import ModelPrice, Period, Rates, choose_tier

MILLION = Decimal(1_000_000)
HOURS_PER_MONTH = Decimal(730)
PERIODS = ("once", "hour", "day", "month")


@dataclass(frozen=True, slots=True)
class Request:
    """Tokens of one request. cached and cache_write are parts of input; reasoning bills as output."""

    input_tokens: int = 0
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cache_write_1h_tokens: int = 0  # of input, written to a 1-hour cache


@dataclass(frozen=True, slots=True)
class Workload:
    name: str
    request: Request
    requests: int = 1
    per: str = "once"
    batch_share: Decimal = Decimal(0)
    off_peak_share: Decimal = Decimal(0)
    # shares of the other service tiers (flex, priority), by name; batch is `batch_share`
    service_tier_shares: tuple[tuple[str, Decimal], ...] = ()
    model: str | None = None
    # a saved shortlist (ids, aliases, globs) priced when `-m` is not given
    models: tuple[str, ...] = field(default=(), metadata={"json": False})
    budget: Decimal | None = None  # monthly where `per` is periodic, else the total
    budget_currency: str | None = None  # the budget's currency (converted to the report's)
    # where a workload file names `model`, for error messages only: never in the output
    model_at: Location | None = field(default=None, metadata={"json": False})


@dataclass(frozen=True, slots=True)
class Parts:
    """A cost split by what it pays for."""

    input: Decimal
    cached: Decimal
    cache_write: Decimal
    output: Decimal

    @property
    def total(self) -> Decimal:
        return self.input + self.cached + self.cache_write + self.output

    def scaled(self, factor: Decimal, divisor: Decimal = Decimal(1)) -> Parts:
        return Parts(
            self.input * factor / divisor,
            self.cached * factor / divisor,
            self.cache_write * factor / divisor,
            self.output * factor / divisor,
        )

    def plus(self, other: Parts) -> Parts:
        return Parts(
            self.input + other.input,
            self.cached + other.cached,
            self.cache_write + other.cache_write,
            self.output + other.output,
        )


@dataclass(frozen=True, slots=True)
class EstimateRow:
    """One workload priced on one model: the unit every renderer draws."""

    workload: str
    provider: str
    model: str
    tier: str
    currency: str
    input_cost: Decimal
    cached_cost: Decimal
    cache_write_cost: Decimal
    output_cost: Decimal
    per_request: Decimal
    total: Decimal
    monthly: Decimal | None
    requests: int
    per: str
    budget: Decimal | None
    over_budget: bool | None
    warnings: tuple[str, ...] = field(default=())
    # with --compare on a workload that names its model: that model's row, and what each other
    # row saves against it per month (the total for `once`); None elsewhere
    pinned: bool = False
    saving: Decimal | None = None
    saving_percent: Decimal | None = None  # of the pinned model's cost, rounded to 0.1


def price_tokens(rates: Rates, request: Request) -> Parts:
    """List price of one request at one tier."""
    uncached = (
        request.input_tokens
        - request.cached_tokens
        - request.cache_write_tokens
        - request.cache_write_1h_tokens
    )
    writes = (
        request.cache_write_tokens * rates.cache_write_rate
        + request.cache_write_1h_tokens * rates.cache_write_1h_rate
    )
    return Parts(
        input=uncached * rates.input / MILLION,
        cached=request.cached_tokens * rates.cached_rate / MILLION,
        cache_write=writes / MILLION,
        output=(request.output_tokens + request.reasoning_tokens) * rates.output / MILLION,
    )


def tier_label(period: Period, index: int) -> str:
    if not period.tiered:
        return "flat"
    tier = period.tiers[index]
    if tier.up_to is not None:
        return f"<={tier.up_to}"
    return f">{period.tiers[index - 1].up_to}"


def off_peak_parts(period: Period, rates: Rates, request: Request, base: Parts) -> Parts | None:
    """The cheapest discount window's price for this request, or None where there is none."""
    best: Parts | None = None
    for parts in window_parts(period, request, base):
        if best is None or parts.total < best.total:
            best = parts
    return best


def window_parts(period: Period, request: Request, base: Parts) -> list[Parts]:
    """Each discount window's price for this request, in the period's order."""
    out = []
    for window in period.windows:
        if window.rates is not None:
            out.append(price_tokens(window.rates, request))
        else:
            assert window.multiplier is not None
            out.append(base.scaled(window.multiplier))
    return out


@in_money_context
def profile_share(period: Period, request: Request, minutes: int) -> Decimal:
    """The off-peak share a traffic profile gives: of the profile's minutes of the week, the share
    inside the windows that price this request cheapest (first match wins across windows).

    `price_request` prices every off-peak request at the cheapest window's price, so minutes in a
    dearer window count as list price here: never an under-estimate.
    """
    if not period.windows:
        return Decimal(0)
    base = price_tokens(period.tier_for(request.input_tokens)[1], request)
    totals = [p.total for p in window_parts(period, request, base)]
    cheapest = min(totals)
    covered = 0
    for mine, total in zip(first_match(period.windows), totals, strict=True):
        if total == cheapest:
            covered |= mine
    return share(covered, minutes)


def service_tier_parts(period: Period, name: str, request: Request, listed: Parts) -> Parts | None:
    """One request's price in service tier `name`, or None where the period has no such tier.

    A multiplier scales the list price (time-of-day windows included); explicit rates replace
    it, windows and all, at the tier their own bounds choose.
    """
    tier = period.service_tier(name)
    if tier is None:
        return None
    if tier.multiplier is not None:
        return listed.scaled(tier.multiplier)
    assert tier.tiers is not None
    return price_tokens(choose_tier(tier.tiers, request.input_tokens)[1], request)


def price_request(
    period: Period,
    request: Request,
    batch_share: Decimal = Decimal(0),
    off_peak_share: Decimal = Decimal(0),
    tier_shares: tuple[tuple[str, Decimal], ...] = (),
) -> tuple[int, Parts, list[str]]:
    """Price one request in a period: (tier index, cost parts, warnings).

    Off-peak and service tiers are independent shares: a request can be both off-peak and
    batched. The service tiers' shares split the requests; the rest go at list price.
    """
    warnings: list[str] = []
    with money_context():
        index, rates = period.tier_for(request.input_tokens)
        if request.cache_write_1h_tokens and rates.cache_write_1h is None:
            warnings.append(
                "no 1-hour cache write price; 1-hour writes priced at the 5-minute write rate"
            )
        parts = price_tokens(rates, request)
        if off_peak_share:
            cheap = off_peak_parts(period, rates, request, parts)
            if cheap is None:
                warnings.append(
                    "off_peak_share given but the model has no discount window; priced at list"
                )
            else:
                parts = parts.scaled(1 - off_peak_share).plus(cheap.scaled(off_peak_share))
        shares = [(n, s) for n, s in (("batch", batch_share), *tier_shares) if s]
        if shares:
            listed = parts
            parts = listed.scaled(1 - sum((s for _, s in shares), Decimal(0)))
            for name, share in shares:
                priced = service_tier_parts(period, name, request, listed)
                if priced is None:
                    warnings.append(
                        f"{name}_share given but the model has no {name} price; priced at list"
                        if name == "batch"
                        else f"{name} share given but the model has no {name} price; priced at list"
                    )
                    priced = listed
                parts = parts.plus(priced.scaled(share))
    return index, parts, warnings


def monthly(total: Decimal, per: str) -> Decimal | None:
    """A period's total as a month of 730 hours (daily: x 730 then / 24)."""
    with money_context():
        if per == "hour":
            return total * HOURS_PER_MONTH
        if per == "day":
            return total * HOURS_PER_MONTH / 24
        if per == "month":
            return total
    return None


@in_money_context
def price_workload(
    model: ModelPrice,
    period: Period,
    workload: Workload,
    convert: tuple[Decimal, Decimal] = (Decimal(1), Decimal(1)),
    currency: str | None = None,
    budget: Decimal | None = None,
) -> EstimateRow:
    """Price a workload on a model. `convert` is (multiply, divide) from the sheet's currency."""
    request = workload.request
    index, parts, warnings = price_request(
        period,
        request,
        workload.batch_share,
        workload.off_peak_share,
        workload.service_tier_shares,
    )
    size = request.input_tokens + request.output_tokens + request.reasoning_tokens
    if model.context_window is not None and size > model.context_window:
        warnings.append(
            f"{size:,} tokens per request exceed the {model.context_window:,}-token context window"
        )
    with money_context():
        if convert != (Decimal(1), Decimal(1)):
            parts = parts.scaled(*convert)
        per_request = parts.total
        total = per_request * workload.requests
        month = monthly(total, workload.per)
    limit = budget if budget is not None else workload.budget
    over = None
    if limit is not None:
        over = (month if month is not None else total) > limit
    return EstimateRow(
        workload=workload.name,
        provider=model.provider,
        model=model.id,
        tier=tier_label(period, index),
        currency=currency or model.currency,
        input_cost=parts.input,
        cached_cost=parts.cached,
        cache_write_cost=parts.cache_write,
        output_cost=parts.output,
        per_request=per_request,
        total=total,
        monthly=month,
        requests=workload.requests,
        per=workload.per,
        budget=limit,
        over_budget=over,
        warnings=tuple(warnings),
    )


def window_at(period: Period, moment: dt.datetime) -> str | None:
    """Name of the discount window in force at `moment` (first match wins), for usage pricing."""
    index = window_index_at(period, moment)
    return None if index is None else period.windows[index].name


def window_index_at(period: Period, moment: dt.datetime) -> int | None:
    """Which of the period's windows is in force at `moment` (first match wins), or None.

    Two windows may share a name with different prices, so usage pricing keys on the index.
    """
    for index, window in enumerate(period.windows):
        if window.covers(moment):
            return index
    return None
