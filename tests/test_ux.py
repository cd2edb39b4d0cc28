"""The command line's finish: shell completion, help that teaches, shortlists, and a pinned model
weighed against cheaper ones. Tables at COLUMNS=100, NO_COLOR=1 (see conftest)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from aicost.cli import complete
from aicost.cli.app import app
from conftest import DATA, Run

ROOT = Path(__file__).parent.parent
UX = DATA / "ux"
SHEETS = UX / "sheets"
MONTH_DAYS = Decimal(730) / 24  # a month is 730 hours


def bundled_names() -> list[str]:
    """Every model id and alias of the bundled sheets, read straight from the YAML."""
    names: set[str] = set()
    for path in sorted((ROOT / "prices").glob("*.yaml")):
        sheet = yaml.safe_load(path.read_text())
        for model_id, model in (sheet.get("models") or {}).items():
            names.add(model_id)
            names.update(model.get("aliases") or ())
    return sorted(names, key=str.lower)


def bash(monkeypatch: pytest.MonkeyPatch, line: str) -> None:
    words = line.split(" ")
    monkeypatch.setenv("_AICOST_COMPLETE", "complete_bash")
    monkeypatch.setenv("COMP_WORDS", line)
    monkeypatch.setenv("COMP_CWORD", str(len(words) - 1))


def via_typer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(complete, "answer", lambda environ: None)


# -- 1. completion --------------------------------------------------------------------------------


def test_model_completion_lists_ids_and_aliases_of_the_bundled_sheets(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = [n for n in bundled_names() if n.lower().startswith("claude-son")]
    assert expected  # the sheets do have Sonnets
    bash(monkeypatch, "aicost estimate -m claude-son")
    code, out, err = run([])
    assert (code, err) == (0, "")
    assert out == "\n".join(expected) + "\n"


@pytest.mark.parametrize(
    "line",
    [
        "aicost estimate -m claude-son",
        "aicost estimate -i 1k -o 1k --model gpt-4",
        "aicost models -p o",
        "aicost history o",
        "aicost history --prices tests/data/ux/sheets b",
        "aicost estimate --prices tests/data/ux/sheets -m alpha-m",
        "aicost estimate -m gpt-4o,o",
        "aicost estimate -m anthropic/claude-op",
    ],
)
def test_the_quick_path_gives_what_typer_gives(
    run: Run, monkeypatch: pytest.MonkeyPatch, line: str
) -> None:
    monkeypatch.chdir(ROOT)
    bash(monkeypatch, line)
    quick = run([])
    via_typer(monkeypatch)
    assert run([]) == quick
    assert quick[1].strip()


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_replies_match_typer(
    run: Run, monkeypatch: pytest.MonkeyPatch, shell: str
) -> None:
    monkeypatch.setenv("_AICOST_COMPLETE", f"complete_{shell}")
    monkeypatch.setenv("_TYPER_COMPLETE_FISH_ACTION", "get-args")
    monkeypatch.setenv("_TYPER_COMPLETE_ARGS", f"aicost estimate --prices {SHEETS} -m b")
    quick = run([])
    via_typer(monkeypatch)
    assert run([]) == quick
    if shell == "zsh":
        assert quick[1] == """_arguments '*: :(("beta-large"\n"beta-lite"\n"big"))'\n"""
    else:
        assert quick[1] == "beta-large\nbeta-lite\nbig\n"


def test_prices_given_earlier_on_the_line_are_used(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    bash(monkeypatch, f"aicost estimate --prices {SHEETS} -m ")
    assert run([])[1] == "alpha-big\nalpha-mid\nalpha-small\nbeta-large\nbeta-lite\nbig\nlite\n"
    bash(monkeypatch, f"aicost models --prices {SHEETS} -p ")
    assert run([])[1] == "alpha\nbeta\n"
    bash(monkeypatch, f"aicost estimate --prices {SHEETS} -m beta/")
    assert run([])[1] == "beta/beta-large\nbeta/beta-lite\n"


def test_commands_and_options_come_from_typer(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    bash(monkeypatch, "aicost hi")
    assert run([]) == (0, "history\n", "")
    bash(monkeypatch, "aicost estimate --to")
    assert run([]) == (0, "--top\n", "")


def test_a_bad_catalog_completes_nothing_and_says_nothing(
    run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AICOST_PRICES", str(tmp_path / "missing"))
    bash(monkeypatch, "aicost estimate -m gpt")
    assert run([]) == (0, "\n", "")


def test_show_completion_prints_the_script_only(run: Run) -> None:
    code, out, err = run(["--show-completion", "bash"])
    assert (code, err) == (0, "")
    assert out.startswith("_aicost_completion() {\n")
    assert "_AICOST_COMPLETE=complete_bash $1" in out
    assert out.endswith("complete -o default -F _aicost_completion aicost\n")
    assert "compdef _aicost_completion aicost" in run(["--show-completion", "zsh"])[1]
    assert "complete --command aicost" in run(["--show-completion", "fish"])[1]


def test_model_completion_imports_neither_typer_nor_yaml_nor_pydantic(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "AICOST_CACHE_DIR": str(tmp_path),
        "_AICOST_COMPLETE": "complete_bash",
        "COMP_WORDS": "aicost estimate -m claude-son",
        "COMP_CWORD": "3",
    }
    env.pop("AICOST_PRICES", None)
    command = [sys.executable, "-X", "importtime", "-m", "aicost"]
    subprocess.run(command, env=env, capture_output=True, check=True)  # fills the cache
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    loaded = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert not loaded & {"typer", "yaml", "pydantic", "rich", "click"}
    assert "claude-sonnet" in done.stdout


# -- 2. help --------------------------------------------------------------------------------------


def command_paths() -> list[list[str]]:
    """Every command and group of the app, found by walking it."""
    paths: list[list[str]] = [[]]
    todo: list[tuple[list[str], Any]] = [([], typer.main.get_command(app))]
    while todo:
        path, command = todo.pop()
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            paths.append([*path, name])
            todo.append(([*path, name], sub))
    return paths


def test_the_walk_finds_every_command() -> None:
    names = {" ".join(p) for p in command_paths()}
    expected = {"", "estimate", "models", "history", "diff", "validate", "schema"}
    assert expected | {"training", "training estimate", "import", "export"} <= names


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(p) or "aicost")
def test_every_help_has_examples_and_no_type_names(run: Run, path: list[str]) -> None:
    code, out, err = run([*path, "--help"])
    assert (code, err) == (0, "")
    body, _, examples = out.partition("Examples:\n")
    lines = [line.strip() for line in examples.splitlines() if line.strip()]
    assert 2 <= len(lines) <= 4, out
    assert all(line.startswith("aicost ") for line in lines), lines
    usage_and_options = body.split("Commands:")[0]
    for internal in ("<str>", "<int>", "<path>", "list[", "{", "<table|"):
        assert internal not in usage_and_options, (internal, out)


def test_history_help_whole(run: Run) -> None:
    _, out, _ = run(["history", "--help"])
    assert out == (
        """Usage: aicost history [OPTIONS] MODEL

  Every price period of a model, with the change from the one before.

Arguments:
  MODEL  Model: id, alias or provider/id.  [required]

Options:
  -f, --format FORMAT  Output format: table, json, csv or markdown.  [default:
                       table]
  --prices PATH        Sheet file or directory (repeatable); @bundled is the
                       bundled set. Default: $AICOST_PRICES, else @bundled.
  --currency CODE      Convert rates into this currency via fx.yaml. Default:
                       each sheet's own currency.
  --as-of DATE         Price date (YYYY-MM-DD or a UTC datetime). Default:
                       today.
  --no-color           Plain output without colour.
  -h, --help           Show this message and exit.

  Examples:
    aicost history o3
    aicost history deepseek/deepseek-reasoner -f markdown
"""
    )


def test_help_examples_run(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """The estimate and models examples are real command lines (the rest write files or need git)."""
    import shlex

    from aicost.cli.app import EXAMPLES

    monkeypatch.chdir(ROOT)
    for line in (*EXAMPLES["estimate"], *EXAMPLES["models"], *EXAMPLES["history"]):
        code, _, err = run(shlex.split(line)[1:])
        assert code in (0, 1), (line, err)  # 1: the budget example may trip its gate


# -- 3. shortlists --------------------------------------------------------------------------------

SMALL = ["--prices", SHEETS, "--as-of", "2026-02-01", "-i", "1M", "-o", "1M"]


def lines(text: str) -> list[str]:
    """A table's lines without the padding Rich leaves at their ends."""
    return [line.rstrip() for line in text.splitlines()]


def rows(out: str) -> list[tuple[str, str, str]]:
    return [(r["provider"], r["model"], r["total"]) for r in json.loads(out)["rows"]]


def test_model_globs_and_commas(run: Run) -> None:
    code, out, err = run(["estimate", *SMALL, "-m", "ALPHA-[MS]*,lite", "-f", "json"])
    assert (code, err) == (0, "")
    # 1M in + 1M out at each sheet's rates
    assert rows(out) == [
        ("alpha", "alpha-mid", "6"),
        ("alpha", "alpha-small", "1.5"),
        ("beta", "beta-lite", "0.5"),
    ]
    _, out, _ = run(["estimate", *SMALL, "-m", "beta/*", "-f", "json"])
    assert [r[1] for r in rows(out)] == ["beta-large", "beta-lite"]
    _, out, _ = run(["models", "--prices", SHEETS, "-m", "*-l*", "-f", "json"])
    assert [m["id"] for m in json.loads(out)["models"]] == ["beta-large", "beta-lite"]


def test_a_glob_that_matches_nothing_is_an_error_with_suggestions(run: Run) -> None:
    assert run(["estimate", *SMALL, "-m", "alpha-smal*x"]) == (
        2,
        "",
        "error: no model matches 'alpha-smal*x' (did you mean 'alpha-small' or "
        "'alpha/alpha-small' or 'alpha-mid'?)\n",
    )


def test_a_workload_shortlist_and_the_command_line_overriding_it(run: Run) -> None:
    args = ["estimate", "-w", UX / "shortlist.yaml", "--prices", SHEETS, "--as-of", "2026-02-01"]
    code, out, err = run([*args, "-f", "json"])
    assert (code, err) == (0, "")
    assert [r["model"] for r in json.loads(out)["rows"]] == ["alpha-mid", "beta-large", "beta-lite"]
    _, out, _ = run([*args, "-m", "big", "-f", "json"])
    assert [r["model"] for r in json.loads(out)["rows"]] == ["alpha-big"]


def test_top_keeps_the_cheapest_of_each_provider(run: Run) -> None:
    """--top 1 keeps one model of each provider, so the summary shows both providers:
    beta-lite 1M x $0.10 + 1M x $0.40 = $0.50, alpha-small 1M x $0.25 + 1M x $1.25 = $1.50."""
    code, out, err = run(["estimate", *SMALL, "--top", "1"])
    assert (code, err) == (0, "")
    assert lines(out) == lines(TOP_TABLE)


TOP_TABLE = """inline: 1 request of 1M in, 1M out
Beta (beta) · USD

 Model        Input   Output  Per request    Total
 ─────────────────────────────────────────────────────────────
 beta-lite  $0.1000  $0.4000      $0.5000  $0.5000  ███▍

Alpha (alpha) · USD

 Model          Input  Output  Per request  Total
 ────────────────────────────────────────────────────────────
 alpha-small  $0.2500   $1.25        $1.50  $1.50  ██████████

Cheapest per provider

 Provider  Model        Per request    Total  vs cheapest
 ────────────────────────────────────────────────────────────────────
 beta      beta-lite        $0.5000  $0.5000         1.0x  ███▍
 alpha     alpha-small        $1.50    $1.50         3.0x  ██████████

"""


# -- 4. a pinned model and the cheaper ones -------------------------------------------------------

PINNED = [
    "estimate",
    "-w",
    UX / "pinned.yaml",
    "--compare",
    "--prices",
    SHEETS,
    "--as-of",
    "2026-02-01",
]


def test_pinned_model_first_then_the_cheaper_ones_with_savings(run: Run) -> None:
    code, out, err = run(PINNED)
    assert (code, err) == (0, "")
    assert lines(out) == lines(PINNED_TABLE)


PINNED_TABLE = """chat: 1,000 requests per day of 2K in, 500 out
now: alpha/alpha-mid · $0.004500 per request · $136.88/month
Costs less

 Model              Per request  Monthly  vs now
 ─────────────────────────────────────────────────────────────────────
 beta/beta-lite      $0.0004000   $12.17  saves $124.71/month (-91.1%)
 alpha/alpha-small    $0.001125   $34.22  saves $102.66/month (-75.0%)

2 other model(s) cost the same or more (see -f json)
"""


def test_pinned_json_rows_carry_pinned_and_savings(run: Run) -> None:
    code, out, err = run([*PINNED, "-f", "json"])
    assert (code, err) == (0, "")
    data = json.loads(out)
    # per request: 2,000 in and 500 out; 1,000 requests a day, 730/24 days a month
    per_request = {
        "alpha-big": Decimal(2000) * 3 / 10**6 + Decimal(500) * 15 / 10**6,
        "alpha-mid": Decimal(2000) * 1 / 10**6 + Decimal(500) * 5 / 10**6,
        "alpha-small": Decimal(2000) * Decimal("0.25") / 10**6
        + Decimal(500) * Decimal("1.25") / 10**6,
        "beta-large": Decimal(2000) * 2 / 10**6 + Decimal(500) * 8 / 10**6,
        "beta-lite": Decimal(2000) * Decimal("0.10") / 10**6
        + Decimal(500) * Decimal("0.40") / 10**6,
    }
    monthly = {k: v * 1000 * MONTH_DAYS for k, v in per_request.items()}
    now = monthly["alpha-mid"]  # $136.875
    for row in data["rows"]:
        name = row["model"]
        assert Decimal(row["monthly"]) == pytest.approx(monthly[name], abs=Decimal("1e-9"))
        if name == "alpha-mid":
            assert (row["pinned"], row["saving"], row["saving_percent"]) == (True, None, None)
            continue
        assert row["pinned"] is False
        saving = now - monthly[name]
        assert Decimal(row["saving"]) == pytest.approx(saving, abs=Decimal("1e-9"))
        assert Decimal(row["saving_percent"]) == (saving * 100 / now).quantize(Decimal("0.1"))
    assert Decimal(
        next(r for r in data["rows"] if r["model"] == "alpha-small")["saving"]
    ) == Decimal("102.65625")  # 136.875 - 34.21875: 75.0% less
    assert set(data) == {
        "as_of",
        "currency",
        "fx",
        "kind",
        "rows",
        "schema",
        "sources",
        "tool",
        "version",
        "workloads",
    }
    assert "models" not in data["workloads"][0]


def test_without_compare_the_pinned_model_is_priced_alone(run: Run) -> None:
    _, out, _ = run([*PINNED[:-5], *PINNED[-4:], "-f", "json"])
    assert [(r["model"], r["pinned"], r["saving"]) for r in json.loads(out)["rows"]] == [
        ("alpha-mid", False, None)
    ]
