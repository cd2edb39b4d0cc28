"""The command line: parse options, call the core, hand the result to a renderer, pick the exit code.

This module is a leaf: it gathers the commands of the other modules onto one Typer app and
nothing imports it but the entry point. No arithmetic here. Heavy modules (rich, pydantic, the loader) are imported inside the commands that
need them, so `aicost --help` and a JSON estimate start fast.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from aicost.cli import catalogs, commands, estimate, review, training, usage
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
app.add_typer(usage.usage_app, name="usage")


# -- entry point ----------------------------------------------------------------------------------


def _usage_errors() -> type[Exception]:
    """The root of Typer's usage errors, whatever its version calls it: click's `ClickException`
    where typer depends on click, its vendored copy after that, `TyperException` on the newest.
    It is the class just under `Exception` in the ancestry of `typer.BadParameter`."""
    ancestry = typer.BadParameter.__mro__
    found = ancestry[ancestry.index(Exception) - 1]
    assert issubclass(found, Exception)
    return found


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
    except _usage_errors() as exc:
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        message = message.replace("Value error, ", "")
        context = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and context is not None:
            sys.stdout.write(context.get_help() + "\n")
            return EXIT_OK
        if type(exc).__name__ == "NoSuchOption" and context is not None:
            message = unknown_option(getattr(exc, "option_name", ""), context)
        hint = f" (see `{context.command_path} --help`)" if context is not None else ""
        sys.stderr.write(f"error: {message}{hint}\n")
        return EXIT_INPUT


def unknown_option(name: str, context: typer.Context) -> str:
    """`No such option` with a suggestion only where one is close (compared without the dashes),
    or the command that does have the option."""
    import difflib

    own = [n for p in context.command.params for n in (*p.opts, *p.secondary_opts)]
    bare = {n.lstrip("-"): n for n in own if n.startswith("--")}
    close = difflib.get_close_matches(name.lstrip("-"), list(bare), n=1, cutoff=0.75)
    message = f"no such option: {name}"
    if close:
        return f"{message}; did you mean {bare[close[0]]}?"
    root = context.find_root().command
    holders = [
        f"aicost {cmd_name}"
        for cmd_name, cmd in getattr(root, "commands", {}).items()
        if any(name in p.opts for p in cmd.params)
    ]
    if holders:
        message += f"; it is an option of `{'`, `'.join(sorted(holders))}`"
    return message
