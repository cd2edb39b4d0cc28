"""genai-prices' provider data, in and out.

The package ships its data as Python objects (`genai_prices.data.providers`); its project publishes
the same data as JSON: a list of providers, each with `models`, each model's `prices` a mapping of
price keys (`input_mtok`, ..., a number or `{"base": ..., "tiers": [{"start": N, "price": ...}]}`)
or a list of `{"constraint": {"start_date": ...} | {"start_time": ..., "end_time": ...} | null,
"prices": {...}}`, plus `price_variants` (`{"when": {...}, "prices": {...}, "constraint": ...}`).
A FILE given to `aicost import genai-prices` is that JSON; without one the installed package is read
and turned into the same shape first.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from aicost.catalogs.common import (
    FIELDS,
    PEER_CURRENCY,
    Imported,
    ModelDraft,
    PeriodDraft,
    Prices,
    emit_text,
    filled,
    id_problem,
    json_text,
    slugify,
    version_beside,
)
from aicost.model.catalog import Catalog
from aicost.model.errors import AicostError
from aicost.model.prices import ModelPrice, Period, Rates

PEER = "genai-prices"
PROVIDERS = {"zai": "zhipu", "moonshotai": "moonshot"}  # zhipuai (bigmodel.cn) stays apart
SLUG_TO_PEER = {"zhipu": "zai", "moonshot": "moonshotai"}
PRICE_KEYS = {
    "input_mtok": "input",
    "cache_read_mtok": "cached_input",
    "cache_write_mtok": "cache_write",
    "cache_write_1h_mtok": "cache_write_1h",
    "output_mtok": "output",
}
KEY_OF = {field: key for key, field in PRICE_KEYS.items()}
VARIANTS = {
    ("processing", "batch"): "batch",
    ("service_tier", "flex"): "flex",
    ("service_tier", "priority"): "priority",
}
VARIANT_OF = {tier: {key: value} for (key, value), tier in VARIANTS.items()}
DAY = 24 * 60


# -- in -------------------------------------------------------------------------------------------


def installed() -> tuple[list[Any], str]:
    """The data shipped inside an installed `genai-prices`, in its JSON shape."""
    import importlib.metadata

    try:
        from genai_prices.data import providers  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise AicostError(
            "genai-prices is not installed, so there is no data to read",
            hint="pip install genai-prices, or give its JSON data: aicost import genai-prices "
            "data.json -o DIR",
        ) from None
    raw = [
        {
            "id": p.id,
            "name": p.name,
            "models": [
                {
                    "id": m.id,
                    "name": m.name,
                    "context_window": m.context_window,
                    "deprecated": m.deprecated,
                    "prices": _plain(m.prices),
                    "price_variants": _plain(m.price_variants),
                }
                for m in p.models
            ],
        }
        for p in providers
    ]
    return raw, importlib.metadata.version("genai-prices")


def _plain(value: Any) -> Any:
    """genai-prices' objects as the JSON shape: dataclasses and ModelPrice as dicts, None dropped."""
    if value is None or isinstance(value, Decimal | int | str | bool):
        return value
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return {k: _plain(v) for k, v in vars(value).items() if not k.startswith("_") and v is not None}


def read(path: Path | None) -> Imported:
    if path is None:
        data, version = installed()
        origin = "genai_prices.data"
    else:
        version, origin = version_beside(path, "genai_prices"), path.name
        try:
            data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
        except OSError as exc:
            raise AicostError(f"cannot read {path}: {exc.strerror or exc}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise AicostError(f"{path}: not genai-prices data: {exc}") from None
    if not isinstance(data, list):
        raise AicostError(f"{origin}: not genai-prices data (expected a JSON list of providers)")
    imported = Imported(PEER, version, origin, [])
    seen: set[tuple[str, str]] = set()
    for provider in data:
        if not isinstance(provider, dict) or not isinstance(provider.get("id"), str):
            raise AicostError(f"{origin}: every provider needs an `id`")
        slug = slugify(provider["id"], PROVIDERS)
        imported.provider_names.setdefault(slug, str(provider.get("name") or provider["id"]))
        for entry in provider.get("models") or []:
            key = f"{provider['id']}/{entry.get('id')}"
            try:
                model = read_model(slug, key, entry, imported)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                imported.invalid.append((key, f"unreadable entry ({exc})"))
                continue
            if model is None:
                continue
            if (slug, model.id.lower()) in seen:
                imported.invalid.append((key, "the same provider and id twice"))
                continue
            seen.add((slug, model.id.lower()))
            imported.models.append(model)
    return imported


def read_model(slug: str, key: str, entry: dict[str, Any], imported: Imported) -> ModelDraft | None:
    model_id = str(entry["id"])
    problem = id_problem(model_id)
    if problem:
        imported.invalid.append((key, problem))
        return None
    draft = ModelDraft(slug, model_id, key, [], name=entry.get("name"))
    if isinstance(entry.get("context_window"), int):
        draft.context_window = entry["context_window"]
        draft.kept.append("context_window")
    if entry.get("deprecated"):
        draft.not_kept.append("deprecated (no date to retire it on)")
    listed = entry.get("prices")
    items = listed if isinstance(listed, list) else [{"constraint": None, "prices": listed}]
    # A date starts a new period; a time of day adds a window to the period before it (the last
    # active price wins, so a later date overrides every earlier time-of-day price).
    segments: list[tuple[dt.date | None, Prices, list[tuple[int, int, Prices]]]] = []
    for index, item in enumerate(items):
        constraint = item.get("constraint") or {}
        prices = _prices(item.get("prices") or {}, draft, f"prices[{index}]")
        if "start_time" in constraint and segments:
            start, end = _minute(constraint["start_time"]), _minute(constraint["end_time"])
            segments[-1][2].append((start, end, prices))
        elif "start_time" in constraint:
            draft.not_kept.append(f"prices[{index}] (a time-of-day price with no base price)")
        else:
            since = dt.date.fromisoformat(constraint["start_date"]) if constraint else None
            if segments and (since is None or (segments[-1][0] or dt.date.min) >= since):
                imported.invalid.append((key, f"prices[{index}]: start dates out of order"))
                return None
            segments.append((since if segments else None, prices, []))
    if not segments or "output" not in segments[-1][1]:
        imported.skip("no price per output token (embeddings, audio, images)")
        return None
    for since, prices, times in segments:
        if "input" not in prices or "output" not in prices:
            imported.invalid.append((key, "a price period without input and output prices"))
            return None
        period = PeriodDraft(prices, since=since, service_replaces_fields=True)
        _time_windows(period, times, draft)
        draft.periods.append(period)
    # the first matching variant wins, so the later ones are applied first and overwritten
    variants = list(enumerate(entry.get("price_variants") or []))
    for index, variant in reversed(variants):
        _variant(draft, variant, index)
    draft.kept.append("prices")
    return draft


def _prices(spec: dict[str, Any], draft: ModelDraft, where: str) -> Prices:
    prices: Prices = {}
    for name, value in spec.items():
        if name in PRICE_KEYS and isinstance(value, dict):
            by = {0: _decimal(value["base"])}
            for tier in value.get("tiers") or []:
                by[int(tier["start"])] = _decimal(tier["price"])
            prices[PRICE_KEYS[name]] = by
        elif name in PRICE_KEYS and value is not None:
            prices[PRICE_KEYS[name]] = {0: _decimal(value)}
        elif value is not None and value != 0 and name not in draft.not_kept:
            draft.not_kept.append(name)
    return prices


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise ValueError(f"not a price: {value!r}")
    number = Decimal(value)
    if not number.is_finite() or number < 0:
        raise ValueError(f"not a price: {value!r}")
    return number


def _minute(text: str) -> int:
    """Minutes after UTC midnight of "HH:MM[:SS][Z|+HH:MM]"."""
    moment = dt.time.fromisoformat(str(text))
    offset = moment.utcoffset() or dt.timedelta()
    minutes = moment.hour * 60 + moment.minute - int(offset.total_seconds()) // 60
    return minutes % DAY


def _hours(spans: list[tuple[int, int]]) -> list[str]:
    return [f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in spans]


def _complement(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The minutes of the day outside `spans` (which may wrap midnight), wrapping joined up."""
    covered = [False] * DAY
    for start, end in spans:
        minute = start
        while True:
            covered[minute] = True
            minute = (minute + 1) % DAY
            if minute == end:
                break
    free: list[tuple[int, int]] = []
    minute = 0
    while minute < DAY:
        if covered[minute]:
            minute += 1
            continue
        start = minute
        while minute < DAY and not covered[minute]:
            minute += 1
        free.append((start, minute))
    if len(free) > 1 and free[0][0] == 0 and free[-1][1] == DAY:
        free = [(free[-1][0], free[0][1]), *free[1:-1]]
    return free


def _time_windows(
    period: PeriodDraft, times: list[tuple[int, int, Prices]], draft: ModelDraft
) -> None:
    """Time-of-day prices as discount windows. aicost's windows are the cheaper hours, so where
    genai-prices' base price is the cheap one (DeepSeek's off-peak), the day is turned around."""
    if not times:
        return
    if any(len(by) > 1 for _, _, p in times for by in p.values()):
        draft.not_kept.append("time-of-day prices with token tiers")
        return
    flat = {name: by[0] for name, by in period.prices.items() if list(by) == [0]}
    sets = {tuple(sorted((n, by[0]) for n, by in p.items())) for _, _, p in times}
    if len(sets) == 1 and len(flat) == len(period.prices):
        (only,) = sets
        timed = dict(only)
        if timed != flat and all(timed.get(n, v) >= v for n, v in flat.items()):
            spans = [(a, b) for a, b, _ in times]
            period.prices = {n: {0: v} for n, v in timed.items()}
            period.windows.append({"name": "off-peak", "hours": _hours(_complement(spans)), **flat})
            return
    for rates in sorted(sets):
        spans = [
            (a, b) for a, b, p in times if tuple(sorted((n, by[0]) for n, by in p.items())) == rates
        ]
        period.windows.append({"name": "off-peak", "hours": _hours(spans), **dict(rates)})


def _variant(draft: ModelDraft, variant: dict[str, Any], index: int) -> None:
    when = variant.get("when") or {}
    tier = VARIANTS.get(next(iter(when.items()))) if len(when) == 1 else None
    prices = _prices(variant.get("prices") or {}, draft, f"price_variants[{index}]")
    label = "price_variants[" + ",".join(f"{k}={v}" for k, v in when.items()) + "]"
    if not prices:
        if when != {"service_tier": "default"}:
            draft.not_kept.append(label)
        return
    constraint = variant.get("constraint") or {}
    if tier is None or "start_time" in constraint:
        draft.not_kept.append(label)
        return
    start = dt.date.fromisoformat(constraint["start_date"]) if constraint else None
    # the variant holds from the period in force on its start date on
    first = 0
    for number, period in enumerate(draft.periods):
        if start is None or period.since is None or period.since <= start:
            first = number
    for period in draft.periods[first:]:
        period.service[tier] = prices
    draft.kept.append(label)


# -- out ------------------------------------------------------------------------------------------


def export(catalog: Catalog, at: dt.datetime, out: Path | None) -> None:
    """The catalog as genai-prices data (its JSON shape): every period, windows as times of day,
    batch/flex/priority as price variants."""
    emit_text(json_text(providers(catalog, at)) + "\n", out)


def providers(catalog: Catalog, at: dt.datetime) -> list[dict[str, Any]]:
    found = []
    for slug, sheet in sorted(catalog.sheets.items()):
        if sheet.currency != PEER_CURRENCY:
            continue
        found.append(
            {
                "id": SLUG_TO_PEER.get(slug, slug),
                "name": sheet.name,
                "api_pattern": "(?!)",  # never matched by URL; a snapshot is chosen by provider id
                "models": [model_entry(m, at) for m in sorted(sheet.models, key=lambda m: m.id)],
            }
        )
    return found


def model_entry(model: ModelPrice, at: dt.datetime) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": model.id, "match": {"equals": model.id}, "name": model.name}
    if model.context_window is not None:
        entry["context_window"] = model.context_window
    if model.retired is not None and model.retired <= at:
        entry["deprecated"] = True
    conditional = []
    for number, period in enumerate(model.periods):
        since = None if number == 0 or period.since is None else period.since.date()
        constraint = None if since is None else {"start_date": since.isoformat()}
        conditional.append({"constraint": constraint, "prices": _model_price(period.tiers)})
        for window in period.windows:
            if window.days:
                continue  # a weekday window has no place in genai-prices
            rates = _window_tiers(period, window.rates, window.multiplier)
            for start, end in window.hours:
                times = {"start_time": _time(start), "end_time": _time(end % DAY)}
                conditional.append({"constraint": times, "prices": _model_price(rates)})
    if len(conditional) == 1:
        entry["prices"] = conditional[0]["prices"]
    else:
        entry["prices"] = conditional
    variants = []
    for number in range(len(model.periods) - 1, -1, -1):  # first match wins: newest first
        period = model.periods[number]
        since = period.since if number else None
        for tier in period.all_service_tiers():
            if tier.name not in VARIANT_OF:
                continue
            # a price a variant leaves out keeps the list price there, so spell every one out
            tiers = (
                filled(tier.tiers, period.tiers)
                if tier.tiers
                else _window_tiers(period, None, tier.multiplier)
            )
            variant: dict[str, Any] = {"when": VARIANT_OF[tier.name], "prices": _model_price(tiers)}
            if since is not None:
                variant["constraint"] = {"start_date": since.date().isoformat()}
            variants.append(variant)
    if variants:
        entry["price_variants"] = variants
    return entry


def _time(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00Z"


def _window_tiers(
    period: Period, rates: Rates | None, multiplier: Decimal | None
) -> tuple[Rates, ...]:
    if rates is not None:
        return (rates,)
    factor = Decimal(1) if multiplier is None else multiplier
    return tuple(
        Rates(
            t.input * factor,
            None if t.cached_input is None else t.cached_input * factor,
            None if t.cache_write is None else t.cache_write * factor,
            t.output * factor,
            t.up_to,
            None if t.cache_write_1h is None else t.cache_write_1h * factor,
        )
        for t in period.tiers
    )


def _model_price(tiers: tuple[Rates, ...]) -> dict[str, Any]:
    """A genai-prices ModelPrice: a number per key, or base + tiers starting above each bound."""
    prices: dict[str, Any] = {}
    for name in FIELDS:
        values = [getattr(t, name) for t in tiers]
        if values[0] is None:
            continue
        steps = [
            {"start": tiers[i - 1].up_to, "price": values[i]}
            for i in range(1, len(tiers))
            if values[i] is not None and values[i] != values[i - 1]
        ]
        prices[KEY_OF[name]] = {"base": values[0], "tiers": steps} if steps else values[0]
    return prices
