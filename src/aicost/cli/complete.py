"""Shell completion of model and provider names, fast enough for a keystroke.

The shells ask by running `aicost` with `_AICOST_COMPLETE=complete_SHELL` and the command line in
COMP_WORDS/COMP_CWORD (bash) or _TYPER_COMPLETE_ARGS (zsh, fish). When the word being completed is
a value of `-m`/`--model`, `-p`/`--provider` or the MODEL of `history`, `answer` replies here from
the compiled catalog cache without importing Typer, yaml or pydantic; anything else (commands,
options) returns None and Typer answers. The Typer declarations call the same `models` and
`providers`, so both paths give the same candidates, in the same form.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence

COMPLETE_VAR = "_AICOST_COMPLETE"
MODEL_OPTIONS = ("-m", "--model")
PROVIDER_OPTIONS = ("-p", "--provider")
# options that take a value, so the word after them is not a positional argument
VALUED = (
    *MODEL_OPTIONS,
    *PROVIDER_OPTIONS,
    "--prices",
    "--currency",
    "--as-of",
    "-f",
    "--format",
    "-w",
    "--workload",
)


def _catalog_names(prices: Sequence[str] | None) -> tuple[list[str], list[str]]:
    """(provider slugs, model names: ids, aliases and provider/id), or nothing on bad input."""
    from aicost.model.catalog import source_paths
    from aicost.model.errors import AicostError
    from aicost.sheets.sources import load_catalog

    try:
        catalog = load_catalog(source_paths(prices))
    except (AicostError, OSError):
        return [], []  # a completion never prints an error: the command itself will say it
    names = {n for m in catalog.models for n in (m.id, *m.aliases, m.ref)}
    return sorted(catalog.sheets), sorted(names, key=str.lower)


def models(incomplete: str, prices: Sequence[str] | None = None) -> list[str]:
    """Model ids, aliases and provider/ids starting with `incomplete` (case-insensitive); after a
    comma (`-m gpt-4o,cla`) the last name is completed and the ones before it are kept."""
    head, comma, last = incomplete.rpartition(",")
    prefix = head + comma
    key = last.lower()
    if "/" not in key:  # provider/id only once a slash is typed: the list stays short
        return [
            prefix + n
            for n in _catalog_names(prices)[1]
            if "/" not in n and n.lower().startswith(key)
        ]
    return [prefix + n for n in _catalog_names(prices)[1] if n.lower().startswith(key)]


def providers(incomplete: str, prices: Sequence[str] | None = None) -> list[str]:
    """Provider slugs starting with `incomplete`."""
    key = incomplete.lower()
    return [p for p in _catalog_names(prices)[0] if p.startswith(key)]


# -- the Typer-free path --------------------------------------------------------------------------


def split_words(line: str) -> list[str]:
    """Words of a command line as a POSIX shell reads them; an unclosed quote ends the last word."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=False)
    lexer.whitespace_split = True
    lexer.commenters = ""
    words: list[str] = []
    try:
        words.extend(lexer)
    except ValueError:
        words.append(lexer.token)  # the word being typed, quote still open
    return words


def request(environ: dict[str, str] | os._Environ[str]) -> tuple[str, list[str], str] | None:
    """(shell, words before the cursor, the word being completed) from the shell's variables."""
    instruction = environ.get(COMPLETE_VAR, "")
    action, _, shell = instruction.partition("_")
    if action != "complete":
        return None
    if shell == "bash":
        words = split_words(environ.get("COMP_WORDS", ""))
        try:
            cword = int(environ.get("COMP_CWORD", ""))
        except ValueError:
            return None
        incomplete = words[cword] if cword < len(words) else ""
        return shell, words[1:cword], incomplete
    if shell in ("zsh", "fish"):
        line = environ.get("_TYPER_COMPLETE_ARGS", "")
        words = split_words(line)[1:]
        if words and not line.endswith(" "):
            return shell, words[:-1], words[-1]
        return shell, words, ""
    return None


def _prices(args: Sequence[str]) -> list[str] | None:
    found = [args[i + 1] for i, a in enumerate(args[:-1]) if a == "--prices"]
    found += [a.partition("=")[2] for a in args if a.startswith("--prices=")]
    return found or None


def _positionals(args: Sequence[str]) -> int:
    """Positional words after the command (option values skipped)."""
    count, index = 0, 1
    while index < len(args):
        word = args[index]
        index += 1
        if word in VALUED:
            index += 1
        elif not word.startswith("-"):
            count += 1
    return count


def candidates(args: Sequence[str], incomplete: str) -> list[str] | None:
    """Names for the word being completed, or None where Typer is to answer."""
    option, eq, _ = incomplete.partition("=")
    if eq and option in (*MODEL_OPTIONS, *PROVIDER_OPTIONS) and option.startswith("--"):
        return None  # `--model=gp`: rare, and Typer knows how each shell splits it
    before = args[-1] if args else ""
    prices = _prices(args)
    if before in MODEL_OPTIONS:
        return models(incomplete, prices)
    if before in PROVIDER_OPTIONS:
        return providers(incomplete, prices)
    if (
        args
        and args[0] == "history"
        and not incomplete.startswith("-")
        and before not in VALUED
        and _positionals(args) == 0
    ):
        return models(incomplete, prices)
    return None


def _zsh_quote(value: str) -> str:
    for old, new in (('"', '""'), ("'", "''"), ("$", "\\$"), ("`", "\\`"), (":", r"\\:")):
        value = value.replace(old, new)
    return f'"{value}"'


def reply(
    shell: str, names: Sequence[str], environ: dict[str, str] | os._Environ[str]
) -> tuple[str, int]:
    """What the shell's completion function reads, as Typer writes it, and the exit code."""
    if shell == "zsh":
        if not names:
            return "_files\n", 0
        return "_arguments '*: :((" + "\n".join(_zsh_quote(n) for n in names) + "))'\n", 0
    if shell == "fish" and environ.get("_TYPER_COMPLETE_FISH_ACTION") == "is-args":
        return "", 0 if names else 1
    if shell == "fish" and not names:
        return "\n", 0
    return "\n".join(names) + "\n", 0


def answer(environ: dict[str, str] | os._Environ[str]) -> tuple[str, int] | None:
    """The reply to a completion request for a model or provider name, or None for Typer."""
    asked = request(environ)
    if asked is None:
        return None
    shell, args, incomplete = asked
    names = candidates(args, incomplete)
    return None if names is None else reply(shell, names, environ)
