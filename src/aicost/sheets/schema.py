"""The sheet and workload file formats as strict pydantic models (format version 1).

Unknown keys are errors, amounts must be non-negative decimals written as numbers, and every rule
that spans fields (tiers in order, history newest first and not overlapping) has a message that
says what to change. `aicost schema` prints the JSON Schema of these models.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from aicost.model import limits
from aicost.model.limits import Range, check_moment, shorten
from aicost.model.quantity import parse_tokens

SLUG = r"^[a-z0-9][a-z0-9._-]*$"
CURRENCY = r"^[A-Z]{3}$"


def _field(info: ValidationInfo) -> str:
    return f"`{info.field_name}`" if info.field_name else "value"


def _amount(limit: Range) -> Any:
    def check(value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, bool):
            raise ValueError(f"expected a non-negative number, got {str(value).lower()}")
        if isinstance(value, str):
            raise ValueError(
                f"expected a number, got the text {shorten(value)!r}; write it without quotes or "
                "symbols"
            )
        if isinstance(
            value, float
        ):  # never produced by our loader; refuse float noise from elsewhere
            value = Decimal(repr(value))
        if isinstance(value, int | Decimal):
            if isinstance(value, Decimal) and not value.is_finite():
                raise ValueError("expected a finite number, got .nan or .inf")
            return limit.check(value, _field(info))
        return value

    return check


def _count(limit: Range) -> Any:
    def check(value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, bool):
            raise ValueError(f"expected a whole number, got {str(value).lower()}")
        if isinstance(value, str | int | Decimal):
            return parse_tokens(value, _field(info), limit)
        return value

    return check


def _bounds(limit: Range) -> dict[str, Any]:
    low: int | float = int(limit.low) if limit.low == int(limit.low) else float(limit.low)
    bounds: dict[str, Any] = {"maximum": int(limit.high) if limit.high >= 1 else float(limit.high)}
    bounds["exclusiveMinimum" if limit.above_low else "minimum"] = low
    return bounds


def _moment(value: Any, info: ValidationInfo) -> Any:
    if isinstance(value, dt.date):
        return check_moment(value, _field(info))
    return value


def _count_schema(limit: Range) -> WithJsonSchema:
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", **_bounds(limit)},
                {"type": "string", "pattern": r"^[0-9][0-9_.,]*[kKmMbBgG]?$"},
            ]
        }
    )


def _number_schema(limit: Range) -> WithJsonSchema:
    return WithJsonSchema({"type": "number", **_bounds(limit)})


# Each kind of number with its range (model/limits.py): checked when read, shown in the JSON Schema.
Price = Annotated[Decimal, BeforeValidator(_amount(limits.PRICE)), _number_schema(limits.PRICE)]
Multiplier = Annotated[
    Decimal, BeforeValidator(_amount(limits.MULTIPLIER)), _number_schema(limits.MULTIPLIER)
]
Share = Annotated[Decimal, BeforeValidator(_amount(limits.SHARE)), _number_schema(limits.SHARE)]
Money = Annotated[
    Decimal, BeforeValidator(_amount(limits.MONEY_AMOUNT)), _number_schema(limits.MONEY_AMOUNT)
]
FxRate = Annotated[
    Decimal, BeforeValidator(_amount(limits.FX_RATE)), _number_schema(limits.FX_RATE)
]
GpuHours = Annotated[
    Decimal, BeforeValidator(_amount(limits.GPU_HOURS)), _number_schema(limits.GPU_HOURS)
]
GpuPrice = Annotated[
    Decimal, BeforeValidator(_amount(limits.GPU_PRICE)), _number_schema(limits.GPU_PRICE)
]
Tflops = Annotated[Decimal, BeforeValidator(_amount(limits.TFLOPS)), _number_schema(limits.TFLOPS)]
Params = Annotated[Decimal, BeforeValidator(_amount(limits.PARAMS)), _number_schema(limits.PARAMS)]
TrainingTokens = Annotated[
    Decimal,
    BeforeValidator(_amount(limits.TRAINING_TOKENS)),
    _number_schema(limits.TRAINING_TOKENS),
]
Flops = Annotated[Decimal, BeforeValidator(_amount(limits.FLOPS)), _number_schema(limits.FLOPS)]
Tokens = Annotated[int, BeforeValidator(_count(limits.TOKENS)), _count_schema(limits.TOKENS)]
Requests = Annotated[int, BeforeValidator(_count(limits.REQUESTS)), _count_schema(limits.REQUESTS)]
GpuCount = Annotated[
    int, BeforeValidator(_count(limits.GPU_COUNT)), _count_schema(limits.GPU_COUNT)
]
Moment = Annotated[dt.datetime | dt.date, AfterValidator(_moment)]
Day = Annotated[dt.date, AfterValidator(_moment)]
HOURS = re.compile(r"^(\d\d):(\d\d)-(\d\d):(\d\d)$")


class Strict(BaseModel):
    # a field's docstring is its description in `aicost schema`
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class RatesModel(Strict):
    input: Price | None = None
    """Price per million input tokens that are neither cached nor written to the cache."""
    cached_input: Price | None = None
    """Price per million input tokens read from the cache (default: `input`)."""
    cache_write: Price | None = None
    """Price per million input tokens written to the cache, the 5-minute cache (default: `input`)."""
    cache_write_1h: Price | None = None
    """Price per million input tokens written to a 1-hour cache (default: `cache_write`)."""
    output: Price | None = None
    """Price per million output tokens, reasoning tokens included."""

    def rate_fields(self) -> list[str]:
        return [k for k in RATE_KEYS if getattr(self, k) is not None]


RATE_KEYS = ("input", "cached_input", "cache_write", "cache_write_1h", "output")


class TierModel(RatesModel):
    up_to: Tokens | None = None
    """Inclusive upper bound on a request's input tokens; the last tier has none."""
    input: Price
    """Price per million input tokens at this tier."""
    output: Price
    """Price per million output tokens at this tier."""


class WindowModel(RatesModel):
    name: str
    """The window's name, such as `off-peak`."""
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(
        default_factory=list
    )
    """Days of the week (UTC) the window applies on; none means every day."""
    hours: list[str] = Field(default_factory=list)
    """UTC ranges such as "10:00-24:00"; none means the whole day."""
    multiplier: Multiplier | None = None
    """Factor on the period's prices inside the window (0.5 is half price); or give explicit rates."""

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: list[str]) -> list[str]:
        for text in value:
            match = HOURS.match(text)
            if not match:
                raise ValueError(f'hours {text!r}: write "HH:MM-HH:MM" in UTC, e.g. "10:00-24:00"')
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
                raise ValueError(f"hours {text!r}: not a time of day")
            if (h1, m1) == (h2, m2):
                raise ValueError(f"hours {text!r}: empty range")
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> WindowModel:
        explicit = bool(self.rate_fields())
        if explicit and self.multiplier is not None:
            raise ValueError("give a window either `multiplier` or explicit rates, not both")
        if not explicit and self.multiplier is None:
            raise ValueError("a window needs `multiplier` (e.g. 0.5) or explicit rates")
        return self

    def minutes(self) -> tuple[tuple[int, int], ...]:
        spans = []
        for text in self.hours:
            h1, m1, h2, m2 = (int(g) for g in HOURS.match(text).groups())  # type: ignore[union-attr]
            spans.append((h1 * 60 + m1, h2 * 60 + m2))
        return tuple(spans)


class TieredRates(RatesModel):
    """Flat rates, or `tiers` chosen by the request's input tokens."""

    tiers: list[TierModel] | None = None
    """Prices by prompt size, ascending `up_to`; instead of flat rates."""

    @model_validator(mode="after")
    def _flat_or_tiers(self) -> TieredRates:
        if self.tiers is not None:
            flat = self.rate_fields()
            if flat:
                raise ValueError(
                    f"give either flat rates or `tiers`, not both (remove {', '.join(flat)} or the tiers)"
                )
            if not self.tiers:
                raise ValueError("`tiers` is empty; give at least one tier")
            for index, tier in enumerate(self.tiers[:-1]):
                if tier.up_to is None:
                    raise ValueError(
                        f"tiers[{index}] needs `up_to`; only the last tier is open-ended"
                    )
            if self.tiers[-1].up_to is not None:
                raise ValueError(
                    f"tiers[{len(self.tiers) - 1}].up_to: the last tier must have no `up_to` "
                    "(it covers every larger prompt)"
                )
            bounds = [t.up_to for t in self.tiers[:-1]]
            for index in range(1, len(bounds)):
                if bounds[index] <= bounds[index - 1]:  # type: ignore[operator]
                    raise ValueError(
                        f"tiers out of order: tiers[{index}].up_to {bounds[index]} is not above "
                        f"tiers[{index - 1}].up_to {bounds[index - 1]}; list tiers by ascending up_to"
                    )
        else:
            missing = [k for k in ("input", "output") if getattr(self, k) is None]
            if missing:
                raise ValueError(
                    f"missing {' and '.join(f'`{m}`' for m in missing)} (or give `tiers`)"
                )
        return self


class ServiceTierModel(TieredRates):
    """Explicit rates for a service tier; they replace the list prices (windows do not apply)."""


ServiceTierName = Literal["batch", "flex", "priority"]
ServiceTierValue = Annotated[
    Annotated[Multiplier, Tag("tier-multiplier")] | Annotated[ServiceTierModel, Tag("tier-rates")],
    Discriminator(
        lambda v: "tier-rates" if isinstance(v, dict | ServiceTierModel) else "tier-multiplier"
    ),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "description": "a multiplier on list price"},
                {"$ref": "#/$defs/ServiceTierModel"},
            ]
        }
    ),
]
ServiceTiers = dict[ServiceTierName, ServiceTierValue]


def _batch_once(batch: Decimal | None, tiers: ServiceTiers | None) -> None:
    if batch is not None and tiers is not None and "batch" in tiers:
        raise ValueError(
            "give `batch_multiplier` or `service_tiers.batch`, not both (the first is shorthand "
            "for the second)"
        )


class PricedModel(TieredRates):
    """Fields shared by a model's current prices and a history period."""

    windows: list[WindowModel] = Field(default_factory=list)
    """Discount windows (off-peak hours)."""
    batch_multiplier: Multiplier | None = None
    """Factor on prices for batch requests (0.5 is half price); default: the sheet's. Shorthand
    for `service_tiers: {batch: X}`."""
    service_tiers: ServiceTiers | None = None
    """Batch, flex and priority prices: a multiplier on list price, or explicit rates."""
    note: str | None = None
    """Free text shown beside these prices by `history` and `models`: what was served then (a
    version such as V3.2) or why the price changed."""

    @model_validator(mode="after")
    def _one_batch(self) -> PricedModel:
        _batch_once(self.batch_multiplier, self.service_tiers)
        return self


class PeriodModel(PricedModel):
    until: Moment
    """End of this period, exclusive: a date or a UTC datetime, 1970-01-01..2999-12-31."""
    since: Moment | None = None
    """Start of this period (default: the end of the period before)."""


def moment(value: dt.date | dt.datetime) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())


class ModelModel(PricedModel):
    name: str | None = None
    """Display name (default: the model id)."""
    aliases: list[str] = Field(default_factory=list)
    """Other names that bill at the same prices, such as dated snapshots."""
    context_window: Tokens | None = None
    """Largest request in tokens, input and output together."""
    since: Moment | None = None
    """First moment with a price (a model without history)."""
    retired: Moment | None = None
    """First moment without a price."""
    history: list[PeriodModel] = Field(default_factory=list)
    """Earlier price periods, newest first."""

    @model_validator(mode="after")
    def _history_order(self) -> ModelModel:
        if self.since is not None and self.history:
            raise ValueError(
                "`since` on a model with `history` belongs on the oldest history period"
            )
        previous_until: dt.datetime | None = None
        for index, period in enumerate(self.history):
            until = moment(period.until)
            if previous_until is not None and until >= previous_until:
                raise ValueError(
                    f"history out of order: history[{index}].until {period.until} is not before "
                    f"history[{index - 1}].until; list periods newest first"
                )
            if period.since is not None and moment(period.since) >= until:
                raise ValueError(
                    f"history[{index}].since {period.since} is not before its `until` {period.until}"
                )
            if index + 1 < len(self.history) and period.since is not None:
                older_until = moment(self.history[index + 1].until)
                if moment(period.since) < older_until:
                    raise ValueError(
                        f"history periods overlap: history[{index}].since {period.since} is before "
                        f"the end of history[{index + 1}] ({self.history[index + 1].until})"
                    )
            previous_until = until
        if (
            self.retired is not None
            and self.history
            and moment(self.retired) <= moment(self.history[0].until)
        ):
            raise ValueError(
                f"`retired` {self.retired} is not after the newest history period's end"
            )
        return self


BoundKind = Literal["about", "at_least", "at_most"]


class ClaimModel(Strict):
    model: str
    """The model the claim is about."""
    claim: Money | None = None
    """The claimed cost, in `currency`."""
    bound: BoundKind = "about"
    """Whether the claim is an estimate (`about`) or a bound (`at_least`, `at_most`)."""
    currency: Annotated[str, Field(pattern=CURRENCY)] | None = None
    """Currency of `claim` and `gpu_hour_price` (default: the sheet's)."""
    covers: str
    """What the amount counts (and leaves out)."""
    source: str
    """Where the claim was published."""
    gpu: str | None = None
    """The GPU used: a key of gpus.yaml."""
    gpu_count: GpuCount | None = None
    """Number of GPUs in the cluster."""
    gpu_hours: GpuHours | None = None
    """GPU-hours of the run."""
    gpu_hour_price: GpuPrice | None = None
    """Price per GPU-hour assumed by the claim, in `currency`."""
    active_params: Params | None = None
    """Parameters active per token."""
    training_tokens: TrainingTokens | None = None
    """Tokens trained on."""
    flops: Flops | None = None
    """Training compute in FLOP, as stated."""
    note: str | None = None
    """Free text."""


class SheetModel(Strict):
    provider: Annotated[str, Field(pattern=SLUG)]
    """The provider's slug, such as `deepseek-cn`."""
    name: str | None = None
    """Display name (default: the slug)."""
    currency: Annotated[str, Field(pattern=CURRENCY)]
    """Currency of every price in the sheet (ISO 4217)."""
    source: str | None = None
    """Where the prices come from."""
    checked: Day | None = None
    """When the prices were last checked against the source."""
    batch_multiplier: Multiplier | None = None
    """Factor on prices for batch requests, for every model (0.5 is half price); shorthand for
    `service_tiers: {batch: X}`."""
    service_tiers: ServiceTiers | None = None
    """Batch, flex and priority prices of every model, unless a model gives its own."""
    models: dict[str, ModelModel] = Field(default_factory=dict)
    """Models by id."""
    training_claims: list[ClaimModel] = Field(default_factory=list)
    """Published training-cost claims."""

    @model_validator(mode="after")
    def _has_content(self) -> SheetModel:
        _batch_once(self.batch_multiplier, self.service_tiers)
        if not self.models and not self.training_claims:
            raise ValueError(
                "a sheet needs `models` (or, for a claims-only sheet, `training_claims`)"
            )
        return self


def _positive_rates(value: dict[str, Decimal]) -> dict[str, Decimal]:
    for code, rate in value.items():
        if rate == 0:
            raise ValueError(f"rate for `{code}` is 0; an exchange rate must be positive")
    return value


FxTable = Annotated[
    dict[Annotated[str, Field(pattern=CURRENCY)], FxRate], AfterValidator(_positive_rates)
]


class FxPeriodModel(Strict):
    date: Day
    """The day these rates are from; they hold until the next set."""
    rates: FxTable
    """Units of each currency per one unit of `base`."""


class FxBody(Strict):
    base: Annotated[str, Field(pattern=CURRENCY)]
    """The currency the rates are quoted against."""
    date: Day
    """The date of `rates`, the newest set."""
    source: str | None = None
    """Where the rates come from."""
    rates: FxTable
    """Units of each currency per one unit of `base`."""
    history: list[FxPeriodModel] = Field(default_factory=list)
    """Earlier dated rates, newest first; each set holds until the next one."""

    @model_validator(mode="after")
    def _history_order(self) -> FxBody:
        previous = self.date
        for index, entry in enumerate(self.history):
            if entry.date >= previous:
                raise ValueError(
                    f"history[{index}].date {entry.date} is not before {previous}; list dated "
                    "rates newest first, all before `date`"
                )
            previous = entry.date
        return self


class FxModel(Strict):
    fx: FxBody
    """Exchange rates."""


class GpuModel(Strict):
    name: str | None = None
    """Display name."""
    bf16_tflops: Tflops
    """Peak dense BF16 throughput in TFLOP/s."""
    hourly_price: GpuPrice | None = None
    """Reference rental price in USD per GPU-hour."""
    source: str | None = None
    """Where the figures come from."""
    checked: Day | None = None
    """When the figures were last checked."""


class GpusModel(Strict):
    gpus: dict[str, GpuModel]
    """GPUs by key, such as H100."""


Per = Literal["once", "hour", "day", "month"]


class WorkloadModel(Strict):
    name: str
    """The workload's name, unique in the file."""
    requests: Requests = 1
    """Requests per `per` period."""
    per: Per = "once"
    """The period of `requests`: once, hour, day or month (a month is 730 hours)."""
    input_tokens: Tokens = 0
    """Input tokens per request, cached ones included."""
    cached_tokens: Tokens = 0
    """Of the input, tokens read from the cache."""
    cache_write_tokens: Tokens = 0
    """Of the input, tokens written to the cache (the 5-minute cache)."""
    cache_write_1h_tokens: Tokens = 0
    """Of the input, tokens written to a 1-hour cache."""
    output_tokens: Tokens = 0
    """Output tokens per request."""
    reasoning_tokens: Tokens = 0
    """Reasoning tokens per request (billed as output)."""
    batch_share: Share = Field(default=Decimal(0), json_schema_extra={"default": 0})
    """Share of requests sent by batch, 0..1."""
    off_peak_share: Share = Field(default=Decimal(0), json_schema_extra={"default": 0})
    """Share of requests in the cheapest discount window, 0..1."""
    service_tier_shares: dict[ServiceTierName, Share] = Field(default_factory=dict)
    """Shares of requests sent through service tiers (batch, flex, priority), each 0..1."""
    model: str | None = None
    """Price on this model only (id, alias or provider/id)."""
    models: list[str] | None = None
    """A saved shortlist: ids, aliases, provider/id or globs (`claude-*`) priced when `-m` is not
    given; with `model` it is what `--compare` weighs the pinned model against."""
    budget: Money | None = None
    """Monthly budget (the total where `per` is once); a row above it fails the run."""
    budget_currency: Annotated[str, Field(pattern=CURRENCY)] | None = None
    """The currency of `budget` (default: USD); it is converted into the report currency."""

    @model_validator(mode="after")
    def _cache_within_input(self) -> WorkloadModel:
        parts = self.cached_tokens + self.cache_write_tokens + self.cache_write_1h_tokens
        if parts > self.input_tokens:
            raise ValueError(
                f"`cached_tokens` ({self.cached_tokens}) + `cache_write_tokens` ({self.cache_write_tokens}) "
                f"+ `cache_write_1h_tokens` ({self.cache_write_1h_tokens}) "
                f"exceed `input_tokens` ({self.input_tokens}); they count part of the input, so raise "
                "`input_tokens` or lower them"
            )
        return self

    @model_validator(mode="after")
    def _shares_within_one(self) -> WorkloadModel:
        if self.batch_share and "batch" in self.service_tier_shares:
            raise ValueError(
                "give `batch_share` or `service_tier_shares.batch`, not both (the first is "
                "shorthand for the second)"
            )
        total = self.batch_share + sum(self.service_tier_shares.values(), Decimal(0))
        if total > 1:
            raise ValueError(
                f"service tier shares add up to {total}; a request goes through one tier, so "
                "they may add up to 1 at most"
            )
        return self


class WorkloadFileModel(Strict):
    workloads: list[WorkloadModel]
    """The workloads to price."""

    @field_validator("workloads")
    @classmethod
    def _unique(cls, value: list[WorkloadModel]) -> list[WorkloadModel]:
        if not value:
            raise ValueError("`workloads` is empty; give at least one workload")
        seen: set[str] = set()
        for index, item in enumerate(value):
            if item.name in seen:
                raise ValueError(
                    f"workloads[{index}].name {item.name!r} is used twice; give each workload its own name"
                )
            seen.add(item.name)
        return value


KNOWN_KEYS = sorted(
    {
        name
        for cls in (
            TierModel,
            WindowModel,
            ServiceTierModel,
            FxPeriodModel,
            PeriodModel,
            ModelModel,
            ClaimModel,
            SheetModel,
            FxBody,
            GpuModel,
            WorkloadModel,
            WorkloadFileModel,
            FxModel,
            GpusModel,
        )
        for name in cls.model_fields
    }
)


_OWNERS: dict[type[BaseModel], str] = {
    TierModel: "a tier",
    WindowModel: "a discount window",
    PeriodModel: "a history period",
    ModelModel: "a model",
    ClaimModel: "a training claim",
    SheetModel: "a price sheet's top level",
    FxModel: "an fx sheet's top level",
    GpusModel: "a GPU sheet's top level",
    FxBody: "`fx`",
    GpuModel: "a GPU",
    WorkloadModel: "a workload",
}
_PLACES: dict[str, type[BaseModel]] = {
    "tiers": TierModel,
    "windows": WindowModel,
    "history": PeriodModel,
    "models": ModelModel,
    "training_claims": ClaimModel,
    "fx": FxBody,
    "gpus": GpuModel,
    "workloads": WorkloadModel,
}


def unknown_key(key: str, loc: tuple[str | int, ...], root: str | None = None) -> str:
    """The message for an unknown key at `loc` under the model named `root`: where the key
    belongs when it is valid elsewhere, else the closest key of the same place."""
    import difflib

    kinds = {cls.__name__: cls for cls in _OWNERS}
    here = kinds.get(root or "")
    index = 0
    while index < len(loc) - 1:
        part = loc[index]
        if isinstance(part, str) and part in _PLACES:
            here = _PLACES[part]
            index += 1 if part == "fx" else 2  # past the list index or the model/GPU id
        else:
            index += 1
    owners = [name for cls, name in _OWNERS.items() if key in cls.model_fields and cls is not here]
    where = _OWNERS.get(here) if here is not None else None
    message = f"unknown key {key!r}" + (f" in {where}" if where else "")
    if owners and (here is None or key not in here.model_fields):
        return f"{message}; `{key}` belongs to {' or '.join(owners[:2])}" + (
            f", not {where}" if where else ""
        )
    fields = sorted(here.model_fields) if here is not None else KNOWN_KEYS
    close = difflib.get_close_matches(key, fields, n=1, cutoff=0.6)
    if close and close[0] != key:
        message += f"; did you mean {close[0]!r}?"
    return message
