"""Views of `diff` and `validate` reports: tables for people, Markdown for PR comments."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from aicost.engine.diffing import MONEY_FIELDS, Change, Impact, iter_providers
from aicost.model.quantity import exact
from aicost.render.money import money, percent
from aicost.render.text import plain
from aicost.render.views import (
    add_columns,
    escape,
    group,
    md_table,
    new_table,
)

if TYPE_CHECKING:
    from rich.console import RenderableType

    from aicost.engine.report import DiffResult, Report, ValidateResult

MARKER = "<!-- aicost-diff -->"
# GitHub refuses comments over 65,536 characters; leave room for the summary and the notice
MARKDOWN_LIMIT = 60_000
NO_CHANGES = "no changes"


def _value(change: Change, value: Decimal | str | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, Decimal):
        if change.leaf in MONEY_FIELDS:
            return money(value, change.currency)
        if change.leaf == "context_window":
            return f"{value:,}"
        return exact(value)
    return value


def _what(change: Change) -> str:
    if change.path is None:
        return "(model)" if change.model else "(provider)"
    return change.path


def _move(change: Change) -> str:
    if change.kind == "added":
        return f"added: {_value(change, change.new)}"
    if change.kind == "removed":
        return f"removed: {_value(change, change.old)}"
    return f"{_value(change, change.old)} -> {_value(change, change.new)}"


def _delta(change: Change) -> str:
    if change.delta is None:
        return ""
    sign = "+" if change.delta > 0 else ""
    if change.leaf in MONEY_FIELDS:
        return sign + money(change.delta, change.currency)
    return sign + exact(change.delta)


def _style(value: Decimal | None, kind: str = "changed") -> str:
    # Costs going up are what a reviewer must see: red; going down: green
    if kind == "removed":
        return "red"
    if kind == "added":
        return "cyan"
    if value is None or value == 0:
        return ""
    return "red" if value > 0 else "green"


def _headline(report: Report) -> str:
    result: DiffResult = report.payload
    counts = result.summary
    changes = result.changes
    providers = len({c.provider for c in changes})
    parts = [
        f"{counts[key]} {label}"
        for key, label in (
            ("increases", "price increase(s)"),
            ("decreases", "price decrease(s)"),
            ("added", "added"),
            ("removed", "removed"),
            ("other", "other change(s)"),
        )
        if counts[key]
    ]
    return f"{len(changes)} change(s) in {providers} provider(s): " + ", ".join(parts)


def _impact_cells(row: Impact) -> list[str]:
    return [
        row.workload,
        f"{row.provider}/{row.model}",
        money(row.old_monthly, row.currency),
        money(row.new_monthly, row.currency),
        ""
        if row.delta is None
        else ("+" if row.delta > 0 else "") + money(row.delta, row.currency),
        "" if row.percent is None else percent(row.percent),
    ]


IMPACT_HEADS = ["Workload", "Model", "Old monthly", "New monthly", "Delta", "Change"]


def diff_table(report: Report) -> RenderableType:
    result: DiffResult = report.payload
    changes: list[Change] = result.changes
    impact: list[Impact] = result.impact
    if not changes:
        return NO_CHANGES + "\n"
    parts: list[RenderableType] = []
    for provider, rows in iter_providers(changes):
        sheets = report.catalog.sheets if report.catalog is not None else {}
        title = (
            provider
            if provider not in sheets or sheets[provider].name == provider
            else (f"{sheets[provider].name} ({provider})")
        )
        out = new_table(escape(title))
        add_columns(
            out,
            ["Model", "Field", "Old -> new", "Delta", "Change"],
            numeric=("Delta", "Change"),
            names=("Model", "Field"),
        )
        for change in rows:
            style = _style(
                change.percent if change.percent is not None else change.delta, change.kind
            )
            pct = "" if change.percent is None else percent(change.percent)
            out.add_row(
                escape(change.model or ""),
                escape(_what(change)),
                escape(_move(change)),
                _delta(change),
                pct,
                style=style or None,
            )
        parts.append(out)
    if impact:
        out = new_table("Workload impact (monthly)")
        add_columns(out, IMPACT_HEADS, numeric=IMPACT_HEADS[2:], names=IMPACT_HEADS[:2])
        for row in impact:
            style = (
                _style(row.delta)
                if row.delta is not None
                else ("cyan" if row.old_monthly is None else "red")
            )
            out.add_row(*(escape(c) for c in _impact_cells(row)), style=style or None)
        parts.append(out)
    parts.append(_headline(report))
    return group(parts)


def diff_markdown(report: Report) -> str:
    result: DiffResult = report.payload
    changes: list[Change] = result.changes
    impact: list[Impact] = result.impact
    head = [MARKER, "### aicost: price sheet changes", ""]
    if not changes:
        return "\n".join([*head, NO_CHANGES]) + "\n"
    head += [f"**{_headline(report)}**", ""]
    budget = MARKDOWN_LIMIT - sum(len(line) + 1 for line in head)
    body: list[str] = []
    left_out = 0
    sections: list[tuple[str, list[str], list[list[str]], str]] = []
    if impact:
        sections.append(
            (
                "#### Workload impact (monthly)",
                IMPACT_HEADS,
                [_impact_cells(r) for r in impact],
                "llrrrr",
            )
        )
    sections.append(
        (
            "#### Changes",
            ["Provider", "Model", "Field", "Old -> new", "Delta", "Change"],
            [
                [
                    c.provider,
                    c.model or "",
                    _what(c),
                    _move(c),
                    _delta(c),
                    "" if c.percent is None else percent(c.percent),
                ]
                for c in changes
            ],
            "llllrr",
        )
    )
    for title, heads, rows, align in sections:
        table = md_table(heads, [])
        fitted: list[list[str]] = []
        size = len(title) + len(table) + 2
        for row in rows:
            line = len(md_table(heads, [row])) - len(table)
            if left_out or size + line > budget:
                left_out += 1
                continue
            fitted.append(row)
            size += line
        if fitted:
            body += [title, "", md_table(heads, fitted, align)]
            budget -= size
    if left_out:
        body.append(
            f"_{left_out} more row(s) not shown to stay within GitHub's comment limit; "
            "run `aicost diff` locally for all of them._"
        )
    return "\n".join(head + body) + "\n"


def validate_table(report: Report) -> RenderableType:
    # One `path:line:col: severity: message` line each, as compilers and linters print them; a
    # file name from a git tree cannot start a line of its own
    result: ValidateResult = report.payload
    return "".join(f"{plain(str(p))}\n" for p in result.found)


def validate_markdown(report: Report) -> str:
    result: ValidateResult = report.payload
    problems = result.found
    if not problems:
        return "aicost validate: no problems\n"
    rows = [
        [p.where.path, str(p.where.line or ""), str(p.where.column or ""), p.severity, p.message]
        for p in problems
    ]
    return md_table(["Path", "Line", "Column", "Severity", "Message"], rows, "lrrll")


TABLES = {"diff": diff_table, "validate": validate_table}
MARKDOWN = {"diff": diff_markdown, "validate": validate_markdown}
