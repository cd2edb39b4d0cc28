"""What each data command does, free of the command-line parser: options in, exit code out.

`cli.py` declares the options with Typer and calls these; `launch.py` calls them directly for plain
command lines so a JSON estimate does not pay for importing Typer. No arithmetic here either: the
core computes, a renderer draws.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, TypeVar

from aicost import __version__
from aicost.model.errors import AicostError
from aicost.render import Format

if TYPE_CHECKING:
    from aicost.engine.report import Report
    from aicost.model.catalog import Catalog

EXIT_OK, EXIT_GATE, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


# -- helpers --------------------------------------------------------------------------------------


def fail(message: str, hint: str | None = None) -> NoReturn:
    raise AicostError(message, hint=hint)


T = TypeVar("T")


def parse_or_fail(func: Callable[..., T], text: str | int, *args: Any) -> T:
    try:
        return func(text, *args)
    except ValueError as exc:
        fail(str(exc))


def moment(as_of: str | None) -> dt.datetime:
    from aicost.model.quantity import parse_moment

    if as_of is None:
        today = dt.datetime.now(dt.UTC).date()
        return dt.datetime.combine(today, dt.time())
    return parse_or_fail(parse_moment, as_of, "--as-of")


def catalog_for(prices: list[str] | None) -> Catalog:
    from aicost.model.catalog import source_paths
    from aicost.sheets.sources import load_catalog

    return load_catalog(source_paths(prices))


def check_currency(catalog: Catalog, code: str) -> str:
    code = code.strip().upper()
    fx = catalog.fx
    known = set() if fx is None else {fx.base, *fx.rates}
    if code not in known and code not in {s.currency for s in catalog.sheets.values()}:
        hint = (
            f"known currencies: {', '.join(sorted(known))}"
            if known
            else "add an fx.yaml to --prices"
        )
        fail(f"unknown currency {code!r}: no exchange rate for it", hint=hint)
    return code


def emit(report: Report, fmt: Format, no_color: bool) -> None:
    """Render to stdout. Tables go through Rich; everything else is plain text.

    A reader that closes the pipe early ends the output quietly and the command goes on to its
    own exit code; a full disk or a closed stdout is an `error:` line and exit 2.
    """
    from aicost.render import RENDERERS

    rendered = RENDERERS[fmt](report)
    if isinstance(rendered, str):
        write_out(rendered)
        return
    out = _stdout()
    try:
        _print_rich(rendered, no_color)
        out.flush()
    except OSError as exc:
        _output_failed(exc)


def write_out(text: str) -> None:
    """Data to stdout, flushed, with the same endings as `emit` when the reader is gone."""
    out = _stdout()
    try:
        out.write(text)
        out.flush()
    except OSError as exc:
        _output_failed(exc)


def _stdout() -> TextIO:
    if sys.stdout is None:
        fail("cannot write output: stdout is closed")
    prepare_streams()
    return sys.stdout


def _broken_pipe() -> None:
    raise BrokenPipeError  # Rich's own handler exits 1, the gate code


def _print_rich(rendered: object, no_color: bool) -> None:
    from rich.console import Console

    color = not no_color and "NO_COLOR" not in os.environ
    width = None
    if not sys.stdout.isatty() and "COLUMNS" not in os.environ:
        width = 120  # a file or pipe has no width; 80 would fold amounts
    console = Console(
        file=sys.stdout,
        no_color=not color,
        highlight=False,
        emoji=False,  # `:smile:` in a model name is text
        soft_wrap=False,
        color_system="auto" if color else None,
        width=width,
    )
    console.on_broken_pipe = _broken_pipe  # type: ignore[method-assign]
    console.print(rendered)


def prepare_streams() -> None:
    """An output encoding that cannot show a character (`PYTHONIOENCODING=ascii`) shows `?`."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", "") == "strict":
            reconfigure(errors="replace")


def _silence_stdout() -> None:
    """Point stdout at the null device so what is left in its buffer goes nowhere at exit."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a real file (a test's capture): nothing is flushed at exit
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, fd)
    os.close(null)


def _output_failed(exc: OSError) -> None:
    import errno

    _silence_stdout()
    if isinstance(exc, BrokenPipeError) or exc.errno == errno.EPIPE:
        return  # the reader has what it wanted
    fail(f"cannot write output: {exc.strerror or exc}")


def finish(code: int) -> int:
    """Flush stdout at the end of a run; the exit code of a failed flush as `emit` would give."""
    if sys.stdout is None:
        return code
    try:
        sys.stdout.flush()
    except OSError as exc:
        try:
            _output_failed(exc)
        except AicostError as error:
            _say(f"error: {error}")
            return EXIT_INPUT
    return code


def _say(line: str) -> None:
    """One line on stderr, whatever the line holds; a closed stderr loses it, nothing more."""
    from aicost.render.text import plain

    try:
        if sys.stderr is not None:
            sys.stderr.write(plain(line) + "\n")
    except (OSError, ValueError):
        pass


def note(lines: list[str] | tuple[str, ...]) -> None:
    for line in lines:
        _say(f"note: {line}")


def priced_catalog(
    prices: list[str] | None, currency: str, as_of: str | None
) -> tuple[dt.datetime, Catalog, str]:
    """What every data command starts from: the price date, the catalog and the report currency."""
    at = moment(as_of)
    catalog = catalog_for(prices)
    return at, catalog, check_currency(catalog, currency)


def listed_catalog(
    prices: list[str] | None, currency: str | None, as_of: str | None
) -> tuple[dt.datetime, Catalog, str | None]:
    """As `priced_catalog`, for listings whose currency is optional (None: each sheet's own)."""
    at = moment(as_of)
    catalog = catalog_for(prices)
    return at, catalog, None if currency is None else check_currency(catalog, currency)


def guarded(call: Callable[[], int]) -> int:
    """Run a command; bad input is exit 2 with one `error:` line, a bug exit 3 with no traceback."""
    prepare_streams()
    try:
        return call()
    except AicostError as exc:
        _say(f"error: {exc}")
        return EXIT_INPUT
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if os.environ.get("AICOST_DEBUG") == "1":
            raise
        _say(
            f"error: internal error ({type(exc).__name__}: {exc}); please report it with the "
            "command you ran (set AICOST_DEBUG=1 for the traceback)"
        )
        return EXIT_INTERNAL


def exit_with(code: int) -> None:
    """End a Typer command with its exit code (0 returns normally)."""
    if code:
        import typer

        raise typer.Exit(code)


def version() -> int:
    write_out(f"aicost {__version__}\n")
    return EXIT_OK


# -- commands -------------------------------------------------------------------------------------


def estimate(
    *,
    workload_file: str | None = None,
    input_tokens: str | None = None,
    output_tokens: str | None = None,
    cached_tokens: str | None = None,
    cache_write_tokens: str | None = None,
    cache_write_1h_tokens: str | None = None,
    reasoning_tokens: str | None = None,
    requests: str | None = None,
    per: str | None = None,
    batch_share: str | None = None,
    off_peak_share: str | None = None,
    traffic_profile: str | None = None,
    service_tier_share: list[str] | None = None,
    model: list[str] | None = None,
    provider: list[str] | None = None,
    search: str | None = None,
    top: str | int | None = None,
    budget: str | None = None,
    compare: bool = False,
    fmt: Format = Format.table,
    prices: list[str] | None = None,
    currency: str = "USD",
    as_of: str | None = None,
    no_color: bool = False,
) -> int:
    """Price a workload (inline flags or a workload file) on every selected model."""
    from aicost.engine.estimate import run_estimate
    from aicost.engine.report import EstimateResult, Report
    from aicost.model.limits import TOP
    from aicost.model.quantity import format_moment, parse_amount, parse_whole
    from aicost.sheets.workloads import inline_workload, read_workloads

    inline = {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cached_tokens": cached_tokens,
        "cache_write_tokens": cache_write_tokens,
        "cache_write_1h_tokens": cache_write_1h_tokens,
        "reasoning_tokens": reasoning_tokens,
        "requests": requests,
        "per": per,
        "batch_share": batch_share,
        "off_peak_share": off_peak_share,
        "service_tier_share": service_tier_share or None,
    }
    given = {k: v for k, v in inline.items() if v is not None}
    if workload_file is not None:
        if given:
            flags = ", ".join("--" + k.replace("_", "-") for k in given)
            fail(f"give either --workload or inline workload flags, not both (got {flags})")
        workloads = read_workloads(workload_file)
    else:
        if input_tokens is None and output_tokens is None:
            fail(
                "nothing to price: give -i/--input-tokens and -o/--output-tokens, or -w FILE",
                hint="e.g. aicost estimate -i 1M -o 1M",
            )
        workloads = [inline_workload(given)]
    if traffic_profile is not None:
        traffic_conflicts(workloads, off_peak_share)
    limit = None if budget is None else parse_or_fail(parse_amount, budget, "--budget")
    most = None if top is None else parse_or_fail(parse_whole, top, "--top", TOP)
    at, catalog, code = priced_catalog(prices, currency, as_of)
    traffic = None
    if traffic_profile is not None:
        from aicost.engine.windows import traffic_profile as parse_profile

        traffic = parse_profile(traffic_profile, at)
    result = run_estimate(
        catalog,
        workloads,
        at=at,
        currency=code,
        models=model or (),
        providers=provider or (),
        top=most,
        budget=limit,
        compare=compare,
        search=search,
        traffic=traffic,
    )
    report = Report(
        kind="estimate",
        payload=EstimateResult(list(result.workloads), list(result.rows), result.notes),
        rows=list(result.rows),
        columns=ESTIMATE_COLUMNS,
        currency=code,
        as_of=at,
        catalog=catalog,
    )
    if result.notes:
        note([f"left out, no price on {format_moment(at)}: " + ", ".join(result.notes)])
    emit(report, fmt, no_color)
    if result.over_budget:
        over = sum(1 for r in result.rows if r.over_budget)
        sys.stderr.write(f"budget: {over} row(s) over budget\n")
        return EXIT_GATE
    return EXIT_OK


def traffic_conflicts(workloads: Any, off_peak_share: str | None) -> None:
    """--traffic-profile computes the off-peak share: a share given as well is an error."""
    if off_peak_share is not None:
        fail("give either --traffic-profile or --off-peak-share, not both")
    for workload in workloads:
        if workload.off_peak_share:
            fail(
                f"workload {workload.name!r} sets off_peak_share and --traffic-profile computes "
                "it; give one or the other"
            )


ESTIMATE_COLUMNS = [
    "workload",
    "provider",
    "model",
    "tier",
    "currency",
    "requests",
    "per",
    "input_cost",
    "cached_cost",
    "cache_write_cost",
    "output_cost",
    "per_request",
    "total",
    "monthly",
    "budget",
    "over_budget",
    "warnings",
]


def models(
    *,
    provider: list[str] | None = None,
    model: list[str] | None = None,
    search: str | None = None,
    fmt: Format = Format.table,
    prices: list[str] | None = None,
    currency: str | None = None,
    as_of: str | None = None,
    no_color: bool = False,
) -> int:
    """List models and their rates per provider (in `currency`, else each sheet's own)."""
    from aicost.engine.listing import list_models, rate_rows
    from aicost.engine.report import ModelsResult, Report

    at, catalog, code = listed_catalog(prices, currency, as_of)
    found, notes = list_models(catalog, at, provider or (), search, model or (), currency=code)
    report = Report(
        kind="models",
        payload=ModelsResult(found),
        rows=rate_rows(found),
        currency=code,
        as_of=at,
        catalog=catalog,
    )
    if not (provider or model or search):
        note([f"{len(notes)} model(s) have no price at this date (see --as-of)"] if notes else [])
    else:
        note(notes)
    emit(report, fmt, no_color)
    return EXIT_OK


def history(
    *,
    model: str,
    fmt: Format = Format.table,
    prices: list[str] | None = None,
    currency: str | None = None,
    as_of: str | None = None,
    no_color: bool = False,
) -> int:
    """Every price period of a model (in `currency`, else the sheet's own)."""
    from aicost.engine.listing import price_history
    from aicost.engine.report import HistoryResult, Report

    at, catalog, code = listed_catalog(prices, currency, as_of)
    found, periods = price_history(catalog, model, code)
    rows = [
        {
            "provider": found.provider,
            "model": found.id,
            "since": p.since,
            "until": p.until,
            "tier": "flat" if len(p.tiers) == 1 else str(i),
            "currency": p.currency,
            "input": t.input,
            "cached_input": t.cached_input,
            "cache_write": t.cache_write,
            "output": t.output,
        }
        for p in periods
        for i, t in enumerate(p.tiers)
    ]
    report = Report(
        kind="history",
        payload=HistoryResult(found, periods),
        rows=rows,
        currency=code,
        as_of=at,
        catalog=catalog,
    )
    emit(report, fmt, no_color)
    return EXIT_OK
