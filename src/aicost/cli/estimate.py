"""`estimate`, `models` and `history`: the Typer declarations of the catalog commands."""

from __future__ import annotations

from typing import Annotated

import typer

from aicost.cli import commands
from aicost.cli.commands import exit_with
from aicost.cli.options import (
    AsOfOpt,
    CurrencyOpt,
    FormatOpt,
    ModelOpt,
    NoColorOpt,
    PricesOpt,
    ProviderOpt,
    complete_models,
)
from aicost.render import Format

SearchOpt = Annotated[
    str | None,
    typer.Option(
        "--search",
        help="Only models whose provider, id, name or alias contains TEXT.",
        metavar="TEXT",
    ),
]
ListCurrencyOpt = Annotated[
    str | None,
    typer.Option(
        "--currency",
        help="Convert rates into this currency via fx.yaml. Default: each sheet's own currency.",
        metavar="CODE",
    ),
]


def estimate(
    workload_file: Annotated[
        str | None,
        typer.Option(
            "--workload",
            "-w",
            help="Workload YAML file (see `aicost schema workload`), instead of -i/-o.",
            metavar="PATH",
        ),
    ] = None,
    input_tokens: Annotated[
        str | None,
        typer.Option(
            "--input-tokens",
            "-i",
            help="Input tokens per request, cached ones included (1500, 1.5k, 2M).",
            metavar="TOKENS",
        ),
    ] = None,
    output_tokens: Annotated[
        str | None,
        typer.Option(
            "--output-tokens",
            "-o",
            help="Output tokens per request, reasoning not included (500, 2k).",
            metavar="TOKENS",
        ),
    ] = None,
    cached_tokens: Annotated[
        str | None,
        typer.Option(
            "--cached-tokens",
            help="Of the input tokens per request, those read from the cache (1.2k).",
            metavar="TOKENS",
        ),
    ] = None,
    cache_write_tokens: Annotated[
        str | None,
        typer.Option(
            "--cache-write-tokens",
            help="Of the input tokens per request, those written to the 5-minute cache.",
            metavar="TOKENS",
        ),
    ] = None,
    cache_write_1h_tokens: Annotated[
        str | None,
        typer.Option(
            "--cache-write-1h-tokens",
            help="Of the input tokens per request, those written to a 1-hour cache.",
            metavar="TOKENS",
        ),
    ] = None,
    reasoning_tokens: Annotated[
        str | None,
        typer.Option(
            "--reasoning-tokens",
            help="Reasoning tokens per request, billed at the output rate.",
            metavar="TOKENS",
        ),
    ] = None,
    requests: Annotated[
        str | None,
        typer.Option(
            "--requests",
            "-n",
            help="Requests per --per period (20k, 1M).  [default: 1]",
            metavar="N",
        ),
    ] = None,
    per: Annotated[
        str | None,
        typer.Option(
            "--per",
            help="The period of --requests: once, hour, day or month (730 hours); a periodic "
            "workload shows a monthly cost.  [default: once]",
            metavar="PERIOD",
        ),
    ] = None,
    batch_share: Annotated[
        str | None,
        typer.Option(
            "--batch-share",
            help="Share of requests sent through a batch API, 0 to 1 (0.3).",
            metavar="SHARE",
        ),
    ] = None,
    off_peak_share: Annotated[
        str | None,
        typer.Option(
            "--off-peak-share",
            help="Share of requests run in the cheapest discount window, 0 to 1.",
            metavar="SHARE",
        ),
    ] = None,
    traffic_profile: Annotated[
        str | None,
        typer.Option(
            "--traffic-profile",
            help="Compute each model's off-peak share from when requests arrive: uniform (spread "
            "over the week) or business-hours:TZ (Mon-Fri 09:00-17:00 in IANA zone TZ). Not with "
            "--off-peak-share.",
            metavar="PROFILE",
        ),
    ] = None,
    service_tier_share: Annotated[
        list[str] | None,
        typer.Option(
            "--service-tier-share",
            help="Share of requests sent through a service tier (batch, flex or priority), "
            "0 to 1, e.g. flex=0.3; repeatable.",
            metavar="NAME=SHARE",
        ),
    ] = None,
    model: ModelOpt = None,
    provider: ProviderOpt = None,
    search: SearchOpt = None,
    top: Annotated[
        str | None,
        typer.Option(
            "--top",
            help="Only the N cheapest models of each provider, per workload (1 to 10,000).",
            metavar="N",
        ),
    ] = None,
    budget: Annotated[
        str | None,
        typer.Option(
            "--budget",
            help="Monthly budget in the report currency (the total for --per once); exit 1 "
            "when a row exceeds it. Overrides the workloads' own budgets.",
            metavar="AMOUNT",
        ),
    ] = None,
    compare: Annotated[
        bool,
        typer.Option(
            "--compare",
            help="Where a workload names its model, also price the selected models and show "
            "the ones that cost less, with the monthly saving.",
        ),
    ] = False,
    fmt: FormatOpt = Format.table,
    prices: PricesOpt = None,
    currency: CurrencyOpt = "USD",
    as_of: AsOfOpt = None,
    no_color: NoColorOpt = False,
) -> None:
    """Price a workload (inline flags or -w FILE) on every selected model."""
    exit_with(commands.estimate(**locals()))


def models(
    provider: ProviderOpt = None,
    model: ModelOpt = None,
    search: SearchOpt = None,
    fmt: FormatOpt = Format.table,
    prices: PricesOpt = None,
    currency: ListCurrencyOpt = None,
    as_of: AsOfOpt = None,
    no_color: NoColorOpt = False,
) -> None:
    """List models and their rates per provider, tiers as sub-rows."""
    exit_with(commands.models(**locals()))


def history(
    model: Annotated[
        str,
        typer.Argument(
            help="Model: id, alias or provider/id.",
            metavar="MODEL",
            autocompletion=complete_models,
            show_default=False,
        ),
    ],
    fmt: FormatOpt = Format.table,
    prices: PricesOpt = None,
    currency: ListCurrencyOpt = None,
    as_of: AsOfOpt = None,
    no_color: NoColorOpt = False,
) -> None:
    """Every price period of a model, with the change from the one before."""
    exit_with(commands.history(**locals()))
