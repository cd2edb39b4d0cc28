"""`aicost training` and `aicost training estimate`: expected numbers computed here, by hand, from the sheets."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from aicost.engine.training import check_claim, parse_count, parse_mfu
from aicost.model.catalog import bundled_dir
from aicost.model.errors import AicostError
from aicost.render import Format
from aicost.sheets.sources import load_catalog

Run = Callable[[Sequence[str]], tuple[int, str, str]]  # the `run` fixture of conftest.py

TRAINING = Path(__file__).parent / "data" / "training"
H100_PEAK = Decimal("989.4")  # prices/gpus.yaml
H800_PEAK = Decimal("989.4")
A100_PEAK = Decimal("312")
TERA = Decimal(10) ** 12


def claims(run: Run, *args: str) -> dict[str, dict[str, Any]]:
    code, out, err = run(["training", "-f", "json", *args])
    assert code == 0, err
    return {c["model"]: c for c in json.loads(out)["claims"]}


def mfu(flops: Decimal, hours: Decimal, peak: Decimal) -> Decimal:
    return flops / (hours * 3600 * peak * TERA)


# -- the done-when numbers ------------------------------------------------------------------------


def test_deepseek_v3_recomputes_exactly(run: Run) -> None:
    row = claims(run)["DeepSeek-V3"]
    assert (
        Decimal(str(row["recomputed_cost"]))
        == Decimal(2788000) * Decimal("2.00")
        == Decimal(5576000)
    )
    expected = mfu(6 * Decimal("37e9") * Decimal("14.8e12"), Decimal(2788000), H800_PEAK)
    assert abs(expected - Decimal("0.33")) < Decimal("0.01")
    assert Decimal(str(row["mfu"])) == expected.quantize(Decimal("1e-12"))
    assert row["flops"] == "3285600000000000000000000"
    assert row["verdict"] == "consistent"
    assert row["gpu"] == "H800" and row["gpu_hours"] == "2788000" and row["gpu_hour_price"] == "2"
    assert row["price_source"] == "claim"


def test_gpu_price_override_reprices(run: Run) -> None:
    rows = claims(run, "--gpu-price", "H800=3.42")
    assert (
        Decimal(str(rows["DeepSeek-V3"]["recomputed_cost"]))
        == Decimal(2788000) * Decimal("3.42")
        == 9534960
    )
    assert rows["DeepSeek-V3"]["price_source"] == "override"
    # 71% above the claim: the cost test fails, and says so with the numbers.
    assert rows["DeepSeek-V3"]["verdict"] == "inconsistent"
    assert any(
        "cost test failed" in r and "$9,534,960.00" in r for r in rows["DeepSeek-V3"]["reasons"]
    )
    assert Decimal(str(rows["DeepSeek-R1"]["recomputed_cost"])) == Decimal(147336) * Decimal("3.42")


def test_r1_rl_stage_recomputes_from_its_hours(run: Run) -> None:
    row = claims(run, "-m", "deepseek-r1")["DeepSeek-R1"]
    hours = 512 * (198 + 80) + 5000
    assert hours == 147336
    assert row["gpu_hours"] == str(hours)
    assert Decimal(str(row["recomputed_cost"])) == hours * 2 == 294672
    assert row["mfu"] is None  # no token count published
    assert row["verdict"] == "consistent"
    assert any(r.startswith("MFU not checked") for r in row["reasons"])


def test_llama_405b_mfu_and_reference_price(run: Run) -> None:
    row = claims(run)["Llama 3.1 405B"]
    expected = mfu(6 * Decimal("405e9") * Decimal("15.6e12"), Decimal(30840000), H100_PEAK)
    assert abs(expected - Decimal("0.35")) < Decimal("0.01")
    assert Decimal(str(row["mfu"])) == expected.quantize(Decimal("1e-12"))
    assert row["claim"] is None
    assert Decimal(str(row["recomputed_cost"])) == Decimal(30840000) * Decimal(
        "2.95"
    )  # gpus.yaml H100
    assert row["price_source"] == "reference"
    assert row["verdict"] == "consistent"
    assert any("no published cost" in r for r in row["reasons"])


def test_gpt4_at_least_is_unverifiable(run: Run) -> None:
    rows = claims(run, "-p", "openai")
    gpt4 = rows["GPT-4"]
    assert gpt4["bound"] == "at_least" and gpt4["claim"] == "100000000"
    assert gpt4["verdict"] == "unverifiable"
    assert gpt4["recomputed_cost"] is None and gpt4["mfu"] is None
    assert any("missing GPU-hours" in r for r in gpt4["reasons"])
    epoch = rows["GPT-4 (Epoch AI estimate)"]
    assert Decimal(str(epoch["recomputed_cost"])) == Decimal(57000000) * Decimal("1.29")
    expected = mfu(Decimal("2.1e25"), Decimal(57000000), A100_PEAK)
    assert Decimal(str(epoch["mfu"])) == expected.quantize(Decimal("1e-12"))
    assert epoch["flops_source"] == "stated"
    assert epoch["verdict"] == "consistent"


def test_unverifiable_claims_say_what_is_missing(run: Run) -> None:
    rows = claims(run)
    kimi = rows["Kimi K2 Thinking"]
    assert kimi["verdict"] == "unverifiable"
    assert kimi["flops"] == str(6 * 32 * 155 * 10**20)  # 6 x 32e9 x 15.5e12
    assert kimi["gpu_hour_price"] is None  # nothing was priced
    assert any("missing GPU-hours" in r for r in kimi["reasons"])
    gemini = rows["Gemini 1.0 Ultra (Epoch AI estimate)"]
    assert gemini["verdict"] == "unverifiable"
    assert any("GPU type" in r for r in gemini["reasons"])


# -- the verdict rules on deliberately built claims ----------------------------------------------


def test_each_failing_test_is_named(run: Run) -> None:
    rows = claims(run, "--prices", str(TRAINING))
    cheap = rows["Cheap Claim"]  # 1M h x $2 = $2M against $1M; MFU 6 x 10e9 x 18e12 / 3.6e24 = 0.3
    assert cheap["verdict"] == "inconsistent"
    assert Decimal(str(cheap["mfu"])) == Decimal("0.3")
    assert [r.split(":")[0] for r in cheap["reasons"] if "test" in r] == [
        "cost test failed",
        "MFU test passed",
    ]
    fast = rows["Fast Claim"]  # 3e24 / (1e6 x 3600 x 1e15) = 0.8333...
    assert fast["verdict"] == "inconsistent"
    assert fast["mfu"] == "0.833333333333"
    assert any("MFU test failed" in r and "above 70%" in r for r in fast["reasons"])
    upper = rows["Upper Bound"]  # at most $2M; 1M h x $2.50 reference = $2.5M > $2.2M
    assert upper["recomputed_cost"] == "2500000" and upper["verdict"] == "inconsistent"
    lower = rows["Lower Bound"]  # at least $3M; 1M h x $2 = $2M < $2.7M
    assert lower["verdict"] == "inconsistent"
    assert any("lower bound" in r for r in lower["reasons"])
    chip = rows["Unknown Chip"]
    assert chip["verdict"] == "unverifiable"
    assert any("TPUv9 (not in gpus.yaml)" in r for r in chip["reasons"])


def test_bounds_are_one_sided() -> None:
    catalog = load_catalog([str(TRAINING)])
    upper = next(c for c in catalog.sheets["lab"].claims if c.model == "Upper Bound")
    # At $2.20 the parts reach exactly 110% of an at_most $2M: still within the bound.
    assert check_claim(upper, catalog.gpus, {"H100": Decimal("2.20")}).verdict == "consistent"
    assert check_claim(upper, catalog.gpus, {"H100": Decimal("0.50")}).verdict == "consistent"
    assert check_claim(upper, catalog.gpus, {"H100": Decimal("2.21")}).verdict == "inconsistent"
    lower = next(c for c in catalog.sheets["lab"].claims if c.model == "Lower Bound")
    assert check_claim(lower, catalog.gpus, {"H100": Decimal("2.70")}).verdict == "consistent"
    assert check_claim(lower, catalog.gpus, {"H100": Decimal("50")}).verdict == "consistent"
    assert check_claim(lower, catalog.gpus, {"H100": Decimal("2.69")}).verdict == "inconsistent"


def test_currency_converts_money_not_verdicts(run: Run) -> None:
    cny = load_catalog([str(bundled_dir())]).fx
    assert cny is not None
    rate = cny.rates["CNY"]
    row = claims(run, "--currency", "CNY", "-m", "DeepSeek-V3")["DeepSeek-V3"]
    assert row["currency"] == "CNY"
    assert Decimal(str(row["claim"])) == Decimal(5576000) * rate
    assert Decimal(str(row["recomputed_cost"])) == Decimal(2788000) * Decimal(2) * rate
    assert row["verdict"] == "consistent"


# -- filters and formats --------------------------------------------------------------------------


def test_model_filter_is_a_case_insensitive_substring(run: Run) -> None:
    assert set(claims(run, "-m", "gpt-4")) == {"GPT-4", "GPT-4 (Epoch AI estimate)"}
    assert set(claims(run, "-m", "LLAMA", "-p", "meta")) == {"Llama 3.1 405B", "Llama 3 70B"}
    code, out, err = run(["training", "-m", "nothing-like-this"])
    assert code == 2 and out == ""
    assert err.startswith("error: no training claim matches") and err.count("\n") == 1


ESTIMATE = [
    "training",
    "estimate",
    "--params",
    "70B",
    "--tokens",
    "15T",
    "--gpu",
    "H100",
    "--mfu",
    "0.4",
]


@pytest.mark.parametrize("fmt", list(Format))
@pytest.mark.parametrize("argv", [["training"], ESTIMATE])
def test_every_format(run: Run, fmt: Format, argv: list[str]) -> None:
    code, out, err = run([*argv, "-f", fmt.value])
    assert code == 0, err
    assert out.strip()
    if fmt is Format.json:
        data = json.loads(out)
        assert data["kind"] == ("training" if len(argv) == 1 else "training-estimate")
    if fmt is Format.csv:
        assert out.splitlines()[0].startswith(
            "provider,model,claim,bound" if len(argv) == 1 else "params,"
        )


def test_table_tells_the_comparison_straight(run: Run) -> None:
    code, out, _ = run(["training", "--no-color"])
    assert code == 0
    for text in (
        "~ $5.58M",
        ">= $100.00M",
        "2.788M H800",
        "3.29e24",
        "33.1%",
        "unverifiable",
        "apples to oranges",
        "What each number covers",
    ):
        assert text in out, text
    assert "\x1b[" not in out


def test_markdown_carries_reasons(run: Run) -> None:
    code, out, _ = run(["training", "-f", "markdown", "-m", "DeepSeek-V3"])
    assert code == 0
    assert "| DeepSeek-V3 | \\~ $5.58M |" in out  # `~` escaped: it would start strikethrough
    assert "cost test passed" in out


# -- training estimate ----------------------------------------------------------------------------


def test_estimate_from_the_formula(run: Run) -> None:
    code, out, err = run(
        [
            "training",
            "estimate",
            "--params",
            "70e9",
            "--tokens",
            "15e12",
            "--gpu",
            "H100",
            "--mfu",
            "0.4",
            "--gpu-price",
            "2.5",
            "--gpus",
            "16384",
            "-f",
            "json",
        ]
    )
    assert code == 0, err
    est = json.loads(out)["estimate"]
    flops = 6 * Decimal("70e9") * Decimal("15e12")
    hours = flops / (Decimal("0.4") * H100_PEAK * TERA * 3600)
    assert Decimal(est["flops"]) == flops
    assert Decimal(est["gpu_hours"]) == hours.quantize(Decimal("1e-10"))
    assert abs(hours - Decimal("4.42e6")) < Decimal("0.01e6")
    cost = hours * Decimal("2.5")
    assert abs(Decimal(est["cost"]) - cost) < Decimal("1e-6")
    assert abs(cost - Decimal("11.05e6")) < Decimal("0.01e6")
    assert abs(Decimal(est["days"]) - hours / 16384 / 24) < Decimal("1e-9")
    assert est["gpu_hour_price"] == "2.5" and est["price_source"] == "given"


def test_estimate_table_and_suffixes(run: Run) -> None:
    code, out, _ = run(
        [
            "training",
            "estimate",
            "--params",
            "70B",
            "--tokens",
            "15T",
            "--gpu",
            "h100",
            "--mfu",
            "40%",
            "--gpu-price",
            "2.5",
        ]
    )
    assert code == 0
    assert "4.422M" in out and "$11.05M" in out and "Wall-clock" not in out


def test_estimate_uses_the_reference_price(run: Run) -> None:
    code, out, _ = run(
        [
            "training",
            "estimate",
            "--params",
            "1e9",
            "--tokens",
            "1e12",
            "--gpu",
            "A100",
            "--mfu",
            "1",
            "-f",
            "json",
        ]
    )
    assert code == 0
    est = json.loads(out)["estimate"]
    hours = 6 * Decimal("1e21") / (A100_PEAK * TERA * 3600)
    assert abs(Decimal(est["cost"]) - hours * Decimal("1.29")) < Decimal("1e-9")
    assert est["price_source"] == "reference" and est["days"] is None


@pytest.mark.parametrize(
    "text,value",
    [
        ("70e9", Decimal("70e9")),
        ("70B", Decimal("70e9")),
        ("15T", Decimal("15e12")),
        ("1.5k", Decimal(1500)),
        ("2_000", Decimal(2000)),
        ("3M", Decimal("3e6")),
        ("15.6e12", Decimal("15.6e12")),
    ],
)
def test_parse_count(text: str, value: Decimal) -> None:
    assert parse_count(text, "--params") == value


@pytest.mark.parametrize("text", ["0", "-70e9", "-1B", "abc", "12X", "", "nan", "inf"])
def test_parse_count_rejects(text: str) -> None:
    with pytest.raises(AicostError):
        parse_count(text, "--params")


@pytest.mark.parametrize("text", ["0", "1.01", "-0.4", "x", "nan"])
def test_parse_mfu_rejects(text: str) -> None:
    with pytest.raises(AicostError):
        parse_mfu(text)


# -- bad input: exit 2, one error line, no traceback ---------------------------------------------


def _swap(flag: str, value: str) -> list[str]:
    argv = list(ESTIMATE)
    argv[argv.index(flag) + 1] = value
    return argv


@pytest.mark.parametrize(
    "argv,message",
    [
        (_swap("--gpu", "B200"), "unknown GPU 'B200'"),
        (_swap("--mfu", "0"), "--mfu must be above 0"),
        (_swap("--mfu", "1.2"), "--mfu must be above 0 and at most 1"),
        (_swap("--params", "-70e9"), "--params must be a positive number"),
        (_swap("--tokens", "lots"), "--tokens 'lots' is not a number"),
        ([*ESTIMATE, "--gpu-price", "-2"], "--gpu-price must be from 0 to"),
        ([*ESTIMATE, "--gpus", "1.5"], "--gpus '1.5' is not a whole number"),
        (["training", "--gpu-price", "H800"], "is not GPU=PRICE"),
        (["training", "--gpu-price", "H800=cheap"], "is not a price"),
        (["training", "--gpu-price", "H800=-1"], "--gpu-price H800 must be from 0 to"),
        (["training", "--gpu-price", "TPU=2"], "unknown GPU 'TPU'"),
        (["training", "-p", "nobody"], "unknown provider"),
    ],
)
def test_bad_input(run: Run, argv: list[str], message: str) -> None:
    code, out, err = run(argv)
    assert code == 2
    assert out == ""
    assert err.startswith("error: ") and message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_unknown_gpu_lists_known_ones(run: Run) -> None:
    _, _, err = run(_swap("--gpu", "B200"))
    assert "known GPUs: A100, H100, H200, H800" in err


def test_help(run: Run) -> None:
    code, out, _ = run(["training", "--help"])
    assert code == 0 and "estimate" in out and "--gpu-price" in out


def test_data_files_exist() -> None:
    assert Path(TRAINING, "lab.yaml").is_file()


def test_claims_table_snapshot(run: Run) -> None:
    """The whole table at 100 columns without colour, so a layout change shows in review."""
    code, out, _ = run(["training", "--prices", str(TRAINING), "--no-color"])
    assert code == 0
    expected = (TRAINING / "lab-table.txt").read_text(encoding="utf-8")
    assert [line.rstrip() for line in out.splitlines()] == expected.splitlines()
