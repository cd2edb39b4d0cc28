"""The newcomer paths of docs/ci.md, run as written: the GitHub Actions workflow step by step in a
scratch git repository (its install line included), and the pre-commit snippet at its revision.

Two substitutions stand for what only GitHub or the reader can supply, and nothing else changes:
- `AICOST_SOURCE` becomes `aicost @ git+file://<this checkout>@<its HEAD>`: the doc's pinned-commit
  form, with this checkout as the aicost repository (so the code under test is what gets installed);
- the pre-commit snippet's `repo: URL` becomes this checkout's path; its `rev:` is used as written
  and must be a commit of this clone (CI clones main with full history; a shallow clone fails here).
`uses:` steps are GitHub's own: checkout is the scratch repository with `origin/main`, setup-python
a scratch venv first on PATH, and the comment step is checked through the file it would post.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "ci.md").read_text()
SHEET = (ROOT / "tests" / "data" / "review" / "base.yaml").read_text()
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


def yaml_block(first_line: str) -> str:
    block = re.search(rf"```yaml\n({re.escape(first_line)}\n.*?)```", DOC, re.S)
    assert block, f"docs/ci.md has no yaml block starting {first_line!r}"
    return block.group(1)


def git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout.strip()


def base_env(home: Path) -> dict[str, str]:
    """The machine's environment, git with no user config and a fixed identity."""
    env = dict(os.environ)
    for key in ("VIRTUAL_ENV", "AICOST_PRICES", "AICOST_DEBUG", "PYTHONPATH"):
        env.pop(key, None)
    env.update(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_AUTHOR_NAME="Test",
        GIT_AUTHOR_EMAIL="test@example.com",
        GIT_COMMITTER_NAME="Test",
        GIT_COMMITTER_EMAIL="test@example.com",
        AICOST_CACHE_DIR=str(home / "aicost-cache"),
        NO_COLOR="1",
        COLUMNS="100",
    )
    return env


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What actions/setup-python gives: a Python with a current pip first on PATH, nothing else.

    (The pip bundled with Python 3.11's venv is too old to read a `git+file:///` requirement.)
    """
    where = tmp_path_factory.mktemp("setup-python") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--upgrade-deps", str(where)], check=True)
    return where / "bin"


def scratch_repo(root: Path, env: dict[str, str]) -> None:
    """main holds a sheet and a workload; the checked-out pull request branch is based on it."""
    (root / "prices").mkdir(parents=True)
    (root / "workloads").mkdir()
    git(root, "init", "-q", "-b", "main", env=env)
    (root / "prices" / "acme.yaml").write_text(SHEET)
    (root / "workloads" / "production.yaml").write_text(WORKLOAD)
    git(root, "add", ".", env=env)
    git(root, "commit", "-q", "-m", "prices", env=env)
    git(root, "update-ref", "refs/remotes/origin/main", "HEAD", env=env)
    git(root, "checkout", "-q", "-b", "pull-request", env=env)


def expand(text: str, outputs: dict[str, dict[str, str]]) -> str:
    def value(match: re.Match[str]) -> str:
        expr = match.group(1).strip()
        if expr == "github.base_ref":
            return "main"
        step = re.fullmatch(r"steps\.(\w+)\.outputs\.(\w+)", expr)
        assert step, f"the test does not know the expression {expr!r}"
        return outputs.get(step.group(1), {}).get(step.group(2), "")

    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


def condition(text: str, outputs: dict[str, dict[str, str]]) -> bool:
    found = re.fullmatch(r"steps\.(\w+)\.outputs\.(\w+) != '(.*)'", text.strip())
    assert found, f"the test does not know the condition {text!r}"
    step, name, other = found.groups()
    return outputs.get(step, {}).get(name, "") != other


def run_workflow(repo: Path, bin_dir: Path, env: dict[str, str]) -> list[tuple[str, int, str]]:
    """Every step of the job in order, as GitHub runs them: (name, exit code, output).

    A step that fails stops the job; a step whose `if:` is false is left out.
    """
    flow = yaml.safe_load(yaml_block("name: prices"))
    steps = flow["jobs"]["aicost"]["steps"]
    uses = sorted(s["uses"].split("@")[0] for s in steps if "uses" in s)
    assert uses == ["actions/checkout", "actions/github-script", "actions/setup-python"]
    head = git(ROOT, "rev-parse", "HEAD")
    env = {
        **env,
        **{k: str(v) for k, v in flow.get("env", {}).items()},
        "AICOST_SOURCE": f"aicost @ git+file://{ROOT}@{head}",
        "PATH": f"{bin_dir}{os.pathsep}{env['PATH']}",
        "GITHUB_OUTPUT": str(repo.parent / "github-output"),
        "GITHUB_STEP_SUMMARY": str(repo.parent / "step-summary.md"),
        "CI": "true",
    }
    outputs: dict[str, dict[str, str]] = {}
    done: list[tuple[str, int, str]] = []
    for step in steps:
        if "run" not in step:
            continue
        if "if" in step and not condition(step["if"], outputs):
            continue
        Path(env["GITHUB_OUTPUT"]).write_text("")
        proc = subprocess.run(
            [
                "bash",
                "--noprofile",
                "--norc",
                "-eo",
                "pipefail",
                "-c",
                expand(step["run"], outputs),
            ],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        lines = Path(env["GITHUB_OUTPUT"]).read_text().splitlines()
        outputs[step.get("id", "")] = dict(line.split("=", 1) for line in lines if "=" in line)
        done.append((step["name"], proc.returncode, proc.stdout + proc.stderr))
        if proc.returncode != 0:
            break
    return done


@pytest.fixture
def pull_request(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    env = base_env(tmp_path)
    repo = tmp_path / "repo"
    scratch_repo(repo, env)
    return repo, env


def commit_sheet(repo: Path, env: dict[str, str], old: str, new: str) -> None:
    assert old in SHEET
    (repo / "prices" / "acme.yaml").write_text(SHEET.replace(old, new, 1))
    git(repo, "commit", "-q", "-am", "change a price", env=env)


def test_install_line_is_not_the_pypi_namesake() -> None:
    flow = yaml.safe_load(yaml_block("name: prices"))
    runs = [str(s.get("run", "")) for s in flow["jobs"]["aicost"]["steps"]]
    assert 'pip install "$AICOST_SOURCE"' in runs
    assert not any(re.search(r"pip install\s+['\"]?aicost['\"]?\s*$", r, re.M) for r in runs)
    assert flow["env"]["AICOST_SOURCE"] == "."


def test_workflow_fails_the_job_on_a_ten_percent_rise(
    pull_request: tuple[Path, dict[str, str]], venv: Path
) -> None:
    repo, env = pull_request
    commit_sheet(repo, env, "    output: 10.00\n", "    output: 12.00\n")  # +20%
    steps = run_workflow(repo, venv, env)
    assert [(name, code) for name, code, _ in steps] == [
        ("Install aicost", 0),
        ("Validate price sheets", 0),
        ("Diff against the base branch", 0),
        ("Fail when the gate tripped", 1),
    ], steps
    assert (venv / "aicost").exists()
    comment = (repo / "aicost-diff.md").read_text()
    assert comment.startswith("<!-- aicost-diff -->\n")
    assert "| acme | flat-1 | output | $10.00 -> $12.00 | +$2.00 | +20.0% |" in comment
    # chat: (1000 x 2.00 + 1000 x 0.50 + 500 x 10.00) / 1M x 1000 a day x 730 / 24 = 228.125;
    # at 12.00 output: 8.5 a day x 730 / 24 = 258.54
    assert "| chat | acme/flat-1 | $228.12 | $258.54 | +$30.42 | +13.3% |" in comment
    assert "fail-on increase: 1 change(s) above 10%" in steps[2][2]


def test_workflow_passes_a_small_rise(
    pull_request: tuple[Path, dict[str, str]], venv: Path
) -> None:
    repo, env = pull_request
    commit_sheet(repo, env, "    output: 10.00\n", "    output: 10.50\n")  # +5%; chat +3.3%
    steps = run_workflow(repo, venv, env)
    assert [(name, code) for name, code, _ in steps] == [
        ("Install aicost", 0),
        ("Validate price sheets", 0),
        ("Diff against the base branch", 0),
    ], steps
    assert "+5.0%" in (repo / "aicost-diff.md").read_text()


def test_workflow_catches_cached_input_removed(
    pull_request: tuple[Path, dict[str, str]], venv: Path
) -> None:
    # cached tokens now bill at input: 0.50 -> 2.00 per 1M (+300%); chat's bill +20%
    repo, env = pull_request
    commit_sheet(repo, env, "    cached_input: 0.50\n", "")
    steps = run_workflow(repo, venv, env)
    assert steps[-1][:2] == ("Fail when the gate tripped", 1), steps


def test_workflow_stops_on_a_broken_sheet(
    pull_request: tuple[Path, dict[str, str]], venv: Path
) -> None:
    repo, env = pull_request
    commit_sheet(repo, env, "    output: 10.00\n", "    outptu: 10.00\n")
    steps = run_workflow(repo, venv, env)
    assert [(name, code) for name, code, _ in steps] == [
        ("Install aicost", 0),
        ("Validate price sheets", 1),
    ], steps
    assert "unknown key 'outptu'" in steps[-1][2]


def test_pre_commit_snippet_at_its_revision(tmp_path: Path) -> None:
    snippet = yaml.safe_load(yaml_block("repos:"))
    (entry,) = snippet["repos"]
    rev = str(entry["rev"])
    assert entry["repo"] == "URL"
    assert [h["id"] for h in entry["hooks"]] == ["aicost-validate"]
    assert re.fullmatch(r"[0-9a-f]{40}", rev), f"rev {rev!r} is not a full commit sha"
    known = subprocess.run(
        ["git", "cat-file", "-e", f"{rev}^{{commit}}"], cwd=ROOT, capture_output=True, check=False
    )
    assert known.returncode == 0, (
        f"docs/ci.md pins pre-commit to {rev}, which is not a commit of this clone "
        "(a shallow clone? fetch the full history of main)"
    )
    on_main = subprocess.run(
        ["git", "merge-base", "--is-ancestor", rev, "HEAD"], cwd=ROOT, check=False
    )
    assert on_main.returncode == 0, f"{rev} is not in the history of HEAD"
    hooks = yaml.safe_load(git(ROOT, "show", f"{rev}:.pre-commit-hooks.yaml"))
    assert "aicost-validate" in [h["id"] for h in hooks]

    env = base_env(tmp_path)
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    repo = tmp_path / "repo"
    scratch_repo(repo, env)
    config = yaml_block("repos:").replace("repo: URL", f"repo: {ROOT}")
    (repo / ".pre-commit-config.yaml").write_text(config)
    git(repo, "add", ".", env=env)

    def pre_commit() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "run", "--all-files"],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    passed = pre_commit()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert re.search(r"aicost validate\.+Passed", passed.stdout)
    (repo / "prices" / "acme.yaml").write_text(SHEET.replace("output: 10.00", "outptu: 10.00"))
    git(repo, "add", ".", env=env)
    failed = pre_commit()
    assert failed.returncode == 1
    assert re.search(r"aicost validate\.+Failed", failed.stdout)
    assert "unknown key 'outptu'" in failed.stdout
