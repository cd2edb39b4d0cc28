"""Schema 1.1: 1-hour cache writes, service tiers (batch, flex, priority), dated exchange rates.

Every expected amount is worked out by hand from tests/data/schema11/*.yaml (rates per 1M tokens).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from conftest import DATA, Run

SHEETS = DATA / "schema11"
COMMON = ["--prices", SHEETS, "-f", "json", "--as-of", "2026-11-30"]


def rows(run: Run, *args: object) -> list[dict[str, Any]]:
    code, out, err = run(["estimate", *args, *COMMON])
    assert code == 0, err
    found: list[dict[str, Any]] = json.loads(out)["rows"]
    return found


def row(run: Run, model: str, *args: object) -> dict[str, Any]:
    (only,) = rows(run, "-m", model, *args)
    return only


def test_one_hour_cache_writes_bill_at_their_own_rate(run: Run) -> None:
    got = row(
        run,
        "cloud-cache",
        *("-i", "1M", "--cached-tokens", "200k", "--cache-write-tokens", "300k"),
        *("--cache-write-1h-tokens", "400k", "-o", "100k"),
    )
    # uncached 100k x $3 = 0.3; cached 200k x $0.30 = 0.06; writes 300k x $3.75 + 400k x $6
    # = 1.125 + 2.4 = 3.525; output 100k x $15 = 1.5
    assert Decimal(got["input_cost"]) == Decimal("0.3")
    assert Decimal(got["cached_cost"]) == Decimal("0.06")
    assert Decimal(got["cache_write_cost"]) == Decimal("3.525")
    assert Decimal(got["output_cost"]) == Decimal("1.5")
    assert Decimal(got["total"]) == Decimal("5.385")
    assert got["warnings"] == []


def test_one_hour_writes_without_a_one_hour_rate_are_flagged(run: Run) -> None:
    got = row(
        run,
        "cloud-five",
        *("-i", "1M", "--cached-tokens", "200k", "--cache-write-tokens", "300k"),
        *("--cache-write-1h-tokens", "400k", "-o", "100k"),
    )
    # no cached_input: 200k cached at input $3 = 0.6; writes 700k x $3.75 = 2.625
    assert Decimal(got["cached_cost"]) == Decimal("0.6")
    assert Decimal(got["cache_write_cost"]) == Decimal("2.625")
    assert Decimal(got["total"]) == Decimal("5.025")
    assert any("1-hour" in w for w in got["warnings"])


def test_flex_and_priority_shares(run: Run) -> None:
    got = row(
        run,
        "cloud-tiers",
        *("-i", "1M", "-o", "1M"),
        *("--service-tier-share", "flex=0.3", "--service-tier-share", "priority=0.2"),
    )
    # list $2 + $8; flex x0.5, priority x2; shares 0.5 list, 0.3 flex, 0.2 priority
    # input 0.5 x 2 + 0.3 x 1 + 0.2 x 4 = 2.1; output 0.5 x 8 + 0.3 x 4 + 0.2 x 16 = 8.4
    assert Decimal(got["input_cost"]) == Decimal("2.1")
    assert Decimal(got["output_cost"]) == Decimal("8.4")
    assert Decimal(got["total"]) == Decimal("10.5")


def test_batch_with_cached_reads_at_the_standard_rate(run: Run) -> None:
    explicit = row(
        run, "cloud-tiers", "-i", "1M", "--cached-tokens", "500k", "-o", "1M", "--batch-share", "1"
    )
    # batch rates $1 / cached $0.20 (the standard cached rate) / $4:
    # 500k x 1 + 500k x 0.20 + 1M x 4 = 0.5 + 0.1 + 4
    assert Decimal(explicit["cached_cost"]) == Decimal("0.1")
    assert Decimal(explicit["total"]) == Decimal("4.6")
    # the sheet-wide batch multiplier halves everything, cached reads included:
    # (500k x 3 + 500k x 0.30 + 1M x 15) x 0.5 = 16.65 x 0.5
    halved = row(
        run, "cloud-cache", "-i", "1M", "--cached-tokens", "500k", "-o", "1M", "--batch-share", "1"
    )
    assert Decimal(halved["cached_cost"]) == Decimal("0.075")
    assert Decimal(halved["total"]) == Decimal("8.325")


def test_service_tier_rates_have_their_own_tiers(run: Run) -> None:
    long = row(run, "cloud-long", "-i", "2000", "-o", "1000", "--service-tier-share", "flex=1")
    # above 1,000 input tokens flex is $1.5 / $3: 2000 x 1.5 + 1000 x 3 = 0.003 + 0.003
    assert Decimal(long["total"]) == Decimal("0.006")
    short = row(run, "cloud-long", "-i", "1000", "-o", "1000", "--service-tier-share", "flex=1")
    # at 1,000 the first tier: 1000 x 0.5 + 1000 x 1
    assert Decimal(short["total"]) == Decimal("0.0015")


def test_a_share_of_a_tier_the_model_lacks_is_priced_at_list_and_flagged(run: Run) -> None:
    got = row(run, "cloud-cache", "-i", "1M", "-o", "0", "--service-tier-share", "priority=1")
    assert Decimal(got["total"]) == Decimal(3)
    assert got["warnings"] == [
        "priority share given but the model has no priority price; priced at list"
    ]


@pytest.mark.parametrize(
    ("as_of", "rate", "usd", "fx_date"),
    [
        ("2026-11-30", "7.2", "3", "2026-10-30"),  # 21.6 CNY / 7.2
        ("2025-07-01", "8", "2.7", "2025-06-02"),  # 21.6 / 8
        ("2025-03-01", "7.5", "2.88", "2025-01-02"),  # 21.6 / 7.5
    ],
)
def test_cny_is_converted_at_the_rate_of_the_price_date(
    run: Run, as_of: str, rate: str, usd: str, fx_date: str
) -> None:
    code, out, err = run(
        [
            "estimate",
            "-m",
            "yuan-chat",
            "-i",
            "1M",
            "-o",
            "1M",
            "--prices",
            SHEETS,
            "-f",
            "json",
            "--as-of",
            as_of,
        ]
    )
    assert code == 0, err
    data = json.loads(out)
    (got,) = data["rows"]
    assert Decimal(got["total"]) == Decimal(usd)
    assert data["fx"] == {"date": fx_date, "rates": {"CNY": rate}}


def test_workload_file_fields(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(
        "workloads:\n"
        "  - name: mixed\n"
        "    input_tokens: 1M\n"
        "    cache_write_1h_tokens: 1M\n"
        "    output_tokens: 0\n"
        "    service_tier_shares: {batch: 1}\n",
        encoding="utf-8",
    )
    got = rows(run, "-w", path, "-m", "cloud-cache")[0]
    # 1M 1-hour writes at $6, all through batch at x0.5
    assert Decimal(got["total"]) == Decimal(3)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "workloads:\n  - {name: a, input_tokens: 1, batch_share: 0.5, service_tier_shares: {batch: 0.5}}\n",
            "not both",
        ),
        (
            "workloads:\n  - {name: a, input_tokens: 1, batch_share: 0.6, service_tier_shares: {flex: 0.6}}\n",
            "add up to 1.2",
        ),
        (
            "workloads:\n  - {name: a, input_tokens: 1, service_tier_shares: {flexx: 0.5}}\n",
            "flexx",
        ),
        (
            "workloads:\n  - {name: a, input_tokens: 10, cached_tokens: 5, cache_write_1h_tokens: 6}\n",
            "exceed `input_tokens`",
        ),
    ],
)
def test_bad_workload_shares(run: Run, tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(text, encoding="utf-8")
    code, out, err = run(["estimate", "-w", path, "--prices", SHEETS])
    assert code == 2
    assert out == ""
    assert err.startswith(f"error: {path}:2:") and message in err, err


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--service-tier-share", "flex"], "write NAME=SHARE"),
        (["--service-tier-share", "turbo=0.5"], "write NAME=SHARE"),
        (["--service-tier-share", "flex=2"], "must be from 0 to 1"),
        (["--service-tier-share", "flex=0.5", "--service-tier-share", "flex=0.1"], "twice"),
        (["--service-tier-share", "batch=0.5", "--batch-share", "0.5"], "not both"),
        (["--service-tier-share", "flex=0.7", "--batch-share", "0.5"], "add up to 1.2"),
    ],
)
def test_bad_share_flags(run: Run, flags: list[str], message: str) -> None:
    code, out, err = run(["estimate", "-i", "1", "-o", "1", "--prices", SHEETS, *flags])
    assert code == 2
    assert out == ""
    assert err.startswith("error: ") and message in err, err


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_batch_given_twice_in_a_sheet_is_an_error(run: Run, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "s.yaml",
        "provider: s\ncurrency: USD\nmodels:\n  m:\n    input: 1\n    output: 1\n"
        "    batch_multiplier: 0.5\n    service_tiers: {batch: 0.4}\n",
    )
    code, out, _ = run(["validate", path])
    assert code == 1
    assert "batch_multiplier" in out and "not both" in out


def test_unknown_service_tier_is_an_error(run: Run, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "s.yaml",
        "provider: s\ncurrency: USD\nmodels:\n  m:\n    input: 1\n    output: 1\n"
        "    service_tiers: {turbo: 0.4}\n",
    )
    code, out, _ = run(["validate", path])
    assert code == 1
    assert "turbo" in out


def test_diff_sees_the_new_fields(run: Run, tmp_path: Path) -> None:
    old = (SHEETS / "cloud.yaml").read_text(encoding="utf-8")
    new = old.replace("cache_write_1h: 6", "cache_write_1h: 7.5").replace("flex: 0.5", "flex: 0.4")
    new = new.replace(
        "batch: {input: 1, cached_input: 0.20", "batch: {input: 1, cached_input: 0.10"
    )
    before = write(tmp_path, "before.yaml", old)
    after = write(tmp_path, "after.yaml", new)
    code, out, err = run(["diff", before, after, "-f", "json"])
    assert code == 0, err
    changes = {(c["model"], c["path"]): c for c in json.loads(out)["changes"]}
    assert changes[("cloud-cache", "cache_write_1h")]["percent"] == "25"
    assert changes[("cloud-tiers", "service_tiers.flex.multiplier")]["new"] == "0.4"
    assert changes[("cloud-tiers", "service_tiers.batch.cached_input")]["percent"] == "-50"


def test_fx_history_must_run_newest_first(run: Run, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "fx.yaml",
        "fx:\n  base: USD\n  date: 2026-01-01\n  rates: {CNY: 7}\n  history:\n"
        "    - {date: 2025-01-01, rates: {CNY: 7.1}}\n    - {date: 2025-06-01, rates: {CNY: 7.2}}\n",
    )
    code, out, _ = run(["validate", path])
    assert code == 1
    assert "newest first" in out
