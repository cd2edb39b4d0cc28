"""A fast path for the commands that run in loops: plain `estimate`/`models` calls and `--version`.

Typer builds a pydantic validator for every parameter before a command runs, which costs more than
pricing a workload over the whole catalog. For command lines made only of the simple option forms
(`--name value`, `--name=value`, `-n value`, flags) this module reads the options itself, straight
from each command's own `Annotated[..., typer.Option(...)]` declarations, and calls the command
function with exactly the values Typer would pass. Anything else (help, an unknown or repeated option,
a value that needs validation, a positional argument, a value that starts with `-`) returns None and
the command line goes through Typer as usual, so errors and help read the same either way.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable, Sequence
from typing import Any

Call = Callable[[], Any]

_SCALARS = (str, int, bool)


def _spec(func: Callable[..., Any]) -> dict[str, tuple[str, Any, Any]] | None:
    """Option name -> (parameter, type, OptionInfo) for a command, or None when it is not simple."""
    from typer.models import OptionInfo
    from typer.utils import get_params_from_function

    names: dict[str, tuple[str, Any, Any]] = {}
    for meta in get_params_from_function(func).values():
        info = meta.default
        if not isinstance(info, OptionInfo):
            return None  # an argument: leave it to Typer
        special = ("callback", "parser", "click_type", "envvar", "prompt", "is_eager", "max")
        if any(getattr(info, attr, None) for attr in special):
            return None
        kind = _kind(meta.annotation)
        if kind is None or not info.param_decls:
            return None
        for decl in info.param_decls:
            if "/" in decl or not decl.startswith("-"):
                return None
            names[decl] = (meta.name, kind, info)
    return names


def _kind(base: Any) -> Any:
    """str, int, bool, list (of str) or an enum class; None for anything else."""
    args = [a for a in typing.get_args(base) if a is not type(None)]
    if isinstance(base, types.UnionType) or typing.get_origin(base) is typing.Union:
        if len(args) != 1:
            return None
        base = args[0]
    if typing.get_origin(base) is list:
        return list if typing.get_args(base) == (str,) else None
    if base in _SCALARS or (isinstance(base, type) and issubclass(base, enum.Enum)):
        return base
    return None


def _value(kind: Any, info: Any, text: str) -> Any:
    """The value Typer would pass, or raise LookupError where it might differ (it then decides)."""
    if kind is str or kind is list:
        return text
    if kind is int:
        if not (text.isascii() and text.isdigit()):
            raise LookupError(text)
        number = int(text)
        if info.min is not None and number < info.min:
            raise LookupError(text)
        return number
    if issubclass(kind, enum.Enum) and text.isascii():
        for member in kind:
            value = str(member.value)
            if text == value or (not info.case_sensitive and text.lower() == value.lower()):
                return member
    raise LookupError(text)


def parse(func: Callable[..., Any], args: Sequence[str]) -> dict[str, Any] | None:
    """Keyword arguments for `func` from `args`, or None when Typer must read them."""
    spec = _spec(func)
    if spec is None:
        return None
    given: dict[str, Any] = {}
    items = list(args)
    index = 0
    while index < len(items):
        item = items[index]
        index += 1
        if not item.startswith("-") or item in ("-", "--") or item in ("-h", "--help"):
            return None
        name, eq, attached = item.partition("=") if item.startswith("--") else (item, "", "")
        if name not in spec:
            return None
        param, kind, info = spec[name]
        if kind is bool:
            if eq or param in given:
                return None
            given[param] = True
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
            value = _value(kind, info, text)
        except LookupError:
            return None
        if kind is list:
            given.setdefault(param, []).append(value)
        elif param in given:
            return None
        else:
            given[param] = value
    for param, _, info in spec.values():
        if param not in given and info.default is ...:
            return None  # a required option is missing: Typer says so
    return given


def plan(commands: dict[str, Callable[..., Any]], argv: Sequence[str]) -> Call | None:
    """The call to make for `argv`, or None to hand it to Typer."""
    if not argv or argv[0] not in commands:
        return None
    func = commands[argv[0]]
    try:
        kwargs = parse(func, argv[1:])
    except Exception:  # any surprise in the declarations: Typer knows best
        return None
    if kwargs is None:
        return None
    return lambda: func(**kwargs)
