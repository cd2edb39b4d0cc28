"""simonw/llm's `logs.db`: the SQLite database `llm` logs every prompt to (table `responses`).

One row is one request. What `input_tokens` counts depends on the plugin that ran the model, so
each row's counting is told by the shape of its `token_details` (see COUNTING).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from aicost.usage.readers._values import BadValue, count, text, utc_iso
from aicost.usage.record import Malformed, UsageRecord

NAME = "llm-db"
DESCRIBES = "simonw/llm logs.db (SQLite)"
COUNTING = (
    "plugin-dependent, told by token_details: with cache_read_input_tokens or "
    "cache_creation_input_tokens (llm-anthropic) input_tokens excludes the cache, so input = "
    "input_tokens + reads + writes (cache_creation.ephemeral_1h_input_tokens are 1h writes, the "
    "rest 5m); with prompt_tokens_details or input_tokens_details (OpenAI) input_tokens includes "
    "cached_tokens and output_tokens includes reasoning_tokens; with candidatesTokenCount (llm-gemini) "
    "input_tokens includes cachedContentTokenCount and output_tokens is candidates + "
    "thoughtsTokenCount (older llm-gemini logged candidates only: thoughts are then added); with no "
    "details input_tokens and output_tokens are taken as they are"
)

_HEADER = b"SQLite format 3\x00"
_COLUMNS = ("id", "model", "resolved_model", "datetime_utc", "input_tokens", "output_tokens")


def _connect(path: Path) -> sqlite3.Connection:
    # read-only, so a reader never creates, locks for writing or migrates a user's database
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _columns(db: sqlite3.Connection) -> set[str]:
    return {row[1] for row in db.execute("PRAGMA table_info(responses)")}


def sniff(path: Path, head: bytes) -> bool:
    if not head.startswith(_HEADER):
        return False
    try:
        db = _connect(path)
        try:
            return {"model", "input_tokens", "output_tokens"} <= _columns(db)
        finally:
            db.close()
    except sqlite3.Error:
        return False


def read(path: Path) -> Iterator[UsageRecord | Malformed]:
    try:
        db = _connect(path)
    except sqlite3.Error as exc:
        yield Malformed(str(path), f"cannot open the database: {exc}")
        return
    try:
        try:
            have = _columns(db)
            if not {"model", "input_tokens", "output_tokens"} <= have:
                yield Malformed(str(path), "no `responses` table with token counts")
                return
            wanted = [*_COLUMNS, "token_details"]
            select = ", ".join(c if c in have else "NULL" for c in wanted)
            rows = db.execute(f"SELECT rowid, {select} FROM responses ORDER BY rowid")
            for row in rows:
                where = f"{path}#responses:{row[0]}"
                try:
                    yield _record(row[1:], where)
                except BadValue as exc:
                    yield Malformed(where, str(exc))
        except sqlite3.Error as exc:
            yield Malformed(str(path), f"cannot read the database: {exc}")
    finally:
        db.close()


def _details(raw: Any) -> dict[str, Any]:
    if raw is None or raw == "":
        return {}
    try:
        details = json.loads(raw, parse_float=Decimal)
    except (TypeError, ValueError):
        raise BadValue("token_details is not JSON") from None
    return details if isinstance(details, dict) else {}


def _inner(details: dict[str, Any], outer: str, inner: str) -> int:
    part = details.get(outer)
    return count(part.get(inner), f"{outer}.{inner}") if isinstance(part, dict) else 0


def _record(row: tuple[Any, ...], where: str) -> UsageRecord:
    id_, logged, resolved, stamp, raw_in, raw_out, raw_details = row
    logged = text(logged)
    if logged is None:
        raise BadValue("no model")
    if raw_in is None and raw_out is None:
        raise BadValue("no token counts (the model's plugin logs none)")
    ts = utc_iso(stamp, "datetime_utc")
    prompt = count(raw_in, "input_tokens")
    output = count(raw_out, "output_tokens")
    details = _details(raw_details)
    read_ = write_5m = write_1h = reasoning = 0
    total = prompt
    if "cache_read_input_tokens" in details or "cache_creation_input_tokens" in details:
        read_ = count(details.get("cache_read_input_tokens"), "cache_read_input_tokens")
        written = count(details.get("cache_creation_input_tokens"), "cache_creation_input_tokens")
        write_1h = min(written, _inner(details, "cache_creation", "ephemeral_1h_input_tokens"))
        write_5m = written - write_1h
        total = prompt + read_ + written
    elif "prompt_tokens_details" in details or "completion_tokens_details" in details:
        read_ = _inner(details, "prompt_tokens_details", "cached_tokens")
        reasoning = _inner(details, "completion_tokens_details", "reasoning_tokens")
    elif "input_tokens_details" in details or "output_tokens_details" in details:
        read_ = _inner(details, "input_tokens_details", "cached_tokens")
        reasoning = _inner(details, "output_tokens_details", "reasoning_tokens")
    elif "candidatesTokenCount" in details or "thoughtsTokenCount" in details:
        read_ = count(details.get("cachedContentTokenCount"), "cachedContentTokenCount")
        reasoning = count(details.get("thoughtsTokenCount"), "thoughtsTokenCount")
        candidates = count(details.get("candidatesTokenCount"), "candidatesTokenCount")
        if reasoning and output == candidates:
            output += reasoning  # logged before llm-gemini counted thinking as output
    if read_ > total:
        raise BadValue(f"cached tokens ({read_}) exceed input_tokens ({total})")
    provider, _, name = logged.rpartition("/")
    return UsageRecord(
        ts=ts,
        model=text(resolved) or name,
        provider=provider or None,
        input_tokens=total,
        cache_read=read_,
        cache_write_5m=write_5m,
        cache_write_1h=write_1h,
        output_tokens=output,
        reasoning_tokens=min(reasoning, output),
        where=where,
        dedup_key=None if id_ is None else f"llm-db|{id_}",
    )
