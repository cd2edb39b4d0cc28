"""Turn YAML files into validated price data, with every problem located at file:line:col."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ValidationError

from aicost.model.errors import AicostError, Problem, SheetErrors
from aicost.model.prices import (
    DAYS,
    FxRates,
    Gpu,
    ModelPrice,
    Period,
    PriceSheet,
    Rates,
    ServiceTier,
    TrainingClaim,
    Window,
)
from aicost.model.quantity import as_moment
from aicost.sheets import schema
from aicost.sheets.yamlio import Document, PathKey, parse


@dataclass(frozen=True, slots=True)
class LoadedFile:
    """One file read: what kind it is and the value built from it."""

    kind: str  # "sheet" | "fx" | "gpus"
    sheet: PriceSheet | None = None
    fx: FxRates | None = None
    gpus: tuple[Gpu, ...] = ()
    document: Document | None = None
    raw: schema.SheetModel | None = None


def problems_from(exc: ValidationError, doc: Document) -> list[Problem]:
    """pydantic errors as located problems, with a "did you mean" for unknown keys."""
    problems = []
    for error in exc.errors(include_url=False):
        loc: PathKey = tuple(error["loc"])
        # pydantic appends the failing union member or validator to the loc; keep real keys only
        loc = _real_path(doc, loc)
        kind = error["type"]
        if kind == "extra_forbidden":
            message = schema.unknown_key(str(loc[-1]), loc, exc.title)
        elif kind == "missing":
            message = f"missing required key {str(loc[-1])!r}"
            loc = loc[:-1]
        elif kind == "string_pattern_mismatch" and error["ctx"]["pattern"] in _PATTERNS:
            field = ".".join(str(p) for p in loc)
            message = f"{field}: {error['input']!r} is not {_PATTERNS[error['ctx']['pattern']]}"
        else:
            message = str(error["msg"]).removeprefix("Value error, ")
            field = ".".join(str(p) for p in loc)
            if field and kind not in ("value_error", "assertion_error"):
                message = f"{field}: {message}"
            if kind == "value_error":
                loc = _pointed(doc, loc, message)
        problems.append(Problem(doc.where(loc), "error", message))
    return problems


_PATTERNS = {
    schema.CURRENCY: "a currency code: three capital letters (ISO 4217), such as USD or CNY",
    schema.SLUG: "a slug: lower-case letters, digits, '.', '_' and '-', such as deepseek-cn",
}
_POINTER = re.compile(r"\b(tiers|history|workloads)\[(\d+)\](?:\.(\w+))?")
_KEY = re.compile(r"`(\w+)`")


def _pointed(doc: Document, loc: PathKey, message: str) -> PathKey:
    """A rule across fields names the item or key at fault (`tiers[1].up_to`); report it there."""
    match = _POINTER.search(message)
    if match is not None:
        name, index, field = match.groups()
        base = loc[:-1] if loc and loc[-1] == name else loc
        return _real_path(doc, (*base, name, int(index), *([field] if field else [])))
    node: Any = doc.data
    for part in loc:
        node = node[part]
    if isinstance(node, dict):
        for key in _KEY.findall(message):
            if key in node:
                return (*loc, key)
    return loc


def _real_path(doc: Document, loc: PathKey) -> PathKey:
    out: list[str | int] = []
    node: Any = doc.data
    for part in loc:
        within_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if within_list or (isinstance(node, dict) and part in node):
            node = node[part]
            out.append(part)
        elif (
            isinstance(node, dict)
            and isinstance(part, str)
            and part not in node
            and not _is_tag(part)
        ):
            out.append(part)  # a missing or unknown key: report at it (or its parent)
            break
    return tuple(out)


def _is_tag(part: str) -> bool:
    # union members and validator names that pydantic inserts into locations
    return (
        part
        in {
            "date",
            "datetime",
            "function-after",
            "function-before",
            "decimal",
            "int",
            "str",
            "tier-multiplier",
            "tier-rates",
        }
        or "[" in part
    )


def validate_model(model: type[BaseModel], doc: Document) -> Any:
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        raise SheetErrors(problems_from(exc, doc)) from None


def kind_of(doc: Document) -> str:
    data = doc.data
    if not isinstance(data, dict):
        raise AicostError(
            "expected a mapping with `provider:`, `fx:` or `gpus:` at the top", where=doc.where(())
        )
    for key, kind in (("provider", "sheet"), ("fx", "fx"), ("gpus", "gpus")):
        if key in data:
            return kind
    raise AicostError(
        "cannot tell what this file is: expected a top-level `provider:` (price sheet), "
        "`fx:` (exchange rates) or `gpus:` (GPU figures)",
        where=doc.where(()),
    )


def load_text(text: str, path: str) -> LoadedFile:
    """Parse and validate one file's text. Raises AicostError / SheetErrors."""
    doc = parse(text, path)
    digest = hashlib.sha256(text.encode()).hexdigest()
    kind = kind_of(doc)
    if kind == "fx":
        fx = validate_model(schema.FxModel, doc).fx
        rates = FxRates(
            fx.base,
            fx.date,
            fx.source,
            dict(sorted(fx.rates.items())),
            path,
            digest,
            tuple((h.date, dict(sorted(h.rates.items()))) for h in fx.history),
        )
        return LoadedFile("fx", fx=rates, document=doc)
    if kind == "gpus":
        gpus = validate_model(schema.GpusModel, doc).gpus
        built = tuple(
            Gpu(k, g.name, g.bf16_tflops, g.hourly_price, g.source, g.checked)
            for k, g in gpus.items()
        )
        return LoadedFile("gpus", gpus=built, document=doc)
    raw = validate_model(schema.SheetModel, doc)
    sheet = build_sheet(raw, doc, digest)
    return LoadedFile("sheet", sheet=sheet, document=doc, raw=raw)


def build_sheet(raw: schema.SheetModel, doc: Document, digest: str) -> PriceSheet:
    problems = reference_problems(doc, ((k, m.aliases) for k, m in raw.models.items()))
    models = [build_model(raw, model_id, entry) for model_id, entry in raw.models.items()]
    claims = tuple(
        TrainingClaim(
            provider=raw.provider,
            model=c.model,
            currency=c.currency or raw.currency,
            covers=c.covers,
            source=c.source,
            claim=c.claim,
            bound=c.bound,
            gpu=c.gpu,
            gpu_count=c.gpu_count,
            gpu_hours=c.gpu_hours,
            gpu_hour_price=c.gpu_hour_price,
            active_params=c.active_params,
            training_tokens=c.training_tokens,
            flops=c.flops,
            note=c.note,
        )
        for c in raw.training_claims
    )
    if problems:
        raise SheetErrors(problems)
    return PriceSheet(
        provider=raw.provider,
        name=raw.name or raw.provider,
        currency=raw.currency,
        source=raw.source,
        checked=raw.checked,
        path=doc.path,
        sha256=digest,
        batch_multiplier=raw.batch_multiplier,
        models=tuple(models),
        claims=claims,
    )


def reference_problems(doc: Document, models: Iterable[tuple[str, Any]]) -> list[Problem]:
    """Ids and aliases that cannot name their model: one taken twice, or one holding a '/'.

    `models` is (id, aliases) per model; aliases that are not text are the schema's to report.
    The one rule for the loader and `validate`, so both report the same place: the id's key or
    the alias itself.
    """
    problems = []
    seen: dict[str, str] = {}
    for model_id, aliases in models:
        refs: list[tuple[str, PathKey]] = [(model_id, ("models", model_id))]
        if isinstance(aliases, list):
            refs += [
                (a, ("models", model_id, "aliases", i))
                for i, a in enumerate(aliases)
                if isinstance(a, str)
            ]
        for ref, place in refs:
            what = "model id" if len(place) == 2 else "alias"
            if "/" in ref:
                problems.append(
                    Problem(
                        doc.where(place),
                        "error",
                        f"{what} {ref!r} contains '/', which separates the provider from the model "
                        "in a reference (provider/id), so it could never be named; use '-' instead",
                    )
                )
                continue
            key = ref.lower()
            if key in seen:
                problems.append(
                    Problem(
                        doc.where(place),
                        "error",
                        f"{ref!r} is already used by model {seen[key]!r}; ids and aliases must be unique",
                    )
                )
                continue
            seen[key] = model_id
    return problems


def _rates(spec: schema.RatesModel, up_to: int | None = None) -> Rates:
    assert spec.input is not None and spec.output is not None
    return Rates(
        spec.input, spec.cached_input, spec.cache_write, spec.output, up_to, spec.cache_write_1h
    )


def _tiers(spec: schema.TieredRates) -> tuple[Rates, ...]:
    if spec.tiers is not None:
        return tuple(_rates(t, t.up_to) for t in spec.tiers)
    return (_rates(spec),)


TierSpecs = dict[str, "Decimal | schema.ServiceTierModel"]


def _tier_specs(batch: Decimal | None, tiers: schema.ServiceTiers | None) -> TierSpecs:
    """One level's service tiers, `batch_multiplier` read as `service_tiers.batch`."""
    specs: TierSpecs = {str(name): value for name, value in (tiers or {}).items()}
    if batch is not None:
        specs["batch"] = batch
    return specs


def _period(spec: schema.PricedModel, since: Any, until: Any, inherited: TierSpecs) -> Period:
    tiers = _tiers(spec)
    windows = tuple(
        Window(
            name=w.name,
            days=tuple(DAYS.index(d) for d in w.days),
            hours=w.minutes(),
            multiplier=w.multiplier,
            rates=None if w.multiplier is not None else _window_rates(w, tiers[0]),
        )
        for w in spec.windows
    )
    # a service tier given here replaces the same tier of the model or the sheet, tier by tier
    specs = {**inherited, **_tier_specs(spec.batch_multiplier, spec.service_tiers)}
    batch = specs.get("batch")
    service = tuple(
        ServiceTier(name, value, None)
        if isinstance(value, Decimal)
        else ServiceTier(name, None, _tiers(value))
        for name, value in sorted(specs.items())
        if not (name == "batch" and isinstance(value, Decimal))
    )
    return Period(
        since=None if since is None else as_moment(since),
        until=None if until is None else as_moment(until),
        tiers=tiers,
        windows=windows,
        batch_multiplier=batch if isinstance(batch, Decimal) else None,
        service_tiers=service,
        note=spec.note,
    )


def _window_rates(window: schema.WindowModel, base: Rates) -> Rates:
    """Explicit window rates; a rate the window leaves out keeps the period's own."""
    return Rates(
        input=base.input if window.input is None else window.input,
        cached_input=base.cached_input if window.cached_input is None else window.cached_input,
        cache_write=base.cache_write if window.cache_write is None else window.cache_write,
        output=base.output if window.output is None else window.output,
        cache_write_1h=base.cache_write_1h
        if window.cache_write_1h is None
        else window.cache_write_1h,
    )


def build_model(raw: schema.SheetModel, model_id: str, entry: schema.ModelModel) -> ModelPrice:
    inherited = {
        **_tier_specs(raw.batch_multiplier, raw.service_tiers),
        **_tier_specs(entry.batch_multiplier, entry.service_tiers),
    }
    periods = []
    history = list(reversed(entry.history))  # oldest first
    start = entry.since
    for index, past in enumerate(history):
        since = (
            past.since if past.since is not None else (history[index - 1].until if index else None)
        )
        periods.append(_period(past, since, past.until, inherited))
    if history:
        start = history[-1].until
    periods.append(_period(entry, start, None, inherited))
    return ModelPrice(
        provider=raw.provider,
        id=model_id,
        name=entry.name or model_id,
        currency=raw.currency,
        aliases=tuple(entry.aliases),
        context_window=entry.context_window,
        retired=None if entry.retired is None else as_moment(entry.retired),
        periods=tuple(periods),
    )


def load_workloads(text: str, path: str) -> schema.WorkloadFileModel:
    return load_workloads_document(text, path)[0]


MAX_WORKLOADS = 10_000  # in one file; each is priced on every selected model
LIMITS = {"workloads": MAX_WORKLOADS}


def load_workloads_document(text: str, path: str) -> tuple[schema.WorkloadFileModel, Document]:
    """The validated workloads and the parsed document (for the place of each value)."""
    doc = parse(text, path, LIMITS)
    if not isinstance(doc.data, dict) or "workloads" not in doc.data:
        raise AicostError(
            "expected a top-level `workloads:` list",
            where=doc.where(()),
            hint="see `aicost schema workload`",
        )
    result: schema.WorkloadFileModel = validate_model(schema.WorkloadFileModel, doc)
    return result, doc
