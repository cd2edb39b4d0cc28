"""End-to-end runs of estimate, models and history: exit codes, stdout and stderr apart."""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from aicost.cli.launch import run
from aicost.render import RENDERERS, Format

ROOT = Path(__file__).parent.parent
CORE = Path(__file__).parent / "data" / "core"
SHEETS = [
    "--prices",
    str(CORE / "acme.yaml"),
    "--prices",
    str(CORE / "yuan.yaml"),
    "--prices",
    str(CORE / "fx.yaml"),
]


@pytest.fixture(autouse=True)
def _fixed_terminal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("AICOST_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("AICOST_PRICES", raising=False)


def invoke(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = run(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_every_format_is_wired(capsys: pytest.CaptureFixture[str]) -> None:
    assert set(RENDERERS) == set(Format)
    for fmt in Format:
        for command in (
            ["estimate", "-i", "1k", "-o", "1k"],
            ["models"],
            ["history", "acme-tiered"],
        ):
            code, out, err = invoke(
                capsys, *command, *SHEETS, "--as-of", "2026-11-28", "-f", fmt.value
            )
            assert code == 0, (command, fmt, err)
            assert out.strip(), (command, fmt)


def test_json_estimate_shape_and_exact_money(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = invoke(
        capsys,
        "estimate",
        "-m",
        "acme-tiered",
        "-i",
        "1k",
        "-o",
        "1k",
        "-n",
        "10",
        "--per",
        "day",
        *SHEETS,
        "--as-of",
        "2026-11-28",
        "-f",
        "json",
    )
    assert code == 0 and err == ""
    data = json.loads(out)
    assert {k: data[k] for k in ("tool", "kind", "schema", "currency", "as_of")} == {
        "tool": "aicost",
        "kind": "estimate",
        "schema": 1,
        "currency": "USD",
        "as_of": "2026-11-28",
    }
    assert data["fx"] == {"date": "2026-10-30", "rates": {"CNY": "6.6529", "EUR": "0.8951"}}
    (row,) = data["rows"]
    # 1,000 x 1.00 + 1,000 x 4.00 per 1M = 0.005; x 10 a day; x 730 / 24 a month
    assert row["per_request"] == "0.005"
    assert row["total"] == "0.05"
    assert row["monthly"] == "1.520833333333"
    assert row["over_budget"] is None
    for key in (
        "workload",
        "provider",
        "model",
        "tier",
        "currency",
        "input_cost",
        "cached_cost",
        "cache_write_cost",
        "output_cost",
        "warnings",
    ):
        assert key in row


def test_same_command_twice_is_byte_identical(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "estimate",
        "-i",
        "2k",
        "-o",
        "300",
        "-n",
        "5",
        "--per",
        "hour",
        "-f",
        "json",
        "--as-of",
        "2026-11-28",
    ]
    first = invoke(capsys, *argv)
    second = invoke(capsys, *argv)
    assert first == second
    assert first[0] == 0


def test_csv_has_one_row_per_json_row(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["estimate", "-i", "1k", "-o", "1k", *SHEETS, "--as-of", "2026-11-28"]
    rows = json.loads(invoke(capsys, *argv, "-f", "json")[1])["rows"]
    table = list(csv.DictReader(io.StringIO(invoke(capsys, *argv, "-f", "csv")[1])))
    assert [(r["model"], r["per_request"]) for r in table] == [
        (r["model"], r["per_request"]) for r in rows
    ]


def test_budget_gate_exits_1_and_says_so_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    # acme-tiered: 0.005 a request x 100 an hour x 730 = 365 a month
    argv = [
        "estimate",
        "-m",
        "acme-tiered",
        "-i",
        "1k",
        "-o",
        "1k",
        "-n",
        "100",
        "--per",
        "hour",
        *SHEETS,
    ]
    code, out, err = invoke(capsys, *argv, "--budget", "364.99", "-f", "json")
    assert code == 1
    assert json.loads(out)["rows"][0]["over_budget"] is True
    assert "over budget" in err
    code, _, _ = invoke(capsys, *argv, "--budget", "365", "-f", "json")
    assert code == 0


def test_currency_conversion_records_the_rate(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = invoke(
        capsys, "estimate", "-m", "yuan-one", "-i", "1M", *SHEETS, "-f", "json", "--currency", "cny"
    )
    assert code == 0
    data = json.loads(out)
    assert data["currency"] == "CNY"
    assert data["rows"][0]["input_cost"] == "6.6529"


ESTIMATE_TABLE = """\
inline: 1,000 requests per day of 150K in, 100K cached, 2K out
Acme AI (acme) · USD

 Model        Tier        Input     Cached     Output  Per request    Monthly
 ────────────────────────────────────────────────────────────────────────────────────────
 acme-night   flat     $0.02000  $0.004000  $0.003200     $0.02720    $827.33  ██
 acme-tiered  >128000   $0.1000   $0.02000   $0.01600      $0.1360  $4,136.67  ██████████
"""


def test_estimate_table_whole_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = invoke(
        capsys,
        "estimate",
        "-i",
        "150k",
        "--cached-tokens",
        "100k",
        "-o",
        "2k",
        "-n",
        "1000",
        "--per",
        "day",
        "-p",
        "acme",
        *SHEETS,
        "--as-of",
        "2026-11-28",
    )
    assert code == 0
    assert "left out" in err  # acme-old is retired
    assert "left out" not in out  # stdout is data only
    lines = [line.rstrip() for line in out.splitlines()]
    expected = [line.rstrip() for line in ESTIMATE_TABLE.splitlines()]
    assert lines[: len(expected)] == expected


def test_models_and_history_tables(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = invoke(capsys, "models", "-p", "acme", *SHEETS, "--as-of", "2026-11-28")
    assert code == 0
    assert re.search(r"acme-tiered", out) and re.search(
        r"<=128K\s+\$1\.00\s+\$0\.1000\s+\$1\.25\s+\$4\.00", out
    )
    code, out, _ = invoke(capsys, "history", "acme-t", *SHEETS)
    assert code == 0
    assert re.search(r"2026-01-01\s+2026-06-01 12:00\s+\$3\.00", out)
    assert "first price" in out and "in -66.7%" in out  # 3.00 -> 1.00


def test_unknown_model_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = invoke(capsys, "estimate", "-m", "acme-tierd", "-i", "1", *SHEETS)
    assert (code, out) == (2, "")
    assert err.startswith("error: unknown model 'acme-tierd'") and "acme-tiered" in err


def test_installed_console_script_runs_outside_the_checkout(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("aicost")
    result = subprocess.run(
        [
            str(exe),
            "estimate",
            "-m",
            "gpt-4o",
            "-i",
            "1M",
            "-o",
            "1M",
            "-f",
            "json",
            "--as-of",
            "2026-11-28",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "AICOST_CACHE_DIR": str(tmp_path / "c")},
    )
    assert result.returncode == 0, result.stderr
    (row,) = json.loads(result.stdout)["rows"]
    assert (row["provider"], row["per_request"]) == ("openai", "12.5")  # 2.50 + 10.00 per 1M


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```console\n(.*?)```", text, re.S)
    return [
        line[2:] for block in blocks for line in block.splitlines() if line.startswith("$ aicost")
    ]


@pytest.mark.parametrize("command", readme_commands())
def test_readme_examples_run(
    command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    argv = shlex.split(command)[1:]
    code, out, err = invoke(capsys, *argv)
    assert code in (0, 1), err
    assert out.strip() or err.strip()  # a clean `validate` reports on stderr only
    assert "Traceback" not in err


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    import typer.main

    from aicost.cli.app import app

    group = typer.main.get_command(app)
    names = sorted(group.commands)  # type: ignore[attr-defined]
    assert {"estimate", "models", "history"} <= set(names)
    for name in names:
        code, out, _ = invoke(capsys, name, "--help")
        assert code == 0 and "Usage" in out, name
        assert group.commands[name].help, name  # type: ignore[attr-defined]
