"""OpenAI organization usage API (`/v1/organization/usage/completions`): pages of time buckets.

Each result of a bucket becomes one record of `num_model_requests` requests, timed at the bucket's
start, `bucket_seconds` wide. The file is one page as the API returns it, or a JSON list of pages.
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
    utc_unix,
)
from aicost.usage.record import STANDARD, Malformed, UsageRecord

NAME = "openai-usage"
DESCRIBES = "OpenAI organization usage API JSON (usage/completions pages)"
COUNTING = (
    "input_tokens includes the cached tokens (input_cached_tokens is part of it); output_tokens "
    "includes reasoning; no cache-write count is reported; audio tokens (input_audio_tokens, "
    "output_audio_tokens) are not read; one result is num_model_requests requests, so a context "
    "tier cannot be chosen per request"
)

_RESULT = "organization.usage.completions.result"
_TIERS = {None: STANDARD, "default": STANDARD, "auto": STANDARD, "standard": STANDARD}


def sniff(path: Path, head: bytes) -> bool:
    start = head.lstrip()[:1]
    if start not in (b"{", b"["):
        return False
    if _RESULT.encode() in head:
        return True
    return b'"start_time"' in head and b'"num_model_requests"' in head


def read(path: Path) -> Iterator[UsageRecord | Malformed]:
    return bucket_pages(path, ("start_time", "end_time"), utc_unix, _record, "usage page")


def _record(result: Any, start: Any, width: int, where: str) -> UsageRecord:
    if not isinstance(result, dict):
        raise BadValue("a result is not an object")
    kind = result.get("object", _RESULT)
    if kind != _RESULT:
        raise BadValue(f"not a completions usage result ({kind!r})")
    model = text(result.get("model"))
    if model is None:
        raise BadValue("no model: fetch the usage with group_by=model")
    prompt = count(result.get("input_tokens"), "input_tokens")
    cached = count(result.get("input_cached_tokens"), "input_cached_tokens")
    if cached > prompt:
        raise BadValue(f"input_cached_tokens ({cached}) exceed input_tokens ({prompt})")
    requests = count(result.get("num_model_requests"), "num_model_requests")
    if result.get("batch") is True:
        tier = "batch"
    else:
        raw = result.get("service_tier")
        tier = _TIERS.get(raw, raw.lower() if isinstance(raw, str) else STANDARD)
    dims = sorted_dims(
        [
            ("project", text(result.get("project_id"))),
            ("key", text(result.get("api_key_id"))),
            ("user", text(result.get("user_id"))),
        ]
    )
    identity = (start.isoformat(), str(width), model, tier, *(f"{n}={v}" for n, v in dims))
    output = count(result.get("output_tokens"), "output_tokens")
    return UsageRecord(
        ts=start,
        model=model,
        provider="openai",
        requests=requests,
        input_tokens=prompt,
        cache_read=cached,
        output_tokens=output,
        service_tier=tier,
        bucket_seconds=width,
        dims=dims,
        where=where,
        # the same bucket fetched twice (overlapping pages) is one bucket: keep the fuller fetch
        dedup_key="openai-usage|" + "|".join(identity),
        dedup_rank=(requests, prompt + output),
    )
