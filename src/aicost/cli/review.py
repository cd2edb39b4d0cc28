"""Commands for reviewing price sheets: `diff`, `validate` and `schema`."""

from __future__ import annotations

import os
import sys
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from aicost.cli.commands import EXIT_GATE, emit, fail, moment, parse_or_fail, write_out
from aicost.cli.options import AsOfOpt, CurrencyOpt, FormatOpt, NoColorOpt
from aicost.render import Format
from aicost.render.text import plain

if TYPE_CHECKING:
    from aicost.engine.diffing import Change, Impact
    from aicost.engine.shifts import RateShift


class Gate(StrEnum):
    increase = "increase"
    decrease = "decrease"
    removal = "removal"
    any = "any"


class SchemaKind(StrEnum):
    sheet = "sheet"
    workload = "workload"


CHANGE_COLUMNS = ["provider", "model", "path", "kind", "old", "new", "delta", "percent", "currency"]


def diff(
    old: Annotated[
        str,
        typer.Argument(
            help="Old side: sheet file, directory, @bundled or REV:PATH.", metavar="OLD"
        ),
    ],
    new: Annotated[
        str,
        typer.Argument(
            help="New side: sheet file, directory, @bundled or REV:PATH.", metavar="NEW"
        ),
    ],
    workload_file: Annotated[
        str | None,
        typer.Option(
            "--workload",
            "-w",
            help="Workload YAML: add the monthly cost impact per workload and model.",
            metavar="FILE",
        ),
    ] = None,
    exit_code: Annotated[
        bool, typer.Option("--exit-code", help="Exit 1 when there is any change.")
    ] = False,
    fail_on: Annotated[
        Gate | None,
        typer.Option(
            "--fail-on",
            help="Exit 1 on a price change of this kind (increase, decrease, removal or any) "
            "above --threshold.",
            metavar="KIND",
            case_sensitive=False,
        ),
    ] = None,
    threshold: Annotated[
        str | None,
        typer.Option(
            "--threshold",
            help="Percent a price change must exceed to trip --fail-on (default 0).",
            metavar="PCT",
        ),
    ] = None,
    step_summary: Annotated[
        bool,
        typer.Option(
            "--summary", help="Also append the Markdown to $GITHUB_STEP_SUMMARY when it is set."
        ),
    ] = False,
    fmt: FormatOpt = Format.table,
    currency: CurrencyOpt = "USD",
    as_of: AsOfOpt = None,
    no_color: NoColorOpt = False,
) -> None:
    """Semantic diff of two price catalogs (files, directories, @bundled or git REV:PATH)."""
    from aicost.cli.commands import check_currency
    from aicost.engine.diffing import Change, Impact, summary
    from aicost.engine.diffing import diff as diff_catalogs
    from aicost.engine.report import DiffResult, Report
    from aicost.engine.shifts import RateShift
    from aicost.model.limits import PERCENT
    from aicost.model.quantity import parse_amount
    from aicost.sheets.sources import load_catalog
    from aicost.sheets.workloads import read_workloads

    if threshold is not None and fail_on is None:
        fail("--threshold needs --fail-on", hint="e.g. --fail-on increase --threshold 10")
    limit = (
        parse_or_fail(parse_amount, threshold.rstrip("%"), "--threshold", PERCENT)
        if threshold
        else None
    )
    at = moment(as_of)
    workloads = read_workloads(workload_file) if workload_file else []
    before = load_catalog([old])
    after = load_catalog([new])
    code = check_currency(after, currency)
    result = diff_catalogs(before, after, workloads, at=at, currency=code)
    # the gate is worked out before anything is printed: a gate that cannot be judged is exit 2
    matched = [] if fail_on is None else result.gate(fail_on.value, limit or Decimal(0))
    report = Report(
        kind="diff",
        payload=DiffResult(old, new, list(result.changes), list(result.impact), summary(result)),
        rows=list(result.changes),
        columns=CHANGE_COLUMNS,
        currency=code,
        as_of=at,
        catalog=after,
    )
    emit(report, fmt, no_color)
    if step_summary and os.environ.get("GITHUB_STEP_SUMMARY"):
        from aicost.render import RENDERERS

        append_summary(os.environ["GITHUB_STEP_SUMMARY"], RENDERERS[Format.markdown](report) + "\n")
    tripped = False
    if exit_code and not result.empty:
        sys.stderr.write(f"diff: {len(result.changes)} change(s)\n")
        tripped = True
    if matched:
        assert fail_on is not None
        above = f" above {limit}%" if limit else ""
        for label, rows in (
            ("change(s)", [m for m in matched if isinstance(m, Change)]),
            ("effective rate(s)", [m for m in matched if isinstance(m, RateShift)]),
            ("workload(s)", [m for m in matched if isinstance(m, Impact)]),
        ):
            if rows:
                sys.stderr.write(f"fail-on {fail_on.value}: {len(rows)} {label}{above}:\n")
                sys.stderr.writelines(f"  {plain(_trip_line(row))}\n" for row in rows)
        tripped = True
    if tripped:
        raise typer.Exit(EXIT_GATE)


def append_summary(path: str, text: str) -> None:
    """Append to $GITHUB_STEP_SUMMARY: a regular file only (a FIFO would block the run), whole.

    The text is rendered before the file is opened, and written with one call on an O_APPEND
    descriptor, so a failure leaves no half-written summary of ours.
    """
    import stat

    data = text.encode("utf-8", "replace")
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        fail(
            f"cannot write the step summary {plain(path)}: {exc.strerror or exc}",
            hint="point GITHUB_STEP_SUMMARY at a writable file or leave out --summary",
        )
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            fail(
                f"cannot write the step summary {plain(path)}: not a regular file",
                hint="point GITHUB_STEP_SUMMARY at a file or leave out --summary",
            )
        os.set_blocking(fd, True)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except OSError as exc:
        fail(f"cannot write the step summary {plain(path)}: {exc.strerror or exc}")
    finally:
        os.close(fd)


def _trip_line(trip: Change | RateShift | Impact) -> str:
    """One stderr line for what tripped a gate."""
    from aicost.engine.diffing import Change, Impact
    from aicost.model.prices import DAYS

    pct = "" if trip.percent is None else f" ({trip.percent:+,.1f}%)"
    if isinstance(trip, Change):
        where = "/".join(p for p in (trip.provider, trip.model, trip.path) if p)
        return f"{where}: {trip.kind}{pct}"
    if isinstance(trip, Impact):
        old = "no price" if trip.old_monthly is None else f"{trip.old_monthly:,.2f}"
        new = "no price" if trip.new_monthly is None else f"{trip.new_monthly:,.2f}"
        return (
            f"workload {trip.workload} on {trip.provider}/{trip.model}: monthly "
            f"{old} -> {new} {trip.currency}{pct}"
        )
    band = trip.band
    top = "+" if band.prompt_to is None else f"-{band.prompt_to:,}"
    bands = [f"prompts of {band.prompt_from:,}{top} tokens"]
    if band.minute is not None:
        day, minute = divmod(band.minute, 24 * 60)
        bands.append(f"at {DAYS[day]} {minute // 60:02d}:{minute % 60:02d} UTC")
    if band.batch:
        bands.append("batch")
    return (
        f"{trip.provider}/{trip.model}: {trip.token} billed at {trip.old:,.4f} -> "
        f"{trip.new:,.4f} {trip.currency} per 1M ({', '.join(bands)}){pct}"
    )


def validate(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="Sheet files, directories, @bundled or REV:PATH (default @bundled).",
            metavar="PATH",
        ),
    ] = None,
    max_age: Annotated[
        int | None,
        typer.Option(
            "--max-age", help="Flag `checked` dates older than DAYS.", metavar="DAYS", min=0
        ),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Stale `checked` dates are errors, and any warning exits 1."),
    ] = False,
    fmt: FormatOpt = Format.table,
    no_color: NoColorOpt = False,
) -> None:
    """Check sheets and report every problem as path:line:col: error|warning: message."""
    from aicost.engine.report import Report, ValidateResult
    from aicost.model.catalog import BUNDLED
    from aicost.sheets.sources import expand
    from aicost.sheets.validate import Checks, validate_files

    at = moment(None)
    files = [item for spec in (paths or [BUNDLED]) for item in expand(spec)]
    result = validate_files(files, Checks(today=at.date(), max_age=max_age, strict=strict))
    rows = [
        {
            "path": p.where.path,
            "line": p.where.line,
            "column": p.where.column,
            "severity": p.severity,
            "message": p.message,
        }
        for p in result.problems
    ]
    report = Report(
        kind="validate",
        payload=ValidateResult(result.files, rows, list(result.problems)),
        rows=rows,
        columns=["path", "line", "column", "severity", "message"],
        as_of=at,
    )
    emit(report, fmt, no_color)
    sys.stderr.write(
        f"validate: {result.files} file(s), {result.errors} error(s), {result.warnings} warning(s)\n"
    )
    if result.errors or (strict and result.warnings):
        raise typer.Exit(EXIT_GATE)


def schema(
    kind: Annotated[
        SchemaKind,
        typer.Argument(help="sheet (price, fx and gpus sheets) or workload.", metavar="KIND"),
    ] = SchemaKind.sheet,
) -> None:
    """Print the JSON Schema of price sheets or workload files."""
    write_out(json_schema(kind.value))


def json_schema(kind: str) -> str:
    """The JSON Schema (draft 2020-12) of a sheet file (price, fx or gpus) or a workload file."""
    import json

    from pydantic import BaseModel
    from pydantic.json_schema import models_json_schema

    from aicost.sheets import schema as models

    if kind == "workload":
        body = models.WorkloadFileModel.model_json_schema()
        title = "aicost workload file"
        top: dict[str, object] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": title,
        }
        top.update({k: v for k, v in body.items() if k != "title"})
    else:
        kinds: list[type[BaseModel]] = [models.SheetModel, models.FxModel, models.GpusModel]
        refs, defs = models_json_schema(
            [(k, "validation") for k in kinds], ref_template="#/$defs/{model}"
        )
        top = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "aicost sheet: prices (provider), exchange rates (fx) or GPU figures (gpus)",
            "anyOf": [refs[(k, "validation")] for k in kinds],
            **defs,
        }
    return json.dumps(top, indent=2, ensure_ascii=False) + "\n"
