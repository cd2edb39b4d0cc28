"""Invariants of the cost engine, checked on generated requests and tiers."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from aicost.engine.pricing import Request, Workload, price_request, price_workload
from aicost.model.prices import ModelPrice, Period, Rates

rates = st.decimals(min_value=0, max_value=100, places=4, allow_nan=False, allow_infinity=False)
counts = st.integers(min_value=0, max_value=5_000_000)


@st.composite
def requests(draw: st.DrawFn) -> Request:
    total = draw(counts)
    cached = draw(st.integers(0, total))
    write = draw(st.integers(0, total - cached))
    return Request(total, cached, write, draw(counts), draw(st.integers(0, 100_000)))


@st.composite
def periods(draw: st.DrawFn) -> Period:
    bound = draw(st.integers(1, 2_000_000))
    low = Rates(draw(rates), draw(rates), draw(rates), draw(rates), bound)
    high = Rates(draw(rates), draw(rates), draw(rates), draw(rates))
    return Period(None, None, (low, high), (), draw(st.none() | rates))


def model(period: Period) -> ModelPrice:
    return ModelPrice("p", "m", "m", "USD", (), None, None, (period,))


@given(periods(), requests(), st.integers(0, 10_000))
def test_cost_is_linear_in_requests(period: Period, request: Request, n: int) -> None:
    one = price_workload(model(period), period, Workload("w", request, requests=1))
    many = price_workload(model(period), period, Workload("w", request, requests=n))
    assert many.total == one.per_request * n
    assert many.per_request == one.per_request


@given(periods(), st.decimals(0, 1, places=3), st.decimals(0, 1, places=3))
def test_zero_tokens_cost_zero(period: Period, batch: Decimal, off_peak: Decimal) -> None:
    _, parts, _ = price_request(period, Request(), batch, off_peak)
    assert parts.total == 0


@given(periods(), st.integers(0, 100_000))
def test_tier_boundary_lower_tier_at_up_to_higher_one_past(period: Period, output: int) -> None:
    bound = period.tiers[0].up_to
    assert bound is not None
    at, _, _ = price_request(period, Request(bound, output_tokens=output))
    past, _, _ = price_request(period, Request(bound + 1, output_tokens=output))
    assert (at, past) == (0, 1)
    _, high = period.tiers
    _, parts, _ = price_request(period, Request(bound + 1, output_tokens=output))
    assert parts.total == ((bound + 1) * high.input + output * high.output) / Decimal(1_000_000)


@given(periods(), requests())
def test_cost_is_never_negative_and_parts_add_up(period: Period, request: Request) -> None:
    _, parts, _ = price_request(period, request, Decimal("0.5"), Decimal("0.5"))
    assert parts.total >= 0
    assert parts.total == parts.input + parts.cached + parts.cache_write + parts.output
