"""`aicost chart`: the price of a request over time, as a terminal table or an SVG/PNG file."""

from __future__ import annotations

from typing import Annotated

import typer

from aicost.cli.commands import emit, exit_with, fail, listed_catalog, parse_or_fail
from aicost.cli.options import CurrencyOpt, FormatOpt, NoColorOpt, PricesOpt
from aicost.render import Format


def chart(
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model",
            "-m",
            help="Draw this model: id, alias or provider/id (repeatable).",
            metavar="REF",
        ),
    ] = None,
    provider: Annotated[
        list[str] | None,
        typer.Option(
            "--provider",
            "-p",
            help="Draw this provider's cheapest model at each moment (repeatable). Default, "
            "when no --model is given: deepseek, alibaba, openai, anthropic, google. A model "
            "without a launch date (no `since`) counts only from its sheet's `checked` day, "
            "when it is known to be served.",
            metavar="SLUG",
        ),
    ] = None,
    input_tokens: Annotated[
        str,
        typer.Option(
            "--input-tokens",
            "-i",
            help="Input tokens per request, cached ones included (1.5k, 2M).",
            metavar="TOKENS",
        ),
    ] = "1M",
    output_tokens: Annotated[
        str,
        typer.Option(
            "--output-tokens",
            "-o",
            help="Output tokens per request, reasoning included.",
            metavar="TOKENS",
        ),
    ] = "1M",
    since: Annotated[
        str | None,
        typer.Option(
            "--since", help="First day (YYYY-MM-DD). Default: 24 months ago.", metavar="DATE"
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", help="Last day (YYYY-MM-DD). Default: today.", metavar="DATE"),
    ] = None,
    save: Annotated[
        str | None,
        typer.Option(
            "--save",
            help="Write the chart to FILE, .svg or .png (needs the aicost[plot] extra).",
            metavar="FILE",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the --save file.")] = False,
    fmt: FormatOpt = Format.table,
    prices: PricesOpt = None,
    currency: CurrencyOpt = "USD",
    no_color: NoColorOpt = False,
) -> None:
    """The price war, drawn: one request's list price over time, per model or per provider.

    A --model line follows its sheet (no price before its `since`). A provider line follows its
    cheapest model among those known to be served: a model without a launch date joins only
    from the sheet's `checked` day.
    """
    exit_with(run_chart(**locals()))


def run_chart(
    *,
    model: list[str] | None = None,
    provider: list[str] | None = None,
    input_tokens: str = "1M",
    output_tokens: str = "1M",
    since: str | None = None,
    until: str | None = None,
    save: str | None = None,
    force: bool = False,
    fmt: Format = Format.table,
    prices: list[str] | None = None,
    currency: str = "USD",
    no_color: bool = False,
) -> int:
    from aicost.cli.commands import EXIT_OK, moment
    from aicost.engine.chart import default_range, price_war
    from aicost.engine.pricing import Request
    from aicost.engine.report import Report
    from aicost.model.quantity import parse_moment, parse_tokens
    from aicost.render.chart import chart_rows, image_format, write_image

    if save is not None:
        image_format(save)
    request = Request(
        input_tokens=parse_or_fail(parse_tokens, input_tokens, "--input-tokens"),
        output_tokens=parse_or_fail(parse_tokens, output_tokens, "--output-tokens"),
    )
    first, last = default_range(moment(None).date())
    if until is not None:
        last = parse_or_fail(parse_moment, until, "--until")
        if since is None:
            first = default_range(last.date())[0]
    if since is not None:
        first = parse_or_fail(parse_moment, since, "--since")
    _, catalog, code = listed_catalog(prices, currency, None)
    if code is None:
        fail("--currency is required")
    result = price_war(
        catalog,
        request,
        since=first,
        until=last,
        currency=code,
        models=model or (),
        providers=provider or (),
    )
    if save is not None:
        write_image(result, save, force)
        return EXIT_OK
    report = Report(
        kind="chart",
        payload=result,
        rows=chart_rows(result),
        currency=code,
        as_of=last,
        catalog=catalog,
    )
    emit(report, fmt, no_color)
    return EXIT_OK
