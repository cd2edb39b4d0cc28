"""The command line: parse options, call the core, hand the result to a renderer, pick the exit code.

No arithmetic here. Heavy modules (rich, pydantic, the loader) are imported inside the commands that
need them, so `aicost --help` and a JSON estimate start fast.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated, NoReturn

import typer

from aicost import commands
from aicost.render import Format

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
        commands.version()
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


# -- helpers shared by the commands of every module ---------------------------------------------

from aicost.commands import (  # noqa: E402
    EXIT_GATE,
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_OK,
    catalog_for,
    check_currency,
    emit,
    fail,
    guarded,
    moment,
    note,
    parse_or_fail,
)

__all__ = [
    "EXIT_GATE",
    "EXIT_INPUT",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "app",
    "catalog_for",
    "check_currency",
    "emit",
    "fail",
    "main",
    "moment",
    "note",
    "parse_or_fail",
    "run",
]


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
    _exit(commands.estimate(**locals()))


ESTIMATE_COLUMNS = commands.ESTIMATE_COLUMNS


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
    _exit(commands.models(**locals()))


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
    _exit(commands.history(**locals()))


# -- entry point ----------------------------------------------------------------------------------


def _exit(code: int) -> None:
    if code:
        raise typer.Exit(code)


def main(argv: list[str] | None = None) -> NoReturn:
    """Run the CLI and exit with 0 (ok), 1 (gate tripped), 2 (bad input) or 3 (internal error)."""
    code = run(argv)
    sys.stdout.flush()
    sys.exit(code)


def run(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    fast = _fast_call(args)
    if fast is not None:
        return guarded(fast)
    return guarded(lambda: _parse_and_run(args))


def _parse_and_run(args: list[str]) -> int:
    """Typer parses the command line; its usage errors become one `error:` line and exit 2."""
    try:
        result = app(args=args, prog_name="aicost", standalone_mode=False)
        return result if isinstance(result, int) else EXIT_OK
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        sys.stderr.write("error: aborted\n")
        return EXIT_INPUT
    except typer.TyperException as exc:
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        message = message.replace("Value error, ", "")
        context = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and context is not None:
            sys.stdout.write(context.get_help() + "\n")
            return EXIT_OK
        hint = f" (see `{context.command_path} --help`)" if context is not None else ""
        sys.stderr.write(f"error: {message}{hint}\n")
        return EXIT_INPUT


def _fast_call(argv: list[str]) -> Callable[[], int] | None:
    from aicost.launch import fast_call

    return fast_call(argv)


# Commands defined in their own modules register themselves on `app` when imported.
from aicost import cli_review, cli_training  # noqa: E402, F401
