"""The price table against the engine: every usage record finds exactly one rate row, and that row
prices it to the same exact Decimal as the engine does at that moment; where the engine has no
price, no row matches. Plus hand-computed rows for tests/data/core/acme.yaml and the exporter.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import importlib.util
import json
import sys
from decimal import Decimal, localcontext
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aicost.engine.price_table import (
    TIER_MAX,
    PriceTable,
    RateRow,
    build_price_table,
    minute_of_week,
)
from aicost.engine.pricing import Request, price_tokens, service_tier_parts, window_at
from aicost.model.catalog import Catalog
from aicost.model.prices import ModelPrice
from aicost.sheets.sources import load_catalog
from conftest import DATA, Run

SERVICE_TIERS = ("standard", "batch", "flex", "priority")
ACME = DATA / "core" / "acme.yaml"


@functools.cache
def catalogs() -> tuple[tuple[Catalog, PriceTable], ...]:
    loaded = [
        load_catalog([spec]) for spec in ("@bundled", str(DATA / "schema11"), str(DATA / "core"))
    ]
    return tuple((c, build_price_table(c)) for c in loaded)


def oracle(
    model: ModelPrice, moment: dt.datetime, request: Request, service: str
) -> Decimal | None:
    """One request priced at its real moment: the period then, the window in force then (first
    match wins), then the service tier. None where the engine has no price."""
    period = model.period_at(moment)
    if period is None:
        return None
    with localcontext() as ctx:
        ctx.prec = 60
        _, rates = period.tier_for(request.input_tokens)
        listed = price_tokens(rates, request)
        window = next((w for w in period.windows if w.covers(moment)), None)
        assert (window.name if window else None) == window_at(period, moment)
        if window is not None:
            if window.rates is not None:
                listed = price_tokens(window.rates, request)
            else:
                assert window.multiplier is not None
                listed = listed.scaled(window.multiplier)
        if service == "standard":
            return listed.total
        parts = service_tier_parts(period, service, request, listed)
        return None if parts is None else parts.total


def matching(
    table: PriceTable, ref: str, moment: dt.datetime, tokens: int, service: str
) -> list[RateRow]:
    minute = minute_of_week(moment)
    return [
        r
        for r in table.rates
        if r.model_ref == ref
        and r.service_tier == service
        and r.valid_from <= moment < r.valid_until
        and r.tier_lo < tokens <= r.tier_hi
        and r.wk_lo <= minute < r.wk_hi
    ]


def row_price(row: RateRow, request: Request) -> Decimal:
    fresh = (
        request.input_tokens
        - request.cached_tokens
        - request.cache_write_tokens
        - request.cache_write_1h_tokens
    )
    with localcontext() as ctx:
        ctx.prec = 60
        return (
            fresh * row.input_rate
            + request.cached_tokens * row.cached_rate
            + request.cache_write_tokens * row.cache_write_rate
            + request.cache_write_1h_tokens * row.cache_write_1h_rate
            + (request.output_tokens + request.reasoning_tokens) * row.output_rate
        )


# -- strategies: moments and token counts concentrated on the edges ------------------------------


def edges(model: ModelPrice) -> list[dt.datetime]:
    marks = [m for p in model.periods for m in (p.since, p.until) if m is not None]
    if model.retired is not None:
        marks.append(model.retired)
    return marks


@st.composite
def moments(draw: st.DrawFn, model: ModelPrice) -> dt.datetime:
    marks = edges(model)
    kind = draw(st.sampled_from(["edge", "window", "any"]))
    if kind == "edge" and marks:
        base = draw(st.sampled_from(marks))
        delta = draw(st.sampled_from([-60, -1, 0, 1, 59, 60]))
        return base + dt.timedelta(seconds=delta)
    if kind == "window":
        anchors = [
            *marks,
            dt.datetime(2025, 3, 5),
            dt.datetime(2026, 11, 30),
            dt.datetime(2030, 1, 1),
        ]
        anchor = draw(st.sampled_from(anchors))
        monday = dt.datetime.combine(anchor.date(), dt.time()) - dt.timedelta(days=anchor.weekday())
        week = draw(st.sampled_from([-1, 0, 1]))
        minutes = {0, 1439}
        for period in model.periods:
            for window in period.windows:
                for start, end in window.hours:
                    minutes.update({start, end})
        if draw(st.booleans()):
            minute = draw(st.sampled_from(sorted(minutes))) + draw(st.sampled_from([-1, 0, 1]))
        else:
            minute = draw(st.integers(0, 1439))
        day = draw(st.integers(0, 6))
        second = draw(st.sampled_from([0, 0, 30, 59]))
        return monday + dt.timedelta(weeks=week, days=day, minutes=minute, seconds=second)
    return draw(st.datetimes(dt.datetime(1971, 1, 1), dt.datetime(2100, 1, 1)))


def tier_edges(model: ModelPrice) -> list[int]:
    bounds = {0}
    for period in model.periods:
        tiers = [*period.tiers]
        for service in period.service_tiers:
            tiers += list(service.tiers or ())
        bounds.update(t.up_to for t in tiers if t.up_to is not None)
    return sorted(bounds)


@st.composite
def requests(draw: st.DrawFn, model: ModelPrice) -> Request:
    if draw(st.booleans()):
        base = draw(st.sampled_from(tier_edges(model)))
        total = max(0, base + draw(st.sampled_from([-1, 0, 1])))
    else:
        total = draw(st.integers(0, 3_000_000))
    cached = draw(st.integers(0, total))
    write = draw(st.integers(0, total - cached))
    write_1h = draw(st.integers(0, total - cached - write))
    return Request(
        input_tokens=total,
        cached_tokens=cached,
        cache_write_tokens=write,
        cache_write_1h_tokens=write_1h,
        output_tokens=draw(st.integers(0, 2_000_000)),
        reasoning_tokens=draw(st.sampled_from([0, 0, 1, 12_345])),
    )


def interesting(model: ModelPrice) -> bool:
    """A model with something to get wrong: history, retirement, tiers, windows, service tiers."""
    return (
        len(model.periods) > 1
        or model.retired is not None
        or any(p.tiered or p.windows or p.all_service_tiers() for p in model.periods)
        or any(t.cache_write_1h is not None for p in model.periods for t in p.tiers)
    )


@st.composite
def records(draw: st.DrawFn) -> tuple[ModelPrice, PriceTable, dt.datetime, Request, str]:
    # each catalog equally often (the test sheets are small), its tricky models most of the time
    catalog, table = draw(st.sampled_from(catalogs()))
    tricky = [m for m in catalog.models if interesting(m)]
    pool = tricky if tricky and draw(st.integers(0, 3)) else catalog.models
    model = draw(st.sampled_from(pool))
    offered = sorted({"standard", *(t.name for p in model.periods for t in p.all_service_tiers())})
    return (
        model,
        table,
        draw(moments(model)),
        draw(requests(model)),
        draw(st.sampled_from(offered if draw(st.integers(0, 3)) else SERVICE_TIERS)),
    )


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records())
def test_one_row_prices_each_record_as_the_engine_does(
    record: tuple[ModelPrice, PriceTable, dt.datetime, Request, str],
) -> None:
    model, table, moment, request, service = record
    expected = oracle(model, moment, request, service)
    found = matching(table, model.ref, moment, request.input_tokens, service)
    if expected is None:
        assert found == []
        return
    assert len(found) == 1, found
    (row,) = found
    assert row_price(row, request) == expected
    period = model.period_at(moment)
    assert period is not None
    tier = period.service_tier(service) if service != "standard" else None
    if tier is None or tier.multiplier is not None:
        assert row.window == (window_at(period, moment) or "")
    else:
        assert row.window == ""


def test_every_model_of_the_bundled_catalog_has_rows_and_names() -> None:
    catalog, table = catalogs()[0]
    refs = {r.model_ref for r in table.rates}
    assert refs == {m.ref for m in catalog.models}
    assert {n.model_ref for n in table.names} == refs
    assert all(n.name == n.name.lower() for n in table.names)


# -- by hand: tests/data/core/acme.yaml -----------------------------------------------------------


@functools.cache
def acme() -> PriceTable:
    return build_price_table(load_catalog([str(ACME)]))


def rows_of(model: str, service: str = "standard") -> list[RateRow]:
    return [r for r in acme().rates if r.model == model and r.service_tier == service]


def D(text: str) -> Decimal:
    return Decimal(text)


def rates(row: RateRow) -> tuple[Decimal, ...]:
    return (
        row.input_rate,
        row.cached_rate,
        row.cache_write_rate,
        row.cache_write_1h_rate,
        row.output_rate,
    )


# acme-night per token: list 0.40 / cached 0.04 / no write rates (= input) / 1.60;
# off-peak x0.25; weekend explicit 0.20 / cached 0.04 kept / writes = 0.20 / 0.80
LIST = (D("0.0000004"), D("0.00000004"), D("0.0000004"), D("0.0000004"), D("0.0000016"))
OFF = (D("0.0000001"), D("0.00000001"), D("0.0000001"), D("0.0000001"), D("0.0000004"))
WEEKEND = (D("0.0000002"), D("0.00000004"), D("0.0000002"), D("0.0000002"), D("0.0000008"))


def test_wrapping_window_segments_by_hand() -> None:
    got = [(r.wk_lo, r.wk_hi, r.window, rates(r)) for r in rows_of("acme-night")]
    # 16:30 = 990 and 00:30 = 30 minutes into a day; a day is 1440 minutes. The off-peak window
    # runs from 16:30 to 00:30 the next day, every day; on Saturday and Sunday the weekend
    # window holds the rest of the day (off-peak comes first, so it wins where both cover).
    assert got == [
        (0, 30, "off-peak", OFF),  # Sunday's window, wrapped past the end of the week
        (30, 990, "", LIST),
        (990, 1470, "off-peak", OFF),  # Monday 16:30 to Tuesday 00:30
        (1470, 2430, "", LIST),
        (2430, 2910, "off-peak", OFF),
        (2910, 3870, "", LIST),
        (3870, 4350, "off-peak", OFF),
        (4350, 5310, "", LIST),
        (5310, 5790, "off-peak", OFF),
        (5790, 6750, "", LIST),
        (6750, 7230, "off-peak", OFF),  # Friday 16:30 to Saturday 00:30
        (7230, 8190, "weekend", WEEKEND),  # Saturday 00:30 to 16:30
        (8190, 8670, "off-peak", OFF),
        (8670, 9630, "weekend", WEEKEND),
        (9630, 10080, "off-peak", OFF),  # Sunday 16:30 to the end of the week
    ]
    for row in rows_of("acme-night"):
        assert (row.valid_from, row.valid_until) == (
            dt.datetime(1970, 1, 1),
            dt.datetime(9999, 12, 31),
        )
        assert (row.tier, row.tier_lo, row.tier_hi) == (0, -1, TIER_MAX)


def test_batch_halves_each_segment() -> None:
    # the sheet's batch_multiplier 0.5 applies on top of the window in force
    batch = rows_of("acme-night", "batch")
    assert [(r.wk_lo, r.wk_hi) for r in batch] == [
        (r.wk_lo, r.wk_hi) for r in rows_of("acme-night")
    ]
    assert rates(batch[2]) == (D("5E-8"), D("5E-9"), D("5E-8"), D("5E-8"), D("2E-7"))
    assert rates(batch[11]) == (D("1E-7"), D("2E-8"), D("1E-7"), D("1E-7"), D("4E-7"))
    assert rows_of("acme-night", "flex") == []


def test_periods_and_tiers_by_hand() -> None:
    got = [
        (r.valid_from, r.valid_until, r.tier, r.tier_lo, r.tier_hi, r.input_rate, r.output_rate)
        for r in rows_of("acme-tiered")
    ]
    assert got == [
        # history: 3 / 9 from 2026-01-01 until 2026-06-01 12:00; nothing before it
        (
            dt.datetime(2026, 1, 1),
            dt.datetime(2026, 6, 1, 12),
            0,
            -1,
            TIER_MAX,
            D("0.000003"),
            D("0.000009"),
        ),
        # now: up to 128,000 input tokens 1 / 4, above 2 / 8
        (
            dt.datetime(2026, 6, 1, 12),
            dt.datetime(9999, 12, 31),
            0,
            -1,
            128000,
            D("0.000001"),
            D("0.000004"),
        ),
        (
            dt.datetime(2026, 6, 1, 12),
            dt.datetime(9999, 12, 31),
            1,
            128000,
            TIER_MAX,
            D("0.000002"),
            D("0.000008"),
        ),
    ]
    (old,) = rows_of("acme-old")
    # retired 2026-03-01: the open start ends there
    assert (old.valid_from, old.valid_until) == (dt.datetime(1970, 1, 1), dt.datetime(2026, 3, 1))
    assert rates(old) == (D("0.000005"),) * 4 + (D("0.000015"),)


def test_names_hold_ids_and_aliases() -> None:
    assert [n.values() for n in acme().names] == [
        ("acme", "acme-tiered", "acme/acme-tiered"),
        ("acme", "acme-t", "acme/acme-tiered"),
        ("acme", "acme-night", "acme/acme-night"),
        ("acme", "acme-old", "acme/acme-old"),
    ]


def test_explicit_service_tier_rows_use_their_own_tiers() -> None:
    table = build_price_table(load_catalog([str(DATA / "schema11" / "cloud.yaml")]))
    flex = [
        (r.tier, r.tier_lo, r.tier_hi, r.window, r.input_rate, r.output_rate)
        for r in table.rates
        if r.model == "cloud-long" and r.service_tier == "flex"
    ]
    # flex up to 1,000 input tokens: 0.5 / 1; above: 1.5 / 3
    assert flex == [
        (0, -1, 1000, "", D("0.0000005"), D("0.000001")),
        (1, 1000, TIER_MAX, "", D("0.0000015"), D("0.000003")),
    ]
    (batch,) = [r for r in table.rates if r.model == "cloud-tiers" and r.service_tier == "batch"]
    # explicit batch rates 1 / cached 0.20 / 4; no write rates, so writes at its input rate
    assert rates(batch) == (
        D("0.000001"),
        D("0.0000002"),
        D("0.000001"),
        D("0.000001"),
        D("0.000004"),
    )


# -- the exporter ---------------------------------------------------------------------------------

OLD_CSV = (
    "acme/acme-old,acme,acme-old,USD,1970-01-01T00:00:00,2026-03-01T00:00:00,0,-1,"
    "1000000000000000000,0,10080,,standard,0.000005,0.000005,0.000005,0.000005,0.000015"
)


def export(run: Run, *args: object) -> tuple[int, str, str]:
    return run(["export", "prices-table", "--prices", ACME, *args])


def test_csv_export_writes_rates_and_names(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "prices.csv"
    code, stdout, err = export(run, "-o", out)
    assert (code, stdout, err) == (0, "", f"wrote {out}\n")
    text = out.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == (
        "model_ref,provider,model,currency,valid_from,valid_until,tier,tier_lo,tier_hi,wk_lo,"
        "wk_hi,window,service_tier,input_rate,cached_rate,cache_write_rate,cache_write_1h_rate,"
        "output_rate"
    )
    assert OLD_CSV in lines
    assert "E" not in text.replace("USD", "")  # no exponents anywhere
    # acme-night in the batch tier, Monday 16:30 to Tuesday 00:30: 0.40 x 0.25 x 0.5 = 0.05
    assert (
        "acme/acme-night,acme,acme-night,USD,1970-01-01T00:00:00,9999-12-31T00:00:00,0,-1,"
        "1000000000000000000,990,1470,off-peak,batch,0.00000005,0.000000005,0.00000005,"
        "0.00000005,0.0000002"
    ) in lines
    assert len(lines) == 1 + 3 * 2 + 15 * 2 + 1 * 2  # tiered, night, old; standard + batch
    names = list(
        csv.reader((tmp_path / "prices.names.csv").read_text(encoding="utf-8").splitlines())
    )
    assert names[0] == ["provider", "name", "model_ref"]
    assert ["acme", "acme-t", "acme/acme-tiered"] in names


def test_jsonl_export_keeps_decimals_as_text(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "prices.jsonl"
    code, _, err = export(run, "-o", out)
    assert code == 0, err
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    old = [r for r in rows if r["model"] == "acme-old" and r["service_tier"] == "batch"]
    assert old == [
        {
            "model_ref": "acme/acme-old",
            "provider": "acme",
            "model": "acme-old",
            "currency": "USD",
            "valid_from": "1970-01-01T00:00:00",
            "valid_until": "2026-03-01T00:00:00",
            "tier": 0,
            "tier_lo": -1,
            "tier_hi": 10**18,
            "wk_lo": 0,
            "wk_hi": 10080,
            "window": "",
            "service_tier": "batch",
            "input_rate": "0.0000025",
            "cached_rate": "0.0000025",
            "cache_write_rate": "0.0000025",
            "cache_write_1h_rate": "0.0000025",
            "output_rate": "0.0000075",
        }
    ]
    names = (tmp_path / "prices.names.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(names[0]) == {
        "provider": "acme",
        "name": "acme-tiered",
        "model_ref": "acme/acme-tiered",
    }


def test_stdout_is_the_rates_csv(run: Run) -> None:
    code, out, err = export(run)
    assert (code, err) == (0, "")
    assert out.splitlines()[0].startswith("model_ref,provider,")
    assert OLD_CSV in out.splitlines()


def test_existing_files_need_force(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "prices.csv"
    (tmp_path / "prices.names.csv").write_text("keep\n", encoding="utf-8")
    code, stdout, err = export(run, "-o", out)
    assert (code, stdout) == (2, "")
    assert err == (
        f"error: {tmp_path / 'prices.names.csv'} exists; nothing was written "
        "(pass --force to overwrite it)\n"
    )
    assert not out.exists()
    code, _, err = export(run, "-o", out, "--force")
    assert code == 0, err
    assert (tmp_path / "prices.names.csv").read_text(encoding="utf-8").startswith("provider,")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["export", "prices-table", "-o", "t.xlsx"], "unknown table format '.xlsx'"),
        (["export", "nope"], "'nope' is not one of 'litellm', 'genai-prices', 'prices-table'"),
        (["export", "prices-table", "-o", "missing-dir/t.csv"], "missing-dir/t.csv: cannot write"),
    ],
)
def test_bad_export_requests(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run([*argv, "--prices", ACME])
    assert (code, out) == (2, "")
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_parquet_without_pyarrow_names_the_extra(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if it were not installed
    code, _, err = export(run, "-o", tmp_path / "t.parquet")
    assert code == 2
    assert "aicost[parquet]" in err and err.count("\n") == 1
    assert not (tmp_path / "t.parquet").exists()


@pytest.mark.skipif(importlib.util.find_spec("pyarrow") is None, reason="needs pyarrow")
def test_parquet_keeps_exact_decimals(run: Run, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    code, _, err = export(run, "-o", tmp_path / "t.parquet")
    assert code == 0, err
    rows = pq.read_table(tmp_path / "t.parquet").to_pylist()
    night = [
        r
        for r in rows
        if r["model"] == "acme-night" and r["service_tier"] == "batch" and r["wk_lo"] == 990
    ]
    (row,) = night
    assert row["input_rate"] == Decimal("0.00000005")
    assert row["cached_rate"] == Decimal("0.000000005")
    assert row["valid_until"] == dt.datetime(9999, 12, 31)
    names = pq.read_table(tmp_path / "t.names.parquet").to_pylist()
    assert {"provider": "acme", "name": "acme-t", "model_ref": "acme/acme-tiered"} in names
