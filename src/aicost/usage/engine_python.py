"""The reference usage engine: pure Python and Decimal, streaming, exact. Other engines must equal it.

Each record is priced at its own moment: the model's history period in force then, the discount
window in force at that minute of that weekday (first match wins), the tier its prompt falls in
(a bucket of N requests: its average prompt, flagged), and its service tier. Records that share
all of these (and one exchange-rate date and one `--by` group) share one price, so their token
counts are summed as integers first and multiplied once per group at the end: exact, because a
sum of products equals the product of the sum in Decimal when nothing is rounded, and fast.

Duplicates (one `dedup_key`) are resolved as they stream: the first is counted at once; a later
one with a higher `dedup_rank` takes its place by subtracting the earlier counts from the groups
they went to (integer sums make this exact). Memory grows with one small entry per dedup key, and
with the number of groups; never with the number of records otherwise.
"""

from __future__ import annotations

import datetime as dt
import difflib
import gc
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from aicost.engine.estimate import conversion_pair
from aicost.engine.price_table import periods_in_force
from aicost.engine.pricing import MILLION, Parts, window_index_at
from aicost.engine.report import (
    ServiceTierNotOffered,
    UnpricedUsage,
    UsageCoverage,
    UsageResult,
    UsageRow,
    UsageTotals,
)
from aicost.model.catalog import Catalog
from aicost.model.errors import AicostError
from aicost.model.limits import in_money_context
from aicost.model.prices import ModelPrice, Period, Rates, ServiceTier, choose_tier
from aicost.usage.record import STANDARD, Malformed, UsageRecord

GROUP_KEYS = (
    "provider",
    "model",
    "day",
    "week",
    "month",
    "project",
    "session",
    "user",
    "key",
    "workspace",
    "team",
    "service",
    "service_tier",
)
TIME_KEYS = ("day", "week", "month")
DIM_KEYS = ("project", "session", "user", "key", "workspace", "team", "service")
TIER_HINT = "context_window"  # a dimension some sources (Anthropic's report) tier buckets by
DEFAULT_BY = ("provider", "model")
MALFORMED_SHOWN = 5

RecordSource = Callable[[], Iterable[UsageRecord | Malformed]]

# one record's counts, and a group's sums: records, requests, input (whole prompt), cache read,
# 5-minute and 1-hour cache writes, output (reasoning included), reasoning (informational)
_WIDTH = 8


@dataclass(frozen=True, slots=True)
class Target:
    """`usage compare`: price every record on `model`, with the period in force at `when`
    (None: each record's own moment). Windows always apply at the record's own minute."""

    model: ModelPrice
    when: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class PricedRecord:
    """One record with its cost (`--per-request`); `reason` says why it has none."""

    record: UsageRecord
    model_ref: str | None
    tier: int | None
    window: str | None
    service_tier_offered: bool
    currency: str
    parts: Parts | None
    reason: str | None = None


@dataclass(frozen=True)
class UsageOptions:
    currency: str = "USD"
    by: tuple[str, ...] = DEFAULT_BY
    since: dt.datetime | None = None  # inclusive
    until: dt.datetime | None = None  # exclusive
    strict: bool = False
    reconcile: bool = False
    targets: tuple[Target, ...] = ()  # compare
    when: str | None = None  # compare: how `targets` chose their period, for the report
    per_record: Callable[[PricedRecord], None] | None = None  # --per-request: a second pass


# -- model resolution -----------------------------------------------------------------------------


class _Model:
    """A catalog model with the stretches of time each of its periods is in force."""

    __slots__ = ("group", "here", "hi", "last", "lo", "model", "services", "spans")

    def __init__(self, model: ModelPrice) -> None:
        self.model = model
        index = {id(p): i for i, p in enumerate(model.periods)}
        self.spans = [(a, b, index[id(p)]) for a, b, p in periods_in_force(model)]
        self.last = self.spans[0] if self.spans else None
        self.group = (model.provider, model.id)  # the default `--by` group
        # [lo, hi): a stretch (within one minute, or one day when the period has no windows) in
        # which a record's period, window and date are all `here`; None until the first record
        self.lo: dt.datetime | None = None
        self.hi: dt.datetime | None = None
        self.here: _Slot | None = None
        # (period index, service tier name) -> (offered, the tiers it prices with)
        self.services: dict[tuple[int, str], tuple[bool, tuple[Rates, ...]]] = {}

    def settle(self, moment: dt.datetime) -> _Slot | None:
        """The slot `moment` falls in, cached with its stretch; None when no period is in force."""
        pidx = self.period_index(moment)
        if pidx is None:
            return None
        start, end, _ = self.last  # type: ignore[misc]  # period_index leaves the span found
        period = self.model.periods[pidx]
        if period.windows:
            lo = moment.replace(second=0, microsecond=0)
            step = _MINUTE
            widx = window_index_at(period, moment)
        else:
            lo = moment.replace(hour=0, minute=0, second=0, microsecond=0)
            step = _DAY
            widx = None
        hi = lo + step if lo < _LAST_STEP else lo
        here = _Slot(pidx, widx, moment.date(), self.ref)
        self.lo, self.hi, self.here = max(lo, start), min(hi, end), here
        return here

    @property
    def ref(self) -> str:
        return self.model.ref

    def service(self, pidx: int, name: str) -> tuple[bool, tuple[Rates, ...]]:
        key = (pidx, name)
        found = self.services.get(key)
        if found is None:
            period = self.model.periods[pidx]
            offered, tiers = True, period.tiers
            if name != STANDARD:
                service = period.service_tier(name)
                if service is None:
                    offered = False
                elif service.multiplier is None:
                    assert service.tiers is not None
                    tiers = service.tiers
            found = self.services[key] = (offered, tiers)
        return found

    def period_index(self, moment: dt.datetime) -> int | None:
        last = self.last
        if last is not None and last[0] <= moment < last[1]:
            return last[2]
        for span in self.spans:
            if span[0] <= moment < span[1]:
                self.last = span
                return span[2]
        return None

    def no_price_reason(self, moment: dt.datetime) -> str:
        retired = self.model.retired
        if retired is not None and moment >= retired:
            return "retired"
        if all(start > moment for start, _, _ in self.spans):
            return "not yet priced"
        return "no price then"


_MINUTE = dt.timedelta(minutes=1)
_DAY = dt.timedelta(days=1)
_LAST_STEP = dt.datetime.max - _DAY  # no stretch reaches past the last representable moment


class _Slot:
    """What records of one model share within one stretch: period and window indexes, date,
    model ref, and per service tier name: (offered, its tiers when more than one, the cells
    records went to there, by group or by (tier, how chosen, group)), so the full cell key is
    built once per stretch and group."""

    __slots__ = ("day", "kinds", "pidx", "ref", "widx")

    def __init__(
        self,
        pidx: int,
        widx: int | None,
        day: dt.date,
        ref: str,
    ) -> None:
        self.pidx, self.widx, self.day, self.ref = pidx, widx, day, ref
        self.kinds: dict[str, tuple[bool, tuple[Rates, ...] | None, dict[Any, list[int]]]] = {}


@dataclass(frozen=True, slots=True)
class _NotFound:
    reason: str  # "unknown model" or "ambiguous model"
    suggestions: tuple[str, ...]


class _Resolver:
    """Model names as logged -> catalog models, case-insensitive, cached per (provider, name)."""

    def __init__(self, catalog: Catalog) -> None:
        self.by_provider: dict[str, dict[str, list[ModelPrice]]] = {}
        self.names: dict[str, list[ModelPrice]] = {}
        for model in catalog.models:
            own = self.by_provider.setdefault(model.provider, {})
            for name in dict.fromkeys(n.lower() for n in (model.id, *model.aliases)):
                own.setdefault(name, []).append(model)
                self.names.setdefault(name, []).append(model)
        self.wrapped: dict[str, _Model] = {}
        self.cache: dict[str | None, dict[str, _Model | _NotFound]] = {}  # provider -> name ->

    def wrap(self, model: ModelPrice) -> _Model:
        found = self.wrapped.get(model.ref)
        if found is None:
            found = self.wrapped[model.ref] = _Model(model)
        return found

    def resolve(self, provider: str | None, name: str) -> _Model | _NotFound:
        names = self.cache.get(provider)
        if names is None:
            names = self.cache[provider] = {}
        found = names.get(name)
        if found is None:
            found = names[name] = self._resolve(provider, name)
        return found

    def _resolve(self, provider: str | None, name: str) -> _Model | _NotFound:
        low = name.strip().lower()
        slug = (provider or "").strip().lower()
        if slug not in self.by_provider:
            head, _, rest = low.partition("/")
            slug = head if rest and head in self.by_provider else ""
        if slug:
            if low.startswith(slug + "/"):
                low = low[len(slug) + 1 :]
            names = self.by_provider[slug]
            matches = names.get(low, [])
        else:
            names = self.names
            matches = names.get(low, [])
        if len(matches) == 1:
            return self.wrap(matches[0])
        if matches:
            return _NotFound("ambiguous model", tuple(sorted(m.ref for m in matches)))
        close = difflib.get_close_matches(low, sorted(names), n=3, cutoff=0.6)
        refs = [names[c][0].ref if len(names[c]) == 1 else c for c in close]
        return _NotFound("unknown model", tuple(dict.fromkeys(refs)))


# -- choosing a tier -------------------------------------------------------------------------------

EXACT, BY_AVERAGE, UNKNOWN = 0, 1, 2  # how a record's tier was chosen


def _hint_prompt(hint: str) -> int | None:
    """A prompt size inside a `context_window` range such as "0-200k" or "200k-1M": the range's
    top when it starts at 0, else one token above its bottom (so "0-200k" is priced at the tier
    that holds 200,000 tokens and "200k-1M" at the one that holds 200,001). None: not a range."""
    low, dash, high = hint.strip().lower().partition("-")
    if not dash:
        return None
    bounds = []
    for text in (low, high):
        scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
        digits = text[:-1] if scale != 1 else text
        if not digits.isdigit():
            return None
        bounds.append(int(digits) * scale)
    if bounds[1] <= bounds[0]:
        return None
    return bounds[1] if bounds[0] == 0 else bounds[0] + 1


def _tier_of(tiers: tuple[Rates, ...], r: UsageRecord) -> tuple[int, int]:
    """(tier index, how it was chosen) for a tiered model.

    A record that carries a `context_window` hint (Anthropic's usage report grouped by it) is
    tiered by the hint and never by its token sums, which add up many requests; an unreadable or
    missing hint ("unknown") prices it at the lowest tier and says so. Other buckets of N requests
    use the average prompt, rounded up; a single request its own prompt.
    """
    if r.dims:
        for name, value in r.dims:
            if name == TIER_HINT:
                prompt = _hint_prompt(value)
                if prompt is None:
                    return 0, UNKNOWN
                return choose_tier(tiers, prompt)[0], EXACT
    if r.requests > 1:
        return choose_tier(tiers, -(-r.input_tokens // r.requests))[0], BY_AVERAGE
    return choose_tier(tiers, r.input_tokens)[0], EXACT


# -- pricing a group ------------------------------------------------------------------------------


def _rates(
    period: Period, tier: int, window: int | None, service: ServiceTier | None
) -> tuple[Rates, Decimal]:
    """The rates and the multiplier on them for one (tier, window, service tier) of a period.

    A window's multiplier scales the list price, its explicit rates replace it; a service tier's
    multiplier scales the result, its explicit rates replace everything at their own tier
    (as `pricing.service_tier_parts`).
    """
    if service is not None and service.multiplier is None:
        assert service.tiers is not None
        return service.tiers[tier], Decimal(1)
    rates = period.tiers[tier]
    factor = Decimal(1)
    if window is not None:
        chosen = period.windows[window]
        if chosen.rates is not None:
            rates = chosen.rates
        else:
            assert chosen.multiplier is not None
            factor = chosen.multiplier
    if service is not None and service.multiplier is not None:
        factor = factor * service.multiplier
    return rates, factor


def _parts(rates: Rates, factor: Decimal, sums: list[int] | tuple[int, ...]) -> Parts:
    fresh = sums[2] - sums[3] - sums[4] - sums[5]
    writes = sums[4] * rates.cache_write_rate + sums[5] * rates.cache_write_1h_rate
    return Parts(
        input=fresh * rates.input * factor / MILLION,
        cached=sums[3] * rates.cached_rate * factor / MILLION,
        cache_write=writes * factor / MILLION,
        output=sums[6] * rates.output * factor / MILLION,
    )


# -- the engine -----------------------------------------------------------------------------------


def _vector(r: UsageRecord) -> tuple[int, ...]:
    return (
        1,
        r.requests,
        r.input_tokens,
        r.cache_read,
        r.cache_write_5m,
        r.cache_write_1h,
        r.output_tokens,
        r.reasoning_tokens,
    )


def _invalid(r: UsageRecord) -> str | None:
    """Why a record's counts cannot be priced, or None (readers should not let these through)."""
    if r.requests < 1:
        return f"requests must be at least 1, not {r.requests}"
    counts = (r.input_tokens, r.cache_read, r.cache_write_5m, r.cache_write_1h, r.output_tokens)
    if min(counts) < 0 or r.reasoning_tokens < 0:
        return "a negative token count"
    if r.cache_read + r.cache_write_5m + r.cache_write_1h > r.input_tokens:
        return "cache reads and writes exceed the input tokens (they are parts of it)"
    if r.reasoning_tokens > r.output_tokens:
        return "reasoning tokens exceed the output tokens (they are part of it)"
    return None


class _Run:
    """The state of one pass: groups of token sums, unpriced counts, dedup entries."""

    def __init__(self, catalog: Catalog, options: UsageOptions) -> None:
        for key in options.by:
            if key not in GROUP_KEYS:
                raise AicostError(
                    f"unknown --by key {key!r}", hint="use one of " + ", ".join(GROUP_KEYS)
                )
        self.catalog = catalog
        self.options = options
        self.resolver = _Resolver(catalog)
        self.targets = [(t, self.resolver.wrap(t.model)) for t in options.targets]
        self.default_by = options.by == DEFAULT_BY
        self.reconcile = options.reconcile
        # (target number, model ref, period, tier, window, service tier, offered, by average,
        #  date, group) -> sums; target 0 is the records' own model
        self.cells: dict[tuple[Any, ...], list[int]] = {}
        # (target number, provider, model, reason, date, group) -> sums
        self.unpriced: dict[tuple[Any, ...], list[int]] = {}
        self.reported: dict[tuple[Any, ...], list[Any]] = {}  # (group, date, currency) -> [sum, n]
        self.suggestions: dict[tuple[str | None, str], tuple[str, ...]] = {}
        self.dedup: dict[str, tuple[Any, ...]] = {}
        self.read = self.malformed = self.duplicates = self.outside = 0
        self.examples: list[str] = []
        self.ordinal = 0

    def group_of(self, r: UsageRecord, own: _Model | _NotFound) -> tuple[Any, ...]:
        values: list[Any] = []
        dims = dict(r.dims) if r.dims else {}
        for key in self.options.by:
            if key == "provider":
                values.append(own.model.provider if isinstance(own, _Model) else r.provider or "")
            elif key == "model":
                values.append(own.model.id if isinstance(own, _Model) else r.model)
            elif key == "service_tier":
                values.append(r.service_tier)
            elif key in TIME_KEYS:
                values.append(None)  # from the cell's date at the end
            else:
                values.append(dims.get(key, ""))
        return tuple(values)

    def place(
        self, number: int, wrapped: _Model, r: UsageRecord, at: dt.datetime, group: tuple[Any, ...]
    ) -> tuple[list[int], str | None]:
        """The group a record goes to on one model, priced with the period in force at `at`."""
        pidx = wrapped.period_index(at)
        model = wrapped.model
        if pidx is None:
            reason = wrapped.no_price_reason(at)
            key = (number, model.provider, model.id, reason, r.ts.date(), group)
            cell = self.unpriced.get(key)
            if cell is None:
                cell = self.unpriced[key] = [0] * _WIDTH
            return cell, reason
        period = model.periods[pidx]
        widx = window_index_at(period, r.ts) if period.windows else None
        name = r.service_tier
        offered = True
        tiers = period.tiers
        if name != STANDARD:
            service = period.service_tier(name)
            if service is None:
                offered = False
            elif service.multiplier is None:
                assert service.tiers is not None
                tiers = service.tiers
        tidx = 0
        average = EXACT
        if len(tiers) > 1:
            tidx, average = _tier_of(tiers, r)
        ckey = (number, model.ref, pidx, tidx, widx, name, offered, average, r.ts.date(), group)
        cell = self.cells.get(ckey)
        if cell is None:
            cell = self.cells[ckey] = [0] * _WIDTH
        return cell, None

    def place_unknown(self, r: UsageRecord, found: _NotFound, group: tuple[Any, ...]) -> list[int]:
        self.suggestions[(r.provider, r.model)] = found.suggestions
        key = (0, r.provider, r.model, found.reason, r.ts.date(), group)
        cell = self.unpriced.get(key)
        if cell is None:
            cell = self.unpriced[key] = [0] * _WIDTH
        return cell

    def add(self, r: UsageRecord) -> None:
        """Count one record into every group it belongs to, resolving duplicates."""
        names = self.resolver.cache.get(r.provider)
        resolved = None if names is None else names.get(r.model)
        if resolved is None:
            resolved = self.resolver.resolve(r.provider, r.model)
        known = type(resolved) is _Model
        if not self.default_by:
            group = self.group_of(r, resolved)
        elif known:
            group = resolved.group  # type: ignore[union-attr]
        else:
            group = (r.provider or "", r.model)
        cell: list[int] | None = None
        priced = False
        if known:
            cell = self._own(resolved, r, group)  # type: ignore[arg-type]
            if cell is None:
                cell, why = self.place(0, resolved, r, r.ts, group)  # type: ignore[arg-type]
                priced = why is None
            else:
                priced = True
        else:
            cell = self.place_unknown(r, resolved, group)  # type: ignore[arg-type]
        cells = [cell]
        if self.targets:
            for number, (target, wrapped) in enumerate(self.targets, start=1):
                at = r.ts if target.when is None else target.when
                cells.append(self.place(number, wrapped, r, at, group)[0])
        reported = None
        # what the source reported is set beside our price only where there is one to compare
        if self.reconcile and priced and r.reported_cost is not None:
            rkey = (group, r.ts.date(), (r.reported_currency or "USD").upper())
            reported = self.reported.get(rkey)
            if reported is None:
                reported = self.reported[rkey] = [Decimal(0), 0]
            reported[0] += r.reported_cost
            reported[1] += 1
        requests, prompt, cache_read = r.requests, r.input_tokens, r.cache_read
        write_5m, write_1h = r.cache_write_5m, r.cache_write_1h
        output, reasoning = r.output_tokens, r.reasoning_tokens
        for each in cells:
            each[0] += 1
            each[1] += requests
            each[2] += prompt
            each[3] += cache_read
            each[4] += write_5m
            each[5] += write_1h
            each[6] += output
            each[7] += reasoning
        if r.dedup_key is not None:
            self.dedup[r.dedup_key] = (
                r.dedup_rank,
                self.ordinal,
                cells,
                _vector(r),
                reported,
                r.reported_cost,
            )

    def _cell(
        self, here: _Slot, tidx: int, average: int, name: str, offered: bool, group: tuple[Any, ...]
    ) -> list[int]:
        key = (0, here.ref, here.pidx, tidx, here.widx, name, offered, average, here.day, group)
        cell = self.cells.get(key)
        if cell is None:
            cell = self.cells[key] = [0] * _WIDTH
        return cell

    def _own(self, wrapped: _Model, r: UsageRecord, group: tuple[Any, ...]) -> list[int] | None:
        """The cell a record goes to on its own model, at its own moment, through the model's
        cached stretch; None when no period is in force then (`place` says why)."""
        ts = r.ts
        lo = wrapped.lo
        if lo is not None and lo <= ts < wrapped.hi:  # type: ignore[operator]
            here = wrapped.here
        else:
            here = wrapped.settle(ts)
            if here is None:
                return None
        assert here is not None
        name = r.service_tier
        kind = here.kinds.get(name)
        if kind is None:
            offered, tiers = wrapped.service(here.pidx, name)
            kind = here.kinds[name] = (offered, tiers if len(tiers) > 1 else None, {})
        offered, tiered, cells = kind
        if tiered is None:  # one tier: cells keyed by group alone
            cell = cells.get(group)
            if cell is None:
                cell = cells[group] = self._cell(here, 0, EXACT, name, offered, group)
        else:
            tidx, average = _tier_of(tiered, r)
            skey = (tidx, average, group)
            cell = cells.get(skey)
            if cell is None:
                cell = cells[skey] = self._cell(here, tidx, average, name, offered, group)
        return cell

    def remove(self, entry: tuple[Any, ...]) -> None:
        _, _, cells, vector, reported, amount = entry
        for cell in cells:
            for i in range(_WIDTH):
                cell[i] -= vector[i]
        if reported is not None:
            reported[0] -= amount
            reported[1] -= 1

    def bad(self, where: str, reason: str) -> None:
        self.malformed += 1
        if self.options.strict:
            raise AicostError(
                f"{where}: {reason}",
                hint="without --strict, malformed lines are skipped and counted",
            )
        if len(self.examples) < MALFORMED_SHOWN:
            self.examples.append(f"{where}: {reason}")

    def stream(self, records: Iterable[UsageRecord | Malformed]) -> None:
        since, until = self.options.since, self.options.until
        dedup = self.dedup
        for r in records:
            if type(r) is not UsageRecord:
                assert isinstance(r, Malformed)
                self.bad(r.where, r.reason)
                continue
            self.read += 1
            ts = r.ts
            if (since is not None and ts < since) or (until is not None and ts >= until):
                self.outside += 1
                continue
            # the checks of `_invalid` in one expression; it says why when one fails
            cache_read, write_5m, write_1h = r.cache_read, r.cache_write_5m, r.cache_write_1h
            if not (
                r.requests >= 1
                and cache_read >= 0
                and write_5m >= 0
                and write_1h >= 0
                and cache_read + write_5m + write_1h <= r.input_tokens
                and 0 <= r.reasoning_tokens <= r.output_tokens
            ):
                problem = _invalid(r)
                assert problem is not None
                self.bad(r.where or "a record", problem)
                continue
            self.ordinal += 1
            key = r.dedup_key
            if key is not None:
                entry = dedup.get(key)
                if entry is not None:
                    self.duplicates += 1
                    if r.dedup_rank <= entry[0]:
                        continue
                    self.remove(entry)
            self.add(r)


def _week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


_TIME_LABEL: dict[str, Callable[[dt.date], str]] = {
    "day": dt.date.isoformat,
    "week": _week,
    "month": lambda d: f"{d.year:04d}-{d.month:02d}",
}


class _Finish:
    """Turn token sums into money: one multiplication per group, then conversion and rows."""

    def __init__(self, run: _Run) -> None:
        self.run = run
        self.options = run.options
        self.fx_pairs: dict[tuple[str, dt.date], tuple[Decimal, Decimal]] = {}
        self.fx_used: dict[dt.date, dict[str, Decimal]] = {}

    def pair(self, source: str, day: dt.date) -> tuple[Decimal, Decimal]:
        key = (source, day)
        found = self.fx_pairs.get(key)
        if found is None:
            fx = self.run.catalog.fx
            dated = None if fx is None else fx.at(day)
            found = self.fx_pairs[key] = conversion_pair(dated, source, self.options.currency)
            if source != self.options.currency and dated is not None:
                self.fx_used[dated.date] = dated.rates
        return found

    def label(self, group: tuple[Any, ...], day: dt.date) -> tuple[tuple[str, str], ...]:
        return tuple(
            (key, _TIME_LABEL[key](day) if key in TIME_KEYS else str(value))
            for key, value in zip(self.options.by, group, strict=True)
        )

    def fx_day(self, number: int, day: dt.date) -> dt.date:
        if number == 0:
            return day
        when = self.options.targets[number - 1].when
        return day if when is None else when.date()


def _sum(a: list[int], b: list[int] | tuple[int, ...]) -> None:
    for i in range(_WIDTH):
        a[i] += b[i]


@in_money_context
def price(source: RecordSource, catalog: Catalog, options: UsageOptions) -> UsageResult:
    """Price the records of `source` (a callable giving a fresh stream each time it is called)."""
    run = _Run(catalog, options)
    # The groups and dedup entries are long-lived containers; the cyclic collector would walk
    # them again and again as they grow (nothing here makes cycles), so it pauses for the stream.
    paused = gc.isenabled()
    gc.disable()
    try:
        run.stream(source())
    finally:
        if paused:
            gc.enable()
    finish = _Finish(run)
    resolver = run.resolver
    costs = Costs()
    for key, sums in run.cells.items():
        if not sums[0]:
            continue
        number, ref, pidx, tidx, widx, name, offered, average, day, group = key
        model = resolver.wrapped[ref].model
        period = model.periods[pidx]
        service = period.service_tier(name) if offered and name != STANDARD else None
        rates, factor = _rates(period, tidx, widx, service)
        costs.add(number, group, day, model.currency, sums, _parts(rates, factor, sums))
        if not offered:
            costs.not_offered_in(number, ref, name, sums[0])
        if average == BY_AVERAGE and number == 0:
            costs.tier_by_average += sums[0]
        elif average == UNKNOWN and number == 0:
            costs.tier_unknown += sums[0]
    return assemble(run, finish, costs, source)


class Costs:
    """Priced token sums and their exact (unconverted) cost parts, per output row and per
    (source currency, exchange-rate date): conversion happens once per such pair, in one order,
    so how an engine split the records into cells cannot change a single digit of the result."""

    def __init__(self) -> None:
        # (number, group, day) -> {currency: [sums, parts]}
        self.cells: dict[tuple[Any, ...], dict[str, list[Any]]] = {}
        self.not_offered: dict[tuple[int, str, str], int] = {}
        self.tier_by_average = 0
        self.tier_unknown = 0  # buckets with no tier hint, priced at the lowest tier

    def add(
        self,
        number: int,
        group: tuple[Any, ...],
        day: dt.date,
        currency: str,
        sums: list[int] | tuple[int, ...],
        parts: Parts,
    ) -> None:
        by_currency = self.cells.setdefault((number, group, day), {})
        found = by_currency.get(currency)
        if found is None:
            by_currency[currency] = [list(sums), parts]
            return
        _sum(found[0], sums)
        found[1] = found[1].plus(parts)

    def not_offered_in(self, number: int, ref: str, name: str, records: int) -> None:
        key = (number, ref, name)
        self.not_offered[key] = self.not_offered.get(key, 0) + records


def assemble(run: _Run, finish: _Finish, costs: Costs, source: RecordSource) -> UsageResult:
    """The result from priced costs and the run's unpriced counts (shared by every engine)."""
    options = run.options
    labels = [None, *(t.model.ref for t in options.targets)]
    # row -> [sums, converted parts]
    rows: dict[tuple[Any, ...], list[Any]] = {}
    for (number, group, day), by_currency in sorted(
        costs.cells.items(), key=lambda item: (item[0][0], _order(item[0][1]), item[0][2])
    ):
        row_key = (number, finish.label(group, day))
        row = rows.get(row_key)
        if row is None:
            row = rows[row_key] = [[0] * _WIDTH, Parts(*[Decimal(0)] * 4)]
        for currency in sorted(by_currency):
            sums, parts = by_currency[currency]
            _sum(row[0], sums)
            row[1] = row[1].plus(parts.scaled(*finish.pair(currency, finish.fx_day(number, day))))
    not_offered = {
        (labels[number], ref, name): count
        for (number, ref, name), count in costs.not_offered.items()
    }
    tier_by_average = costs.tier_by_average
    tier_unknown = costs.tier_unknown

    unpriced: dict[tuple[Any, ...], list[int]] = {}
    unpriced_by_row: dict[tuple[Any, ...], int] = {}  # compare: a target's unpriced, per row
    for key, sums in run.unpriced.items():
        if not sums[0]:
            continue
        number, provider, model_name, reason, day, group = key
        ukey = (number, provider, model_name, reason)
        found = unpriced.get(ukey)
        if found is None:
            found = unpriced[ukey] = [0] * _WIDTH
        _sum(found, sums)
        if number or options.targets:  # compare: each row says what it could not price
            row_key = (number, finish.label(group, day))
            unpriced_by_row[row_key] = unpriced_by_row.get(row_key, 0) + sums[0]

    reported: dict[tuple[tuple[str, str], ...], list[Any]] = {}
    for (group, day, code), (amount, count) in run.reported.items():
        if not count:
            continue
        label = finish.label(group, day)
        value = amount
        if code != options.currency:
            multiply, divide = finish.pair(code, day)
            value = amount * multiply / divide
        entry = reported.setdefault(label, [Decimal(0), 0])
        entry[0] += value
        entry[1] += count

    out_rows = []
    for (number, label), (sums, parts) in rows.items():
        money = reported.get(label) if number == 0 else None
        out_rows.append(
            _row(
                label,
                labels[number],
                options.currency,
                sums,
                parts,
                money,
                unpriced_by_row.get((number, label), 0),
            )
        )
    if options.targets:  # targets with no priced record at all still get their row
        seen = {(r.target, r.group) for r in out_rows}
        for (number, label), count in unpriced_by_row.items():
            if (labels[number], label) not in seen:
                zero = Parts(*[Decimal(0)] * 4)
                out_rows.append(
                    _row(label, labels[number], options.currency, [0] * _WIDTH, zero, None, count)
                )
    order = {label: i for i, label in enumerate(labels)}
    out_rows.sort(key=lambda r: (r.group, order[r.target]))

    own = [r for r in out_rows if r.target is None]
    total_sums = [0] * _WIDTH
    total_parts = Parts(*[Decimal(0)] * 4)
    for each in own:
        _sum(total_sums, _row_sums(each))
        total_parts = total_parts.plus(
            Parts(each.input_cost, each.cached_cost, each.cache_write_cost, each.output_cost)
        )
    total_reported = None
    if options.reconcile:
        total_reported = sum((v[0] for v in reported.values()), Decimal(0))
    totals = UsageTotals(
        records=total_sums[0],
        requests=total_sums[1],
        input_tokens=total_sums[2],
        cache_read_tokens=total_sums[3],
        cache_write_5m_tokens=total_sums[4],
        cache_write_1h_tokens=total_sums[5],
        output_tokens=total_sums[6],
        reasoning_tokens=total_sums[7],
        input_cost=total_parts.input,
        cached_cost=total_parts.cached,
        cache_write_cost=total_parts.cache_write,
        output_cost=total_parts.output,
        total=total_parts.total,
        reported=total_reported,
    )
    unpriced_list = tuple(
        UnpricedUsage(
            target=labels[number],
            provider=provider,
            model=model_name,
            reason=reason,
            records=sums[0],
            requests=sums[1],
            input_tokens=sums[2],
            output_tokens=sums[6],
            suggestions=run.suggestions.get((provider, model_name), ()) if number == 0 else (),
        )
        for (number, provider, model_name, reason), sums in sorted(
            unpriced.items(), key=lambda item: (item[0][0], str(item[0][1]), item[0][2], item[0][3])
        )
    )
    own_unpriced = sum(u.records for u in unpriced_list if u.target is None)
    coverage = UsageCoverage(
        records_read=run.read,
        priced_records=totals.records,
        unpriced_records=own_unpriced,
        malformed=run.malformed,
        duplicates_dropped=run.duplicates,
        outside_dates=run.outside,
        tier_by_average=tier_by_average,
        tier_unknown=tier_unknown,
        unpriced=unpriced_list,
        service_tier_not_offered=tuple(
            ServiceTierNotOffered(target, ref, name, count)
            for (target, ref, name), count in sorted(
                not_offered.items(), key=lambda item: (str(item[0][0]), item[0][1], item[0][2])
            )
        ),
        malformed_examples=tuple(run.examples),
    )
    if options.per_record is not None:
        _per_record(run, finish, source, options.per_record)
    return UsageResult(
        by=tuple(options.by),
        rows=out_rows,
        totals=totals,
        coverage=coverage,
        currency=options.currency,
        fx_used=[{"date": d, "rates": finish.fx_used[d]} for d in sorted(finish.fx_used)],
        targets=tuple(t.model.ref for t in options.targets),
        when=options.when,
    )


def _order(group: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple("" if v is None else str(v) for v in group)


def _row_sums(row: UsageRow) -> tuple[int, ...]:
    return (
        row.records,
        row.requests,
        row.input_tokens,
        row.cache_read_tokens,
        row.cache_write_5m_tokens,
        row.cache_write_1h_tokens,
        row.output_tokens,
        row.reasoning_tokens,
    )


def _row(
    label: tuple[tuple[str, str], ...],
    target: str | None,
    currency: str,
    sums: list[int],
    parts: Parts,
    reported: list[Any] | None,
    unpriced: int,
) -> UsageRow:
    return UsageRow(
        group=label,
        target=target,
        currency=currency,
        records=sums[0],
        requests=sums[1],
        input_tokens=sums[2],
        cache_read_tokens=sums[3],
        cache_write_5m_tokens=sums[4],
        cache_write_1h_tokens=sums[5],
        output_tokens=sums[6],
        reasoning_tokens=sums[7],
        input_cost=parts.input,
        cached_cost=parts.cached,
        cache_write_cost=parts.cache_write,
        output_cost=parts.output,
        total=parts.total,
        reported=None if reported is None else reported[0],
        reported_records=0 if reported is None else reported[1],
        unpriced_records=unpriced,
    )


def _per_record(
    run: _Run, finish: _Finish, source: RecordSource, sink: Callable[[PricedRecord], None]
) -> None:
    """Second pass for `--per-request`: every record kept in the first pass, with its own cost."""
    options = run.options
    since, until = options.since, options.until
    ordinal = 0
    for r in source():
        if type(r) is not UsageRecord:
            continue
        if (since is not None and r.ts < since) or (until is not None and r.ts >= until):
            continue
        if _invalid(r) is not None:
            continue
        ordinal += 1
        if r.dedup_key is not None and run.dedup[r.dedup_key][1] != ordinal:
            continue
        sink(_price_one(run, finish, r))


def _price_one(run: _Run, finish: _Finish, r: UsageRecord) -> PricedRecord:
    currency = run.options.currency
    found = run.resolver.resolve(r.provider, r.model)
    if isinstance(found, _NotFound):
        return PricedRecord(r, None, None, None, True, currency, None, found.reason)
    model = found.model
    pidx = found.period_index(r.ts)
    if pidx is None:
        return PricedRecord(
            r, model.ref, None, None, True, currency, None, found.no_price_reason(r.ts)
        )
    period = model.periods[pidx]
    widx = window_index_at(period, r.ts) if period.windows else None
    service = period.service_tier(r.service_tier) if r.service_tier != STANDARD else None
    offered = r.service_tier == STANDARD or service is not None
    tiers = service.tiers if service is not None and service.tiers is not None else period.tiers
    tidx = _tier_of(tiers, r)[0] if len(tiers) > 1 else 0
    if service is not None and service.multiplier is None:
        widx = None  # explicit service-tier rates replace windows and all
    rates, factor = _rates(period, tidx, widx, service)
    parts = _parts(rates, factor, _vector(r)).scaled(*finish.pair(model.currency, r.ts.date()))
    window = None if widx is None else period.windows[widx].name
    return PricedRecord(r, model.ref, tidx, window, offered, currency, parts)
