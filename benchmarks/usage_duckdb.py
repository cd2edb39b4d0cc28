"""The pricing query (usage.sql) in DuckDB on N synthetic rows: wall time of the query alone.

    python benchmarks/usage_duckdb.py [N] [--threads T]

Rows are generated inside DuckDB (five test models, one unknown, three service tiers, single
requests and buckets) and priced against tests/data/usage/sheets, grouped by month and model,
with the detail the DuckDB engine asks for. Run under /usr/bin/time -v for the peak RSS.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import duckdb

from aicost.sheets.sources import load_catalog
from aicost.usage.engine_duckdb import _load_price_table
from aicost.usage.sql import QueryPlan, UsageColumns, pricing_sql

SHEETS = Path(__file__).resolve().parents[1] / "tests" / "data" / "usage" / "sheets"


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 10_000_000
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    if "--threads" in sys.argv:
        con.execute(f"SET threads = {int(sys.argv[sys.argv.index('--threads') + 1])}")
    con.execute(
        f"""CREATE TABLE usage AS SELECT
        TIMESTAMP '2026-01-01' + TO_SECONDS(CAST((i * 37) % 20000000 AS BIGINT)) AS ts,
        CAST(NULL AS VARCHAR) AS provider,
        ['lab-chat', 'lab-long', 'lab-flex', 'lab-old', 'nope'][1 + i % 5] AS model,
        CAST(CASE WHEN i % 50 = 0 THEN 1 + i % 7 ELSE 1 END AS BIGINT) AS requests,
        CAST(i % 3000 AS BIGINT) AS input_tokens, CAST(i % 7 AS BIGINT) AS cache_read,
        CAST(0 AS BIGINT) AS cache_write_5m, CAST(0 AS BIGINT) AS cache_write_1h,
        CAST(i % 900 AS BIGINT) AS output_tokens, CAST(0 AS BIGINT) AS reasoning_tokens,
        ['standard', 'batch', 'flex'][1 + i % 3] AS service_tier
        FROM range({n}) AS t(i)"""
    )
    with tempfile.TemporaryDirectory() as tmp:
        scale = _load_price_table(con, load_catalog([str(SHEETS)]), Path(tmp))
    plan = QueryPlan(by=("month", "model"), detail=True, retirements="retirements")
    sql = pricing_sql(UsageColumns(), "usage", plan, rate_scale=scale)
    start, cpu = time.perf_counter(), time.process_time()
    rows = con.execute(sql).fetchall()
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"duckdb query: {n:,} rows in {took:.2f} s wall, {cpu:.2f} s CPU, {len(rows)} rows")


if __name__ == "__main__":
    main()
