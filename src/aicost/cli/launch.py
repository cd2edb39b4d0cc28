"""The `aicost` entry point. Plain estimate/models command lines and `--version` run without
importing Typer; everything else goes to the full command line in `cli.py`."""

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


def run(argv: list[str]) -> int:
    """Run one command line and return its exit code; plain ones skip Typer."""
    from aicost.cli.commands import guarded
    from aicost.model.limits import money_context

    # Renderers round and format amounts too; every number in range fits this context.
    with money_context():
        call = fast_call(argv)
        if call is not None:
            return guarded(call)
        from aicost.cli.app import parse_and_run

        return guarded(lambda: parse_and_run(argv))
