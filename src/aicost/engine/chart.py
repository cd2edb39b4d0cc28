"""The price war as data: what one request shape cost on chosen models, or on each provider's
cheapest model, over a date range, as exact step series.

A series is a list of steps: each point's cost holds from its moment until the next point's. Points
sit at `since`, at every moment inside the range where a price period (or retirement, or an
exchange rate of the fx sheet) changes, and at `until`, so the steps are exact, not sampled.

A provider's cheapest model is chosen among the models known to be served at each moment. A sheet
prices a model without a launch date (no `since` on its oldest period) at every past date, but
such a model may not have existed then: it becomes a candidate only from its sheet's `checked`
day, the day it is known to be served (never, when the sheet has no `checked`). A model with a
known start is a candidate from that start.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from aicost.engine.estimate import conversion_pair
from aicost.engine.pricing import Request, price_tokens
from aicost.model.catalog import Catalog
from aicost.model.errors import AicostError
from aicost.model.limits import in_money_context
from aicost.model.prices import FxRates, ModelPrice, PriceSheet

DEFAULT_PROVIDERS = ("deepseek", "alibaba", "openai", "anthropic", "google")


@dataclass(frozen=True, slots=True)
class Point:
    """From `moment` on (until the next point), one request cost `cost` on `model`; None: no
    priced model then."""

    moment: dt.datetime
    cost: Decimal | None
    model: str | None


@dataclass(frozen=True, slots=True)
class Series:
    label: str  # provider/model, or the provider for its cheapest model
    provider: str
    cheapest: bool  # the provider's cheapest model at each moment, not one model
    points: tuple[Point, ...]


@dataclass(frozen=True, slots=True)
class Row:
    """A moment where some series changes (and `since`, `until`), and each series' cost from then."""

    moment: dt.datetime
    costs: tuple[Decimal | None, ...]


@dataclass(frozen=True)
class ChartResult:
    since: dt.datetime
    until: dt.datetime
    currency: str
    request: Request
    series: list[Series]
    rows: list[Row]


def default_range(today: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The last 24 months: from the same day two years back to `today`, midnight UTC."""
    try:
        start = today.replace(year=today.year - 2)
    except ValueError:  # 29 February
        start = today.replace(year=today.year - 2, day=28)
    return dt.datetime.combine(start, dt.time()), dt.datetime.combine(today, dt.time())


def _changes(model: ModelPrice) -> set[dt.datetime]:
    found: set[dt.datetime] = set()
    for period in model.periods:
        found.update(m for m in (period.since, period.until) if m is not None)
    if model.retired is not None:
        found.add(model.retired)
    return found


def _fx_changes(fx: FxRates | None) -> set[dt.datetime]:
    if fx is None:
        return set()
    days = [fx.date, *(d for d, _ in fx.history)]
    return {dt.datetime.combine(d, dt.time()) for d in days}


def _cost(
    model: ModelPrice, at: dt.datetime, request: Request, fx: FxRates | None, currency: str
) -> Decimal | None:
    """List price of one request on `model` at `at`, in `currency` at that day's rate."""
    period = model.period_at(at)
    if period is None:
        return None
    total = price_tokens(period.tier_for(request.input_tokens)[1], request).total
    if model.currency == currency:
        return total
    multiply, divide = conversion_pair(None if fx is None else fx.at(at), model.currency, currency)
    return total * multiply / divide


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A model in a series, counted only from `joins` on (None: wherever its sheet prices it)."""

    model: ModelPrice
    joins: dt.datetime | None = None

    def cost(
        self, at: dt.datetime, request: Request, fx: FxRates | None, currency: str
    ) -> Decimal | None:
        if self.joins is not None and at < self.joins:
            return None
        return _cost(self.model, at, request, fx, currency)


NEVER = dt.datetime.max  # a model whose first price moment and sheet check are both unknown


def provider_candidates(sheet: PriceSheet) -> list[_Candidate]:
    """The sheet's models, each joining the cheapest-model race from its first known price
    moment: its launch (`since` of its oldest period), else the sheet's `checked` day."""
    checked = None if sheet.checked is None else dt.datetime.combine(sheet.checked, dt.time())
    found = []
    for model in sheet.models:
        known = model.periods[0].since is not None
        found.append(_Candidate(model, None if known else (checked or NEVER)))
    return found


def _moments(
    candidates: Sequence[_Candidate],
    since: dt.datetime,
    until: dt.datetime,
    fx: FxRates | None,
) -> list[dt.datetime]:
    found = {since, until}
    for candidate in candidates:
        found |= _changes(candidate.model)
        if candidate.joins is not None:
            found.add(candidate.joins)
    found |= _fx_changes(fx)
    return sorted(m for m in found if since <= m <= until)


def _series(
    label: str,
    provider: str,
    candidates: Sequence[_Candidate],
    cheapest: bool,
    since: dt.datetime,
    until: dt.datetime,
    request: Request,
    fx: FxRates | None,
    currency: str,
) -> Series:
    converts = any(c.model.currency != currency for c in candidates)
    points: list[Point] = []
    for moment in _moments(candidates, since, until, fx if converts else None):
        best: tuple[Decimal, str] | None = None
        for candidate in candidates:
            cost = candidate.cost(moment, request, fx, currency)
            if cost is not None and (best is None or (cost, candidate.model.id) < best):
                best = (cost, candidate.model.id)
        point = Point(moment, *(best or (None, None)))
        same = points and (points[-1].cost, points[-1].model) == (point.cost, point.model)
        if same and moment != until:
            continue  # no change here: the step goes on
        points.append(point)
    return Series(label, provider, cheapest, tuple(points))


def cost_at(series: Series, moment: dt.datetime) -> Decimal | None:
    """The step in force at `moment`: the last point at or before it."""
    found: Decimal | None = None
    for point in series.points:
        if point.moment > moment:
            break
        found = point.cost
    return found


@in_money_context
def price_war(
    catalog: Catalog,
    request: Request,
    *,
    since: dt.datetime,
    until: dt.datetime,
    currency: str,
    models: Sequence[str] = (),
    providers: Sequence[str] = (),
) -> ChartResult:
    """Step series of one request's list price: one per model in `models` (priced wherever its
    sheet prices it), and one per provider in `providers` following its cheapest model among those
    known to be served (see the module docstring; default: DEFAULT_PROVIDERS when no model is
    named)."""
    if since >= until:
        raise AicostError(
            f"--since ({since.date()}) must be before --until ({until.date()})",
            hint="e.g. --since 2025-01-01 --until 2026-11-30",
        )
    fx = catalog.fx
    series: list[Series] = []
    for ref in models:
        model = catalog.resolve(ref)
        series.append(
            _series(
                model.ref,
                model.provider,
                [_Candidate(model)],
                False,
                since,
                until,
                request,
                fx,
                currency,
            )
        )
    wanted = list(providers) if providers or models else list(DEFAULT_PROVIDERS)
    for provider in wanted:
        sheet = catalog.sheet(provider)  # an unknown provider is an error, with suggestions
        series.append(
            _series(
                sheet.provider,
                sheet.provider,
                provider_candidates(sheet),
                True,
                since,
                until,
                request,
                fx,
                currency,
            )
        )
    moments = sorted({p.moment for s in series for p in s.points})
    rows = [Row(m, tuple(cost_at(s, m) for s in series)) for m in moments]
    return ChartResult(since, until, currency, request, series, rows)
