"""The engine's typed results and the commands that show them: training sentences made by the
renderer from numbers, sources, currencies of listings and budgets, ambiguous references, --search.

Expected numbers are worked out here from the sheets' own figures.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Sequence
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any

import pytest

from aicost.engine.pricing import Request, Workload
from aicost.engine.training import ClaimCheck, CostTest, MfuTest, check_claim
from aicost.model.catalog import bundled_dir
from aicost.model.errors import Location
from aicost.render.data import to_data
from aicost.render.training import reasons, verdict_detail
from aicost.sheets.sources import load_catalog

Run = Callable[[Sequence[object]], tuple[int, str, str]]

DATA = Path(__file__).parent / "data"
ENGINE = DATA / "engine"
SHEETS = ENGINE / "sheets"
CORE = DATA / "core"
TRAINING = DATA / "training"
ROOT = Path(__file__).resolve().parents[1]

CNY_PER_USD = Decimal("6.6529")  # tests/data/core/fx.yaml and tests/data/engine/sheets/fx.yaml
EUR_PER_USD = Decimal("0.8951")
V3_HOURS = Decimal(2788000)  # prices/deepseek.yaml, DeepSeek-V3
V3_CLAIM = Decimal(5576000)


def as_json(run: Run, argv: Sequence[object]) -> dict[str, Any]:
    code, out, err = run([*argv, "-f", "json"])
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def deepseek_v3(**kwargs: Any) -> ClaimCheck:
    catalog = load_catalog(["@bundled"])
    claim = next(c for c in catalog.sheets["deepseek"].claims if c.model == "DeepSeek-V3")
    return check_claim(claim, catalog.gpus, fx=catalog.fx, **kwargs)


# -- 1. the core returns numbers and which test failed; the renderer writes the sentences ----------


def test_claim_check_is_numbers_not_sentences() -> None:
    check = deepseek_v3(gpu_prices={"H800": Decimal("3.42")}, currency="USD")
    assert not hasattr(check, "reasons")
    recomputed = V3_HOURS * Decimal("3.42")
    assert check.cost_test == CostTest(
        recomputed=recomputed,
        claim=V3_CLAIM,
        bound="about",
        ratio=recomputed / V3_CLAIM,
        passed=False,
    )
    assert recomputed / V3_CLAIM == Decimal("1.71")
    flops = 6 * Decimal("37e9") * Decimal("14.8e12")
    with localcontext(prec=160):  # the engine divides in its wide money context
        expected_mfu = flops / (V3_HOURS * 3600 * Decimal("989.4") * Decimal(10) ** 12)
    assert check.mfu_test == MfuTest(
        mfu=expected_mfu,
        peak_tflops=Decimal("989.4"),
        low=Decimal("0.10"),
        high=Decimal("0.70"),
        passed=True,
    )
    assert (check.failed, check.passed) == (("cost",), ("MFU",))
    assert check.price_source == "override" and check.gpu_hour_price == Decimal("3.42")
    assert check.claim_gpu_hour_price == Decimal("2.00")  # the claim's own assumption, kept
    assert check.cost_missing == () and check.mfu_missing == ()


def test_missing_parts_are_names() -> None:
    catalog = load_catalog([str(TRAINING)])
    claim = next(c for s in catalog.sheets.values() for c in s.claims if c.model == "Unknown Chip")
    check = check_claim(claim, catalog.gpus, fx=catalog.fx)
    assert check.verdict == "unverifiable"
    # TPUv9 is not in gpus.yaml: no price for the cost, no peak for MFU (and no compute either)
    assert check.cost_missing == ("gpu_specs",)
    assert check.mfu_missing == ("gpu_specs", "flops")
    assert check.cost_test is None and check.mfu_test is None
    assert "cost not checked: missing a price for TPUv9 (not in gpus.yaml)" in reasons(check)


def test_json_reasons_come_from_the_typed_result(run: Run) -> None:
    data = as_json(run, ["training", "-m", "DeepSeek-V3", "--gpu-price", "H800=3.42"])
    (row,) = data["claims"]
    check = deepseek_v3(gpu_prices={"H800": Decimal("3.42")}, currency="USD")
    assert row["reasons"] == reasons(check)
    assert row["cost_test"] == {
        "bound": "about",
        "claim": "5576000",
        "passed": False,
        "ratio": "1.71",
        "recomputed": "9534960",
    }
    assert row["mfu_test"]["passed"] is True


def test_training_engine_does_not_import_the_renderer() -> None:
    text = (ROOT / "src" / "aicost" / "engine" / "training.py").read_text(encoding="utf-8")
    assert "aicost.render" not in text


# -- 2. texts use the price actually used; a failed test shows its numbers -------------------------


def test_comparison_names_the_claims_own_price_and_the_override(run: Run) -> None:
    code, out, _ = run(["training", "--gpu-price", "H800=3.42", "-f", "markdown"])
    assert code == 0
    # DeepSeek assumed $2; the override re-prices 2,788,000 h x $3.42 = $9,534,960 = $9.53M
    assert "only at an assumed $2.00/GPU-hour" in out
    assert "At $3.42/GPU-hour (--gpu-price) the same hours cost $9.53M." in out
    assert "assumed $3.42" not in out
    assert "DeepSeek's $2/GPU-hour is its own assumption" in out


def test_comparison_price_follows_the_report_currency(run: Run) -> None:
    code, out, _ = run(["training", "--currency", "CNY", "-f", "markdown"])
    assert code == 0
    # $2.00 x 6.6529 = 13.3058 CNY (prices/fx.yaml)
    rate = Decimal(
        json.loads(run(["training", "-f", "json", "--currency", "CNY"])[1])["fx"]["rates"]["CNY"]
    )
    shown = (Decimal("2.00") * rate).quantize(Decimal("0.01"))
    assert f"DeepSeek's ¥{shown}/GPU-hour is its own assumption" in out
    assert "$2/GPU-hour" not in out


def test_inconsistent_verdict_cell_shows_the_numbers() -> None:
    check = deepseek_v3(gpu_prices={"H800": Decimal("3.42")}, currency="USD")
    # $9,534,960 vs $5,576,000: +71.0%
    assert verdict_detail(check) == "cost: $9.53M vs claim $5.58M (+71.0%)"


def test_lab_verdict_cells(run: Run) -> None:
    catalog = load_catalog([str(TRAINING)])
    by_model = {
        c.model: check_claim(c, catalog.gpus, fx=catalog.fx)
        for s in catalog.sheets.values()
        for c in s.claims
    }
    # Cheap Claim: 1M h x $2 = $2M against about $1M; Fast Claim: MFU 3e24 / 3.6e24 = 83.3%
    assert verdict_detail(by_model["Cheap Claim"]) == "cost: $2.00M vs claim $1.00M (+100.0%)"
    assert verdict_detail(by_model["Fast Claim"]) == "MFU 83.3%, above 70%"
    assert verdict_detail(by_model["Lower Bound"]) == "cost: $2.00M vs claim >= $3.00M (-33.3%)"


# -- 3. sources name gpus.yaml for training, fx.yaml where a conversion is used --------------------


def _source(data: dict[str, Any], path: str) -> dict[str, Any] | None:
    return next((s for s in data["sources"] if s["path"] == path), None)


@pytest.mark.parametrize(
    "argv",
    [
        ["training"],
        [
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
        ],
    ],
)
def test_training_sources_include_gpus_yaml(run: Run, argv: list[str]) -> None:
    data = as_json(run, argv)
    gpus = _source(data, "prices/gpus.yaml")
    assert gpus is not None
    raw = (bundled_dir() / "gpus.yaml").read_bytes()
    assert gpus["sha256"] == hashlib.sha256(raw).hexdigest()
    assert gpus["checked"] == "2026-05-20"  # the latest `checked` in prices/gpus.yaml


def test_training_sources_name_the_gpus_file_given(run: Run) -> None:
    data = as_json(run, ["training", "--prices", str(TRAINING), "--currency", "CNY"])
    assert _source(data, str(TRAINING / "gpus.yaml")) is not None
    assert _source(data, "prices/gpus.yaml") is None
    assert _source(data, "prices/fx.yaml") is not None  # the conversion's rates


def test_estimate_sources_leave_gpus_out(run: Run) -> None:
    data = as_json(run, ["estimate", "-i", "1k", "-o", "1k", "--as-of", "2026-11-01"])
    assert _source(data, "prices/gpus.yaml") is None


# -- 4. models and history in the report currency ------------------------------------------------


def test_models_convert_rates_into_the_currency(run: Run) -> None:
    argv = ["models", "--prices", CORE, "--as-of", "2026-11-28"]
    native = {m["id"]: m for m in as_json(run, argv)["models"]}
    assert native["acme-night"]["currency"] == "USD"
    assert native["acme-night"]["tiers"][0]["input"] == "0.4"
    cny = as_json(run, [*argv, "--currency", "CNY"])
    assert cny["currency"] == "CNY"
    rows = {m["id"]: m for m in cny["models"]}
    night = rows["acme-night"]
    assert night["currency"] == "CNY"
    assert Decimal(night["tiers"][0]["input"]) == Decimal("0.40") * CNY_PER_USD
    assert Decimal(night["tiers"][0]["cached_input"]) == Decimal("0.04") * CNY_PER_USD
    weekend = next(w for w in night["windows"] if w["name"] == "weekend")
    assert Decimal(weekend["rates"]["output"]) == Decimal("0.80") * CNY_PER_USD
    assert rows["yuan-one"]["tiers"][0]["output"] == "13.3058"  # already CNY


def test_models_convert_exactly_multiplying_first(run: Run) -> None:
    # CNY 6.6529 -> EUR: 6.6529 x 0.8951 / 6.6529 = 0.8951 exactly
    data = as_json(run, ["models", "--prices", CORE, "-m", "yuan-one", "--currency", "EUR"])
    (row,) = data["models"]
    assert row["currency"] == "EUR"
    assert row["tiers"][0]["input"] == str(EUR_PER_USD)
    assert Decimal(row["tiers"][0]["output"]) == 2 * EUR_PER_USD


def test_models_table_and_csv_use_the_currency(run: Run) -> None:
    argv = ["models", "--prices", CORE, "-m", "acme-night", "--currency", "CNY"]
    code, out, _ = run(argv)
    assert code == 0
    assert "CNY per 1M tokens" in out
    # 0.40 x 6.6529 = 2.66116 -> ¥2.66; 1.60 x 6.6529 = 10.64464 -> ¥10.64
    assert "¥2.66" in out and "¥10.64" in out and "$" not in out
    code, out, _ = run([*argv, "-f", "csv"])
    header, row = out.splitlines()[:2]
    cells = dict(zip(header.split(","), row.split(","), strict=True))
    assert cells["currency"] == "CNY" and Decimal(cells["input"]) == Decimal("0.40") * CNY_PER_USD


def test_history_converts_rates_into_the_currency(run: Run) -> None:
    argv = ["history", "acme-t", "--prices", CORE]
    native = as_json(run, argv)
    assert native["currency"] is None
    assert native["periods"][0]["tiers"][0]["input"] == "3"
    data = as_json(run, [*argv, "--currency", "CNY"])
    assert data["currency"] == "CNY"
    first, second = data["periods"]
    assert first["currency"] == "CNY"
    assert Decimal(first["tiers"][0]["input"]) == Decimal("3.00") * CNY_PER_USD  # 19.9587
    assert Decimal(first["tiers"][0]["output"]) == Decimal("9.00") * CNY_PER_USD
    assert Decimal(second["tiers"][1]["cache_write"]) == Decimal("2.50") * CNY_PER_USD
    # a change is a ratio, the same in any currency: (1 - 3) / 3 = -66.67%
    expected = ((Decimal(1) - 3) / 3 * 100).quantize(Decimal("1e-12"))
    assert Decimal(second["change"]["input"]) == expected
    code, out, _ = run([*argv, "--currency", "CNY"])
    assert "acme/acme-tiered · CNY per 1M tokens" in out and "¥19.96" in out
    code, out, _ = run([*argv, "--currency", "CNY", "-f", "csv"])
    assert code == 0
    header, row = out.splitlines()[:2]
    cells = dict(zip(header.split(","), row.split(","), strict=True))
    assert cells["currency"] == "CNY" and Decimal(cells["input"]) == 3 * CNY_PER_USD


# -- 5. a budget's currency ----------------------------------------------------------------------

BUDGETS = ENGINE / "workloads" / "budget.yaml"
# 1M in x 13.3058 + 1M out x 33.2645 CNY per 1M, once a month (tests/data/engine/sheets/twin-new.yaml)
MONTH_CNY = Decimal("13.3058") + Decimal("33.2645")


def budget_rows(run: Run, *argv: str) -> dict[str, dict[str, Any]]:
    code, out, err = run(["estimate", "-w", BUDGETS, "--prices", SHEETS, "-f", "json", *argv])
    assert code in (0, 1), err
    return {r["workload"]: r for r in json.loads(out)["rows"]}


def test_workload_budget_is_usd_unless_it_says(run: Run) -> None:
    rows = budget_rows(run, "--currency", "CNY")
    usd = rows["usd-budget"]  # 10 USD = 10 x 6.6529 = 66.529 CNY: above 46.5703
    assert Decimal(usd["budget"]) == 10 * CNY_PER_USD
    assert Decimal(usd["monthly"]) == MONTH_CNY and usd["over_budget"] is False
    cny = rows["cny-budget"]  # budget_currency: CNY, 10 CNY: below 46.5703
    assert Decimal(cny["budget"]) == 10 and cny["over_budget"] is True


def test_workload_budget_in_usd_report(run: Run) -> None:
    rows = budget_rows(run)
    assert Decimal(rows["usd-budget"]["budget"]) == 10
    assert Decimal(rows["usd-budget"]["monthly"]) == MONTH_CNY / CNY_PER_USD == 7
    # 10 CNY / 6.6529 = 1.503103909573... USD (JSON keeps 12 decimals)
    expected = (Decimal(10) / CNY_PER_USD).quantize(Decimal("1e-12"))
    assert Decimal(rows["cny-budget"]["budget"]) == expected
    assert rows["cny-budget"]["over_budget"] is True


def test_command_line_budget_is_in_the_report_currency(run: Run) -> None:
    rows = budget_rows(run, "--currency", "CNY", "--budget", "50")
    assert all(Decimal(r["budget"]) == 50 and r["over_budget"] is False for r in rows.values())
    code, out, _ = run(["estimate", "--help"])
    assert code == 0 and "report currency" in " ".join(out.split())


# -- 6. a reference naming a retired model and its live twin -------------------------------------


def test_workload_reference_lists_candidates_and_the_one_to_write(run: Run) -> None:
    workload = ENGINE / "workloads" / "twin-workload.yaml"
    code, out, err = run(["estimate", "-w", workload, "--prices", SHEETS, "--as-of", "2026-06-01"])
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"error: {workload}:5:5: ")
    assert "twin-new/twin-max (priced on 2026-06-01)" in err
    assert "twin-old/twin-max (retired 2026-03-01" in err
    assert "(write it as twin-new/twin-max)" in err


def test_model_filter_reference_suggests_the_priced_twin(run: Run) -> None:
    argv = ["estimate", "-i", "1k", "-o", "1k", "-m", "twin-max", "--prices", SHEETS]
    code, out, err = run([*argv, "--as-of", "2026-06-01"])
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "write it as twin-new/twin-max" in err
    code, out, err = run([*argv, "--as-of", "2026-01-01"])  # before retirement: both priced
    assert code == 0, err
    assert {
        r["provider"]
        for r in json.loads(run([*argv, "--as-of", "2026-01-01", "-f", "json"])[1])["rows"]
    } == {
        "twin-old",
        "twin-new",
    }


# -- 7. typed payloads; the workload's file location stays out of the output ---------------------


def test_workload_location_is_not_data() -> None:
    workload = Workload("w", Request(1, 0, 0, 1), model="m", model_at=Location("f.yaml", 3, 5))
    data = to_data(workload)
    assert "model_at" not in data and data["model"] == "m"
    assert "model_at" in {f.name for f in dataclasses.fields(Workload)}


def test_estimate_json_has_no_model_at(run: Run) -> None:
    code, out, err = run(["estimate", "-w", BUDGETS, "--prices", SHEETS, "-f", "json"])
    assert code == 1, err  # one workload is over its budget
    data = json.loads(out)
    assert all("model_at" not in w for w in data["workloads"])
    assert data["workloads"][0]["budget_currency"] == "USD"
    assert data["workloads"][1]["budget_currency"] == "CNY"


def test_report_payloads_are_typed() -> None:
    from aicost.engine.report import Report

    names = {f.name for f in dataclasses.fields(Report)}
    assert "payload" in names and "fields" not in names and "extra" not in names


# -- 8. estimate --search ------------------------------------------------------------------------


def test_estimate_search_filters_like_models(run: Run) -> None:
    argv = ["--prices", CORE, "--as-of", "2026-11-28"]
    listed = {m["id"] for m in as_json(run, ["models", "--search", "NIGHT", *argv])["models"]}
    assert listed == {"acme-night"}
    data = as_json(run, ["estimate", "-i", "1k", "-o", "1k", "--search", "NIGHT", *argv])
    assert {r["model"] for r in data["rows"]} == listed
    code, out, err = run(["estimate", "-i", "1k", "-o", "1k", "--search", "nothing-such", *argv])
    assert code == 2 and out == ""
    assert err == "error: no model matches the given --model, --provider and --search filters\n"
