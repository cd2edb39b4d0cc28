"""Renderers: turn a command's `Report` into text for one output format. They never print.

Each format maps to one function (`RENDERERS`). Table and Markdown views of each report kind live in
one module per command family, named in `VIEW_MODULES`; a kind missing there is a bug, not a
generic table. Only the table path imports rich.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from aicost.render.data import to_data

if TYPE_CHECKING:
    from rich.console import RenderableType

    from aicost.engine.report import Report


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


def render_json(report: Report) -> str:
    return (
        json.dumps(to_data(report.envelope()), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    )


def render_csv(report: Report) -> str:
    rows = [to_data(r) for r in report.rows]
    out = io.StringIO()
    columns = report.columns or (list(rows[0]) if rows else [])
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return (
            "; ".join(str(v) for v in value)
            if isinstance(value, list)
            else json.dumps(value, sort_keys=True)
        )
    return value


# Report kind -> the module holding its views (each has `TABLES` and `MARKDOWN` keyed by kind).
VIEW_MODULES = {
    "estimate": "estimate",
    "models": "estimate",
    "history": "estimate",
    "diff": "review",
    "validate": "review",
    "training": "training",
    "training-estimate": "training",
    "import": "catalogs",
}


def _views(kind: str) -> Any:
    import importlib

    return importlib.import_module(f"aicost.render.{VIEW_MODULES[kind]}")


def render_markdown(report: Report) -> str:
    view: Callable[[Report], str] = _views(report.kind).MARKDOWN[report.kind]
    return view(report)


def render_table(report: Report) -> RenderableType:
    view: Callable[[Report], RenderableType] = _views(report.kind).TABLES[report.kind]
    return view(report)


RENDERERS: dict[Format, Callable[[Report], Any]] = {
    Format.table: render_table,
    Format.json: render_json,
    Format.csv: render_csv,
    Format.markdown: render_markdown,
}
