"""The GitHub Actions workflow in docs/ci.md: its aicost commands, run in a temporary git repository."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import DATA, Run

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "ci.md"
SHEET = (DATA / "review" / "base.yaml").read_text()
WORKLOAD = """\
workloads:
  - name: chat
    requests: 1000
    per: day
    input_tokens: 2000
    cached_tokens: 1000
    output_tokens: 500
    model: acme/flat-1
"""


def workflow() -> dict[str, object]:
    block = re.search(r"```yaml\n(name: prices\n.*?)```", DOC.read_text(), re.S)
    assert block, "docs/ci.md has no workflow"
    loaded: dict[str, object] = yaml.safe_load(block.group(1))
    return loaded


def aicost_commands() -> list[tuple[list[str], str | None]]:
    """Each `aicost ...` line of the workflow's `run:` steps as (argv, stdout file)."""
    steps = workflow()["jobs"]["aicost"]["steps"]  # type: ignore[index]
    found = []
    for step in steps:
        for line in str(step.get("run", "")).splitlines():
            line = line.strip().replace("${{ github.base_ref }}", "main")
            if not line.startswith("aicost "):
                continue
            words = shlex.split(line)
            target = None
            if ">" in words:
                target = words[words.index(">") + 1]
                words = words[: words.index(">")]
            found.append((words[1:], target))
    return found


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path, git_env: None, monkeypatch: pytest.MonkeyPatch) -> Path:
    """main holds the sheet and a workload; the checked-out pull request raises a price."""
    root = tmp_path / "repo"
    (root / "prices").mkdir(parents=True)
    (root / "workloads").mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "prices" / "acme.yaml").write_text(SHEET)
    (root / "workloads" / "production.yaml").write_text(WORKLOAD)
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "prices")
    git(root, "update-ref", "refs/remotes/origin/main", "HEAD")  # what actions/checkout fetches
    git(root, "checkout", "-q", "-b", "pull-request")
    monkeypatch.chdir(root)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    return root


def raise_output(repo: Path, new: str) -> None:
    sheet = repo / "prices" / "acme.yaml"
    sheet.write_text(SHEET.replace("    output: 10.00\n", f"    output: {new}\n"))
    git(repo, "commit", "-q", "-am", "change flat-1 output")


def run_workflow(run: Run) -> list[tuple[int, str, str]]:
    results = []
    for argv, target in aicost_commands():
        code, out, err = run(argv)
        if target:
            Path(target).write_text(out)
        results.append((code, out, err))
    return results


def test_workflow_runs_validate_then_diff() -> None:
    commands = aicost_commands()
    assert [argv[0] for argv, _ in commands] == ["validate", "diff"]
    diff_argv, target = commands[1]
    assert diff_argv[1:3] == ["origin/main:prices", "prices"]
    assert {"--fail-on", "increase", "--threshold", "10", "--summary", "--workload"} <= set(
        diff_argv
    )
    assert target == "aicost-diff.md"


def test_increase_above_ten_percent_fails_with_comment(repo: Path, run: Run) -> None:
    raise_output(repo, "12.00")  # +20%
    (validated, _, _), (code, out, err) = run_workflow(run)
    assert validated == 0
    assert code == 1
    comment = (repo / "aicost-diff.md").read_text()
    assert comment == out
    assert comment.startswith("<!-- aicost-diff -->\n")
    assert "| acme | flat-1 | output | $10.00 -> $12.00 | +$2.00 | +20.0% |" in comment
    # chat on flat-1: (1000 x 2.00 + 1000 x 0.50 + 500 x 10.00) / 1M x 1000 a day x 730 / 24
    # = 228.125 a month; at 12.00 output: 8.5 a day -> 258.54
    assert "| chat | acme/flat-1 | $228.12 | $258.54 | +$30.42 | +13.3% |" in comment
    assert "fail-on increase: 1 change(s) above 10%" in err
    assert Path(os.environ["GITHUB_STEP_SUMMARY"]).read_text() == comment + "\n"


def test_small_increase_passes(repo: Path, run: Run) -> None:
    raise_output(repo, "10.50")  # +5%
    (_, _, _), (code, out, _) = run_workflow(run)
    assert code == 0
    assert "+5.0%" in out


def test_unchanged_sheets_say_so(repo: Path, run: Run) -> None:
    (_, _, _), (code, out, _) = run_workflow(run)
    assert code == 0
    assert out == "<!-- aicost-diff -->\n### aicost: price sheet changes\n\nno changes\n"


def test_broken_sheet_fails_validation(repo: Path, run: Run) -> None:
    (repo / "prices" / "acme.yaml").write_text(
        SHEET.replace("    output: 10.00\n", "    outptu: 10.00\n")
    )
    code, out, _ = run(aicost_commands()[0][0])
    assert code == 1
    assert out.startswith("prices/acme.yaml:")
    assert "unknown key 'outptu'" in out


def test_pre_commit_hook() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [(h["id"], h["entry"]) for h in hooks] == [("aicost-validate", "aicost validate")]
