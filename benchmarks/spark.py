"""The pricing query on Spark local[2] against DuckDB, on N rows of Parquet each.

    python benchmarks/spark.py [N ...]        (default: 1000000 5000000 10000000)

Needs the duckdb, sql and spark extras and Java 17. For each N: DuckDB writes N synthetic usage
rows (the canonical columns, spread over 2026 on the engine test sheet's models, tiers and service
tiers) to Parquet; DuckDB and Spark each price that file with the same query (`usage sql`, their
dialects) grouped by month and model; the two results must be equal row for row, exactly. The
Spark time is measured after the session is up (its start is printed once).
"""

from __future__ import annotations

import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from aicost.sheets.sources import load_catalog
from aicost.usage.engine_duckdb import _connect, _load_price_table
from aicost.usage.engine_spark import register_price_table, session
from aicost.usage.sql import QueryPlan, UsageColumns, pricing_sql, transpile

SHEETS = Path(__file__).resolve().parents[1] / "tests" / "data" / "usage" / "sheets"
BY = ("month", "model")

GENERATE = """
COPY (
  SELECT TIMESTAMP '2026-01-01' + to_seconds(CAST(hash(i) % 31536000 AS BIGINT)) AS ts,
    CASE WHEN i % 11 = 0 THEN 'other' ELSE NULL END AS provider,
    ['lab-chat', 'lab-long', 'LAB-CHAT-LATEST', 'lab/lab-flex', 'lab-flex', 'lab-old',
     'no-such-model'][1 + i % 7] AS model,
    1 + (i % 13 = 0)::INT AS requests,
    CAST(hash(i * 3) % 4000 AS BIGINT) + 200 AS input_tokens,
    CAST(hash(i * 5) % 100 AS BIGINT) AS cache_read,
    CAST(i % 7 AS BIGINT) AS cache_write_5m,
    CAST(i % 5 AS BIGINT) AS cache_write_1h,
    CAST(hash(i * 7) % 2000 AS BIGINT) AS output_tokens,
    CAST(i % 50 AS BIGINT) AS reasoning_tokens,
    ['standard', 'standard', 'batch', 'flex', 'priority'][1 + i % 5] AS service_tier
  FROM range({n}) AS t(i)
) TO '{path}' (FORMAT PARQUET)
"""


def _rows(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    """Rows compared by value: DuckDB and Spark give the same decimals at different scales."""
    out = [tuple(v.normalize() if isinstance(v, Decimal) else v for v in r) for r in rows]
    return sorted(out, key=repr)


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1_000_000, 5_000_000, 10_000_000]
    catalog = load_catalog([str(SHEETS)])
    plan = QueryPlan(by=BY)
    started = time.perf_counter()
    spark = session("local[2]")
    print(f"spark session up in {time.perf_counter() - started:.1f} s", flush=True)
    with tempfile.TemporaryDirectory(prefix="aicost-bench-") as tmp:
        folder = Path(tmp)
        con = _connect()
        scale = _load_price_table(con, catalog, folder)
        register_price_table(spark, catalog)
        query = pricing_sql(UsageColumns(), "usage", plan, rate_scale=scale)
        spark_query = transpile(query, "spark")
        for n in sizes:
            path = folder / f"usage_{n}.parquet"
            con.execute(GENERATE.format(n=n, path=path))
            con.execute(f"CREATE OR REPLACE VIEW usage AS SELECT * FROM read_parquet('{path}')")
            t0 = time.perf_counter()
            duck = [tuple(r) for r in con.execute(query).fetchall()]
            t_duck = time.perf_counter() - t0
            spark.read.parquet(str(path)).createOrReplaceTempView("usage")
            t0 = time.perf_counter()
            sparked = [tuple(r) for r in spark.sql(spark_query).collect()]
            t_spark = time.perf_counter() - t0
            equal = _rows(duck) == _rows(sparked)
            total = sum(r[-1] or 0 for r in duck)
            print(
                f"{n:>11,} rows: spark {t_spark:6.1f} s ({n / t_spark / 1e6:.2f} M rows/s), "
                f"duckdb {t_duck:5.1f} s, {len(duck)} result rows, "
                f"equal to duckdb: {equal}, output cost {total}",
                flush=True,
            )
            if not equal:
                raise SystemExit("spark and duckdb differ")
            path.unlink()


if __name__ == "__main__":
    main()
