"""What every catalog format shares: the draft a peer's entry is read into, and the way drafts
become validated sheet files (and files are written whole).

A peer's prices are read into `Prices`: for each aicost rate field, the price per 1M tokens from each
threshold on (0 = the base price; N = requests with more than N input tokens). Tiers, service tiers
and history are built from those, so every format is converted by the same rules.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from aicost.model.catalog import Catalog
from aicost.model.errors import AicostError
from aicost.model.limits import PLACES
from aicost.model.prices import Rates

FIELDS = ("input", "cached_input", "cache_write", "cache_write_1h", "output")
MILLION = Decimal(1_000_000)

Prices = dict[str, dict[int, Decimal]]  # field -> {threshold: price per 1M tokens}


@dataclass
class PeriodDraft:
    """One stretch of prices read from a peer, with its service tiers and discount windows."""

    prices: Prices
    since: dt.date | None = None
    service: dict[str, Prices] = field(default_factory=dict)
    service_replaces_fields: bool = False  # a tier's field replaces the list field whole (genai)
    windows: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ModelDraft:
    provider: str  # aicost slug
    id: str
    key: str  # where the entry sits in the peer's data
    periods: list[PeriodDraft]  # oldest first
    name: str | None = None
    context_window: int | None = None
    retired: dt.date | None = None
    kept: list[str] = field(default_factory=list)  # the peer's fields carried over
    not_kept: list[str] = field(default_factory=list)  # the peer's priced fields aicost cannot hold


@dataclass
class Imported:
    """A peer's catalog read into drafts, with what was left out and why."""

    peer: str
    version: str
    origin: str  # the file or module the data came from
    models: list[ModelDraft]
    provider_names: dict[str, str] = field(default_factory=dict)  # slug -> the peer's name
    skipped: dict[str, int] = field(
        default_factory=dict
    )  # reason -> count (embeddings, images, ...)
    invalid: list[tuple[str, str]] = field(default_factory=list)  # (peer key, reason)

    @property
    def source(self) -> str:
        return f"{self.peer} {self.version} {self.origin}"

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


# -- names ----------------------------------------------------------------------------------------

_SLUG_BAD = re.compile(r"[^a-z0-9._-]+")
MODEL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@+-]*$")


def slugify(name: str, mapping: Mapping[str, str]) -> str:
    """A peer's provider name as an aicost slug: a known mapping, else the name made slug-safe."""
    key = name.strip().lower()
    if key in mapping:
        return mapping[key]
    return _SLUG_BAD.sub("-", key).strip("-._") or "unknown"


def id_problem(model_id: str) -> str | None:
    """Why `model_id` cannot be an aicost model id, or None when it can."""
    if "/" in model_id:
        return "the id holds a '/' (a route or region, not one model id)"
    if not MODEL_ID.match(model_id):
        return "the id is not letters, digits and . _ : @ + - starting with a letter or digit"
    return None


def version_beside(path: Path, dist: str) -> str:
    """The version of the package a data file sits in (its dist-info beside it), if it does."""
    site = path.resolve().parent.parent
    for info in sorted(site.glob(f"{dist.replace('-', '_')}-*.dist-info")):
        return info.name.removesuffix(".dist-info").partition("-")[2]
    return "(version unknown)"


# -- prices ---------------------------------------------------------------------------------------


def price_at(prices: Prices, name: str, threshold: int) -> Decimal | None:
    """The price of one field for requests just above `threshold` input tokens."""
    found = None
    for start, price in sorted(prices.get(name, {}).items()):
        if start <= threshold:
            found = price
    return found


def thresholds(prices: Prices) -> list[int]:
    return sorted({0, *(t for by in prices.values() for t in by)})


def rates_entry(prices: Prices) -> dict[str, Any]:
    """Flat rates, or `tiers` when any field changes above a threshold."""
    starts = thresholds(prices)
    tiers: list[dict[str, Any]] = []
    for index, start in enumerate(starts):
        tier: dict[str, Any] = {}
        if index + 1 < len(starts):
            tier["up_to"] = starts[index + 1]
        for name in FIELDS:
            price = price_at(prices, name, start)
            if price is not None:
                tier[name] = price
        if tiers and {k: v for k, v in tiers[-1].items() if k != "up_to"} == {
            k: v for k, v in tier.items() if k != "up_to"
        }:
            tiers[-1] = tier  # the same prices on both sides of a bound: one tier
        else:
            tiers.append(tier)
    return tiers[0] if len(tiers) == 1 else {"tiers": tiers}


def missing_rates(prices: Prices) -> list[str]:
    return [name for name in ("input", "output") if price_at(prices, name, 0) is None]


def service_value(base: Prices, tier: Prices, replace_fields: bool) -> Decimal | Prices:
    """A service tier as one multiplier when every price it gives is the list price times the same
    number; else as explicit prices (a field it does not give keeps the list price)."""
    ratios: set[Decimal] = set()
    exact = True
    for name, by in tier.items():
        for start, price in by.items():
            ref = price_at(base, name, start)
            if ref is None:
                exact = False
            elif ref == 0:
                exact = exact and price == 0
            else:
                ratios.add(price / ref)
    # a field priced at fewer prompt sizes than the list (priority flat above 272K, say) does
    # not follow a multiplier at the sizes it leaves out
    same_bounds = all(set(by) == set(base.get(name, {})) for name, by in tier.items())
    if exact and same_bounds and len(ratios) == 1:
        ratio = ratios.pop().normalize()
        # a multiplier is written with at most 12 decimals (a sheet's limit); 2.5 / 1.5 is not one
        short = -ratio.as_tuple().exponent <= 12  # type: ignore[operator]
        if short and all(
            (ref := price_at(base, name, start)) is not None and ref * ratio == price
            for name, by in tier.items()
            for start, price in by.items()
        ):
            return ratio
    merged: Prices = {}
    for name in FIELDS:
        if name in tier:
            merged[name] = (
                dict(tier[name]) if replace_fields else {**base.get(name, {}), **tier[name]}
            )
        elif name in base:
            merged[name] = dict(base[name])
    return merged


def period_entry(period: PeriodDraft) -> dict[str, Any]:
    entry = rates_entry(period.prices)
    if period.windows:
        entry["windows"] = period.windows
    service: dict[str, Any] = {}
    for name in sorted(period.service):
        value = service_value(period.prices, period.service[name], period.service_replaces_fields)
        service[name] = value if isinstance(value, Decimal) else rates_entry(value)
    if service:
        entry["service_tiers"] = service
    return entry


def model_entry(model: ModelDraft) -> dict[str, Any]:
    """The sheet entry of one model: current prices on top, older periods as `history`."""
    *older, current = model.periods
    entry: dict[str, Any] = {}
    if model.name and model.name != model.id:
        entry["name"] = model.name
    if model.context_window is not None:
        entry["context_window"] = model.context_window
    if current.since is not None and not older:
        entry["since"] = current.since
    entry.update(period_entry(current))
    history = []
    for index in range(len(older) - 1, -1, -1):
        past = period_entry(older[index])
        until = model.periods[index + 1].since
        bounds: dict[str, Any] = {"until": until}
        if older[index].since is not None and (index == 0):
            bounds["since"] = older[index].since
        history.append({**bounds, **past})
    if history:
        entry["history"] = history
    if model.retired is not None:
        entry["retired"] = model.retired
    return entry


# -- YAML out -------------------------------------------------------------------------------------

_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9._-]*$")
_RESERVED = {"true", "false", "null", "yes", "no", "on", "off", "y", "n"}


def decimal_text(value: Decimal) -> str:
    """An exact decimal as plain digits: no exponent, no trailing zeros (3E-6 * 1e6 -> "3")."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED:
        return text
    return json.dumps(text, ensure_ascii=False)


def yaml_lines(value: Any, indent: int) -> list[str]:
    """Block YAML for nested dicts and lists of plain values (lists of scalars in flow style)."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict) or (
                isinstance(item, list) and item and isinstance(item[0], dict)
            ):
                lines.append(f"{pad}{scalar(key)}:")
                lines += yaml_lines(item, indent + 2)
            elif isinstance(item, list):
                lines.append(f"{pad}{scalar(key)}: [{', '.join(scalar(v) for v in item)}]")
            else:
                lines.append(f"{pad}{scalar(key)}: {scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            inner = yaml_lines(item, indent + 2)
            lines.append(f"{pad}- {inner[0].lstrip()}")
            lines += inner[1:]
    return lines


def sheet_text(
    slug: str, name: str | None, models: Iterable[ModelDraft], imported: Imported, checked: dt.date
) -> str:
    lines = [
        f"# Imported by `aicost import {imported.peer}`; each model's comment names its key there.",
        f"provider: {scalar(slug)}",
    ]
    if name and name != slug:
        lines.append(f"name: {scalar(name)}")
    lines += [
        "currency: USD",
        f"source: {scalar(imported.source)}",
        f"checked: {checked.isoformat()}",
        "models:",
    ]
    for model in models:
        lines.append(f"  # {imported.peer}: {model.key}")
        lines.append(f"  {scalar(model.id)}:")
        lines += yaml_lines(model_entry(model), 4)
    return "\n".join(lines) + "\n"


# -- files out ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Output:
    provider: str
    path: Path
    text: str
    models: int


def plan_sheets(
    imported: Imported, directory: Path, providers: Iterable[str], checked: dt.date
) -> list[Output]:
    """One sheet per provider, each validated by the loader before anything is written. A model
    with a price a sheet cannot hold moves from `imported.models` to `imported.invalid`."""
    from aicost.sheets.loader import load_text

    wanted = {p.strip().lower() for p in providers}
    by_provider: dict[str, list[ModelDraft]] = {}
    for model in list(imported.models):
        if wanted and model.provider not in wanted:
            continue
        if any(_places(price) > PLACES for price in _all_prices(model)):
            # LiteLLM's per-token floats carry binary noise: 1.0000000000000001e-07 per token is
            # 0.10000000000000001 per 1M, more decimals than a sheet holds; rounding would invent
            # a price, so the entry is left out and listed
            imported.models.remove(model)
            imported.invalid.append((model.key, TOO_PRECISE))
            continue
        by_provider.setdefault(model.provider, []).append(model)
    schema_line = ""
    if (directory / "aicost.schema.json").is_file():
        schema_line = "# yaml-language-server: $schema=./aicost.schema.json\n"
    outputs = []
    for slug in sorted(by_provider):
        models = sorted(by_provider[slug], key=lambda m: m.id.lower())
        name = imported.provider_names.get(slug)
        text = schema_line + sheet_text(slug, name, models, imported, checked)
        path = directory / f"{slug}.yaml"
        try:
            load_text(text, str(path))
        except AicostError as exc:
            raise AicostError(
                f"the sheet imported for {slug} does not validate, so nothing was written: {exc}",
                hint="please report it with the command you ran",
            ) from None
        outputs.append(Output(slug, path, text, len(models)))
    return outputs


TOO_PRECISE = f"a price per 1M tokens has more than {PLACES} decimal places"


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _all_prices(model: ModelDraft) -> Iterable[Decimal]:
    for period in model.periods:
        for prices in (period.prices, *period.service.values()):
            for by in prices.values():
                yield from by.values()
        for window in period.windows:
            yield from (v for v in window.values() if isinstance(v, Decimal))


def refuse_overwrite(paths: Iterable[Path], force: bool) -> None:
    if force:
        return
    for path in paths:
        if path.exists():
            raise AicostError(
                f"{path} exists; nothing was written", hint="pass --force to overwrite it"
            )


def write_atomic(path: Path, text: str) -> None:
    """Write the whole file or nothing: a temporary file beside it, then a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


# -- JSON out -------------------------------------------------------------------------------------


def json_text(value: Any, indent: int = 0) -> str:
    """JSON with Decimals written as their exact decimal text (never through float)."""
    pad, inner = "  " * indent, "  " * (indent + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [
            f"{inner}{json.dumps(str(k))}: {json_text(v, indent + 1)}" for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        if all(not isinstance(v, dict | list | tuple) for v in value):
            return "[" + ", ".join(json_text(v) for v in value) + "]"
        items = [inner + json_text(v, indent + 1) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, dt.date):
        return json.dumps(value.isoformat())
    return json.dumps(value, ensure_ascii=False)


PEER_CURRENCY = "USD"  # LiteLLM and genai-prices price in US dollars only


def foreign_sheets(catalog: Catalog) -> list[str]:
    """Sheets a USD-only peer format cannot carry (their prices are in another currency)."""
    return [
        f"{s.provider} ({s.currency})"
        for s in catalog.sheets.values()
        if s.currency != PEER_CURRENCY
    ]


def filled(tiers: tuple[Rates, ...], base: tuple[Rates, ...]) -> tuple[Rates, ...]:
    """A service tier's explicit rates with every cache rate spelled out, for formats where a rate
    left out means the list price (aicost bills it as the tier's own input)."""

    def spell(value: Decimal | None, effective: Decimal, listed: bool) -> Decimal | None:
        return value if value is not None or not listed else effective

    out = []
    for rates in tiers:
        listed = {name: any(getattr(r, name) is not None for r in base) for name in FIELDS}
        out.append(
            Rates(
                rates.input,
                spell(rates.cached_input, rates.cached_rate, listed["cached_input"]),
                spell(rates.cache_write, rates.cache_write_rate, listed["cache_write"]),
                rates.output,
                rates.up_to,
                spell(rates.cache_write_1h, rates.cache_write_1h_rate, listed["cache_write_1h"]),
            )
        )
    return tuple(out)


def emit_text(text: str, out: Path | None) -> None:
    """A whole exported file to `out` (atomically), or to stdout."""
    if out is None:
        import sys

        sys.stdout.write(text)
        return
    write_atomic(out, text)


# -- the import's account -------------------------------------------------------------------------


def import_fields(imported: Imported, outputs: list[Output], written: bool) -> dict[str, Any]:
    """The JSON fields of an import: providers written, models kept, and what was not kept."""
    chosen = {o.provider for o in outputs}
    models = sorted(
        (m for m in imported.models if m.provider in chosen), key=lambda m: (m.provider, m.id)
    )
    return {
        "providers": [
            {"provider": o.provider, "path": str(o.path), "models": o.models, "written": written}
            for o in outputs
        ],
        "models": [
            {"provider": m.provider, "model": m.id, "key": m.key, "kept": sorted(set(m.kept))}
            for m in models
        ],
        "not_kept": [
            {"provider": m.provider, "model": m.id, "key": m.key, "fields": sorted(set(m.not_kept))}
            for m in models
            if m.not_kept
        ],
        "skipped": dict(sorted(imported.skipped.items())),
        "invalid": [{"key": k, "reason": r} for k, r in sorted(imported.invalid)],
        "source": imported.source,
    }
