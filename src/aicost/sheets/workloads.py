"""Workloads from a YAML file or from inline flags, as `pricing.Workload` values."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

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
                w.cache_write_1h_tokens,
            ),
            requests=w.requests,
            per=w.per,
            batch_share=w.service_tier_shares.get("batch", w.batch_share),
            off_peak_share=w.off_peak_share,
            service_tier_shares=tuple(
                (k, v) for k, v in sorted(w.service_tier_shares.items()) if k != "batch"
            ),
            model=w.model,
            models=tuple(w.models or ()),
            budget=w.budget,
            # a budget is in USD unless the workload names its currency
            budget_currency=None if w.budget is None else (w.budget_currency or "USD"),
            model_at=doc.where(("workloads", i, "model")) if w.model else None,
        )
        for i, w in enumerate(parsed.workloads)
    ]


def _tokens(flags: dict[str, Any], key: str, flag: str, limit: Range = TOKENS) -> int:
    text = flags.get(key)
    if text is None:
        return 0
    try:
        return parse_tokens(text, flag, limit)
    except ValueError as exc:
        raise AicostError(str(exc)) from None


def _share(flags: dict[str, Any], key: str, flag: str) -> Decimal:
    text = flags.get(key)
    if text is None:
        return Decimal(0)
    try:
        return parse_share(text, flag)
    except ValueError as exc:
        raise AicostError(str(exc)) from None


SERVICE_TIERS = ("batch", "flex", "priority")


def tier_shares(given: list[str]) -> dict[str, Decimal]:
    """`--service-tier-share NAME=SHARE` values (repeatable) as {name: share}."""
    shares: dict[str, Decimal] = {}
    for text in given:
        name, sep, value = text.partition("=")
        name = name.strip().lower()
        if not sep or name not in SERVICE_TIERS:
            raise AicostError(
                f"--service-tier-share {text!r}: write NAME=SHARE with NAME one of "
                f"{', '.join(SERVICE_TIERS)}",
                hint="e.g. --service-tier-share flex=0.3",
            )
        if name in shares:
            raise AicostError(f"--service-tier-share gives {name} twice")
        try:
            shares[name] = parse_share(value, f"--service-tier-share {name}")
        except ValueError as exc:
            raise AicostError(str(exc)) from None
    return shares


def inline_workload(flags: dict[str, Any]) -> Workload:
    """The workload described by `estimate`'s -i/-o/... flags (values as typed)."""
    request = Request(
        input_tokens=_tokens(flags, "input_tokens", "--input-tokens"),
        cached_tokens=_tokens(flags, "cached_tokens", "--cached-tokens"),
        cache_write_tokens=_tokens(flags, "cache_write_tokens", "--cache-write-tokens"),
        output_tokens=_tokens(flags, "output_tokens", "--output-tokens"),
        reasoning_tokens=_tokens(flags, "reasoning_tokens", "--reasoning-tokens"),
        cache_write_1h_tokens=_tokens(flags, "cache_write_1h_tokens", "--cache-write-1h-tokens"),
    )
    parts = request.cached_tokens + request.cache_write_tokens + request.cache_write_1h_tokens
    if parts > request.input_tokens:
        raise AicostError(
            f"--cached-tokens ({request.cached_tokens:,}), --cache-write-tokens "
            f"({request.cache_write_tokens:,}) and --cache-write-1h-tokens "
            f"({request.cache_write_1h_tokens:,}) are parts of the input but exceed "
            f"--input-tokens ({request.input_tokens:,})",
            hint="cached tokens count within -i",
        )
    shares = tier_shares(list(flags.get("service_tier_share") or []))
    batch = _share(flags, "batch_share", "--batch-share")
    if "batch" in shares:
        if "batch_share" in flags:
            raise AicostError(
                "give --batch-share or --service-tier-share batch=..., not both "
                "(the first is shorthand for the second)"
            )
        batch = shares.pop("batch")
    total = batch + sum(shares.values(), Decimal(0))
    if total > 1:
        raise AicostError(
            f"service tier shares add up to {total}; a request goes through one tier, so they "
            "may add up to 1 at most"
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
        batch_share=batch,
        off_peak_share=_share(flags, "off_peak_share", "--off-peak-share"),
        service_tier_shares=tuple(sorted(shares.items())),
    )
