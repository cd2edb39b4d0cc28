"""Anthropic Admin usage report for messages (`/v1/organizations/usage_report/messages`).

Each result of a bucket becomes one record timed at the bucket's start, `bucket_seconds` wide. The
report counts no requests: a record says `requests=1`, and its long-context tier comes from the
`context_window` dimension ("0-200k" or "200k-1M" when the report was grouped by it, else
"unknown"), never from its token sums. The file is one page as the API returns it, or a JSON list of pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aicost.usage.readers._values import (
    BadValue,
    bucket_pages,
    count,
    sorted_dims,
    text,
    utc_iso,
)
from aicost.usage.record import STANDARD, Malformed, UsageRecord

NAME = "anthropic-usage"
DESCRIBES = "Anthropic Admin usage report JSON (usage_report/messages)"
COUNTING = (
    "uncached_input_tokens excludes the cache: input = uncached + cache_read_input_tokens + "
    "cache_creation.ephemeral_5m_input_tokens + cache_creation.ephemeral_1h_input_tokens; "
    "output_tokens includes thinking; no request count is reported (requests=1 per result; the "
    "tier comes from the context_window dimension); server tool use (web searches) is not read"
)

# the report's own dimensions, by the name a record gives them
_DIMS = (
    ("workspace", "workspace_id"),
    ("key", "api_key_id"),
    ("context_window", "context_window"),
    ("inference_geo", "inference_geo"),
    ("speed", "speed"),
    ("account", "account_id"),
    ("service_account", "service_account_id"),
)


# the report's service tiers by what they are billed as: "priority_on_demand" is Priority Tier
# capacity used beyond a commitment and "flex_discount" the discounted flex tier
_TIERS = {
    "standard": STANDARD,
    "batch": "batch",
    "priority": "priority",
    "priority_on_demand": "priority",
    "flex": "flex",
    "flex_discount": "flex",
}
NO_HINT = "unknown"  # context_window when the report was not grouped by it: the tier is unknown


def sniff(path: Path, head: bytes) -> bool:
    start = head.lstrip()[:1]
    if start not in (b"{", b"["):
        return False
    return b'"starting_at"' in head and b'"uncached_input_tokens"' in head


def read(path: Path) -> Iterator[UsageRecord | Malformed]:
    return bucket_pages(path, ("starting_at", "ending_at"), utc_iso, _record, "usage report page")


def _record(result: Any, start: Any, width: int, where: str) -> UsageRecord:
    if not isinstance(result, dict):
        raise BadValue("a result is not an object")
    model = text(result.get("model"))
    if model is None:
        raise BadValue("no model: fetch the report with group_by[]=model")
    fresh = count(result.get("uncached_input_tokens"), "uncached_input_tokens")
    read_ = count(result.get("cache_read_input_tokens"), "cache_read_input_tokens")
    creation = result.get("cache_creation") or {}
    if not isinstance(creation, dict):
        raise BadValue("cache_creation is not an object")
    write_5m = count(creation.get("ephemeral_5m_input_tokens"), "ephemeral_5m_input_tokens")
    write_1h = count(creation.get("ephemeral_1h_input_tokens"), "ephemeral_1h_input_tokens")
    output = count(result.get("output_tokens"), "output_tokens")
    raw_tier = result.get("service_tier")
    tier = STANDARD if raw_tier is None else str(raw_tier).lower()
    tier = _TIERS.get(tier, tier)
    dims = sorted_dims(
        [
            (name, text(result.get(field)) or (NO_HINT if name == "context_window" else None))
            for name, field in _DIMS
        ]
    )
    identity = (start.isoformat(), str(width), model, tier, *(f"{n}={v}" for n, v in dims))
    total = fresh + read_ + write_5m + write_1h
    return UsageRecord(
        ts=start,
        model=model,
        provider="anthropic",
        requests=1,
        input_tokens=total,
        cache_read=read_,
        cache_write_5m=write_5m,
        cache_write_1h=write_1h,
        output_tokens=output,
        service_tier=tier,
        bucket_seconds=width,
        dims=dims,
        where=where,
        # the same bucket fetched twice (overlapping pages) is one bucket: keep the fuller fetch
        dedup_key="anthropic-usage|" + "|".join(identity),
        dedup_rank=(total + output,),
    )
