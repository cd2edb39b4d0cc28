"""Any CSV or JSON Lines usage log, read through a mapping file (`--map MAP.yaml`).

The mapping names, for each canonical field, a CSV column or a JSON path (`usage.prompt_tokens`
or `$.usage.prompt_tokens`), and a `preset` saying what the source's input and output include:

    preset: openai             # anthropic | openai | gemini | otel (see COUNTING)
    timestamp_format: iso      # iso (the default) | unix | unix_ms
    provider: openai           # a constant for every row (or fields.provider: a column)
    fields:
      ts: created_at
      model: model
      input: usage.prompt_tokens
      output: usage.completion_tokens
      cache_read: usage.prompt_tokens_details.cached_tokens
    dims:
      project: project_id

Fields: ts, model, input and output are required (model as a field or a constant); the others
(provider, requests, cache_read, cache_write (5-minute writes), cache_write_1h, reasoning,
service_tier, cost, id) are optional; an empty value of an optional count is 0. `id` makes rows
with one id one request; `cost` is what the source says a row cost (in `currency`, USD unless
given). `delimiter` sets a CSV's field separator. Without a mapping nothing is sniffed as this
format: the caller says "needs --map" and names the columns it saw (`columns_seen`).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from operator import itemgetter
from pathlib import Path
from typing import Any

from aicost.model.errors import AicostError
from aicost.usage.mapping import COUNTS, Mapping, Source, apply_preset, load_mapping
from aicost.usage.readers._values import (
    BadValue,
    count,
    csv_reader,
    csv_rows,
    json_line,
    money,
    text,
    utc_iso,
    utc_unix,
)
from aicost.usage.record import STANDARD, Malformed, UsageRecord

NAME = "csv"  # also `--from jsonl`: a file whose first value starts with `{` is read as JSON Lines
DESCRIBES = "CSV or JSONL usage log read through a mapping file"
COUNTING = (
    "told by the mapping's preset: openai and otel: input includes cache reads and writes, output "
    "includes reasoning; anthropic: input excludes the cache, so input = input + cache_read + "
    "cache_write + cache_write_1h, output includes thinking; gemini: input includes cache reads, "
    "output excludes thoughts, so output = output + reasoning"
)

_TIERS = {"": STANDARD, "default": STANDARD, "auto": STANDARD, "standard": STANDARD}
_EPOCH = dt.datetime(1970, 1, 1)
_SECOND = dt.timedelta(seconds=1)
_MILLI = dt.timedelta(milliseconds=1)


def _is_text(head: bytes) -> bool:
    try:
        head[:4096].decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > 4090  # a character cut by the end of the sample
    return b"\x00" not in head


def sniff(path: Path, head: bytes, *, mapping: Mapping | None = None) -> bool:
    """True only with a mapping, for text that is CSV or JSON Lines."""
    return mapping is not None and _is_text(head) and bool(head.strip())


def _is_jsonl(path: Path) -> bool:
    with open(path, "rb") as probe:
        return probe.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def columns_seen(path: Path) -> list[str]:
    """The CSV header's columns, or the keys of the first JSON line (for "needs --map" messages)."""
    if _is_jsonl(path):
        with open(path, "rb") as handle:
            for raw in handle:
                if raw.strip():
                    try:
                        first = json.loads(raw)
                    except ValueError:
                        return []
                    return list(first) if isinstance(first, dict) else []
        return []
    for item in csv_rows(path):
        return [] if isinstance(item, Malformed) else item[1]
    return []


def read(path: Path, mapping: Mapping | Path | None = None) -> Iterator[UsageRecord | Malformed]:
    if mapping is None:
        seen = ", ".join(columns_seen(path)) or "none"
        raise AicostError(
            f"{path}: a CSV or JSONL usage log needs a mapping (columns seen: {seen})",
            hint="write a mapping file and pass --map MAP.yaml",
        )
    if isinstance(mapping, Path):
        mapping = load_mapping(mapping)
    if _is_jsonl(path):
        yield from _read_jsonl(path, mapping)
    else:
        yield from _read_csv(path, mapping)


# ---- shared: turn one row's values into a record -------------------------------------------


def _timestamp_reader(kind: str) -> Callable[[Any], dt.datetime]:
    if kind == "unix":
        return lambda value: utc_unix(value, "ts")
    if kind == "unix_ms":
        return lambda value: utc_unix(value, "ts", 1000)
    return lambda value: utc_iso(value, "ts")


def _build(
    mapping: Mapping,
    values: dict[str, Any],
    dims: tuple[tuple[str, str], ...],
    ts: dt.datetime,
    where: str,
) -> UsageRecord:
    """A record from one row's raw values (the careful path: every value checked, with reasons)."""
    counts = {name: count(values.get(name), name) for name in COUNTS if name in mapping.fields}
    model = mapping.model or text(values.get("model"))
    if model is None:
        raise BadValue("no model")
    read_ = counts.get("cache_read", 0)
    write_5m = counts.get("cache_write", 0)
    write_1h = counts.get("cache_write_1h", 0)
    reasoning = counts.get("reasoning", 0)
    total, output = apply_preset(
        mapping.preset, counts["input"], counts["output"], read_, write_5m + write_1h, reasoning
    )
    if read_ + write_5m + write_1h > total:
        raise BadValue(
            f"input ({total}) is less than its cache parts "
            f"({read_} read + {write_5m + write_1h} written): is preset {mapping.preset} right?"
        )
    tier = text(values.get("service_tier")) or ""
    ident = text(values.get("id"))
    cost = money(values.get("cost"), "cost")
    return UsageRecord(
        ts=ts,
        model=model,
        provider=mapping.provider or text(values.get("provider")),
        requests=counts.get("requests", 1) if "requests" in mapping.fields else 1,
        input_tokens=total,
        cache_read=read_,
        cache_write_5m=write_5m,
        cache_write_1h=write_1h,
        output_tokens=output,
        reasoning_tokens=min(reasoning, output),
        service_tier=_TIERS.get(tier.lower(), tier.lower()),
        dims=dims,
        reported_cost=cost,
        reported_currency=mapping.currency if cost is not None else None,
        where=where,
        dedup_key=None if ident is None else f"id|{ident}",
        dedup_rank=(total + output,),
    )


# ---- JSON Lines -------------------------------------------------------------------------------


def _dig(row: Any, path: tuple[str, ...]) -> Any:
    for step in path:
        if not isinstance(row, dict):
            return None
        row = row.get(step)
    return row


def _read_jsonl(path: Path, mapping: Mapping) -> Iterator[UsageRecord | Malformed]:
    stamp = _timestamp_reader(mapping.timestamp_format)
    fields = list(mapping.fields.items())
    with open(path, "rb") as handle:
        for line, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            where = f"{path}:{line}"
            try:
                row = json_line(raw)
            except BadValue as exc:
                yield Malformed(where, str(exc))
                continue
            if not isinstance(row, dict):
                yield Malformed(where, "not a JSON object")
                continue
            values = {name: _dig(row, src.path) for name, src in fields}
            try:
                for name in ("ts", "input", "output"):
                    if values[name] is None:
                        raise BadValue(f"no value at {mapping.fields[name].written}")
                dims = tuple(
                    (name, value)
                    for name, src in mapping.dims
                    if (value := text(_dig(row, src.path))) is not None
                )
                yield _build(mapping, values, dims, stamp(values["ts"]), where)
            except BadValue as exc:
                yield Malformed(where, str(exc))


# ---- CSV ----------------------------------------------------------------------------------------


def _columns(path: Path, mapping: Mapping, header: list[str]) -> tuple[dict[str, int], list[int]]:
    """Each mapped field's column index, and the dims' (resolved once, before the rows)."""
    index = {name.strip(): i for i, name in enumerate(header)}

    def find(src: Source) -> int:
        if src.written in index:
            return index[src.written]
        raise AicostError(
            f"column {src.written!r} is not in the header of {path} "
            f"(columns seen: {', '.join(header) or 'none'})",
            where=src.where,
            hint="name one of the columns seen",
        )

    fields = {name: find(src) for name, src in mapping.fields.items()}
    return fields, [find(src) for _, src in mapping.dims]


def _read_csv(path: Path, mapping: Mapping) -> Iterator[UsageRecord | Malformed]:
    name = str(path)
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        reader = csv_reader(handle, mapping.delimiter)
        try:
            header = next(reader, None)
        except csv.Error as exc:
            yield Malformed(f"{name}:1", f"unreadable CSV header: {exc}")
            return
        if header is None:
            return
        columns, dim_columns = _columns(path, mapping, header)
        width = len(header)
        dim_names = [name for name, _ in mapping.dims]
        stamp = _timestamp_reader(mapping.timestamp_format)
        fast = _fast_row(mapping, columns, dim_columns, dim_names)
        last = reader.line_num
        while True:
            try:
                for row in reader:
                    line, last = last + 1, reader.line_num
                    if len(row) != width:
                        if row:
                            yield Malformed(
                                f"{name}:{line}", f"{len(row)} fields, the header has {width}"
                            )
                        continue
                    try:
                        yield fast(row, f"{name}:{line}")
                    except (
                        ValueError,
                        ArithmeticError,
                    ):  # ArithmeticError: Decimal's, int overflow
                        # the careful path says what is wrong, or reads what the fast one does not
                        # (an empty count, a Unix time with a fraction of a second)
                        where = f"{name}:{line}"
                        values = {field: row[i] for field, i in columns.items()}
                        dims = tuple(
                            (d, row[i])
                            for d, i in zip(dim_names, dim_columns, strict=True)
                            if row[i]
                        )
                        try:
                            yield _build(mapping, values, dims, stamp(values["ts"]), where)
                        except BadValue as exc:
                            yield Malformed(where, str(exc))
                return
            except csv.Error as exc:
                yield Malformed(f"{name}:{last + 1}", f"unreadable CSV row: {exc}")
                last = reader.line_num


def _fast_row(
    mapping: Mapping, columns: dict[str, int], dim_columns: list[int], dim_names: list[str]
) -> Callable[[list[str], str], UsageRecord]:
    """A reader of clean rows: indexes resolved once, int() on fields, no per-row dicts.

    Anything it does not expect raises ValueError, and the row is read again on the careful path.
    """
    get = columns.get
    i_ts, i_in, i_out = columns["ts"], columns["input"], columns["output"]
    i_model, i_provider, i_tier = get("model"), get("provider"), get("service_tier")
    i_read, i_w5, i_w1 = get("cache_read"), get("cache_write"), get("cache_write_1h")
    i_reason, i_req, i_cost, i_id = get("reasoning"), get("requests"), get("cost"), get("id")
    preset, constant_model, constant_provider = mapping.preset, mapping.model, mapping.provider
    currency, kind = mapping.currency, mapping.timestamp_format
    fromiso, utc = dt.datetime.fromisoformat, dt.UTC
    # dims repeat (a few projects, keys, users): one shared tuple per combination of values
    dim_values = itemgetter(*dim_columns) if dim_columns else None
    dims_seen: dict[Any, tuple[tuple[str, str], ...]] = {}

    def dims_of(row: list[str]) -> tuple[tuple[str, str], ...]:
        if dim_values is None:
            return ()
        key = dim_values(row)
        found = dims_seen.get(key)
        if found is None:
            values = (key,) if len(dim_columns) == 1 else key
            found = tuple((n, v) for n, v in zip(dim_names, values, strict=True) if v)
            dims_seen[key] = found
        return found

    def row_record(row: list[str], where: str) -> UsageRecord:
        prompt = int(row[i_in])
        output = int(row[i_out])
        read_ = 0 if i_read is None else int(row[i_read])
        w5 = 0 if i_w5 is None else int(row[i_w5])
        w1 = 0 if i_w1 is None else int(row[i_w1])
        reasoning = 0 if i_reason is None else int(row[i_reason])
        requests = 1 if i_req is None else int(row[i_req])
        if prompt < 0 or output < 0 or read_ < 0 or w5 < 0 or w1 < 0 or reasoning < 0:
            raise ValueError("negative")
        if requests < 0:
            raise ValueError("negative")
        if preset == "anthropic":
            prompt += read_ + w5 + w1
        elif preset == "gemini":
            output += reasoning
        if read_ + w5 + w1 > prompt or reasoning > output:
            raise ValueError("parts exceed the whole")
        model = constant_model or (row[i_model] if i_model is not None else "")
        if not model:
            raise ValueError("no model")
        value = row[i_ts]
        if kind == "iso":
            if value[-1:] == "Z":
                ts = fromiso(value[:-1])
            else:
                ts = fromiso(value)
                if ts.tzinfo is not None:
                    ts = ts.astimezone(utc).replace(tzinfo=None)
        else:
            ts = _EPOCH + int(value) * (_SECOND if kind == "unix" else _MILLI)
        tier = STANDARD
        if i_tier is not None:
            tier = row[i_tier].lower()
            tier = _TIERS.get(tier, tier)
        cost = None
        if i_cost is not None and row[i_cost]:
            cost = Decimal(row[i_cost])
            if not cost.is_finite():
                raise ValueError("cost")
        ident = "" if i_id is None else row[i_id]
        # positional, in field order: the cheapest way to build one (a test checks the careful
        # path builds an equal record)
        return UsageRecord(
            ts,
            model,
            constant_provider or (row[i_provider] or None if i_provider is not None else None),
            requests,
            prompt,
            read_,
            w5,
            w1,
            output,
            reasoning,
            tier,
            0,
            dims_of(row),
            cost,
            currency if cost is not None else None,
            where,
            f"id|{ident}" if ident else None,
            (prompt + output,),
        )

    return row_record
