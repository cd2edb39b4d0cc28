"""Options shared by the commands, declared once as `Annotated` types."""

from __future__ import annotations

from typing import Annotated

import typer

from aicost.render import Format

FormatOpt = Annotated[
    Format, typer.Option("--format", "-f", help="Output format.", case_sensitive=False)
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
        "--currency", help="Report currency; amounts are converted via fx.yaml.", metavar="CODE"
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
    typer.Option("--provider", "-p", help="Only this provider (repeatable).", metavar="SLUG"),
]
ModelOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--model",
        "-m",
        help="Only models matching id, alias or provider/id (repeatable).",
        metavar="REF",
    ),
]
