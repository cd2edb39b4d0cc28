"""Views of `usage price` and `usage compare`: grouped spend, the grand total, the coverage, and
with `--by day|week|month` spend over time as bars, because people look before they read."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aicost.engine.report import UsageResult, UsageRow, UsageTotals
from aicost.render.data import to_data
from aicost.render.money import money
from aicost.render.text import md
from aicost.render.views import add_columns, bar, escape, group, md_table, new_table

if TYPE_CHECKING:
    from rich.console import RenderableType

    from aicost.engine.report import Report

TIME_KEYS = ("day", "week", "month")
LOGGED = "as logged"
HEADS = {
    "provider": "Provider",
    "model": "Model",
    "day": "Day",
    "week": "Week",
    "month": "Month",
    "project": "Project",
    "session": "Session",
    "user": "User",
    "key": "Key",
    "workspace": "Workspace",
    "team": "Team",
    "service": "Service",
    "service_tier": "Service tier",
}
CHART_WIDTH = 24


def _result(report: Report) -> UsageResult:
    result: UsageResult = report.payload
    return result


def flat_row(row: UsageRow, compare: bool) -> dict[str, Any]:
    """A row as JSON and CSV carry it: its --by keys first, then the numbers."""
    out: dict[str, Any] = dict(row.group)
    data = to_data(row)
    if not compare:
        data.pop("target")
        data.pop("unpriced_records")
    return {**out, **data}


def usage_records(report: Report) -> tuple[dict[str, Any], list[Any]]:
    result = _result(report)
    compare = bool(result.targets)
    rows = [flat_row(r, compare) for r in result.rows]
    fields = {
        "by": list(result.by),
        "rows": rows,
        "totals": result.totals,
        "coverage": result.coverage,
        "fx_used": result.fx_used,
    }
    if compare:
        fields["targets"] = list(result.targets)
        fields["when"] = result.when
    return fields, rows


def _merged(result: UsageResult) -> bool:
    """Provider and model shown as one `provider/model` column (narrower, and how refs read)."""
    by = result.by
    return "provider" in by and "model" in by and by.index("model") == by.index("provider") + 1


def _key_heads(result: UsageResult) -> list[str]:
    return [HEADS[k] for k in result.by if not (k == "provider" and _merged(result))]


def _key_cells(result: UsageResult, row: UsageRow) -> list[str]:
    values = dict(row.group)
    merged = _merged(result)
    cells = []
    for key in result.by:
        if key == "provider" and merged:
            continue
        if key == "model" and merged and values.get("provider"):
            cells.append(f"{values['provider']}/{values.get('model', '')}")
        else:
            cells.append(values.get(key, ""))
    return cells


def count(value: int) -> str:
    """A token count, exact: 65,431 (people check these against their provider's console)."""
    return f"{value:,}"


def _reconciled(result: UsageResult) -> bool:
    return result.totals.reported is not None


def _cost(value: Decimal | None, code: str) -> str:
    return "-" if not value else money(value, code)


PARTS = ("Input", "Cached", "Cache write", "Output")


def _price_lines(result: UsageResult, parts: bool = True) -> tuple[list[str], list[list[str]]]:
    """Keys, counts and money; a cost column nobody paid anything in is left out, and requests
    only where buckets make them differ from records. Without `parts`, only the total."""
    code = result.currency
    heads = _key_heads(result)
    heads += ["Records", "Requests", "Input tok", "Output tok"]
    if parts:
        heads += list(PARTS)
    heads.append("Total")
    if _reconciled(result):
        heads.append("Reported")
    t = result.totals
    lines = []
    every: list[UsageRow | UsageTotals] = [*result.rows, t]
    for row in every:
        if isinstance(row, UsageRow):
            line = _key_cells(result, row)
        else:
            keys = len(_key_heads(result))
            line = ["Total", *[""] * (keys - 1)] if keys else []
        line += [f"{row.records:,}", f"{row.requests:,}", count(row.input_tokens)]
        line.append(count(row.output_tokens))
        if parts:
            line += [_cost(row.input_cost, code), _cost(row.cached_cost, code)]
            line += [_cost(row.cache_write_cost, code), _cost(row.output_cost, code)]
        line.append(money(row.total, code))
        if _reconciled(result):
            shown = row.reported if not isinstance(row, UsageRow) or row.reported_records else None
            line.append(money(shown, code))
        lines.append(line)
    keep = [
        i
        for i, head in enumerate(heads)
        if (head != "Requests" and head not in PARTS)
        or (head == "Requests" and t.requests != t.records)
        or (head in PARTS and any(line[i] != "-" for line in lines))
    ]
    return [heads[i] for i in keep], [[line[i] for i in keep] for line in lines]


def _parts_lines(result: UsageResult) -> tuple[list[str], list[list[str]]]:
    """The cost parts of each row (a second table, so the first fits 100 columns)."""
    heads, lines = _price_lines(result)
    keys = len(_key_heads(result))
    wanted = [i for i, h in enumerate(heads) if i < keys or h in PARTS or h == "Total"]
    return [heads[i] for i in wanted], [[line[i] for i in wanted] for line in lines]


def coverage_line(result: UsageResult) -> str:
    c = result.coverage
    parts = [f"{c.priced_records:,} record(s) priced"]
    if c.unpriced_records:
        parts.append(f"{c.unpriced_records:,} unpriced (never counted as zero; see stderr)")
    for count, what in (
        (c.malformed, "malformed, skipped"),
        (c.duplicates_dropped, "duplicate(s) dropped"),
        (c.outside_dates, "outside --since/--until"),
        (c.tier_by_average, "bucket(s) tiered by average prompt"),
        (c.tier_unknown, "bucket(s) with no context tier, priced at the lowest"),
    ):
        if count:
            parts.append(f"{count:,} {what}")
    offered = sum(n.records for n in c.service_tier_not_offered if n.target is None)
    if offered:
        parts.append(f"{offered:,} in a service tier the model lacks, priced at list")
    return "; ".join(parts)


def _chart(result: UsageResult) -> tuple[list[str], list[list[str]], list[Decimal]] | None:
    """Spend over time: one bar per period (and per the other --by keys)."""
    if not any(k in TIME_KEYS for k in result.by):
        return None
    keys = _key_heads(result)
    largest = max((r.total for r in result.rows), default=Decimal(0))
    lines = [
        [
            *_key_cells(result, r),
            bar(r.total, largest, CHART_WIDTH),
            money(r.total, result.currency),
        ]
        for r in result.rows
    ]
    return [*keys, "Spend", "Total"], lines, [r.total for r in result.rows]


def usage_table(report: Report) -> RenderableType:
    from rich.text import Text

    result = _result(report)
    if result.targets:
        return _compare_table(result)
    parts: list[Any] = []
    chart = _chart(result)
    if chart is not None:
        heads, lines, _ = chart
        out = new_table(f"Spend over time · {result.currency}")
        add_columns(out, heads, numeric=("Total",), optional=("Spend",))
        for line in lines:
            out.add_row(*(escape(c) for c in line))
        parts.append(out)
    keys = _key_heads(result)
    heads, lines = _price_lines(result, parts=False)
    parts.append(_plain_table(f"Usage · {result.currency}", keys, heads, lines))
    heads, lines = _parts_lines(result)
    if len(heads) > len(keys) + 1:  # some part besides the total
        title = f"Cost parts · {result.currency}"
        parts.append(_plain_table(title, keys, heads, lines))
    parts.append(Text(coverage_line(result)))
    return group(parts)


def _plain_table(
    title: str, keys: list[str], heads: list[str], lines: list[list[str]]
) -> RenderableType:
    out = new_table(title)
    numeric = [h for h in heads if h not in keys]
    add_columns(out, heads, numeric=numeric, names=("Model",))
    for i, line in enumerate(lines):
        out.add_row(*(escape(c) for c in line), style="bold" if i == len(lines) - 1 else None)
    return out


def _compare_lines(result: UsageResult) -> tuple[list[str], list[list[str]]]:
    code = result.currency
    heads = [*_key_heads(result), "Priced on", "Records", "Unpriced", "Total", "Change"]
    lines = []
    logged: dict[tuple[tuple[str, str], ...], UsageRow] = {}
    for row in result.rows:
        if row.target is None:
            logged[row.group] = row
    for row in result.rows:
        base = logged.get(row.group)
        change = "-"
        if (
            row.target is not None
            and base is not None
            and not row.unpriced_records
            and base.records == row.records
            and base.total
        ):
            change = f"{(row.total - base.total) / base.total * 100:+.1f}%"
        line = _key_cells(result, row)
        line += [row.target or LOGGED, f"{row.records:,}", f"{row.unpriced_records:,}"]
        line += [money(row.total, code), change]
        lines.append(line)
    return heads, lines


def _compare_table(result: UsageResult) -> RenderableType:
    from rich.text import Text

    heads, lines = _compare_lines(result)
    title = f"The same usage priced elsewhere · {result.currency} · prices: {result.when}"
    out = new_table(title)
    add_columns(
        out, heads, numeric=("Records", "Unpriced", "Total", "Change"), names=("Priced on",)
    )
    for line in lines:
        out.add_row(*(escape(c) for c in line))
    return group([out, Text(coverage_line(result))])


def usage_markdown(report: Report) -> str:
    result = _result(report)
    if result.targets:
        heads, lines = _compare_lines(result)
        title = f"**The same usage priced elsewhere** · {md(result.currency)} · prices: {md(str(result.when))}"
        align = "l" * len(_key_heads(result)) + "lrrrr"
        return f"{title}\n\n" + md_table(heads, lines, align) + f"\n{md(coverage_line(result))}\n"
    heads, lines = _price_lines(result)
    align = "".join("l" if i < len(_key_heads(result)) else "r" for i in range(len(heads)))
    text = f"**Usage** · {md(result.currency)}\n\n" + md_table(heads, lines, align)
    return text + f"\n{md(coverage_line(result))}\n"


TABLES = {"usage": usage_table}
MARKDOWN = {"usage": usage_markdown}
RECORDS = {"usage": usage_records}
