"""The command line: parse options, call the core, hand the result to a renderer, pick the exit code.

This module is a leaf: it gathers the commands of the other modules onto one Typer app and
nothing imports it but the entry point. No arithmetic here. Heavy modules (rich, pydantic, the loader) are imported inside the commands that
need them, so `aicost --help` and a JSON estimate start fast.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from aicost.cli import catalogs, commands, estimate, review, training
from aicost.cli.commands import EXIT_INPUT, EXIT_OK

app = typer.Typer(
    name="aicost",
    help="Know what an LLM workload costs: price sheets, exact estimates, diffs and CI gates.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


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


app.command()(estimate.estimate)
app.command()(estimate.models)
app.command()(estimate.history)
app.command()(review.diff)
app.command()(review.validate)
app.command()(review.schema)
app.add_typer(training.training_app, name="training")
app.command("import")(catalogs.import_catalog)
app.command("export")(catalogs.export_catalog)


# -- entry point ----------------------------------------------------------------------------------


def parse_and_run(args: list[str]) -> int:
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
