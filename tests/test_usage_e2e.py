"""Every usage reader end to end: `aicost usage price FIXTURE --prices tests/data/usage/sheets`,
totals and coverage computed here by hand from the fixtures' counts and the sheets' rates.

Rates (USD per 1M tokens) from tests/data/usage/sheets/real-anthropic.yaml and real-openai.yaml:
  claude-sonnet-4-5  tier <= 200,000: in 3, cached 0.3, write 3.75, 1h write 6, out 15
                     tier above:      in 6, cached 0.6, write 7.5, 1h write 12, out 22.5
                     batch x0.5, priority x2, flex x0.5
  claude-haiku-4-5   before 2026-03-02 16:00 UTC: in 2, cached 0.2, write 2.5, 1h 4, out 10
                     from then on: in 1, cached 0.1, write 1.25, 1h 2, out 5; off-peak 16:30-00:30 x0.5
  gpt-4o             in 2, cached 1, out 8; batch x0.5
  o3                 in 2, cached 0.5, out 8; batch x0.5, flex x0.5
  gpt-5.2            before 2026-03-02 16:00 UTC: in 2, cached 0.2, out 20
                     from then on: in 1, cached 0.1, out 10; off-peak 16:30-00:30 x0.5
"""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from conftest import Run

HERE = Path(__file__).parent
SHEETS = HERE / "data" / "usage" / "sheets"
E2E = HERE / "data" / "usage" / "e2e"
M = D(1_000_000)

SONNET = {"in": D(3), "cached": D("0.3"), "w5": D("3.75"), "w1": D(6), "out": D(15)}
SONNET_LONG = {"in": D(6), "cached": D("0.6"), "w5": D("7.5"), "w1": D(12), "out": D("22.5")}
HAIKU_OLD = {"in": D(2), "cached": D("0.2"), "w5": D("2.5"), "w1": D(4), "out": D(10)}
HAIKU = {"in": D(1), "cached": D("0.1"), "w5": D("1.25"), "w1": D(2), "out": D(5)}
GPT4O = {"in": D(2), "cached": D(1), "out": D(8)}
O3 = {"in": D(2), "cached": D("0.5"), "out": D(8)}
GPT52_OLD = {"in": D(2), "cached": D("0.2"), "out": D(20)}
GPT52 = {"in": D(1), "cached": D("0.1"), "out": D(10)}


def cost(
    rates: dict[str, D],
    fresh: int = 0,
    cached: int = 0,
    w5: int = 0,
    w1: int = 0,
    out: int = 0,
    times: D = D(1),
) -> D:
    """One request (or bucket) by hand: each part at its rate, per million, times a multiplier."""
    zero = D(0)
    amount = (
        fresh * rates["in"]
        + cached * rates["cached"]
        + w5 * rates.get("w5", zero)
        + w1 * rates.get("w1", zero)
        + out * rates["out"]
    )
    return amount * times / M


def price(run: Run, *args: object) -> tuple[dict[str, Any], str]:
    code, out, err = run(["usage", "price", *args, "--prices", SHEETS, "-f", "json"])
    assert code == 0, err
    return json.loads(out), err


def totals_by_model(data: dict[str, Any]) -> dict[str, D]:
    return {r["model"]: D(r["total"]) for r in data["rows"]}


def check_coverage(data: dict[str, Any], **expected: int) -> None:
    coverage = data["coverage"]
    got = {k: coverage[k] for k in expected}
    assert got == expected


def test_claude_code(run: Run) -> None:
    data, err = price(run, E2E / "claude-code")
    sonnet = (
        cost(SONNET, fresh=100, cached=10_000, w5=500, w1=1_500, out=400)  # 1-hour writes
        + cost(SONNET, fresh=1_000, cached=199_000, out=100)  # prompt 200,000: first tier
        + cost(SONNET_LONG, fresh=1_001, cached=199_000, out=100)  # 200,001: the next
    )
    haiku = (
        cost(HAIKU_OLD, fresh=1_000, out=100)  # 15:59, before the price change
        + cost(HAIKU, fresh=1_000, out=100)  # 16:00, the new price
        + cost(HAIKU, fresh=1_000, out=100)  # 16:29, outside the window
        + cost(HAIKU, fresh=1_000, out=100, times=D("0.5"))  # 16:30, off-peak
    )
    assert sonnet == D("0.212031") and haiku == D("0.00675")
    assert totals_by_model(data) == {"claude-sonnet-4-5": sonnet, "claude-haiku-4-5": haiku}
    assert D(data["totals"]["total"]) == sonnet + haiku
    assert data["totals"]["cache_write_1h_tokens"] == 1_500
    assert data["totals"]["cache_write_5m_tokens"] == 500
    assert data["totals"]["input_tokens"] == 12_100 + 200_000 + 200_001 + 4 * 1_000
    check_coverage(
        data,
        records_read=9,  # 8 replies and one duplicate
        priced_records=7,
        unpriced_records=1,
        malformed=1,
        duplicates_dropped=1,
    )
    assert data["coverage"]["unpriced"][0]["model"] == "claude-imaginary-9"
    assert "s-e2e.jsonl:11: not valid JSON" in err


def test_claude_code_by_project_and_session(run: Run) -> None:
    data, _ = price(run, E2E / "claude-code", "--by", "project", "--by", "session")
    assert [(r["project"], r["session"]) for r in data["rows"]] == [("-home-dev-e2e", "s-e2e")]
    assert D(data["rows"][0]["total"]) == D("0.212031") + D("0.00675")


def test_codex_reasoning_and_the_price_change(run: Run) -> None:
    data, err = price(run, E2E / "codex")
    # cumulative counts as deltas; input includes cached, output includes reasoning
    expected = (
        cost(GPT52_OLD, fresh=600, cached=400, out=300)  # 15:59: old price
        + cost(GPT52, fresh=1_000, out=100)  # 16:00: new price (a repeat at 16:00:30 adds 0)
        + cost(GPT52, fresh=500, cached=500, out=100)  # 16:29
        + cost(GPT52, fresh=1_000, cached=1_000, out=200, times=D("0.5"))  # 16:30 off-peak
    )
    assert expected == D("0.01238")
    assert totals_by_model(data) == {"gpt-5.2": expected}
    totals = data["totals"]
    assert (totals["output_tokens"], totals["reasoning_tokens"]) == (700, 400)
    assert (totals["input_tokens"], totals["cache_read_tokens"]) == (5_000, 1_900)
    check_coverage(data, priced_records=4, unpriced_records=1, malformed=1)
    assert data["coverage"]["unpriced"][0]["model"] == "gpt-imaginary"
    assert "rollout-2026-03-02T15-00-00-cx-e2e.jsonl:8:" in err


def test_otlp_spans(run: Run) -> None:
    data, _ = price(run, E2E / "otlp" / "spans.jsonl")
    o3 = cost(O3, fresh=2_000, cached=1_000, out=2_000, times=D("0.5"))  # flex tier
    sonnet = cost(SONNET, fresh=2_000, cached=8_000, w5=2_000, out=500)
    assert (o3, sonnet) == (D("0.01025"), D("0.0234"))
    assert totals_by_model(data) == {"o3": o3, "claude-sonnet-4-5": sonnet}
    assert data["totals"]["reasoning_tokens"] == 1_500
    check_coverage(data, priced_records=2, unpriced_records=1, malformed=1, duplicates_dropped=1)


def test_openai_usage_buckets(run: Run) -> None:
    data, _ = price(run, E2E / "openai-usage" / "completions.json")
    standard = cost(GPT4O, fresh=40_000, cached=80_000, out=30_000)  # a bucket of 42 requests
    batch = cost(GPT4O, fresh=50_000, out=10_000, times=D("0.5"))  # batch: true
    flex = cost(O3, fresh=8_000, cached=1_000, out=4_000, times=D("0.5"))
    assert (standard, batch, flex) == (D("0.4"), D("0.09"), D("0.02425"))
    assert totals_by_model(data) == {"gpt-4o": standard + batch, "o3": flex}
    assert data["totals"]["requests"] == 42 + 10 + 3
    check_coverage(data, priced_records=3, unpriced_records=1, malformed=1)
    by_project, _ = price(run, E2E / "openai-usage", "--by", "project", "--by", "service_tier")
    got = {(r["project"], r["service_tier"]): D(r["total"]) for r in by_project["rows"]}
    assert got == {
        ("proj_a", "standard"): standard,
        ("proj_a", "flex"): flex,
        ("proj_b", "batch"): batch,
    }


def test_anthropic_report_tiers_from_context_window(run: Run) -> None:
    data, _ = price(run, E2E / "anthropic-usage" / "report.json")
    # 530,000 tokens in one day's bucket, but the report says the requests were "0-200k"
    short = cost(SONNET, fresh=300_000, cached=200_000, w5=10_000, w1=20_000, out=50_000)
    long = cost(SONNET_LONG, fresh=250_000, out=1_000)  # "200k-1M"
    unknown = cost(SONNET, fresh=40_000, out=8_000, times=D("0.5"))  # batch, no hint: lowest tier
    priority = cost(SONNET, fresh=1_000, out=100, times=D(2))  # priority_on_demand
    flex = cost(SONNET, fresh=1_000, out=100, times=D("0.5"))  # flex_discount
    haiku = cost(HAIKU_OLD, fresh=1_000, out=100) + cost(HAIKU, fresh=1_000, out=100)
    assert short == D("1.8675") and long == D("1.5225") and unknown == D("0.12")
    assert totals_by_model(data) == {
        "claude-sonnet-4-5": short + long + unknown + priority + flex,
        "claude-haiku-4-5": haiku,
    }
    check_coverage(
        data, priced_records=7, unpriced_records=1, malformed=1, tier_unknown=1, tier_by_average=0
    )
    assert data["coverage"]["service_tier_not_offered"] == []
    by_tier, _ = price(run, E2E / "anthropic-usage", "--by", "service_tier")
    got = {r["service_tier"]: D(r["total"]) for r in by_tier["rows"]}
    assert got == {
        "standard": short + long + haiku,
        "batch": unknown,
        "priority": priority,
        "flex": flex,
    }


def test_litellm_duplicate_and_reconcile(run: Run) -> None:
    data, _ = price(run, E2E / "litellm", "--reconcile", "--by", "key")
    gpt4o = cost(GPT4O, fresh=1_000, cached=1_000, out=500)
    sonnet = cost(SONNET, fresh=100, cached=2_000, w5=2_000, w1=1_000, out=500)
    o3 = cost(O3, fresh=1_000, out=2_000)
    rows = {r["key"]: (D(r["total"]), D(r["reported"])) for r in data["rows"]}
    # reported spend: r1 0.0069 (counted once), r2 0.02, r3 0.018; r4's model is unknown
    assert rows == {
        "k-alpha": (gpt4o + o3, D("0.0069") + D("0.018")),
        "k-beta": (sonnet, D("0.02")),
    }
    assert D(data["totals"]["reported"]) == D("0.0449")
    assert D(data["totals"]["total"]) == D("0.0469")
    check_coverage(data, priced_records=3, unpriced_records=1, malformed=1, duplicates_dropped=1)


@pytest.fixture
def logs_db(tmp_path: Path) -> Path:
    path = tmp_path / "logs.db"
    db = sqlite3.connect(path)
    db.executescript((E2E / "llm-db" / "logs.sql").read_text(encoding="utf-8"))
    db.commit()
    db.close()
    return path


def test_llm_db(run: Run, logs_db: Path) -> None:
    data, _ = price(run, logs_db)
    o3 = cost(O3, fresh=2_000, cached=1_000, out=2_000)
    # llm-anthropic: input_tokens excludes the cache; 1-hour writes from cache_creation
    haiku = cost(HAIKU_OLD, fresh=40, cached=5_000, w5=2_000, w1=1_000, out=300) + cost(
        HAIKU, fresh=40, cached=5_000, w5=2_000, w1=1_000, out=300, times=D("0.5")
    )
    assert (o3, haiku) == (D("0.0205"), D("0.01308") + D("0.00327"))
    assert totals_by_model(data) == {"o3": o3, "claude-haiku-4-5": haiku}
    check_coverage(data, priced_records=3, unpriced_records=1, malformed=1)


def test_generic_csv_with_map(run: Run) -> None:
    data, _ = price(
        run, E2E / "csv" / "usage.csv", "--map", E2E / "csv" / "map.yaml", "--by", "project"
    )
    alpha = cost(GPT52_OLD, fresh=1_000, out=100) + cost(GPT52, fresh=500, cached=500, out=100)
    beta = cost(GPT52, fresh=1_000, out=100, times=D("0.5")) + cost(
        GPT4O, fresh=1_000, cached=1_000, out=500, times=D("0.5")
    )
    assert (alpha, beta) == (D("0.00555"), D("0.0045"))
    assert {r["project"]: D(r["total"]) for r in data["rows"]} == {"alpha": alpha, "beta": beta}
    check_coverage(data, priced_records=4, unpriced_records=1, malformed=1)


def test_generic_csv_without_map_names_its_columns(run: Run) -> None:
    code, out, err = run(["usage", "price", E2E / "csv" / "usage.csv", "--prices", SHEETS])
    assert (code, out) == (2, "")
    assert err.startswith("error: ") and err.count("\n") == 1
    assert "needs --map (columns seen: created_at, model, project, prompt_tokens," in err
    code, _, err = run(["usage", "price", E2E / "csv" / "usage.csv", "--from", "csv"])
    assert code == 2 and "needs --map" in err


def test_compare_actual_vs_each_target(run: Run) -> None:
    args = ["usage", "compare", E2E / "claude-code", "--prices", SHEETS]
    args += ["-m", "claude-haiku-4-5", "-m", "lab-old", "--when", "record"]
    code, out, err = run(args)
    assert code == 0
    expected = """\
The same usage priced elsewhere · USD · prices: record

 Priced on                   Records  Unpriced    Total  Change
 ──────────────────────────────────────────────────────────────
 as logged                         7         1  $0.2188       -
 anthropic/claude-haiku-4-5        8         0  $0.1058       -
 lab/lab-old                       0         8    $0.00       -

7 record(s) priced; 1 unpriced (never counted as zero; see stderr); 1 malformed, skipped; 1
duplicate(s) dropped
"""
    assert [line.rstrip() for line in out.splitlines()] == expected.splitlines()
    assert "unpriced on lab/lab-old: 8 record(s) of 'lab/lab-old': retired" in err

    code, out, _ = run([*args, "-f", "json"])
    data = json.loads(out)
    rows = {r["target"]: r for r in data["rows"]}
    logged = D("0.212031") + D("0.00675")
    assert (D(rows[None]["total"]), rows[None]["unpriced_records"]) == (logged, 1)
    # on haiku at each record's moment: the sonnet replies at 12:00-12:06 meet its old price, the
    # unknown model's reply at 17:00 its new one, off-peak
    haiku = (
        cost(HAIKU_OLD, fresh=100, cached=10_000, w5=500, w1=1_500, out=400)
        + cost(HAIKU_OLD, fresh=1_000, cached=199_000, out=100)
        + cost(HAIKU_OLD, fresh=1_001, cached=199_000, out=100)
        + D("0.00675")
        + cost(HAIKU, fresh=10, out=5, times=D("0.5"))
    )
    assert haiku == D("0.1058195")
    target = rows["anthropic/claude-haiku-4-5"]
    assert (D(target["total"]), target["records"], target["unpriced_records"]) == (haiku, 8, 0)
    old = rows["lab/lab-old"]  # retired before every record: counted, never priced as zero
    assert (old["records"], old["unpriced_records"], D(old["total"])) == (0, 8, D(0))
    unpriced = [(u["target"], u["reason"], u["records"]) for u in data["coverage"]["unpriced"]]
    assert unpriced == [(None, "unknown model", 1), ("lab/lab-old", "retired", 8)]


def test_price_table_fits_100_columns(run: Run) -> None:
    code, out, _ = run(["usage", "price", E2E / "claude-code", "--prices", SHEETS])
    assert code == 0
    expected = """\
Usage · USD

 Model                        Records  Input tok  Output tok      Total
 ──────────────────────────────────────────────────────────────────────
 anthropic/claude-haiku-4-5         4      4,000         400  $0.006750
 anthropic/claude-sonnet-4-5        3    412,101         600    $0.2120
 Total                              7    416,101       1,000    $0.2188

Cost parts · USD

 Model                            Input   Cached  Cache write     Output      Total
 ──────────────────────────────────────────────────────────────────────────────────
 anthropic/claude-haiku-4-5   $0.004500        -            -  $0.002250  $0.006750
 anthropic/claude-sonnet-4-5  $0.009306  $0.1821     $0.01088  $0.009750    $0.2120
 Total                         $0.01381  $0.1821     $0.01088   $0.01200    $0.2188

7 record(s) priced; 1 unpriced (never counted as zero; see stderr); 1 malformed, skipped; 1
duplicate(s) dropped
"""
    assert [line.rstrip() for line in out.splitlines()] == expected.splitlines()
    assert max(len(line) for line in out.splitlines()) <= 100
