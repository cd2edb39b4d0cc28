"""Readers of the usage APIs, LiteLLM spend logs, llm's logs.db and generic CSV/JSONL.

Every expected record is worked out here from the fixture's own numbers, by the counting rule the
reader states (input is the whole prompt, cache parts inside it; output includes reasoning).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

from aicost.model.errors import AicostError
from aicost.usage.mapping import load_mapping
from aicost.usage.readers import READERS, anthropic_usage, generic, litellm, llm_db, openai_usage
from aicost.usage.record import Malformed, UsageRecord

DATA = Path(__file__).parent / "data" / "usage"
OPENAI = DATA / "openai-usage" / "completions_page.json"
ANTHROPIC = DATA / "anthropic-usage" / "messages_report.json"
LITELLM_CSV = DATA / "litellm" / "spend_logs.csv"
LITELLM_JSONL = DATA / "litellm" / "spend_logs.jsonl"
GENERIC_CSV = DATA / "csv" / "usage.csv"
GENERIC_JSONL = DATA / "jsonl" / "usage.jsonl"


@pytest.fixture
def logs_db(tmp_path: Path) -> Path:
    path = tmp_path / "logs.db"
    db = sqlite3.connect(path)
    db.executescript((DATA / "llm-db" / "logs.sql").read_text(encoding="utf-8"))
    db.commit()
    db.close()
    return path


def records(items: list[UsageRecord | Malformed]) -> list[UsageRecord]:
    return [r for r in items if isinstance(r, UsageRecord)]


def malformed(items: list[UsageRecord | Malformed]) -> list[Malformed]:
    return [r for r in items if isinstance(r, Malformed)]


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts)  # type: ignore[arg-type]


# ---- OpenAI organization usage API -----------------------------------------------------------


def test_openai_usage_buckets() -> None:
    items = list(openai_usage.read(OPENAI))
    got = records(items)
    day = 1764460800  # 2025-11-30T00:00:00Z
    assert dt.datetime(1970, 1, 1) + dt.timedelta(seconds=day) == utc(2025, 11, 30)
    first = got[0]
    # input_tokens includes the cached tokens: both are taken as they stand
    assert (first.ts, first.model, first.provider) == (
        utc(2025, 11, 30),
        "gpt-4o-2024-08-06",
        "openai",
    )
    assert (first.requests, first.bucket_seconds) == (42, 1764547200 - 1764460800)
    assert (first.input_tokens, first.cache_read, first.output_tokens) == (120000, 80000, 30000)
    assert first.fresh_input == 120000 - 80000
    assert first.service_tier == "standard"  # "default" is the list price
    assert first.dims == (("key", "key_alpha"), ("project", "proj_alpha"))
    assert first.where == f"{OPENAI}#data[0].results[0]"
    # batch: true is the batch tier
    assert (got[1].model, got[1].service_tier, got[1].requests) == (
        "gpt-4o-mini-2024-07-18",
        "batch",
        10,
    )
    assert got[1].dims == (("project", "proj_alpha"),)
    # an unknown model is read like any other (pricing reports it)
    assert (got[2].model, got[2].input_tokens, got[2].output_tokens) == ("gpt-imaginary-9", 100, 50)
    # an hourly bucket, flex tier, user dimension
    o3 = got[3]
    assert (o3.ts, o3.bucket_seconds, o3.service_tier) == (utc(2025, 12, 1), 3600, "flex")
    assert (o3.input_tokens, o3.cache_read, o3.output_tokens, o3.requests) == (9000, 1000, 4000, 3)
    assert o3.dims == (("project", "proj_beta"), ("user", "user_7"))
    assert len(got) == 4


def test_openai_usage_malformed_results_are_counted_with_reasons() -> None:
    bad = malformed(list(openai_usage.read(OPENAI)))
    assert [(m.where.rsplit("#", 1)[1], m.reason) for m in bad] == [
        ("data[1].results[1]", "input_tokens is not a whole number ('lots')"),
        ("data[1].results[2]", "input_cached_tokens (20) exceed input_tokens (10)"),
        ("data[1].results[3]", "no model: fetch the usage with group_by=model"),
    ]


def test_openai_usage_same_bucket_twice_shares_a_dedup_key(tmp_path: Path) -> None:
    text = OPENAI.read_text(encoding="utf-8")
    both = tmp_path / "pages.json"
    both.write_text(f"[{text}, {text}]", encoding="utf-8")
    got = records(list(openai_usage.read(both)))
    assert len(got) == 8
    assert got[0].dedup_key == got[4].dedup_key
    assert got[0].where == f"{both}#[0].data[0].results[0]"
    assert got[4].where == f"{both}#[1].data[0].results[0]"
    assert len({r.dedup_key for r in got}) == 4


def test_openai_usage_invalid_json_is_one_malformed(tmp_path: Path) -> None:
    path = tmp_path / "page.json"
    path.write_text('{"object": "page",\n "data": [,]}', encoding="utf-8")
    assert list(openai_usage.read(path)) == [
        Malformed(f"{path}:2:11", "invalid JSON: Expecting value")
    ]


# ---- Anthropic usage report --------------------------------------------------------------------


def test_anthropic_usage_report_counts_the_cache_into_input() -> None:
    got = records(list(anthropic_usage.read(ANTHROPIC)))
    first = got[0]
    # uncached 1500 excludes the cache: + 200 read + 500 5m writes + 1000 1h writes
    assert first.input_tokens == 1500 + 200 + 500 + 1000
    assert (first.cache_read, first.cache_write_5m, first.cache_write_1h) == (200, 500, 1000)
    assert first.fresh_input == 1500
    assert (first.output_tokens, first.requests, first.bucket_seconds) == (500, 1, 86400)
    assert (first.ts, first.provider, first.service_tier) == (
        utc(2025, 8, 1),
        "anthropic",
        "standard",
    )
    assert first.dims == (
        ("context_window", "0-200k"),
        ("key", "apikey_01Rj2N8S"),
        ("workspace", "wrkspc_01JwQvzr"),
    )
    # the long-context hint is kept for the tier choice
    assert got[1].dims[0] == ("context_window", "200k-1M")
    assert got[1].input_tokens == 250000
    # batch tier, no cache_creation object, no dimensions but the missing tier hint
    assert (got[2].service_tier, got[2].input_tokens, got[2].output_tokens) == (
        "batch",
        40000,
        8000,
    )
    assert got[2].dims == (("context_window", "unknown"),)  # not grouped by it: tier unknown
    # an hourly bucket with an unknown model and the priority tier
    assert (got[3].model, got[3].service_tier, got[3].bucket_seconds) == (
        "claude-imaginary-9",
        "priority",
        3600,
    )
    assert len(got) == 4


def test_anthropic_usage_negative_count_is_malformed() -> None:
    bad = malformed(list(anthropic_usage.read(ANTHROPIC)))
    assert bad == [Malformed(f"{ANTHROPIC}#data[1].results[1]", "output_tokens is negative (-5)")]


# ---- LiteLLM spend logs --------------------------------------------------------------------------


def test_litellm_csv_rows() -> None:
    items = list(litellm.read(LITELLM_CSV))
    got = records(items)
    a1 = got[0]
    assert a1 == UsageRecord(
        ts=utc(2026, 3, 24, 22, 2, 42, 975000),
        model="gpt-4o-2024-08-06",
        provider="openai",
        input_tokens=2048,  # prompt_tokens includes the 1024 cached
        cache_read=1024,
        output_tokens=552,
        dims=(
            ("key", "88dc28d0f030c55e"),
            ("session", "sess-1"),
            ("team", "team-red"),
            ("user", "alice"),
        ),
        reported_cost=Decimal("0.0042"),
        reported_currency="USD",
        where=f"{LITELLM_CSV}:2",
        dedup_key="litellm|chatcmpl-a1",
        dedup_rank=(1, 2048 + 552),
    )
    b2 = got[1]
    # LiteLLM adds Anthropic's cache reads and writes into prompt_tokens: 100 fresh + 2000 + 3000
    assert (b2.input_tokens, b2.cache_read, b2.cache_write_5m, b2.cache_write_1h) == (
        5100,
        2000,
        2000,
        1000,
    )
    assert b2.fresh_input == 100
    assert (b2.ts, b2.reported_cost) == (utc(2026, 3, 24, 22, 5), Decimal("0.01383"))
    # the duplicate row of chatcmpl-a1 keeps its key: the engine keeps one of them
    assert got[2].dedup_key == a1.dedup_key and got[2].where == f"{LITELLM_CSV}:4"
    # an offset timestamp and an unknown model
    assert (got[3].model, got[3].ts) == ("imaginary-model-9", utc(2026, 3, 25, 8, 0))
    # prompt_tokens (100) smaller than its cache reads (500): it cannot include them
    assert (got[4].input_tokens, got[4].cache_read) == (100 + 500, 500)
    # reasoning is part of completion_tokens, never added again
    assert (got[5].output_tokens, got[5].reasoning_tokens) == (3000, 2500)
    assert len(got) == 6


def test_litellm_malformed_rows() -> None:
    assert malformed(list(litellm.read(LITELLM_CSV))) == [
        Malformed(f"{LITELLM_CSV}:5", "prompt_tokens is not a whole number ('abc')")
    ]
    cut = LITELLM_JSONL.read_text(encoding="utf-8").splitlines()[1]  # ends inside the object
    assert malformed(list(litellm.read(LITELLM_JSONL))) == [
        Malformed(
            f"{LITELLM_JSONL}:2",
            f"invalid JSON: Expecting ',' delimiter (character {len(cut) + 1})",
        )
    ]


def test_litellm_jsonl_rows() -> None:
    got = records(list(litellm.read(LITELLM_JSONL)))
    first = got[0]
    assert (first.model, first.provider, first.input_tokens, first.output_tokens) == (
        "claude-3-7-sonnet-20250219",
        "anthropic",
        2095,
        503,
    )
    # a JSON number is read exactly, never through a float
    assert first.reported_cost == Decimal("0.01383")
    assert first.ts == utc(2026, 3, 24, 22, 2, 42, 975883)
    # metadata as JSON text; cached tokens from prompt_tokens_details
    gem = got[1]
    assert (gem.input_tokens, gem.cache_read, gem.output_tokens, gem.reasoning_tokens) == (
        300,
        100,
        50,
        20,
    )
    assert (gem.reported_cost, gem.dims) == (Decimal("0.000075"), (("user", "carol"),))


# ---- simonw/llm logs.db ------------------------------------------------------------------------------


def test_llm_db_counts_by_plugin(logs_db: Path) -> None:
    got = records(list(llm_db.read(logs_db)))
    openai, claude, haiku, gemini, o3, unknown = got
    assert openai == UsageRecord(
        ts=utc(2026, 2, 16, 22, 34, 30, 374882),
        model="gpt-4o-2024-08-06",  # the resolved model
        provider=None,
        input_tokens=1480,  # OpenAI's prompt_tokens includes the 1024 cached
        cache_read=1024,
        output_tokens=412,
        where=f"{logs_db}#responses:1",
        dedup_key="llm-db|01jm8ec74wxsdatyn5pq1fp0s5",
    )
    # llm-anthropic: 40 fresh + 5000 read + 3000 written (1000 of them for 1 hour)
    assert (
        claude.input_tokens,
        claude.cache_read,
        claude.cache_write_5m,
        claude.cache_write_1h,
    ) == (
        40 + 5000 + 3000,
        5000,
        2000,
        1000,
    )
    assert (claude.provider, claude.model) == ("anthropic", "claude-sonnet-4-20250514")
    # no details, naive time taken as UTC, the model name without its plugin prefix
    assert (haiku.model, haiku.provider, haiku.input_tokens, haiku.ts) == (
        "claude-3-haiku-20240307",
        "anthropic",
        200,
        utc(2026, 2, 17, 9),
    )
    # an old llm-gemini row logged candidates (80) only: the 120 thoughts are output too
    assert (
        gemini.input_tokens,
        gemini.cache_read,
        gemini.output_tokens,
        gemini.reasoning_tokens,
    ) == (
        700,
        512,
        80 + 120,
        120,
    )
    assert (o3.output_tokens, o3.reasoning_tokens, o3.model) == (1500, 1200, "o3")
    assert unknown.model == "imaginary-model-9"


def test_llm_db_malformed_rows(logs_db: Path) -> None:
    assert malformed(list(llm_db.read(logs_db))) == [
        Malformed(f"{logs_db}#responses:7", "token_details is not JSON"),
        Malformed(f"{logs_db}#responses:8", "no token counts (the model's plugin logs none)"),
    ]


def test_llm_db_is_opened_read_only(logs_db: Path) -> None:
    before = logs_db.read_bytes()
    list(llm_db.read(logs_db))
    assert logs_db.read_bytes() == before
    assert not (logs_db.parent / "logs.db-journal").exists()


# ---- generic CSV / JSONL through a mapping -------------------------------------------------------------


def test_generic_csv_openai_preset() -> None:
    mapping = load_mapping(DATA / "csv" / "openai_map.yaml")
    items = list(generic.read(GENERIC_CSV, mapping=mapping))
    got = records(items)
    assert got[0] == UsageRecord(
        ts=utc(2026, 3, 1, 10),
        model="gpt-4o-2024-08-06",
        provider="openai",
        input_tokens=1000,  # openai: input includes the 400 cached
        cache_read=400,
        output_tokens=200,
        dims=(("project", "alpha"),),
        reported_cost=Decimal("0.0045"),
        reported_currency="USD",
        where=f"{GENERIC_CSV}:2",
        dedup_rank=(1200,),
    )
    # 11:00+01:00 is 10:00 UTC; reasoning stays inside output; flex tier
    o3 = got[1]
    assert (o3.ts, o3.input_tokens, o3.output_tokens, o3.reasoning_tokens, o3.service_tier) == (
        utc(2026, 3, 1, 10),
        5000,
        3000,
        2000,
        "flex",
    )
    # empty optional fields are 0 (read on the careful path): the same record the fast path makes
    assert got[2] == UsageRecord(
        ts=utc(2026, 3, 1, 12),
        model="gpt-4o-mini",
        provider="openai",
        input_tokens=300,
        output_tokens=100,
        reported_cost=Decimal("0.0001"),
        reported_currency="USD",
        where=f"{GENERIC_CSV}:4",
        dedup_rank=(400,),
    )
    assert (got[3].model, got[4].service_tier) == ("imaginary-model-9", "batch")
    assert len(got) == 5
    assert malformed(items) == [
        Malformed(f"{GENERIC_CSV}:5", "input is not a whole number ('12.5')"),
        Malformed(
            f"{GENERIC_CSV}:6",
            "input (10) is less than its cache parts (20 read + 0 written): is preset openai right?",
        ),
        Malformed(f"{GENERIC_CSV}:8", "2 fields, the header has 9"),
    ]


def test_generic_fast_and_careful_paths_build_equal_records(tmp_path: Path) -> None:
    """The fast path fills the record slot by slot; a clean row read both ways must match."""
    mapping = load_mapping(DATA / "csv" / "openai_map.yaml")
    clean = tmp_path / "clean.csv"
    header = "created_at,model,project,prompt_tokens,cached_tokens,completion_tokens,reasoning_tokens,cost,tier\n"
    clean.write_text(header + "2026-03-01T10:00:00Z,gpt-4o,alpha,1000,400,200,50,0.5,priority\n")
    fast = records(list(generic.read(clean, mapping=mapping)))[0]
    values = {"ts": "2026-03-01T10:00:00Z", "model": "gpt-4o", "input": "1000", "cache_read": "400"}
    values |= {"output": "200", "reasoning": "50", "cost": "0.5", "service_tier": "priority"}
    slow = generic._build(
        mapping, values, (("project", "alpha"),), utc(2026, 3, 1, 10), f"{clean}:2"
    )
    assert fast == slow
    assert repr(fast) == repr(slow)  # every slot set, and to values of the same types


def test_generic_jsonl_anthropic_preset_with_paths() -> None:
    mapping = load_mapping(DATA / "jsonl" / "anthropic_map.yaml")
    items = list(generic.read(GENERIC_JSONL, mapping=mapping))
    cut = GENERIC_JSONL.read_text(encoding="utf-8").splitlines()[5]  # ends inside the object
    got = records(items)
    first = got[0]
    # anthropic: input 40 excludes the cache: + 5000 read + 2000 5m + 1000 1h
    assert first == UsageRecord(
        ts=utc(2025, 11, 30, 10),  # 1764496800
        model="claude-sonnet-4-20250514",
        provider="anthropic",
        input_tokens=40 + 5000 + 2000 + 1000,
        cache_read=5000,
        cache_write_5m=2000,
        cache_write_1h=1000,
        output_tokens=300,
        dims=(("project", "alpha"),),
        where=f"{GENERIC_JSONL}:1",
        dedup_key="id|msg_01",
        dedup_rank=(8040 + 300,),
    )
    assert got[1].dedup_key == first.dedup_key  # the duplicate line
    assert got[2].ts == utc(2025, 11, 30, 10, 0, 1, 500000)  # 1764496801.5
    assert got[2].dims == ()
    assert got[3].model == "claude-imaginary-9"
    assert len(got) == 4
    assert malformed(items) == [
        Malformed(f"{GENERIC_JSONL}:5", "no value at usage.output_tokens"),
        Malformed(
            f"{GENERIC_JSONL}:6",
            f"invalid JSON: Expecting ',' delimiter (character {len(cut) + 1})",
        ),
    ]


@pytest.mark.parametrize(
    ("preset", "expected"),
    [
        # input 1000 of which 300 cached; output 200; reasoning 80
        ("openai", (1000, 200, 80)),
        ("otel", (1000, 200, 80)),
        ("gemini", (1000, 200 + 80, 80)),  # thoughts are not in candidates
        ("anthropic", (1000 + 300, 200, 80)),  # input excludes the cache reads
    ],
)
def test_generic_presets(tmp_path: Path, preset: str, expected: tuple[int, int, int]) -> None:
    (tmp_path / "map.yaml").write_text(
        f"preset: {preset}\nmodel: m\nfields:\n  ts: t\n  input: i\n  cache_read: c\n"
        "  output: o\n  reasoning: r\n",
        encoding="utf-8",
    )
    log = tmp_path / "log.csv"
    log.write_text("t,i,c,o,r\n2026-01-01T00:00:00Z,1000,300,200,80\n", encoding="utf-8")
    (record,) = generic.read(log, mapping=load_mapping(tmp_path / "map.yaml"))
    assert isinstance(record, UsageRecord)
    assert (record.input_tokens, record.output_tokens, record.reasoning_tokens) == expected
    assert record.cache_read == 300


def test_generic_unix_ms_and_careful_unix_fraction(tmp_path: Path) -> None:
    (tmp_path / "map.yaml").write_text(
        "preset: openai\ntimestamp_format: unix_ms\nmodel: m\nfields: {ts: t, input: i, output: o}\n",
        encoding="utf-8",
    )
    log = tmp_path / "log.csv"
    log.write_text("t,i,o\n1764460800123,1,1\n1764460800123.5,1,1\n", encoding="utf-8")
    first, second = generic.read(log, mapping=load_mapping(tmp_path / "map.yaml"))
    assert isinstance(first, UsageRecord) and isinstance(second, UsageRecord)
    assert first.ts == utc(2025, 11, 30, 0, 0, 0, 123000)
    assert second.ts == utc(2025, 11, 30, 0, 0, 0, 123500)


def test_generic_without_mapping_names_the_columns_seen() -> None:
    assert generic.sniff(GENERIC_CSV, GENERIC_CSV.read_bytes()) is False
    with pytest.raises(AicostError) as caught:
        list(generic.read(GENERIC_CSV))
    assert "needs a mapping (columns seen: created_at, model, project, prompt_tokens" in str(
        caught.value
    )
    assert generic.columns_seen(GENERIC_JSONL) == ["id", "ts", "model", "usage", "meta"]


# ---- mapping errors: located in the mapping file ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        (
            "preset: azure\nfields: {ts: t, input: i, output: o, model: m}\n",
            "1:1",
            "unknown preset 'azure'",
        ),
        ("fields: {ts: t, input: i, output: o, model: m}\n", "1:1", "needs a preset"),
        (
            "preset: openai\nfields:\n  ts: t\n  inputs: i\n",
            "4:3",
            "unknown field 'inputs'",
        ),
        ("preset: openai\nfields:\n  ts: t\n  model: m\n", "2:1", "no column for input, output"),
        (
            "preset: openai\nmodel: x\nfields:\n  ts: t\n  model: m\n  input: i\n  output: o\n",
            "2:1",
            "both",
        ),
        ("preset: openai\nfields:\n  ts: t\n  ts: u\n", "4:3", "duplicate key 'ts'"),
        ("preset: openai\ntimestamp_format: rfc\n", "2:1", "unknown timestamp_format 'rfc'"),
        ("preset: openai\nfields:\n  ts: [a]\n", "3:3", "fields.ts must name a column"),
        ("preset: openai\ncolumns: {}\n", "2:1", "unknown key 'columns'"),
        ("preset: openai\nfields:\n  input: usage..x\n", "3:3", "has an empty step"),
    ],
)
def test_mapping_errors_are_located(tmp_path: Path, text: str, where: str, message: str) -> None:
    path = tmp_path / "map.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AicostError) as caught:
        load_mapping(path)
    assert str(caught.value.where) == f"{path}:{where}"
    assert message in caught.value.message


def test_mapping_column_missing_from_the_csv_is_located(tmp_path: Path) -> None:
    path = tmp_path / "map.yaml"
    path.write_text(
        "preset: openai\nmodel: m\nfields:\n  ts: created_at\n  input: prompt\n  output: completion_tokens\n",
        encoding="utf-8",
    )
    with pytest.raises(AicostError) as caught:
        list(generic.read(GENERIC_CSV, mapping=load_mapping(path)))
    assert str(caught.value.where) == f"{path}:5:3"
    assert "column 'prompt' is not in the header" in caught.value.message
    assert "prompt_tokens" in caught.value.message  # the columns seen


# ---- detection ---------------------------------------------------------------------------------------


def fixtures(logs_db: Path) -> dict[str, Path]:
    return {
        "openai-usage": OPENAI,
        "anthropic-usage": ANTHROPIC,
        "litellm-csv": LITELLM_CSV,
        "litellm-jsonl": LITELLM_JSONL,
        "llm-db": logs_db,
        "csv": GENERIC_CSV,
        "jsonl": GENERIC_JSONL,
    }


READERS_UNDER_TEST: dict[str, ModuleType] = {
    "openai-usage": openai_usage,
    "anthropic-usage": anthropic_usage,
    "litellm": litellm,
    "llm-db": llm_db,
}


@pytest.mark.parametrize("name", sorted(READERS_UNDER_TEST))
def test_sniff_own_fixture_only(name: str, logs_db: Path) -> None:
    module = READERS_UNDER_TEST[name]
    for label, path in fixtures(logs_db).items():
        head = path.read_bytes()[:65536]
        assert module.sniff(path, head) is (label.split("-csv")[0].split("-jsonl")[0] == name), (
            label
        )


def test_generic_sniffs_only_with_a_mapping(logs_db: Path) -> None:
    mapping = load_mapping(DATA / "csv" / "openai_map.yaml")
    for label, path in fixtures(logs_db).items():
        head = path.read_bytes()[:65536]
        assert generic.sniff(path, head) is False
        assert generic.sniff(path, head, mapping=mapping) is (label != "llm-db"), label


def test_readers_table_names_these_modules() -> None:
    for module in (openai_usage, anthropic_usage, litellm, llm_db, generic):
        assert READERS[module.NAME] == module.__name__
        assert module.DESCRIBES and module.COUNTING
    assert READERS["jsonl"] == generic.__name__
