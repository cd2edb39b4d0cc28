"""Records per second and peak memory of the Python usage engine on synthetic records.

    python benchmarks/usage_engine.py [N] [--dedup]

`pooled` streams N records cycled from 20,000 built ones (the engine's own cost); `built` builds
each record as it streams (what a reader feeding the engine adds). With --dedup every record has
its own key (the dedup table is the only memory that grows with N).
"""

from __future__ import annotations

import datetime as dt
import resource
import sys
import time
from pathlib import Path

from aicost.sheets.sources import load_catalog
from aicost.usage.engine_python import UsageOptions, price
from aicost.usage.record import UsageRecord

SHEETS = Path(__file__).resolve().parents[1] / "tests" / "data" / "usage" / "sheets"
MODELS = ["lab-chat", "lab-long", "LAB-CHAT-LATEST", "lab/lab-chat", "lab-flex"]
START = dt.datetime(2026, 3, 1)


def make(i: int, dedup: bool) -> UsageRecord:
    return UsageRecord(
        ts=START + dt.timedelta(seconds=i * 7),
        model=MODELS[i % 5],
        input_tokens=900 + i % 300,
        cache_read=i % 100,
        cache_write_5m=i % 7,
        cache_write_1h=i % 5,
        output_tokens=50 + i % 50,
        service_tier="batch" if i % 10 == 0 else "standard",
        dedup_key=f"k{i}" if dedup else None,
    )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 1_000_000
    dedup = "--dedup" in sys.argv
    catalog = load_catalog([str(SHEETS)])
    pool = [make(i, False) for i in range(20_000)]

    def pooled():  # type: ignore[no-untyped-def]
        for i in range(n):
            yield pool[i % 20_000]

    def built():  # type: ignore[no-untyped-def]
        for i in range(n):
            yield make(i, dedup)

    for name, source in (("built", built),) if dedup else (("pooled", pooled), ("built", built)):
        start = time.perf_counter()
        result = price(source, catalog, UsageOptions(by=("day", "model")))
        elapsed = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{name:6} {n:,} records: {elapsed:.2f} s, {n / elapsed:,.0f} records/s, "
            f"peak RSS so far {peak:.0f} MB, {len(result.rows)} rows, total {result.totals.total}"
        )


if __name__ == "__main__":
    main()
