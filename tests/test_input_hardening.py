"""Reading files and sheets safely: the cache, non-regular files, git sources, YAML 1.1 traps,
nesting and aliases, and `validate` (linear, complete, and for workload files too)."""

from __future__ import annotations

import dataclasses
import os
import pickle
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from aicost.sheets import cache
from aicost.sheets.validate import Checks, validate_files
from conftest import Run

DATA = Path(__file__).parent / "data"
ACME = DATA / "core" / "acme.yaml"
HERE = DATA / "hardening"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0

SHEET = "provider: acme\ncurrency: USD\nmodels:\n  acme-1:\n    input: {input}\n    output: 2\n"


def aicost(*args: object, timeout: float = 20, cwd: Path | None = None) -> tuple[int, str, str]:
    """`aicost ...` in a child process, so a hang fails the test instead of stopping the run."""
    done = subprocess.run(
        [sys.executable, "-m", "aicost", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "100"},
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


def one_error(code: int, out: str, err: str) -> str:
    assert code == 2, (code, out, err)
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err and "internal error" not in err
    return lines[0]


def sheet(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---- 1. the compiled catalog cache ---------------------------------------------------------


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("AICOST_CACHE_DIR", str(directory))
    return directory


def test_cache_prunes_only_its_own_entries(run: Run, cache_home: Path) -> None:
    cache_home.mkdir()
    foreign = [cache_home / f"other-{i}.pickle" for i in range(600)]
    for file in foreign:
        file.write_bytes(b"someone else's")
    assert run(["estimate", "-i", "1k", "-o", "1k", "--prices", ACME, "-f", "json"])[0] == 0
    assert all(f.read_bytes() == b"someone else's" for f in foreign)
    store = cache_home / cache.STORE
    assert (store / cache.MARKER).is_file()
    assert list(store.glob("*.pickle"))
    assert store.stat().st_mode & 0o777 == 0o700


def test_cache_temp_file_does_not_follow_a_planted_symlink(
    run: Run, cache_home: Path, tmp_path: Path
) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    raw = ACME.read_bytes()
    key = (cache.code_stamp(), str(ACME))
    ident = zlib.crc32(repr(key).encode("utf-8", "surrogateescape"))
    name = f"{ident:08x}{zlib.crc32(raw):08x}{len(raw):x}.pickle"
    for folder in (cache_home, cache_home / cache.STORE):  # where the old and new layouts write
        folder.mkdir(mode=0o700, exist_ok=True)
        (folder / f".{name}.{os.getpid()}.tmp").symlink_to(victim)
    assert run(["estimate", "-i", "1k", "-o", "1k", "--prices", ACME])[0] == 0
    assert victim.read_bytes() == b"precious"


def plant_empty_sheets(cache_home: Path) -> list[Path]:
    """Rewrite every entry as a well-formed one whose sheet has no models."""
    entries = list(cache_home.rglob("*.pickle"))
    assert entries
    for entry in entries:
        key, raw, value = pickle.loads(entry.read_bytes())
        if value.sheet is None:  # the bundled exchange rates and GPU figures
            continue
        emptied = dataclasses.replace(value, sheet=dataclasses.replace(value.sheet, models=()))
        entry.write_bytes(pickle.dumps((key, raw, emptied)))
    return entries


ACME_NIGHT = ["estimate", "-i", "1M", "-o", "0", "-m", "acme-night", "--prices", ACME, "-f", "csv"]


def test_a_cache_others_can_write_to_is_not_used(run: Run, cache_home: Path) -> None:
    assert run(ACME_NIGHT)[0] == 0
    plant_empty_sheets(cache_home)
    for folder in [cache_home, *(p for p in cache_home.rglob("*") if p.is_dir())]:
        folder.chmod(0o777)
    code, out, err = run(ACME_NIGHT)
    assert code == 0, err
    # 1M uncached input tokens at acme-night's 0.40 per million
    assert ",0.4," in out


@pytest.mark.skipif(not IS_ROOT, reason="giving a directory to another user needs root")
def test_a_cache_owned_by_someone_else_is_not_used(run: Run, cache_home: Path) -> None:
    assert run(ACME_NIGHT)[0] == 0
    for entry in plant_empty_sheets(cache_home):
        os.chown(entry, 4242, 4242)
        os.chown(entry.parent, 4242, 4242)
    code, out, err = run(ACME_NIGHT)
    assert code == 0, err
    assert ",0.4," in out


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "dangling"])
def test_a_cache_entry_that_is_no_file_falls_back_at_once(cache_home: Path, kind: str) -> None:
    assert aicost(*ACME_NIGHT)[0] == 0
    for entry in cache_home.rglob("*.pickle"):
        entry.unlink()
        if kind == "fifo":
            os.mkfifo(entry)
        elif kind == "dev-zero":
            entry.symlink_to("/dev/zero")
        else:
            entry.symlink_to(cache_home / "nowhere")
    code, out, err = aicost(*ACME_NIGHT)
    assert code == 0, err
    assert ",0.4," in out


# ---- 2. only regular files ------------------------------------------------------------------


@pytest.mark.parametrize("where", ["prices", "workload", "validate"])
@pytest.mark.parametrize("what", ["fifo", "/dev/zero", "/dev/urandom"])
def test_only_regular_files_are_read(tmp_path: Path, where: str, what: str) -> None:
    path = Path(what)
    if what == "fifo":
        path = tmp_path / "pipe.yaml"
        os.mkfifo(path)
    args = {
        "prices": ["estimate", "-i", "1", "--prices", path],
        "workload": ["estimate", "-w", path, "--prices", ACME],
        "validate": ["validate", path],
    }[where]
    code, out, err = aicost(*args)
    if where == "validate":
        assert code == 1, err
        assert f"{path}: error: {path}: not a regular file" in out
    else:
        line = one_error(code, out, err)
        assert line.startswith(f"error: {path}: not a regular file"), line


def test_an_unreadable_directory_is_bad_input(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    real = Path.iterdir

    def iterdir(self: Path):  # type: ignore[no-untyped-def]
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    line = one_error(*run(["estimate", "-i", "1", "--prices", locked]))
    assert f"{locked}: cannot read the directory: Permission denied" in line


def test_an_empty_prices_path_is_refused(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DATA / "core")  # a directory of good sheets: "" must not mean "here"
    line = one_error(*run(["estimate", "-i", "1", "--prices", ""]))
    assert "empty path" in line


# ---- 3. git sources ---------------------------------------------------------------------------


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path, git_env: None) -> Path:
    root = tmp_path / "repo"
    (root / "prices").mkdir(parents=True)
    (root / "prices" / "acme.yaml").write_bytes(ACME.read_bytes())
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "sheets")
    return root


def test_rev_path_relative_to_the_current_directory(
    run: Run, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo / "prices")
    for spec in (
        "main:prices",
        "main:./",
        "main:.",
    ):  # from the root, and from here as git reads ./
        code, out, err = run(["models", "--prices", spec, "-f", "json"])
        assert code == 0, (spec, err)
        assert '"acme-night"' in out and '"acme-tiered"' in out
    line = one_error(*run(["models", "--prices", "main:acme.yaml"]))
    assert "paths in REV:PATH are from the repository root" in line
    assert "main:prices/acme.yaml or main:./acme.yaml" in line


def test_rev_path_in_a_bare_repository(
    run: Run, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    monkeypatch.chdir(bare)  # where HEAD is a file
    code, out, err = run(["models", "--prices", "HEAD:prices", "-f", "json"])
    assert code == 0, err
    assert "acme-night" in out


def test_odd_file_names_in_a_git_tree(
    run: Run, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    odd = os.fsencode(repo / "prices") + b"/bad\nname\xff.yaml"
    with open(odd, "wb") as handle:
        handle.write(b"provider: odd\ncurrency: USD\nmodels:\n  odd-1: {input: 1, output: -2}\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "odd")
    monkeypatch.chdir(repo)
    line = one_error(*run(["models", "--prices", "HEAD:prices"]))
    assert line.startswith("error: HEAD:prices/bad\\nname\\xff.yaml:4:"), line


# ---- 4. YAML ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "parts"),
    [
        ("1:30", ("'1:30'", "base-60", "(90)", "quote it")),
        ("017", ("'017'", "octal", "leading zero")),
        ("0x1f", ("'0x1f'", "not a decimal number")),
        ("0o17", ("'0o17'", "not a decimal number")),
        ("١٢", ("'١٢'", "digits other than 0-9")),
        ("'１２'", ("'１２'", "digits other than 0-9")),
    ],
)
def test_yaml_1_1_numbers_are_not_prices(
    run: Run, tmp_path: Path, value: str, parts: tuple[str, ...]
) -> None:
    path = sheet(tmp_path, SHEET.format(input=value))
    line = one_error(*run(["estimate", "-i", "1M", "--prices", path]))
    assert line.startswith(f"error: {path}:5:12: "), line
    for part in parts:
        assert part in line


def test_plain_decimal_numbers_still_read(run: Run, tmp_path: Path) -> None:
    path = sheet(tmp_path, SHEET.format(input="1_000.5"))
    code, out, err = run(["estimate", "-i", "1M", "-o", "0", "--prices", path, "-f", "csv"])
    assert code == 0, err
    assert ",1000.5," in out  # 1M input tokens at 1000.5 per million


def test_a_bad_explicit_timestamp_is_located(run: Run, tmp_path: Path) -> None:
    path = sheet(tmp_path, "checked: !!timestamp garbage\n" + SHEET.format(input=1))
    line = one_error(*run(["estimate", "-i", "1", "--prices", path]))
    assert line.startswith(f"error: {path}:1:10: 'garbage' is not a valid date"), line


def test_deep_nesting_is_refused_in_validate(run: Run, tmp_path: Path) -> None:
    path = sheet(tmp_path, SHEET.format(input=1) + "extra: " + "[" * 600 + "]" * 600 + "\n")
    code, out, err = run(["validate", path])
    assert code == 1, err
    assert "internal error" not in err
    assert f"{path}:7:" in out and "nested too deeply (more than 64 levels)" in out


def test_a_recursive_alias_is_refused_in_validate(tmp_path: Path) -> None:
    path = sheet(tmp_path, "x: &a [*a]\n" + SHEET.format(input=1))
    code, out, err = aicost("validate", path)
    assert code == 1, err
    assert f"{path}:1:8: error: alias *a is inside the value it names" in out


def test_an_alias_bomb_is_refused_at_once_in_validate_and_estimate(tmp_path: Path) -> None:
    bomb = DATA / "broken" / "alias_bomb.yaml"
    code, out, _ = aicost("validate", bomb)
    assert code == 1 and "aliases expand the document to too many values" in out
    line = one_error(*aicost("estimate", "-i", "1", "--prices", bomb))
    assert "aliases expand the document to too many values" in line
    start = time.perf_counter()
    validate_files([(bomb, "bomb.yaml")], Checks(today=dt_today()))
    assert time.perf_counter() - start < 1


def dt_today():  # type: ignore[no-untyped-def]
    import datetime as dt

    return dt.date(2026, 12, 1)


# ---- 5. validate --------------------------------------------------------------------------


def many_models(path: Path, count: int) -> None:
    with path.open("w") as out:
        out.write(
            "provider: big\ncurrency: USD\nsource: https://big.example\nchecked: 2026-01-01\n"
        )
        out.write("models:\n")
        for i in range(count):
            out.write(f"  m{i}:\n    aliases: [m{i}-a]\n    input: 1.5\n    output: 2\n")


@pytest.mark.slow
def test_validate_is_linear_in_models(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    many_models(path, 20_000)
    start = time.perf_counter()
    result = validate_files([(path, "big.yaml")], Checks(today=dt_today()))
    elapsed = time.perf_counter() - start
    assert result.problems == ()
    assert elapsed < 30, elapsed  # was over 300 s when each model scanned every mark


def test_every_problem_of_a_model_is_reported(run: Run) -> None:
    path = HERE / "many_problems.yaml"
    code, out, err = run(["validate", path])
    assert code == 1, err
    lines = out.splitlines()
    expected = [
        f"{path}:7:10: error: tiers out of order",
        f"{path}:10:29: error: history periods overlap",
        f"{path}:10:58: warning: cached_input 2 is above input 1",
        f"{path}:15:15: error: 'acme-1' is already used by model 'acme-1'",
    ]
    for start in expected:
        assert any(line.startswith(start) for line in lines), (start, out)


def test_the_alias_rule_reports_one_place_in_estimate_and_validate(run: Run) -> None:
    path = DATA / "broken" / "duplicate_alias.yaml"
    line = one_error(*run(["estimate", "-i", "1", "--prices", path]))
    code, out, _ = run(["validate", path])
    assert code == 1
    # line 9 is `    aliases: [acme-latest]`: the alias itself starts at column 15
    assert line.startswith(f"error: {path}:9:15: 'acme-latest' is already used")
    assert f"\n{path}:9:15: error: 'acme-latest' is already used" in out


def test_two_sheets_of_one_provider_in_a_directory(run: Run, tmp_path: Path) -> None:
    sheet(tmp_path, SHEET.format(input=1), "a.yaml")
    sheet(tmp_path, SHEET.format(input=9), "b.yaml")
    line = one_error(*run(["estimate", "-i", "1", "--prices", tmp_path]))
    assert f"{tmp_path / 'b.yaml'}: provider 'acme' is also the provider of" in line
    assert str(tmp_path / "a.yaml") in line
    code, out, _ = run(["validate", tmp_path])
    assert code == 1
    assert f"{tmp_path / 'b.yaml'}:1:1: error: provider 'acme' is also the provider of" in out


@pytest.mark.parametrize(
    ("entry", "place", "what"),
    [("a/b", "4:3", "model id 'a/b'"), ("acme-1", "5:19", "alias 'x/y'")],
)
def test_a_slash_in_an_id_or_alias_is_refused(
    run: Run, tmp_path: Path, entry: str, place: str, what: str
) -> None:
    text = f"provider: acme\ncurrency: USD\nmodels:\n  {entry}:\n    aliases: [ok, x/y]\n"
    text += "    input: 1\n    output: 2\n"
    if entry == "a/b":
        text = text.replace("[ok, x/y]", "[ok]")
    path = sheet(tmp_path, text)
    line = one_error(*run(["estimate", "-i", "1", "--prices", path]))
    assert line.startswith(f"error: {path}:{place}: {what} contains '/'"), line


def test_validate_checks_workload_files(run: Run, tmp_path: Path) -> None:
    path = sheet(
        tmp_path,
        "workloads:\n"
        "  - name: chat\n    input_tokens: 1000\n    ouptut_tokens: 200\n"
        "  - name: batch\n    per: week\n"
        "  - name: chat\n",
        "w.yaml",
    )
    code, out, err = run(["validate", path])
    assert code == 1, err
    lines = out.splitlines()
    for start in (
        f"{path}:4:5: error: unknown key 'ouptut_tokens'",
        f"{path}:6:5: error: per:",
        f"{path}:7:5: error: workloads[2].name 'chat' is used twice",
    ):
        assert any(line.startswith(start) for line in lines), (start, out)
    good = sheet(tmp_path, "workloads:\n  - name: chat\n    input_tokens: 10\n", "good.yaml")
    assert run(["validate", good])[0] == 0


def test_too_many_workloads_are_refused_quickly_and_accurately(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "many.yaml"
    with path.open("w") as out:
        out.write("workloads:\n")
        for i in range(100_000):
            out.write(f"- {{name: w{i}, requests: 1, input_tokens: 10, output_tokens: 5}}\n")
    start = time.perf_counter()
    line = one_error(*run(["estimate", "-w", path, "--prices", ACME]))
    elapsed = time.perf_counter() - start
    assert line.startswith(f"error: {path}:10002:3: more than 10,000 workloads in one file")
    assert "alias" not in line
    assert elapsed < 10, elapsed  # was 12.7 s, then a message about aliases the file has none of


def test_an_integer_longer_than_python_reads_is_a_range_error(run: Run, tmp_path: Path) -> None:
    """Found by fuzzing: Python refuses int() of more than 4,300 digits (exit 3 before)."""
    sheet = tmp_path / "big.yaml"
    sheet.write_text(
        "provider: x\ncurrency: USD\nmodels:\n  a:\n    input: 0\n    output: " + "9" * 5000 + "\n",
        encoding="utf-8",
    )
    code, out, err = run(["estimate", "-i", "1", "-o", "1", "--prices", sheet])
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {sheet}:6:5: `output` must be from 0 to 1,000,000,000")
