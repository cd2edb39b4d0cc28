"""The command line: parse options, call the core, hand the result to a renderer, pick the exit code.

This module is a leaf: it gathers the commands of the other modules onto one Typer app and
nothing imports it but the entry point. No arithmetic here. Heavy modules (rich, pydantic, the loader) are imported inside the commands that
need them, so `aicost --help` and a JSON estimate start fast.
"""

from __future__ import annotations

import enum
import sys
from typing import Annotated

import typer
from typer._completion_classes import completion_init

from aicost.cli import catalogs, chart, commands, estimate, review, training, usage
from aicost.cli.commands import EXIT_INPUT, EXIT_OK
from aicost.cli.helpfmt import Command, Group, examples

EPILOG = examples(
    "aicost estimate -i 1.5k -o 400 -n 20k --per day --top 3",
    "aicost estimate -w examples/workloads.yaml --compare",
    "aicost models -p anthropic",
    "aicost --install-completion bash",
)

completion_init()  # Typer's completion replies for bash, zsh and fish (plain values, not click's)

app = typer.Typer(
    name="aicost",
    cls=Group,
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


class Shell(enum.StrEnum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


def _show_completion(value: Shell | None) -> None:
    if value is not None:
        from typer._completion_shared import get_completion_script

        script = get_completion_script(
            prog_name="aicost", complete_var="_AICOST_COMPLETE", shell=value.value
        )
        commands.write_out(script + "\n")
        raise typer.Exit()


def _install_completion(value: Shell | None) -> None:
    if value is not None:
        from typer._completion_shared import install

        shell, path = install(
            shell=value.value, prog_name="aicost", complete_var="_AICOST_COMPLETE"
        )
        sys.stderr.write(f"{shell} completion installed in {path}; it works in new shells\n")
        raise typer.Exit()


@app.callback(epilog=EPILOG)
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
    install_completion: Annotated[
        Shell | None,
        typer.Option(
            "--install-completion",
            callback=_install_completion,
            is_eager=True,
            metavar="[SHELL]",
            help="Install tab completion for bash, zsh or fish (default: the shell you run).",
        ),
    ] = None,
    show_completion: Annotated[
        Shell | None,
        typer.Option(
            "--show-completion",
            callback=_show_completion,
            is_eager=True,
            metavar="[SHELL]",
            help="Print the completion script for bash, zsh or fish, to install it by hand.",
        ),
    ] = None,
) -> None:
    """Know what an LLM workload costs, before and after you run it."""


EXAMPLES = {
    "estimate": (
        "aicost estimate -i 1.5k -o 400 -n 20k --per day",
        "aicost estimate -i 2k -o 500 -m 'gpt-5*,claude-*' --top 2",
        "aicost estimate -w examples/workloads.yaml --compare -f json",
        "aicost estimate -i 10k -o 1k -n 1M --per month --budget 500 --currency EUR",
    ),
    "models": (
        "aicost models -p anthropic",
        "aicost models --search mini --as-of 2026-01-01",
        "aicost models -m 'gpt-4o*' -f json",
    ),
    "history": (
        "aicost history o3",
        "aicost history deepseek/deepseek-reasoner -f markdown",
    ),
    "diff": (
        "aicost diff HEAD~1:prices prices",
        "aicost diff main:prices prices -w examples/workloads.yaml",
        "aicost diff main:prices prices --fail-on increase --threshold 5",
    ),
    "validate": (
        "aicost validate",
        "aicost validate prices/openai.yaml --max-age 90",
        "aicost validate my-sheets/ --strict -f json",
    ),
    "schema": (
        "aicost schema > aicost.schema.json",
        "aicost schema workload",
    ),
    "import": (
        "aicost import litellm -o imported/",
        "aicost import genai-prices data.json -o imported/ -p openai",
    ),
    "export": (
        "aicost export litellm -o litellm-prices.json",
        "aicost export genai-prices --as-of 2026-01-01",
        "aicost export prices-table -o prices.csv",
    ),
    "chart": (
        "aicost chart",
        "aicost chart -m deepseek-reasoner -m gpt-4o --since 2025-01-01 -f json",
        "aicost chart -p deepseek -p openai -i 10k -o 1k --save price-war.svg",
    ),
}

app.command(cls=Command, epilog=examples(*EXAMPLES["estimate"]))(estimate.estimate)
app.command(cls=Command, epilog=examples(*EXAMPLES["models"]))(estimate.models)
app.command(cls=Command, epilog=examples(*EXAMPLES["history"]))(estimate.history)
app.command(cls=Command, epilog=examples(*EXAMPLES["diff"]))(review.diff)
app.command(cls=Command, epilog=examples(*EXAMPLES["validate"]))(review.validate)
app.command(cls=Command, epilog=examples(*EXAMPLES["schema"]))(review.schema)
app.add_typer(training.training_app, name="training")
app.command("import", cls=Command, epilog=examples(*EXAMPLES["import"]))(catalogs.import_catalog)
app.command("export", cls=Command, epilog=examples(*EXAMPLES["export"]))(catalogs.export_catalog)
app.command(cls=Command, epilog=examples(*EXAMPLES["chart"]))(chart.chart)
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
