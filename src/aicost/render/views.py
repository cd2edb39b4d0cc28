"""Table (Rich) and Markdown views of each report kind. Only the table path imports rich."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from itertools import groupby
from typing import TYPE_CHECKING, Any

from aicost.render.data import to_data
from aicost.render.money import money

if TYPE_CHECKING:
    from rich.console import RenderableType

    from aicost.report import Report

BAR_WIDTH = 10
_EIGHTHS = " ▏▎▍▌▋▊▉█"

TableView = Callable[["Report"], "RenderableType"]
MarkdownView = Callable[["Report"], str]
TABLES: dict[str, TableView] = {}
MARKDOWN: dict[str, MarkdownView] = {}


def table_view(kind: str) -> Callable[[TableView], TableView]:
    def register(func: TableView) -> TableView:
        TABLES[kind] = func
        return func

    return register


def markdown_view(kind: str) -> Callable[[MarkdownView], MarkdownView]:
    def register(func: MarkdownView) -> MarkdownView:
        MARKDOWN[kind] = func
        return func

    return register


def _load_views(kind: str | None = None) -> None:
    # Views of later commands live in their own modules and register on import. The estimate,
    # models and history views need only their own module, which keeps their start-up short.
    from aicost.render import views_estimate  # noqa: F401

    if kind not in ("estimate", "models", "history"):
        from aicost.render import views_review, views_training  # noqa: F401


def table(report: Report) -> RenderableType:
    _load_views(report.kind)
    view: TableView = TABLES.get(report.kind, generic_table)
    return view(report)


def markdown(report: Report) -> str:
    _load_views(report.kind)
    view = MARKDOWN.get(report.kind, generic_markdown)
    return view(report)


def bar(value: Decimal, largest: Decimal, width: int = BAR_WIDTH) -> str:
    """A bar of `width` cells showing value / largest, in eighths of a cell."""
    if largest <= 0 or value <= 0:
        return ""
    eighths = int((value / largest * width * 8).to_integral_value())
    eighths = max(eighths, 1)
    full, rest = divmod(eighths, 8)
    return ("█" * full + (_EIGHTHS[rest] if rest else "")).ljust(width)


def escape(text: str) -> str:
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def md_table(headers: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> str:
    """A GitHub table; `align` has one char per column: l or r."""
    marks = ["---:" if (align[i : i + 1] == "r") else "---" for i in range(len(headers))]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(marks) + " |"]
    lines += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def new_table(title: str | None = None, **kwargs: Any) -> Any:
    from rich import box
    from rich.table import Table

    return Table(
        title=title,
        box=box.SIMPLE_HEAD,
        title_justify="left",
        title_style="bold",
        collapse_padding=True,
        pad_edge=False,
        **kwargs,
    )


def add_columns(
    out: Any,
    heads: Sequence[str],
    numeric: Sequence[str] = (),
    widths: dict[str, int] | None = None,
) -> None:
    """Columns fold when the terminal is narrow, so amounts are never cut short.

    `widths` gives columns a minimum width (model names, dates) so they are not folded first.
    """
    widths = widths or {}
    for head in heads:
        out.add_column(
            head,
            justify="right" if head in numeric else "left",
            overflow="fold",
            min_width=widths.get(head),
        )


def drop_empty(
    heads: Sequence[str], lines: Sequence[Sequence[str]]
) -> tuple[list[str], list[list[str]]]:
    """Leave out columns (after the first) where no line has a value."""
    keep = [
        i for i in range(len(heads)) if i == 0 or any(line[i] not in ("", "-") for line in lines)
    ]
    return [heads[i] for i in keep], [[line[i] for i in keep] for line in lines]


def longest(values: Sequence[str], cap: int = 28) -> int:
    return min(max((len(v) for v in values), default=4), cap)


def group(renderables: Sequence[RenderableType]) -> RenderableType:
    from rich.console import Group

    return Group(*renderables)


def generic_rows(report: Report) -> tuple[list[str], list[list[str]]]:
    rows = [to_data(r) for r in report.rows]
    columns = report.columns or (list(rows[0]) if rows else [])
    cells = [["" if row.get(c) is None else str(row.get(c)) for c in columns] for row in rows]
    return columns, cells


def generic_table(report: Report) -> RenderableType:
    columns, cells = generic_rows(report)
    out = new_table()
    for column in columns:
        out.add_column(column)
    for row in cells:
        out.add_row(*(escape(c) for c in row))
    result: RenderableType = out
    return result


def generic_markdown(report: Report) -> str:
    columns, cells = generic_rows(report)
    return md_table(columns, cells)


def by_key(items: Sequence[Any], key: Callable[[Any], Any]) -> list[tuple[Any, list[Any]]]:
    return [(k, list(g)) for k, g in groupby(items, key=key)]


def cost(value: Decimal | None, currency: str) -> str:
    return money(value, currency)
