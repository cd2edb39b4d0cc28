"""Views of an `import` report: the sheets written, one row per provider."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aicost.render.text import md
from aicost.render.views import add_columns, escape, md_table, new_table

if TYPE_CHECKING:
    from rich.console import RenderableType

    from aicost.engine.report import ImportResult, Report

HEADS = ["Provider", "Sheet", "Models", "Not kept"]


def _lines(result: ImportResult) -> list[list[str]]:
    lacking: dict[str, int] = {}
    for row in result.not_kept:
        lacking[row["provider"]] = lacking.get(row["provider"], 0) + 1
    return [
        [p["provider"], p["path"], str(p["models"]), str(lacking.get(p["provider"], 0))]
        for p in result.providers
    ]


def import_table(report: Report) -> RenderableType:
    result: ImportResult = report.payload
    out = new_table(f"Imported from {escape(result.source)}")
    add_columns(out, HEADS, numeric=("Models", "Not kept"))
    for line in _lines(result):
        out.add_row(*(escape(cell) for cell in line))
    rendered: RenderableType = out
    return rendered


def import_markdown(report: Report) -> str:
    result: ImportResult = report.payload
    title = f"Imported from {md(result.source)}\n\n"
    return title + md_table(HEADS, _lines(result), align="llrr")


TABLES = {"import": import_table}
MARKDOWN = {"import": import_markdown}
