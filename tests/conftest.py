"""Shared fixtures: run the CLI in-process with a fixed width and no colour."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from aicost.cli.launch import run as cli_run

DATA = Path(__file__).parent / "data"

Run = Callable[[Sequence[object]], tuple[int, str, str]]


@pytest.fixture(scope="session")
def _cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("aicost-cache")


@pytest.fixture(autouse=True)
def _plain_terminal(monkeypatch: pytest.MonkeyPatch, _cache_dir: Path) -> None:
    # the compiled catalog cache lives in one temporary directory per test session, never in ~
    monkeypatch.setenv("AICOST_CACHE_DIR", str(_cache_dir))
    monkeypatch.delenv("AICOST_NO_CACHE", raising=False)
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("AICOST_PRICES", raising=False)
    monkeypatch.delenv("AICOST_DEBUG", raising=False)


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """`run(["estimate", ...])` -> (exit code, stdout, stderr) of `aicost ...`."""

    def invoke(argv: Sequence[object]) -> tuple[int, str, str]:
        code = cli_run([str(a) for a in argv])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


@pytest.fixture
def git_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """git that commits anywhere: no system or user config, a fixed identity."""
    for key, value in {
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "HOME": str(tmp_path),
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
    }.items():
        monkeypatch.setenv(key, value)
