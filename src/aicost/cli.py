"""The command line: parse options, call the core, hand the result to a renderer, pick the exit code.

No arithmetic here. Heavy modules (rich, pydantic, the loader) are imported inside the commands that
need them, so `aicost --help` and a JSON estimate start fast.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer

from aicost import __version__
from aicost.errors import AicostError
from aicost.render import Format

if TYPE_CHECKING:
    from aicost.catalog import Catalog
    from aicost.report import Report

EXIT_OK, EXIT_GATE, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3

app = typer.Typer(
    name="aicost",
    help="Know what an LLM workload costs: price sheets, exact estimates, diffs and CI gates.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# -- options shared by every command that prints data ----------------------------------------------

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


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"aicost {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Know what an LLM workload costs, before and after you run it."""


# -- helpers --------------------------------------------------------------------------------------


def fail(message: str, hint: str | None = None) -> NoReturn:
    raise AicostError(message, hint=hint)


T = TypeVar("T")


def parse_or_fail(func: Callable[..., T], text: str, *args: str) -> T:
    try:
        return func(text, *args)
    except ValueError as exc:
        fail(str(exc))


def moment(as_of: str | None) -> dt.datetime:
    from aicost.quantity import parse_moment

    if as_of is None:
        today = dt.datetime.now(dt.UTC).date()
        return dt.datetime.combine(today, dt.time())
    return parse_or_fail(parse_moment, as_of, "--as-of")


def catalog_for(prices: list[str] | None) -> Catalog:
    from aicost.catalog import source_paths
    from aicost.sources import load_catalog

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
    """Render to stdout. Tables go through Rich; everything else is plain text."""
    from aicost.render import RENDERERS

    rendered = RENDERERS[fmt](report)
    if isinstance(rendered, str):
        sys.stdout.write(rendered)
        return
    from rich.console import Console

    color = not no_color and "NO_COLOR" not in os.environ
    width = None
    if not sys.stdout.isatty() and "COLUMNS" not in os.environ:
        width = 120  # a file or pipe has no width; 80 would fold amounts
    console = Console(
        file=sys.stdout,
        no_color=not color,
        highlight=False,
        soft_wrap=False,
        color_system="auto" if color else None,
        width=width,
    )
    console.print(rendered)


def note(lines: list[str] | tuple[str, ...]) -> None:
    for line in lines:
        sys.stderr.write(f"note: {line}\n")


# -- commands -------------------------------------------------------------------------------------


@app.command()
def estimate(
    workload_file: Annotated[
        str | None, typer.Option("--workload", "-w", help="Workload YAML file.", metavar="FILE")
    ] = None,
    input_tokens: Annotated[
        str | None,
        typer.Option("--input-tokens", "-i", help="Input tokens per request (1.5k, 2M)."),
    ] = None,
    output_tokens: Annotated[
        str | None, typer.Option("--output-tokens", "-o", help="Output tokens per request.")
    ] = None,
    cached_tokens: Annotated[
        str | None, typer.Option("--cached-tokens", help="Of the input, tokens read from cache.")
    ] = None,
    cache_write_tokens: Annotated[
        str | None,
        typer.Option("--cache-write-tokens", help="Of the input, tokens written to cache."),
    ] = None,
    reasoning_tokens: Annotated[
        str | None, typer.Option("--reasoning-tokens", help="Reasoning tokens (billed as output).")
    ] = None,
    requests: Annotated[
        str | None, typer.Option("--requests", "-n", help="Requests per period (default 1).")
    ] = None,
    per: Annotated[str | None, typer.Option("--per", help="once | hour | day | month.")] = None,
    batch_share: Annotated[
        str | None, typer.Option("--batch-share", help="Share of requests sent by batch, 0..1.")
    ] = None,
    off_peak_share: Annotated[
        str | None,
        typer.Option(
            "--off-peak-share", help="Share of requests in the cheapest discount window, 0..1."
        ),
    ] = None,
    model: ModelOpt = None,
    provider: ProviderOpt = None,
    top: Annotated[
        int | None, typer.Option("--top", help="Only the N cheapest models per workload.", min=1)
    ] = None,
    budget: Annotated[
        str | None,
        typer.Option(
            "--budget",
            help="Monthly budget (the total for --per once); exit 1 when a row exceeds it.",
        ),
    ] = None,
    compare: Annotated[
        bool,
        typer.Option(
            "--compare", help="Price every selected model even where a workload names its model."
        ),
    ] = False,
    fmt: FormatOpt = Format.table,
    prices: PricesOpt = None,
    currency: CurrencyOpt = "USD",
    as_of: AsOfOpt = None,
    no_color: NoColorOpt = False,
) -> None:
    """Price a workload (inline flags or -w FILE) on every selected model."""
    from aicost.estimate import run_estimate
    from aicost.quantity import format_moment, parse_amount
    from aicost.report import Report
    from aicost.workloads import inline_workload, read_workloads

    inline = {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cached_tokens": cached_tokens,
        "cache_write_tokens": cache_write_tokens,
        "reasoning_tokens": reasoning_tokens,
        "requests": requests,
        "per": per,
        "batch_share": batch_share,
        "off_peak_share": off_peak_share,
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
    limit = None if budget is None else parse_or_fail(parse_amount, budget, "--budget")
    at = moment(as_of)
    catalog = catalog_for(prices)
    code = check_currency(catalog, currency)
    result = run_estimate(
        catalog,
        workloads,
        at=at,
        currency=code,
        models=model or (),
        providers=provider or (),
        top=top,
        budget=limit,
        compare=compare,
    )
    report = Report(
        kind="estimate",
        fields={"workloads": list(result.workloads), "rows": list(result.rows)},
        rows=list(result.rows),
        columns=ESTIMATE_COLUMNS,
        currency=code,
        as_of=at,
        catalog=catalog,
        extra={"notes": result.notes},
    )
    if result.notes:
        note([f"left out, no price on {format_moment(at)}: " + ", ".join(result.notes)])
    emit(report, fmt, no_color)
    if result.over_budget:
        over = sum(1 for r in result.rows if r.over_budget)
        sys.stderr.write(f"budget: {over} row(s) over budget\n")
        raise typer.Exit(EXIT_GATE)


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


@app.command()
def models(
    provider: ProviderOpt = None,
    model: ModelOpt = None,
    search: Annotated[
        str | None,
        typer.Option(
            "--search", help="Only models whose id, name or alias contains TEXT.", metavar="TEXT"
        ),
    ] = None,
    fmt: FormatOpt = Format.table,
    prices: PricesOpt = None,
    currency: CurrencyOpt = "USD",
    as_of: AsOfOpt = None,
    no_color: NoColorOpt = False,
) -> None:
    """List models and their rates per provider, tiers as sub-rows."""
    from aicost.listing import list_models, rate_rows
    from aicost.report import Report

    at = moment(as_of)
    catalog = catalog_for(prices)
    code = check_currency(catalog, currency)
    found, notes = list_models(catalog, at, provider or (), search, model or ())
    report = Report(
        kind="models",
        fields={"models": found},
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


@app.command()
def history(
    model: Annotated[str, typer.Argument(help="Model: id, alias or provider/id.", metavar="MODEL")],
    fmt: FormatOpt = Format.table,
    prices: PricesOpt = None,
    currency: CurrencyOpt = "USD",
    as_of: AsOfOpt = None,
    no_color: NoColorOpt = False,
) -> None:
    """Every price period of a model, with the change from the one before."""
    from aicost.listing import price_history
    from aicost.report import Report

    at = moment(as_of)
    catalog = catalog_for(prices)
    code = check_currency(catalog, currency)
    found, periods = price_history(catalog, model)
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
        fields={"model": found, "periods": periods},
        rows=rows,
        currency=code,
        as_of=at,
        catalog=catalog,
    )
    emit(report, fmt, no_color)


# -- entry point ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> NoReturn:
    """Run the CLI and exit with 0 (ok), 1 (gate tripped), 2 (bad input) or 3 (internal error)."""
    code = run(argv)
    sys.stdout.flush()
    sys.exit(code)


def run(argv: list[str] | None = None) -> int:
    try:
        fast = _fast_call(sys.argv[1:] if argv is None else argv)
        if fast is not None:
            fast()
            return EXIT_OK
        result = app(args=argv, prog_name="aicost", standalone_mode=False)
        return result if isinstance(result, int) else EXIT_OK
    except AicostError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_INPUT
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        sys.stderr.write("error: aborted\n")
        return EXIT_INPUT
    except typer.TyperException as exc:
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        message = message.replace("Value error, ", "")
        context = getattr(exc, "ctx", None)
        hint = f" (see `{context.command_path} --help`)" if context is not None else ""
        if type(exc).__name__ == "NoArgsIsHelpError" and context is not None:
            sys.stdout.write(context.get_help() + "\n")
            return EXIT_OK
        sys.stderr.write(f"error: {message}{hint}\n")
        return EXIT_INPUT
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if os.environ.get("AICOST_DEBUG") == "1":
            raise
        sys.stderr.write(
            f"error: internal error ({type(exc).__name__}: {exc}); please report it with the command you ran "
            "(set AICOST_DEBUG=1 for the traceback)\n"
        )
        return EXIT_INTERNAL


def _fast_call(argv: list[str]) -> Callable[[], object] | None:
    """Plain `--version`, `estimate` and `models` calls skip Typer's parser (see cli_fast)."""
    if argv == ["--version"]:
        return lambda: _version(True)
    if not argv or argv[0] not in ("estimate", "models"):
        return None
    from aicost import cli_fast

    return cli_fast.plan({"estimate": estimate, "models": models}, argv)


# Commands defined in their own modules register themselves on `app` when imported.
from aicost import cli_review, cli_training  # noqa: E402, F401
