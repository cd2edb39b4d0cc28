"""`aicost validate`: every problem of every file, located, with the right severity and exit code."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from aicost.sheets.sources import expand
from aicost.sheets.validate import Checks, validate_files
from conftest import DATA, Run

REVIEW = DATA / "review"


def lines(out: str) -> list[str]:
    return out.splitlines()


def test_bundled_sheets_are_clean(run: Run) -> None:
    code, out, err = run(["validate"])
    assert (code, out) == (0, "")
    assert err.endswith(" file(s), 0 error(s), 0 warning(s)\n")


def test_three_independent_errors_in_one_run(run: Run) -> None:
    path = REVIEW / "three-errors.yaml"
    code, out, err = run(["validate", path])
    name = str(path)
    assert code == 1
    assert lines(out) == [
        f"{name}:5:1: error: `checked` 2099-01-01 is in the future (today is {dt.datetime.now(dt.UTC).date()})",
        f"{name}:9:5: error: unknown key 'outptu' in a model; did you mean 'output'?",
        f"{name}:11:5: error: `input` must be from 0 to 1,000,000,000 (a price per million tokens), not -1",
        f"{name}:15:5: warning: cached_input 2.00 is above input 1.00; cache hits usually cost less",
    ]
    assert err == "validate: 1 file(s), 3 error(s), 1 warning(s)\n"


def test_every_duplicate_key_is_reported(run: Run) -> None:
    path = REVIEW / "dup-keys.yaml"
    code, out, _ = run(["validate", path])
    assert code == 1
    assert lines(out) == [
        f"{path}:8:5: error: duplicate key 'input' (first defined on line 7) (remove one of them)",
        f"{path}:13:5: error: duplicate key 'output' (first defined on line 12) (remove one of them)",
    ]


def test_sheet_rules(run: Run) -> None:
    path = REVIEW / "rules.yaml"
    code, out, _ = run(["validate", path])
    assert code == 1
    found = [line.removeprefix(f"{path}:") for line in lines(out)]
    assert found == [
        "1:1: warning: no `checked`: say when they were last checked against `source` (YYYY-MM-DD)",
        "1:1: warning: no `source`: say where these prices come from (a pricing page URL)",
        "2:1: warning: no exchange rate for XYZ in the fx sheet; --currency conversions will fail",
        "9:15: error: 'Shared' is already used by model 'a'; ids and aliases must be unique",
        "9:23: error: 'a' is already used by model 'a'; ids and aliases must be unique",
        "15:10: error: tiers out of order: tiers[1].up_to 100 is not above tiers[0].up_to 500; "
        "list tiers by ascending up_to",
        "24:9: error: history out of order: history[1].until 2025-06-01 is not before history[0].until; "
        "list periods newest first",
        "32:9: error: history periods overlap: history[0].since 2025-01-01 is before the end of "
        "history[1] (2025-03-01)",
    ]


def test_max_age_and_strict(run: Run) -> None:
    path = REVIEW / "stale.yaml"
    assert run(["validate", path]) == (0, "", "validate: 1 file(s), 0 error(s), 0 warning(s)\n")
    code, out, _ = run(["validate", path, "--max-age", "30"])
    assert code == 0
    assert f"{path}:4:1: warning: `checked` 2020-01-01 is " in out
    assert "more than --max-age 30" in out
    code, out, _ = run(["validate", path, "--max-age", "30", "--strict"])
    assert code == 1
    assert f"{path}:4:1: error: `checked` 2020-01-01" in out


def test_strict_fails_on_warnings(tmp_path: Path, run: Run) -> None:
    sheet = tmp_path / "bare.yaml"
    sheet.write_text("provider: bare\ncurrency: USD\nmodels:\n  a: {input: 1, output: 1}\n")
    assert run(["validate", sheet])[0] == 0
    assert run(["validate", sheet, "--strict"])[0] == 1


def test_max_age_boundary() -> None:
    files = expand(str(REVIEW / "stale.yaml"))
    today = dt.date(2020, 1, 31)  # checked 2020-01-01: 30 days old
    assert validate_files(files, Checks(today, max_age=30)).problems == ()
    assert len(validate_files(files, Checks(today, max_age=29)).problems) == 1


def test_json_problems(run: Run) -> None:
    path = REVIEW / "dup-keys.yaml"
    code, out, _ = run(["validate", path, "-f", "json"])
    data = json.loads(out)
    assert code == 1
    assert data["kind"] == "validate"
    assert data["problems"][0] == {
        "path": str(path),
        "line": 8,
        "column": 5,
        "severity": "error",
        "message": "duplicate key 'input' (first defined on line 7) (remove one of them)",
    }


def test_invalid_yaml_and_unknown_kind(tmp_path: Path, run: Run) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("provider: x\ncurrency: USD\nmodels:\n  a: {input: 1, output: [1\n")
    other = tmp_path / "other.yaml"
    other.write_text("hello: world\n")
    code, out, _ = run(["validate", broken, other])
    assert code == 1
    assert lines(out) == [
        f"{broken}:5:1: error: invalid YAML: did not find expected ',' or ']'",
        f"{other}:1:1: error: cannot tell what this file is: expected a top-level `provider:` (price sheet), "
        "`fx:` (exchange rates) or `gpus:` (GPU figures)",
    ]


def test_fx_and_gpu_sheets(tmp_path: Path, run: Run) -> None:
    fx = tmp_path / "fx.yaml"
    fx.write_text("fx:\n  base: USD\n  date: 2099-01-01\n  rates: {EUR: 0}\n")
    code, out, _ = run(["validate", fx])
    assert code == 1
    assert lines(out) == [
        f"{fx}:3:3: error: fx date 2099-01-01 is in the future",
        f"{fx}:4:11: error: rate for `EUR` is 0; an exchange rate must be positive",
    ]


def test_currency_checked_against_the_given_fx_sheet(tmp_path: Path, run: Run) -> None:
    (tmp_path / "fx.yaml").write_text("fx:\n  base: USD\n  date: 2026-01-01\n  rates: {XYZ: 2}\n")
    (tmp_path / "s.yaml").write_text(
        "provider: s\ncurrency: XYZ\nsource: https://e.com\nchecked: 2026-01-01\nmodels:\n  a: {input: 1, output: 1}\n"
    )
    assert run(["validate", tmp_path]) == (0, "", "validate: 2 file(s), 0 error(s), 0 warning(s)\n")


def test_missing_path_cannot_run(run: Run) -> None:
    code, out, err = run(["validate", "no/such/sheet.yaml"])
    assert (code, out) == (2, "")
    assert err.startswith("error: no/such/sheet.yaml: no such file or directory")


def test_markdown_and_csv(run: Run) -> None:
    path = REVIEW / "dup-keys.yaml"
    md = run(["validate", path, "-f", "markdown"])[1]
    assert md.startswith("| Path | Line | Column | Severity | Message |")
    csv = run(["validate", path, "-f", "csv"])[1]
    assert csv.splitlines()[0] == "path,line,column,severity,message"
    assert run(["validate", "-f", "markdown"])[1] == "aicost validate: no problems\n"
