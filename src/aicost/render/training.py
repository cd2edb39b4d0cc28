"""Views of `training` (claims checked) and `training-estimate` (a planned run) reports."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from aicost.engine.training import ClaimCheck, RunEstimate, big_money, count_text
from aicost.render.money import money
from aicost.render.text import Md, md, plain
from aicost.render.views import (
    add_columns,
    by_key,
    escape,
    group,
    md_table,
    new_table,
)

if TYPE_CHECKING:
    from rich.console import RenderableType

    from aicost.engine.report import Report

BOUND_MARKS = {"about": "~", "at_least": ">=", "at_most": "<="}
VERDICT_STYLES = {"consistent": "green", "inconsistent": "red", "unverifiable": "yellow"}
CLAIM_HEADS = ["Claim", "Amount", "Covers", "GPU-hours x price", "FLOP", "MFU", "Verdict", "Source"]


# -- big numbers for people -----------------------------------------------------------------------


def sci_text(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:.2e}".replace("e+", "e")


def flop_text(value: Decimal | None) -> str:
    return "-" if value is None else sci_text(value) + " FLOP"


def mfu_text(value: Decimal | None) -> str:
    return "-" if value is None else f"{(value * 100).quantize(Decimal('0.1'))}%"


def claim_text(check: ClaimCheck) -> str:
    if check.claim is None:
        return "none published"
    return f"{BOUND_MARKS.get(check.bound, check.bound)} {big_money(check.claim, check.currency)}"


def hours_text(check: ClaimCheck) -> str:
    if check.gpu_hours is None:
        return "-"
    chip = f" {check.gpu}" if check.gpu else ""
    text = f"{count_text(check.gpu_hours)}{chip} GPU-h"
    if check.recomputed_cost is None or check.gpu_hour_price is None:
        return text
    return f"{text} x {money(check.gpu_hour_price, check.currency)} = {big_money(check.recomputed_cost, check.currency)}"


def verdict_detail(check: ClaimCheck) -> str:
    """The verdict in a few words: which tests passed, which failed, what is missing."""
    failed = [r.split(" test", 1)[0] for r in check.reasons if " test failed" in r]
    passed = [r.split(" test", 1)[0] for r in check.reasons if " test passed" in r]
    if failed:
        return f"{' and '.join(failed)} test failed"
    if passed:
        if check.claim is None:
            return "MFU only; no cost to check"
        return f"{' + '.join(passed)} checked"
    if check.gpu_hours is None:
        return "no GPU-hours published"
    if check.gpu is None:
        return "no GPU type"
    if any("not in gpus.yaml" in r for r in check.reasons):
        return f"{check.gpu} not in gpus.yaml"
    return "nothing to check against"


def source_host(source: str) -> str:
    host = urlparse(source).netloc
    return host.removeprefix("www.") if host else source


def _provider_name(report: Report, provider: str) -> str:
    catalog = report.catalog
    if catalog is not None and provider in catalog.sheets:
        name = catalog.sheets[provider].name
        return name if name == provider else f"{name} ({provider})"
    return provider


def _groups(report: Report) -> list[tuple[str, list[ClaimCheck]]]:
    checks: list[ClaimCheck] = report.fields["claims"]
    return by_key(checks, key=lambda c: c.provider)


# -- training -------------------------------------------------------------------------------------


def _notes(rows: list[tuple[str, str]], bullet: bool = False) -> Any:
    """Lines with a hanging indent: `label  text that wraps under itself`."""
    from rich.table import Table

    grid = Table.grid(padding=(0, 1), pad_edge=False)
    grid.add_column(style="bold" if not bullet else None, no_wrap=True)
    grid.add_column()
    for label, text in rows:
        grid.add_row(escape(label), escape(text))
    from rich.padding import Padding

    return Padding(grid, (0, 0, 0, 2))


def training_table(report: Report) -> RenderableType:
    from rich.text import Text

    parts: list[Any] = []
    for provider, checks in _groups(report):
        out = new_table(escape(_provider_name(report, provider)))
        hosts = [source_host(c.source) for c in checks]
        add_columns(
            out,
            CLAIM_HEADS,
            numeric=["Amount", "FLOP", "MFU"],
            widths={"Claim": 11, "Covers": 14, "Verdict": 12},
            names=("Claim", "Covers", "Source"),
        )
        for check, host in zip(checks, hosts, strict=True):
            verdict = Text(check.verdict, style=VERDICT_STYLES.get(check.verdict, ""))
            verdict.append("\n" + plain(verdict_detail(check)), style="dim")
            out.add_row(
                escape(check.model),
                escape(claim_text(check)),
                escape(check.scope),
                escape(hours_text(check)),
                sci_text(check.flops),
                mfu_text(check.mfu),
                verdict,
                escape(host),
            )
        parts.append(out)
        longer = [(f"{c.model}:", c.covers) for c in checks if c.covers != c.scope]
        if longer:  # the table shows the first clause; the whole of it here
            parts.append(Text("  What each number covers:", style="dim"))
            parts.append(_notes(longer))
        parts.append(Text(""))
    comparison = report.extra.get("comparison") or ()
    if comparison:
        parts.append(Text("The headline comparison, like for like", style="bold"))
        parts.append(_notes([("-", line) for line in comparison], bullet=True))
    return group(parts)


def training_markdown(report: Report) -> str:
    chunks = []
    heads = [
        "Model",
        "Claim",
        "Covers",
        "GPU-hours x price",
        "Compute",
        "MFU",
        "Verdict",
        "Reasons",
        "Source",
    ]
    for provider, checks in _groups(report):
        chunks.append(f"**{md(_provider_name(report, provider))}**\n")
        body = [
            [
                c.model,
                claim_text(c),
                c.covers,
                hours_text(c),
                flop_text(c.flops),
                mfu_text(c.mfu),
                Md(f"**{md(c.verdict)}**"),
                "; ".join(c.reasons),
                c.source,
            ]
            for c in checks
        ]
        chunks.append(md_table(heads, body, "lrllrrlll"))
    comparison = report.extra.get("comparison") or ()
    if comparison:
        chunks.append("**What the headline numbers cover**\n")
        chunks.append("\n".join(f"- {md(line)}" for line in comparison) + "\n")
    return "\n".join(chunks)


# -- training estimate ----------------------------------------------------------------------------


def _estimate_lines(run: RunEstimate) -> list[tuple[str, str]]:
    source = "given" if run.price_source == "given" else "reference price, gpus.yaml"
    lines = [
        ("Active parameters", count_text(run.params)),
        ("Training tokens", count_text(run.tokens)),
        ("Compute (6ND)", flop_text(run.flops)),
        ("GPU", f"{run.gpu}, {run.bf16_tflops.normalize():f} TFLOP/s BF16 peak"),
        ("MFU", mfu_text(run.mfu)),
        ("GPU-hours", f"{count_text(run.gpu_hours)} ({run.gpu_hours.quantize(Decimal(1)):,} h)"),
        ("Price", f"{money(run.gpu_hour_price, run.currency)}/GPU-hour ({source})"),
        ("Cost", f"{big_money(run.cost, run.currency)} ({money(run.cost, run.currency)})"),
    ]
    if run.gpus is not None and run.days is not None:
        lines.append(
            ("Wall-clock", f"{run.days.quantize(Decimal('0.1'))} days on {run.gpus:,} GPUs")
        )
    return lines


def training_estimate_table(report: Report) -> RenderableType:
    run: RunEstimate = report.fields["estimate"]
    out = new_table("Training run estimate")
    add_columns(out, ["", "Value"])
    for label, value in _estimate_lines(run):
        out.add_row(label, escape(value))
    return group([out])


def training_estimate_markdown(report: Report) -> str:
    run: RunEstimate = report.fields["estimate"]
    return "**Training run estimate**\n\n" + md_table(
        ["", "Value"], [list(p) for p in _estimate_lines(run)]
    )


TABLES = {"training": training_table, "training-estimate": training_estimate_table}
MARKDOWN = {"training": training_markdown, "training-estimate": training_estimate_markdown}
