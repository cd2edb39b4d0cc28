"""What every view shares: bars, escaping, and tables and Markdown drawn from plain rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby
from typing import TYPE_CHECKING, Any

from aicost.render.money import money
from aicost.render.text import Md, markup, md

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderableType
    from rich.table import Table
    from rich.text import Text


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
    """Sheet text for a Rich string: one line, no control characters, no markup."""
    return markup(text)


def md_escape(text: str) -> str:
    return md(text)


def md_table(headers: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> str:
    """A GitHub table; `align` has one char per column: l or r. Cells are text, not Markdown,
    unless they are `Md`, so no cell can add a column, a line or markup."""
    marks = ["---:" if (align[i : i + 1] == "r") else "---" for i in range(len(headers))]
    lines = [
        "| " + " | ".join(_md_cell(h) for h in headers) + " |",
        "| " + " | ".join(marks) + " |",
    ]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _md_cell(text: str) -> str:
    return text if isinstance(text, Md) else md(text)


# -- tables for a terminal ------------------------------------------------------------------------

# Names (model ids) longer than this may be folded to fit; shorter ones stay whole, on one line,
# so they can be read and copied: the one-block-per-row layout is better than a folded id
NAME_FOLD = 24
WIDE = 1_000_000  # a width no table reaches: to measure a table's natural width


@dataclass
class _Column:
    head: str
    numeric: bool = False
    justify: str = "left"
    min_width: int | None = None
    fold: bool = False  # a name: may be folded mid-word when the terminal is narrow
    optional: bool = False  # a picture (a bar): left out when the terminal is narrow


class FitTable:
    """A table that never cuts an amount short.

    Drawn as a Rich table when it fits the terminal. When it does not, name columns are narrowed
    (folded mid-word if need be) and pictures left out, while every number keeps its full width and
    words in other columns stay whole; when even that does not fit, each row becomes a block of
    `Head  value` lines.
    """

    def __init__(self, title: str | None = None) -> None:
        self.title = title
        self.columns: list[_Column] = []
        self.rows: list[tuple[list[Any], str | None]] = []

    def add_column(self, column: _Column) -> None:
        self.columns.append(column)

    def add_row(self, *cells: Any, style: str | None = None) -> None:
        self.rows.append((list(cells), style))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Any]:
        from rich.measure import Measurement

        width = options.max_width
        texts = [[_as_text(console, c) for c in cells] for cells, _ in self.rows]
        table = self._table(range(len(self.columns)), texts)
        if (
            not self.rows
            or Measurement.get(console, options.update_width(WIDE), table).maximum <= width
        ):
            yield table
            return
        yield self._squeezed(console, options, texts) or self._blocks(console, texts)

    def _table(self, keep: Sequence[int], texts: list[list[Text]], hints: bool = True) -> Table:
        from rich import box
        from rich.table import Table

        out = Table(
            title=self.title,
            box=box.SIMPLE_HEAD,
            title_justify="left",
            title_style="bold",
            collapse_padding=True,
            pad_edge=False,
        )
        for i in keep:
            col = self.columns[i]
            out.add_column(
                col.head,
                justify="right" if col.justify == "right" else "left",
                overflow="fold",
                min_width=col.min_width if hints else None,
            )
        for (_, style), cells in zip(self.rows, texts, strict=True):
            out.add_row(*(cells[i] for i in keep), style=style)
        return out

    def _squeezed(
        self, console: Console, options: ConsoleOptions, texts: list[list[Text]]
    ) -> Table | None:
        from rich.cells import cell_len
        from rich.measure import Measurement

        keep = [i for i, c in enumerate(self.columns) if not c.optional]
        natural, least = [], []
        for i in keep:
            col = self.columns[i]
            lines = [line for row in texts for line in row[i].plain.splitlines()]
            widest = max((cell_len(line) for line in [*lines, col.head]), default=1)
            word = max((cell_len(w) for t in [*lines, col.head] for w in t.split()), default=1)
            if col.numeric:
                need = max(max((cell_len(line) for line in lines), default=1), word)
            elif col.fold:
                need = min(word, NAME_FOLD)
            else:
                need = word
            natural.append(widest)
            least.append(need)
        table = self._table(keep, texts, hints=False)
        wide = Measurement.get(console, options.update_width(WIDE), table).maximum
        room = options.max_width - (wide - sum(natural))
        if sum(least) > room:
            return None
        # Rich's own way, the widest column first, one cell at a time: first down to the width a
        # column asked for (a date, a model id), then down to its least
        hinted = [
            max(least[k], min(self.columns[i].min_width or 0, natural[k]))
            for k, i in enumerate(keep)
        ]
        widths = list(natural)
        for floor in (hinted, least):
            while sum(widths) > room and any(w > f for w, f in zip(widths, floor, strict=True)):
                j = max(
                    (k for k in range(len(keep)) if widths[k] > floor[k]), key=lambda k: widths[k]
                )
                widths[j] -= 1
        for column, fixed in zip(table.columns, widths, strict=True):
            column.width = fixed
        return table

    def _blocks(self, console: Console, texts: list[list[Text]]) -> RenderableType:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        parts: list[Any] = []
        if self.title:
            parts.append(console.render_str(self.title, style="bold"))
        grid = Table.grid(padding=(0, 1), pad_edge=False)
        grid.add_column(no_wrap=True)
        grid.add_column(overflow="fold")
        for (_, style), cells in zip(self.rows, texts, strict=True):
            name = cells[0].copy()
            name.stylize("bold")
            grid.add_row(name, style=style)
            for col, cell in zip(self.columns[1:], cells[1:], strict=True):
                if col.optional or not cell.plain.strip():
                    continue
                grid.add_row(
                    Text("  " + col.head.replace("\n", " "), style="dim"), cell, style=style
                )
        parts.append(grid)
        return Group(*parts)


def _as_text(console: Console, cell: Any) -> Any:
    return console.render_str(cell) if isinstance(cell, str) else cell


def new_table(title: str | None = None) -> FitTable:
    return FitTable(title)


def add_columns(
    out: FitTable,
    heads: Sequence[str],
    numeric: Sequence[str] = (),
    widths: dict[str, int] | None = None,
    names: Sequence[str] = (),
    optional: Sequence[str] = (),
    left: Sequence[str] = (),
) -> None:
    """Numbers (`numeric`) right-aligned and never cut; `names` may fold mid-word when narrow;
    `optional` columns (bars) are left out when narrow.

    `widths` gives columns a minimum width (model names, dates) so they are not folded first.
    """
    widths = widths or {}
    for head in heads:
        out.add_column(
            _Column(
                head,
                numeric=head in numeric,
                justify="right" if head in numeric and head not in left else "left",
                min_width=widths.get(head),
                fold=head in names,
                optional=head in optional,
            )
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
