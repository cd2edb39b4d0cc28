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

from aicost.model.quantity import parse_tokens

SLUG = r"^[a-z0-9][a-z0-9._-]*$"
CURRENCY = r"^[A-Z]{3}$"


def _amount(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"expected a non-negative number, got {str(value).lower()}")
    if isinstance(value, str):
        raise ValueError(
            f"expected a number, got the text {value!r}; write it without quotes or symbols"
        )
    if isinstance(value, float):  # never produced by our loader; refuse float noise from elsewhere
        value = Decimal(repr(value))
    if isinstance(value, int):
        value = Decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("expected a finite number, got .nan or .inf")
        if value < 0:
            raise ValueError(f"expected a non-negative number, got {value}")
    return value


def _count(value: Any, info: ValidationInfo) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"expected a whole number, got {str(value).lower()}")
    if isinstance(value, Decimal):
        value = str(value)
    if isinstance(value, str | int):
        return parse_tokens(value, info.field_name or "count")
    return value


Amount = Annotated[
    Decimal,
    BeforeValidator(_amount),
    WithJsonSchema({"type": "number", "minimum": 0}),
]
Count = Annotated[
    int,
    BeforeValidator(_count),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 0}, {"type": "string"}]}),
]
Share = Annotated[
    Decimal,
    BeforeValidator(_amount),
    Field(le=1),
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": 1}),
]
Multiplier = Annotated[
    Decimal,
    BeforeValidator(_amount),
    WithJsonSchema({"type": "number", "minimum": 0}),
]
Moment = dt.datetime | dt.date
HOURS = re.compile(r"^(\d\d):(\d\d)-(\d\d):(\d\d)$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RatesModel(Strict):
    input: Amount | None = Field(default=None, description="uncached input, per 1M tokens")
    cached_input: Amount | None = Field(
        default=None, description="input read from cache (a hit); absent = billed as input"
    )
    cache_write: Amount | None = Field(
        default=None,
        description="input written to cache (the 5-minute cache); absent = billed as input",
    )
    cache_write_1h: Amount | None = Field(
        default=None,
        description="input written to a 1-hour cache (Anthropic); absent = billed as cache_write",
    )
    output: Amount | None = Field(
        default=None, description="output; reasoning tokens bill as output"
    )

    def rate_fields(self) -> list[str]:
        return [k for k in RATE_KEYS if getattr(self, k) is not None]


RATE_KEYS = ("input", "cached_input", "cache_write", "cache_write_1h", "output")


class TierModel(RatesModel):
    up_to: Count | None = Field(default=None, description="inclusive upper bound on input tokens")
    input: Amount
    output: Amount


class WindowModel(RatesModel):
    name: str
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(
        default_factory=list
    )
    hours: list[str] = Field(default_factory=list, description='UTC ranges such as "10:00-24:00"')
    multiplier: Multiplier | None = None

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
    batch_multiplier: Multiplier | None = Field(
        default=None, description="shorthand for service_tiers: {batch: X}"
    )
    service_tiers: ServiceTiers | None = Field(
        default=None,
        description="batch, flex and priority prices: a multiplier on list price, or explicit rates",
    )

    @model_validator(mode="after")
    def _one_batch(self) -> PricedModel:
        _batch_once(self.batch_multiplier, self.service_tiers)
        return self


class PeriodModel(PricedModel):
    until: Moment = Field(description="end of this period, exclusive: a date or a UTC datetime")
    since: Moment | None = Field(default=None, description="start of this period (optional)")


def moment(value: dt.date | dt.datetime) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())


class ModelModel(PricedModel):
    name: str | None = None
    aliases: list[str] = Field(default_factory=list)
    context_window: Count | None = None
    since: Moment | None = Field(default=None, description="first moment with a price (no history)")
    retired: Moment | None = None
    history: list[PeriodModel] = Field(default_factory=list)

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
    claim: Amount | None = None
    bound: BoundKind = "about"
    currency: Annotated[str, Field(pattern=CURRENCY)] | None = None
    covers: str
    source: str
    gpu: str | None = None
    gpu_count: Count | None = None
    gpu_hours: Amount | None = None
    gpu_hour_price: Amount | None = None
    active_params: Amount | None = None
    training_tokens: Amount | None = None
    flops: Amount | None = None
    note: str | None = None


class SheetModel(Strict):
    provider: Annotated[str, Field(pattern=SLUG)]
    name: str | None = None
    currency: Annotated[str, Field(pattern=CURRENCY)]
    source: str | None = None
    checked: dt.date | None = None
    batch_multiplier: Multiplier | None = Field(
        default=None, description="shorthand for service_tiers: {batch: X}, for every model"
    )
    service_tiers: ServiceTiers | None = Field(
        default=None, description="service tiers of every model, unless a model gives its own"
    )
    models: dict[str, ModelModel] = Field(default_factory=dict)
    training_claims: list[ClaimModel] = Field(default_factory=list)

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
    dict[Annotated[str, Field(pattern=CURRENCY)], Amount], AfterValidator(_positive_rates)
]


class FxPeriodModel(Strict):
    date: dt.date = Field(description="the day these rates are from; they hold until the next set")
    rates: FxTable


class FxBody(Strict):
    base: Annotated[str, Field(pattern=CURRENCY)]
    date: dt.date = Field(description="the day of `rates`, the newest set")
    source: str | None = None
    rates: FxTable
    history: list[FxPeriodModel] = Field(
        default_factory=list, description="earlier dated rates, newest first"
    )

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


class GpuModel(Strict):
    name: str | None = None
    bf16_tflops: Amount
    hourly_price: Amount | None = None
    source: str | None = None
    checked: dt.date | None = None


class GpusModel(Strict):
    gpus: dict[str, GpuModel]


Per = Literal["once", "hour", "day", "month"]


class WorkloadModel(Strict):
    name: str
    requests: Count = 1
    per: Per = "once"
    input_tokens: Count = 0
    cached_tokens: Count = 0
    cache_write_tokens: Count = 0
    cache_write_1h_tokens: Count = 0
    output_tokens: Count = 0
    reasoning_tokens: Count = 0
    batch_share: Share = Decimal(0)
    off_peak_share: Share = Decimal(0)
    service_tier_shares: dict[ServiceTierName, Share] = Field(default_factory=dict)
    model: str | None = None
    budget: Amount | None = None
    budget_currency: Annotated[str, Field(pattern=CURRENCY)] | None = None  # default USD

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
