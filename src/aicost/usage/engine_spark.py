"""`--engine spark`: the records priced by the pricing query (usage.sql, Spark's dialect) on a Spark
session: local mode (`--spark-master local[2]`, the default), a cluster's master URL, or Spark
Connect (`--spark-master sc://host` or SPARK_REMOTE=sc://...). Needs `aicost[spark]` (pyspark);
pyspark is imported here only.

Two ways in:
- `price`: the readers' records (Claude Code, Codex, ... any format aicost reads) stream through
  the Python engine's own bookkeeping (date filter, malformed lines, duplicates, reported costs),
  exactly as for `--engine duckdb`; what is left goes to Spark as a temporary CSV file (local mode)
  or as rows sent from here (a remote session cannot read this machine's files).
- `price_paths`: CSV, JSON Lines or Parquet that Spark reads itself, from any path it reads
  (local, hdfs://, s3a://, ...), with `--map` naming the columns. The records never pass through
  Python: the date filter and `id` de-duplication are done in Spark; malformed values follow Spark's
  casts (an error, under ANSI mode), not the Python readers' skip-and-count.

Either way the price table (`build_price_table`) is registered as temporary views, the same query
`aicost usage sql --dialect spark` prints runs, and its grouped rows become the same `UsageResult`
as the other engines' through the DuckDB engine's result assembly.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from aicost.engine.price_table import NAME_COLUMNS, RATE_COLUMNS, build_price_table, rate_scale
from aicost.engine.report import UsageResult
from aicost.model.catalog import Catalog
from aicost.model.errors import AicostError
from aicost.model.limits import in_money_context
from aicost.usage import engine_python
from aicost.usage.engine_duckdb import _Load, _result
from aicost.usage.engine_python import DIM_KEYS, RecordSource, UsageOptions, _Run
from aicost.usage.sql import QueryPlan, UsageColumns, columns_from_mapping, pricing_sql, transpile

DEFAULT_MASTER = "local[2]"
_USAGE_COLUMNS = (
    "ord",
    "ts",
    "no_provider",
    "provider",
    "model",
    "requests",
    "input_tokens",
    "cache_read",
    "cache_write_5m",
    "cache_write_1h",
    "output_tokens",
    "reasoning_tokens",
    "service_tier",
    "tier_prompt",  # as engine_duckdb's `_Load` writes it: -1 for no context_window hint
)
_COUNTS = (
    "requests",
    "input_tokens",
    "cache_read",
    "cache_write_5m",
    "cache_write_1h",
    "output_tokens",
    "reasoning_tokens",
)


def _pyspark() -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise AicostError(
            "--engine spark needs aicost[spark]", hint="pip install 'aicost[spark]'"
        ) from None
    return SparkSession


def session(master: str | None = None) -> Any:
    """A Spark session: `master` (a master URL, `local[N]`, or `sc://...` for Spark Connect), else
    SPARK_REMOTE when set, else local[2]. Times are UTC; a running session is reused."""
    spark_session = _pyspark()
    remote = master if master is not None and master.startswith("sc://") else None
    if master is None and os.environ.get("SPARK_REMOTE"):
        remote = os.environ["SPARK_REMOTE"]
    builder = spark_session.builder.appName("aicost")
    if remote is not None:
        builder = builder.remote(remote)
    else:
        chosen = master or DEFAULT_MASTER
        if chosen.startswith("local"):
            # local mode needs no network: bind to the loopback, whatever the host name resolves to
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
            builder = (
                builder.config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.shuffle.partitions", "8")
            )
        builder = builder.master(chosen)
    try:
        spark = builder.config("spark.sql.session.timeZone", "UTC").getOrCreate()
    except Exception as exc:  # a JVM that does not start, a master that does not answer
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise AicostError(
            f"could not start a Spark session on {remote or master or DEFAULT_MASTER}: {first}",
            hint="check Java 17+ (JAVA_HOME) and --spark-master / SPARK_REMOTE",
        ) from None
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    if remote is None:
        spark.sparkContext.setLogLevel("ERROR")  # stderr is for aicost's own notes
    return spark


def _is_local(spark: Any) -> bool:
    try:
        return str(spark.sparkContext.master).startswith("local")
    except Exception:  # Spark Connect has no SparkContext here
        return False


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value, "f")
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def _strings(spark: Any, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> Any:
    from pyspark.sql.types import StringType, StructField, StructType

    schema = StructType([StructField(c, StringType(), True) for c in columns])
    return spark.createDataFrame([tuple(_text(v) for v in row) for row in rows], schema)


def register_price_table(spark: Any, catalog: Catalog) -> int:
    """The price table as temporary views `rates`, `names` and `retirements`; its rate scale."""
    table = build_price_table(catalog)
    scale = rate_scale(table)
    _strings(spark, RATE_COLUMNS, [r.values() for r in table.rates]).createOrReplaceTempView(
        "rates_text"
    )
    casts = []
    for c in RATE_COLUMNS:
        if c in ("valid_from", "valid_until"):
            casts.append(f"CAST(`{c}` AS TIMESTAMP) AS `{c}`")
        elif c in ("tier", "tier_lo", "tier_hi", "wk_lo", "wk_hi"):
            casts.append(f"CAST(`{c}` AS BIGINT) AS `{c}`")
        elif c.endswith("_rate"):
            casts.append(f"CAST(`{c}` AS DECIMAL(38, {scale})) AS `{c}`")
        else:
            casts.append(f"`{c}`")
    spark.sql(f"SELECT {', '.join(casts)} FROM rates_text").cache().createOrReplaceTempView("rates")
    _strings(spark, NAME_COLUMNS, [n.values() for n in table.names]).createOrReplaceTempView(
        "names"
    )
    retired = [(m.ref, m.retired) for m in catalog.models if m.retired is not None]
    _strings(spark, ("model_ref", "retired"), retired).createOrReplaceTempView("retirements_text")
    spark.sql(
        "SELECT model_ref, CAST(retired AS TIMESTAMP) AS retired FROM retirements_text"
    ).createOrReplaceTempView("retirements")
    return scale


def _query(
    spark: Any, columns: UsageColumns, table: str, by: Sequence[str], scale: int
) -> tuple[list[str], list[Any]]:
    plan = QueryPlan(by=tuple(by), detail=True, retirements="retirements")
    text = transpile(pricing_sql(columns, table, plan, rate_scale=scale), "spark")
    frame = spark.sql(text)
    names = list(frame.columns)
    return names, [tuple(row) for row in frame.collect()]


def _load_records(spark: Any, run: _Load, path: Path, dims: list[str], removed: list[int]) -> None:
    """The CSV `_Load` wrote, as the view `usage` in the canonical columns."""
    columns = [*_USAGE_COLUMNS, *(f"g_{k}" for k in dims)]
    if _is_local(spark):
        from pyspark.sql.types import StringType, StructField, StructType

        schema = StructType([StructField(c, StringType(), True) for c in columns])
        frame = spark.read.csv(
            str(path), schema=schema, header=False, quote='"', escape='"', multiLine=True
        )
    else:
        with path.open(encoding="utf-8", newline="") as handle:
            frame = _strings(spark, columns, list(csv.reader(handle)))
    frame.createOrReplaceTempView("usage_text")
    _strings(spark, ("ord",), [(o,) for o in removed]).createOrReplaceTempView("removed")
    select = [
        "CAST(u.ord AS BIGINT) AS ord",
        "CAST(u.ts AS TIMESTAMP) AS ts",
        "CASE WHEN CAST(u.no_provider AS BOOLEAN) THEN NULL ELSE COALESCE(u.provider, '') END "
        "AS provider",
        "COALESCE(u.model, '') AS model",
        *(f"CAST(u.{c} AS BIGINT) AS {c}" for c in _COUNTS),
        "COALESCE(u.service_tier, '') AS service_tier",
        "CASE WHEN CAST(u.tier_prompt AS BIGINT) < 0 THEN NULL "
        "ELSE CAST(u.tier_prompt AS BIGINT) END AS tier_prompt",
        *(f"COALESCE(u.g_{k}, '') AS g_{k}" for k in dims),
    ]
    spark.sql(
        f"SELECT {', '.join(select)} FROM usage_text AS u "
        "LEFT ANTI JOIN removed AS d ON CAST(d.ord AS BIGINT) = CAST(u.ord AS BIGINT)"
    ).createOrReplaceTempView("usage")


@in_money_context
def price(
    source: RecordSource, catalog: Catalog, options: UsageOptions, master: str | None = None
) -> UsageResult:
    """Price the records of `source` on Spark; the same result as `engine_python.price`."""
    _pyspark()  # asked for Spark: say so when it is missing, even where Python does the work
    if options.targets or options.per_record is not None:
        return engine_python.price(source, catalog, options)
    spark = session(master)
    dims = [k for k in options.by if k in DIM_KEYS]
    with tempfile.TemporaryDirectory(prefix="aicost-spark-") as tmp:
        usage_csv = Path(tmp) / "usage.csv"
        with usage_csv.open("w", encoding="utf-8", newline="") as out:
            run = _Load(catalog, options, out, dims)
            run.stream(source())
        _load_records(spark, run, usage_csv, dims, run.removed)
        scale = register_price_table(spark, catalog)
        columns = UsageColumns(dims={k: f"g_{k}" for k in dims}, tier_prompt="tier_prompt")
        names, rows = _query(spark, columns, "usage", options.by, scale)
    return _result(run, options, names, rows, source)


# -- tables Spark reads itself ----------------------------------------------------------------------

FORMATS = ("csv", "jsonl", "parquet")


@dataclass(frozen=True)
class TableSource:
    """Files Spark reads itself: `paths` in `fmt` (csv, jsonl or parquet)."""

    paths: tuple[str, ...]
    fmt: str


def table_format(path: str, given: str | None = None) -> str:
    """The format of a path Spark reads: `given` (--from), else its extension; a directory with no
    extension is taken as Parquet (a Spark or warehouse export)."""
    if given is not None:
        chosen = given.strip().lower()
        chosen = {"json": "jsonl", "ndjson": "jsonl"}.get(chosen, chosen)
        if chosen not in FORMATS:
            raise AicostError(
                f"--engine spark reads {', '.join(FORMATS)} itself, not --from {given}",
                hint="leave out --map to read other formats through aicost's readers",
            )
        return chosen
    name = path.rstrip("/").rsplit("/", 1)[-1].lower()
    for suffix, fmt in ((".csv", "csv"), (".jsonl", "jsonl"), (".json", "jsonl")):
        if name.endswith(suffix) or name.endswith(suffix + ".gz"):
            return fmt
    if name.endswith(".ndjson"):
        return "jsonl"
    return "parquet"


def _read_tables(spark: Any, source: TableSource, delimiter: str) -> Any:
    paths = list(source.paths)
    if source.fmt == "parquet":
        return spark.read.parquet(*paths)
    if source.fmt == "jsonl":
        return spark.read.json(paths)
    return spark.read.csv(
        paths, header=True, sep=delimiter, quote='"', escape='"', inferSchema=False
    )


def _path_col(path: Sequence[str]) -> str:
    return ".".join("`" + p.replace("`", "``") + "`" for p in path)


@in_money_context
def price_paths(
    source: TableSource,
    mapping_path: Path,
    catalog: Catalog,
    options: UsageOptions,
    master: str | None = None,
) -> UsageResult:
    """Price the tables at `source.paths`, read by Spark with the `--map` mapping's columns."""
    from aicost.usage.mapping import load_mapping

    if options.targets or options.per_record is not None or options.reconcile:
        raise AicostError(
            "--engine spark prices tables it reads itself for `usage price` only",
            hint="leave out --per-request and --reconcile, or use --engine python",
        )
    mapping = load_mapping(mapping_path)
    spark = session(master)
    frame = _read_tables(spark, source, mapping.delimiter)
    # every mapped field as a top-level column named as the mapping writes it (JSON paths nest)
    mapped = [*mapping.fields.values(), *(s for _, s in mapping.dims)]
    picked: dict[str, Any] = {}
    from pyspark.sql import functions as F

    for each in mapped:
        if each.written not in picked:
            picked[each.written] = F.col(
                _path_col(each.path if source.fmt == "jsonl" else (each.written,))
            ).alias(each.written)
    frame = frame.select(*picked.values())
    ts_col = F.col(_path_col((mapping.fields["ts"].written,)))
    if mapping.timestamp_format == "unix":
        ts = ts_col.cast("double").cast("timestamp")
    elif mapping.timestamp_format == "unix_ms":
        ts = F.timestamp_millis(ts_col.cast("bigint"))
    else:
        ts = ts_col.cast("timestamp")
    if options.since is not None:
        frame = frame.filter(ts >= F.lit(options.since.replace(tzinfo=None)).cast("timestamp"))
    if options.until is not None:
        frame = frame.filter(ts < F.lit(options.until.replace(tzinfo=None)).cast("timestamp"))
    if "id" in mapping.fields:
        frame = _dedup(frame, mapping)
    frame.createOrReplaceTempView("usage_source")
    scale = register_price_table(spark, catalog)
    columns = columns_from_mapping(mapping)
    names, rows = _query(spark, columns, "usage_source", options.by, scale)
    run = _Run(catalog, options)
    run.read = sum(int(dict(zip(names, r, strict=True))["records"] or 0) for r in rows)
    return _result(run, options, names, rows, lambda: iter(()))


def _dedup(frame: Any, mapping: Any) -> Any:
    """One row per `id`: the one with the most tokens (input + output, as the preset counts them),
    as the generic reader keeps."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    def count(field: str) -> Any:
        source = mapping.fields.get(field)
        if source is None:
            return F.lit(0)
        return F.coalesce(F.col(_path_col((source.written,))).cast("bigint"), F.lit(0))

    rank = count("input") + count("output")
    if mapping.preset == "anthropic":
        rank = rank + count("cache_read") + count("cache_write") + count("cache_write_1h")
    if mapping.preset == "gemini":
        rank = rank + count("reasoning")
    ident = F.col(_path_col((mapping.fields["id"].written,)))
    order = Window.partitionBy(ident).orderBy(rank.desc())
    named = ident.isNotNull() & (ident.cast("string") != "")
    kept = frame.filter(named).withColumn("__aicost_n", F.row_number().over(order))
    kept = kept.filter(F.col("__aicost_n") == 1).drop("__aicost_n")
    return kept.unionByName(frame.filter(~named | ident.isNull()))
