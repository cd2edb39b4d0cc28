"""The compiled catalog cache: same bytes out with and without it, and never a reason to fail."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from aicost.sheets import cache, sources
from conftest import Run

AS_OF = ["--as-of", "2026-10-01"]
COMMANDS = [
    ["estimate", "-i", "1M", "-o", "250k", "--cached-tokens", "100k", *AS_OF],
    [
        "estimate",
        "-i",
        "300k",
        "-o",
        "1k",
        "-n",
        "1000",
        "--per",
        "day",
        "--currency",
        "EUR",
        *("--as-of", "2026-11-01"),  # fx.yaml has EUR from 2026-10-30 only
    ],
    ["models", *AS_OF],
    ["history", "openai/o3", *AS_OF],
]
FORMATS = ["json", "csv", "markdown", "table"]

SHEET = """\
provider: acme
name: Acme
currency: USD
checked: 2026-09-01
models:
  rocket:
    input: 1.25
    output: 6.00
"""


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("AICOST_CACHE_DIR", str(directory))
    return directory


def outputs(run: Run) -> list[tuple[int, str, str]]:
    return [run([*argv, "-f", fmt]) for argv in COMMANDS for fmt in FORMATS]


def test_outputs_are_byte_identical_with_and_without_the_cache(
    run: Run, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AICOST_NO_CACHE", "1")
    plain = outputs(run)
    assert not cache_dir.exists()
    monkeypatch.delenv("AICOST_NO_CACHE")
    cold = outputs(run)
    assert len(list((cache_dir / cache.STORE).glob("*.pickle"))) >= 3

    def no_yaml(*args: object) -> cache.Compiled:
        raise AssertionError("a warm cache must not read YAML")

    monkeypatch.setattr(sources, "compile_file", no_yaml)
    warm = outputs(run)
    assert all(code == 0 for code, _, _ in plain)
    assert plain == cold == warm


def acme(tmp_path: Path, price: str = "1.25") -> Path:
    folder = tmp_path / "sheets"
    folder.mkdir(exist_ok=True)
    (folder / "acme.yaml").write_text(SHEET.replace("1.25", price))
    return folder


def rocket_input(run: Run, folder: Path) -> str:
    code, out, err = run(["models", "--prices", str(folder), "-f", "csv", *AS_OF])
    assert code == 0, err
    header, row = out.splitlines()[:2]
    return dict(zip(header.split(","), row.split(","), strict=True))["input"]


def test_an_edited_sheet_is_read_again_even_when_size_and_mtime_match(
    run: Run, cache_dir: Path, tmp_path: Path
) -> None:
    folder = acme(tmp_path)
    assert rocket_input(run, folder) == "1.25"
    sheet = folder / "acme.yaml"
    before = sheet.stat()
    sheet.write_text(SHEET.replace("1.25", "2.75"))  # same size
    os.utime(sheet, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert rocket_input(run, folder) == "2.75"
    sheet.write_text(SHEET.replace("1.25", "0.5"))
    assert rocket_input(run, folder) == "0.5"


def test_a_corrupt_cache_is_ignored_and_rewritten(
    run: Run, cache_dir: Path, tmp_path: Path
) -> None:
    folder = acme(tmp_path)
    assert rocket_input(run, folder) == "1.25"
    entries = list((cache_dir / cache.STORE).glob("*.pickle"))
    assert entries
    for entry in entries:
        entry.write_bytes(b"\x80\x05not a pickle at all")
    assert rocket_input(run, folder) == "1.25"
    for entry in entries:
        _key, _raw, value = pickle.loads(entry.read_bytes())
        assert isinstance(value, cache.Compiled)


def test_a_cache_entry_cannot_run_code(run: Run, cache_dir: Path, tmp_path: Path) -> None:
    folder = acme(tmp_path)
    assert rocket_input(run, folder) == "1.25"
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self) -> tuple[object, ...]:
            return (Path.touch, (marker,))

    for entry in (cache_dir / cache.STORE).glob("*.pickle"):
        key, raw, _ = pickle.loads(entry.read_bytes())
        entry.write_bytes(pickle.dumps((key, raw, Evil())))
    assert rocket_input(run, folder) == "1.25"
    assert not marker.exists()


def test_an_unwritable_cache_dir_falls_back_silently(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("AICOST_CACHE_DIR", str(blocker / "cache"))  # cannot exist, even for root
    folder = acme(tmp_path)
    code, out, err = run(
        ["estimate", "-i", "1M", "-o", "1M", "--prices", str(folder), "-f", "json", *AS_OF]
    )
    assert (code, err) == (0, "")
    assert '"total": "7.25"' in out  # 1M x 1.25 + 1M x 6.00
    assert blocker.read_text() == "not a directory"


def test_no_cache_env_writes_nothing(
    run: Run, cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AICOST_NO_CACHE", "1")
    assert rocket_input(run, acme(tmp_path)) == "1.25"
    assert not cache_dir.exists()


def test_cache_location_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AICOST_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "aicost"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "aicost"


def test_old_entries_are_pruned(
    run: Run, cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "MAX_ENTRIES", 4)
    folder = acme(tmp_path)
    for price in ("1.1", "1.2", "1.3", "1.4", "1.6", "1.7"):
        (folder / "acme.yaml").write_text(SHEET.replace("1.25", price))
        assert rocket_input(run, folder) == price
    assert len(list((cache_dir / cache.STORE).glob("*.pickle"))) <= 4
    assert not list((cache_dir / cache.STORE).glob(".*.tmp"))
