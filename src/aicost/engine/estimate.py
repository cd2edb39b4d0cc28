"""Price workloads across a catalog at a date and in a currency: the `estimate` command's core."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_EVEN, Decimal

from aicost.engine.pricing import EstimateRow, Workload, price_workload, profile_share
from aicost.engine.windows import TrafficProfile
from aicost.model.catalog import Catalog, ambiguous, mentions, no_price_message, short_reason
from aicost.model.errors import AicostError
from aicost.model.limits import in_money_context
from aicost.model.prices import FxRates, ModelPrice


@dataclass(frozen=True, slots=True)
class Estimate:
    workloads: tuple[Workload, ...]
    rows: tuple[EstimateRow, ...]
    notes: tuple[str, ...]  # for people: models left out and why

    @property
    def over_budget(self) -> bool:
        return any(row.over_budget for row in self.rows)


def _fx_at(fx: FxRates | None, at: dt.datetime) -> FxRates | None:
    return None if fx is None else fx.at(at)


def conversion_pair(fx: FxRates | None, source: str, target: str) -> tuple[Decimal, Decimal]:
    """(multiply, divide) turning an amount in `source` into `target` via the fx sheet's base.

    Kept as a pair so an amount is multiplied before it is divided: CNY 13.3058 at 6.6529 per USD
    is exactly USD 2, where multiplying by a rounded 1/6.6529 would not be.
    """
    if source == target:
        return Decimal(1), Decimal(1)
    if fx is None:
        raise AicostError(
            f"no exchange rates loaded to convert {source} to {target}",
            hint="add an fx.yaml to --prices",
        )
    to_rate, from_rate = fx.rate(target), fx.rate(source)
    for code, rate in ((target, to_rate), (source, from_rate)):
        if rate is None:
            known = ", ".join([fx.base, *fx.rates])
            raise AicostError(
                f"no exchange rate for {code} in {fx.path or 'fx.yaml'} (dated {fx.date})",
                hint=f"known currencies: {known}",
            )
    assert to_rate is not None and from_rate is not None
    return to_rate, from_rate


def convert(value: Decimal, pair: tuple[Decimal, Decimal]) -> Decimal:
    """An amount through a `conversion_pair`: multiplied first, then divided, exact where it can be."""
    multiply, divide = pair
    return value if multiply == divide else value * multiply / divide


def workload_budget(fx: FxRates | None, workload: Workload, currency: str) -> Decimal | None:
    """A workload file's budget in the report currency (it is in `budget_currency`, USD by default)."""
    if workload.budget is None:
        return None
    pair = conversion_pair(fx, workload.budget_currency or "USD", currency)
    return convert(workload.budget, pair)


@in_money_context
def run_estimate(
    catalog: Catalog,
    workloads: Sequence[Workload],
    *,
    at: dt.datetime,
    currency: str,
    models: Sequence[str] = (),
    providers: Sequence[str] = (),
    top: int | None = None,
    budget: Decimal | None = None,
    compare: bool = False,
    search: str | None = None,
    traffic: TrafficProfile | None = None,
) -> Estimate:
    """Price `workloads` on the selected models at `at`, in `currency`.

    With a `traffic` profile, each model's off-peak share is the share of the profile's minutes
    inside that model's cheapest discount windows (it differs per model), in place of the
    workloads' own `off_peak_share`.
    """
    for provider in providers:
        catalog.sheet(provider)  # unknown providers are errors, with suggestions
    wanted = {p.lower() for p in providers}
    candidates = [
        m
        for m in catalog.select(models)
        if (not wanted or m.provider in wanted) and mentions(m, search)
    ]
    if not candidates:
        given = "--model, --provider and --search" if search else "--model and --provider"
        raise AicostError(f"no model matches the given {given} filters")
    for ref in models:  # a model asked for by name must have a price at that date
        named = [m for m in catalog.match(ref) if not wanted or m.provider in wanted]
        unpriced = [m for m in named if m.period_at(at) is None]
        if unpriced and len(unpriced) < len(named):
            raise ambiguous(ref, named, at)  # says which twin is priced, and how to name it
        if unpriced:
            raise AicostError(no_price_message(unpriced[0], at))
    rows: list[EstimateRow] = []
    notes: dict[str, str] = {}
    factors: dict[str, tuple[Decimal, Decimal]] = {}
    for workload in workloads:
        if workload.model and not compare:
            try:
                chosen: list[ModelPrice] = [catalog.resolve(workload.model, at)]
            except AicostError as exc:
                raise AicostError(
                    f"workload {workload.name!r}: {exc.message}",
                    where=workload.model_at,
                    hint=exc.hint,
                ) from None
            if chosen[0].period_at(at) is None:
                raise AicostError(
                    f"workload {workload.name!r}: " + no_price_message(chosen[0], at),
                    where=workload.model_at,
                )
        else:
            chosen = candidates
        limit = budget if budget is not None else workload_budget(catalog.fx, workload, currency)
        priced: list[EstimateRow] = []
        for model in chosen:
            period = model.period_at(at)
            if period is None:
                notes[model.ref] = short_reason(model, at)
                continue
            if model.currency not in factors:
                factors[model.currency] = conversion_pair(
                    _fx_at(catalog.fx, at), model.currency, currency
                )
            mine = workload
            if traffic is not None:
                mine = replace(
                    workload,
                    off_peak_share=profile_share(period, workload.request, traffic.minutes),
                )
            row = price_workload(model, period, mine, factors[model.currency], currency, limit)
            if traffic is not None and period.windows:
                shown = (mine.off_peak_share * 100).quantize(Decimal("0.1"), ROUND_HALF_EVEN)
                said = f"off-peak share {shown}% from traffic profile {traffic.name}"
                row = replace(row, warnings=(said, *row.warnings))
            priced.append(row)
        priced.sort(key=lambda r: (r.per_request, r.provider, r.model))
        if top is not None:
            priced = priced[:top]
        rows.extend(priced)
    rows.sort(key=lambda r: (r.workload, r.provider, r.model))
    return Estimate(tuple(workloads), tuple(rows), tuple(notes[k] for k in sorted(notes)))
