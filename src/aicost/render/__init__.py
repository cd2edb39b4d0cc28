"""Renderers: turn a command's `Report` into text for one output format. They never print.

Each format maps to one function (`RENDERERS`). Table and Markdown views of each report kind live in
one module per command family, named in `VIEW_MODULES`; a kind missing there is a bug, not a
generic table. Only the table path imports rich.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from aicost.render.data import to_data
from aicost.render.text import csv_line, csv_text, json_text

if TYPE_CHECKING:
    from rich.console import RenderableType

    from aicost.engine.report import Report


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


def render_json(report: Report) -> str:
    fields, _ = _records(report)
    text = json.dumps(
        to_data(report.envelope(fields)), sort_keys=True, indent=2, ensure_ascii=False
    )
    return json_text(text) + "\n"


def render_csv(report: Report) -> str:
    """A header and one record per row; sheet text cannot start a formula or split a record."""
    _, records = _records(report)
    rows = [to_data(r) for r in records]
    columns = report.columns or (list(rows[0]) if rows else [])
    lines = [csv_line([csv_text(c) for c in columns])]
    lines += [csv_line([csv_text(_cell(row.get(c))) for c in columns]) for row in rows]
    return "".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


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
    "chart": "chart",
    "usage": "usage",
}


# Report kinds whose JSON fields and CSV rows carry sentences: their view module writes them
# (`RECORDS[kind](report)` -> (JSON fields, CSV rows)); other kinds are dumped as they are.
RECORD_KINDS = {"training", "usage"}


def _records(report: Report) -> tuple[dict[str, Any] | None, list[Any]]:
    if report.kind in RECORD_KINDS:
        records: Callable[[Report], tuple[dict[str, Any], list[Any]]]
        records = _views(report.kind).RECORDS[report.kind]
        return records(report)
    return None, report.rows


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
