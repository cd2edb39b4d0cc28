"""Options shared by the commands, declared once as `Annotated` types."""

from __future__ import annotations

from typing import Annotated

import typer

from aicost.cli import complete
from aicost.render import Format


def complete_models(ctx: typer.Context, incomplete: str) -> list[str]:
    """Model names for the shell, from the catalog `--prices` names (given before), else the
    default one."""
    return complete.models(incomplete, ctx.params.get("prices"))


def complete_providers(ctx: typer.Context, incomplete: str) -> list[str]:
    return complete.providers(incomplete, ctx.params.get("prices"))


FormatOpt = Annotated[
    Format,
    typer.Option(
        "--format",
        "-f",
        help="Output format: table, json, csv or markdown.",
        case_sensitive=False,
        metavar="FORMAT",
    ),
]
PricesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--prices",
        help="Sheet file or directory (repeatable); @bundled is the bundled set. "
        "Default: $AICOST_PRICES, else @bundled.",
        metavar="PATH",
    ),
]
CurrencyOpt = Annotated[
    str,
    typer.Option(
        "--currency",
        help="Report currency (USD, EUR, CNY...); amounts are converted at fx.yaml's rates.",
        metavar="CODE",
    ),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of", help="Price date (YYYY-MM-DD or a UTC datetime). Default: today.", metavar="DATE"
    ),
]
NoColorOpt = Annotated[bool, typer.Option("--no-color", help="Plain output without colour.")]
ProviderOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--provider",
        "-p",
        help="Only this provider's models, by slug (repeatable): openai, anthropic...",
        metavar="SLUG",
        autocompletion=complete_providers,
    ),
]
ModelOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--model",
        "-m",
        help="Only these models: id, alias or provider/id; commas and globs work "
        "('gpt-5*,anthropic/claude-*'); repeatable.",
        metavar="MODEL",
        autocompletion=complete_models,
    ),
]
