"""A command's result, ready for any renderer: the JSON envelope's parts plus flat rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from aicost import __version__
from aicost.model.catalog import Catalog
from aicost.model.quantity import format_moment

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Report:
    kind: str  # "estimate", "models", ...: picks the table and Markdown views
    fields: dict[str, Any]  # the command's own JSON fields
    rows: list[Any]  # one record per CSV row (dataclasses or dicts)
    columns: list[str] | None = None  # CSV header; default: the first row's keys
    currency: str | None = None
    as_of: dt.datetime | None = None
    catalog: Catalog | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # view-only data, not in JSON

    def envelope(self) -> dict[str, Any]:
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
            out["sources"] = [
                {"path": s.path, "sha256": s.sha256, "checked": s.checked}
                for s in self.catalog.sources
            ]
        out.update(self.fields)
        return out
