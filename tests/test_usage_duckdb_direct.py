"""`--engine duckdb` reading a `--map` CSV or JSON Lines file itself (`price_paths`) against the
Python engine reading the same file through the generic reader (the oracle): rows, totals and
coverage agree on records drawn on the edges of tests/data/usage/sheets/engine.yaml (the price
change at 2026-03-02 16:00, lab-old's retirement, the off-peak window wrapping midnight, lab-flex's
weekend and night windows, lab-long's tier bound at 1000, an unknown model), with malformed rows,
duplicate ids and a date filter. Only the malformed rows' examples differ (DuckDB gives none)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
from decimal import Decimal
from pathlib import Path

import pytest

from aicost.sheets.sources import load_catalog
from aicost.usage.engine_python import UsageOptions
from aicost.usage.engine_python import price as python_price
from aicost.usage.engine_spark import TableSource
from aicost.usage.sources import open_sources

pytest.importorskip("duckdb")

from aicost.usage.engine_duckdb import price_paths

SHEETS = Path(__file__).parent / "data" / "usage" / "sheets"
CATALOG = load_catalog([str(SHEETS)])

EDGES = [
    dt.datetime(2026, 3, 2, 16, 0),  # lab-chat's price change
    dt.datetime(2026, 2, 1, 0, 0),  # lab-old retired
    dt.datetime(2026, 3, 3, 16, 30),  # off-peak starts
    dt.datetime(2026, 3, 4, 0, 30),  # off-peak ends (after midnight)
    dt.datetime(2026, 3, 7, 0, 0),  # Saturday: lab-flex's weekend window
    dt.datetime(2026, 3, 9, 6, 0),  # lab-flex's night ends
]
MODELS = [
    ("", "lab-chat"),
    ("", "LAB-CHAT-LATEST"),
    ("lab", "lab-long"),
    ("", "lab/lab-flex"),
    ("", "lab-old"),
    ("other", "lab-chat"),
    ("", "no-such-model"),
]
PROMPTS = [0, 999, 1000, 1001, 3001]
TIERS = ["", "standard", "Batch", "flex", "auto", "priority"]
MAP = """\
preset: anthropic
fields:
  ts: {p}ts
  provider: {p}provider
  model: {p}model
  requests: {p}requests
  input: {p}usage.input
  output: {p}usage.output
  cache_read: {p}usage.read
  cache_write: {p}usage.write
  service_tier: {p}tier
  id: {p}id
dims:
  project: {p}project
"""
COLUMNS = ["ts", "provider", "model", "requests", "input", "output", "read", "write", "tier", "id",
           "project"]  # fmt: skip


def rows() -> list[list[str]]:
    out = []
    combos = itertools.product(EDGES, [-1, 0, 1], MODELS, PROMPTS)
    for i, (edge, minutes, (provider, model), prompt) in enumerate(combos):
        moment = edge + dt.timedelta(minutes=minutes, seconds=59 * (i % 2))
        stamp = moment.isoformat() + ("Z" if i % 3 == 0 else "+00:00" if i % 3 == 1 else "")
        ident = f"r{i // 10}" if i % 5 == 0 else ""  # rows i and i + 5 share an id
        read = prompt // 3
        out.append([stamp, provider, model, str(1 + i % 3), str(prompt), str((i * 37) % 900),
                    str(read), str(i % 4), TIERS[i % len(TIERS)], ident, "ab"[i % 2]])  # fmt: skip
    out += [
        ["2026-03-05T10:00:00Z", "", "lab-chat", "1", "12.5", "1", "0", "0", "", "", "a"],
        ["yesterday", "", "lab-chat", "1", "10", "1", "0", "0", "", "", "a"],
        ["2026-03-05T10:00:00Z", "", "", "1", "10", "1", "0", "0", "", "", "a"],
        ["2026-03-05T10:00:00Z", "", "lab-chat", "1", "-3", "1", "0", "0", "", "", "a"],
        ["2026-03-05T10:00:00Z", "", "lab-chat", "", "", "", "", "", "", "", "b"],
    ]
    return out


def write_csv(folder: Path) -> tuple[Path, Path]:
    data, mapping = folder / "usage.csv", folder / "map.yaml"
    lines = [",".join(COLUMNS)] + [",".join(r) for r in rows()]
    data.write_text("\n".join(lines) + "\n")
    mapping.write_text(MAP.format(p="").replace("usage.", ""))
    return data, mapping


def write_jsonl(folder: Path) -> tuple[Path, Path]:
    data, mapping = folder / "usage.jsonl", folder / "map.yaml"
    with data.open("w") as out:
        for r in rows():
            v = dict(zip(COLUMNS, r, strict=True))
            usage = {k: v.pop(k) for k in ("input", "output", "read", "write")}
            out.write(json.dumps({**v, "usage": usage}) + "\n")
    mapping.write_text(MAP.format(p="$."))
    return data, mapping


def both(data: Path, mapping: Path, fmt: str, **options: object) -> tuple[object, object]:
    opts = UsageOptions(**options)  # type: ignore[arg-type]
    with open_sources([str(data)], None, mapping) as found:
        python = python_price(found.records, CATALOG, opts)
    duck = price_paths(TableSource((str(data),), fmt), mapping, CATALOG, opts)
    return python, duck


CASES = [
    {"by": ("provider", "model")},
    {"by": ("day", "service_tier")},
    {"by": ("month", "project")},
    {"by": ("model", "week"), "since": dt.datetime(2026, 3, 3), "until": dt.datetime(2026, 3, 8)},
]


@pytest.mark.parametrize("options", CASES)
@pytest.mark.parametrize("writer", [write_csv, write_jsonl])
def test_duckdb_reading_the_file_equals_python(
    tmp_path: Path, writer: object, options: dict[str, object]
) -> None:
    data, mapping = writer(tmp_path)  # type: ignore[operator]
    fmt = "csv" if data.suffix == ".csv" else "jsonl"
    python, duck = both(data, mapping, fmt, **options)
    assert duck.rows == python.rows  # type: ignore[attr-defined]
    assert duck.totals == python.totals  # type: ignore[attr-defined]
    expected = dataclasses.replace(python.coverage, malformed_examples=())  # type: ignore[attr-defined]
    assert duck.coverage == expected  # type: ignore[attr-defined]
    # 12.5, "yesterday", no model, -3; and an empty requests cell (0 requests)
    assert duck.coverage.malformed == 5  # type: ignore[attr-defined]
    assert duck.coverage.duplicates_dropped > 0  # type: ignore[attr-defined]
    assert duck.coverage.unpriced  # type: ignore[attr-defined]


def test_a_small_file_priced_by_hand(tmp_path: Path) -> None:
    # lab-long: input 1/M up to 1000 prompt tokens, 3/M above; output 2/M and 6/M (engine.yaml)
    data = tmp_path / "u.csv"
    data.write_text(
        "ts,model,in,out\n2026-05-01T00:00:00Z,lab-long,1000,500\n2026-05-01,lab-long,2000,100\n"
        "2026-05-01,lab-long,x,1\n"
    )
    mapping = tmp_path / "m.yaml"
    mapping.write_text("preset: openai\nfields: {ts: ts, model: model, input: in, output: out}\n")
    opts = UsageOptions()
    duck = price_paths(TableSource((str(data),), "csv"), mapping, CATALOG, opts)
    expected = Decimal(1000 * 1 + 500 * 2 + 2000 * 3 + 100 * 6) / 1_000_000
    assert duck.totals.total == expected
    assert duck.coverage.malformed == 1
    assert duck.totals.records == 2


def test_cli_prices_a_mapped_csv_without_the_python_readers(
    tmp_path: Path, run: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, mapping = write_csv(tmp_path)
    argv = ["usage", "price", data, "--map", mapping, "-f", "json", "--prices", SHEETS]
    code_py, out_py, _ = run([*argv, "--engine", "python"])  # type: ignore[operator]
    assert code_py == 0

    def no_readers(*args: object, **kwargs: object) -> object:
        raise AssertionError("the records went through the Python readers")

    monkeypatch.setattr("aicost.usage.sources.open_sources", no_readers)
    code, out, err = run([*argv, "--engine", "duckdb"])  # type: ignore[operator]
    assert code == 0, err
    assert json.loads(out)["totals"] == json.loads(out_py)["totals"]


def test_cli_reconcile_still_goes_through_the_readers(
    tmp_path: Path, run: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    # --reconcile needs the reported costs the readers keep: the direct path is not taken
    data, mapping = write_csv(tmp_path)
    argv = ["usage", "price", data, "--map", mapping, "-f", "json", "--prices", SHEETS]
    code, out, err = run([*argv, "--engine", "duckdb", "--reconcile"])  # type: ignore[operator]
    assert code == 0, err
    _, out_py, _ = run([*argv, "--engine", "python", "--reconcile"])  # type: ignore[operator]
    assert json.loads(out)["totals"] == json.loads(out_py)["totals"]
