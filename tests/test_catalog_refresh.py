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
