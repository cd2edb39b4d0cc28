"""LiteLLM proxy spend logs: a CSV or JSON Lines dump of the `LiteLLM_SpendLogs` table.

One row is one request. A row logged twice (a dump taken with overlapping ranges, a retried
export) has one `request_id`: records carry it as their dedup key and the engine keeps one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from aicost.usage.readers._values import (
    BadValue,
    count,
    csv_rows,
    json_line,
    money,
    sorted_dims,
    text,
    utc_iso,
)
from aicost.usage.record import Malformed, UsageRecord

NAME = "litellm"
DESCRIBES = "LiteLLM SpendLogs dump (CSV or JSONL)"
COUNTING = (
    "prompt_tokens is LiteLLM's OpenAI-style count and includes cache reads and cache writes "
    "(its Anthropic transformation adds them); the cache parts come from metadata.usage_object: "
    "cache_read_input_tokens (or prompt_tokens_details.cached_tokens), cache_creation_input_tokens "
    "with its cache_creation_token_details 5m/1h split (all 5m when not split); a row whose "
    "prompt_tokens is smaller than its cache parts is read as excluding them; completion_tokens "
    "includes reasoning (completion_tokens_details.reasoning_tokens); spend is the proxy's cost in USD"
)

_SIGNATURE = ("request_id", "call_type", "spend", "startTime")
_REQUIRED = ("request_id", "startTime", "prompt_tokens", "completion_tokens")
_DIMS = (
    ("key", "api_key"),
    ("user", "user"),
    ("team", "team_id"),
    ("end_user", "end_user"),
    ("session", "session_id"),
    ("organization", "organization_id"),
)

Getter = Callable[[str], Any]


def sniff(path: Path, head: bytes) -> bool:
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0]
    if first.startswith(b"{"):
        return all(b'"' + name.encode() + b'"' in first for name in _SIGNATURE)
    columns = {c.strip().strip('"') for c in first.decode("utf-8", "replace").split(",")}
    return all(name in columns for name in _SIGNATURE)


def read(path: Path) -> Iterator[UsageRecord | Malformed]:
    with open(path, "rb") as probe:
        jsonl = probe.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")
    yield from (_read_jsonl(path) if jsonl else _read_csv(path))


def _read_jsonl(path: Path) -> Iterator[UsageRecord | Malformed]:
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
            try:
                yield _record(row.get, where)
            except BadValue as exc:
                yield Malformed(where, str(exc))


def _read_csv(path: Path) -> Iterator[UsageRecord | Malformed]:
    rows = csv_rows(path)
    header = next(rows, None)
    if header is None:
        return
    if isinstance(header, Malformed):
        yield header
        return
    names = header[1]
    index = {name.strip(): i for i, name in enumerate(names)}
    missing = [name for name in _REQUIRED if name not in index]
    if missing:
        yield Malformed(f"{path}:1", f"no column {', '.join(missing)} in the header")
        return
    for item in rows:
        if isinstance(item, Malformed):
            yield item
            continue
        line, row = item
        where = f"{path}:{line}"
        if len(row) != len(names):
            yield Malformed(where, f"{len(row)} fields, the header has {len(names)}")
            continue

        def get(name: str, row: list[str] = row) -> Any:
            i = index.get(name)
            return None if i is None else row[i]

        try:
            yield _record(get, where)
        except BadValue as exc:
            yield Malformed(where, str(exc))


def _usage_object(metadata: Any) -> dict[str, Any]:
    """The provider usage LiteLLM keeps in `metadata` (as an object, or as JSON text in a CSV)."""
    if metadata is None or metadata == "":
        return {}
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata, parse_float=Decimal)
        except ValueError:
            raise BadValue("metadata is not JSON") from None
    if not isinstance(metadata, dict):
        return {}
    usage = metadata.get("usage_object")
    return usage if isinstance(usage, dict) else metadata


def _part(usage: dict[str, Any], outer: str, inner: str) -> int:
    details = usage.get(outer)
    return count(details.get(inner), f"{outer}.{inner}") if isinstance(details, dict) else 0


def _record(get: Getter, where: str) -> UsageRecord:
    request_id = text(get("request_id"))
    if request_id is None:
        raise BadValue("no request_id")
    model = text(get("model")) or text(get("model_group"))
    if model is None:
        raise BadValue("no model")
    ts = utc_iso(get("startTime"), "startTime")
    prompt = count(get("prompt_tokens"), "prompt_tokens")
    completion = count(get("completion_tokens"), "completion_tokens")
    usage = _usage_object(get("metadata"))
    cache_read = max(
        count(usage.get("cache_read_input_tokens"), "cache_read_input_tokens"),
        _part(usage, "prompt_tokens_details", "cached_tokens"),
    )
    written = count(usage.get("cache_creation_input_tokens"), "cache_creation_input_tokens")
    split_5m = _part(usage, "cache_creation_token_details", "ephemeral_5m_input_tokens")
    split_1h = _part(usage, "cache_creation_token_details", "ephemeral_1h_input_tokens")
    written = max(written, split_5m + split_1h)
    write_1h = split_1h
    write_5m = written - write_1h
    # LiteLLM's prompt_tokens includes the cache; a smaller count can only have left it out
    total = prompt if prompt >= cache_read + written else prompt + cache_read + written
    reasoning = _part(usage, "completion_tokens_details", "reasoning_tokens")
    status = text(get("status"))
    return UsageRecord(
        ts=ts,
        model=model,
        provider=text(get("custom_llm_provider")),
        input_tokens=total,
        cache_read=cache_read,
        cache_write_5m=write_5m,
        cache_write_1h=write_1h,
        output_tokens=completion,
        reasoning_tokens=min(reasoning, completion),
        dims=sorted_dims([(name, text(get(column))) for name, column in _DIMS]),
        reported_cost=money(get("spend"), "spend"),
        reported_currency="USD",
        where=where,
        dedup_key="litellm|" + request_id,
        dedup_rank=(0 if status == "failure" else 1, total + completion),
    )
