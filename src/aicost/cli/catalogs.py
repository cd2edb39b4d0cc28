"""`aicost import` and `aicost export`: catalogs from and to LiteLLM and genai-prices, and the
price table."""

from __future__ import annotations

import datetime as dt
import importlib
import sys
from enum import StrEnum
from pathlib import Path
from types import ModuleType
from typing import Annotated

import typer

from aicost.cli.commands import catalog_for, emit, fail, moment, note
from aicost.cli.options import AsOfOpt, FormatOpt, NoColorOpt, PricesOpt
from aicost.render import Format


class Peer(StrEnum):
    litellm = "litellm"
    genai_prices = "genai-prices"


class ExportFormat(StrEnum):
    litellm = "litellm"
    genai_prices = "genai-prices"
    prices_table = "prices-table"


# what each peer format cannot carry from an aicost catalog (said once on stderr by `export`)
LOSSES = {
    "litellm": "prices in force at --as-of only (no history); weekday-specific discount windows "
    "only when every window shares one set of rates; retirement as deprecation_date",
    "genai-prices": "weekday-limited windows, the time of day a period starts, a model's first "
    "price date and its retirement date (only `deprecated`)",
}

ForceOpt = Annotated[
    bool, typer.Option("--force", help="Overwrite files that exist (they are replaced whole).")
]


def _module(registry: dict[str, str], name: str) -> ModuleType:
    path = registry[name]
    try:
        return importlib.import_module(path)
    except ModuleNotFoundError as exc:
        if exc.name != path:
            raise
        fail(
            f"the {name} format is not available in this build of aicost", hint=f"{path} is missing"
        )


def import_catalog(
    peer: Annotated[
        Peer,
        typer.Argument(
            help="The catalog's format: litellm or genai-prices.",
            case_sensitive=False,
            metavar="PEER",
        ),
    ],
    file: Annotated[
        Path | None,
        typer.Argument(
            help="The peer's data file; default: the data inside the installed package.",
            metavar="FILE",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Directory for the sheets, one per provider.", metavar="DIR"
        ),
    ] = None,
    provider: Annotated[
        list[str] | None,
        typer.Option(
            "--provider", "-p", help="Only this aicost provider slug (repeatable).", metavar="SLUG"
        ),
    ] = None,
    force: ForceOpt = False,
    fmt: FormatOpt = Format.table,
    no_color: NoColorOpt = False,
) -> None:
    """Convert a LiteLLM or genai-prices catalog into aicost sheets, one file per provider."""
    from aicost.catalogs import IMPORTERS
    from aicost.catalogs.common import import_fields, plan_sheets, refuse_overwrite, write_atomic
    from aicost.engine.report import ImportResult, Report

    if out is None:
        fail(
            "missing -o/--out DIR: where to write the sheets",
            hint=f"e.g. aicost import {peer.value} -o prices-{peer.value}",
        )
    if out.exists() and not out.is_dir():
        fail(f"{out} is a file; -o/--out takes a directory")
    if file is not None and not file.is_file():
        fail(f"cannot read {file}: no such file")
    imported = _module(IMPORTERS, peer.value).read(file)
    wanted = [p.strip().lower() for p in provider or []]
    known = {m.provider for m in imported.models}
    for slug in wanted:
        if slug not in known:
            import difflib

            close = difflib.get_close_matches(slug, sorted(known), n=3)
            fail(
                f"no provider {slug!r} in the {peer.value} data",
                hint=("did you mean " + " or ".join(repr(c) for c in close) + "?")
                if close
                else "run without --provider to see every provider",
            )
    today = dt.datetime.now(dt.UTC).date()
    outputs = plan_sheets(imported, out, wanted, today)
    refuse_overwrite((o.path for o in outputs), force)
    for output in outputs:
        write_atomic(output.path, output.text)
    fields = import_fields(imported, outputs, written=True)
    lines = [
        f"{row['provider']}/{row['model']} ({row['key']}): not kept: {', '.join(row['fields'])}"
        for row in fields["not_kept"]
    ]
    if not wanted:
        by_reason: dict[str, list[str]] = {}
        for key, reason in sorted(imported.invalid):
            by_reason.setdefault(reason, []).append(key)
        for reason, keys in sorted(by_reason.items(), key=lambda item: -len(item[1])):
            some = ", ".join(keys[:3]) + (f" and {len(keys) - 3} more" if len(keys) > 3 else "")
            lines.append(f"left out {len(keys)}: {reason}: {some}")
    skipped = sum(imported.skipped.values())
    lines.append(
        f"{len(fields['models'])} model(s) of {len(outputs)} provider(s) written to {out}; "
        f"{len(fields['not_kept'])} with fields aicost cannot hold; "
        f"{skipped} entries skipped (not chat models); {len(imported.invalid)} left out as invalid"
    )
    note(lines)
    report = Report(kind="import", payload=ImportResult(**fields), rows=fields["providers"])
    emit(report, fmt, no_color)


def export_catalog(
    format_name: Annotated[
        ExportFormat,
        typer.Argument(
            help="The format to write: litellm, genai-prices or prices-table.",
            case_sensitive=False,
            metavar="FORMAT",
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="File to write; default: stdout. The price table is CSV, JSONL or Parquet by "
            "extension, with its names table beside it as <stem>.names.<ext>.",
            metavar="PATH",
        ),
    ] = None,
    force: ForceOpt = False,
    dialect: Annotated[
        str | None,
        typer.Option(
            "--dialect",
            help="prices-table only: write SQL (CREATE TABLE and INSERTs) for duckdb, spark, "
            "postgres, bigquery, snowflake or trino instead of data files.",
            metavar="DIALECT",
        ),
    ] = None,
    prices: PricesOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """Write the catalog as LiteLLM custom pricing, genai-prices data, or the flat price table."""
    from aicost.catalogs import EXPORTERS

    at = moment(as_of)
    if dialect is not None:
        if format_name is not ExportFormat.prices_table:
            fail("--dialect goes with prices-table only")
        from aicost.catalogs.price_table import sql_text, write_whole

        if out is not None and out.exists() and not force:
            fail(f"{out} exists; nothing was written", hint="pass --force to overwrite it")
        text = sql_text(catalog_for(prices), dialect.strip().lower())
        if out is None:
            sys.stdout.write(text)
        else:
            write_whole([(out, text.encode("utf-8"))])
            sys.stderr.write(f"wrote {out}\n")
        return
    module = _module(EXPORTERS, format_name.value)
    if out is not None and not force:
        # the price table writes its names table beside the rates: neither may exist
        targets = module.outputs(out) if hasattr(module, "outputs") else (out,)
        for target in targets:
            if target.exists():
                fail(f"{target} exists; nothing was written", hint="pass --force to overwrite it")
    catalog = catalog_for(prices)
    module.export(catalog, at, out)
    if format_name.value in LOSSES:
        from aicost.catalogs.common import PEER_CURRENCY, foreign_sheets

        lines = [f"{format_name.value} does not carry: {LOSSES[format_name.value]}"]
        foreign = foreign_sheets(catalog)
        if foreign:
            lines.append(
                f"left out, {format_name.value} prices in {PEER_CURRENCY} only: "
                + ", ".join(foreign)
            )
        note(lines)
    if out is not None:
        sys.stderr.write(f"wrote {out}\n")
