"""What every view shares: bars, escaping, and tables and Markdown drawn from plain rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from itertools import groupby
from typing import TYPE_CHECKING, Any

from aicost.render.money import money

if TYPE_CHECKING:
    from rich.console import RenderableType


BAR_WIDTH = 10
_EIGHTHS = " ▏▎▍▌▋▊▉█"


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


def by_key(items: Sequence[Any], key: Callable[[Any], Any]) -> list[tuple[Any, list[Any]]]:
    return [(k, list(g)) for k, g in groupby(items, key=key)]


def cost(value: Decimal | None, currency: str) -> str:
    return money(value, currency)
