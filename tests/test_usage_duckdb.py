"""The DuckDB engine against the Python engine (the oracle): records drawn on the edges of
tests/data/usage/sheets/engine.yaml (the price change at 2026-03-02 16:00, lab-old's retirement at
2026-02-01, the off-peak window 16:30-00:30 wrapping midnight, lab-flex's weekend and night
windows, lab-long's tier bound at 1000, service tiers the models offer and one they lack, buckets,
unknown and provider-qualified names) must give identical rows, totals and coverage."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aicost.sheets.sources import load_catalog
from aicost.usage.engine_python import UsageOptions
from aicost.usage.engine_python import price as python_price
from aicost.usage.record import UsageRecord

duckdb = pytest.importorskip("duckdb")

from aicost.usage.engine_duckdb import price as duckdb_price  # noqa: E402

SHEETS = Path(__file__).parent / "data" / "usage" / "sheets"
CATALOG = load_catalog([str(SHEETS)])

EDGES = [
    dt.datetime(2026, 3, 2, 16, 0),  # lab-chat's price change
    dt.datetime(2026, 2, 1, 0, 0),  # lab-old retired
    dt.datetime(2026, 1, 1, 0, 0),  # lab-chat's first price
    dt.datetime(2026, 3, 3, 16, 30),  # off-peak starts
    dt.datetime(2026, 3, 4, 0, 30),  # off-peak ends (after midnight: the wrap)
    dt.datetime(2026, 3, 7, 0, 0),  # Saturday: lab-flex's weekend window
    dt.datetime(2026, 3, 9, 0, 0),  # Monday 00:00: minute 0 of the week
    dt.datetime(2026, 3, 9, 6, 0),  # lab-flex's night ends
    dt.datetime(2026, 3, 8, 22, 0),  # Sunday night: weekend window first (first match wins)
    dt.datetime(2026, 3, 10, 22, 0),  # a weekday night
]
MODELS = [
    (None, "lab-chat"),
    (None, "LAB-CHAT-LATEST"),
    ("lab", "lab-long"),
    (None, "lab/lab-flex"),
    (None, "lab-old"),
    (None, "lab-flex"),
    ("other", "lab-chat"),
    (None, "no-such-model"),
    ("lab", "lab-chatt"),
]
TIERS = ["standard", "batch", "flex", "priority"]


# Anthropic's report tiers a bucket by its `context_window`, never by its token sums; an
# unreadable range is priced at the lowest tier and counted. "0-1k" (1000) and "1k-2k" (1001) sit
# on each side of lab-long's tier bound; most records carry no hint (tiered by the average prompt).
HINTS = ["0-200k", "200k-1M", "unknown", "0-1k", "1k-2k", ""]
hints = st.one_of(
    st.just(()), st.just(()), st.sampled_from(HINTS).map(lambda h: (("context_window", h),))
)


@st.composite
def records(draw: st.DrawFn) -> UsageRecord:
    edge = draw(st.sampled_from(EDGES))
    moment = edge + dt.timedelta(minutes=draw(st.sampled_from([-1, 0, 1, 0, 60 * 24 * 3])))
    moment += dt.timedelta(seconds=draw(st.sampled_from([0, 59])))
    provider, model = draw(st.sampled_from(MODELS))
    requests = draw(st.sampled_from([1, 1, 1, 2, 3, 7]))
    prompt = draw(st.sampled_from([0, 1, 499, 500, 501, 999, 1000, 1001, 3000, 3001, 7001]))
    cache_read = draw(st.integers(0, prompt))
    w5 = draw(st.integers(0, prompt - cache_read))
    w1h = draw(st.integers(0, prompt - cache_read - w5))
    output = draw(st.integers(0, 5000))
    return UsageRecord(
        ts=moment,
        model=model,
        provider=provider,
        requests=requests,
        input_tokens=prompt,
        cache_read=cache_read,
        cache_write_5m=w5,
        cache_write_1h=w1h,
        output_tokens=output,
        reasoning_tokens=draw(st.integers(0, output)),
        service_tier=draw(st.sampled_from(TIERS)),
        dims=(("project", draw(st.sampled_from(["a", "b", ""]))), *draw(hints)),
    )


BYS = [
    ("provider", "model"),
    ("day", "service_tier"),
    ("month", "project"),
    ("model", "week"),
]


def both(rs: list[UsageRecord], **options: object) -> tuple[object, object]:
    opts = UsageOptions(**options)  # type: ignore[arg-type]
    return (
        python_price(lambda: iter(rs), CATALOG, opts),
        duckdb_price(lambda: iter(rs), CATALOG, opts),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(records(), min_size=1, max_size=40), st.sampled_from(BYS))
def test_duckdb_equals_python_on_edge_records(rs: list[UsageRecord], by: tuple[str, ...]) -> None:
    python, duck = both(rs, by=by)
    assert duck.rows == python.rows  # type: ignore[attr-defined]
    assert duck.totals == python.totals  # type: ignore[attr-defined]
    assert duck.coverage == python.coverage  # type: ignore[attr-defined]


def test_a_service_tier_the_model_lacks_is_priced_at_list_and_counted() -> None:
    # lab-long offers no flex tier: 2000 input at the upper tier's 3/M, 100 output at 6/M
    r = UsageRecord(
        ts=dt.datetime(2026, 5, 1),
        model="lab-long",
        input_tokens=2000,
        output_tokens=100,
        service_tier="flex",
    )
    _, duck = both([r])
    assert duck.totals.total == Decimal(2000 * 3 + 100 * 6) / 1_000_000  # type: ignore[attr-defined]
    (flag,) = duck.coverage.service_tier_not_offered  # type: ignore[attr-defined]
    assert (flag.model, flag.service_tier, flag.records) == ("lab/lab-long", "flex", 1)


def test_spark_style_weekday_monday_is_priced_as_monday() -> None:
    # Monday 2026-03-09 23:00 is lab-flex's weekday night (input 0.5/M), not the weekend's x0.25
    r = UsageRecord(
        ts=dt.datetime(2026, 3, 9, 23, 0),
        model="lab-flex",
        input_tokens=1_000_000,
    )
    _, duck = both([r])
    assert duck.totals.total == Decimal("0.5")  # type: ignore[attr-defined]


def test_unknown_and_retired_are_unpriced_never_zero() -> None:
    rs = [
        UsageRecord(ts=dt.datetime(2026, 2, 1), model="lab-old", input_tokens=10),
        UsageRecord(ts=dt.datetime(2026, 1, 31, 23, 59), model="lab-old", input_tokens=1_000_000),
        UsageRecord(ts=dt.datetime(2026, 5, 1), model="lab-chatt", input_tokens=10),
    ]
    python, duck = both(rs)
    assert duck.coverage == python.coverage  # type: ignore[attr-defined]
    reasons = {(u.model, u.reason) for u in duck.coverage.unpriced}  # type: ignore[attr-defined]
    assert reasons == {("lab-old", "retired"), ("lab-chatt", "unknown model")}
    assert duck.totals.records == 1  # type: ignore[attr-defined]
    assert duck.totals.total == Decimal(1)  # type: ignore[attr-defined]


def test_converted_totals_are_identical_with_an_inexact_exchange_rate(tmp_path: Path) -> None:
    # the sheet in CNY at 7.3 per USD: every conversion to USD is a rounded division, so the two
    # engines agree only because both convert once per row, date and currency, in one order
    sheet = (SHEETS / "engine.yaml").read_text().replace("currency: USD", "currency: CNY")
    (tmp_path / "engine.yaml").write_text(sheet)
    (tmp_path / "fx.yaml").write_text(
        "fx:\n  base: USD\n  date: 2026-10-30\n  source: test\n  rates: {CNY: 7.3}\n"
    )
    catalog = load_catalog([str(tmp_path)])
    rs = [
        UsageRecord(
            ts=dt.datetime(2026, 3, d, h, m), model=name, input_tokens=1234 + h, output_tokens=777
        )
        for d in (3, 4)
        for h in range(0, 24, 3)
        for m in (0, 29, 30, 31)
        for name in ("lab-chat", "lab-flex")
    ]
    opts = UsageOptions(currency="USD", by=("month",))
    python = python_price(lambda: iter(rs), catalog, opts)
    duck = duckdb_price(lambda: iter(rs), catalog, opts)
    assert python.rows == duck.rows
    assert python.totals == duck.totals
    assert len(python.totals.total.as_tuple().digits) > 100  # a rounded division, not exact


def hinted(hint: str, prompt: int, requests: int = 1) -> UsageRecord:
    return UsageRecord(
        ts=dt.datetime(2026, 5, 1),
        model="lab-long",
        requests=requests,
        input_tokens=prompt,
        output_tokens=0,
        dims=(("context_window", hint),),
    )


def test_a_context_window_hint_tiers_a_bucket_not_its_token_sums() -> None:
    # lab-long: input 1/M up to 1000 prompt tokens, 3/M above. A bucket of 10 requests and 5000
    # tokens (average 500) hinted "200k-1M" is priced at the upper tier; one of 2 requests and
    # 4000 tokens (average 2000) hinted "0-1k" at the lower; "unknown" at the lower, counted.
    rs = [hinted("200k-1M", 5000, 10), hinted("0-1k", 4000, 2), hinted("unknown", 3000, 3)]
    python, duck = both(rs)
    expected = Decimal(5000 * 3 + 4000 * 1 + 3000 * 1) / 1_000_000
    assert python.totals.total == expected  # type: ignore[attr-defined]
    assert duck.totals.total == expected  # type: ignore[attr-defined]
    assert duck.coverage.tier_unknown == 1  # type: ignore[attr-defined]
    assert duck.coverage.tier_by_average == 0  # type: ignore[attr-defined]
    assert duck.coverage == python.coverage  # type: ignore[attr-defined]
