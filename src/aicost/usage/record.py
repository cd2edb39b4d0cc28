"""The canonical usage record every reader produces and every engine prices.

One record is one request, or one bucket of `requests` requests (the usage APIs report buckets).
Token counts follow one rule whatever the source said, so a reader states its source's counting
once and nothing downstream guesses:
- `input_tokens` is the whole prompt: fresh input, cache reads and both kinds of cache writes;
- `cache_read`, `cache_write_5m` and `cache_write_1h` are parts of it (never billed as fresh);
- `output_tokens` is everything billed as output, reasoning included; `reasoning_tokens` only says
  how much of it was reasoning (informational: it is never added again).
For a bucket the counts are the bucket's sums.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

STANDARD = "standard"  # the list price; other service tiers are "batch", "flex", "priority"


# Not frozen: a frozen dataclass's __init__ sets each field through object.__setattr__, about five
# times the cost of a plain one, and records are built by the hundred thousand. Nothing changes a
# record once a reader has yielded it, and nothing hashes one (the engine keys on `dedup_key`).
@dataclass(slots=True)
class UsageRecord:
    ts: dt.datetime  # naive UTC: the request's moment, or a bucket's start
    model: str  # as logged ("claude-sonnet-4-5-20250929", "openai/gpt-4o", ...)
    provider: str | None = None  # as logged, where the source names one
    requests: int = 1
    input_tokens: int = 0
    cache_read: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    service_tier: str = STANDARD
    bucket_seconds: int = 0  # 0 for one request; a bucket's width otherwise
    dims: tuple[tuple[str, str], ...] = ()  # project, session, user, key, ... sorted by name
    reported_cost: Decimal | None = None  # what the source says it cost, for --reconcile
    reported_currency: str | None = None
    where: str = ""  # file:line (or file#index) the record came from, for messages
    dedup_key: str | None = None  # records with one key are one request (the best one is kept)
    dedup_rank: tuple[int, ...] = ()  # among duplicates, the highest rank is kept

    @property
    def fresh_input(self) -> int:
        return self.input_tokens - self.cache_read - self.cache_write_5m - self.cache_write_1h


@dataclass(frozen=True, slots=True)
class Malformed:
    """A line or entry that could not be read: skipped and counted, never priced."""

    where: str  # file:line
    reason: str
