"""The fast paths of reading usage give what the careful ones give.

The Claude Code reader's quick path builds the record the careful path builds and leaves
everything unusual to it; a tree read through it prices to the sum worked out by hand.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from aicost.usage.readers import claude_code
from aicost.usage.record import Malformed, UsageRecord
from conftest import Run

DIMS = (("project", "p"), ("session", "s"))
SONNET = "claude-sonnet-4-5-20250929"


def reply(usage: dict[str, Any], **top: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "type": "assistant",
        "sessionId": "s",
        "timestamp": "2026-10-09T13:00:37.000Z",
        "requestId": "req_1",
        "message": {"id": "msg_1", "model": SONNET, "usage": usage},
    }
    entry.update(top)
    return entry


BASE = {
    "input_tokens": 4,
    "cache_creation_input_tokens": 1987,
    "cache_read_input_tokens": 109385,
    "output_tokens": 362,
}
USUAL = [
    reply(
        BASE
        | {"cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 1987}}
    ),
    reply(
        BASE
        | {"cache_creation": {"ephemeral_5m_input_tokens": 1987, "ephemeral_1h_input_tokens": 0}}
    ),
    reply(
        BASE
        | {"cache_creation": {"ephemeral_5m_input_tokens": 987, "ephemeral_1h_input_tokens": 1000}}
    ),
    reply(
        BASE | {"cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0}}
    ),
    reply(BASE),  # an older log: no split, every write a 5-minute one
    reply(BASE | {"service_tier": "priority", "speed": "fast"}),
    reply(BASE | {"service_tier": "standard"}, isSidechain=True),
    reply(BASE, requestId=None),
    reply(BASE, message={"model": SONNET, "usage": BASE}),  # no message id: no dedup key
]
UNUSUAL = [
    reply(BASE | {"input_tokens": None}),
    reply({k: v for k, v in BASE.items() if k != "cache_read_input_tokens"}),
    reply(BASE | {"output_tokens": 2.0}),
    reply(BASE | {"output_tokens": True}),
    reply(BASE | {"output_tokens": -1}),
    reply(BASE | {"output_tokens": 10**13}),
    reply(
        BASE | {"cache_creation": {"ephemeral_5m_input_tokens": 1, "ephemeral_1h_input_tokens": 1}}
    ),
    reply(BASE | {"cache_creation": []}),
    reply(BASE | {"service_tier": ""}),
    reply(BASE, timestamp="2026-10-09T13:00:37+02:00"),
    reply(BASE, timestamp="2026-10-09T25:00:37Z"),
    reply(BASE, timestamp="0999-10-09T13:00:37Z"),
    reply(BASE, message={"model": "<synthetic>", "usage": BASE}),
    reply(BASE, message={"model": "", "usage": BASE}),
    reply(BASE, message=[]),
]


def careful(entry: dict[str, Any]) -> str:
    try:
        return repr(claude_code._record(entry, "f:1", DIMS))
    except ValueError as error:
        return f"error: {error}"


@pytest.mark.parametrize("entry", USUAL, ids=range(len(USUAL)))
def test_claude_code_quick_path_builds_what_the_careful_path_builds(entry: dict[str, Any]) -> None:
    quick = claude_code._quick(entry, "f:1", DIMS)
    assert quick is not None
    assert repr(quick) == careful(entry)  # every field, and of the same type (1, not True)


@pytest.mark.parametrize("entry", UNUSUAL, ids=range(len(UNUSUAL)))
def test_claude_code_quick_path_leaves_the_unusual_to_the_careful_one(
    entry: dict[str, Any],
) -> None:
    assert claude_code._quick(entry, "f:1", DIMS) is None


def test_claude_code_quick_path_counts_by_hand() -> None:
    record = claude_code._quick(USUAL[2], "f:1", DIMS)
    assert record == UsageRecord(
        ts=dt.datetime(2026, 10, 9, 13, 0, 37),
        model=SONNET,
        input_tokens=4 + 1987 + 109385,
        cache_read=109385,
        cache_write_5m=987,
        cache_write_1h=1000,
        output_tokens=362,
        dims=DIMS,
        where="f:1",
        dedup_key="msg_1:req_1",
        dedup_rank=(1, 4 + 1987 + 109385 + 362, 0),
    )


def line(entry: dict[str, Any]) -> str:
    return json.dumps(entry, separators=(",", ":"))


def write_tree(root: Path, files: int = 5) -> Path:
    """`files` sessions of 1,000 tokens in and 1,000 out per reply, with duplicates and damage."""
    projects = root / "projects"
    for f in range(files):
        folder = projects / f"-home-dev-p{f % 2}"
        folder.mkdir(parents=True, exist_ok=True)
        lines = ['{"type":"user","sessionId":"x","message":{"role":"user","content":"hi"}}']
        for n in range(3):
            usage = {"input_tokens": 1000, "cache_creation_input_tokens": 0}
            usage |= {"cache_read_input_tokens": 0, "output_tokens": 1000}
            entry = reply(usage, sessionId=f"s{f}", requestId=f"r{f}-{n}")
            entry["message"] = dict(entry["message"], id=f"m{f}-{n}")
            lines.append(line(entry))
        lines.append(lines[-1])  # a duplicate
        lines.append(lines[-1][:40])  # a truncated line: malformed
        (folder / f"s{f}.jsonl").write_text("\n".join(lines) + "\n")
    return projects


def test_a_tree_read_on_the_quick_path_prices_to_the_sum_by_hand(tmp_path: Path, run: Run) -> None:
    projects = write_tree(tmp_path)
    code, out, err = run(["usage", "price", projects, "--from", "claude-code", "-f", "json"])
    assert code == 0, err
    totals = json.loads(out)["totals"]
    # 5 files x 3 replies x (1,000 in at $3/M + 1,000 out at $15/M): the duplicates count once
    assert Decimal(totals["total"]) == 15 * (Decimal(1000) * 3 + Decimal(1000) * 15) / 1_000_000
    assert totals["records"] == 15


def test_malformed_items_are_kept_as_they_are(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text('{"type":"assistant","message":\n')
    assert list(claude_code.read(path)) == [
        Malformed(f"{path}:1", "not valid JSON (a truncated or damaged line)")
    ]
