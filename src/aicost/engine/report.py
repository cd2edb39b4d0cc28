"""A command's result, ready for any renderer: the JSON envelope's parts, a typed payload and flat rows.

Each command kind has its own payload dataclass; renderers read its attributes. JSON dumps every
payload field except those marked `VIEW_ONLY` (data the table needs but the JSON never carried).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aicost import __version__
from aicost.model.catalog import Catalog
from aicost.model.quantity import format_moment

if TYPE_CHECKING:
    from aicost.engine.diffing import Change, Impact
    from aicost.engine.listing import ModelInfo, PeriodInfo
    from aicost.engine.pricing import EstimateRow, Workload
    from aicost.model.errors import Problem
    from aicost.model.prices import ModelPrice

SCHEMA_VERSION = 1

# Dataclass field metadata: leave this field out of JSON (and CSV) output.
VIEW_ONLY: dict[str, Any] = {"json": False}


def in_json(item: dataclasses.Field[Any]) -> bool:
    return bool(item.metadata.get("json", True))


def json_fields(payload: Any) -> dict[str, Any]:
    """A payload's JSON fields by name, in declaration order."""
    return {f.name: getattr(payload, f.name) for f in dataclasses.fields(payload) if in_json(f)}


@dataclass(frozen=True)
class EstimateResult:
    workloads: list[Workload]
    rows: list[EstimateRow]
    notes: tuple[str, ...] = field(default=(), metadata=VIEW_ONLY)  # models left out, and why


@dataclass(frozen=True)
class ModelsResult:
    models: list[ModelInfo]


@dataclass(frozen=True)
class HistoryResult:
    model: ModelPrice
    periods: list[PeriodInfo]


@dataclass(frozen=True)
class DiffResult:
    old: str
    new: str
    changes: list[Change]
    impact: list[Impact]
    summary: dict[str, int] = field(default_factory=dict, metadata=VIEW_ONLY)


@dataclass(frozen=True)
class ImportResult:
    """What `aicost import` wrote: per provider, per model, and what the format could not hold."""

    source: str
    providers: list[dict[str, Any]]
    models: list[dict[str, Any]]
    not_kept: list[dict[str, Any]]
    skipped: dict[str, int]
    invalid: list[dict[str, str]]


@dataclass(frozen=True)
class ValidateResult:
    files: int
    problems: list[dict[str, Any]]  # path, line, column, severity, message
    found: list[Problem] = field(default_factory=list, metadata=VIEW_ONLY)


@dataclass(frozen=True)
class Report:
    kind: str  # "estimate", "models", ...: picks the table and Markdown views
    # the command's own typed result: EstimateResult, ModelsResult, HistoryResult, DiffResult,
    # ValidateResult (here), ClaimsResult or RunEstimateResult (engine.training)
    payload: Any
    rows: list[Any]  # one record per CSV row (dataclasses or dicts)
    columns: list[str] | None = None  # CSV header; default: the first row's keys
    currency: str | None = None
    as_of: dt.datetime | None = None
    catalog: Catalog | None = None
    uses_gpus: bool = False  # the report read gpus.yaml: list it among the sources

    def envelope(self, fields: dict[str, Any] | None = None) -> dict[str, Any]:
        """The JSON document: what every report carries, then the payload's fields (or `fields`)."""
        out: dict[str, Any] = {
            "tool": "aicost",
            "version": __version__,
            "kind": self.kind,
            "schema": SCHEMA_VERSION,
            "currency": self.currency,
            "as_of": None if self.as_of is None else format_moment(self.as_of),
        }
        if self.catalog is not None:
            # the rates in force at the price date: the ones every conversion used
            fx = self.catalog.fx
            if fx is not None and self.as_of is not None:
                fx = fx.at(self.as_of)
            out["fx"] = None if fx is None else {"date": fx.date, "rates": fx.rates}
            sources = list(self.catalog.sources)
            if self.uses_gpus:
                sources = sorted([*sources, *self.catalog.gpu_sources], key=lambda s: s.path)
            out["sources"] = [
                {"path": s.path, "sha256": s.sha256, "checked": s.checked} for s in sources
            ]
        out.update(json_fields(self.payload) if fields is None else fields)
        return out


# -- usage logs -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UsageRow:
    """One group of usage records (`--by` keys), priced: token sums, cost parts and the total.

    In `usage compare` a row is one target model's price of the group (`target`); the records a
    target could not price are counted in `unpriced_records`, never added as zero.
    """

    group: tuple[tuple[str, str], ...] = field(metadata=VIEW_ONLY)  # (key, value) per --by key
    target: str | None
    currency: str
    records: int
    requests: int
    input_tokens: int
    cache_read_tokens: int
    cache_write_5m_tokens: int
    cache_write_1h_tokens: int
    output_tokens: int
    reasoning_tokens: int
    input_cost: Decimal
    cached_cost: Decimal
    cache_write_cost: Decimal
    output_cost: Decimal
    total: Decimal
    reported: Decimal | None = None  # what the source said it cost (--reconcile), converted
    reported_records: int = 0  # how many of the records carried a reported cost
    unpriced_records: int = 0  # compare: records of this group the target has no price for


@dataclass(frozen=True, slots=True)
class UnpricedUsage:
    """Records that could not be priced, by model as logged and reason, with their tokens."""

    target: str | None  # compare: the target model that had no price; None: the logged model
    provider: str | None
    model: str
    reason: str  # "unknown model", "ambiguous model", "retired", "not yet priced", "no price then"
    records: int
    requests: int
    input_tokens: int
    output_tokens: int
    suggestions: tuple[str, ...] = ()  # close matches, or the candidates of an ambiguous name


@dataclass(frozen=True, slots=True)
class ServiceTierNotOffered:
    """Records in a service tier their model does not offer: priced at list price."""

    target: str | None
    model: str  # provider/id
    service_tier: str
    records: int


@dataclass(frozen=True, slots=True)
class UsageCoverage:
    """How much of the input was priced, and why the rest was not."""

    records_read: int  # usage records the readers produced (duplicates and all)
    priced_records: int
    unpriced_records: int
    malformed: int  # lines or entries that could not be read
    duplicates_dropped: int  # records that repeated a request already counted
    outside_dates: int  # records before --since or after --until
    tier_by_average: int  # bucket records of a tiered model: tier chosen by average prompt
    tier_unknown: int = 0  # records whose source gave no context tier: priced at the lowest
    unpriced: tuple[UnpricedUsage, ...] = ()
    service_tier_not_offered: tuple[ServiceTierNotOffered, ...] = ()
    malformed_examples: tuple[str, ...] = ()  # the first few `file:line: reason`


@dataclass(frozen=True, slots=True)
class UsageTotals:
    records: int
    requests: int
    input_tokens: int
    cache_read_tokens: int
    cache_write_5m_tokens: int
    cache_write_1h_tokens: int
    output_tokens: int
    reasoning_tokens: int
    input_cost: Decimal
    cached_cost: Decimal
    cache_write_cost: Decimal
    output_cost: Decimal
    total: Decimal
    reported: Decimal | None = None


@dataclass(frozen=True)
class UsageResult:
    """`usage price` and `usage compare`: grouped rows, a grand total and the coverage.

    The totals are those of the records as logged (in `compare` too: what they did cost).
    """

    by: tuple[str, ...]
    rows: list[UsageRow]
    totals: UsageTotals
    coverage: UsageCoverage
    currency: str
    fx_used: list[dict[str, Any]] = field(default_factory=list)  # {date, rates} per dated set used
    targets: tuple[str, ...] = field(default=(), metadata=VIEW_ONLY)  # compare: provider/id
    when: str | None = field(default=None, metadata=VIEW_ONLY)  # compare: now, record or a date
