"""LiteLLM's model price map (`model_prices_and_context_window_backup.json`), in and out.

LiteLLM prices per token; aicost per 1M tokens. The JSON is read with every number as a Decimal
from its own text, so `3e-06` becomes exactly 3 per million.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from aicost.catalogs.common import (
    FIELDS,
    MILLION,
    PEER_CURRENCY,
    Imported,
    ModelDraft,
    PeriodDraft,
    Prices,
    emit_text,
    filled,
    id_problem,
    json_text,
    missing_rates,
    slugify,
    version_beside,
)
from aicost.model.catalog import Catalog
from aicost.model.errors import AicostError
from aicost.model.prices import SERVICE_TIERS, ModelPrice, Period, Rates, choose_tier

PEER = "litellm"
FILE_NAME = "model_prices_and_context_window_backup.json"
MODES = {"chat", "completion", "responses"}

# litellm_provider -> aicost slug, where the names differ
PROVIDERS = {
    "gemini": "google",
    "zai": "zhipu",
    "dashscope": "alibaba",
    "moonshotai": "moonshot",
    "mistralai": "mistral",
    "text-completion-openai": "openai",
}
SLUG_TO_PEER = {"google": "gemini", "zhipu": "zai", "alibaba": "dashscope"}

RATE_KEYS = {  # litellm key stem -> aicost field; the 1-hour stem first, it extends the 5-minute one
    "cache_creation_input_token_cost_above_1hr": "cache_write_1h",
    "cache_creation_input_token_cost": "cache_write",
    "cache_read_input_token_cost": "cached_input",
    "input_cost_per_token": "input",
    "output_cost_per_token": "output",
}
STEMS = {field: stem for stem, field in RATE_KEYS.items()}
SUFFIX_TIERS = {"batches": "batch", "flex": "flex", "priority": "priority"}
TIER_SUFFIXES = {tier: suffix for suffix, tier in SUFFIX_TIERS.items()}
PRICE_KEY = re.compile(
    r"^(" + "|".join(RATE_KEYS) + r")(?:_above_(\d+)(k?)_tokens)?(?:_(batches|flex|priority))?$"
)
# fields that say what a model is, not what it costs: read where aicost has a place, else ignored
PRICED = re.compile(r"cost|pricing|uplift|multiplier")
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


# -- in -------------------------------------------------------------------------------------------


def installed() -> tuple[Path, str]:
    """The price map inside an installed `litellm`, found without importing it (that is slow)."""
    import importlib.metadata
    import importlib.util

    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        raise AicostError(
            "litellm is not installed, so there is no price map to read",
            hint=f"pip install litellm, or give the file: aicost import litellm {FILE_NAME} -o DIR",
        )
    path = Path(next(iter(spec.submodule_search_locations))) / FILE_NAME
    if not path.is_file():
        raise AicostError(f"the installed litellm has no {FILE_NAME}", hint="give the file instead")
    return path, importlib.metadata.version("litellm")


def read(path: Path | None) -> Imported:
    if path is None:
        path, version = installed()
    else:
        version = version_beside(path, PEER)
    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except OSError as exc:
        raise AicostError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise AicostError(f"{path}: not a LiteLLM price map: {exc}") from None
    if not isinstance(data, dict):
        raise AicostError(f"{path}: not a LiteLLM price map (expected a JSON object of models)")
    imported = Imported(PEER, version, path.name, [])
    seen: dict[tuple[str, str], str] = {}
    for key, entry in data.items():
        if key == "sample_spec" or not isinstance(entry, dict):
            continue
        mode = entry.get("mode")
        if mode not in MODES:
            imported.skip(f"mode {mode}" if isinstance(mode, str) and len(mode) < 40 else "no mode")
            continue
        model = read_model(str(key), entry, imported)
        if model is None:
            continue
        ref = (model.provider, model.id.lower())
        if ref in seen:
            imported.invalid.append((f"{key} (as {seen[ref]})", "the same provider and id twice"))
            continue
        seen[ref] = key
        imported.models.append(model)
    return imported


def read_model(key: str, entry: dict[str, Any], imported: Imported) -> ModelDraft | None:
    provider_name = str(entry.get("litellm_provider") or key.partition("/")[0])
    slug = slugify(provider_name, PROVIDERS)
    model_id = key
    for prefix in {provider_name, slug}:
        model_id = model_id.removeprefix(prefix + "/")
    problem = id_problem(model_id)
    if problem:
        imported.invalid.append((key, problem))
        return None
    draft = ModelDraft(slug, model_id, key, [])
    prices: Prices = {}
    service: dict[str, Prices] = {}
    windows: list[dict[str, Any]] = []
    for name, value in entry.items():
        match = PRICE_KEY.match(name)
        if match and _number(value):
            stem, bound, k, suffix = match.groups()
            start = 0 if bound is None else int(bound) * (1000 if k else 1)
            target = prices if suffix is None else service.setdefault(SUFFIX_TIERS[suffix], {})
            target.setdefault(RATE_KEYS[stem], {})[start] = value * MILLION
            draft.kept.append(name)
        elif name == "tiered_pricing" and isinstance(value, list):
            _tiered(value, prices, draft)
        elif name == "off_peak_pricing" and isinstance(value, dict):
            windows = _off_peak(value, draft)
        elif name == "max_input_tokens" and _number(value) and value == int(value):
            draft.context_window = int(value)
            draft.kept.append(name)
        elif name == "deprecation_date" and isinstance(value, str) and DATE.match(value):
            draft.retired = dt.date.fromisoformat(value)
            draft.kept.append(name)
        elif name == "input_cost_per_token_cache_hit" and _number(value):
            if prices.get("cached_input", {}).get(0, value * MILLION) == value * MILLION:
                prices.setdefault("cached_input", {})[0] = value * MILLION
                draft.kept.append(name)
            else:
                draft.not_kept.append(name)
        elif PRICED.search(name) and _costs_something(value):
            draft.not_kept.append(name)
    lacking = missing_rates(prices)
    if lacking:
        imported.invalid.append((key, f"no {' or '.join(lacking)} price per token"))
        return None
    draft.periods.append(PeriodDraft(prices, service=service, windows=windows))
    return draft


def _number(value: Any) -> bool:
    return isinstance(value, Decimal | int) and not isinstance(value, bool) and value >= 0


def _costs_something(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_costs_something(v) for v in value.values())
    if isinstance(value, list):
        return any(_costs_something(v) for v in value)
    return not (_number(value) and value == 0) and not isinstance(value, str | bool)


def _tiered(tiers: list[Any], prices: Prices, draft: ModelDraft) -> None:
    """`tiered_pricing`: price sets by input-token range; each range's lower bound starts a tier."""
    for index, tier in enumerate(tiers):
        bounds = tier.get("range") if isinstance(tier, dict) else None
        if not (isinstance(bounds, list) and bounds and _number(bounds[0])):
            draft.not_kept.append(f"tiered_pricing[{index}]")
            continue
        start = int(bounds[0])
        for name, value in tier.items():
            match = PRICE_KEY.match(name)
            if match and match.group(2) is None and match.group(4) is None and _number(value):
                prices.setdefault(RATE_KEYS[match.group(1)], {})[start] = value * MILLION
            elif name != "range" and _costs_something(value):
                draft.not_kept.append(f"tiered_pricing[{index}].{name}")
    draft.kept.append("tiered_pricing")


def _off_peak(spec: dict[str, Any], draft: ModelDraft) -> list[dict[str, Any]]:
    """`off_peak_pricing`: cheaper flat rates in UTC windows (weekdays 1 = Monday)."""
    rates: dict[str, Decimal] = {}
    for name, value in spec.items():
        match = PRICE_KEY.match(name)
        if match and match.group(2) is None and match.group(4) is None and _number(value):
            rates[RATE_KEYS[match.group(1)]] = value * MILLION
        elif name != "windows" and _costs_something(value):
            draft.not_kept.append(f"off_peak_pricing.{name}")
    rates = {name: rates[name] for name in FIELDS if name in rates}
    windows = []
    for spot in spec.get("windows") or []:
        hours = spot.get("hours_utc", []) if isinstance(spot, dict) else None
        days = spot.get("weekdays", []) if isinstance(spot, dict) else None
        hours = [hours] if isinstance(hours, str) else hours
        try:
            window: dict[str, Any] = {"name": "off-peak"}
            if days:
                window["days"] = [DAY_NAMES[int(d) - 1] for d in days]
            spans = [_span(h) for h in hours or []]
            if any(s is not None for s in spans):
                window["hours"] = [s for s in spans if s is not None]
        except (TypeError, ValueError, IndexError):
            draft.not_kept.append("off_peak_pricing.windows")
            return []
        windows.append({**window, **rates})
    if not rates or not windows:
        draft.not_kept.append("off_peak_pricing")
        return []
    draft.kept.append("off_peak_pricing")
    return windows


def _span(text: str) -> str | None:
    """ "10:00-00:00" -> "10:00-24:00"; a whole day ("00:00-00:00") -> None (no hour limit)."""
    start, _, end = str(text).partition("-")
    for clock in (start, end):
        if not CLOCK.match(clock):
            raise ValueError(text)
    if start == end:
        return None
    return f"{start}-{'24:00' if end == '00:00' else end}"


# -- out ------------------------------------------------------------------------------------------


def export(catalog: Catalog, at: dt.datetime, out: Path | None) -> None:
    """The catalog as LiteLLM custom pricing: each model's prices in force at `at`, per token."""
    emit_text(json_text(entries(catalog, at)) + "\n", out)


def entries(catalog: Catalog, at: dt.datetime) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for model in sorted(catalog.models, key=lambda m: m.ref):
        if model.currency != PEER_CURRENCY:
            continue
        period = model.period_at(at)
        if period is None:
            continue
        peer_provider = SLUG_TO_PEER.get(model.provider, model.provider)
        found[f"{peer_provider}/{model.id}"] = model_entry(model, period, peer_provider)
    return found


def model_entry(model: ModelPrice, period: Period, peer_provider: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"litellm_provider": peer_provider, "mode": "chat"}
    if model.context_window is not None:
        entry["max_input_tokens"] = model.context_window
    if model.retired is not None:
        entry["deprecation_date"] = model.retired.date().isoformat()
    entry.update(_rate_keys(period.tiers, ""))
    for tier in period.all_service_tiers():
        if tier.name not in SERVICE_TIERS:
            continue
        if tier.tiers is None:
            assert tier.multiplier is not None
            tiers = tuple(_scaled(r, tier.multiplier) for r in period.tiers)
        else:  # a rate LiteLLM does not find for a service tier falls back to the list rate
            tiers = _aligned(filled(tier.tiers, period.tiers), period.tiers)
        entry.update(_rate_keys(tiers, "_" + TIER_SUFFIXES[tier.name]))
    windows = _windows(period)
    if windows:
        entry["off_peak_pricing"] = windows
    return entry


def _aligned(tiers: tuple[Rates, ...], listed: tuple[Rates, ...]) -> tuple[Rates, ...]:
    """Service-tier rates spelled out at every bound of the list price as well, because LiteLLM
    reads a service rate missing above a bound as the list rate there."""
    own = {t.up_to for t in tiers}
    bounds = [t.up_to for t in listed]
    if len(listed) == 1 or not own <= set(bounds):
        return tiers
    out = []
    low = 0
    for bound in bounds:
        rates = choose_tier(tiers, low)[1]
        out.append(dataclasses.replace(rates, up_to=bound))
        low = (bound or 0) + 1
    return tuple(out)


def _scaled(rates: Rates, factor: Decimal) -> Rates:
    def times(value: Decimal | None) -> Decimal | None:
        return None if value is None else value * factor

    return Rates(
        rates.input * factor,
        times(rates.cached_input),
        times(rates.cache_write),
        rates.output * factor,
        rates.up_to,
        times(rates.cache_write_1h),
    )


def _rate_keys(tiers: tuple[Rates, ...], suffix: str) -> dict[str, Decimal]:
    keys: dict[str, Decimal] = {}
    start: int | None = None
    for tier in tiers:
        bound = "" if start is None else f"_above_{_count(start)}_tokens"
        for name, stem in STEMS.items():
            value = getattr(tier, name)
            if value is not None:
                keys[f"{stem}{bound}{suffix}"] = value / MILLION
        start = tier.up_to
    return keys


def _count(tokens: int) -> str:
    return f"{tokens // 1000}k" if tokens % 1000 == 0 else str(tokens)


def _windows(period: Period) -> dict[str, Any] | None:
    """Discount windows as `off_peak_pricing`, when they share one set of rates (all LiteLLM holds)."""
    if not period.windows:
        return None
    base = period.tiers[0]
    rate_sets = {
        w.rates if w.rates is not None else _scaled(base, w.multiplier or Decimal(1))
        for w in period.windows
    }
    if len(rate_sets) != 1:
        return None
    (rates,) = rate_sets
    spec: dict[str, Any] = {
        STEMS[name]: getattr(rates, name) / MILLION
        for name in STEMS
        if getattr(rates, name) is not None
    }
    spec["windows"] = [
        {
            "hours_utc": [
                f"{a // 60:02d}:{a % 60:02d}-{(b // 60) % 24:02d}:{b % 60:02d}" for a, b in w.hours
            ]
            or ["00:00-00:00"],
            "weekdays": [d + 1 for d in w.days] or [1, 2, 3, 4, 5, 6, 7],
        }
        for w in period.windows
    ]
    return spec
