"""The Spark engine (local mode) against the Python engine (the oracle): records on the edges of
tests/data/usage/sheets/engine.yaml (the price change at 2026-03-02 16:00, lab-old's retirement at
2026-02-01, the off-peak window 16:30-00:30 wrapping midnight, lab-flex's weekend and night
windows, lab-long's tier bound at 1000, service tiers offered and lacking, buckets, unknown and
provider-qualified names) give identical rows, totals and coverage, whether the records stream
through aicost's readers or Spark reads a CSV/Parquet table itself with a `--map`.

One Spark session serves the module (it takes ~30 s to start)."""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from aicost.sheets.sources import load_catalog
from aicost.usage.engine_python import UsageOptions
from aicost.usage.engine_python import price as python_price
from aicost.usage.record import UsageRecord
from aicost.usage.sources import open_sources

pytestmark = pytest.mark.slow
pytest.importorskip("sqlglot")
pytest.importorskip("pyspark", reason="pyspark is not installed (pip install 'aicost[spark]')")
if shutil.which("java") is None:
    pytest.skip("Spark needs Java 17+ and no `java` is on PATH", allow_module_level=True)

from aicost.usage import engine_spark  # noqa: E402

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
PROMPTS = [0, 1, 499, 500, 501, 999, 1000, 1001, 3000, 3001, 7001]
REQUESTS = [1, 1, 1, 2, 3, 7]
PROJECTS = ["a", "b", ""]


def edge_records() -> list[UsageRecord]:
    """Every edge, one minute before / on / one minute after (and 59 s into the minute), for every
    model; tiers, prompt sizes, buckets and projects cycle so every combination of neighbours
    turns up."""
    out = []
    counter = itertools.count()
    for edge, minutes, seconds in itertools.product(EDGES, (-1, 0, 1, 60 * 24 * 3), (0, 59)):
        moment = edge + dt.timedelta(minutes=minutes, seconds=seconds)
        for provider, model in MODELS:
            n = next(counter)
            prompt = PROMPTS[n % len(PROMPTS)]
            read = prompt // 3
            w5 = (prompt - read) // 4 if n % 2 else 0
            w1h = (prompt - read - w5) // 5 if n % 3 == 0 else 0
            output = (n * 37) % 5000
            out.append(
                UsageRecord(
                    ts=moment,
                    model=model,
                    provider=provider,
                    requests=REQUESTS[n % len(REQUESTS)],
                    input_tokens=prompt,
                    cache_read=read,
                    cache_write_5m=w5,
                    cache_write_1h=w1h,
                    output_tokens=output,
                    reasoning_tokens=output // 2,
                    service_tier=TIERS[(n // 3) % len(TIERS)],
                    dims=(("project", PROJECTS[n % len(PROJECTS)]),),
                )
            )
    return out


RECORDS = edge_records()
BYS = [
    ("provider", "model"),
    ("day", "service_tier"),
    ("month", "project"),
    ("model", "week"),
]


@pytest.fixture(scope="module")
def spark() -> object:
    return engine_spark.session("local[2]")


@pytest.mark.parametrize("by", BYS, ids=["-".join(b) for b in BYS])
def test_spark_equals_python_on_edge_records(spark: object, by: tuple[str, ...]) -> None:
    opts = UsageOptions(by=by)
    python = python_price(lambda: iter(RECORDS), CATALOG, opts)
    sparked = engine_spark.price(lambda: iter(RECORDS), CATALOG, opts, master="local[2]")
    assert len(RECORDS) == 720
    assert sparked.rows == python.rows
    assert sparked.totals == python.totals
    assert sparked.coverage == python.coverage
    # the edges reach every way a record can end: priced, not offered, unknown, retired, early
    reasons = {u.reason for u in python.coverage.unpriced}
    assert {"unknown model", "retired", "not yet priced"} <= reasons
    assert python.coverage.service_tier_not_offered
    assert python.coverage.tier_by_average


def test_monday_is_priced_as_monday_on_spark(spark: object) -> None:
    # Spark's DAYOFWEEK is Sunday = 1; Monday 2026-03-09 23:00 is lab-flex's weekday night
    # (input 0.5/M), not the weekend's x0.25
    r = UsageRecord(ts=dt.datetime(2026, 3, 9, 23, 0), model="lab-flex", input_tokens=1_000_000)
    result = engine_spark.price(lambda: iter([r]), CATALOG, UsageOptions(), master="local[2]")
    assert result.totals.total == Decimal("0.5")


def test_a_service_tier_the_model_lacks_is_priced_at_list_on_spark(spark: object) -> None:
    # lab-long offers no flex tier: 2000 input at the upper tier's 3/M, 100 output at 6/M
    r = UsageRecord(
        ts=dt.datetime(2026, 5, 1),
        model="lab-long",
        input_tokens=2000,
        output_tokens=100,
        service_tier="flex",
    )
    result = engine_spark.price(lambda: iter([r]), CATALOG, UsageOptions(), master="local[2]")
    assert result.totals.total == Decimal(2000 * 3 + 100 * 6) / 1_000_000
    (flag,) = result.coverage.service_tier_not_offered
    assert (flag.model, flag.service_tier, flag.records) == ("lab/lab-long", "flex", 1)


MAP = """\
preset: openai
fields:
  ts: time
  provider: vendor
  model: model_name
  requests: n
  input: prompt
  output: completion
  cache_read: cached
  cache_write: written
  cache_write_1h: written_1h
  reasoning: thinking
  service_tier: tier
dims:
  project: project
"""
HEADER = (
    "time,vendor,model_name,n,prompt,completion,cached,written,written_1h,thinking,tier,project"
)


def _csv(records: list[UsageRecord]) -> str:
    lines = [HEADER]
    for r in records:
        lines.append(
            ",".join(
                str(v)
                for v in (
                    r.ts.isoformat() + "Z",
                    r.provider or "",
                    r.model,
                    r.requests,
                    r.input_tokens,
                    r.output_tokens,
                    r.cache_read,
                    r.cache_write_5m,
                    r.cache_write_1h,
                    r.reasoning_tokens,
                    r.service_tier,
                    dict(r.dims)["project"],
                )
            )
        )
    return "\n".join(lines) + "\n"


def _oracle(path: Path, mapping: Path, opts: UsageOptions) -> object:
    with open_sources([str(path)], "csv", mapping) as found:
        return python_price(found.records, CATALOG, opts)


# records the generic reader keeps as they are: a provider on every row (an empty CSV cell is
# no provider to the reader, and the empty string to SQL), no service tier name it would rename
TABLE_RECORDS = [r for r in RECORDS if r.provider is not None]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_spark_reads_a_mapped_table_itself_and_equals_python(
    spark: object, tmp_path: Path, fmt: str
) -> None:
    duckdb = pytest.importorskip("duckdb")
    mapping = tmp_path / "map.yaml"
    mapping.write_text(MAP)
    table = tmp_path / "usage.csv"
    table.write_text(_csv(TABLE_RECORDS))
    target = table
    if fmt == "parquet":
        target = tmp_path / "usage.parquet"
        duckdb.sql(f"COPY (SELECT * FROM read_csv('{table}', all_varchar = true)) TO '{target}'")
    opts = UsageOptions(by=("month", "model", "project"), since=dt.datetime(2026, 1, 1, 0, 1))
    python = _oracle(table, mapping, opts)
    source = engine_spark.TableSource((str(target),), engine_spark.table_format(str(target)))
    sparked = engine_spark.price_paths(source, mapping, CATALOG, opts, master="local[2]")
    assert sparked.rows == python.rows  # type: ignore[attr-defined]
    assert sparked.totals == python.totals  # type: ignore[attr-defined]
    assert sparked.coverage.unpriced == python.coverage.unpriced  # type: ignore[attr-defined]
    assert sparked.coverage.records_read == python.totals.records + sum(  # type: ignore[attr-defined]
        u.records
        for u in python.coverage.unpriced  # type: ignore[attr-defined]
    )


def test_the_cli_prices_on_spark(run: object, spark: object, tmp_path: Path) -> None:
    # 1000 lab-chat input tokens on Friday 2026-05-01 10:00 (outside the off-peak window) at 2/M
    # and 500 output at 10/M (engine.yaml's list price after the 2026-03-02 change): 0.002 + 0.005
    (tmp_path / "map.yaml").write_text(MAP)
    (tmp_path / "u.csv").write_text(
        HEADER + "\n2026-05-01T10:00:00Z,lab,lab-chat,1,1000,500,0,0,0,0,standard,a\n"
    )
    argv = ["usage", "price", str(tmp_path / "u.csv"), "--map", str(tmp_path / "map.yaml")]
    argv += [
        "--engine",
        "spark",
        "--spark-master",
        "local[2]",
        "--prices",
        str(SHEETS),
        "-f",
        "json",
    ]
    code, out, err = run(argv)  # type: ignore[operator]
    assert code == 0, err
    import json

    assert Decimal(json.loads(out)["totals"]["total"]) == Decimal("0.007")
