"""Fuzzing: generated sheets, workload files and command lines, valid, broken and hostile.

Every case runs in-process through the real entry point. Whatever the input, aicost answers with
exit 0, 1 or 2, never 3 (an internal error) and never a traceback, and it answers quickly. Text from
a sheet never reaches the terminal as a control character. The number of cases per test is set by
`AICOST_FUZZ_CASES` (default 250 for a quick local run; 700 under CI), shared out by cost:
a command line over the whole bundled catalog costs about six workload-file cases and a generated
sheet about four, so under CI the three tests run 560 sheets, 1,225 workload files and 252 command
lines: 2,037 cases, in about 55 s on the 2-core machine.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aicost.cli.launch import run as cli_run
from conftest import DATA

SMALL = DATA / "core"

pytestmark = pytest.mark.slow

# CI (CI=true) runs 2,037 cases in all (see the weights below); a quick local run about 730
CASES = int(os.environ.get("AICOST_FUZZ_CASES", "700" if os.environ.get("CI") == "true" else "250"))
SLOWEST_CASE_S = 3.0


def _settings(weight: float) -> settings:
    return settings(FUZZ, max_examples=max(1, round(CASES * weight)))


FUZZ = settings(
    max_examples=CASES,
    deadline=None,
    derandomize=os.environ.get("CI") == "true",
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
    database=None,
)

# -- generators -------------------------------------------------------------------------------------

HOSTILE_TEXT = [
    "\x1b[2J\x1b[H",
    "\x1b]52;c;aGVsbG8=\x07",
    "\x1b]0;title\x07",
    "a\rb",
    "a\nerror: forged",
    "\u202eevil",
    "[bold red]x[/]",
    "<!-- aicost-diff -->",
    "<img src=x onerror=alert(1)>",
    "@everyone",
    "`code`",
    "a|b",
    '=HYPERLINK("http://x")',
    "+1",
    "-1+2",
    "@SUM(A1)",
    "\tx",
    "\x00",
    "\u2028",
    "",
    " ",
    "ü中文😀",
]
KEYS = [
    "provider",
    "name",
    "currency",
    "source",
    "checked",
    "batch_multiplier",
    "models",
    "input",
    "cached_input",
    "cache_write",
    "output",
    "tiers",
    "up_to",
    "history",
    "until",
    "since",
    "windows",
    "days",
    "hours",
    "multiplier",
    "retired",
    "aliases",
    "context_window",
    "training_claims",
    "inptu",
    "fx",
    "gpus",
    "workloads",
]
NUMBER_TEXT = [
    "0",
    "1",
    "0.5",
    "1e400",
    "1e-400",
    "-1",
    "1:30",
    "017",
    "0x1F",
    ".nan",
    ".inf",
    "-.inf",
    "1_000",
    "1e999999",
    "9" * 5000,
    "0.000000000000000000000001",
    "١٢٣",
    "１２",
    "true",
    "null",
    "~",
    '"$0.14"',
    "2026-13-45",
    "9999-12-31T23:00:00-05:00",
    "!!timestamp garbage",
    "!!python/object:os.system [ls]",
    "*undefined",
    "&a [*a]",
]
TOKENS_TEXT = [
    "0",
    "1",
    "1.5k",
    "2M",
    "1.2B",
    "1e999999",
    "-5",
    "1.5",
    "9" * 5000,
    "1e14",
    "abc",
    "",
    "1_000",
    "١٢",
    "0x10",
    "1e400",
    "nan",
    "inf",
    "  7  ",
]
DATES = [
    "2025-01-01",
    "2026-11-30",
    "2026-11-30T16:00:00Z",
    "9999-12-31T23:00:00-05:00",
    "0001-01-01",
    "2026-02-30",
    "yesterday",
    "",
    "2026-11-30T25:00:00Z",
    "1e9",
]

texts = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=12))
slugs = st.one_of(st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True), texts)
numbers: st.SearchStrategy[Any] = st.one_of(
    st.integers(min_value=-10, max_value=10**30),
    st.decimals(allow_nan=True, allow_infinity=True, places=None).map(str),
    st.sampled_from(NUMBER_TEXT).map(lambda s: _Raw(s)),
)


class _Raw(str):
    """A scalar written into the YAML verbatim (so tags, aliases and YAML 1.1 forms reach the reader)."""


def _leaf() -> st.SearchStrategy[Any]:
    return st.one_of(numbers, texts, st.booleans(), st.none())


def _rates() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"input": numbers, "output": numbers},
        optional={"cached_input": numbers, "cache_write": numbers, "context_window": numbers},
    )


def _model() -> st.SearchStrategy[dict[str, Any]]:
    tier = st.fixed_dictionaries({"input": numbers, "output": numbers}, optional={"up_to": numbers})
    window = st.fixed_dictionaries(
        {"name": texts, "multiplier": numbers},
        optional={
            "days": st.lists(st.sampled_from(["mon", "sat", "sun", "xyz", "Mon"]), max_size=3),
            "hours": st.lists(
                st.sampled_from(["00:00-01:00", "16:30-00:30", "25:00-26:00", "x"]), max_size=2
            ),
        },
    )
    period = st.fixed_dictionaries(
        {"until": st.sampled_from(DATES), "input": numbers, "output": numbers},
        optional={"since": st.sampled_from(DATES)},
    )
    extra = st.fixed_dictionaries(
        {},
        optional={
            "name": texts,
            "aliases": st.lists(texts, max_size=3),
            "tiers": st.lists(tier, max_size=3),
            "windows": st.lists(window, max_size=2),
            "history": st.lists(period, max_size=2),
            "retired": st.sampled_from(DATES),
            "batch_multiplier": numbers,
        },
    )
    junk = st.dictionaries(st.sampled_from(KEYS), _leaf(), max_size=2)
    return st.tuples(_rates(), extra, junk).map(lambda t: {**t[0], **t[1], **t[2]})


def _sheet() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "provider": slugs,
            "currency": st.sampled_from(["USD", "CNY", "usd", "XYZ", "€"]),
            "models": st.dictionaries(slugs, _model(), min_size=1, max_size=4),
        },
        optional={
            "name": texts,
            "source": texts,
            "checked": st.sampled_from(DATES),
            "batch_multiplier": numbers,
            "inptu": _leaf(),
        },
    )


def _workloads() -> st.SearchStrategy[dict[str, Any]]:
    workload = st.fixed_dictionaries(
        {"name": texts, "input_tokens": st.one_of(numbers, st.sampled_from(TOKENS_TEXT))},
        optional={
            "requests": numbers,
            "per": st.sampled_from(["once", "hour", "day", "month", "week", ""]),
            "output_tokens": st.sampled_from(TOKENS_TEXT),
            "cached_tokens": numbers,
            "batch_share": numbers,
            "off_peak_share": numbers,
            "model": texts,
            "budget": numbers,
        },
    )
    return st.fixed_dictionaries({"workloads": st.lists(workload, max_size=3)})


def to_yaml(value: Any, indent: int = 0) -> str:
    """Block YAML written by hand, so `_Raw` scalars (tags, aliases, YAML 1.1 forms) pass verbatim."""
    pad = "  " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        lines = []
        for key, item in value.items():
            body = to_yaml(item, indent + 1)
            key_text = _scalar(key)
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{key_text}:\n{body}")
            else:
                lines.append(f"{pad}{key_text}: {body}")
        return "\n".join(lines)
    if isinstance(value, list):
        if not value:
            return "[]"
        lines = []
        for item in value:
            body = to_yaml(item, indent + 1)
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}-\n{body}")
            else:
                lines.append(f"{pad}- {body}")
        return "\n".join(lines)
    return _scalar(value)


def _scalar(value: Any) -> str:
    if isinstance(value, _Raw):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool | int):
        return str(value).lower() if isinstance(value, bool) else str(value)
    text = yaml.safe_dump(value, default_style='"', width=10**6).strip()
    return text.removesuffix("\n...").strip()


def _mangle(text: str, data: st.DataObject) -> str:
    """Sometimes break the YAML itself: cut it, nest it deep, add a document, add raw bytes."""
    how = data.draw(st.sampled_from(["keep"] * 6 + ["cut", "deep", "second-doc", "tabs", "alias"]))
    if how == "cut" and text:
        return text[: data.draw(st.integers(min_value=0, max_value=len(text)))]
    if how == "deep":
        depth = data.draw(st.sampled_from([10, 200, 700]))
        return text + "\nextra: " + "[" * depth + "1" + "]" * depth + "\n"
    if how == "second-doc":
        return text + "\n---\nprovider: other\n"
    if how == "tabs":
        return text.replace("  ", "\t", 1)
    if how == "alias":
        return (
            "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" + text
        )
    return text


# -- running ----------------------------------------------------------------------------------------


@contextlib.contextmanager
def _captured() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        yield out, err


def check(argv: Sequence[str]) -> None:
    started = time.perf_counter()
    with _captured() as (out, err):
        code = cli_run(list(argv))
    took = time.perf_counter() - started
    stderr, stdout = err.getvalue(), out.getvalue()
    shown = f"aicost {' '.join(argv)!r}: exit {code}\n{stderr[-2000:]}"
    assert code in (0, 1, 2), shown
    assert "Traceback" not in stderr, shown
    assert "internal error" not in stderr, shown
    assert took < SLOWEST_CASE_S, f"{shown}\ntook {took:.1f}s"
    for line in stderr.splitlines():
        assert "\x1b" not in line, shown
    if code == 2:
        assert stderr.count("error:") >= 1, shown
        assert stdout == "", shown  # nothing is half-written
    else:
        assert "\x1b" not in stdout, shown  # colour is off; sheet text never sends escapes
        formats = [v for flag, v in itertools.pairwise(argv) if flag in ("-f", "--format")]
        if formats and formats[-1] == "json":
            json.loads(stdout)  # stdout is data: `aicost ... -f json | jq` always works


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


COMMANDS = [
    ["estimate", "-i", "1M", "-o", "1k"],
    ["estimate", "-i", "130k", "-o", "1k", "-n", "1000", "--per", "day", "--batch-share", "0.5"],
    ["estimate", "-i", "1k", "-o", "1k", "--off-peak-share", "1", "--cached-tokens", "500"],
    ["models"],
    ["models", "-f", "json"],
    ["validate"],
    ["training"],
    ["diff", "@bundled"],
]
FORMATS = ["table", "json", "csv", "markdown"]


@_settings(0.8)
@given(
    sheet=_sheet(), command=st.sampled_from(COMMANDS), fmt=st.sampled_from(FORMATS), data=st.data()
)
def test_generated_sheets(
    scratch: Path, sheet: dict[str, Any], command: list[str], fmt: str, data: st.DataObject
) -> None:
    path = scratch / "sheet.yaml"
    path.write_text(_mangle(to_yaml(sheet), data), encoding="utf-8")
    argv = list(command)
    if argv[0] in ("validate", "diff"):
        argv.append(str(path))
    else:
        argv += ["--prices", str(path)]
    if argv[0] != "validate":
        argv += ["-f", fmt]
    check(argv)


@_settings(1.75)
@given(workloads=_workloads(), fmt=st.sampled_from(FORMATS), data=st.data())
def test_generated_workload_files(
    scratch: Path, workloads: dict[str, Any], fmt: str, data: st.DataObject
) -> None:
    path = scratch / "workloads.yaml"
    path.write_text(_mangle(to_yaml(workloads), data), encoding="utf-8")
    extra = data.draw(
        st.sampled_from([[], ["--compare"], ["--top", "3"], ["--currency", "CNY"], ["-p", "acme"]])
    )
    # a small catalog keeps each case fast; the bundled one is fuzzed by the command lines
    check(["estimate", "-w", str(path), "--prices", str(SMALL), "-f", fmt, *extra])


FLAG_VALUES: dict[str, st.SearchStrategy[str]] = {
    "-i": st.sampled_from(TOKENS_TEXT),
    "-o": st.sampled_from(TOKENS_TEXT),
    "--cached-tokens": st.sampled_from(TOKENS_TEXT),
    "--cache-write-tokens": st.sampled_from(TOKENS_TEXT),
    "--reasoning-tokens": st.sampled_from(TOKENS_TEXT),
    "-n": st.sampled_from(TOKENS_TEXT),
    "--per": st.sampled_from(["once", "hour", "day", "month", "year", ""]),
    "--batch-share": st.sampled_from(["0", "0.5", "1", "2", "-1", "1e-999999", "nan", "x"]),
    "--off-peak-share": st.sampled_from(["0", "1", "1.5", "abc"]),
    "--top": st.sampled_from(["1", "0", "-1", "9" * 5000, "x"]),
    "--budget": st.sampled_from(["10", "0", "-5", "1e400", "$10", "9" * 5000]),
    "--currency": st.sampled_from(["USD", "CNY", "cny", "XYZ", "", "€"]),
    "--as-of": st.sampled_from(DATES),
    "-m": texts,
    "-p": texts,
    "--search": texts,
    "-f": st.sampled_from([*FORMATS, "yaml", ""]),
    "--prices": st.sampled_from(["@bundled", "", "/dev/null", "/nonexistent", "HEAD:prices"]),
}


@_settings(0.36)
@given(
    command=st.sampled_from(
        ["estimate", "models", "history", "training", "diff", "validate", "schema"]
    ),
    flags=st.lists(st.sampled_from(sorted(FLAG_VALUES)), max_size=5),
    positional=st.lists(
        st.one_of(
            texts, st.sampled_from(["@bundled", "deepseek-reasoner", "gpt-4o", "HEAD~1:prices"])
        ),
        max_size=2,
    ),
    data=st.data(),
)
def test_generated_command_lines(
    command: str, flags: list[str], positional: list[str], data: st.DataObject
) -> None:
    argv = [command]
    for flag in flags:
        argv += [flag, data.draw(FLAG_VALUES[flag])]
    if command in ("estimate",) and not {"-i", "-o"} & set(flags):
        argv += ["-i", "1k", "-o", "1k"]
    argv += positional
    check(argv)
