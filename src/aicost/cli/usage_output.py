"""`--per-request OUT`: every record with its cost, as CSV, JSONL or Parquet (by extension).

The file is written whole: rows stream into a temporary file beside OUT, renamed into place only
when the run has finished; an existing OUT is replaced only with `--force`.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from aicost.model.errors import AicostError
from aicost.model.quantity import exact
from aicost.render.text import csv_line, csv_text, json_text
from aicost.usage.engine_python import PricedRecord

COLUMNS = (
    "ts",
    "provider",
    "model",
    "model_ref",
    "requests",
    "input_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "output_tokens",
    "reasoning_tokens",
    "service_tier",
    "service_tier_offered",
    "tier",
    "window",
    "currency",
    "input_cost",
    "cached_cost",
    "cache_write_cost",
    "output_cost",
    "total",
    "reported_cost",
    "reported_currency",
    "unpriced",
    "dims",
    "where",
)
KINDS = {".csv": "csv", ".jsonl": "jsonl", ".parquet": "parquet"}
PARQUET_BATCH = 50_000


def kind_of(path: Path, force: bool) -> str:
    """Check OUT before any work: a known extension, a writable place, no file to clobber."""
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        raise AicostError(
            f"--per-request {path}: unknown file type {path.suffix or '(none)'!r}",
            hint="name it .csv, .jsonl or .parquet",
        )
    if kind == "parquet":
        try:
            import pyarrow  # type: ignore[import-not-found, import-untyped, unused-ignore]  # noqa: F401
        except ModuleNotFoundError:
            raise AicostError(
                "--per-request .parquet needs pyarrow", hint="pip install 'aicost[parquet]'"
            ) from None
    if path.exists() and not force:
        raise AicostError(
            f"{path} exists; nothing was written", hint="pass --force to overwrite it"
        )
    if path.is_dir():
        raise AicostError(f"--per-request {path} is a directory; give a file name")
    if not path.parent.is_dir():
        raise AicostError(f"--per-request {path}: no such directory {path.parent}")
    return kind


def row_of(priced: PricedRecord) -> dict[str, Any]:
    r = priced.record
    parts = priced.parts
    money = (
        (None,) * 5
        if parts is None
        else (parts.input, parts.cached, parts.cache_write, parts.output, parts.total)
    )
    return {
        "ts": r.ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "provider": r.provider,
        "model": r.model,
        "model_ref": priced.model_ref,
        "requests": r.requests,
        "input_tokens": r.input_tokens,
        "cache_read_tokens": r.cache_read,
        "cache_write_5m_tokens": r.cache_write_5m,
        "cache_write_1h_tokens": r.cache_write_1h,
        "output_tokens": r.output_tokens,
        "reasoning_tokens": r.reasoning_tokens,
        "service_tier": r.service_tier,
        "service_tier_offered": priced.service_tier_offered,
        "tier": priced.tier,
        "window": priced.window,
        "currency": priced.currency,
        "input_cost": money[0],
        "cached_cost": money[1],
        "cache_write_cost": money[2],
        "output_cost": money[3],
        "total": money[4],
        "reported_cost": r.reported_cost,
        "reported_currency": r.reported_currency,
        "unpriced": priced.reason,
        "dims": dict(r.dims),
        "where": r.where,
    }


def _text(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return exact(value)
    return value


class PerRequestWriter:
    """A sink for the engine's second pass; `with` renames the file into place on success."""

    def __init__(self, path: Path, kind: str) -> None:
        self.path = path
        self.kind = kind
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        self.temp = Path(temp)
        self.out: IO[str] | None = None
        self.batch: list[dict[str, Any]] = []
        self.parquet: Any = None
        if kind == "parquet":
            os.close(handle)
        else:
            self.out = os.fdopen(handle, "w", encoding="utf-8", newline="\n")
            if kind == "csv":
                self.out.write(csv_line(list(COLUMNS)))

    def __enter__(self) -> PerRequestWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            if error is None:
                if self.kind == "parquet":
                    self._flush_parquet(last=True)
                if self.out is not None:
                    self.out.close()
                os.replace(self.temp, self.path)
        finally:
            if self.out is not None and not self.out.closed:
                self.out.close()
            self.temp.unlink(missing_ok=True)

    def __call__(self, priced: PricedRecord) -> None:
        row = row_of(priced)
        if self.kind == "parquet":
            self.batch.append(row)
            if len(self.batch) >= PARQUET_BATCH:
                self._flush_parquet()
            return
        assert self.out is not None
        if self.kind == "csv":
            cells = [_cell(row[c]) for c in COLUMNS]
            self.out.write(csv_line([csv_text(c) for c in cells]))
        else:
            data = {k: _text(v) for k, v in row.items()}
            self.out.write(json_text(json.dumps(data, ensure_ascii=False, sort_keys=True)) + "\n")

    def _flush_parquet(self, last: bool = False) -> None:
        import pyarrow as pa  # type: ignore[import-not-found, import-untyped, unused-ignore]
        import pyarrow.parquet as pq  # type: ignore[import-not-found, import-untyped, unused-ignore]

        if self.batch or (last and self.parquet is None):
            data = {c: [_parquet(row[c]) for row in self.batch] for c in COLUMNS}
            table = pa.table(
                {c: pa.array(v, type=pa.string()) if c in _TEXTUAL else v for c, v in data.items()}
            )
            if self.parquet is None:
                self.parquet = pq.ParquetWriter(str(self.temp), table.schema)
            self.parquet.write_table(table)
            self.batch = []
        if last:
            self.parquet.close()


# Money is written as exact decimal text (Parquet's DECIMAL needs one scale for every row).
_TEXTUAL = {
    "ts",
    "provider",
    "model",
    "model_ref",
    "service_tier",
    "window",
    "currency",
    "input_cost",
    "cached_cost",
    "cache_write_cost",
    "output_cost",
    "total",
    "reported_cost",
    "reported_currency",
    "unpriced",
    "dims",
    "where",
}


def _parquet(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return exact(value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value


def _cell(value: Any) -> str:
    from decimal import Decimal

    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return exact(value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False) if value else ""
    return str(value)
