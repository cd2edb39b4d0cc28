"""Records of one model streamed together are each priced at their own moment, even when the
period changes inside a minute or a day, a window opens, the day turns, or time goes backwards.

tests/data/usage-perf/stretch.yaml (USD per 1M tokens), both models: input 2 / output 20 before
2026-03-02T12:00:30Z, input 1 / output 10 from then; `timed` has a window 12:01-12:02 at x0.5.
Every record here has 1,000,000 input and 100,000 output tokens, so a record costs
4 (old period), 2 (new period) or 1 (new period in the window) USD.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from aicost.sheets.sources import load_catalog
from aicost.usage.engine_python import UsageOptions, price
from aicost.usage.record import UsageRecord

CATALOG = load_catalog([str(Path(__file__).parent / "data" / "usage-perf")])
OLD, NEW, WINDOW = Decimal(4), Decimal(2), Decimal(1)


def rec(model: str, ts: str) -> UsageRecord:
    return UsageRecord(
        ts=dt.datetime.fromisoformat(ts),
        model=model,
        input_tokens=1_000_000,
        output_tokens=100_000,
    )


# (moment, cost) in an order that moves forward and back across every edge
STREAM = [
    ("2026-03-02T12:00:10", OLD),
    ("2026-03-02T12:00:29", OLD),
    ("2026-03-02T12:00:30", NEW),  # the period changes inside the minute
    ("2026-03-02T12:00:10", OLD),  # back before it
    ("2026-03-02T12:00:59", NEW),
    ("2026-03-02T08:00:00", OLD),  # earlier the same day
    ("2026-03-02T23:59:59", NEW),
    ("2026-03-03T00:00:00", NEW),  # the next day
    ("2026-03-02T12:00:31", NEW),
]
WINDOWED = {"2026-03-02T12:01:00": WINDOW, "2026-03-02T12:01:59": WINDOW}


@pytest.mark.parametrize("model", ["flat", "timed"])
def test_one_stream_prices_each_record_at_its_own_moment(model: str) -> None:
    stream = list(STREAM)
    if model == "timed":  # into the window and out of it, then back into the old period
        stream += [*WINDOWED.items(), ("2026-03-02T12:02:00", NEW), ("2026-03-02T12:00:00", OLD)]
    records = [rec(model, ts) for ts, _ in stream]
    result = price(lambda: iter(records), CATALOG, UsageOptions(by=("day",)))
    by_day: dict[str, Decimal] = {}
    for ts, cost in stream:
        by_day[ts[:10]] = by_day.get(ts[:10], Decimal(0)) + cost
    assert {row.group[0][1]: row.total for row in result.rows} == by_day
    assert result.totals.total == sum(cost for _, cost in stream)


def test_models_interleaved_keep_their_own_stretches() -> None:
    stream = [
        ("flat", "2026-03-02T12:01:30", NEW),
        ("timed", "2026-03-02T12:01:30", WINDOW),
        ("flat", "2026-03-02T12:00:00", OLD),
        ("timed", "2026-03-02T12:02:30", NEW),
        ("flat", "2026-03-02T12:01:40", NEW),
        ("timed", "2026-03-02T12:00:29", OLD),
    ]
    records = [rec(model, ts) for model, ts, _ in stream]
    result = price(lambda: iter(records), CATALOG, UsageOptions())
    expected = {"flat": OLD + NEW + NEW, "timed": WINDOW + NEW + OLD}
    assert {dict(row.group)["model"]: row.total for row in result.rows} == expected
