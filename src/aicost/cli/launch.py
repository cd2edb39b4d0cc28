"""The `aicost` entry point. Plain estimate/models command lines, `--version` and the completion of
model and provider names run without importing Typer; everything else goes to the full command
line in `cli/app.py`."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import NoReturn


FAST = ("estimate", "models")


def fast_call(argv: list[str]) -> Callable[[], int] | None:
    """The command to run without Typer, or None. Help and other commands never load the table."""
    if argv != ["--version"] and (not argv or argv[0] not in FAST):
        return None
    from aicost.cli.fast import plan

    return plan(argv)


def main(argv: list[str] | None = None) -> NoReturn:
    """Run the CLI and exit with 0 (ok), 1 (gate tripped), 2 (bad input) or 3 (internal error)."""
    code = run(sys.argv[1:] if argv is None else list(argv))
    from aicost.cli.commands import finish

    sys.exit(finish(code))


def complete() -> int:
    """Answer a shell's completion request (`_AICOST_COMPLETE` is set): model and provider names
    from the compiled catalog here, commands and options from Typer. stdout gets the reply only."""
    import os

    from aicost.cli.complete import answer

    quick = answer(os.environ)
    if quick is not None:
        text, code = quick
        sys.stdout.write(text)
        return code
    from aicost.cli.app import app

    try:
        app(args=[], prog_name="aicost")
    except SystemExit as exc:  # Typer ends a completion request with sys.exit
        return exc.code if isinstance(exc.code, int) else 0
    return 0


SHELL_OPTIONS = ("--install-completion", "--show-completion")


def with_shell(argv: list[str]) -> list[str]:
    """`--show-completion` or `--install-completion` without a shell: the shell running aicost."""
    if len(argv) != 1 or argv[0] not in SHELL_OPTIONS:
        return argv
    try:
        import shellingham  # type: ignore[import-untyped]  # Typer's own dependency

        name = shellingham.detect_shell()[0]
    except Exception:  # no shell to be found (a cron job, a container): Typer says what to give
        return argv
    return [*argv, str(name)]


def run(argv: list[str]) -> int:
    """Run one command line and return its exit code; plain ones skip Typer."""
    import os

    from aicost.cli.commands import guarded
    from aicost.model.limits import money_context

    if os.environ.get("_AICOST_COMPLETE"):
        return complete()
    argv = with_shell(argv)
    # Renderers round and format amounts too; every number in range fits this context.
    with money_context():
        call = fast_call(argv)
        if call is not None:
            return guarded(call)
        from aicost.cli.app import parse_and_run

        return guarded(lambda: parse_and_run(argv))
