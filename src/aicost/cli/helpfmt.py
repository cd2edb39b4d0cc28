"""Help that reads like the README: plain metavars (MODEL, PATH) instead of Typer's type labels
(`<str>`, `{MODEL}`, `[[PATH]...]...`), and an Examples section under every command."""

from __future__ import annotations

from typing import Any

from typer.core import TyperCommand, TyperGroup


def examples(*lines: str) -> str:
    """An epilog of example command lines; `\\b` keeps click from rewrapping them."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


def _usage_piece(piece: str) -> str:
    """`{MODEL}` -> MODEL, `{SOURCE}...` -> SOURCE..., `[[FILE]]` -> [FILE],
    `[[PATH]...]...` -> [PATH]..."""
    if piece.startswith("{") and piece.endswith("}"):
        return piece[1:-1]
    if piece.startswith("{") and piece.endswith("}..."):
        return piece[1:-4] + "..."
    for old, new in (("[[", "["), ("]]", "]"), ("]...]...", "]..."), ("]...", "]...")):
        piece = piece.replace(old, new)
    return piece


def _records(command: Any, ctx: Any) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    args, opts = [], []
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is None:
            continue
        if param.param_type_name == "argument":
            name = param.metavar or param.name.upper()
            args.append((name.strip("[]").removesuffix("..."), record[1]))
        else:
            opts.append(record)
    return args, opts


class _Plain:
    """The help parts Typer draws with type labels, drawn with the metavars alone."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces: list[str] = super().collect_usage_pieces(ctx)  # type: ignore[misc]
        return [_usage_piece(p) for p in pieces]

    def format_options(self, ctx: Any, formatter: Any) -> None:
        args, opts = _records(self, ctx)
        if args:
            with formatter.section("Arguments"):
                formatter.write_dl(args)
        if opts:
            with formatter.section("Options"):
                formatter.write_dl(opts)
        commands = getattr(self, "format_commands", None)
        if commands is not None:
            commands(ctx, formatter)


class Command(_Plain, TyperCommand):
    pass


class Group(_Plain, TyperGroup):
    pass
