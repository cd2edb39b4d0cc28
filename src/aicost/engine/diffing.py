"""Semantic diff of two catalogs: what changed per provider, model and field, and what it costs.

Changes are keyed by provider / model / field path (`input`, `tiers[1].output`, `history[0].input`,
`windows[0].multiplier`, `training_claims[DeepSeek-V3].claim`). History periods are matched by
their `until`, training claims by the model they are about, tiers and windows by position.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from aicost.engine.estimate import conversion_pair
from aicost.engine.pricing import Workload, price_workload
from aicost.engine.shifts import CurrencyGap, RateShift, rate_shifts
from aicost.model.catalog import Catalog
from aicost.model.errors import AicostError
from aicost.model.limits import in_money_context, money_context
from aicost.model.prices import (
    DAYS,
    ModelPrice,
    Period,
    PriceSheet,
    Rates,
    ServiceTier,
    TrainingClaim,
    Window,
)
from aicost.model.quantity import format_moment

Value = Decimal | str | None
RATE_FIELDS = ("input", "cached_input", "cache_write", "cache_write_1h", "output")
# Fields whose change moves what a request costs: the ones `--fail-on increase|decrease` gates on.
PRICE_FIELDS = frozenset({*RATE_FIELDS, "multiplier", "batch_multiplier"})
MONEY_FIELDS = frozenset({*RATE_FIELDS, "claim", "gpu_hour_price"})
GATES = ("increase", "decrease", "removal", "any")


@dataclass(frozen=True, slots=True)
class Change:
    """One difference. `model` is None for provider-level fields; `path` is None for a whole entry."""

    provider: str
    model: str | None
    path: str | None
    kind: str  # added | removed | changed
    old: Value
    new: Value
    delta: Decimal | None
    percent: Decimal | None
    currency: str

    @property
    def leaf(self) -> str:
        return "" if self.path is None else self.path.rsplit(".", 1)[-1]

    @property
    def is_price(self) -> bool:
        """A current price (not a rewrite of past periods) that both sides state."""
        return self.leaf in PRICE_FIELDS and not (self.path or "").startswith("history[")

    @property
    def is_removal(self) -> bool:
        whole = self.kind == "removed" and self.path is None
        return whole or (self.path == "retired" and self.kind == "added")


@dataclass(frozen=True, slots=True)
class Impact:
    """A workload's monthly cost on one model before and after (None where the model has no price)."""

    workload: str
    provider: str
    model: str
    currency: str
    old_monthly: Decimal | None
    new_monthly: Decimal | None
    delta: Decimal | None
    percent: Decimal | None


Trip = Change | RateShift | Impact


@dataclass(frozen=True, slots=True)
class CatalogDiff:
    changes: tuple[Change, ...]
    impact: tuple[Impact, ...] = ()
    shifts: tuple[RateShift, ...] = ()  # effective rates that moved, per model (see shifts.py)
    gaps: tuple[CurrencyGap, ...] = ()  # sheets whose currency switched with no rate to compare

    @property
    def empty(self) -> bool:
        return not self.changes

    def gate(self, on: str, threshold: Decimal = Decimal(0)) -> list[Trip]:
        """What trips `--fail-on ON --threshold PCT`: a move strictly above the threshold.

        Three views of one diff, so no change that moves a bill slips through:
        - field changes of current prices (`output`, `tiers[1].input`, a multiplier);
        - effective rates (`shifts`): what a token is billed at once tiers, absent cache rates,
          windows, batch and the sheet's currency are applied, for models no field change already
          tripped; this sees flat prices turned into tiers, `cached_input` removed, a currency
          switch;
        - workload impact rows (with `--workload`): a workload's monthly bill on a model.
        A rise from zero (no percent) always trips; removals (of a model or provider, a model
        retiring, a priced model gone from a workload's rows) ignore the threshold.
        """
        if on != "removal" and self.gaps:
            gap = self.gaps[0]
            raise AicostError(
                f"cannot gate on prices of {gap.provider}: its sheet switched currency "
                f"{gap.old} -> {gap.new} and {gap.reason}",
                hint=gap.hint or "add the rate to fx.yaml",
            )
        found: list[Trip] = []
        for change in self.changes:
            if on in ("removal", "any") and change.is_removal:
                found.append(change)
                continue
            if on == "removal" or change.kind != "changed" or not change.is_price:
                continue
            assert isinstance(change.old, Decimal) and isinstance(change.new, Decimal)
            if change.delta is None:  # different currencies: the effective rates compare them
                continue
            if _trips(on, change.old, change.new, change.percent, threshold):
                found.append(change)
        tripped = {(c.provider, c.model) for c in found if isinstance(c, Change)}
        for shift in self.shifts:
            if (shift.provider, shift.model) in tripped or (shift.provider, None) in tripped:
                continue
            if _trips(on, shift.old, shift.new, shift.percent, threshold):
                found.append(shift)
        for row in self.impact:
            if row.old_monthly is not None and row.new_monthly is None:
                if on in ("removal", "any"):
                    found.append(row)
            elif (
                row.old_monthly is not None
                and row.new_monthly is not None
                and _trips(on, row.old_monthly, row.new_monthly, row.percent, threshold)
            ):
                found.append(row)
        return found


def _trips(
    on: str, old: Decimal, new: Decimal, percent: Decimal | None, threshold: Decimal
) -> bool:
    if old == new or on == "removal":
        return False
    direction = "increase" if new > old else "decrease"
    if on not in (direction, "any"):
        return False
    return percent is None or abs(percent) > threshold


def percent_change(old: Decimal, new: Decimal) -> Decimal | None:
    if old == 0:
        return None
    with money_context():
        return (new - old) / old * 100


def _text(value: Any) -> Value:
    if value is None or isinstance(value, Decimal | str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, dt.datetime):
        return format_moment(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value)
    return str(value)


class _Differ:
    def __init__(self, provider: str, currency: str, comparable: bool):
        self.provider = provider
        self.currency = currency
        self.comparable = comparable  # False when the two sides price in different currencies
        self.out: list[Change] = []

    def entry(self, model: str | None, path: str | None, kind: str, old: Value, new: Value) -> None:
        self.out.append(
            Change(self.provider, model, path, kind, old, new, None, None, self.currency)
        )

    def field(self, model: str | None, path: str, old: Any, new: Any) -> None:
        a, b = _text(old), _text(new)
        if a == b:
            return
        if a is None:
            self.entry(model, path, "added", None, b)
        elif b is None:
            self.entry(model, path, "removed", a, None)
        else:
            delta = percent = None
            if isinstance(a, Decimal) and isinstance(b, Decimal) and self.comparable:
                delta, percent = b - a, percent_change(a, b)
            self.out.append(
                Change(self.provider, model, path, "changed", a, b, delta, percent, self.currency)
            )

    def rates(self, model: str | None, prefix: str, old: Rates, new: Rates) -> None:
        for name in RATE_FIELDS:
            self.field(model, prefix + name, getattr(old, name), getattr(new, name))

    def tiers(self, model: str, prefix: str, old: Sequence[Rates], new: Sequence[Rates]) -> None:
        if len(old) == 1 and len(new) == 1:
            self.rates(model, prefix, old[0], new[0])
            return
        for index in range(max(len(old), len(new))):
            place = f"{prefix}tiers[{index}]"
            if index >= len(old):
                self.entry(model, place, "added", None, _tier_text(new[index]))
            elif index >= len(new):
                self.entry(model, place, "removed", _tier_text(old[index]), None)
            else:
                self.field(model, f"{place}.up_to", old[index].up_to, new[index].up_to)
                self.rates(model, f"{place}.", old[index], new[index])

    def windows(
        self, model: str, prefix: str, old: Sequence[Window], new: Sequence[Window]
    ) -> None:
        for index in range(max(len(old), len(new))):
            place = f"{prefix}windows[{index}]"
            if index >= len(old):
                self.entry(model, place, "added", None, new[index].name)
            elif index >= len(new):
                self.entry(model, place, "removed", old[index].name, None)
            else:
                a, b = old[index], new[index]
                self.field(model, f"{place}.name", a.name, b.name)
                self.field(model, f"{place}.days", _days(a), _days(b))
                self.field(model, f"{place}.hours", _hours(a), _hours(b))
                self.field(model, f"{place}.multiplier", a.multiplier, b.multiplier)
                if a.rates is not None and b.rates is not None:
                    self.rates(model, f"{place}.", a.rates, b.rates)

    def period(
        self,
        model: str,
        prefix: str,
        old: Period,
        new: Period,
        sheets: tuple[PriceSheet, PriceSheet],
    ) -> None:
        self.tiers(model, prefix, old.tiers, new.tiers)
        self.windows(model, prefix, old.windows, new.windows)
        # A sheet-wide batch multiplier change is reported once, on the provider, not on every model
        inherited = old.batch_multiplier == sheets[0].batch_multiplier and (
            new.batch_multiplier == sheets[1].batch_multiplier
        )
        if not inherited:
            self.field(
                model, prefix + "batch_multiplier", old.batch_multiplier, new.batch_multiplier
            )
        self.service_tiers(model, prefix, old, new)
        self.field(model, prefix + "note", old.note, new.note)

    def service_tiers(self, model: str, prefix: str, old: Period, new: Period) -> None:
        """Service tiers other than a `batch_multiplier` (that one is compared above)."""
        before = {t.name: t for t in old.service_tiers}
        after = {t.name: t for t in new.service_tiers}
        for name in sorted(before.keys() | after.keys()):
            place = f"{prefix}service_tiers.{name}"
            a, b = before.get(name), after.get(name)
            if a is None and b is not None:
                self.entry(model, place, "added", None, _service_text(b))
            elif b is None and a is not None:
                self.entry(model, place, "removed", _service_text(a), None)
            elif a is None or b is None:
                continue
            elif a.multiplier is not None and b.multiplier is not None:
                self.field(model, f"{place}.multiplier", a.multiplier, b.multiplier)
            elif a.tiers is not None and b.tiers is not None:
                self.tiers(model, place + ".", a.tiers, b.tiers)
            else:
                self.field(model, place, _service_text(a), _service_text(b))

    def model(
        self, old: ModelPrice, new: ModelPrice, sheets: tuple[PriceSheet, PriceSheet]
    ) -> None:
        mid = new.id
        self.field(mid, "name", old.name, new.name)
        self.field(mid, "aliases", tuple(sorted(old.aliases)), tuple(sorted(new.aliases)))
        self.field(mid, "context_window", old.context_window, new.context_window)
        self.field(mid, "retired", old.retired, new.retired)
        self.field(mid, "since", old.periods[0].since, new.periods[0].since)
        self.period(mid, "", old.current, new.current, sheets)
        old_past = list(reversed(old.periods[:-1]))  # newest first, as sheets list them
        new_past = list(reversed(new.periods[:-1]))
        old_by_until = {p.until: (i, p) for i, p in enumerate(old_past)}
        new_untils = {p.until for p in new_past}
        for index, period in enumerate(new_past):
            place = f"history[{index}]"
            until = "" if period.until is None else format_moment(period.until)
            if period.until not in old_by_until:
                self.entry(mid, place, "added", None, f"until {until}")
                continue
            before = old_by_until[period.until][1]
            self.field(mid, f"{place}.since", before.since, period.since)
            self.period(mid, place + ".", before, period, sheets)
        for index, period in enumerate(old_past):
            if period.until not in new_untils:
                until = "" if period.until is None else format_moment(period.until)
                self.entry(mid, f"history[{index}]", "removed", f"until {until}", None)

    def claims(self, old: Sequence[TrainingClaim], new: Sequence[TrainingClaim]) -> None:
        before = {c.model: c for c in old}
        after = {c.model: c for c in new}
        for name in sorted(before.keys() | after.keys()):
            place = f"training_claims[{name}]"
            if name not in before:
                self.entry(None, place, "added", None, _text(after[name].claim))
            elif name not in after:
                self.entry(None, place, "removed", _text(before[name].claim), None)
            else:
                for key in (
                    "claim",
                    "bound",
                    "currency",
                    "covers",
                    "source",
                    "gpu",
                    "gpu_count",
                    "gpu_hours",
                    "gpu_hour_price",
                    "active_params",
                    "training_tokens",
                    "flops",
                    "note",
                ):
                    self.field(
                        None,
                        f"{place}.{key}",
                        getattr(before[name], key),
                        getattr(after[name], key),
                    )


def _days(window: Window) -> str:
    return ", ".join(DAYS[d] for d in window.days)


def _hours(window: Window) -> str:
    return ", ".join(
        f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in window.hours
    )


def _service_text(tier: ServiceTier) -> str:
    if tier.multiplier is not None:
        return f"x{tier.multiplier}"
    assert tier.tiers is not None
    return "; ".join(_tier_text(t) for t in tier.tiers)


def _tier_text(tier: Rates) -> str:
    bound = "and above" if tier.up_to is None else f"up to {tier.up_to:,}"
    return f"{bound}: input {tier.input}, output {tier.output}"


def diff_sheets(old: PriceSheet, new: PriceSheet) -> list[Change]:
    differ = _Differ(new.provider, new.currency, comparable=old.currency == new.currency)
    differ.field(None, "currency", old.currency, new.currency)
    differ.field(None, "name", old.name, new.name)
    differ.field(None, "source", old.source, new.source)
    differ.field(None, "checked", old.checked, new.checked)
    differ.field(None, "batch_multiplier", old.batch_multiplier, new.batch_multiplier)
    before = {m.id: m for m in old.models}
    after = {m.id: m for m in new.models}
    for mid in sorted(before.keys() | after.keys()):
        if mid not in before:
            differ.entry(mid, None, "added", None, after[mid].name)
        elif mid not in after:
            differ.entry(mid, None, "removed", before[mid].name, None)
        else:
            differ.model(before[mid], after[mid], (old, new))
    differ.claims(old.claims, new.claims)
    return differ.out


@in_money_context
def diff_catalogs(old: Catalog, new: Catalog) -> list[Change]:
    """Every change from `old` to `new`, sorted by provider, then model, in field order."""
    changes: list[Change] = []
    for slug in sorted(old.sheets.keys() | new.sheets.keys()):
        if slug not in old.sheets:
            sheet = new.sheets[slug]
            changes.append(
                Change(slug, None, None, "added", None, sheet.name, None, None, sheet.currency)
            )
        elif slug not in new.sheets:
            sheet = old.sheets[slug]
            changes.append(
                Change(slug, None, None, "removed", sheet.name, None, None, None, sheet.currency)
            )
        else:
            found = diff_sheets(old.sheets[slug], new.sheets[slug])
            found.sort(key=lambda c: "" if c.model is None else c.model)  # stable: field order kept
            changes.extend(found)
    return changes


def _models(catalog: Catalog) -> dict[str, ModelPrice]:
    return {m.ref: m for m in catalog.models}


def _monthly(
    catalog: Catalog, model: ModelPrice | None, workload: Workload, at: dt.datetime, currency: str
) -> Decimal | None:
    if model is None:
        return None
    period = model.period_at(at)
    if period is None:
        return None
    try:
        fx = None if catalog.fx is None else catalog.fx.at(at)
        factor = conversion_pair(fx, model.currency, currency)
    except AicostError as exc:
        raise AicostError(
            f"cannot price workload {workload.name!r} on {model.ref} in {currency}: {exc.message}",
            hint=exc.hint or "add the rate to fx.yaml or pick another --currency",
        ) from None
    row = price_workload(model, period, workload, factor, currency)
    return row.monthly if row.monthly is not None else row.total


@in_money_context
def workload_impact(
    old: Catalog,
    new: Catalog,
    workloads: Sequence[Workload],
    changes: Sequence[Change],
    *,
    at: dt.datetime,
    currency: str,
) -> list[Impact]:
    """Monthly cost (the total for `per: once`) of each workload on each model whose cost moved.

    A workload pinned to a model (`model:`) always gets its row; others get one per changed model.
    """
    before, after = _models(old), _models(new)
    touched_providers = {c.provider for c in changes}
    refs = sorted(
        ref for ref in before.keys() | after.keys() if ref.split("/", 1)[0] in touched_providers
    )
    rows: list[Impact] = []
    for workload in workloads:
        pinned: list[str] = []
        if workload.model:
            pinned = sorted({m.ref for c in (new, old) for m in c.match(workload.model)})
            if not pinned:
                raise new.unknown(workload.model)
            if len(pinned) > 1:
                new.resolve(workload.model)  # raises the ambiguity error with candidates
        for ref in pinned or refs:
            a = _monthly(old, before.get(ref), workload, at, currency)
            b = _monthly(new, after.get(ref), workload, at, currency)
            if a == b and not pinned:
                continue
            delta = None if a is None or b is None else b - a
            percent = None if a is None or b is None else percent_change(a, b)
            provider, _, model = ref.partition("/")
            rows.append(Impact(workload.name, provider, model, currency, a, b, delta, percent))
    return rows


@in_money_context
def diff(
    old: Catalog,
    new: Catalog,
    workloads: Sequence[Workload] = (),
    *,
    at: dt.datetime,
    currency: str = "USD",
) -> CatalogDiff:
    changes = diff_catalogs(old, new)
    impact = (
        workload_impact(old, new, workloads, changes, at=at, currency=currency) if workloads else []
    )
    shifts, gaps = rate_shifts(old, new) if changes else ([], [])
    return CatalogDiff(tuple(changes), tuple(impact), tuple(shifts), tuple(gaps))


def summary(result: CatalogDiff) -> dict[str, int]:
    """Counts for the headline: price increases, decreases, entries added and removed, other edits."""
    counts = {"increases": 0, "decreases": 0, "added": 0, "removed": 0, "other": 0}
    for change in result.changes:
        if change.kind == "changed" and change.is_price:
            assert isinstance(change.old, Decimal) and isinstance(change.new, Decimal)
            counts["increases" if change.new > change.old else "decreases"] += 1
        elif change.path is None:
            counts[change.kind] += 1
        else:
            counts["other"] += 1
    return counts


def iter_providers(changes: Sequence[Change]) -> Iterator[tuple[str, list[Change]]]:
    current: list[Change] = []
    for change in changes:
        if current and current[0].provider != change.provider:
            yield current[0].provider, current
            current = []
        current.append(change)
    if current:
        yield current[0].provider, current
