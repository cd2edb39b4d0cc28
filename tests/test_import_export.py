"""`aicost import` / `aicost export`: LiteLLM and genai-prices catalogs to and from aicost sheets.

The fixtures in tests/data/catalogs/ are small files in each peer's own shape (genai-prices' JSON is
the shape its package parses with `_providers_from_raw`). Every expected rate is worked out by hand:
LiteLLM prices per token, aicost per 1M tokens.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from aicost.catalogs import EXPORTERS, genai_prices, litellm
from aicost.catalogs.common import plan_sheets
from aicost.model.catalog import BUNDLED
from aicost.model.prices import ModelPrice, Period, Rates
from aicost.sheets.loader import load_text
from aicost.sheets.sources import load_catalog
from conftest import DATA, Run

CATALOGS = DATA / "catalogs"
LITELLM = CATALOGS / "litellm.json"
GENAI = CATALOGS / "genai-prices.json"
D = Decimal


def imported(run: Run, peer: str, source: Path, out: Path, *args: object) -> dict[str, Any]:
    code, stdout, stderr = run(["import", peer, source, "-o", out, "-f", "json", *args])
    assert code == 0, stderr
    data: dict[str, Any] = json.loads(stdout)
    return data


def model(directory: Path, provider: str, model_id: str) -> ModelPrice:
    path = directory / f"{provider}.yaml"
    sheet = load_text(path.read_text(encoding="utf-8"), str(path)).sheet
    assert sheet is not None
    (found,) = [m for m in sheet.models if m.id == model_id]
    return found


def flat(rates: Rates) -> tuple[Any, ...]:
    return (
        rates.up_to,
        rates.input,
        rates.cached_input,
        rates.cache_write,
        rates.cache_write_1h,
        rates.output,
    )


# -- LiteLLM in -------------------------------------------------------------------------------------


def test_litellm_per_token_prices_become_exact_per_million_prices(run: Run, tmp_path: Path) -> None:
    imported(run, "litellm", LITELLM, tmp_path)
    gpt = model(tmp_path, "openai", "gpt-test")
    # 3e-06 x 1,000,000 = 3; 1.5e-05 -> 15; 3e-07 -> 0.3 (exactly, no float noise)
    assert [flat(t) for t in gpt.current.tiers] == [(None, D(3), D("0.3"), None, None, D(15))]
    assert gpt.context_window == 128000
    assert gpt.retired == dt.datetime(2027, 1, 31)
    # batch: 1.5e-06 / 3e-06 = 0.5, 7.5e-06 / 1.5e-05 = 0.5, 1.5e-07 / 3e-07 = 0.5 -> one multiplier
    assert gpt.current.batch_multiplier == D("0.5")
    priority = gpt.current.service_tier("priority")
    assert priority is not None and priority.multiplier == D(2)  # 6e-06 / 3e-06, 3e-05 / 1.5e-05
    text = (tmp_path / "openai.yaml").read_text(encoding="utf-8")
    assert "input: 3\n" in text and "cached_input: 0.3\n" in text


def test_litellm_one_hour_writes_tiers_and_an_uneven_batch_rate(run: Run, tmp_path: Path) -> None:
    imported(run, "litellm", LITELLM, tmp_path)
    claude = model(tmp_path, "anthropic", "claude-test")
    # 200k tier: above_200k input 6e-06 -> 6, output 2.25e-05 -> 22.5; the cache rates have no
    # above-200k price, so they stay at their base (0.3, 3.75, 1h 6)
    assert [flat(t) for t in claude.current.tiers] == [
        (200000, D(3), D("0.3"), D("3.75"), D(6), D(15)),
        (None, D(6), D("0.3"), D("3.75"), D(6), D("22.5")),
    ]
    # batch cached read 1.3e-07 -> 0.13, not half of 0.3: explicit rates, not a multiplier
    batch = claude.current.service_tier("batch")
    assert batch is not None and batch.multiplier is None and batch.tiers is not None
    assert [flat(t) for t in batch.tiers] == [
        (200000, D("1.5"), D("0.13"), D("3.75"), D(6), D("7.5")),
        (None, D(6), D("0.13"), D("3.75"), D(6), D("22.5")),
    ]


def test_litellm_272k_tier_provider_prefix_and_mapping(run: Run, tmp_path: Path) -> None:
    imported(run, "litellm", LITELLM, tmp_path)
    gemini = model(tmp_path, "google", "gemini-test")  # gemini -> google, "gemini/" stripped
    assert [flat(t) for t in gemini.current.tiers] == [
        (272000, D("2.5"), D("0.25"), None, None, D(15)),
        (None, D(5), D("0.5"), None, None, D("22.5")),
    ]
    qwen = model(tmp_path, "alibaba", "qwen-test")  # dashscope -> alibaba; tiered_pricing ranges
    assert [flat(t) for t in qwen.current.tiers] == [
        (256000, D("0.05"), None, None, None, D("0.4")),
        (None, D("0.25"), None, None, None, D(2)),
    ]


def test_litellm_off_peak_pricing_becomes_discount_windows(run: Run, tmp_path: Path) -> None:
    imported(run, "litellm", LITELLM, tmp_path)
    deepseek = model(tmp_path, "deepseek", "deepseek-test")
    weekdays, weekend = deepseek.current.windows
    assert weekdays.days == (0, 1, 2, 3, 4)  # LiteLLM weekdays 1-5 = Monday to Friday
    assert weekdays.hours == ((0, 60), (600, 1440))  # "10:00-00:00" runs to midnight
    assert weekend.days == (5, 6) and weekend.hours == ()  # "00:00-00:00" = the whole day
    assert weekend.rates is not None
    assert (weekend.rates.input, weekend.rates.cached_input, weekend.rates.output) == (
        D("0.15"),
        D("0.003"),
        D("0.6"),
    )


def test_litellm_report_lists_what_aicost_cannot_hold_and_what_it_skipped(
    run: Run, tmp_path: Path
) -> None:
    code, stdout, stderr = run(["import", "litellm", LITELLM, "-o", tmp_path, "-f", "json"])
    assert code == 0, stderr
    report = json.loads(stdout)
    assert report["kind"] == "import"
    assert [p["provider"] for p in report["providers"]] == [
        "alibaba",
        "anthropic",
        "deepseek",
        "google",
        "openai",
    ]
    # zero-priced fields (code_interpreter 0.0) lose nothing and are not listed
    assert report["not_kept"] == [
        {
            "provider": "openai",
            "model": "gpt-test",
            "key": "gpt-test",
            "fields": ["input_cost_per_audio_token", "search_context_cost_per_query"],
        }
    ]
    assert "openai/gpt-test (gpt-test): not kept: input_cost_per_audio_token" in stderr
    assert report["skipped"] == {"mode embedding": 1}
    invalid = {row["key"] for row in report["invalid"]}
    assert invalid == {"openrouter/openai/gpt-test", "audio-only-test"}
    assert "1 entries skipped" in stderr
    sheet = (tmp_path / "openai.yaml").read_text(encoding="utf-8")
    assert "  # litellm: gpt-test\n  gpt-test:\n" in sheet
    assert "source: " in sheet and f"checked: {dt.datetime.now(dt.UTC).date()}" in sheet


def test_provider_filter_writes_only_those_sheets(run: Run, tmp_path: Path) -> None:
    report = imported(run, "litellm", LITELLM, tmp_path, "--provider", "google")
    assert [p["provider"] for p in report["providers"]] == ["google"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["google.yaml"]


def test_unknown_provider_filter_is_an_error_with_a_suggestion(run: Run, tmp_path: Path) -> None:
    code, stdout, stderr = run(["import", "litellm", LITELLM, "-o", tmp_path, "-p", "gogle"])
    assert code == 2 and stdout == ""
    assert stderr.startswith("error: no provider 'gogle'") and "'google'" in stderr
    assert list(tmp_path.iterdir()) == []


def test_import_never_overwrites_without_force_and_writes_nothing(run: Run, tmp_path: Path) -> None:
    (tmp_path / "google.yaml").write_text("keep me\n", encoding="utf-8")
    code, stdout, stderr = run(["import", "litellm", LITELLM, "-o", tmp_path])
    assert code == 2 and stdout == ""
    assert stderr.count("\n") == 1 and "google.yaml exists" in stderr and "--force" in stderr
    # refused before any file was written: not even the providers that come first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["google.yaml"]
    assert (tmp_path / "google.yaml").read_text(encoding="utf-8") == "keep me\n"
    code, _, stderr = run(["import", "litellm", LITELLM, "-o", tmp_path, "--force"])
    assert code == 0, stderr
    assert "gemini-test" in (tmp_path / "google.yaml").read_text(encoding="utf-8")


def test_an_unreadable_catalog_is_one_error_line(run: Run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    code, stdout, stderr = run(["import", "litellm", bad, "-o", tmp_path / "out"])
    assert code == 2 and stdout == ""
    assert stderr.startswith(f"error: {bad}: not a LiteLLM price map") and stderr.count("\n") == 1


@pytest.mark.skipif(importlib.util.find_spec("litellm") is not None, reason="litellm installed")
def test_without_a_file_a_missing_peer_package_is_a_clear_error(run: Run, tmp_path: Path) -> None:
    code, _, stderr = run(["import", "litellm", "-o", tmp_path])
    assert code == 2
    assert stderr.startswith("error: litellm is not installed") and "pip install litellm" in stderr


def test_import_table_and_markdown_views(run: Run, tmp_path: Path) -> None:
    code, stdout, _ = run(["import", "litellm", LITELLM, "-o", tmp_path, "-f", "markdown"])
    assert code == 0
    # Markdown escapes `_` in the path, so the sheet's name cannot start emphasis
    sheet = str(tmp_path / "openai.yaml").replace("_", "\\_")
    assert f"| openai | {sheet} | 1 | 1 |" in stdout
    code, stdout, _ = run(["import", "litellm", LITELLM, "-o", tmp_path, "--force"])
    assert code == 0 and "anthropic" in stdout


# -- genai-prices in ------------------------------------------------------------------------------


def test_genai_prices_tiers_one_hour_writes_and_batch_variant(run: Run, tmp_path: Path) -> None:
    report = imported(run, "genai-prices", GENAI, tmp_path)
    claude = model(tmp_path, "anthropic", "claude-test")
    assert claude.name == "Claude Test" and claude.context_window == 200000
    assert [flat(t) for t in claude.current.tiers] == [
        (200000, D(3), D("0.3"), None, D(6), D(15)),
        (None, D(6), D("0.3"), None, D(6), D("22.5")),
    ]
    # every batch price is half the list price (1.5/3, 3/6, 0.15/0.3, 3/6, 7.5/15, 11.25/22.5)
    assert claude.current.batch_multiplier == D("0.5")
    lost = {row["model"]: row["fields"] for row in report["not_kept"]}
    assert lost["claude-test"] == ["web_searches_kcount"]
    assert lost["gpt-test"] == ["price_variants[service_tier=fast]"]
    assert report["skipped"] == {"no price per output token (embeddings, audio, images)": 1}
    assert [row["key"] for row in report["invalid"]] == ["openrouter/openai/gpt-test"]


def test_genai_prices_time_of_day_turns_into_an_off_peak_window(run: Run, tmp_path: Path) -> None:
    imported(run, "genai-prices", GENAI, tmp_path)
    chat = model(tmp_path, "deepseek", "deepseek-chat")
    # genai-prices' base is the cheap price and 00:30-16:30 the dear one; aicost's list price is
    # the dear one and the window the cheap hours: 16:30 to 00:30, wrapping midnight
    assert [flat(t) for t in chat.current.tiers] == [
        (None, D("0.27"), D("0.07"), None, None, D("1.1"))
    ]
    (window,) = chat.current.windows
    assert window.name == "off-peak" and window.days == () and window.hours == ((990, 30),)
    assert window.rates is not None
    assert (window.rates.input, window.rates.cached_input, window.rates.output) == (
        D("0.135"),
        D("0.035"),
        D("0.55"),
    )


def test_genai_prices_start_dates_become_history(run: Run, tmp_path: Path) -> None:
    imported(run, "genai-prices", GENAI, tmp_path)
    mistral = model(tmp_path, "mistral", "mistral-test")
    old, new = mistral.periods
    assert (old.since, old.until) == (None, dt.datetime(2026, 10, 20))
    assert [flat(t) for t in old.tiers] == [(None, D("0.68"), None, None, None, D("2.09"))]
    assert new.since == dt.datetime(2026, 10, 20)
    assert [flat(t) for t in new.tiers] == [(None, D("1.36"), None, None, None, D("4.18"))]
    gpt = model(tmp_path, "openai", "gpt-test")
    flex = gpt.current.service_tier("flex")
    assert flex is not None and flex.multiplier == D("0.5")  # 0.625/1.25, 0.0625/0.125, 5/10


# -- export and the round trip --------------------------------------------------------------------

AT = dt.datetime(2026, 11, 30)


def effective(rates: Rates) -> tuple[Any, ...]:
    """What a tier bills: a cache rate left out is billed as the rate it falls back to."""
    return (
        rates.up_to,
        rates.input,
        rates.cached_rate,
        rates.cache_write_rate,
        rates.cache_write_1h_rate,
        rates.output,
    )


def service(period: Period) -> dict[str, Any]:
    return {
        t.name: t.multiplier if t.tiers is None else [effective(r) for r in t.tiers]
        for t in period.all_service_tiers()
    }


@pytest.mark.parametrize("peer", [litellm, genai_prices], ids=["litellm", "genai-prices"])
def test_export_then_import_gives_back_every_current_price(peer: Any, tmp_path: Path) -> None:
    catalog = load_catalog([BUNDLED])
    out = tmp_path / "export.json"
    peer.export(catalog, AT, out)
    back = {}
    for sheet in plan_sheets(peer.read(out), tmp_path / "sheets", [], AT.date()):
        loaded = load_text(sheet.text, str(sheet.path)).sheet
        assert loaded is not None
        back.update({m.ref: m for m in loaded.models})
    compared = 0
    for original in catalog.models:
        period = original.period_at(AT)
        if original.currency != "USD" or period is None:
            continue  # both peers price in USD only, at one moment
        again = back[original.ref].period_at(AT)
        assert again is not None, original.ref
        assert [effective(t) for t in again.tiers] == [effective(t) for t in period.tiers], (
            original.ref
        )
        assert service(again) == service(period), original.ref
        assert back[original.ref].context_window == original.context_window
        compared += 1
    assert compared > 30


def test_litellm_export_writes_exact_decimals(run: Run, tmp_path: Path) -> None:
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    (sheets / "one.yaml").write_text(
        "provider: one\ncurrency: USD\nmodels:\n"
        "  m1:\n    input: 3\n    cached_input: 0.3\n    output: 15\n    batch_multiplier: 0.5\n",
        encoding="utf-8",
    )
    out = tmp_path / "custom.json"
    code, stdout, stderr = run(["export", "litellm", "--prices", sheets, "-o", out])
    assert code == 0 and stdout == "", stderr
    text = out.read_text(encoding="utf-8")
    # 3 per million = 0.000003 per token, written as that decimal text, never 3e-06 via float
    assert '"input_cost_per_token": 0.000003,' in text
    assert '"cache_read_input_token_cost": 0.0000003,' in text
    assert '"output_cost_per_token_batches": 0.0000075' in text
    data = json.loads(text, parse_float=Decimal)
    assert data["one/m1"]["output_cost_per_token"] == Decimal("0.000015")
    code, _, stderr = run(["export", "litellm", "--prices", sheets, "-o", out])
    assert code == 2 and "exists" in stderr and "--force" in stderr
    code, _, stderr = run(["export", "litellm", "--prices", sheets, "-o", out, "--force"])
    assert code == 0, stderr


def test_export_to_stdout_leaves_out_non_usd_sheets(run: Run) -> None:
    code, stdout, stderr = run(["export", "genai-prices", "--prices", DATA / "core"])
    assert code == 0, stderr
    ids = [p["id"] for p in json.loads(stdout)]
    assert "acme" in ids and "yuan" not in ids
    assert "left out, genai-prices prices in USD only: yuan (CNY)" in stderr


def test_an_exporter_that_is_not_there_is_a_clear_error(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(EXPORTERS, "prices-table", "aicost.catalogs.not_here")
    code, stdout, stderr = run(["export", "prices-table"])
    assert code == 2 and stdout == ""
    assert stderr.startswith("error: the prices-table format is not available")


def test_a_bad_off_peak_hour_is_reported_not_written(run: Run, tmp_path: Path) -> None:
    source = tmp_path / "map.json"
    source.write_text(
        json.dumps(
            {
                "odd": {
                    "litellm_provider": "deepseek",
                    "mode": "chat",
                    "input_cost_per_token": 1e-06,
                    "output_cost_per_token": 2e-06,
                    "off_peak_pricing": {
                        "input_cost_per_token": 5e-07,
                        "windows": [{"hours_utc": ["25:00-26:00"], "weekdays": [1]}],
                    },
                }
            }
        ),
        encoding="utf-8",
    )
    report = imported(run, "litellm", source, tmp_path / "out")
    assert report["not_kept"][0]["fields"] == ["off_peak_pricing.windows"]
    odd = model(tmp_path / "out", "deepseek", "odd")
    assert odd.current.windows == () and odd.current.tiers[0].input == D(1)


def test_a_sheet_that_does_not_validate_stops_the_import_before_any_write(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aicost.catalogs import common

    real = common.sheet_text

    def broken(slug: str, *args: Any) -> str:
        text = real(slug, *args)
        return text.replace("currency: USD", "currency: usd") if slug == "openai" else text

    monkeypatch.setattr(common, "sheet_text", broken)
    code, stdout, stderr = run(["import", "litellm", LITELLM, "-o", tmp_path])
    assert code == 2 and stdout == ""
    assert stderr.startswith("error: the sheet imported for openai does not validate")
    assert f"{tmp_path / 'openai.yaml'}:3:1: currency" in stderr and stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []
