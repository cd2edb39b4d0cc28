"""docs/updating-prices.md: the monthly refresh of the bundled catalog, as commands that run.

The commands that need neither the network nor the peers (validate, the export-import round trip,
diffs between local catalogs) are run here in-process, with /tmp/ moved into tmp_path; the ones that
read the peers' installed data or git are parsed by the real command line, so a renamed flag or
argument breaks this test rather than the maintainer's month.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer.main

from conftest import DATA, Run

ROOT = Path(__file__).parents[1]
DOC = ROOT / "docs" / "updating-prices.md"
# a command that reads a peer's installed data, a peer's imported sheets, or git
NEEDS_PEERS_OR_GIT = re.compile(r"PEERS_SITE|/tmp/peers|-sheets\b|\bHEAD\b|origin/|:prices")
ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=")


def doc_commands() -> list[list[str]]:
    """Every `aicost ...` command of the doc's sh blocks as argv (after `aicost`), in order;
    leading VAR=value assignments are dropped, continued lines joined."""
    text = DOC.read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            while words and ASSIGNMENT.match(words[0]):
                words.pop(0)
            if words and words[0] == "aicost":
                commands.append(words[1:])
    return commands


def local(argv: list[str]) -> bool:
    return not any(NEEDS_PEERS_OR_GIT.search(word) for word in argv)


def parse(argv: list[str]) -> Any:
    """Parse argv with aicost's own command line, as the shell would hand it over, and return the
    command's context (its params) without running it. Raises on an unknown option, a missing
    argument or a value outside a choice."""
    from aicost.cli.app import app

    group: Any = typer.main.get_command(app)
    parent = group.make_context("aicost", list(argv))
    command = group.commands[argv[0]]
    return command.make_context(argv[0], list(argv[1:]), parent=parent)


def test_the_doc_has_both_kinds_of_command() -> None:
    commands = doc_commands()
    ran = [c for c in commands if local(c)]
    parsed = [c for c in commands if not local(c)]
    # the round trip (export, import, diff) and validate run; both peers' imports are parsed
    assert {c[0] for c in ran} >= {"validate", "export", "import", "diff"}
    assert {tuple(c[:2]) for c in parsed} >= {("import", "litellm"), ("import", "genai-prices")}
    assert any(c[0] == "diff" for c in parsed)


@pytest.mark.parametrize("argv", [c for c in doc_commands() if not local(c)], ids=" ".join)
def test_peer_and_git_commands_match_the_command_line(argv: list[str]) -> None:
    ctx = parse(argv)
    if argv[0] == "import":
        assert ctx.params["out"] is not None  # every import in the doc writes to a scratch dir
        assert str(ctx.params["out"]).startswith("/tmp/")


def test_local_commands_run_in_order(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)  # the doc's commands run in the checkout: prices/, examples/
    results = []
    for argv in [c for c in doc_commands() if local(c)]:
        moved = [word.replace("/tmp/", f"{tmp_path}/") for word in argv]
        code, out, err = run(moved)
        assert code == 0, (argv, err)
        assert "Traceback" not in err
        results.append((argv, out, err))
    assert len(results) >= 5


SHAPES = [  # a long prompt (past every tier bound up to 272K) with cache reads and writes
    ["--batch-share", "0"],
    ["--batch-share", "1"],
    ["--service-tier-share", "flex=1"],
    ["--service-tier-share", "priority=1"],
    ["--off-peak-share", "1"],
]


def priced(run: Run, prices: object, shape: list[str]) -> dict[tuple[str, str], str]:
    code, out, err = run(
        ["estimate", "-i", "300k", "--cached-tokens", "100k", "--cache-write-tokens", "50k",
         "-o", "2k", *shape, "--prices", prices, "-f", "json"]
    )  # fmt: skip
    assert code == 0, err
    return {(r["provider"], r["model"]): r["per_request"] for r in json.loads(out)["rows"]}


def test_the_litellm_round_trip_keeps_every_price_in_force(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the doc says of the round trip: every USD model priced today comes back at the same
    prices (list, batch, flex, priority, off-peak); what the diff shows is what LiteLLM's format
    cannot carry, and the sheets it drops are the CNY ones and meta."""
    monkeypatch.chdir(ROOT)
    exported, sheets = tmp_path / "litellm.json", tmp_path / "sheets"
    assert run(["export", "litellm", "-o", exported])[0] == 0
    assert run(["import", "litellm", exported, "-o", sheets])[0] == 0
    for shape in SHAPES:
        before, after = priced(run, "prices", shape), priced(run, sheets, shape)
        usd = {key: cost for key, cost in before.items() if not key[0].endswith("-cn")}
        assert after == usd, shape
    code, out, err = run(["diff", "prices", sheets, "-f", "json"])
    assert code == 0, err
    found = json.loads(out)["changes"]
    assert found  # names, aliases, history ... do differ
    dropped = {c["provider"] for c in found if c["path"] is None and c["model"] is None}
    assert dropped == {"alibaba-cn", "deepseek-cn", "minimax-cn", "moonshot-cn", "zhipu-cn", "meta"}
    gone = {(c["provider"], c["model"]) for c in found if c["path"] is None and c["model"]}
    assert gone and not gone & set(priced(run, "prices", SHAPES[0]))  # only models not priced today


# -- the whole LiteLLM map imports even where its floats are noisy ---------------------------------


def test_import_leaves_out_an_entry_with_float_noise_and_writes_the_rest(
    run: Run, tmp_path: Path
) -> None:
    """LiteLLM 1.110.2's map holds per-token prices such as 1.0000000000000001e-07 (0.1 per 1M
    with float noise: 17 decimals). One such entry made the whole import exit 2, so the monthly
    `aicost import litellm FILE -o DIR` wrote nothing; it is now left out and listed."""
    source = DATA / "docs" / "litellm-noise.json"
    code, out, err = run(["import", "litellm", source, "-o", tmp_path, "-f", "json"])
    assert code == 0, err
    report = json.loads(out)
    assert [m["model"] for m in report["models"]] == ["acme-large"]
    assert report["invalid"] == [
        {
            "key": "acme/acme-noisy",
            "reason": "a price per 1M tokens has more than 12 decimal places",
        }
    ]
    assert "left out 1: a price per 1M tokens has more than 12 decimal places" in err
    text = (tmp_path / "acme.yaml").read_text(encoding="utf-8")
    # 3e-06 x 1,000,000 = 3 and 1.5e-05 x 1,000,000 = 15 per 1M tokens
    assert "  acme-large:\n    input: 3\n    output: 15\n" in text
    assert "acme-noisy" not in text
