"""A usage reader for tests only: one JSON object per line with UsageRecord's own field names.

Registered as `--from test` by the tests that need it (never part of the product)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from aicost.usage.record import Malformed, UsageRecord

NAME = "test"
DESCRIBES = "aicost test usage JSONL"
EXPECTS = 'lines with "t":"usage-test"'
COUNTING = "counts are canonical already"


def sniff(path: Path, head: bytes) -> bool:
    return b'"t":"usage-test"' in head.replace(b" ", b"")


def read(path: Path) -> Iterator[UsageRecord | Malformed]:
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            where = f"{path}:{number}"
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                data.pop("t")
                data["ts"] = dt.datetime.fromisoformat(data["ts"].replace("Z", ""))
                if "reported_cost" in data:
                    data["reported_cost"] = Decimal(data["reported_cost"])
                if "dims" in data:
                    data["dims"] = tuple(sorted(data["dims"].items()))
                if "dedup_rank" in data:
                    data["dedup_rank"] = tuple(data["dedup_rank"])
                yield UsageRecord(where=where, **data)
            except (ValueError, KeyError, TypeError) as exc:
                yield Malformed(where, f"not a test record ({type(exc).__name__})")
