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
    from aicost.cli_fast import plan

    return plan(argv)


def main(argv: list[str] | None = None) -> NoReturn:
    args = sys.argv[1:] if argv is None else list(argv)
    call = fast_call(args)
    if call is None:
        from aicost.cli import main as full

        full(args)
    from aicost.commands import guarded

    code = guarded(call)
    sys.stdout.flush()
    sys.exit(code)
