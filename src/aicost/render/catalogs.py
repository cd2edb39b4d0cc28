"""Views of an `import` report: the sheets written, one row per provider."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aicost.render.views import add_columns, escape, md_table, new_table

if TYPE_CHECKING:
    from rich.console import RenderableType

    from aicost.engine.report import Report

HEADS = ["Provider", "Sheet", "Models", "Not kept"]


def _lines(report: Report) -> list[list[str]]:
    lacking: dict[str, int] = {}
    for row in report.fields["not_kept"]:
        lacking[row["provider"]] = lacking.get(row["provider"], 0) + 1
    return [
        [p["provider"], p["path"], str(p["models"]), str(lacking.get(p["provider"], 0))]
        for p in report.fields["providers"]
    ]


def import_table(report: Report) -> RenderableType:
    from rich.table import Table

    out: Table = new_table(f"Imported from {escape(report.fields['source'])}")
    add_columns(out, HEADS, numeric=("Models", "Not kept"))
    for line in _lines(report):
        out.add_row(*(escape(cell) for cell in line))
    return out


def import_markdown(report: Report) -> str:
    title = f"Imported from {report.fields['source']}\n\n"
    return title + md_table(HEADS, _lines(report), align="llrr")


TABLES = {"import": import_table}
MARKDOWN = {"import": import_markdown}
