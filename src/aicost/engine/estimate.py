"""Price workloads across a catalog at a date and in a currency: the `estimate` command's core."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

from aicost.engine.pricing import EstimateRow, Workload, price_workload, profile_share
from aicost.engine.windows import TrafficProfile
from aicost.model.catalog import (
    Catalog,
    ambiguous,
    is_glob,
    mentions,
    no_price_message,
    short_reason,
    split_refs,
)
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


def _shortlist(
    catalog: Catalog,
    refs: Sequence[str],
    wanted: set[str],
    search: str | None,
    at: dt.datetime,
) -> list[ModelPrice]:
    """The models `-m`/`-p`/`--search` (or a workload's `models:`) select; errors when none do."""
    candidates = [
        m
        for m in catalog.select(refs)
        if (not wanted or m.provider in wanted) and mentions(m, search)
    ]
    if not candidates:
        given = "--model, --provider and --search" if search else "--model and --provider"
        raise AicostError(f"no model matches the given {given} filters")
    for ref in split_refs(refs):  # a model asked for by name must have a price at that date
        if is_glob(ref):
            continue  # a glob takes what it finds; the unpriced ones are notes
        named = [m for m in catalog.match(ref) if not wanted or m.provider in wanted]
        unpriced = [m for m in named if m.period_at(at) is None]
        if unpriced and len(unpriced) < len(named):
            raise ambiguous(ref, named, at)  # says which twin is priced, and how to name it
        if unpriced:
            raise AicostError(no_price_message(unpriced[0], at))
    return candidates


def _pinned_model(catalog: Catalog, workload: Workload, at: dt.datetime) -> ModelPrice:
    """The model a workload file names, priced at `at`; errors point at the file."""
    assert workload.model is not None
    try:
        model = catalog.resolve(workload.model, at)
    except AicostError as exc:
        raise AicostError(
            f"workload {workload.name!r}: {exc.message}", where=workload.model_at, hint=exc.hint
        ) from None
    if model.period_at(at) is None:
        raise AicostError(
            f"workload {workload.name!r}: " + no_price_message(model, at), where=workload.model_at
        )
    return model


def _cheapest_per_provider(rows: list[EstimateRow], top: int) -> list[EstimateRow]:
    """`--top N`: the N cheapest rows of each provider (rows come sorted cheapest first)."""
    kept: list[EstimateRow] = []
    counts: dict[str, int] = {}
    for row in rows:
        if counts.get(row.provider, 0) < top:
            counts[row.provider] = counts.get(row.provider, 0) + 1
            kept.append(row)
    return kept


def _headline(row: EstimateRow) -> Decimal:
    return row.monthly if row.monthly is not None else row.total


def _against(rows: list[EstimateRow], pinned: ModelPrice) -> list[EstimateRow]:
    """Mark the pinned model's row and what every other row saves against it."""
    mine = next(r for r in rows if r.provider == pinned.provider and r.model == pinned.id)
    base = _headline(mine)
    out = []
    for row in rows:
        if row is mine:
            out.append(replace(row, pinned=True))
            continue
        saving = base - _headline(row)
        percent = None
        if base:
            percent = (saving * 100 / base).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        out.append(replace(row, saving=saving, saving_percent=percent))
    return out


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
    """Price each workload on its models: the one it names (all selected ones with `compare`,
    the named one marked), else `models` (`-m`), else its own shortlist, else every model;
    `-p` and `--search` narrow each list, and `top` keeps the N cheapest of each provider.

    With a `traffic` profile, each model's off-peak share is the share of the profile's minutes
    inside that model's cheapest discount windows (it differs per model), in place of the
    workloads' own `off_peak_share`.
    """
    for provider in providers:
        catalog.sheet(provider)  # unknown providers are errors, with suggestions
    wanted = {p.lower() for p in providers}
    lists: dict[tuple[str, ...], list[ModelPrice]] = {}

    def shortlist(refs: tuple[str, ...]) -> list[ModelPrice]:
        if refs not in lists:
            lists[refs] = _shortlist(catalog, refs, wanted, search, at)
        return lists[refs]

    if models or not any(w.models for w in workloads):
        shortlist(tuple(models))  # the command line's filters are checked even when unused
    rows: list[EstimateRow] = []
    notes: dict[str, str] = {}
    factors: dict[str, tuple[Decimal, Decimal]] = {}
    for workload in workloads:
        pinned = _pinned_model(catalog, workload, at) if workload.model else None
        if pinned is not None and not compare:
            chosen: list[ModelPrice] = [pinned]
        else:
            chosen = list(shortlist(tuple(models) or workload.models))
            if pinned is not None and pinned not in chosen:
                chosen.insert(0, pinned)  # the alternatives are weighed against it
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
        if pinned is not None and compare:
            priced = _against(priced, pinned)
        if top is not None:
            kept = {id(r) for r in _cheapest_per_provider(priced, top)}
            priced = [r for r in priced if id(r) in kept or r.pinned]
        rows.extend(priced)
    rows.sort(key=lambda r: (r.workload, r.provider, r.model))
    return Estimate(tuple(workloads), tuple(rows), tuple(notes[k] for k in sorted(notes)))
