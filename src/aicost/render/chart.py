"""Views of `chart`: price per month in a terminal table or Markdown, and SVG/PNG files drawn
with matplotlib (the `aicost[plot]` extra, imported only here, only when a file is asked for).

Amounts are Decimals up to here; they become floats only to be plotted.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aicost.engine.chart import ChartResult, Series
from aicost.model.errors import AicostError
from aicost.render.money import SYMBOLS, moment, money, tokens
from aicost.render.text import md
from aicost.render.views import add_columns, escape, group, md_table, new_table

if TYPE_CHECKING:
    from rich.console import RenderableType

    from aicost.engine.report import Report

IMAGE_FORMATS = ("svg", "png")


def _result(report: Report) -> ChartResult:
    result: ChartResult = report.payload
    return result


def title(result: ChartResult) -> str:
    req = result.request
    shape = f"{tokens(req.input_tokens)} input + {tokens(req.output_tokens)} output tokens"
    return f"Cost of one request of {shape}, {result.currency}"


def _head(series: Series) -> str:
    return f"{series.label} (cheapest)" if series.cheapest else series.label


def _cells(result: ChartResult) -> list[list[str]]:
    """Per change: its date, then each series' cost from then, ▼/▲ where it moved since the row
    above."""
    lines = []
    before: list[Decimal | None] = [None] * len(result.series)
    for step in result.rows:
        row = [moment(step.moment)]
        for i, cost in enumerate(step.costs):
            mark = ""
            if cost is not None and before[i] is not None and cost != before[i]:
                mark = " ▼" if cost < before[i] else " ▲"  # type: ignore[operator]
            row.append("-" if cost is None else money(cost, result.currency) + (mark or "  "))
            before[i] = cost
        lines.append(row)
    return lines


def _cheapest_models(result: ChartResult) -> list[tuple[str, str]]:
    """For each cheapest-of-provider series: which model it followed, from when."""
    out = []
    for series in result.series:
        if not series.cheapest:
            continue
        steps: list[str] = []
        last: str | None = None
        for point in series.points:  # the closing point names a model only where it changed
            if point.model is not None and point.model != last:
                steps.append(f"{point.model} from {point.moment.date()}")
            last = point.model
        out.append((series.label, ", ".join(steps) or "no price in this range"))
    return out


def chart_table(report: Report) -> RenderableType:
    from rich.table import Table

    result = _result(report)
    heads = ["From", *(s.label for s in result.series)]
    out = new_table(escape(title(result)))
    add_columns(out, heads, numeric=heads[1:], widths={"From": 10})
    for line in _cells(result):
        out.add_row(*(escape(c) for c in line))
    parts: list[Any] = [out]
    followed = _cheapest_models(result)
    if followed:
        grid = Table.grid(padding=(0, 1), pad_edge=False)
        grid.add_column(no_wrap=True)
        grid.add_column(no_wrap=True)
        grid.add_column(overflow="fold")
        for who, what in followed:
            grid.add_row("", escape(f"{who} cheapest:"), escape(what))
        parts.append(grid)
    return group(parts)


def chart_markdown(report: Report) -> str:
    result = _result(report)
    heads = ["From", *(s.label for s in result.series)]
    text = f"**{md(title(result))}**\n\n" + md_table(heads, _cells(result), "l" + "r" * 20)
    followed = _cheapest_models(result)
    if followed:
        text += "\n" + "".join(f"- {md(who)} cheapest: {md(what)}\n" for who, what in followed)
    return text


def chart_rows(result: ChartResult) -> list[dict[str, Any]]:
    """One CSV record per step of each series."""
    return [
        {
            "series": series.label,
            "cheapest": series.cheapest,
            "since": point.moment,
            "model": point.model,
            "currency": result.currency,
            "cost": point.cost,
        }
        for series in result.series
        for point in series.points
    ]


TABLES = {"chart": chart_table}
MARKDOWN = {"chart": chart_markdown}


# -- image files ----------------------------------------------------------------------------------


def image_format(path: str) -> str:
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in IMAGE_FORMATS:
        raise AicostError(
            f"cannot tell the image format of {path!r}", hint="name the file .svg or .png"
        )
    return suffix


def _steps(series: Series) -> tuple[list[Any], list[float]]:
    """The series as x/y for a post-step plot; a gap (no price) is NaN, which breaks the line."""
    xs = [p.moment for p in series.points]
    ys = [float("nan") if p.cost is None else float(p.cost) for p in series.points]
    return xs, ys


def draw(result: ChartResult, fmt: str) -> bytes:
    """The chart as SVG or PNG bytes."""
    try:
        import matplotlib
    except ImportError:
        raise AicostError(
            "drawing a chart file needs matplotlib",
            hint="pip install 'aicost[plot]'",
        ) from None
    matplotlib.use("Agg")
    import io

    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    costs = [p.cost for s in result.series for p in s.points if p.cost is not None and p.cost > 0]
    style: Any = {
        "svg.fonttype": "none",  # text stays text: searchable, and smaller
        "svg.hashsalt": "aicost",  # the same chart gives the same file
        "font.size": 10,
    }
    with plt.rc_context(style):
        fig, ax = plt.subplots(figsize=(10, 5.6), dpi=110)
        palette = plt.get_cmap("tab10")
        for index, series in enumerate(result.series):
            xs, ys = _steps(series)
            (line,) = ax.step(
                xs,
                ys,
                where="post",
                linewidth=2.2,
                color=palette(index % 10),
                label=_head(series),
            )
            line.set_gid(f"series-{index}")
        if costs and max(costs) / min(costs) >= 20:
            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(
                matplotlib.ticker.FuncFormatter(lambda v, _: _tick(v, result.currency))
            )
        else:
            ax.set_ylim(bottom=0)
            ax.yaxis.set_major_formatter(
                matplotlib.ticker.FuncFormatter(lambda v, _: _tick(v, result.currency))
            )
        ax.set_xlim(result.since, result.until)  # type: ignore[arg-type]
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))  # type: ignore[no-untyped-call]
        ax.set_title(title(result), fontsize=12, fontweight="bold", loc="left")
        ax.set_ylabel(f"{result.currency} per request (list price)")
        ax.set_xlabel("Date (UTC)")
        ax.grid(True, which="major", alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=9)
        fig.tight_layout()
        buffer = io.BytesIO()
        metadata = {"Date": None} if fmt == "svg" else {"Software": "aicost"}
        fig.savefig(buffer, format=fmt, metadata=metadata)
        plt.close(fig)
    return buffer.getvalue()


def _tick(value: float, currency: str) -> str:
    """An axis label: `$0.05`, `$1.50`, `$0.004`: two places at least, no trailing zeros past them."""
    number = Decimal(repr(float(value))) if value > 0 else Decimal(0)
    text = f"{number:.6f}".rstrip("0")
    whole, _, places = text.partition(".")
    text = f"{whole}.{places.ljust(2, '0')}"
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


def write_image(result: ChartResult, path: str, force: bool) -> None:
    """Draw the chart into `path`, whole: a temporary file beside it, renamed over it at the end.
    An existing file is kept unless `force`."""
    fmt = image_format(path)
    target = Path(path)
    if target.exists() and not force:
        raise AicostError(f"{path} exists", hint="give --force to overwrite it")
    if not target.parent.is_dir():
        raise AicostError(f"cannot write {path}: no directory {str(target.parent)!r}")
    data = draw(result, fmt)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    mask = os.umask(0)
    os.umask(mask)
    try:
        os.fchmod(fd, 0o666 & ~mask)  # as an ordinary new file, not mkstemp's 0600
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temp, target)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise AicostError(f"cannot write {path}: {exc.strerror or exc}") from None


def series_labels(result: ChartResult) -> Sequence[str]:
    return [_head(s) for s in result.series]
