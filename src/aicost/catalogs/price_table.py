"""`aicost export prices-table`: the price table (engine.price_table) as files SQL engines load.

The rates table goes to OUT and the names table beside it as `<stem>.names<ext>`, in the format
the extension names: `.csv`, `.jsonl`, or `.parquet` (needs pyarrow: `pip install
'aicost[parquet]'`). Each file is written whole (temp file + rename). Without OUT the rates table
is printed to stdout as CSV.

Decimals are plain decimal text, never an exponent (JSONL: strings, so no reader turns them into
floats; Parquet: DECIMAL(38, s) with the smallest scale that holds every rate). Moments are naive
UTC ISO text (`2026-06-01T12:00:00`); Parquet stores them as timestamps.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from aicost.engine.price_table import NAME_COLUMNS, RATE_COLUMNS, build_price_table
from aicost.model.catalog import Catalog
from aicost.model.errors import AicostError

FORMATS = (".csv", ".jsonl", ".parquet")
PARQUET_HINT = "install the extra: pip install 'aicost[parquet]' (or write .csv / .jsonl)"


def plain(value: object) -> object:
    """A cell as text: decimals without exponent or trailing zeros, moments as ISO."""
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return "0" if text in {"-0", "0"} else text
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def names_path(out: Path) -> Path:
    """Where the names table goes beside `out`: rates.csv -> rates.names.csv."""
    return out.with_name(f"{out.stem}.names{out.suffix}")


def outputs(out: Path) -> tuple[Path, Path]:
    """The two files an export to `out` writes; an unknown extension is an error."""
    if out.suffix.lower() not in FORMATS:
        raise AicostError(
            f"{out}: unknown table format {out.suffix or '(no extension)'!r}",
            hint="name the file .csv, .jsonl or .parquet",
        )
    return out, names_path(out)


def csv_text(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([plain(v) for v in row] for row in rows)
    return buffer.getvalue()


def jsonl_text(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    return "".join(
        json.dumps(dict(zip(columns, (plain(v) for v in row), strict=True))) + "\n" for row in rows
    )


def parquet_bytes(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    try:
        import pyarrow as pa  # type: ignore[import-not-found, import-untyped, unused-ignore]
        import pyarrow.parquet as pq  # type: ignore[import-not-found, import-untyped, unused-ignore]
    except ImportError:
        raise AicostError("writing .parquet needs pyarrow", hint=PARQUET_HINT) from None
    arrays: list[Any] = []
    for index, _ in enumerate(columns):
        values = [row[index] for row in rows]
        sample = next((v for v in values if v is not None), "")
        if isinstance(sample, Decimal):
            decimals = [v for v in values if isinstance(v, Decimal)]
            scale = max(
                (max(0, -int(v.normalize().as_tuple().exponent)) for v in decimals), default=0
            )
            kind = pa.decimal128(38, scale)
            values = [v.quantize(Decimal(1).scaleb(-scale)) for v in decimals]
        elif isinstance(sample, dt.datetime):
            kind = pa.timestamp("us")
        elif isinstance(sample, int):
            kind = pa.int64()
        else:
            kind = pa.string()
        arrays.append(pa.array(values, type=kind))
    table = pa.Table.from_arrays(arrays, names=list(columns))
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def encode(path: Path, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return parquet_bytes(columns, rows)
    if suffix == ".jsonl":
        return jsonl_text(columns, rows).encode("utf-8")
    return csv_text(columns, rows).encode("utf-8")


def write_whole(files: Sequence[tuple[Path, bytes]]) -> None:
    """Write each file through a temporary file, renaming only once every one is written."""
    temps = [(path.with_name(f".{path.name}.{os.getpid()}.tmp"), path) for path, _ in files]
    where = files[0][0]
    try:
        for (temp, path), (_, data) in zip(temps, files, strict=True):
            where = path
            temp.write_bytes(data)
        for temp, path in temps:
            where = path
            os.replace(temp, path)
    except OSError as exc:
        for temp, _ in temps:
            with contextlib.suppress(OSError):
                temp.unlink()
        raise AicostError(
            f"{where}: cannot write ({exc.strerror or exc})",
            hint="check that the directory exists and is writable",
        ) from None


def export(catalog: Catalog, at: dt.datetime, out: Path | None) -> None:
    """Write the price table of `catalog` to `out` (and its names table beside it), or to stdout.

    Every price period is in the table, past and future, so `at` changes nothing here; it is part
    of the signature every exporter shares.
    """
    del at
    table = build_price_table(catalog)
    rates = [r.values() for r in table.rates]
    names = [n.values() for n in table.names]
    if out is None:
        sys.stdout.write(csv_text(RATE_COLUMNS, rates))
        return
    rates_path, names_file = outputs(out)
    write_whole(
        [
            (rates_path, encode(rates_path, RATE_COLUMNS, rates)),
            (names_file, encode(names_file, NAME_COLUMNS, names)),
        ]
    )


SQL_DIALECTS = ("duckdb", "spark", "postgres", "bigquery", "snowflake", "trino")
_INSERT_BATCH = 200


def _sql_literal(value: object, decimal_type: str) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, Decimal):  # from text: a bare 0.000004 is a float in BigQuery
        return f"CAST('{plain(value)}' AS {decimal_type})"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return f"CAST('{value.isoformat(sep=' ')}' AS TIMESTAMP)"
    return "'" + str(value).replace("'", "''") + "'"


def sql_text(catalog: Catalog, dialect: str, rates: str = "rates", names: str = "names") -> str:
    """The price table as SQL for `dialect`: CREATE TABLE and INSERT statements, rates typed
    DECIMAL(18, s) (BigQuery: BIGNUMERIC) so a warehouse holds them exactly."""
    from aicost.engine.price_table import rate_scale

    try:
        import sqlglot
    except ImportError:
        raise AicostError(
            "writing the price table as SQL needs sqlglot", hint="pip install 'aicost[sql]'"
        ) from None
    if dialect not in SQL_DIALECTS:
        raise AicostError(f"unknown --dialect {dialect!r}", hint="use " + ", ".join(SQL_DIALECTS))
    table = build_price_table(catalog)
    scale = rate_scale(table)
    types = {c: "VARCHAR" for c in RATE_COLUMNS}
    types.update({"valid_from": "TIMESTAMP", "valid_until": "TIMESTAMP"})
    types.update({c: "BIGINT" for c in ("tier", "tier_lo", "tier_hi", "wk_lo", "wk_hi")})
    types.update({c: f"DECIMAL(18, {scale})" for c in RATE_COLUMNS if c.endswith("_rate")})
    statements = []
    for name, columns, kinds, rows in (
        (rates, RATE_COLUMNS, types, [r.values() for r in table.rates]),
        (
            names,
            NAME_COLUMNS,
            dict.fromkeys(NAME_COLUMNS, "VARCHAR"),
            [n.values() for n in table.names],
        ),
    ):
        cols = ", ".join(f'"{c}" {kinds[c]}' for c in columns)
        statements.append(f"CREATE TABLE {name} ({cols})")
        for start in range(0, len(rows), _INSERT_BATCH):
            chunk = rows[start : start + _INSERT_BATCH]
            values = ", ".join(
                "(" + ", ".join(_sql_literal(v, f"DECIMAL(18, {scale})") for v in row) + ")"
                for row in chunk
            )
            quoted = ", ".join(f'"{c}"' for c in columns)
            statements.append(f"INSERT INTO {name} ({quoted}) VALUES {values}")
    out = []
    for statement in statements:
        tree = sqlglot.parse_one(statement, read="duckdb")
        if dialect == "bigquery":  # NUMERIC(p, s) allows 9 decimals: BIGNUMERIC holds 38
            tree = tree.transform(_bignumeric)
        out.append(tree.sql(dialect=dialect) + ";\n")
    return "".join(out)


def _bignumeric(node: Any) -> Any:
    from sqlglot import exp

    if isinstance(node, exp.DataType) and node.this in (
        exp.DataType.Type.DECIMAL,
        exp.DataType.Type.BIGDECIMAL,
    ):
        return exp.DataType.build("BIGNUMERIC", dialect="bigquery")
    return node
