"""`aicost training`: training-cost claims checked, and `aicost training estimate` for a planned run."""

from __future__ import annotations

from typing import Annotated

import typer

from aicost.cli.commands import emit, priced_catalog
from aicost.cli.helpfmt import Command, Group, examples
from aicost.cli.options import AsOfOpt, CurrencyOpt, FormatOpt, NoColorOpt, PricesOpt, ProviderOpt
from aicost.render import Format

training_app = typer.Typer(
    cls=Group,
    epilog=examples(
        "aicost training",
        "aicost training -m deepseek --gpu-price H800=2.50",
        "aicost training estimate --params 70B --tokens 15T --gpu H100 --mfu 0.4",
    ),
    help="Training-cost claims recomputed from their parts; price a planned run with `estimate`.",
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

ClaimModelOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--model",
        "-m",
        help="Only claims whose model contains TEXT, case-insensitive (repeatable).",
        metavar="TEXT",
    ),
]
GpuPricesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--gpu-price",
        help="Re-price a GPU at PRICE USD per GPU-hour, e.g. H800=3.42 (repeatable).",
        metavar="GPU=PRICE",
    ),
]


@training_app.callback(invoke_without_command=True)
def training(
    ctx: typer.Context,
    model: ClaimModelOpt = None,
    provider: ProviderOpt = None,
    gpu_price: GpuPricesOpt = None,
    fmt: FormatOpt = Format.table,
    prices: PricesOpt = None,
    currency: CurrencyOpt = "USD",
    as_of: AsOfOpt = None,
    no_color: NoColorOpt = False,
) -> None:
    """Check each training-cost claim: GPU-hours x price, compute (6ND), implied MFU, and a verdict."""
    if ctx.invoked_subcommand is not None:
        return
    from aicost.engine.report import Report
    from aicost.engine.training import CLAIM_COLUMNS, check_claims, parse_gpu_prices

    at, catalog, code = priced_catalog(prices, currency, as_of)
    overrides = parse_gpu_prices(gpu_price or [], catalog.gpus)
    result = check_claims(
        catalog, currency=code, models=model or (), providers=provider or (), gpu_prices=overrides
    )
    report = Report(
        kind="training",
        payload=result,
        rows=list(result.checks),
        columns=CLAIM_COLUMNS,
        currency=code,
        as_of=at,
        catalog=catalog,
        uses_gpus=True,
    )
    emit(report, fmt, no_color)


@training_app.command(
    "estimate",
    cls=Command,
    epilog=examples(
        "aicost training estimate --params 70B --tokens 15T --gpu H100 --mfu 0.4",
        "aicost training estimate --params 37e9 --tokens 14.8T --gpu H800 --mfu 0.35 --gpus 2048",
        "aicost training estimate --params 8B --tokens 1T --gpu A100 --mfu 0.5 --gpu-price 1.10",
    ),
)
def estimate_command(
    params: Annotated[
        str, typer.Option("--params", help="Active parameters: 70e9, 70B.", metavar="N")
    ],
    tokens: Annotated[
        str, typer.Option("--tokens", help="Training tokens: 15e12, 15T.", metavar="N")
    ],
    gpu: Annotated[
        str,
        typer.Option("--gpu", help="A GPU in gpus.yaml (H100, H800, H200, A100).", metavar="GPU"),
    ],
    mfu: Annotated[
        str,
        typer.Option(
            "--mfu", help="Model FLOP utilisation, above 0 and at most 1 (0.4).", metavar="X"
        ),
    ],
    gpu_price: Annotated[
        str | None,
        typer.Option(
            "--gpu-price",
            help="USD per GPU-hour. Default: the GPU's reference price in gpus.yaml.",
            metavar="PRICE",
        ),
    ] = None,
    gpus: Annotated[
        str | None,
        typer.Option("--gpus", help="GPUs in the cluster, for wall-clock days.", metavar="N"),
    ] = None,
    fmt: FormatOpt = Format.table,
    prices: PricesOpt = None,
    currency: CurrencyOpt = "USD",
    as_of: AsOfOpt = None,
    no_color: NoColorOpt = False,
) -> None:
    """Price a training run that has not happened: compute 6ND, GPU-hours at an MFU, cost and days."""
    from aicost.engine.report import Report
    from aicost.engine.training import (
        RunEstimateResult,
        estimate_run,
        find_gpu,
        parse_count,
        parse_mfu,
        parse_price,
    )
    from aicost.model import limits

    n_params = parse_count(params, "--params", limits.PARAMS)
    n_tokens = parse_count(tokens, "--tokens", limits.TRAINING_TOKENS)
    utilisation = parse_mfu(mfu)
    price = None if gpu_price is None else parse_price(gpu_price, "--gpu-price")
    count = None if gpus is None else int(parse_count(gpus, "--gpus", limits.GPU_COUNT))
    at, catalog, code = priced_catalog(prices, currency, as_of)
    chip = find_gpu(catalog.gpus, gpu)
    run = estimate_run(
        params=n_params,
        tokens=n_tokens,
        gpu=chip,
        mfu=utilisation,
        gpu_price=price,
        gpus=count,
        fx=catalog.fx,
        currency=code,
    )
    report = Report(
        kind="training-estimate",
        payload=RunEstimateResult(run),
        rows=[run],
        currency=code,
        as_of=at,
        catalog=catalog,
        uses_gpus=True,
    )
    emit(report, fmt, no_color)
