"""Start-up stays cheap: what each path imports, and the parser fast path matches Typer exactly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from aicost.cli import estimate as cli_estimate
from aicost.cli import launch
from conftest import Run

HEAVY = ("rich", "pydantic", "yaml")


def imported(args: list[str], cache_dir: Path) -> tuple[set[str], str]:
    """Top-level packages imported by `python -X importtime -m aicost ARGS`, and its stdout."""
    env = {**os.environ, "AICOST_CACHE_DIR": str(cache_dir), "NO_COLOR": "1"}
    env.pop("AICOST_NO_CACHE", None)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "aicost", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    names = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return names, done.stdout


def test_importing_the_cli_loads_no_heavy_library() -> None:
    code = "import sys, aicost.cli.app; print(sorted({m.split('.')[0] for m in sys.modules}))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(eval(done.stdout))
    assert not loaded & set(HEAVY)


def test_version_loads_no_heavy_library(tmp_path: Path) -> None:
    names, out = imported(["--version"], tmp_path)
    assert out.startswith("aicost ")
    assert not names & {*HEAVY, "typer"}


def test_a_warm_json_estimate_reads_no_yaml_and_no_pydantic(tmp_path: Path) -> None:
    args = ["estimate", "-m", "gpt-4o", "-p", "openai", "-i", "1M", "-o", "1M", "-f", "json"]
    cold, first = imported(args, tmp_path)
    assert "yaml" in cold  # the first run reads the sheets and fills the cache
    warm, second = imported(args, tmp_path)
    assert not warm & {*HEAVY, "typer"}, warm & {*HEAVY, "typer"}
    assert second == first
    assert '"total": "12.5"' in second  # 1M x $2.50 + 1M x $10.00


SAME = [
    ["estimate", "-i", "1M", "-o", "1M", "-f", "json"],
    [
        "estimate",
        "--input-tokens=2k",
        "--output-tokens",
        "500",
        "--format=CSV",
        "-m",
        "gpt-4o",
        "-m",
        "o3",
    ],
    ["estimate", "-i", "1M", "-o", "1M", "--top", "3", "--compare", "--no-color", "-f", "markdown"],
    [
        "estimate",
        "-i",
        "1M",
        "-o",
        "1M",
        "-p",
        "openai",
        "--currency",
        "eur",
        "--as-of",
        "2025-01-01",
    ],
    ["estimate", "-i", "1M", "-o", "1M", "--budget", "0.01", "-f", "json"],
    ["estimate", "-i", "1M", "-o", "1M", "--top", "0"],
    ["estimate", "-i", "1M", "-o", "1M", "--top", "x"],
    ["estimate", "-i", "1M", "-o", "1M", "-f", "yaml"],
    ["estimate", "-i", "1M", "-o", "1M", "-f", "json", "-f", "csv"],
    ["estimate", "-i", "1M", "-o"],
    ["estimate", "-i", "1M", "-o", "-5"],
    ["estimate", "-i", "1M", "--bogus", "1"],
    ["estimate", "-i", "1M", "-o", "1M", "extra"],
    ["estimate", "-i", "1M", "-o", "1M", "--compare=yes"],
    ["estimate", "--help"],
    ["estimate"],
    ["estimate", "-m", "gpt4o", "-i", "1", "-o", "1"],
    ["models", "-p", "openai", "-f", "json"],
    ["models", "--search", "mini", "-f", "csv", "--as-of", "2026-01-01"],
    ["models", "-p", "nope"],
    ["--version"],
]


@pytest.mark.parametrize("argv", SAME, ids=lambda a: " ".join(a))
def test_the_fast_path_answers_exactly_as_typer_does(
    run: Run, argv: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = run(argv)
    monkeypatch.setattr(launch, "fast_call", lambda argv: None)
    assert run(argv) == fast


def test_plain_command_lines_take_the_fast_path_and_others_do_not() -> None:
    assert launch.fast_call(SAME[0]) is not None
    assert launch.fast_call(SAME[1]) is not None
    assert launch.fast_call(SAME[17]) is not None
    assert launch.fast_call(SAME[5]) is not None  # --top is read by aicost on both paths
    for odd in (
        SAME[8],
        SAME[10],
        SAME[11],
        SAME[12],
        SAME[14],
        ["history", "o3"],
    ):
        assert launch.fast_call(odd) is None, odd


@pytest.mark.parametrize("command", ["estimate", "models"])
def test_the_fast_option_table_matches_the_typer_declarations(command: str) -> None:
    from aicost.cli import fast as cli_fast

    assert cli_fast.OPTIONS[command] == cli_fast.table_from_typer(getattr(cli_estimate, command))
