"""A command's result, ready for any renderer: the JSON envelope's parts, a typed payload and flat rows.

Each command kind has its own payload dataclass; renderers read its attributes. JSON dumps every
payload field except those marked `VIEW_ONLY` (data the table needs but the JSON never carried).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
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
