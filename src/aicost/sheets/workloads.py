"""Workloads from a YAML file or from inline flags, as `pricing.Workload` values."""

from __future__ import annotations

from decimal import Decimal

from aicost.engine.pricing import PERIODS, Request, Workload
from aicost.model.errors import AicostError
from aicost.model.limits import REQUESTS, TOKENS, Range
from aicost.model.quantity import parse_share, parse_tokens


def read_workloads(path: str) -> list[Workload]:
    from pathlib import Path

    from aicost.sheets.loader import load_workloads_document
    from aicost.sheets.yamlio import read_text

    parsed, doc = load_workloads_document(read_text(Path(path), path), path)
    return [
        Workload(
            name=w.name,
            request=Request(
                w.input_tokens,
                w.cached_tokens,
                w.cache_write_tokens,
                w.output_tokens,
                w.reasoning_tokens,
            ),
            requests=w.requests,
            per=w.per,
            batch_share=w.batch_share,
            off_peak_share=w.off_peak_share,
            model=w.model,
            budget=w.budget,
            model_at=doc.where(("workloads", i, "model")) if w.model else None,
        )
        for i, w in enumerate(parsed.workloads)
    ]


def _tokens(flags: dict[str, str], key: str, flag: str, limit: Range = TOKENS) -> int:
    text = flags.get(key)
    if text is None:
        return 0
    try:
        return parse_tokens(text, flag, limit)
    except ValueError as exc:
        raise AicostError(str(exc)) from None


def _share(flags: dict[str, str], key: str, flag: str) -> Decimal:
    text = flags.get(key)
    if text is None:
        return Decimal(0)
    try:
        return parse_share(text, flag)
    except ValueError as exc:
        raise AicostError(str(exc)) from None


def inline_workload(flags: dict[str, str]) -> Workload:
    """The workload described by `estimate`'s -i/-o/... flags (values as typed)."""
    request = Request(
        input_tokens=_tokens(flags, "input_tokens", "--input-tokens"),
        cached_tokens=_tokens(flags, "cached_tokens", "--cached-tokens"),
        cache_write_tokens=_tokens(flags, "cache_write_tokens", "--cache-write-tokens"),
        output_tokens=_tokens(flags, "output_tokens", "--output-tokens"),
        reasoning_tokens=_tokens(flags, "reasoning_tokens", "--reasoning-tokens"),
    )
    if request.cached_tokens + request.cache_write_tokens > request.input_tokens:
        raise AicostError(
            f"--cached-tokens ({request.cached_tokens:,}) and --cache-write-tokens "
            f"({request.cache_write_tokens:,}) are parts of the input but exceed --input-tokens "
            f"({request.input_tokens:,})",
            hint="cached tokens count within -i",
        )
    per = flags.get("per", "once").strip().lower()
    if per not in PERIODS:
        raise AicostError(f"--per {per!r} is not one of {', '.join(PERIODS)}")
    requests = _tokens(flags, "requests", "--requests", REQUESTS) if "requests" in flags else 1
    return Workload(
        name="inline",
        request=request,
        requests=requests,
        per=per,
        batch_share=_share(flags, "batch_share", "--batch-share"),
        off_peak_share=_share(flags, "off_peak_share", "--off-peak-share"),
    )
