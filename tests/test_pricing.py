"""The cost engine against Decimals computed by hand from tests/data/core/acme.yaml."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from aicost.engine.estimate import run_estimate
from aicost.engine.pricing import (
    Request,
    Workload,
    monthly,
    price_request,
    price_workload,
    window_at,
)
from aicost.model.catalog import Catalog
from aicost.model.errors import AicostError
from aicost.model.quantity import exact
from aicost.sheets.sources import load_catalog

CORE = Path(__file__).parent / "data" / "core"
NOW = dt.datetime(2026, 11, 28)
D = Decimal


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog([str(CORE / "acme.yaml"), str(CORE / "yuan.yaml"), str(CORE / "fx.yaml")])


def cost(
    catalog: Catalog, ref: str, request: Request, at: dt.datetime = NOW, **shares: Decimal
) -> Decimal:
    period = catalog.resolve(ref).period_at(at)
    assert period is not None
    return price_request(period, request, **shares)[1].total


def test_tier_at_its_bound_uses_the_lower_tier(catalog: Catalog) -> None:
    # 128,000 x 1.00 / 1M + 1,000 x 4.00 / 1M
    assert cost(catalog, "acme-tiered", Request(128_000, output_tokens=1_000)) == D("0.132")


def test_one_token_past_the_bound_prices_the_whole_request_higher(catalog: Catalog) -> None:
    # 128,001 x 2.00 / 1M + 1,000 x 8.00 / 1M
    assert cost(catalog, "acme-tiered", Request(128_001, output_tokens=1_000)) == D("0.264002")


def test_cache_read_and_write_are_parts_of_input(catalog: Catalog) -> None:
    request = Request(10_000, cached_tokens=6_000, cache_write_tokens=2_000, output_tokens=500)
    period = catalog.resolve("acme-tiered").period_at(NOW)
    assert period is not None
    _, parts, warnings = price_request(period, request)
    assert parts.input == D("0.002")  # 2,000 uncached x 1.00
    assert parts.cached == D("0.0006")  # 6,000 x 0.10
    assert parts.cache_write == D("0.0025")  # 2,000 x 1.25
    assert parts.output == D("0.002")  # 500 x 4.00
    assert parts.total == D("0.0071")
    assert warnings == []


def test_missing_cache_rates_bill_as_input(catalog: Catalog) -> None:
    # acme-night has no cache_write: 1,000 written tokens at the 0.40 input rate
    assert cost(catalog, "acme-night", Request(1_000, cache_write_tokens=1_000)) == D("0.0004")


def test_reasoning_tokens_bill_as_output(catalog: Catalog) -> None:
    assert cost(catalog, "acme-tiered", Request(0, output_tokens=100, reasoning_tokens=900)) == D(
        "0.004"
    )


def test_both_sides_of_a_history_boundary(catalog: Catalog) -> None:
    request = Request(1_000, output_tokens=1_000)
    before = dt.datetime(2026, 6, 1, 11, 59)
    at = dt.datetime(2026, 6, 1, 12, 0)
    assert cost(catalog, "acme-tiered", request, before) == D("0.012")  # 3.00 + 9.00 per 1M
    assert cost(catalog, "acme-tiered", request, at) == D("0.005")  # 1.00 + 4.00 per 1M


def test_no_price_before_the_oldest_period_or_after_retirement(catalog: Catalog) -> None:
    assert catalog.resolve("acme-tiered").period_at(dt.datetime(2025, 12, 31)) is None
    assert catalog.resolve("acme-old").period_at(dt.datetime(2026, 2, 28, 23, 59)) is not None
    assert catalog.resolve("acme-old").period_at(dt.datetime(2026, 3, 1)) is None


def test_batch_share_blends_list_and_batch_prices(catalog: Catalog) -> None:
    # 0.005 x (0.5 at list + 0.5 at the 0.5 batch multiplier) = 0.005 x 0.75
    request = Request(1_000, output_tokens=1_000)
    assert cost(catalog, "acme-tiered", request, batch_share=D("0.5")) == D("0.00375")


def test_off_peak_share_uses_the_cheapest_window(catalog: Catalog) -> None:
    # list 0.0004 + 0.0016 = 0.002; off-peak x0.25 = 0.0005; weekend explicit 0.0002 + 0.0008 = 0.001
    request = Request(1_000, output_tokens=1_000)
    assert cost(catalog, "acme-night", request, off_peak_share=D(1)) == D("0.0005")
    assert cost(catalog, "acme-night", request, off_peak_share=D("0.5")) == D("0.00125")


def test_off_peak_and_batch_without_discounts_price_at_list_and_warn(catalog: Catalog) -> None:
    period = catalog.resolve("yuan-one").period_at(NOW)
    assert period is not None
    _, parts, warnings = price_request(period, Request(1_000_000), D(1), D(1))
    assert parts.total == D("6.6529")
    assert len(warnings) == 2


def test_windows_in_utc_wrap_past_midnight(catalog: Catalog) -> None:
    period = catalog.resolve("acme-night").current
    wednesday = dt.datetime(2026, 11, 25)
    assert window_at(period, wednesday.replace(hour=23)) == "off-peak"
    assert window_at(period, wednesday.replace(minute=29)) == "off-peak"
    assert window_at(period, wednesday.replace(minute=30)) is None
    assert window_at(period, wednesday.replace(hour=16, minute=29)) is None
    assert window_at(period, dt.datetime(2026, 11, 28, 12)) == "weekend"  # a Saturday


@pytest.mark.parametrize(
    ("per", "expected"),
    [
        ("once", None),
        ("hour", "36.5"),  # 0.05 x 730
        ("day", "1.520833333333"),  # 0.05 x 730 / 24 = 36.5 / 24, half-even at 12 places
        ("month", "0.05"),
    ],
)
def test_each_period_becomes_a_month_of_730_hours(
    catalog: Catalog, per: str, expected: str | None
) -> None:
    model = catalog.resolve("acme-tiered")
    workload = Workload("w", Request(1_000, output_tokens=1_000), requests=10, per=per)
    row = price_workload(model, model.current, workload)
    assert row.per_request == D("0.005")
    assert row.total == D("0.05")
    assert (None if row.monthly is None else exact(row.monthly)) == expected


def test_daily_to_monthly_multiplies_before_dividing() -> None:
    # 0.01 x 730 = 7.3; 7.3 / 24 = 0.3041666...; dividing first would round 0.01 / 24 instead
    result = monthly(D("0.01"), "day")
    assert result is not None
    assert exact(result) == "0.304166666667"


def test_context_window_is_priced_and_flagged(catalog: Catalog) -> None:
    model = catalog.resolve("acme-tiered")
    row = price_workload(model, model.current, Workload("w", Request(300_000, output_tokens=1)))
    assert row.per_request == D("0.600008")  # 300,000 x 2.00 + 1 x 8.00, per 1M
    assert row.tier == ">128000"
    assert any("context window" in w for w in row.warnings)


def test_currency_conversion_through_the_fx_sheet(catalog: Catalog) -> None:
    # yuan-one costs CNY 6.6529 per 1M input; at 6.6529 CNY per USD that is exactly 1 USD
    workload = Workload("w", Request(1_000_000, output_tokens=1_000_000))
    result = run_estimate(catalog, [workload], at=NOW, currency="USD", models=["yuan-one"])
    (row,) = result.rows
    assert row.currency == "USD"
    assert row.input_cost == D(1)
    assert row.output_cost == D(2)
    eur = run_estimate(catalog, [workload], at=NOW, currency="EUR", models=["yuan-one"]).rows[0]
    assert eur.per_request == D(3) * D("0.8951")


def test_budget_is_monthly_for_periodic_workloads(catalog: Catalog) -> None:
    workload = Workload("w", Request(1_000, output_tokens=1_000), requests=10, per="hour")
    rows = run_estimate(
        catalog, [workload], at=NOW, currency="USD", models=["acme-t"], budget=D("36.5")
    ).rows
    assert rows[0].over_budget is False  # exactly at the budget is within it
    rows = run_estimate(
        catalog, [workload], at=NOW, currency="USD", models=["acme-t"], budget=D("36.49")
    ).rows
    assert rows[0].over_budget is True


def test_catalog_wide_runs_leave_out_models_without_a_price(catalog: Catalog) -> None:
    workload = Workload("w", Request(1_000))
    result = run_estimate(catalog, [workload], at=NOW, currency="USD")
    assert {r.model for r in result.rows} == {"acme-tiered", "acme-night", "yuan-one"}
    assert result.notes == ("acme/acme-old (retired 2026-03-01)",)


def test_asking_for_a_model_at_a_date_without_price_names_its_dates(catalog: Catalog) -> None:
    with pytest.raises(AicostError, match=r"from 2026-01-01 on"):
        run_estimate(
            catalog,
            [Workload("w", Request(1))],
            at=dt.datetime(2025, 1, 1),
            currency="USD",
            models=["acme-tiered"],
        )
    with pytest.raises(AicostError, match=r"retired on 2026-03-01"):
        run_estimate(
            catalog, [Workload("w", Request(1))], at=NOW, currency="USD", models=["acme-old"]
        )
