"""PostgreSQL parity: a throwaway PostgreSQL 15 cluster on a Unix socket in a temp dir (no TCP),
loaded with `aicost export prices-table --dialect postgres` and a usage table (COPY FROM STDIN
through psql, no Python driver), runs the postgres-dialect pricing query; its sums and cost parts
must equal the Python engine's exactly on the same edge records."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aicost.catalogs.price_table import sql_text
from aicost.usage.engine_duckdb import _tier_prompt
from aicost.usage.engine_python import UsageOptions
from aicost.usage.engine_python import price as python_price
from aicost.usage.record import UsageRecord
from aicost.usage.sql import QueryPlan, UsageColumns, pricing_sql, transpile
from test_usage_duckdb import CATALOG, records

pytestmark = pytest.mark.slow
pytest.importorskip("sqlglot")
BIN = Path("/usr/lib/postgresql/15/bin")


def _as_postgres(argv: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    if os.geteuid() == 0:  # initdb refuses root
        argv = ["runuser", "-u", "postgres", "--", *argv]
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kw)  # type: ignore[call-overload, no-any-return]


@pytest.fixture(scope="module")
def psql() -> Iterator[list[str]]:
    if not (BIN / "initdb").exists() or shutil.which("psql") is None:
        pytest.skip(f"PostgreSQL 15 binaries not found in {BIN}")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: initdb refuses root")
    folder = Path(tempfile.mkdtemp(prefix="aicost-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data = folder / "data"
    _as_postgres([str(BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"])
    options = f"-c listen_addresses='' -c unix_socket_directories={folder} -c fsync=off"
    _as_postgres(
        [
            str(BIN / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-w",
            "start",
            "-l",
            str(folder / "log"),
        ]
    )
    try:
        yield ["psql", "-h", str(folder), "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-q", "-X"]
    finally:
        _as_postgres([str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"])
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def loaded(psql: list[str]) -> list[str]:
    subprocess.run([*psql, "-c", sql_text(CATALOG, "postgres")], check=True, capture_output=True)
    return psql


USAGE_DDL = (
    "DROP TABLE IF EXISTS usage; CREATE TABLE usage (ts TIMESTAMP, provider TEXT, model TEXT, "
    "requests BIGINT, input_tokens BIGINT, cache_read BIGINT, cache_write_5m BIGINT, "
    "cache_write_1h BIGINT, output_tokens BIGINT, reasoning_tokens BIGINT, service_tier TEXT, "
    "tier_prompt BIGINT);"
)


def _copy(psql: list[str], rows: list[UsageRecord]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for r in rows:
        writer.writerow(
            [
                r.ts.isoformat(sep=" "),
                r.provider if r.provider is not None else "\\N",
                r.model,
                r.requests,
                r.input_tokens,
                r.cache_read,
                r.cache_write_5m,
                r.cache_write_1h,
                r.output_tokens,
                r.reasoning_tokens,
                r.service_tier,
                "\\N" if (hint := _tier_prompt(r)) < 0 else hint,
            ]
        )
    subprocess.run([*psql, "-c", USAGE_DDL], check=True, capture_output=True)
    subprocess.run(
        [*psql, "-c", "COPY usage FROM STDIN WITH (FORMAT csv, NULL '\\N')"],
        input=buffer.getvalue(),
        check=True,
        capture_output=True,
        text=True,
    )


def _query(psql: list[str], by: tuple[str, ...]) -> list[dict[str, str]]:
    columns = UsageColumns(tier_prompt="tier_prompt")  # the context_window hint, as DuckDB's
    text = transpile(pricing_sql(columns, "usage", QueryPlan(by=by)), "postgres")
    out = subprocess.run(
        [*psql, "--csv", "-c", text], check=True, capture_output=True, text=True
    ).stdout
    return list(csv.DictReader(io.StringIO(out)))


@settings(max_examples=10, deadline=None)
@given(st.lists(records(), min_size=1, max_size=30))
def test_postgres_equals_python(loaded: list[str], rs: list[UsageRecord]) -> None:
    _copy(loaded, rs)
    rows = _query(loaded, ("provider", "model"))
    python = python_price(lambda: iter(rs), CATALOG, UsageOptions(by=("provider", "model")))
    priced = [r for r in rows if r["status"].startswith("priced")]
    assert sum(Decimal(r["input_cost"]) for r in priced) == python.totals.input_cost
    assert sum(Decimal(r["cached_cost"]) for r in priced) == python.totals.cached_cost
    assert sum(Decimal(r["cache_write_cost"]) for r in priced) == python.totals.cache_write_cost
    assert sum(Decimal(r["output_cost"]) for r in priced) == python.totals.output_cost
    assert sum(int(r["records"]) for r in priced) == python.totals.records
    unpriced = [r for r in rows if not r["status"].startswith("priced")]
    assert all(r["input_cost"] == "" for r in unpriced)  # NULL, never zero
    assert sum(int(r["records"]) for r in unpriced) == python.coverage.unpriced_records
    for row in python.rows:
        group = dict(row.group)
        mine = [
            r for r in priced if (r["provider"], r["model"]) == (group["provider"], group["model"])
        ]
        assert (
            sum(
                Decimal(r["input_cost"])
                + Decimal(r["cached_cost"])
                + Decimal(r["cache_write_cost"])
                + Decimal(r["output_cost"])
                for r in mine
            )
            == row.total
        )


def test_a_million_rows(loaded: list[str]) -> None:
    """1,000,000 rows priced in PostgreSQL (measured, reported; not a gate on a shared machine)."""
    import time

    gen = (
        "INSERT INTO usage SELECT TIMESTAMP '2026-01-01' + (i % 500000) * INTERVAL '37 seconds', "
        "NULL, (ARRAY['lab-chat','lab-long','lab-flex','lab-old','nope'])[1 + i % 5], 1, "
        "i % 3000, i % 7, 0, 0, i % 900, 0, (ARRAY['standard','batch','flex'])[1 + i % 3], NULL "
        "FROM generate_series(1, 1000000) AS i"
    )
    subprocess.run([*loaded, "-c", USAGE_DDL + gen], check=True, capture_output=True)
    start = time.perf_counter()
    rows = _query(loaded, ("month", "model"))
    took = time.perf_counter() - start
    print(f"postgres: 1,000,000 rows priced in {took:.2f} s")
    assert sum(int(r["records"]) for r in rows) == 1_000_000
