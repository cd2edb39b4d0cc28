"""Views of `training` (claims checked) and `training-estimate` (a planned run) reports."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from aicost.engine.training import (
    COST_TOLERANCE,
    MISSING_FLOPS,
    MISSING_GPU,
    MISSING_GPU_SPECS,
    MISSING_HOURS,
    MISSING_PRICE,
    ClaimCheck,
    ClaimsResult,
    Comparison,
    CostTest,
    MfuTest,
    RunEstimate,
)
from aicost.render.data import to_data
from aicost.render.money import money, percent
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
    from aicost.engine.training import RunEstimateResult

BOUND_MARKS = {"about": "~", "at_least": ">=", "at_most": "<="}
BOUND_WORDS = {"about": "about", "at_least": "at least", "at_most": "at most"}
VERDICT_STYLES = {"consistent": "green", "inconsistent": "red", "unverifiable": "yellow"}
CLAIM_HEADS = ["Claim", "Amount", "Covers", "GPU-hours x price", "FLOP", "MFU", "Verdict", "Source"]


# -- big numbers for people -----------------------------------------------------------------------


def count_text(value: Decimal) -> str:
    """`37B`, `14.8T`, `2.788M`: a large count for people (up to 3 decimals)."""
    for size, suffix in ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "K")):
        if abs(value) >= size:
            scaled = (value / size).quantize(Decimal("0.001")).normalize()
            return f"{scaled:f}{suffix}"
    return f"{value.normalize():f}"


def big_money(value: Decimal | None, currency: str) -> str:
    """`$5.58M`, `$294.67K`, `$1.20B`; plain money below a thousand."""
    if value is None:
        return "-"
    for size, suffix in ((10**9, "B"), (10**6, "M"), (10**3, "K")):
        if abs(value) >= size:
            text = money(value / size, currency)
            code = f" {currency}"
            return text[: -len(code)] + suffix + code if text.endswith(code) else text + suffix
    return money(value, currency)


def round_money(value: Decimal, currency: str) -> str:
    """`$2`, `$3.42`: money without a `.00` of cents."""
    return money(value, currency).replace(".00", "", 1)


def sci_text(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:.2e}".replace("e+", "e")


def flop_text(value: Decimal | None) -> str:
    return "-" if value is None else sci_text(value) + " FLOP"


def mfu_text(value: Decimal | None) -> str:
    return "-" if value is None else f"{(value * 100).quantize(Decimal('0.1'))}%"


def _hours(value: Decimal) -> str:
    return f"{value.normalize():,f}"


def _change(ratio: Decimal | None) -> str:
    """`+71.0%`, `-33.3%`: how far the recomputation lands from the claim."""
    return "" if ratio is None else f" ({percent((ratio - 1) * 100)})"


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


# -- sentences from the typed results ------------------------------------------------------------


def _cost_rule(bound: str) -> str:
    share = (COST_TOLERANCE * 100).normalize()
    if bound == "at_least":
        return f"a lower bound needs the parts to reach at least {100 - share:f}% of it"
    if bound == "at_most":
        return f"an upper bound needs the parts to stay within {100 + share:f}% of it"
    return f"the parts must land within {share:f}% of the claim"


def _price_said(check: ClaimCheck) -> str:
    """Which price per GPU-hour was used, and where it came from."""
    price = money(check.gpu_hour_price, check.currency)
    if check.price_source == "override":
        return f"priced at {price}/GPU-hour for {check.gpu} (--gpu-price)"
    if check.price_source == "claim":
        return f"priced at the claim's own {price}/GPU-hour"
    when = f", {check.price_checked.isoformat()}" if check.price_checked else ""
    return f"priced at the reference rate {price}/GPU-hour ({check.gpu} in gpus.yaml{when})"


def _compute_said(check: ClaimCheck) -> str | None:
    if check.flops is None:
        return None
    if check.flops_source == "6ND":
        assert check.active_params is not None and check.training_tokens is not None
        text = (
            f"compute 6 x {count_text(check.active_params)} params x "
            f"{count_text(check.training_tokens)} tokens = {sci_text(check.flops)} FLOP"
        )
        if check.stated_flops is not None:
            text += f" (stated: {sci_text(check.stated_flops)})"
        return text
    return f"compute {sci_text(check.flops)} FLOP as stated (no active-parameter or token count for 6ND)"


def _cost_said(check: ClaimCheck, test: CostTest) -> str:
    hours = _hours(check.gpu_hours or Decimal(0))
    code = check.currency
    line = (
        f"{hours} GPU-h x {money(check.gpu_hour_price, code)} = {money(test.recomputed, code)} "
        f"vs claim {BOUND_WORDS.get(test.bound, test.bound)} {money(test.claim, code)}"
    )
    if test.ratio is not None:
        line += f" ({'+' if test.ratio >= 1 else '-'}{mfu_text(abs(test.ratio - 1))})"
    if test.passed:
        return f"cost test passed: {line}"
    return f"cost test failed: {line}; {_cost_rule(test.bound)}"


def _range(test: MfuTest) -> str:
    return f"{mfu_text(test.low).replace('.0%', '%')}-{mfu_text(test.high).replace('.0%', '%')}"


def _mfu_said(test: MfuTest) -> str:
    line = f"MFU {mfu_text(test.mfu)} against {test.peak_tflops.normalize():f} TFLOP/s BF16 peak"
    if test.passed:
        return f"MFU test passed: {line} (plausible: {_range(test)})"
    side = f"below {_edge(test.low)}" if test.mfu < test.low else f"above {_edge(test.high)}"
    return f"MFU test failed: {line} is {side}, outside what real runs reach"


def _edge(value: Decimal) -> str:
    return mfu_text(value).replace(".0%", "%")


def _missing_words(check: ClaimCheck, names: tuple[str, ...], test: str) -> list[str]:
    gpu = check.gpu or "the GPU"
    words = {
        "cost": {
            MISSING_HOURS: "GPU-hours",
            MISSING_GPU: "GPU type and price",
            MISSING_GPU_SPECS: f"a price for {gpu} (not in gpus.yaml)",
            MISSING_PRICE: f"a price for {gpu} (give --gpu-price)",
        },
        "MFU": {
            MISSING_HOURS: "GPU-hours",
            MISSING_GPU: "GPU type",
            MISSING_GPU_SPECS: f"peak throughput of {gpu} (not in gpus.yaml)",
            MISSING_FLOPS: "compute (active params and tokens, or stated FLOP)",
        },
    }[test]
    return [words[name] for name in names if name in words]


def reasons(check: ClaimCheck) -> list[str]:
    """The check in sentences: the price used, the compute, each test's numbers, what is missing."""
    code = check.currency
    out: list[str] = []
    if check.recomputed_cost is not None:
        out.append(_price_said(check))
    compute = _compute_said(check)
    if compute is not None:
        out.append(compute)
    if check.claim is None and check.recomputed_cost is not None:
        out.append(
            f"no published cost; {_hours(check.gpu_hours or Decimal(0))} GPU-h at "
            f"{money(check.gpu_hour_price, code)} = {money(check.recomputed_cost, code)}, "
            "for scale only"
        )
    said = []
    if check.cost_test is not None:
        said.append((check.cost_test.passed, _cost_said(check, check.cost_test)))
    if check.mfu_test is not None:
        said.append((check.mfu_test.passed, _mfu_said(check.mfu_test)))
    out += [text for passed, text in said if not passed] + [t for passed, t in said if passed]
    if check.claim is not None and check.recomputed_cost is None:
        lacks = _missing_words(check, check.cost_missing, "cost")
        out.append("cost not checked: missing " + ", ".join(lacks))
    if check.mfu_test is None:
        lacks = _missing_words(check, check.mfu_missing, "MFU")
        out.append("MFU not checked: missing " + ", ".join(lacks))
    if check.claim is None and check.recomputed_cost is None:
        out.append("cost not checked: no published cost and nothing to price the hours with")
    return out


def _failed_said(check: ClaimCheck) -> list[str]:
    """Each failed test in a few words, with its numbers: `cost: $9.53M vs claim $5.58M (+71.0%)`."""
    code = check.currency
    lines = []
    cost = check.cost_test
    if cost is not None and not cost.passed:
        mark = "" if cost.bound == "about" else BOUND_MARKS.get(cost.bound, cost.bound) + " "
        lines.append(
            f"cost: {big_money(cost.recomputed, code)} vs claim {mark}"
            f"{big_money(cost.claim, code)}{_change(cost.ratio)}"
        )
    mfu = check.mfu_test
    if mfu is not None and not mfu.passed:
        side = f"below {_edge(mfu.low)}" if mfu.mfu < mfu.low else f"above {_edge(mfu.high)}"
        lines.append(f"MFU {mfu_text(mfu.mfu)}, {side}")
    return lines


def verdict_detail(check: ClaimCheck) -> str:
    """The verdict in a few words: the failed tests' numbers, which passed, or what is missing."""
    failed = _failed_said(check)
    if failed:
        return "\n".join(failed)
    if check.passed:
        if check.claim is None:
            return "MFU only; no cost to check"
        return f"{' + '.join(check.passed)} checked"
    if check.gpu_hours is None:
        return "no GPU-hours published"
    if check.gpu is None:
        return "no GPU type"
    if MISSING_GPU_SPECS in check.mfu_missing:
        return f"{check.gpu} not in gpus.yaml"
    return "nothing to check against"


def claim_record(check: ClaimCheck) -> dict[str, Any]:
    """One claim as JSON and CSV data: its typed fields plus `reasons`, the same in sentences."""
    record: dict[str, Any] = to_data(check)
    record["reasons"] = reasons(check)
    return record


def claim_records(report: Report) -> tuple[dict[str, Any], list[Any]]:
    """The JSON fields and CSV rows of a `training` report."""
    records = [claim_record(c) for c in _result(report).checks]
    return {"claims": records}, records


def comparison_lines(comparison: Comparison) -> list[str]:
    """The seed article's "$6M vs $100M+", told straight: what each headline number covers."""
    v3, altman, epoch = comparison.deepseek, comparison.altman, comparison.epoch
    assert v3.claim is not None
    code = v3.currency
    own = v3.claim_gpu_hour_price
    rate = f" at an assumed {money(own, code)}/GPU-hour" if own is not None else ""
    first = (
        f"DeepSeek-V3, {big_money(v3.claim, code)}: the GPU rental of the final training run "
        f"only{rate}; no research, ablations, hardware, staff or data."
    )
    if (
        v3.recomputed_cost is not None
        and v3.gpu_hour_price is not None
        and v3.gpu_hour_price != own
    ):
        where = {"override": "--gpu-price", "reference": "the gpus.yaml reference rate"}
        first += (
            f" At {money(v3.gpu_hour_price, code)}/GPU-hour "
            f"({where.get(v3.price_source or '', 'used here')}) the same hours cost "
            f"{big_money(v3.recomputed_cost, code)}."
        )
    lines = [first]
    if altman is not None and altman.claim is not None:
        lines.append(
            f"GPT-4, {BOUND_WORDS[altman.bound]} {big_money(altman.claim, code)}: Sam Altman's "
            "remark, scope unspecified (it may cover far more than a final run); no parts to check."
        )
    if epoch is not None and epoch.claim is not None:
        lines.append(
            f"GPT-4, Epoch AI's estimate, {big_money(epoch.claim, code)}: the final run only, at "
            "cloud rental prices; the like-for-like figure."
        )
    if altman is not None and altman.claim is not None:
        lines.append(
            f'So "{_short(v3.claim, code)} vs {_short(altman.claim, code)}+" sets one run\'s '
            "rental against a remark about everything: apples to oranges."
        )
    if comparison.gap is not None:
        gap = comparison.gap.quantize(Decimal("0.1"))
        assumption = (
            f", and DeepSeek's {round_money(own, code)}/GPU-hour is its own assumption"
            if own is not None
            else ""
        )
        lines.append(
            f"Final run against final run the gap is {gap}x (Epoch's GPT-4 against DeepSeek-V3)"
            f"{assumption}."
        )
    return lines


def _short(value: Decimal, currency: str) -> str:
    if value >= 10**6:
        return money((value / 10**6).quantize(Decimal(1)), currency).replace(".00", "") + "M"
    return money(value, currency)


def source_host(source: str) -> str:
    host = urlparse(source).netloc
    return host.removeprefix("www.") if host else source


def _provider_name(report: Report, provider: str) -> str:
    catalog = report.catalog
    if catalog is not None and provider in catalog.sheets:
        name = catalog.sheets[provider].name
        return name if name == provider else f"{name} ({provider})"
    return provider


def _result(report: Report) -> ClaimsResult:
    result: ClaimsResult = report.payload
    return result


def _groups(report: Report) -> list[tuple[str, list[ClaimCheck]]]:
    return by_key(list(_result(report).checks), key=lambda c: c.provider)


def _comparison(report: Report) -> list[str]:
    comparison = _result(report).comparison
    return [] if comparison is None else comparison_lines(comparison)


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
    comparison = _comparison(report)
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
                "; ".join(reasons(c)),
                c.source,
            ]
            for c in checks
        ]
        chunks.append(md_table(heads, body, "lrllrrlll"))
    comparison = _comparison(report)
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
    result: RunEstimateResult = report.payload
    run: RunEstimate = result.estimate
    out = new_table("Training run estimate")
    add_columns(out, ["", "Value"])
    for label, value in _estimate_lines(run):
        out.add_row(label, escape(value))
    return group([out])


def training_estimate_markdown(report: Report) -> str:
    result: RunEstimateResult = report.payload
    run: RunEstimate = result.estimate
    return "**Training run estimate**\n\n" + md_table(
        ["", "Value"], [list(p) for p in _estimate_lines(run)]
    )


TABLES = {"training": training_table, "training-estimate": training_estimate_table}
MARKDOWN = {"training": training_markdown, "training-estimate": training_estimate_markdown}
RECORDS = {"training": claim_records}
