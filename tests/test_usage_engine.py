"""The Python usage engine on records built in the test, priced by hand from
tests/data/usage/sheets/engine.yaml (USD per 1M tokens):

lab-chat   before 2026-03-02T16:00Z: input 4, cached 1, write 5, write 1h 8, output 20
           from then on: input 2, cached 0.5, write 2.5, write 1h 4, output 10;
           off-peak 16:30-00:30 every day x0.5 (current period only); batch x0.5
lab-long   up to 1000 input tokens: input 1, cached 0.1, output 2; above: 3, 0.3, 6
lab-old    input 1, output 1; retired 2026-02-01T00:00Z
lab-flex   input 1, cached 0.25, output 4; windows "night": sat/sun x0.25, then 22:00-06:00 at
           input 0.5 / output 2; priority x2; flex: up to 500 input 0.5 / output 2, above 0.75 / 3
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aicost.engine.pricing import Request, price_tokens
from aicost.model.errors import AicostError
from aicost.model.prices import choose_tier
from aicost.sheets.sources import load_catalog
from aicost.usage.engine_python import Target, UsageOptions, price
from aicost.usage.record import Malformed, UsageRecord

SHEETS = Path(__file__).parent / "data" / "usage" / "sheets"
CATALOG = load_catalog([str(SHEETS)])
M = Decimal(1_000_000)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def rec(ts: str, model: str = "lab-chat", **fields: object) -> UsageRecord:
    return UsageRecord(ts=at(ts), model=model, **fields)  # type: ignore[arg-type]


def run(records: list[UsageRecord | Malformed], **options: object):  # type: ignore[no-untyped-def]
    return price(lambda: iter(records), CATALOG, UsageOptions(**options))  # type: ignore[arg-type]


def total(records: list[UsageRecord | Malformed], **options: object) -> Decimal:
    return run(records, **options).totals.total  # type: ignore[no-any-return]


def test_one_hour_writes_and_cache_reads_each_at_their_rate() -> None:
    record = rec(
        "2026-03-03T12:00",
        input_tokens=10_000,
        cache_read=4_000,
        cache_write_5m=1_000,
        cache_write_1h=2_000,
        output_tokens=500,
    )
    result = run([record])
    t = result.totals
    assert t.input_cost == 3_000 * Decimal(2) / M  # fresh = 10000 - 4000 - 1000 - 2000
    assert t.cached_cost == 4_000 * Decimal("0.5") / M
    assert t.cache_write_cost == (1_000 * Decimal("2.5") + 2_000 * Decimal(4)) / M
    assert t.output_cost == 500 * Decimal(10) / M
    assert t.total == Decimal("0.0235")


def test_reasoning_is_part_of_output_never_added_again() -> None:
    record = rec("2026-03-03T12:00", output_tokens=500, reasoning_tokens=200)
    assert total([record]) == 500 * Decimal(10) / M


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        (1_000, (1_000 * Decimal(1) + 100 * Decimal(2)) / M),  # up_to is inclusive
        (1_001, (1_001 * Decimal(3) + 100 * Decimal(6)) / M),  # the whole request at the top tier
    ],
)
def test_tier_boundary(prompt: int, expected: Decimal) -> None:
    assert total([rec("2026-03-03T12:00", "lab-long", input_tokens=prompt, output_tokens=100)]) == (
        expected
    )


LIST = (1_000 * Decimal(2) + 100 * Decimal(10)) / M  # lab-chat, current period, 1000 in / 100 out


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-03-03T16:29", LIST),
        ("2026-03-03T16:30", LIST * Decimal("0.5")),
        ("2026-03-04T00:29", LIST * Decimal("0.5")),  # the window wraps past midnight
        ("2026-03-04T00:30", LIST),
    ],
)
def test_window_minute_on_each_side(moment: str, expected: Decimal) -> None:
    assert total([rec(moment, input_tokens=1_000, output_tokens=100)]) == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-03-02T15:59:59", (1_000 * Decimal(4) + 100 * Decimal(20)) / M),
        ("2026-03-02T16:00", (1_000 * Decimal(2) + 100 * Decimal(10)) / M),
    ],
)
def test_price_change_at_1600_utc(moment: str, expected: Decimal) -> None:
    assert total([rec(moment, input_tokens=1_000, output_tokens=100)]) == expected


def test_bucket_tier_by_average_prompt_and_flagged() -> None:
    low = rec("2026-03-03T12:00", "lab-long", requests=4, input_tokens=4_000, output_tokens=400)
    high = rec("2026-03-03T12:00", "lab-long", requests=4, input_tokens=4_001, output_tokens=400)
    result = run([low])
    assert result.totals.total == (4_000 * Decimal(1) + 400 * Decimal(2)) / M  # average 1000
    assert result.totals.requests == 4
    assert result.coverage.tier_by_average == 1
    assert total([high]) == (4_001 * Decimal(3) + 400 * Decimal(6)) / M  # average 1000.25


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_duplicate_keeps_the_highest_rank(order: tuple[int, int]) -> None:
    early = rec("2026-03-03T12:00", output_tokens=100, dedup_key="m1", dedup_rank=(0,))
    full = rec("2026-03-03T12:00", output_tokens=300, dedup_key="m1", dedup_rank=(1,))
    records: list[UsageRecord | Malformed] = [[early, full][i] for i in order]
    result = run(records)
    assert result.totals.total == 300 * Decimal(10) / M
    assert result.totals.records == 1
    assert result.totals.output_tokens == 300
    assert result.coverage.duplicates_dropped == 1
    assert result.coverage.records_read == 2


def test_unknown_model_is_unpriced_with_a_suggestion_never_zero() -> None:
    good = rec("2026-03-03T12:00", input_tokens=1_000, output_tokens=100)
    bad = rec("2026-03-03T12:00", "lab-chta", input_tokens=7_000, output_tokens=9)
    result = run([good, bad])
    assert result.totals.total == LIST
    assert result.coverage.priced_records == 1
    assert result.coverage.unpriced_records == 1
    (unpriced,) = result.coverage.unpriced
    assert (unpriced.model, unpriced.reason) == ("lab-chta", "unknown model")
    assert (unpriced.input_tokens, unpriced.output_tokens) == (7_000, 9)
    assert unpriced.suggestions[0] == "lab/lab-chat"


def test_retired_model_unpriced_from_its_retirement() -> None:
    before = rec("2026-01-31T23:59", "lab-old", input_tokens=1_000, output_tokens=100)
    after = rec("2026-02-01T00:00", "lab-old", input_tokens=1_000, output_tokens=100)
    result = run([before, after])
    assert result.totals.total == (1_000 + 100) * Decimal(1) / M
    assert [(u.reason, u.records) for u in result.coverage.unpriced] == [("retired", 1)]


def test_not_yet_priced_before_the_oldest_period() -> None:
    result = run([rec("2025-12-31T23:59", input_tokens=1)])
    assert [u.reason for u in result.coverage.unpriced] == ["not yet priced"]


def test_malformed_counted_first_five_kept_and_strict_stops() -> None:
    bad: list[UsageRecord | Malformed] = [Malformed(f"log:{i}", "bad number") for i in range(1, 8)]
    good = rec("2026-03-03T12:00", input_tokens=1_000, output_tokens=100)
    result = run([*bad, good])
    assert result.coverage.malformed == 7
    assert result.coverage.malformed_examples == tuple(f"log:{i}: bad number" for i in range(1, 6))
    assert result.totals.total == LIST
    with pytest.raises(AicostError, match="log:1: bad number"):
        run([*bad, good], strict=True)


def test_counts_that_contradict_themselves_are_malformed() -> None:
    record = rec("2026-03-03T12:00", input_tokens=10, cache_read=11, where="log:3")
    result = run([record])
    assert result.coverage.malformed == 1
    assert result.totals.records == 0


def test_service_tiers_batch_with_window_and_not_offered() -> None:
    noon = dict(input_tokens=1_000, output_tokens=100)
    batch = rec("2026-03-03T12:00", service_tier="batch", **noon)  # type: ignore[arg-type]
    batch_off_peak = rec("2026-03-03T16:30", service_tier="batch", **noon)  # type: ignore[arg-type]
    flex = rec("2026-03-03T12:00", service_tier="flex", **noon)  # type: ignore[arg-type]
    result = run([batch, batch_off_peak, flex])
    assert result.totals.total == LIST * Decimal("0.5") + LIST * Decimal("0.25") + LIST
    (lacking,) = result.coverage.service_tier_not_offered
    assert (lacking.model, lacking.service_tier, lacking.records) == ("lab/lab-chat", "flex", 1)


def test_explicit_service_rates_choose_their_own_tier_and_ignore_windows() -> None:
    # Saturday: the x0.25 window would apply at list price; flex's own rates replace it
    flex = rec(
        "2026-03-07T12:00", "lab-flex", input_tokens=501, output_tokens=10, service_tier="flex"
    )
    assert total([flex]) == (501 * Decimal("0.75") + 10 * Decimal(3)) / M


def test_windows_sharing_a_name_keep_their_own_prices() -> None:
    saturday_night = rec("2026-03-07T23:00", "lab-flex", input_tokens=1_000, output_tokens=100)
    monday_night = rec("2026-03-09T23:00", "lab-flex", input_tokens=1_000, output_tokens=100)
    assert total([saturday_night]) == (1_000 + 100 * Decimal(4)) * Decimal("0.25") / M
    assert total([monday_night]) == (1_000 * Decimal("0.5") + 100 * Decimal(2)) / M


def test_names_resolve_case_insensitively_by_alias_and_provider_prefix() -> None:
    records: list[UsageRecord | Malformed] = [
        rec("2026-03-03T12:00", "LAB-CHAT-LATEST", input_tokens=1_000, output_tokens=100),
        rec("2026-03-03T12:00", "lab/lab-chat", input_tokens=1_000, output_tokens=100),
        UsageRecord(
            at("2026-03-03T12:00"), "lab-chat", "Lab", input_tokens=1_000, output_tokens=100
        ),
    ]
    result = run(records)
    assert result.totals.total == 3 * LIST
    assert [(r.group, r.records) for r in result.rows] == [
        ((("provider", "lab"), ("model", "lab-chat")), 3)
    ]


def test_by_day_and_project_and_reconcile() -> None:
    def one(ts: str, project: str, reported: str) -> UsageRecord:
        return rec(
            ts,
            input_tokens=1_000,
            output_tokens=100,
            dims=(("project", project),),
            reported_cost=Decimal(reported),
        )

    records: list[UsageRecord | Malformed] = [
        one("2026-03-03T12:00", "a", "0.01"),
        one("2026-03-03T13:00", "a", "0.02"),
        one("2026-03-04T12:00", "b", "0.04"),
    ]
    result = run(records, by=("day", "project"), reconcile=True)
    assert [(dict(r.group), r.total, r.reported) for r in result.rows] == [
        ({"day": "2026-03-03", "project": "a"}, 2 * LIST, Decimal("0.03")),
        ({"day": "2026-03-04", "project": "b"}, LIST, Decimal("0.04")),
    ]
    assert result.totals.reported == Decimal("0.07")


def test_since_and_until_filter_records() -> None:
    records: list[UsageRecord | Malformed] = [
        rec("2026-03-03T12:00", input_tokens=1_000, output_tokens=100),
        rec("2026-03-05T12:00", input_tokens=1_000, output_tokens=100),
    ]
    result = run(records, since=at("2026-03-04T00:00"))
    assert result.totals.total == LIST
    assert result.coverage.outside_dates == 1


def test_compare_on_two_targets_counts_what_a_target_cannot_price() -> None:
    old, long = CATALOG.resolve("lab-old"), CATALOG.resolve("lab-long")
    records: list[UsageRecord | Malformed] = [
        rec("2026-01-15T12:00", input_tokens=1_000, output_tokens=100),  # old period of lab-chat
        rec("2026-03-03T12:00", input_tokens=1_000, output_tokens=100),
    ]
    result = run(records, targets=(Target(old), Target(long)))
    rows = {r.target: r for r in result.rows}
    assert rows[None].total == (1_000 * Decimal(4) + 100 * Decimal(20)) / M + LIST
    assert rows["lab/lab-old"].total == (1_000 + 100) / M  # the March record: lab-old is retired
    assert rows["lab/lab-old"].unpriced_records == 1
    assert rows["lab/lab-long"].total == 2 * (1_000 * Decimal(1) + 100 * Decimal(2)) / M
    assert rows["lab/lab-long"].unpriced_records == 0
    assert result.totals.total == rows[None].total  # the totals are what the records did cost
    retired = [u for u in result.coverage.unpriced if u.target == "lab/lab-old"]
    assert [(u.reason, u.records) for u in retired] == [("retired", 1)]


def test_compare_at_a_fixed_date_keeps_the_records_own_minute_for_windows() -> None:
    chat = CATALOG.resolve("lab-chat")
    # priced at the current period (2026-06-01), in the off-peak window of the record's own 16:30
    record = rec("2026-01-15T16:30", "lab-long", input_tokens=1_000, output_tokens=100)
    result = run([record], targets=(Target(chat, at("2026-06-01T00:00")),))
    rows = {r.target: r for r in result.rows}
    assert rows["lab/lab-chat"].total == LIST * Decimal("0.5")


# -- the grouped engine equals a per-record oracle, exactly --------------------------------------


def oracle(record: UsageRecord) -> Decimal | None:
    """One record priced alone with the pricing functions, as the sheet defines it."""
    from aicost.engine.pricing import service_tier_parts

    model = CATALOG.resolve(record.model)
    period = model.period_at(record.ts)
    if period is None:
        return None
    prompt = math.ceil(record.input_tokens / record.requests)
    request = Request(
        input_tokens=record.input_tokens,
        cached_tokens=record.cache_read,
        cache_write_tokens=record.cache_write_5m,
        cache_write_1h_tokens=record.cache_write_1h,
        output_tokens=record.output_tokens,
    )
    parts = price_tokens(period.tier_for(prompt)[1], request)
    window = next((w for w in period.windows if w.covers(record.ts)), None)
    if window is not None:
        if window.rates is not None:
            parts = price_tokens(window.rates, request)
        else:
            assert window.multiplier is not None
            parts = parts.scaled(window.multiplier)
    if record.service_tier != "standard":
        tier = period.service_tier(record.service_tier)
        if tier is not None and tier.tiers is not None:
            parts = price_tokens(choose_tier(tier.tiers, prompt)[1], request)
        else:
            parts = service_tier_parts(period, record.service_tier, request, parts) or parts
    return parts.total


EDGES = [
    at("2026-01-31T23:59"),
    at("2026-02-01T00:00"),
    at("2026-03-02T15:59"),
    at("2026-03-02T16:00"),
    at("2026-03-03T16:29"),
    at("2026-03-03T16:30"),
    at("2026-03-04T00:29"),
    at("2026-03-04T00:30"),
    at("2026-03-07T21:59"),
    at("2026-03-09T22:00"),
    at("2026-03-10T05:59"),
    at("2026-03-10T06:00"),
]


@st.composite
def records(draw: st.DrawFn) -> UsageRecord:
    requests = draw(st.sampled_from([1, 1, 1, 2, 7]))
    cache_read = draw(st.integers(0, 600))
    write5 = draw(st.integers(0, 300))
    write1h = draw(st.integers(0, 300))
    fresh = draw(st.sampled_from([0, 1, 99, 499, 500, 501, 999, 1000, 1001, 5000]))
    output = draw(st.integers(0, 2_000))
    return UsageRecord(
        ts=draw(st.sampled_from(EDGES)) + dt.timedelta(seconds=draw(st.integers(0, 59))),
        model=draw(st.sampled_from(["lab-chat", "lab-long", "lab-old", "lab-flex"])),
        requests=requests,
        input_tokens=cache_read + write5 + write1h + fresh,
        cache_read=cache_read,
        cache_write_5m=write5,
        cache_write_1h=write1h,
        output_tokens=output,
        reasoning_tokens=draw(st.integers(0, output)),
        service_tier=draw(st.sampled_from(["standard", "standard", "batch", "flex", "priority"])),
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(records(), max_size=40))
def test_grouped_pricing_equals_the_sum_of_records_priced_alone(batch: list[UsageRecord]) -> None:
    expected = Decimal(0)
    unpriced = 0
    for record in batch:
        cost = oracle(record)
        if cost is None:
            unpriced += 1
        else:
            expected += cost
    result = run(list(batch), by=("day", "model", "service_tier"))
    assert result.totals.total == expected
    assert sum(r.total for r in result.rows) == expected
    assert result.coverage.unpriced_records == unpriced
