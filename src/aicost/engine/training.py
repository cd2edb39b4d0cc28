"""Training-cost claims, recomputed from their own parts, and the price of a run that has not happened.

Rules (SPEC section 7):
- cost = GPU-hours x price per GPU-hour. The price is, in order: a `--gpu-price` override for the
  claim's GPU, the claim's own `gpu_hour_price`, the reference `hourly_price` in gpus.yaml.
- compute = 6 x active params x training tokens (the usual dense-transformer estimate); where either
  is missing, the claim's stated `flops` stands in.
- MFU = compute / (GPU-hours x 3600 x peak dense BF16 FLOP/s).
- A claim is checked by two tests. Cost: the recomputation is within 10% of the claim (`about`); for
  `at_least` it must reach at least 90% of the claim, for `at_most` at most 110% (a bound is only
  contradicted by a recomputation clearly on the wrong side of it). MFU: between 10% and 70%, the range
  real large runs reach. A test needs all its parts; one that cannot be run is named with what is
  missing. Verdict: `inconsistent` if a test that ran failed, `consistent` if at least one ran and all
  that ran passed, `unverifiable` if none could run. A claim with no published amount (Llama) has no
  cost test: its hours are priced at the reference rate for scale, and the verdict rests on MFU.

Money is Decimal throughout; amounts are converted into the report currency before any test, and
the tests are ratios, so the currency does not change a verdict. GPU prices (gpus.yaml and
`--gpu-price`) are in USD per GPU-hour; a claim's own `gpu_hour_price` is in the claim's currency.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from aicost.engine.estimate import conversion_pair
from aicost.model import limits
from aicost.model.catalog import Catalog
from aicost.model.errors import AicostError
from aicost.model.limits import Range, in_money_context, shorten
from aicost.model.prices import FxRates, Gpu, TrainingClaim

GPU_CURRENCY = "USD"  # gpus.yaml and --gpu-price
COST_TOLERANCE = Decimal("0.10")
MFU_LOW, MFU_HIGH = Decimal("0.10"), Decimal("0.70")
SECONDS_PER_HOUR = 3600
TERA = Decimal(10) ** 12
FLOPS_PER_PARAM_TOKEN = 6

CONSISTENT, INCONSISTENT, UNVERIFIABLE = "consistent", "inconsistent", "unverifiable"


@dataclass(frozen=True, slots=True)
class CostTest:
    """The recomputed cost against the claim. `ratio` is recomputed / claim (None for a zero claim)."""

    recomputed: Decimal
    claim: Decimal
    bound: str
    ratio: Decimal | None
    passed: bool


@dataclass(frozen=True, slots=True)
class MfuTest:
    """The implied utilisation against the range real large runs reach."""

    mfu: Decimal
    peak_tflops: Decimal  # the GPU's dense BF16 peak it is measured against
    low: Decimal
    high: Decimal
    passed: bool


# What a test can lack (`cost_missing`, `mfu_missing`): the renderer says each in words.
MISSING_CLAIM = "claim"  # no published amount
MISSING_HOURS = "gpu_hours"
MISSING_GPU = "gpu"  # no GPU type
MISSING_GPU_SPECS = "gpu_specs"  # a GPU type that gpus.yaml does not list
MISSING_PRICE = "gpu_price"  # a listed GPU with no reference price, and none given
MISSING_FLOPS = "flops"  # neither active params and tokens nor a stated figure


@dataclass(frozen=True, slots=True)
class ClaimCheck:
    """One claim beside its recomputation: numbers and which test failed, never sentences.

    Money is in `currency` (the report currency).
    """

    provider: str
    model: str
    claim: Decimal | None
    bound: str
    currency: str
    recomputed_cost: Decimal | None
    flops: Decimal | None
    flops_source: str | None  # "6ND" or "stated"
    mfu: Decimal | None  # a fraction: 0.33 is 33%
    verdict: str
    covers: str
    source: str
    gpu: str | None
    gpu_hours: Decimal | None
    gpu_hour_price: Decimal | None  # the price used, None when nothing was priced
    price_source: str | None  # "override" (--gpu-price), "claim" or "reference" (gpus.yaml)
    price_checked: dt.date | None  # when gpus.yaml's reference price was seen
    claim_currency: str  # the currency the sheet states the claim in
    claim_gpu_hour_price: Decimal | None  # the claim's own assumed price, in `currency`
    active_params: Decimal | None
    training_tokens: Decimal | None
    stated_flops: Decimal | None
    cost_test: CostTest | None  # None when the test could not run
    mfu_test: MfuTest | None
    cost_missing: tuple[str, ...]  # what the cost test lacks (MISSING_* names)
    mfu_missing: tuple[str, ...]

    @property
    def scope(self) -> str:
        """The first clause of `covers`: what the number counts, in a few words."""
        head = self.covers
        for mark in (":", ";"):
            head = head.split(mark, 1)[0]
        return head.strip()

    @property
    def failed(self) -> tuple[str, ...]:
        """The tests that ran and failed: "cost", "MFU"."""
        return tuple(name for name, test in self._tests() if not test.passed)

    @property
    def passed(self) -> tuple[str, ...]:
        return tuple(name for name, test in self._tests() if test.passed)

    def _tests(self) -> list[tuple[str, CostTest | MfuTest]]:
        tests: list[tuple[str, CostTest | MfuTest]] = []
        if self.cost_test is not None:
            tests.append(("cost", self.cost_test))
        if self.mfu_test is not None:
            tests.append(("MFU", self.mfu_test))
        return tests


CLAIM_COLUMNS = [
    "provider",
    "model",
    "claim",
    "bound",
    "currency",
    "recomputed_cost",
    "gpu",
    "gpu_hours",
    "gpu_hour_price",
    "price_source",
    "flops",
    "flops_source",
    "mfu",
    "verdict",
    "reasons",
    "covers",
    "source",
]


@dataclass(frozen=True, slots=True)
class Comparison:
    """The seed article's "$6M vs $100M+": the claims it sets side by side, for the renderer to tell."""

    deepseek: ClaimCheck  # DeepSeek-V3: one final run's GPU rental
    altman: ClaimCheck | None  # GPT-4, "more than $100M": a remark of unspecified scope
    epoch: ClaimCheck | None  # GPT-4, Epoch AI's estimate of the final run
    gap: Decimal | None  # Epoch's GPT-4 claim / DeepSeek-V3's claim


@dataclass(frozen=True, slots=True)
class ClaimsResult:
    checks: tuple[ClaimCheck, ...]
    comparison: Comparison | None


@dataclass(frozen=True, slots=True)
class RunEstimate:
    """The price of a planned run. `cost` and `gpu_hour_price` are in `currency`."""

    params: Decimal
    tokens: Decimal
    gpu: str
    bf16_tflops: Decimal
    mfu: Decimal
    gpu_hour_price: Decimal
    price_source: str  # "given" or "reference"
    gpus: int | None
    currency: str
    flops: Decimal
    gpu_hours: Decimal
    cost: Decimal
    days: Decimal | None  # wall-clock days on `gpus` GPUs


@dataclass(frozen=True, slots=True)
class RunEstimateResult:
    """The payload of a `training estimate` report."""

    estimate: RunEstimate


# -- numbers people type --------------------------------------------------------------------------

_SHIFT = {"": 0, "k": 3, "m": 6, "b": 9, "t": 12}


def parse_count(text: str, what: str, limit: Range = limits.TRAINING_TOKENS) -> Decimal:
    """`70e9`, `70B`, `15T`, `1.5k`, `2_000` -> a positive Decimal within `limit`."""
    raw = str(text).strip()
    body = raw.replace("_", "").replace(",", "")
    suffix = body[-1:].lower() if body[-1:].isalpha() else ""
    number = body[:-1] if suffix else body
    example = "write e.g. 70e9, 70B, 15T or 1.5k"
    if suffix not in _SHIFT or not number:
        raise AicostError(f"{what} {shorten(raw)!r} is not a number; {example}")
    try:
        value = Decimal(number)
    except InvalidOperation:
        raise AicostError(f"{what} {shorten(raw)!r} is not a number; {example}") from None
    if value.is_finite() and value <= 0:
        raise AicostError(f"{what} must be a positive number (got {shorten(raw)})")
    try:
        return limit.check(value, what, raw, _SHIFT[suffix])
    except ValueError as exc:
        raise AicostError(str(exc)) from None


def parse_mfu(text: str) -> Decimal:
    """A utilisation in (0, 1]; `40%` is read as 0.4."""
    raw = str(text).strip()
    percent = raw.endswith("%")
    try:
        value = Decimal(raw[:-1] if percent else raw)
    except InvalidOperation:
        raise AicostError(
            f"--mfu {shorten(raw)!r} is not a number; write a fraction such as 0.4"
        ) from None
    try:
        return limits.MFU.check(value, "--mfu", raw, -2 if percent else 0)
    except ValueError as exc:
        raise AicostError(f"{exc}; write e.g. 0.4 for 40%") from None


def parse_price(text: str, what: str) -> Decimal:
    raw = str(text).strip()
    try:
        value = Decimal(raw.lstrip("$").replace("_", "").replace(",", ""))
    except InvalidOperation:
        raise AicostError(
            f"{what} {shorten(raw)!r} is not a price; write e.g. 2.50 (USD per GPU-hour)"
        ) from None
    try:
        return limits.GPU_PRICE.check(value, what, raw)
    except ValueError as exc:
        raise AicostError(str(exc)) from None


def find_gpu(gpus: Mapping[str, Gpu], name: str) -> Gpu:
    for key, gpu in gpus.items():
        if key.lower() == name.strip().lower():
            return gpu
    known = ", ".join(sorted(gpus)) or "none (no gpus.yaml loaded)"
    raise AicostError(f"unknown GPU {name!r}", hint=f"known GPUs: {known}")


def parse_gpu_prices(specs: Sequence[str], gpus: Mapping[str, Gpu]) -> dict[str, Decimal]:
    """`H800=3.42` (repeatable) -> {gpu key: USD per GPU-hour}."""
    out: dict[str, Decimal] = {}
    for spec in specs:
        name, sep, price = spec.partition("=")
        if not sep or not name.strip() or not price.strip():
            raise AicostError(
                f"--gpu-price {spec!r} is not GPU=PRICE; write e.g. --gpu-price H800=3.42"
            )
        gpu = find_gpu(gpus, name)
        out[gpu.key] = parse_price(price, f"--gpu-price {gpu.key}")
    return out


# -- claims ---------------------------------------------------------------------------------------


@in_money_context
def check_claim(
    claim: TrainingClaim,
    gpus: Mapping[str, Gpu],
    gpu_prices: Mapping[str, Decimal] | None = None,
    *,
    fx: FxRates | None = None,
    currency: str | None = None,
) -> ClaimCheck:
    """Recompute one claim from its own parts and give a verdict (rules in the module docstring)."""
    code = currency or claim.currency
    gpu_prices = gpu_prices or {}
    to_report = conversion_pair(fx, claim.currency, code)
    gpu_to_report = conversion_pair(fx, GPU_CURRENCY, code)
    amount = None if claim.claim is None else _convert(claim.claim, to_report)
    own_price = None if claim.gpu_hour_price is None else _convert(claim.gpu_hour_price, to_report)
    gpu = gpus.get(claim.gpu) if claim.gpu else None

    # The price per GPU-hour, and where it came from.
    price: Decimal | None = None
    price_source: str | None = None
    if claim.gpu and claim.gpu in gpu_prices:
        price, price_source = _convert(gpu_prices[claim.gpu], gpu_to_report), "override"
    elif own_price is not None:
        price, price_source = own_price, "claim"
    elif gpu is not None and gpu.hourly_price is not None:
        price, price_source = _convert(gpu.hourly_price, gpu_to_report), "reference"

    recomputed = None
    if claim.gpu_hours is not None and price is not None:
        recomputed = claim.gpu_hours * price

    # Compute: 6 x N x D, else the stated figure.
    flops: Decimal | None = None
    flops_source: str | None = None
    if claim.active_params is not None and claim.training_tokens is not None:
        flops = FLOPS_PER_PARAM_TOKEN * claim.active_params * claim.training_tokens
        flops_source = "6ND"
    elif claim.flops is not None:
        flops, flops_source = claim.flops, "stated"

    mfu: Decimal | None = None
    if flops is not None and claim.gpu_hours and gpu is not None and gpu.bf16_tflops > 0:
        mfu = flops / (claim.gpu_hours * SECONDS_PER_HOUR * gpu.bf16_tflops * TERA)

    # What each test lacks.
    missing_cost: list[str] = []
    missing_mfu: list[str] = []
    if amount is None:
        missing_cost.append(MISSING_CLAIM)
    if claim.gpu_hours is None:
        missing_cost.append(MISSING_HOURS)
        missing_mfu.append(MISSING_HOURS)
    if claim.gpu is None:
        missing_mfu.append(MISSING_GPU)
        if price is None:
            missing_cost.append(MISSING_GPU)
    elif gpu is None:
        missing_mfu.append(MISSING_GPU_SPECS)
        if price is None:
            missing_cost.append(MISSING_GPU_SPECS)
    elif price is None:
        missing_cost.append(MISSING_PRICE)
    if flops is None:
        missing_mfu.append(MISSING_FLOPS)

    cost_test = None
    if amount is not None and recomputed is not None:
        cost_test = CostTest(
            recomputed=recomputed,
            claim=amount,
            bound=claim.bound,
            ratio=recomputed / amount if amount else None,
            passed=_cost_holds(claim.bound, recomputed, amount),
        )
    mfu_test = None
    if mfu is not None and gpu is not None:
        mfu_test = MfuTest(
            mfu=mfu,
            peak_tflops=gpu.bf16_tflops,
            low=MFU_LOW,
            high=MFU_HIGH,
            passed=MFU_LOW <= mfu <= MFU_HIGH,
        )
    ran = [t.passed for t in (cost_test, mfu_test) if t is not None]
    verdict = UNVERIFIABLE if not ran else CONSISTENT if all(ran) else INCONSISTENT

    if recomputed is None:  # nothing was priced: report no price as used
        price = price_source = None
    return ClaimCheck(
        provider=claim.provider,
        model=claim.model,
        claim=amount,
        bound=claim.bound,
        currency=code,
        recomputed_cost=recomputed,
        flops=flops,
        flops_source=flops_source,
        mfu=mfu,
        verdict=verdict,
        covers=" ".join(claim.covers.split()),
        source=claim.source,
        gpu=claim.gpu,
        gpu_hours=claim.gpu_hours,
        gpu_hour_price=price,
        price_source=price_source,
        price_checked=gpu.checked if price_source == "reference" and gpu is not None else None,
        claim_currency=claim.currency,
        claim_gpu_hour_price=own_price,
        active_params=claim.active_params,
        training_tokens=claim.training_tokens,
        stated_flops=claim.flops,
        cost_test=cost_test,
        mfu_test=mfu_test,
        cost_missing=tuple(dict.fromkeys(missing_cost)),
        mfu_missing=tuple(dict.fromkeys(missing_mfu)),
    )


def _convert(value: Decimal, pair: tuple[Decimal, Decimal]) -> Decimal:
    """Multiply first, then divide, so a round trip through a rate stays exact where it can."""
    multiply, divide = pair
    return value * multiply / divide if multiply != divide else value


def _cost_holds(bound: str, recomputed: Decimal, amount: Decimal) -> bool:
    low, high = amount * (1 - COST_TOLERANCE), amount * (1 + COST_TOLERANCE)
    if bound == "at_least":
        return recomputed >= low
    if bound == "at_most":
        return recomputed <= high
    return low <= recomputed <= high


@in_money_context
def check_claims(
    catalog: Catalog,
    *,
    currency: str,
    models: Sequence[str] = (),
    providers: Sequence[str] = (),
    gpu_prices: Mapping[str, Decimal] | None = None,
) -> ClaimsResult:
    """Every selected claim, checked: by provider, in sheet order."""
    for provider in providers:
        catalog.sheet(provider)  # unknown providers are errors, with suggestions
    wanted = {p.lower() for p in providers}
    terms = [m.strip().lower() for m in models]
    every = [c for sheet in catalog.sheets.values() for c in sheet.claims]
    chosen = [
        c
        for c in every
        if (not wanted or c.provider in wanted)
        and (not terms or any(t in c.model.lower() for t in terms))
    ]
    if not chosen:
        names = ", ".join(sorted({c.model for c in every})) or "none in the loaded sheets"
        raise AicostError(
            "no training claim matches the given --model and --provider filters",
            hint=f"claims: {names}",
        )
    checks = tuple(
        check_claim(c, catalog.gpus, gpu_prices, fx=catalog.fx, currency=currency) for c in chosen
    )
    return ClaimsResult(checks=checks, comparison=compare(checks))


@in_money_context
def compare(checks: Sequence[ClaimCheck]) -> Comparison | None:
    """The claims behind the seed article's "$6M vs $100M+", when they are among `checks`."""
    by_model = {c.model.lower(): c for c in checks}
    v3 = by_model.get("deepseek-v3")
    altman = by_model.get("gpt-4")
    epoch = next(
        (c for c in checks if c.model.lower().startswith("gpt-4") and "epoch" in c.model.lower()),
        None,
    )
    if v3 is None or v3.claim is None or (altman is None and epoch is None):
        return None
    if altman is not None and altman.claim is None:
        altman = None
    if epoch is not None and epoch.claim is None:
        epoch = None
    gap = None
    if epoch is not None and epoch.claim is not None and v3.claim:
        gap = epoch.claim / v3.claim
    return Comparison(deepseek=v3, altman=altman, epoch=epoch, gap=gap)


# -- a run that has not happened ------------------------------------------------------------------


@in_money_context
def estimate_run(
    *,
    params: Decimal,
    tokens: Decimal,
    gpu: Gpu,
    mfu: Decimal,
    gpu_price: Decimal | None = None,
    gpus: int | None = None,
    fx: FxRates | None = None,
    currency: str = GPU_CURRENCY,
) -> RunEstimate:
    """compute = 6ND; GPU-hours = compute / (MFU x peak x 3600); cost = GPU-hours x price."""
    if gpu_price is None and gpu.hourly_price is None:
        raise AicostError(f"no reference price for {gpu.key} in gpus.yaml", hint="give --gpu-price")
    if gpu.bf16_tflops <= 0:
        raise AicostError(f"{gpu.key} has no peak throughput in gpus.yaml")
    usd_price = gpu_price if gpu_price is not None else gpu.hourly_price
    assert usd_price is not None
    price = _convert(usd_price, conversion_pair(fx, GPU_CURRENCY, currency))
    flops = FLOPS_PER_PARAM_TOKEN * params * tokens
    gpu_hours = flops / (mfu * gpu.bf16_tflops * TERA * SECONDS_PER_HOUR)
    cost = gpu_hours * price
    days = None if gpus is None else gpu_hours / gpus / 24
    return RunEstimate(
        params=params,
        tokens=tokens,
        gpu=gpu.key,
        bf16_tflops=gpu.bf16_tflops,
        mfu=mfu,
        gpu_hour_price=price,
        price_source="given" if gpu_price is not None else "reference",
        gpus=gpus,
        currency=currency,
        flops=flops,
        gpu_hours=gpu_hours,
        cost=cost,
        days=days,
    )
