"""Views of `estimate`, `models` and `history` reports."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aicost.engine.listing import ModelInfo, PeriodInfo, window_groups
from aicost.engine.pricing import EstimateRow, Workload
from aicost.model.prices import ModelPrice, Rates
from aicost.model.quantity import format_moment
from aicost.render.money import moment, money, percent, tokens
from aicost.render.text import md, plain
from aicost.render.views import (
    add_columns,
    bar,
    by_key,
    drop_empty,
    escape,
    group,
    longest,
    md_table,
    new_table,
)
from aicost.render.windows import group_words

if TYPE_CHECKING:
    from rich.console import RenderableType

    from aicost.engine.report import EstimateResult, HistoryResult, ModelsResult, Report


def _describe(workload: Workload) -> str:
    req = workload.request
    parts = [f"{tokens(req.input_tokens)} in"]
    if req.cached_tokens:
        parts.append(f"{tokens(req.cached_tokens)} cached")
    if req.cache_write_tokens:
        parts.append(f"{tokens(req.cache_write_tokens)} cache write")
    parts.append(f"{tokens(req.output_tokens)} out")
    if req.reasoning_tokens:
        parts.append(f"{tokens(req.reasoning_tokens)} reasoning")
    count = f"{workload.requests:,} request{'s' if workload.requests != 1 else ''}"
    if workload.per != "once":
        count += f" per {workload.per}"
    extra = []
    if workload.batch_share:
        extra.append(f"{workload.batch_share * 100:g}% batch")
    if workload.off_peak_share:
        extra.append(f"{workload.off_peak_share * 100:g}% off-peak")
    text = f"{workload.name}: {count} of {', '.join(parts)}"
    return text + (f" ({', '.join(extra)})" if extra else "")


def _provider_name(report: Report, provider: str) -> str:
    catalog = report.catalog
    if catalog is not None and provider in catalog.sheets:
        name = catalog.sheets[provider].name
        return name if name == provider else f"{name} ({provider})"
    return provider


def _estimate(report: Report) -> EstimateResult:
    result: EstimateResult = report.payload
    return result


def _headline(row: EstimateRow) -> Decimal:
    return row.monthly if row.monthly is not None else row.total


class _Layout:
    """Which columns an estimate needs, decided once over every row."""

    def __init__(self, rows: Sequence[EstimateRow]):
        self.cached = any(r.cached_cost for r in rows)
        self.write = any(r.cache_write_cost for r in rows)
        self.tier = any(r.tier != "flat" for r in rows)
        self.periodic = any(r.monthly is not None for r in rows)
        self.budget = any(r.budget is not None for r in rows)

    def headers(self, per: str) -> list[str]:
        heads = ["Model"]
        if self.tier:
            heads.append("Tier")
        heads.append("Input")
        if self.cached:
            heads.append("Cached")
        if self.write:
            heads.append("Cache write")
        heads += ["Output", "Per request", "Monthly" if per != "once" else "Total"]
        return heads

    def cells(self, row: EstimateRow) -> list[str]:
        c = row.currency
        cells = [row.model]
        if self.tier:
            cells.append(row.tier)
        cells.append(money(row.input_cost, c))
        if self.cached:
            cells.append(money(row.cached_cost, c))
        if self.write:
            cells.append(money(row.cache_write_cost, c))
        cells += [money(row.output_cost, c), money(row.per_request, c), money(_headline(row), c)]
        return cells


def _flags(row: EstimateRow) -> list[str]:
    flags = list(row.warnings)
    if row.over_budget:
        flags.insert(0, f"over budget of {money(row.budget, row.currency)}")
    return flags


def _grouped_flags(rows: Sequence[EstimateRow]) -> list[str]:
    """Each distinct warning once, with the models it applies to."""
    seen: dict[str, list[str]] = {}
    for row in rows:
        for flag in _flags(row):
            seen.setdefault(flag, []).append(row.model)
    return [f"{flag}: {', '.join(models)}" for flag, models in seen.items()]


def _sections(
    report: Report,
) -> list[tuple[Workload, list[tuple[str, list[EstimateRow]]], list[EstimateRow]]]:
    """Per workload: providers ordered by their cheapest row, rows cheapest first."""
    result: EstimateResult = report.payload
    rows = result.rows
    out = []
    for workload in result.workloads:
        mine = sorted(
            (r for r in rows if r.workload == workload.name), key=lambda r: (r.per_request, r.model)
        )
        groups = by_key(sorted(mine, key=lambda r: r.provider), key=lambda r: r.provider)
        groups.sort(key=lambda g: (g[1][0].per_request if g[1] else Decimal(0), g[0]))
        groups = [(p, sorted(rs, key=lambda r: (r.per_request, r.model))) for p, rs in groups]
        out.append((workload, groups, mine))
    return out


def estimate_table(report: Report) -> RenderableType:
    from rich.text import Text

    parts: list[Any] = []
    for workload, groups, mine in _sections(report):
        parts.append(Text(plain(_describe(workload)), style="bold"))
        if not mine:
            parts.append(Text("  no model priced"))
            continue
        pinned = _pinned(mine)
        if pinned is not None:
            parts.extend(_pinned_table(report, pinned, mine, workload))
            continue
        layout = _Layout(mine)
        dearest = max(r.per_request for r in mine)
        for provider, rows in groups:
            out = new_table(escape(f"{_provider_name(report, provider)} · {rows[0].currency}"))
            heads = layout.headers(workload.per)
            add_columns(
                out,
                [*heads, ""],
                numeric=[h for h in heads[1:] if h != "Tier"],
                widths={"Model": longest([r.model for r in rows])},
                names=("Model",),
                optional=("",),
            )
            for row in rows:
                style = "red" if row.over_budget else None
                cells = [escape(c) for c in layout.cells(row)]
                out.add_row(*cells, Text(bar(row.per_request, dearest), style="cyan"), style=style)
            parts.append(out)
            notes = _grouped_flags(rows)
            if notes:
                parts.append(Text("\n".join(f"  ! {plain(n)}" for n in notes), style="yellow"))
        if len(groups) > 1:
            parts.append(_summary_table(groups, workload))
    return group(parts)


def _summary_rows(groups: list[tuple[str, list[EstimateRow]]]) -> list[tuple[EstimateRow, str]]:
    cheapest = [rows[0] for _, rows in groups]
    base = cheapest[0].per_request
    out = []
    for row in cheapest:
        ratio = "-" if base == 0 else f"{(row.per_request / base).quantize(Decimal('0.1'))}x"
        out.append((row, ratio))
    return out


def _summary_table(groups: list[tuple[str, list[EstimateRow]]], workload: Workload) -> Any:
    from rich.text import Text

    out = new_table("Cheapest per provider")
    heads = [
        "Provider",
        "Model",
        "Per request",
        "Total" if workload.per == "once" else "Monthly",
        "vs cheapest",
        "",
    ]
    add_columns(
        out,
        heads,
        numeric=heads[2:5],
        widths={"Model": longest([rs[0].model for _, rs in groups])},
        names=("Provider", "Model"),
        optional=("",),
    )
    dearest = max(rows[0].per_request for _, rows in groups)
    for row, ratio in _summary_rows(groups):
        cells = [
            row.provider,
            row.model,
            money(row.per_request, row.currency),
            money(_headline(row), row.currency),
        ]
        out.add_row(
            *(escape(c) for c in cells), ratio, Text(bar(row.per_request, dearest), style="cyan")
        )
    return out


def estimate_markdown(report: Report) -> str:
    chunks = []
    for workload, groups, mine in _sections(report):
        chunks.append(f"### {md(_describe(workload))}\n")
        if not mine:
            chunks.append("No model priced.\n")
            continue
        pinned = _pinned(mine)
        if pinned is not None:
            now, heads, body, rest = _pinned_lines(pinned, mine, workload)
            chunks.append(f"**{md(now)}**\n")
            if body:
                chunks.append(md_table(heads, body, "lrrl"))
            chunks.extend(f"{md(line)}\n" for line in rest)
            continue
        layout = _Layout(mine)
        for provider, rows in groups:
            chunks.append(f"**{md(_provider_name(report, provider))}** · {rows[0].currency}\n")
            body = [layout.cells(row) for row in rows]
            chunks.append(md_table(layout.headers(workload.per), body, "l" + "r" * 20))
            notes = _grouped_flags(rows)
            if notes:
                chunks.append("\n".join(f"- ⚠️ {md(n)}" for n in notes) + "\n")
        if len(groups) > 1:
            heads = [
                "Provider",
                "Model",
                "Per request",
                "Total" if workload.per == "once" else "Monthly",
                "vs cheapest",
            ]
            body = [
                [
                    row.provider,
                    row.model,
                    money(row.per_request, row.currency),
                    money(_headline(row), row.currency),
                    ratio,
                ]
                for row, ratio in _summary_rows(groups)
            ]
            chunks.append("**Cheapest per provider**\n")
            chunks.append(md_table(heads, body, "llrrr"))
    return "\n".join(chunks)


# -- a pinned model and its cheaper alternatives (--compare on a workload with `model:`) ----------


def _pinned(rows: Sequence[EstimateRow]) -> EstimateRow | None:
    return next((r for r in rows if r.pinned), None)


def _ref(row: EstimateRow) -> str:
    return f"{row.provider}/{row.model}"


def _pinned_lines(
    pinned: EstimateRow, rows: Sequence[EstimateRow], workload: Workload
) -> tuple[str, list[str], list[list[str]], list[str]]:
    """The `now:` line, the table of cheaper models (cheapest first) and the closing lines."""
    c = pinned.currency
    span = "" if workload.per == "once" else "/month"
    now = (
        f"now: {_ref(pinned)} · {money(pinned.per_request, c)} per request · "
        f"{money(_headline(pinned), c)}{span}"
    )
    cheaper = sorted(
        (r for r in rows if r.saving is not None and r.saving > 0),
        key=lambda r: (_headline(r), r.provider, r.model),
    )
    heads = ["Model", "Per request", "Monthly" if span else "Total", "vs now"]
    body = []
    for row in cheaper:
        assert row.saving is not None
        change = "" if row.saving_percent is None else f" (-{row.saving_percent}%)"
        body.append(
            [
                _ref(row),
                money(row.per_request, c),
                money(_headline(row), c),
                f"saves {money(row.saving, c)}{span}{change}",
            ]
        )
    # the pinned row's budget and warnings (and the alternatives') are shown as in the full table
    rest = [f"  ! {flag}" for flag in _grouped_flags([pinned, *cheaper])]
    if not cheaper:
        rest.append(f"no selected model costs less than {_ref(pinned)}")
    dearer = sum(1 for r in rows if not r.pinned and r not in cheaper)
    if dearer:
        rest.append(f"{dearer} other model(s) cost the same or more (see -f json)")
    return now, heads, body, rest


def _pinned_table(
    report: Report, pinned: EstimateRow, rows: Sequence[EstimateRow], workload: Workload
) -> list[Any]:
    from rich.text import Text

    now, heads, body, rest = _pinned_lines(pinned, rows, workload)
    parts: list[Any] = [Text(plain(now))]
    if body:
        out = new_table("Costs less")
        add_columns(
            out,
            heads,
            numeric=heads[1:3],
            widths={"Model": longest([line[0] for line in body])},
            names=("Model",),
        )
        for line in body:
            out.add_row(*(escape(cell) for cell in line))
        parts.append(out)
    parts.extend(Text(plain(line), style="yellow") for line in rest)
    return parts


# -- models ---------------------------------------------------------------------------------------


def _rate(value: Decimal | None, currency: str) -> str:
    return "-" if value is None else money(value, currency)


def _multiplier(value: Decimal | None) -> str:
    return "-" if value is None else f"x{value.normalize():f}"


def _tier_cells(tier: Rates, currency: str, label: str) -> list[str]:
    return [
        label,
        _rate(tier.input, currency),
        _rate(tier.cached_input, currency),
        _rate(tier.cache_write, currency),
        _rate(tier.output, currency),
    ]


def _tier_label(tiers: Sequence[Rates], index: int) -> str:
    tier = tiers[index]
    if tier.up_to is not None:
        return f"<={tokens(tier.up_to)}"
    return f">{tokens(tiers[index - 1].up_to)}"


MODEL_HEADS = ["Model", "Input", "Cached", "Cache write", "Output", "Context", "Batch", "Windows"]


def _model_lines(info: ModelInfo) -> list[list[str]]:
    extra = [
        tokens(info.context_window),
        _multiplier(info.batch_multiplier),
        ", ".join(sorted({w.name for w in info.windows})) or "-",
    ]
    if len(info.tiers) == 1:
        return [_tier_cells(info.tiers[0], info.currency, info.id) + extra]
    lines = [[info.id, "", "", "", "", *extra]]
    for index, tier in enumerate(info.tiers):
        lines.append(
            [*_tier_cells(tier, info.currency, "  " + _tier_label(info.tiers, index)), "", "", ""]
        )
    return lines


def _by_provider(report: Report) -> list[tuple[str, list[ModelInfo]]]:
    result: ModelsResult = report.payload
    return by_key(result.models, key=lambda m: m.provider)


def models_table(report: Report) -> RenderableType:

    parts: list[Any] = []
    for provider, infos in _by_provider(report):
        out = new_table(
            escape(f"{_provider_name(report, provider)} · {infos[0].currency} per 1M tokens")
        )
        heads, lines = drop_empty(
            MODEL_HEADS, [line for info in infos for line in _model_lines(info)]
        )
        add_columns(
            out,
            heads,
            numeric=MODEL_HEADS[1:7],
            widths={"Model": longest([i.id for i in infos])},
            names=("Model",),
        )
        for line in lines:
            out.add_row(*(escape(c) for c in line))
        parts.append(out)
        words = _model_windows(infos)
        if words:
            parts.append(_word_grid(words))
    return group(parts)


def _word_grid(lines: Sequence[tuple[str, str]]) -> Any:
    """Lines of `who  what`, indented, `what` wrapping under itself."""
    from rich.table import Table

    grid = Table.grid(padding=(0, 1), pad_edge=False)
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for who, what in lines:
        grid.add_row("", escape(who), escape(what))
    return grid


def _model_windows(infos: Sequence[ModelInfo]) -> list[tuple[str, str]]:
    """Each model's discount windows in words, one line per window group."""
    return [
        (info.id, group_words(g, info.currency))
        for info in infos
        for g in window_groups(info.windows, info.tiers)
    ]


def models_markdown(report: Report) -> str:
    chunks = []
    for provider, infos in _by_provider(report):
        chunks.append(
            f"**{md(_provider_name(report, provider))}** · {infos[0].currency} per 1M tokens\n"
        )
        heads, body = drop_empty(
            MODEL_HEADS, [line for info in infos for line in _model_lines(info)]
        )
        chunks.append(md_table(heads, body, "l" + "r" * (len(heads) - 2) + "l"))
        words = _model_windows(infos)
        if words:
            chunks.append("\n".join(f"- {md(a)} {md(b)}" for a, b in words) + "\n")
    return "\n".join(chunks)


# -- history --------------------------------------------------------------------------------------

SHORT = {"input": "in", "cached_input": "cached", "cache_write": "write", "output": "out"}


def _change_label(period: PeriodInfo) -> str:
    if period.first:
        return "first price"
    return ", ".join(f"{SHORT[k]} {percent(v)}" for k, v in period.change.items()) or "none"


def _history_lines(report: Report) -> tuple[list[str], list[list[str]]]:
    """One line per tier of each period, then one per tier of each of its discount windows."""
    result: HistoryResult = report.payload
    periods = result.periods
    labelled = any(len(p.tiers) > 1 or p.windows for p in periods)
    heads = [
        "From",
        "Until",
        *(["Price"] if labelled else []),
        "Input",
        "Cached",
        "Cache write",
        "Output",
        "Change",
    ]
    lines = []
    for period in periods:
        rows: list[tuple[str, Rates]] = []
        for i, tier in enumerate(period.tiers):
            size = _tier_label(period.tiers, i) if len(period.tiers) > 1 else ""
            rows.append((size or ("list" if period.windows else ""), tier))
        for win in window_groups(period.windows, period.tiers):
            for i, tier in enumerate(win.tiers):
                tiered = win.rates is None and len(win.tiers) > 1
                rows.append(
                    (f"{win.name} {_tier_label(win.tiers, i)}" if tiered else win.name, tier)
                )
        for i, (label, tier) in enumerate(rows):
            head = [moment(period.since), moment(period.until, "now")] if i == 0 else ["", ""]
            cells = _tier_cells(tier, period.currency, label)
            tail = _change_label(period) if i == 0 else ""
            lines.append([*head, *(cells if labelled else cells[1:]), tail])
    return drop_empty(heads, lines)


def _history_words(report: Report) -> list[tuple[str, str]]:
    """Per period, its note and its discount windows in words, after the dates it ran."""
    result: HistoryResult = report.payload
    out = []
    for period in result.periods:
        dates = f"{moment(period.since)} to {moment(period.until, 'now')}"
        said = [period.note] if period.note else []
        said += [
            group_words(w, period.currency) for w in window_groups(period.windows, period.tiers)
        ]
        out += [(dates if i == 0 else "", text) for i, text in enumerate(said)]
    return out


def _history_title(report: Report) -> tuple[str, str | None]:
    result: HistoryResult = report.payload
    model: ModelPrice = result.model
    retired = None if model.retired is None else f"retired {format_moment(model.retired)}"
    code = result.periods[0].currency if result.periods else model.currency
    return f"{model.ref} · {code} per 1M tokens", retired


def history_table(report: Report) -> RenderableType:
    from rich.text import Text

    title, retired = _history_title(report)
    heads, lines = _history_lines(report)
    out = new_table(escape(title))
    add_columns(
        out,
        heads,
        numeric=("Input", "Cached", "Cache write", "Output"),
        widths={"From": 10, "Until": 10},
    )
    for line in lines:
        out.add_row(*(escape(c) for c in line))
    parts: list[Any] = [out]
    words = _history_words(report)
    if words:
        parts.append(_word_grid(words))
    if retired:
        parts.append(Text(plain(retired), style="yellow"))
    return group(parts)


def history_markdown(report: Report) -> str:
    title, retired = _history_title(report)
    heads, lines = _history_lines(report)
    align = "".join(
        "r" if h in ("Input", "Cached", "Cache write", "Output") else "l" for h in heads
    )
    text = f"**{md(title)}**\n\n" + md_table(heads, lines, align)
    words = _history_words(report)
    if words:
        text += "\n" + "".join(f"- {md(a)} {md(b)}\n" for a, b in words)
    return text + (f"\n{md(retired.capitalize())}.\n" if retired else "")


TABLES = {"estimate": estimate_table, "models": models_table, "history": history_table}
MARKDOWN = {"estimate": estimate_markdown, "models": models_markdown, "history": history_markdown}
