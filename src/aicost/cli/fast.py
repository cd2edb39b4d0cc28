"""A fast path for the commands that run in loops: plain `estimate`/`models` calls and `--version`.

Importing Typer and letting it build a validator for every option costs more than pricing a workload
over the whole catalog. For command lines made only of the simple option forms (`--name value`,
`--name=value`, `-n value`, flags) the options are read here from a table of the commands' options
and the command runs without Typer. The table is data, so no Typer import is needed to read it; a
test derives the same table from the Typer declarations in `cli.py` and fails when they drift apart.
Anything else (help, an unknown or repeated option, a value that needs validation, a positional
argument, a value that starts with `-`) returns None, and the command line goes through Typer as
usual, so errors and help read the same either way.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aicost.render import Format

Call = Callable[[], int]


@dataclass(frozen=True, slots=True)
class Option:
    """One option spelling: the parameter it sets and how its value is read."""

    param: str
    kind: Any  # str, int, bool, list (repeatable str) or an Enum class
    minimum: int | None = None
    case_sensitive: bool = True


def _options(*rows: tuple[tuple[str, ...], str, Any]) -> dict[str, Option]:
    table: dict[str, Option] = {}
    for names, param, kind in rows:
        option = Option(param, kind, None, kind is not Format)
        for name in names:
            table[name] = option
    return table


_SHARED = (
    (("--format", "-f"), "fmt", Format),
    (("--prices",), "prices", list),
    (("--currency",), "currency", str),
    (("--as-of",), "as_of", str),
    (("--no-color",), "no_color", bool),
)
OPTIONS: dict[str, dict[str, Option]] = {
    "estimate": _options(
        (("--workload", "-w"), "workload_file", str),
        (("--input-tokens", "-i"), "input_tokens", str),
        (("--output-tokens", "-o"), "output_tokens", str),
        (("--cached-tokens",), "cached_tokens", str),
        (("--cache-write-tokens",), "cache_write_tokens", str),
        (("--cache-write-1h-tokens",), "cache_write_1h_tokens", str),
        (("--reasoning-tokens",), "reasoning_tokens", str),
        (("--requests", "-n"), "requests", str),
        (("--per",), "per", str),
        (("--batch-share",), "batch_share", str),
        (("--off-peak-share",), "off_peak_share", str),
        (("--traffic-profile",), "traffic_profile", str),
        (("--service-tier-share",), "service_tier_share", list),
        (("--model", "-m"), "model", list),
        (("--provider", "-p"), "provider", list),
        (("--search",), "search", str),
        (("--top",), "top", str),
        (("--budget",), "budget", str),
        (("--compare",), "compare", bool),
        *_SHARED,
    ),
    "models": _options(
        (("--provider", "-p"), "provider", list),
        (("--model", "-m"), "model", list),
        (("--search",), "search", str),
        *_SHARED,
    ),
}


def _value(option: Option, text: str) -> Any:
    """The value Typer would pass, or raise LookupError where it might differ (it then decides)."""
    kind = option.kind
    if kind is str or kind is list:
        return text
    if kind is int:
        if not (text.isascii() and text.isdigit()) or len(text) > 18:
            raise LookupError(text)  # Typer reads it, and says what is wrong
        number = int(text)
        if option.minimum is not None and number < option.minimum:
            raise LookupError(text)
        return number
    if isinstance(kind, type) and issubclass(kind, enum.Enum) and text.isascii():
        for member in kind:
            value = str(member.value)
            if text == value or (not option.case_sensitive and text.lower() == value.lower()):
                return member
    raise LookupError(text)


def parse(table: dict[str, Option], args: Sequence[str]) -> dict[str, Any] | None:
    """Keyword arguments from `args`, or None when Typer must read them."""
    given: dict[str, Any] = {}
    items = list(args)
    index = 0
    while index < len(items):
        item = items[index]
        index += 1
        if not item.startswith("-") or item in ("-", "--", "-h", "--help"):
            return None
        name, eq, attached = item.partition("=") if item.startswith("--") else (item, "", "")
        option = table.get(name)
        if option is None:
            return None
        if option.kind is bool:
            if eq or option.param in given:
                return None
            given[option.param] = True
            continue
        if eq:
            text = attached
        else:
            if index >= len(items):
                return None
            text = items[index]
            index += 1
        if text.startswith("-"):
            return None
        try:
            value = _value(option, text)
        except LookupError:
            return None
        if option.kind is list:
            given.setdefault(option.param, []).append(value)
        elif option.param in given:
            return None
        else:
            given[option.param] = value
    return given


def plan(argv: Sequence[str]) -> Call | None:
    """The call to make for `argv`, or None to hand it to Typer."""
    if list(argv) == ["--version"]:
        from aicost.cli.commands import version

        return version
    if not argv or argv[0] not in OPTIONS:
        return None
    kwargs = parse(OPTIONS[argv[0]], argv[1:])
    if kwargs is None:
        return None
    from aicost.cli import commands

    func: Callable[..., int] = getattr(commands, argv[0])
    return lambda: func(**kwargs)


def table_from_typer(func: Callable[..., Any]) -> dict[str, Option]:
    """The option table as Typer declares it for a command (used by the tests)."""
    import types
    import typing

    from typer.models import OptionInfo
    from typer.utils import get_params_from_function

    table: dict[str, Option] = {}
    for meta in get_params_from_function(func).values():
        info = meta.default
        assert isinstance(info, OptionInfo), meta.name
        base = meta.annotation
        args = [a for a in typing.get_args(base) if a is not type(None)]
        if isinstance(base, types.UnionType) or typing.get_origin(base) is typing.Union:
            base = args[0]
        if typing.get_origin(base) is list:
            base = list
        minimum = None if info.min is None else int(info.min)
        option = Option(meta.name, base, minimum, bool(info.case_sensitive))
        for decl in info.param_decls or ():
            table[decl] = option
    return table
