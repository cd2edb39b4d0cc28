"""`aicost export FORMAT`: the catalog in another shape (see aicost.catalogs.EXPORTERS)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Annotated

import typer

from aicost.cli.commands import catalog_for, fail, moment
from aicost.cli.options import AsOfOpt, PricesOpt


def export(
    fmt: Annotated[str, typer.Argument(help="prices-table.", metavar="FORMAT")],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="File to write (.csv, .jsonl or .parquet); the names table goes beside it as "
            "<stem>.names.<ext>. Default: the rates table as CSV on stdout.",
            metavar="PATH",
        ),
    ] = None,
    prices: PricesOpt = None,
    as_of: AsOfOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
) -> None:
    """Write the catalog as the flat price table SQL engines join against."""
    from aicost.catalogs import EXPORTERS

    name = fmt.strip().lower()
    if name not in EXPORTERS:
        fail(f"unknown export format {fmt!r}", hint=f"choose one of: {', '.join(EXPORTERS)}")
    module = importlib.import_module(EXPORTERS[name])
    if out is not None and not force:
        targets = module.outputs(out) if hasattr(module, "outputs") else (out,)
        for target in targets:
            if target.exists():
                fail(f"{target} exists", hint="pass --force to overwrite it")
    at = moment(as_of)
    module.export(catalog_for(prices), at, out)
