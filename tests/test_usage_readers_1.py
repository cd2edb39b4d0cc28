"""The Claude Code, Codex and OTLP/JSON readers: exact records from hand-written fixtures.

Every expected count is worked out here from the fixture lines (the numbers in the comments are
the fixture's), never by calling the reader.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import tracemalloc
from pathlib import Path
from types import ModuleType

import pytest

from aicost.usage.readers import claude_code, codex, otlp
from aicost.usage.record import Malformed, UsageRecord

DATA = Path(__file__).parent / "data" / "usage"
SESSION = "5d0c7a1e-3b2f-4e8a-9c61-0f2d8e4b7a13"
CLAUDE = DATA / "claude-code" / "projects" / "-home-dev-shop" / f"{SESSION}.jsonl"
CODEX_ID = "0199c2d4-7e1a-7b3c-9f00-5a6b7c8d9e0f"
CODEX = DATA / "codex" / f"rollout-2026-05-13T09-00-00-{CODEX_ID}.jsonl"
CODEX_EARLY = DATA / "codex" / "rollout-early-no-model.jsonl"
OTLP_LINES = DATA / "otlp" / "traces.jsonl"
OTLP_DOC = DATA / "otlp" / "trace.json"
SONNET = "claude-sonnet-4-5-20250929"
CC_DIMS = (("project", "-home-dev-shop"), ("session", SESSION))


def split(path: Path, module: ModuleType) -> tuple[list[UsageRecord], list[Malformed]]:
    records: list[UsageRecord] = []
    bad: list[Malformed] = []
    for item in module.read(path):
        (records if isinstance(item, UsageRecord) else bad).append(item)
    return records, bad


def where(path: Path, line: int) -> str:
    return f"{path}:{line}"


# -- Claude Code ----------------------------------------------------------------------------------


def test_claude_code_records_are_exact() -> None:
    records, _ = split(CLAUDE, claude_code)
    cc = dict(dims=CC_DIMS)
    assert records == [
        # line 2: input 100, writes 2000 (5m 500 + 1h 1500), reads 30000, output 400
        UsageRecord(
            ts=dt.datetime(2026, 10, 9, 13, 0, 5),
            model=SONNET,
            input_tokens=100 + 2000 + 30000,
            cache_read=30000,
            cache_write_5m=500,
            cache_write_1h=1500,
            output_tokens=400,
            where=where(CLAUDE, 2),
            dedup_key="msg_01A:req_01A",
            dedup_rank=(1, 100 + 2000 + 30000 + 400, 0),
            **cc,
        ),
        # line 3: the sidechain copy of line 2, with output 450
        UsageRecord(
            ts=dt.datetime(2026, 10, 9, 13, 0, 6),
            model=SONNET,
            input_tokens=100 + 2000 + 30000,
            cache_read=30000,
            cache_write_5m=500,
            cache_write_1h=1500,
            output_tokens=450,
            where=where(CLAUDE, 3),
            dedup_key="msg_01A:req_01A",
            dedup_rank=(0, 100 + 2000 + 30000 + 450, 0),
            **cc,
        ),
        # line 4: no split, so the 1200 writes are 5-minute ones
        UsageRecord(
            ts=dt.datetime(2026, 10, 9, 13, 1),
            model="claude-haiku-4-5-20251001",
            input_tokens=7 + 1200,
            cache_write_5m=1200,
            output_tokens=50,
            where=where(CLAUDE, 4),
            dedup_key="msg_01B:req_01B",
            dedup_rank=(1, 7 + 1200 + 50, 0),
            **cc,
        ),
        # lines 5 and 6: a streaming snapshot (output 10) and the final line (output 300);
        # an all-zero split with no writes
        UsageRecord(
            ts=dt.datetime(2026, 10, 9, 13, 2),
            model=SONNET,
            input_tokens=3 + 32100,
            cache_read=32100,
            output_tokens=10,
            where=where(CLAUDE, 5),
            dedup_key="msg_01C:req_01C",
            dedup_rank=(1, 3 + 32100 + 10, 0),
            **cc,
        ),
        UsageRecord(
            ts=dt.datetime(2026, 10, 9, 13, 2, 1),
            model=SONNET,
            input_tokens=3 + 32100,
            cache_read=32100,
            output_tokens=300,
            where=where(CLAUDE, 6),
            dedup_key="msg_01C:req_01C",
            dedup_rank=(1, 3 + 32100 + 300, 0),
            **cc,
        ),
        # line 7 is <synthetic>: skipped. Line 8: an unknown model is still a record
        UsageRecord(
            ts=dt.datetime(2026, 10, 9, 13, 4),
            model="claude-imaginary-9",
            input_tokens=11,
            output_tokens=22,
            where=where(CLAUDE, 8),
            dedup_key="msg_01U:req_01U",
            dedup_rank=(1, 11 + 22, 0),
            **cc,
        ),
        # line 9: spaced JSON, no requestId: the key is the message id alone
        UsageRecord(
            ts=dt.datetime(2026, 10, 9, 13, 5),
            model="claude-opus-4-1-20250805",
            input_tokens=5 + 600,
            cache_read=600,
            output_tokens=70,
            where=where(CLAUDE, 9),
            dedup_key="msg_01D",
            dedup_rank=(1, 5 + 600 + 70, 0),
            **cc,
        ),
        # line 10: neither id: no key
        UsageRecord(
            ts=dt.datetime(2026, 10, 9, 13, 6),
            model=SONNET,
            input_tokens=1,
            output_tokens=2,
            where=where(CLAUDE, 10),
            dedup_key=None,
            dedup_rank=(1, 3, 0),
            **cc,
        ),
        # line 12: priority tier
        UsageRecord(
            ts=dt.datetime(2026, 10, 9, 13, 8),
            model=SONNET,
            input_tokens=20,
            output_tokens=30,
            service_tier="priority",
            where=where(CLAUDE, 12),
            dedup_key="msg_01P:req_01P",
            dedup_rank=(1, 50, 0),
            **cc,
        ),
    ]


def test_claude_code_malformed_lines_are_named() -> None:
    _, bad = split(CLAUDE, claude_code)
    assert [m.where for m in bad] == [where(CLAUDE, n) for n in (11, 13, 15)]
    assert "output_tokens" in bad[0].reason and "-5" in bad[0].reason
    assert "5m 10 + 1h 20" in bad[1].reason and "100" in bad[1].reason
    assert "JSON" in bad[2].reason


def keep_best(records: list[UsageRecord]) -> list[UsageRecord]:
    """What the engine does with dedup keys: the highest rank per key, records without one all."""
    best: dict[str, UsageRecord] = {}
    kept: list[UsageRecord] = []
    for r in records:
        if r.dedup_key is None:
            kept.append(r)
        elif r.dedup_key not in best or r.dedup_rank > best[r.dedup_key].dedup_rank:
            best[r.dedup_key] = r
    return kept + list(best.values())


def test_claude_code_ranks_keep_what_ccusage_20_keeps() -> None:
    records, _ = split(CLAUDE, claude_code)
    kept = {r.dedup_key: r for r in keep_best(records)}
    # the main-chain line, though its sidechain copy has more output (450 > 400)
    assert kept["msg_01A:req_01A"].where == where(CLAUDE, 2)
    # the final streaming line (300) over the first snapshot (10)
    assert kept["msg_01C:req_01C"].output_tokens == 300
    assert len(keep_best(records)) == 9 - 2


def test_claude_code_fresh_input_is_the_logged_input_tokens() -> None:
    records, _ = split(CLAUDE, claude_code)
    assert [r.fresh_input for r in records] == [100, 100, 7, 3, 3, 11, 5, 1, 20]


def test_claude_code_project_comes_from_the_projects_directory(tmp_path: Path) -> None:
    nested = tmp_path / "projects" / "-home-dev-shop" / SESSION / "subagents" / "agent-1.jsonl"
    nested.parent.mkdir(parents=True)
    nested.write_bytes(CLAUDE.read_bytes().splitlines(keepends=True)[1])
    (record,) = claude_code.read(nested)
    assert isinstance(record, UsageRecord)
    assert record.dims == CC_DIMS
    loose = tmp_path / "elsewhere" / "log.jsonl"
    loose.parent.mkdir()
    loose.write_bytes(nested.read_bytes())
    (record,) = claude_code.read(loose)
    assert isinstance(record, UsageRecord)
    assert dict(record.dims)["project"] == "elsewhere"


@pytest.mark.parametrize(
    ("usage", "reason"),
    [
        ('"input_tokens":1.5', "whole"),
        ('"input_tokens":"7"', "whole"),
        ('"input_tokens":true', "whole"),
        ('"input_tokens":1e13', "1,000,000,000,000"),
        ('"input_tokens":' + "9" * 5000, "too long"),
    ],
)
def test_claude_code_bad_numbers_are_malformed(tmp_path: Path, usage: str, reason: str) -> None:
    line = (
        '{"type":"assistant","sessionId":"s","timestamp":"2026-10-09T13:00:00Z","message":'
        '{"id":"m","model":"claude-sonnet-4-5","usage":{' + usage + ',"output_tokens":1}}}\n'
    )
    path = tmp_path / "s.jsonl"
    path.write_text(line)
    (item,) = claude_code.read(path)
    assert isinstance(item, Malformed)
    assert item.where == f"{path}:1" and reason in item.reason


def test_claude_code_bad_timestamp_and_deep_nesting_are_malformed(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text(
        '{"type":"assistant","timestamp":"yesterday","message":{"model":"m","usage":{}}}\n'
        + '{"type":"assistant","x":'
        + "[" * 100_000
        + "\n"
    )
    items = list(claude_code.read(path))
    assert [type(i) for i in items] == [Malformed, Malformed]
    assert "yesterday" in items[0].reason


# -- Codex ----------------------------------------------------------------------------------------


def test_codex_turns_are_deltas_of_the_cumulative_counts() -> None:
    records, _ = split(CODEX, codex)
    dims = (("project", "/home/dev/api"), ("session", CODEX_ID))

    def key(*total: int) -> str:
        return f"codex:{CODEX_ID}:" + "/".join(map(str, total))

    assert records == [
        # line 5: the first count is the first turn (totals 1000/250/125/75)
        UsageRecord(
            ts=dt.datetime(2026, 5, 13, 9, 1),
            model="gpt-5.2-codex",
            provider="openai",
            input_tokens=1000,
            cache_read=250,
            output_tokens=125,
            reasoning_tokens=75,
            dims=dims,
            where=where(CODEX, 5),
            dedup_key=key(1000, 250, 125, 75),
        ),
        # line 6 repeats line 5's totals: nothing. Line 7: totals 1600/850/300/120
        UsageRecord(
            ts=dt.datetime(2026, 5, 13, 9, 2),
            model="gpt-5.2-codex",
            provider="openai",
            input_tokens=1600 - 1000,
            cache_read=850 - 250,
            output_tokens=300 - 125,
            reasoning_tokens=120 - 75,
            dims=dims,
            where=where(CODEX, 7),
            dedup_key=key(1600, 850, 300, 120),
        ),
        # line 8 switches the model; line 9 logs only totals 2600/1000/500/120
        UsageRecord(
            ts=dt.datetime(2026, 5, 13, 9, 4),
            model="gpt-5.1-codex-mini",
            provider="openai",
            input_tokens=2600 - 1600,
            cache_read=1000 - 850,
            output_tokens=500 - 300,
            reasoning_tokens=120 - 120,
            dims=dims,
            where=where(CODEX, 9),
            dedup_key=key(2600, 1000, 500, 120),
        ),
        # lines 10 (truncated) and 11 (bad number) are malformed; line 12 names an unknown
        # model; line 13's totals 3000/1000/600/120 step from line 9's
        UsageRecord(
            ts=dt.datetime(2026, 5, 13, 9, 8),
            model="gpt-imaginary",
            provider="openai",
            input_tokens=3000 - 2600,
            cache_read=1000 - 1000,
            output_tokens=600 - 500,
            reasoning_tokens=0,
            dims=dims,
            where=where(CODEX, 13),
            dedup_key=key(3000, 1000, 600, 120),
        ),
    ]


def test_codex_malformed_lines_are_named() -> None:
    _, bad = split(CODEX, codex)
    assert [m.where for m in bad] == [where(CODEX, 10), where(CODEX, 11)]
    assert "JSON" in bad[0].reason
    assert "output_tokens" in bad[1].reason and "lots" in bad[1].reason


def test_codex_without_a_model_is_malformed_not_guessed() -> None:
    records, bad = split(CODEX_EARLY, codex)
    assert records == []
    assert [m.where for m in bad] == [where(CODEX_EARLY, 2)]
    assert "turn_context" in bad[0].reason


def test_codex_totals_that_restart_use_the_turn_figure(tmp_path: Path) -> None:
    def count(total: tuple[int, ...], last: tuple[int, ...] | None) -> str:
        names = ("input_tokens", "cached_input_tokens", "output_tokens", "reasoning_output_tokens")
        info: dict[str, object] = {"total_token_usage": dict(zip(names, total, strict=True))}
        if last is not None:
            info["last_token_usage"] = dict(zip(names, last, strict=True))
        line = {
            "timestamp": "2026-05-13T10:00:00Z",
            "type": "event_msg",
            "payload": {"type": "token_count", "info": info},
        }
        return json.dumps(line) + "\n"

    path = tmp_path / "rollout.jsonl"
    path.write_text(
        '{"type":"turn_context","payload":{"model":"gpt-5"}}\n'
        + count((900, 0, 90, 0), None)
        + count((300, 100, 30, 10), (300, 100, 30, 10))  # fell back: a new count
        + count((200, 0, 20, 0), None)  # fell back, no turn figure: the totals are the turn
        + count((150, 0, 10, 0), (150, 200, 10, 0))  # a bad turn figure: cached > input
    )
    items = list(codex.read(path))
    records = [i for i in items if isinstance(i, UsageRecord)]
    assert [(r.input_tokens, r.cache_read, r.output_tokens) for r in records] == [
        (900, 0, 90),
        (300, 100, 30),
        (200, 0, 20),
    ]
    assert [i.where for i in items if isinstance(i, Malformed)] == [f"{path}:5"]


# -- OTLP -----------------------------------------------------------------------------------------

T1 = "5b8efff798038103d269b633813fc60c"
T2 = "0af7651916cd43dd8448eb211c80319c"
NINE = dt.datetime(2026, 5, 13, 9, 0)  # 1778662800 s after 1970 (`date -u -d @1778662800`)


def span_where(path: Path, k: int, line: int | None = None) -> str:
    at = f"{path}:{line}" if line is not None else str(path)
    return f"{at}#resourceSpans[0].scopeSpans[0].spans[{k}]"


def gpt4o(at: str) -> UsageRecord:
    # input 1500 includes the 1024 cache reads; output 300
    return UsageRecord(
        ts=NINE,
        model="gpt-4o-2024-08-06",
        provider="openai",
        input_tokens=1500,
        cache_read=1024,
        output_tokens=300,
        dims=(("service", "support-bot"),),
        where=at,
        dedup_key=f"{T1}:eee19b7ec3c1b174",
    )


def o3(at: str) -> UsageRecord:
    # 1778663100 = 09:05; output 1500 includes reasoning 1000; tier flex
    return UsageRecord(
        ts=dt.datetime(2026, 5, 13, 9, 5),
        model="o3-2025-04-16",
        provider="openai",
        input_tokens=2000,
        output_tokens=1500,
        reasoning_tokens=1000,
        service_tier="flex",
        dims=(("service", "support-bot"),),
        where=at,
        dedup_key=f"{T2}:a2fb4a1d1a96d312",
    )


def test_otlp_jsonl_records_are_exact() -> None:
    records, _ = split(OTLP_LINES, otlp)
    assert records == [
        gpt4o(span_where(OTLP_LINES, 0, 1)),
        # request.model only, deprecated gen_ai.system; 32100 = 100 fresh + 2000 + 30000
        UsageRecord(
            ts=dt.datetime(2026, 5, 13, 9, 1),
            model="claude-sonnet-4-5",
            provider="anthropic",
            input_tokens=100 + 2000 + 30000,
            cache_read=30000,
            cache_write_5m=2000,
            output_tokens=400,
            dims=(("service", "support-bot"), ("session", "conv-7")),
            where=span_where(OTLP_LINES, 1, 1),
            dedup_key=f"{T1}:b7ad6b7169203331",
        ),
        # spans 2 (invoke_agent) and 3 (HTTP) are not counted; line 2 exports span 0 again
        gpt4o(span_where(OTLP_LINES, 0, 2)),
        o3(span_where(OTLP_LINES, 0, 4)),
        # line 5 span 2: deprecated prompt/completion names, an unknown model
        UsageRecord(
            ts=dt.datetime(2026, 5, 13, 9, 5),
            model="gpt-imaginary",
            provider="openai",
            input_tokens=70,
            output_tokens=8,
            dims=(("service", "batch-job"),),
            where=span_where(OTLP_LINES, 2, 5),
            dedup_key=f"{T2}:e1e2e3e4e5e6e7e8",
        ),
    ]
    assert records[0].dedup_key == records[2].dedup_key  # the re-export is one request


def test_otlp_malformed_lines_and_spans_are_named() -> None:
    _, bad = split(OTLP_LINES, otlp)
    assert [m.where for m in bad] == [
        f"{OTLP_LINES}:3",
        span_where(OTLP_LINES, 0, 5),
        span_where(OTLP_LINES, 1, 5),
    ]
    assert "JSON" in bad[0].reason
    # input 100 < cache read 3000: the instrumentation left cache out of input
    assert "100" in bad[1].reason and "3000" in bad[1].reason
    assert "12x" in bad[2].reason


def test_otlp_one_pretty_printed_document() -> None:
    records, bad = split(OTLP_DOC, otlp)
    assert bad == []
    assert records == [gpt4o(span_where(OTLP_DOC, 0)), o3(span_where(OTLP_DOC, 1))]


def test_otlp_broken_document_is_one_malformed_with_its_line(tmp_path: Path) -> None:
    lines = OTLP_DOC.read_text().splitlines()
    path = tmp_path / "broken.json"
    path.write_text("\n".join(lines[:40]) + "\n")
    (item,) = otlp.read(path)
    assert isinstance(item, Malformed)
    assert item.where == f"{path}:41"


# -- detection ------------------------------------------------------------------------------------

FIXTURES = {
    claude_code: [CLAUDE],
    codex: [CODEX, CODEX_EARLY],
    otlp: [OTLP_LINES, OTLP_DOC],
}


@pytest.mark.parametrize("module", [claude_code, codex, otlp], ids=lambda m: m.NAME)
def test_sniff_knows_its_own_and_no_other(module: ModuleType, tmp_path: Path) -> None:
    csv = tmp_path / "usage.csv"
    csv.write_text("timestamp,model,input_tokens,output_tokens\n2026-01-01,gpt-4o,10,2\n")
    for owner, paths in FIXTURES.items():
        for path in paths:
            assert module.sniff(path, path.read_bytes()[:65536]) is (owner is module), path
    assert module.sniff(csv, csv.read_bytes()) is False
    assert module.sniff(csv, b"") is False


def test_sniff_judges_an_unfinished_first_line(tmp_path: Path) -> None:
    # a first line longer than the head (Codex's session_meta carries its instructions)
    meta = '{"timestamp":"2026-05-13T09:00:00Z","type":"session_meta","payload":{"id":"x","base":"'
    head = (meta + "y" * 70_000).encode()[:65536]
    assert codex.sniff(Path("r.jsonl"), head) is True
    assert claude_code.sniff(Path("r.jsonl"), head) is False
    long_user = CLAUDE.read_bytes().splitlines()[0][:300]
    assert claude_code.sniff(Path("s.jsonl"), long_user) is True
    assert codex.sniff(Path("s.jsonl"), long_user) is False


def test_modules_state_their_counting() -> None:
    for module in (claude_code, codex, otlp):
        assert module.NAME and module.DESCRIBES and module.COUNTING
        assert module.__doc__ is not None and "Counting" in module.__doc__


# -- streaming ------------------------------------------------------------------------------------


def claude_line(i: int) -> bytes:
    entry = {
        "parentUuid": f"u-{i}",
        "isSidechain": False,
        "cwd": "/home/dev/big",
        "sessionId": SESSION,
        "version": "2.0.14",
        "message": {
            "id": f"msg_{i:09d}",
            "type": "message",
            "role": "assistant",
            "model": SONNET,
            "content": [{"type": "text", "text": "z" * 600}],
            "usage": {
                "input_tokens": 4,
                "cache_creation_input_tokens": 1987,
                "cache_read_input_tokens": 109385,
                "cache_creation": {
                    "ephemeral_5m_input_tokens": 0,
                    "ephemeral_1h_input_tokens": 1987,
                },
                "output_tokens": 362,
                "service_tier": "standard",
            },
        },
        "requestId": f"req_{i:09d}",
        "type": "assistant",
        "uuid": f"a-{i}",
        "timestamp": "2026-10-09T13:00:37.000Z",
    }
    return json.dumps(entry, separators=(",", ":")).encode() + b"\n"


@pytest.mark.slow
def test_a_50_mb_claude_code_log_streams_in_flat_memory(tmp_path: Path) -> None:
    path = tmp_path / "projects" / "-home-dev-big" / f"{SESSION}.jsonl"
    path.parent.mkdir(parents=True)
    lines = 0
    with path.open("wb") as out:
        while out.tell() < 50 * 2**20:
            out.write(claude_line(lines))
            lines += 1
    tracemalloc.start()
    try:
        records = 0
        tokens = 0
        for item in claude_code.read(path):
            assert isinstance(item, UsageRecord)
            records += 1
            tokens += item.input_tokens
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert records == lines
    assert tokens == lines * (4 + 1987 + 109385)
    assert peak < 20 * 2**20


@pytest.mark.slow
@pytest.mark.parametrize("module", [codex, otlp], ids=lambda m: m.NAME)
def test_codex_and_otlp_lines_stream_in_flat_memory(module: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    if module is codex:
        first = b'{"type":"turn_context","payload":{"model":"gpt-5"}}\n'

        def line(i: int) -> bytes:
            usage = {"input_tokens": 1000 * i, "output_tokens": 10 * i, "pad": "p" * 900}
            return (
                json.dumps(
                    {
                        "timestamp": "2026-05-13T09:00:00Z",
                        "type": "event_msg",
                        "payload": {"type": "token_count", "info": {"total_token_usage": usage}},
                    }
                ).encode()
                + b"\n"
            )
    else:
        first = b""
        template = OTLP_LINES.read_bytes().splitlines()[0]

        def line(i: int) -> bytes:
            return template + b"\n"

    count = 0
    with path.open("wb") as out:
        out.write(first)
        while out.tell() < 50 * 2**20:
            count += 1
            out.write(line(count))
    tracemalloc.start()
    try:
        records = sum(1 for item in module.read(path) if isinstance(item, UsageRecord))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert records == count * (1 if module is codex else 2)
    assert peak < 20 * 2**20


@pytest.mark.slow
def test_claude_code_reading_speed(tmp_path: Path) -> None:
    """Records per second on 100,000 reply lines of about 1 KB; printed, loosely bounded."""
    path = tmp_path / "projects" / "p" / "s.jsonl"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"".join(claude_line(i) for i in range(100_000)))
    started = time.process_time()
    records = sum(1 for _ in claude_code.read(path))
    spent = time.process_time() - started
    assert records == 100_000
    print(f"claude-code: {records / spent:,.0f} lines/s ({spent:.2f} s CPU)")
    assert spent < 20  # a floor for a shared 2-core machine, not the target
