"""The bundled catalog as refreshed on 2026-11-30 from the price audit of that day.

Every expected amount is worked out by hand from the sheet's numbers (USD per 1M tokens)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

Run = Callable[[Sequence[object]], tuple[int, str, str]]  # the `run` fixture of conftest.py

TODAY = "2026-11-30"
PRICES = Path(__file__).parents[1] / "prices"


def estimate(run: Run, *args: object) -> dict[str, Any]:
    code, out, err = run(["estimate", "-i", "1M", "-o", "1M", "-f", "json", *args])
    assert code == 0, err
    (row,) = json.loads(out)["rows"]
    return row


def listed(run: Run, as_of: str) -> set[str]:
    code, out, err = run(["models", "-f", "json", "--as-of", as_of])
    assert code == 0, err
    return {f"{m['provider']}/{m['id']}" for m in json.loads(out)["models"]}


def test_current_models_are_listed_today(run: Run) -> None:
    models = listed(run, TODAY)
    for ref in (
        "openai/gpt-6-luna",
        "openai/gpt-5.6-sol",
        "anthropic/claude-haiku-5-5",
        "anthropic/claude-opus-4-7",
        "google/gemini-3.8-flash",
        "mistral/mistral-large-4",
        "moonshot/kimi-k2.6",
        "zhipu/glm-5.3",
        "minimax/MiniMax-M3",
        "alibaba/qwen3.8-max",
        "deepseek/deepseek-flash",
        "openai/o3",  # shuts down 2026-12-11: still priced today
    ):
        assert ref in models, ref


def test_retired_models_are_not_listed_today(run: Run) -> None:
    models = listed(run, TODAY)
    for ref in (
        "anthropic/claude-opus-4",
        "anthropic/claude-3-5-haiku",
        "anthropic/claude-sonnet-4-5",
        "openai/o1",
        "openai/gpt-4.1-nano",
        "moonshot/kimi-k2-0905-preview",
        "moonshot-cn/kimi-k2-thinking-turbo",
    ):
        assert ref not in models, ref


@pytest.mark.parametrize(
    ("model", "retired", "before", "input_rate", "output_rate"),
    [
        ("claude-opus-4", "2026-06-15", "2026-06-14", "15", "75"),
        ("claude-opus-4-1", "2026-08-05", "2026-08-04", "15", "75"),
        ("claude-3-5-haiku", "2026-02-19", "2026-02-18", "0.8", "4"),
        ("claude-3-5-sonnet-20240620", "2025-10-22", "2025-10-21", "3", "15"),
        ("o1", "2026-10-23", "2026-10-22", "15", "60"),
        ("o4-mini", "2026-10-23", "2026-10-22", "1.1", "4.4"),
        ("o3", "2026-12-11", "2026-12-10", "2", "8"),
        ("gemini-2.5-flash", "2026-12-01", TODAY, "0.3", "2.5"),
    ],
)
def test_retired_model_errors_after_and_prices_before(
    run: Run, model: str, retired: str, before: str, input_rate: str, output_rate: str
) -> None:
    code, out, err = run(["estimate", "-m", model, "-i", "1M", "-o", "1M", "--as-of", retired])
    assert code == 2 and out == ""
    assert f"retired on {retired}" in err
    row = estimate(run, "-m", model, "--as-of", before)
    assert Decimal(row["input_cost"]) == Decimal(input_rate)
    assert Decimal(row["output_cost"]) == Decimal(output_rate)


def test_mistral_batch_is_half_price(run: Run) -> None:
    row = estimate(run, "-m", "mistral-large-2512", "--batch-share", "1", "--as-of", TODAY)
    assert Decimal(row["total"]) == (Decimal("0.50") + Decimal("1.50")) / 2


@pytest.mark.parametrize(
    ("model", "as_of", "total"),
    [
        ("mistral-medium-latest", "2026-01-01", "2.40"),  # Medium 3.1: 0.40 + 2.00
        ("mistral-medium-latest", TODAY, "9.00"),  # Medium 3.5: 1.50 + 7.50
        ("mistral-small-latest", "2026-03-15", "0.40"),  # Small 3.2: 0.10 + 0.30
        ("mistral-small-latest", TODAY, "0.75"),  # Small 4: 0.15 + 0.60
        ("mistral-medium-2604", TODAY, "9.00"),  # Medium 3.5's dated id
    ],
)
def test_moving_mistral_aliases_have_history(run: Run, model: str, as_of: str, total: str) -> None:
    assert Decimal(estimate(run, "-m", model, "--as-of", as_of)["total"]) == Decimal(total)


def test_mistral_large_4_launch_promotion_and_no_price_before_launch(run: Run) -> None:
    assert Decimal(estimate(run, "-m", "mistral-large-4", "--as-of", "2026-10-25")["total"]) == (
        Decimal("0.68") + Decimal("2.09")
    )
    code, _, err = run(["estimate", "-m", "mistral-large-4", "-i", "1", "--as-of", "2026-10-19"])
    assert code == 2 and "2026-10-20" in err


def test_deepseek_aliases_follow_v4_flash_from_its_launch_day(run: Run) -> None:
    # 2026-04-25: V4-Flash launch rates 0.14 / 0.028 / 0.28, not V3.2's 0.28 / 0.028 / 0.42
    for model in ("deepseek-chat", "deepseek-reasoner"):
        row = estimate(run, "-m", model, "-p", "deepseek", "--as-of", "2026-04-25")
        assert Decimal(row["total"]) == Decimal("0.14") + Decimal("0.28")
    row = estimate(run, "-m", "deepseek-chat", "-p", "deepseek", "--as-of", "2026-04-23")
    assert Decimal(row["total"]) == Decimal("0.28") + Decimal("0.42")


@pytest.mark.parametrize(
    ("ref", "provider", "as_of", "total"),
    [
        ("claude-sonnet-4-5-20250929", "anthropic", "2026-11-01", "18"),  # 3 + 15
        ("gpt-4o-2024-08-06", "openai", TODAY, "12.5"),  # 2.50 + 10.00
        ("deepseek-r1", "deepseek", "2025-07-28", "2.74"),  # R1 0.55 + 2.19
        ("r1", "deepseek", "2025-07-28", "2.74"),
        ("gemini-flash-latest", "google", TODAY, "4.5"),  # 3.8 Flash 0.75 + 3.75
        ("qwen-max-latest", "alibaba", TODAY, "8"),  # qwen3.8-max 2 + 6
    ],
)
def test_snapshot_and_common_names_resolve(
    run: Run, ref: str, provider: str, as_of: str, total: str
) -> None:
    row = estimate(run, "-m", ref, "-p", provider, "--as-of", as_of)
    assert Decimal(row["total"]) == Decimal(total)


@pytest.mark.parametrize(
    ("model", "window"),
    [
        ("openai/gpt-4.1", 1_047_576),
        ("anthropic/claude-opus-4-7", 1_000_000),
        ("deepseek/deepseek-v4-pro", 1_000_000),
    ],
)
def test_context_windows_flag_oversized_requests(run: Run, model: str, window: int) -> None:
    over = estimate(run, "-m", model, "-i", str(window), "-o", "1", "--as-of", TODAY)
    assert any(f"{window:,}-token context window" in w for w in over["warnings"])
    fits = estimate(run, "-m", model, "-i", str(window - 1), "-o", "1", "--as-of", TODAY)
    assert fits["warnings"] == []


def test_qwen_turbo_has_no_batch_discount_in_beijing(run: Run) -> None:
    row = estimate(
        run,
        "-m",
        "alibaba-cn/qwen-turbo",
        "--batch-share",
        "1",
        "--currency",
        "CNY",
        "--as-of",
        TODAY,
    )
    assert Decimal(row["total"]) == Decimal("0.3") + Decimal("3")  # list price, no x0.5


def test_haiku_5_5_long_prompt_tier(run: Run) -> None:
    row = estimate(run, "-m", "claude-haiku-5-5", "-i", "100001", "-o", "0", "--as-of", TODAY)
    assert Decimal(row["total"]) == Decimal("0.50") * 100001 / 1_000_000


def test_every_bundled_sheet_is_reviewed_and_schema_linked() -> None:
    sheets = sorted(PRICES.glob("*.yaml"))
    assert sheets
    for sheet in sheets:
        text = sheet.read_text()
        assert text.splitlines()[0] == "# yaml-language-server: $schema=./aicost.schema.json", sheet
        data = yaml.safe_load(text)
        if "models" in data:
            assert str(data["checked"]) == TODAY, sheet


def test_bundled_catalog_validates_clean(run: Run) -> None:
    code, _, err = run(["validate"])
    assert code == 0
    assert "0 error(s), 0 warning(s)" in err


# Schema 1.1 data: 1-hour cache writes, service tiers, context windows, dated exchange rates.


def priced(run: Run, model: str, *args: object, as_of: str = TODAY) -> dict[str, Any]:
    code, out, err = run(["estimate", "-m", model, *args, "-f", "json", "--as-of", as_of])
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def test_no_schema_1_1_comment_markers_are_left() -> None:
    for sheet in PRICES.glob("*.yaml"):
        assert "# 1.1:" not in sheet.read_text(encoding="utf-8"), sheet.name


@pytest.mark.parametrize(
    ("model", "tokens", "cost"),
    [("anthropic/claude-opus-5", "1M", "10"), ("anthropic/claude-haiku-4-5", "100k", "0.2")],
)
def test_claude_one_hour_cache_write_is_twice_input(
    run: Run, model: str, tokens: str, cost: str
) -> None:
    args = ("-i", tokens, "--cache-write-1h-tokens", tokens, "-o", "0")
    (row,) = priced(run, model, *args)["rows"]
    # every input token written to the 1-hour cache at cache_write_1h (2x input): Opus 5
    # 1M x 10 = 10, Haiku 4.5 100k x 2 = 0.2; not the 5-minute write (6.25 / 1.25)
    assert Decimal(row["cache_write_cost"]) == Decimal(cost)
    assert Decimal(row["total"]) == Decimal(cost)
    assert row["warnings"] == []


def test_openai_batch_keeps_cached_reads_at_the_standard_rate(run: Run) -> None:
    args = ("-i", "1M", "--cached-tokens", "500k", "-o", "1M", "--batch-share", "1")
    (row,) = priced(run, "openai/gpt-4.1", *args)["rows"]
    # batch 1.00 / cached 0.50 (standard, not 0.25) / 4.00: 0.5 + 0.25 + 4
    assert Decimal(row["cached_cost"]) == Decimal("0.25")
    assert Decimal(row["total"]) == Decimal("4.75")


@pytest.mark.parametrize(
    ("model", "cached"),
    [
        ("google/gemini-2.5-flash", "0.03"),  # batch keeps the standard 0.03 cache read
        ("google/gemini-3.6-flash", "0.0375"),  # batch halves 0.075 (the sheet multiplier)
        ("google/gemini-3.5-flash-lite", "0.02"),  # explicit, published rounded rate
    ],
)
def test_gemini_batch_cached_reads(run: Run, model: str, cached: str) -> None:
    args = ("-i", "1M", "--cached-tokens", "1M", "-o", "0", "--batch-share", "1")
    (row,) = priced(run, model, *args)["rows"]
    assert Decimal(row["cached_cost"]) == Decimal(cached)
    assert Decimal(row["total"]) == Decimal(cached)


def test_priority_share_is_a_multiplier_on_list(run: Run) -> None:
    args = ("-i", "1M", "-o", "1M", "--service-tier-share", "priority=0.5")
    (row,) = priced(run, "openai/gpt-4o", *args)["rows"]
    # list 2.50 + 10.00; priority x1.7 = 4.25 + 17.00; half of each: 6.375 + 10.5 = 16.875
    assert Decimal(row["total"]) == Decimal("16.875")


def test_gpt_5_4_priority_is_flat_above_272k(run: Run) -> None:
    args = ("-i", "300k", "-o", "100k", "--service-tier-share", "priority=1")
    (row,) = priced(run, "openai/gpt-5.4", *args)["rows"]
    # priority 5.00 / 30.00 with no long-context tier: 300k x 5 + 100k x 30 = 1.5 + 3
    assert Decimal(row["total"]) == Decimal("4.5")


def test_o4_mini_flex_cached_rate_is_the_published_one(run: Run) -> None:
    args = ("-i", "1M", "--cached-tokens", "1M", "-o", "1M", "--service-tier-share", "flex=1")
    (row,) = priced(run, "openai/o4-mini", *args, as_of="2026-10-22")["rows"]  # retired 10-23
    # flex cached 0.138 (not 0.275 x 0.5 = 0.1375), output 2.20
    assert Decimal(row["cached_cost"]) == Decimal("0.138")
    assert Decimal(row["total"]) == Decimal("2.338")


@pytest.mark.parametrize(
    ("model", "as_of", "tokens", "fx_date", "cny"),
    [
        # launch promotion: input 1 CNY per 1M; 7,246,500 tokens = 7.2465 CNY = 1 USD at 7.2465
        ("deepseek-cn/deepseek-chat", "2025-02-01", "7246500", "2025-01-27", "7.2465"),
        # standard price: input 2 CNY; 3,625,000 tokens = 7.25 CNY = 1 USD at 7.2500
        ("deepseek-cn/deepseek-chat", "2025-03-01", "3625000", "2025-02-24", "7.2500"),
        # today: V4.1 Flash input 2 CNY; 3,326,450 tokens = 6.6529 CNY = 1 USD at 6.6529
        ("deepseek-cn/deepseek-flash", TODAY, "3326450", "2026-10-30", "6.6529"),
    ],
)
def test_cny_prices_convert_at_the_rate_of_their_date(
    run: Run, model: str, as_of: str, tokens: str, fx_date: str, cny: str
) -> None:
    data = priced(run, model, "-i", tokens, "-o", "0", as_of=as_of)
    (row,) = data["rows"]
    assert Decimal(row["total"]) == Decimal(1)
    assert data["fx"]["date"] == fx_date
    assert Decimal(data["fx"]["rates"]["CNY"]) == Decimal(cny)


def test_eur_before_the_newest_rates_is_an_error_not_a_stale_rate(run: Run) -> None:
    code, out, err = run(
        [
            # priced on that day (from its snapshot date 2025-05-14), so the rate is what fails
            *("estimate", "-m", "anthropic/claude-opus-4", "-i", "1M", "-o", "1M"),
            *("--currency", "EUR", "--as-of", "2025-06-01"),
        ]
    )
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("error: no exchange rate for EUR")


# Current models whose window no source gives (a comment in the sheet says so).
NO_WINDOW = {"alibaba-cn/qvq-max", "alibaba-cn/qvq-plus"}


def test_every_current_model_has_a_context_window(run: Run) -> None:
    code, out, err = run(["models", "-f", "json", "--as-of", TODAY])
    assert code == 0, err
    models = json.loads(out)["models"]
    missing = {f"{m['provider']}/{m['id']}" for m in models if m["context_window"] is None}
    assert missing == NO_WINDOW
    assert len(models) - len(missing) == 119


def test_readme_states_the_bundled_counts(run: Run) -> None:
    sheets = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in PRICES.glob("*.yaml")]
    priced_sheets = [s for s in sheets if isinstance(s, dict) and s.get("models")]
    total = sum(len(s["models"]) for s in priced_sheets)
    companies = {s["provider"].removesuffix("-cn") for s in priced_sheets}
    code, out, err = run(["models", "-f", "json", "--as-of", TODAY])
    assert code == 0, err
    current = len(json.loads(out)["models"])
    readme = (PRICES.parent / "README.md").read_text(encoding="utf-8")
    assert f"catalog of {len(companies)} providers" in readme
    assert f"in {len(priced_sheets)} price\nsheets" in readme
    assert f"{total} models, {current} of them priced on\n{TODAY}" in readme
    assert {s["checked"].isoformat() for s in priced_sheets} == {TODAY}
