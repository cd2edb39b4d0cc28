"""`--engine duckdb`: the records priced by the pricing query (usage.sql) in an in-process DuckDB.

The readers' records stream through the Python engine's own bookkeeping (date filter, malformed
lines, duplicates, reported costs), so those rules are the reference's; what is left is written to
a temporary CSV file that DuckDB loads, beside the price table. The query sums integer tokens per
rate row and group and multiplies once, in DECIMAL; its rows become the same `UsageResult` the
Python engine returns, through the same finishing code (exchange rates at each record's date).
Unknown names get their close-match suggestions from the Python resolver.

`usage compare` and `--per-request` run on the Python engine (this engine hands them over).

`price_paths`: CSV, JSON Lines or Parquet files named with `--map`, read by DuckDB itself (no
Python per record); malformed rows are skipped and counted by the Python reader's rules.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import tempfile
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from aicost.engine.price_table import NAME_COLUMNS, RATE_COLUMNS, build_price_table, rate_scale
from aicost.engine.pricing import Parts
from aicost.engine.report import UsageResult
from aicost.model.catalog import Catalog
from aicost.model.errors import AicostError
from aicost.model.limits import in_money_context
from aicost.usage import engine_python
from aicost.usage.engine_python import (
    DIM_KEYS,
    TIER_HINT,
    TIME_KEYS,
    Costs,
    RecordSource,
    UsageOptions,
    _Finish,
    _hint_prompt,
    _NotFound,
    _Run,
    assemble,
)
from aicost.usage.record import UsageRecord
from aicost.usage.sql import NOT_OFFERED, PRICED, QueryPlan, UsageColumns, pricing_sql

_USAGE_TYPES = {
    "ord": "BIGINT",
    "ts": "TIMESTAMP",
    "no_provider": "BOOLEAN",
    "provider": "VARCHAR",
    "model": "VARCHAR",
    "requests": "BIGINT",
    "input_tokens": "BIGINT",
    "cache_read": "BIGINT",
    "cache_write_5m": "BIGINT",
    "cache_write_1h": "BIGINT",
    "output_tokens": "BIGINT",
    "reasoning_tokens": "BIGINT",
    "service_tier": "VARCHAR",
    "tier_prompt": "BIGINT",  # -1: no tier hint (NULL in the view); 0: a hint it cannot read
}


def _connect() -> Any:
    try:
        import duckdb
    except ImportError:
        raise AicostError(
            "--engine duckdb needs aicost[duckdb]", hint="pip install 'aicost[duckdb]'"
        ) from None
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    threads = os.environ.get("AICOST_DUCKDB_THREADS")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


class _Load(_Run):
    """The Python engine's stream, writing each kept record to CSV instead of summing it."""

    def __init__(self, catalog: Catalog, options: UsageOptions, out: Any, dims: list[str]) -> None:
        super().__init__(catalog, options)
        self.writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
        self.dims = dims
        self.removed: list[int] = []

    def add(self, r: UsageRecord) -> None:
        reported = None
        if self.options.reconcile and r.reported_cost is not None:
            group = self.group_of(r, self.resolver.resolve(r.provider, r.model))
            rkey = (group, r.ts.date(), (r.reported_currency or "USD").upper())
            reported = self.reported.get(rkey)
            if reported is None:
                reported = self.reported[rkey] = [Decimal(0), 0]
            reported[0] += r.reported_cost
            reported[1] += 1
        own = dict(r.dims) if self.dims else {}
        self.writer.writerow(
            (
                self.ordinal,
                r.ts.isoformat(sep=" "),
                r.provider is None,
                r.provider or "",
                r.model,
                r.requests,
                r.input_tokens,
                r.cache_read,
                r.cache_write_5m,
                r.cache_write_1h,
                r.output_tokens,
                r.reasoning_tokens,
                r.service_tier,
                _tier_prompt(r),
                *(own.get(k, "") for k in self.dims),
            )
        )
        if r.dedup_key is not None:
            self.dedup[r.dedup_key] = (
                r.dedup_rank,
                self.ordinal,
                (),
                (),
                reported,
                r.reported_cost,
            )

    def remove(self, entry: tuple[Any, ...]) -> None:
        self.removed.append(entry[1])
        reported, amount = entry[4], entry[5]
        if reported is not None:
            reported[0] -= amount
            reported[1] -= 1


def _tier_prompt(r: UsageRecord) -> int:
    """The prompt size a record's `context_window` hint tiers it by, as the Python engine reads
    it (`_tier_of`): 0 when the hint is unreadable (lowest tier, counted), -1 when there is none."""
    if r.dims:
        for name, value in r.dims:
            if name == TIER_HINT:
                prompt = _hint_prompt(value)
                return 0 if prompt is None else prompt
    return -1


def _cell(value: object) -> object:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def csv_text(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return buffer.getvalue()


def _load_price_table(con: Any, catalog: Catalog, folder: Path) -> int:
    table = build_price_table(catalog)
    scale = rate_scale(table)
    rates_csv, names_csv, retired_csv = (
        folder / "rates.csv",
        folder / "names.csv",
        folder / "ret.csv",
    )
    rates_csv.write_text(csv_text(RATE_COLUMNS, [r.values() for r in table.rates]), "utf-8")
    names_csv.write_text(csv_text(NAME_COLUMNS, [n.values() for n in table.names]), "utf-8")
    retired = [(m.ref, m.retired.isoformat()) for m in catalog.models if m.retired is not None]
    retired_csv.write_text(csv_text(("model_ref", "retired"), retired), "utf-8")
    types = {c: "VARCHAR" for c in RATE_COLUMNS}
    types.update({"valid_from": "TIMESTAMP", "valid_until": "TIMESTAMP"})
    types.update({c: "BIGINT" for c in ("tier", "tier_lo", "tier_hi", "wk_lo", "wk_hi")})
    types.update({c: f"DECIMAL(38, {scale})" for c in RATE_COLUMNS if c.endswith("_rate")})
    con.execute(
        f"CREATE TABLE rates AS SELECT * FROM read_csv('{rates_csv}', header = true, columns = {types!r}, allow_quoted_nulls = false)"
    )
    name_types = {c: "VARCHAR" for c in NAME_COLUMNS}
    con.execute(
        f"CREATE TABLE names AS SELECT * FROM read_csv('{names_csv}', header = true, columns = {name_types!r}, allow_quoted_nulls = false)"
    )
    con.execute(
        f"CREATE TABLE retirements AS SELECT * FROM read_csv('{retired_csv}', header = true, columns = {{'model_ref': 'VARCHAR', 'retired': 'TIMESTAMP'}})"
    )
    return scale


@in_money_context
def price(source: RecordSource, catalog: Catalog, options: UsageOptions) -> UsageResult:
    """Price the records of `source` with DuckDB; the same result as `engine_python.price`."""
    if options.targets or options.per_record is not None:
        return engine_python.price(source, catalog, options)
    con = _connect()
    dims = [k for k in options.by if k in DIM_KEYS]
    with tempfile.TemporaryDirectory(prefix="aicost-duckdb-") as tmp:
        folder = Path(tmp)
        usage_csv = folder / "usage.csv"
        with usage_csv.open("w", encoding="utf-8", newline="") as out:
            run = _Load(catalog, options, out, dims)
            run.stream(source())
        types = dict(_USAGE_TYPES)
        types.update({f"g_{k}": "VARCHAR" for k in dims})
        con.execute(
            f"CREATE TABLE usage_all AS SELECT * FROM read_csv('{usage_csv}', header = false, "
            f"columns = {types!r}, quote = '\"', escape = '\"', allow_quoted_nulls = false, "
            "auto_detect = false)"
        )
        con.execute("CREATE TABLE removed (ord BIGINT)")
        if run.removed:
            con.executemany("INSERT INTO removed VALUES (?)", [(o,) for o in run.removed])
        con.execute(
            "CREATE VIEW usage AS SELECT * REPLACE (CASE WHEN no_provider THEN NULL ELSE provider END "
            "AS provider, CASE WHEN tier_prompt < 0 THEN NULL ELSE tier_prompt END AS tier_prompt) "
            "FROM usage_all WHERE ord NOT IN (SELECT ord FROM removed)"
        )
        scale = _load_price_table(con, catalog, folder)
        columns = UsageColumns(dims={k: f"g_{k}" for k in dims}, tier_prompt="tier_prompt")
        plan = QueryPlan(by=tuple(options.by), detail=True, retirements="retirements")
        cursor = con.execute(pricing_sql(columns, "usage", plan, rate_scale=scale))
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    con.close()
    return _result(run, options, names, rows, source)


def _result(
    run: _Run, options: UsageOptions, names: list[str], rows: list[Any], source: RecordSource
) -> UsageResult:
    finish = _Finish(run)
    costs = Costs()
    for values in rows:
        row = dict(zip(names, values, strict=True))
        day: dt.date = row["day"]
        group = tuple(None if k in TIME_KEYS else row[k] for k in options.by)
        sums = [
            int(row[c] or 0)
            for c in (
                "records",
                "requests",
                "input_tokens",
                "cache_read_tokens",
                "cache_write_5m_tokens",
                "cache_write_1h_tokens",
                "output_tokens",
                "reasoning_tokens",
            )
        ]
        status = row["status"]
        if status.startswith(PRICED):
            parts = Parts(
                row["input_cost"], row["cached_cost"], row["cache_write_cost"], row["output_cost"]
            )
            costs.add(0, group, day, row["currency"], sums, parts)
            if status == NOT_OFFERED:
                costs.not_offered_in(0, row["model_ref"], row["logged_tier"], sums[0])
            if row["by_average"]:
                costs.tier_by_average += sums[0]
            elif row.get("tier_unknown"):
                costs.tier_unknown += sums[0]
            continue
        if row["model_ref"] is None:
            provider, model = row["logged_provider"], row["logged_model"]
            found = run.resolver.resolve(provider, model)
            if isinstance(found, _NotFound):
                run.suggestions[(provider, model)] = found.suggestions
        else:
            provider, model = row["model_ref"].split("/", 1)
        key = (0, provider, model, status, day, group)
        cell = run.unpriced.setdefault(key, [0] * len(sums))
        for i, value in enumerate(sums):
            cell[i] += value
    return assemble(run, finish, costs, source)


# -- files DuckDB reads itself ---------------------------------------------------------------------

_TIER_DEFAULTS = ("", "default", "auto", "standard")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _reader(paths: Sequence[str], fmt: str, delimiter: str) -> str:
    """The table function that reads `paths`: CSV cells all as text (the casts are ours)."""
    files = "[" + ", ".join(_lit(p) for p in paths) + "]"
    if fmt == "parquet":
        return f"read_parquet({files})"
    if fmt == "jsonl":
        return f"read_json({files}, format = 'newline_delimited')"
    return (
        f"read_csv({files}, header = true, delim = {_lit(delimiter)}, quote = '\"', "
        "escape = '\"', all_varchar = true, allow_quoted_nulls = false)"
    )


def _clean_sql(mapping: Any, fmt: str, reader: str, dims: list[str]) -> str:
    """One row per source row in the canonical columns, with `ok` false where the Python reader
    would skip the row as malformed (a count that is not a whole number 0 or more, a time it
    cannot read, no model, cache parts above the input)."""

    def raw(field: str) -> str | None:
        source = mapping.fields.get(field)
        if source is None:
            return None
        path = source.path if fmt == "jsonl" else (source.written,)
        return "TRIM(CAST(" + ".".join(_q(p) for p in path) + " AS VARCHAR))"

    def dim(source: Any) -> str:
        path = source.path if fmt == "jsonl" else (source.written,)
        return "COALESCE(CAST(" + ".".join(_q(p) for p in path) + " AS VARCHAR), '')"

    lines: list[str] = []
    checks: list[str] = []
    for name in ("requests", "input", "output", "cache_read", "cache_write", "cache_write_1h",
                 "reasoning"):  # fmt: skip
        value = raw(name)
        if value is None:
            lines.append(f"{1 if name == 'requests' else 0}::BIGINT AS c_{name}")
            continue
        lines.append(
            f"CASE WHEN {value} IS NULL OR {value} = '' THEN 0 "
            f"WHEN regexp_full_match({value}, '[0-9]+') THEN TRY_CAST({value} AS BIGINT) END "
            f"AS c_{name}"
        )
        checks.append(f"c_{name} IS NOT NULL")
    ts = raw("ts")
    if mapping.timestamp_format == "iso":
        lines.append(f"CAST(TRY_CAST({ts} AS TIMESTAMPTZ) AS TIMESTAMP) AS ts")
    else:
        scale = 1_000_000 if mapping.timestamp_format == "unix" else 1_000
        lines.append(
            f"make_timestamp(CAST(TRY_CAST({ts} AS DECIMAL(38, 6)) * {scale} AS BIGINT)) AS ts"
        )
    checks.append("ts IS NOT NULL")
    model = _lit(mapping.model) if mapping.model else f"NULLIF(CAST({raw('model')} AS VARCHAR), '')"
    lines.append(f"{model} AS model")
    checks.append("model IS NOT NULL")
    provider = (
        _lit(mapping.provider)
        if mapping.provider
        else "CAST(NULL AS VARCHAR)"
        if raw("provider") is None
        else f"NULLIF({raw('provider')}, '')"
    )
    lines.append(f"{provider} AS provider")
    tier = raw("service_tier")
    lines.append(f"LOWER(COALESCE({tier or 'NULL'}, '')) AS c_tier")
    ident = raw("id")
    lines.append(f"NULLIF({ident}, '') AS c_id" if ident else "CAST(NULL AS VARCHAR) AS c_id")
    wanted = dict(mapping.dims)
    for k in dims:
        lines.append(f"{dim(wanted[k]) if k in wanted else chr(39) * 2} AS g_{k}")
    inner = f"SELECT {', '.join(lines)} FROM {reader}"
    total = "c_input"
    output = "c_output"
    if mapping.preset == "anthropic":
        total = "c_input + c_cache_read + c_cache_write + c_cache_write_1h"
    if mapping.preset == "gemini":
        output = "c_output + c_reasoning"
    ok = " AND ".join(checks)
    ok = f"({ok}) AND c_cache_read + c_cache_write + c_cache_write_1h <= {total}"
    tiers = ", ".join(_lit(t) for t in _TIER_DEFAULTS)
    return (
        "SELECT ts, provider, model, c_requests AS requests, "
        f"{total} AS input_tokens, c_cache_read AS cache_read, c_cache_write AS cache_write_5m, "
        f"c_cache_write_1h AS cache_write_1h, {output} AS output_tokens, "
        f"LEAST(c_reasoning, {output}) AS reasoning_tokens, "
        f"CASE WHEN c_tier IN ({tiers}) THEN 'standard' ELSE c_tier END AS service_tier, "
        f"c_id AS id, {total} + {output} AS rank_tokens, "
        + "".join(f"g_{k}, " for k in dims)
        + f"COALESCE({ok}, false) AS ok FROM ({inner})"
    )


@in_money_context
def price_paths(
    source: Any, mapping_path: Path, catalog: Catalog, options: UsageOptions
) -> UsageResult:
    """Price CSV, JSON Lines or Parquet files DuckDB reads itself, with the `--map` mapping's
    columns: the records never pass through Python. Malformed rows are counted and skipped as the
    Python reader does (without its line-by-line examples); the date filter and `id`
    de-duplication (the row with the most tokens is kept) run in DuckDB."""
    from aicost.usage.mapping import load_mapping

    if options.targets or options.per_record is not None or options.reconcile:
        raise AicostError(
            "--engine duckdb prices files it reads itself for `usage price` only",
            hint="leave out --per-request and --reconcile, or use --engine python",
        )
    mapping = load_mapping(mapping_path)
    con = _connect()
    dims = [k for k in options.by if k in DIM_KEYS]
    reader = _reader(source.paths, source.fmt, mapping.delimiter)
    try:
        con.execute(f"CREATE VIEW clean AS {_clean_sql(mapping, source.fmt, reader, dims)}")
        inside = ["ok"]
        if options.since is not None:
            inside.append(f"ts >= TIMESTAMP {_lit(options.since.isoformat(sep=' '))}")
        if options.until is not None:
            inside.append(f"ts < TIMESTAMP {_lit(options.until.isoformat(sep=' '))}")
        where = " AND ".join(inside)
        # a row read but asking for fewer than one request is malformed once inside the dates
        con.execute(f"CREATE VIEW kept AS SELECT * FROM clean WHERE {where} AND requests >= 1")
        table = "kept"
        if "id" in mapping.fields:
            con.execute(
                "CREATE VIEW usage AS SELECT * EXCLUDE (n) FROM (SELECT *, ROW_NUMBER() OVER "
                "(PARTITION BY id ORDER BY rank_tokens DESC) AS n FROM kept WHERE id IS NOT NULL) "
                "WHERE n = 1 UNION ALL BY NAME SELECT * FROM kept WHERE id IS NULL"
            )
            table = "usage"
        with tempfile.TemporaryDirectory(prefix="aicost-duckdb-") as tmp:
            scale = _load_price_table(con, catalog, Path(tmp))
        columns = UsageColumns(dims={k: f"g_{k}" for k in dims})
        plan = QueryPlan(by=tuple(options.by), detail=True, retirements="retirements")
        cursor = con.execute(pricing_sql(columns, table, plan, rate_scale=scale))
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
        counts = con.execute(
            "SELECT COUNT(*) FILTER (WHERE ok), "
            f"COUNT(*) FILTER (WHERE NOT ok OR ({where} AND requests < 1)), "
            f"COUNT(*) FILTER (WHERE ok AND NOT ({where})), COUNT(*) FILTER (WHERE NOT ok) "
            "FROM clean"
        ).fetchone()
    except AicostError:
        raise
    except Exception as exc:  # a file DuckDB cannot read, a column the mapping names but it lacks
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise AicostError(
            f"DuckDB could not read {', '.join(source.paths)}: {first}",
            hint="check the file and that --map names its columns",
        ) from None
    finally:
        con.close()
    run = _Run(catalog, options)
    run.read, run.malformed, run.outside, unread = counts
    if options.strict and run.malformed:
        raise AicostError(
            f"{run.malformed:,} malformed row(s) in {', '.join(source.paths)}",
            hint="without --strict, malformed rows are skipped and counted",
        )
    priced = sum(int(dict(zip(names, r, strict=True))["records"] or 0) for r in rows)
    run.duplicates = run.read - run.outside - (run.malformed - unread) - priced
    return _result(run, options, names, rows, lambda: iter(()))
