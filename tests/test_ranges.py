"""Every number has a range, checked when it is read; in-range extremes price exactly (SPEC 8)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from decimal import Context, Decimal, localcontext
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aicost.engine.pricing import Request, Workload, price_workload
from aicost.model import limits
from aicost.sheets.loader import load_text

Run = Callable[[Sequence[object]], tuple[int, str, str]]
RANGES = Path(__file__).parent / "data" / "ranges"
SHEET = RANGES / "free_history.yaml"  # a plain USD sheet: m1 at input 2, output 1


def one_error(code: int, out: str, err: str) -> str:
    assert (code, out) == (2, ""), err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err and "internal error" not in err
    return lines[0]


def timed(run: Run, argv: list[object]) -> tuple[float, tuple[int, str, str]]:
    start = time.perf_counter()
    result = run(argv)
    return time.perf_counter() - start, result


# -- finding 1: a price the renderer could not print; totals beyond the default 28 digits -----------


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_a_huge_price_is_refused_at_its_place(run: Run, fmt: str) -> None:
    path = RANGES / "huge_price.yaml"
    line = one_error(*run(["estimate", "-i", "1M", "-o", "1M", "--prices", path, "-f", fmt]))
    assert line.startswith(f"error: {path}:5:5: `input` must be from 0 to 1,000,000,000")
    assert "a price per million tokens" in line and "1E+400" in line


def test_extreme_but_valid_totals_print_exactly(run: Run, tmp_path: Path) -> None:
    sheet = tmp_path / "dear.yaml"
    sheet.write_text(
        "provider: dear\ncurrency: USD\nmodels:\n  m1:\n    input: 1e9\n    output: 1e9\n"
    )
    code, out, err = run(
        [
            "estimate",
            "--prices",
            sheet,
            "-i",
            "1e12",
            "-o",
            "1e12",
            "-n",
            "1e15",
            "--per",
            "hour",
            "-f",
            "json",
        ]
    )
    assert code == 0, err
    row = json.loads(out)["rows"][0]
    per_request = (10**12 * 10**9 + 10**12 * 10**9) // 10**6  # 2e15, exactly
    assert row["per_request"] == str(per_request)
    assert row["total"] == str(per_request * 10**15)
    assert row["monthly"] == str(per_request * 10**15 * 730)
    code, out, err = run(
        ["estimate", "--prices", sheet, "-i", "1e12", "-o", "1e12", "-n", "1e15", "--per", "day"]
    )
    assert code == 0, err  # the table renders amounts far beyond 28 digits
    assert "Traceback" not in err


def test_big_request_counts_print_without_exponents(run: Run) -> None:
    code, out, err = run(
        [
            "estimate",
            "--prices",
            SHEET,
            "-w",
            RANGES / "big_requests.yaml",
            "-f",
            "json",
            "--budget",
            "1e12",
        ]
    )
    assert code == 1, err  # over the budget, not a crash
    data = json.loads(out)
    row = data["rows"][0]
    assert data["workloads"][0]["requests"] == 100000000000000
    assert row["requests"] == 100000000000000
    assert row["budget"] == "1000000000000"
    per_request = Fraction(1000 * 2 + 10 * 1, 10**6)
    total = per_request * 10**14
    assert row["total"] == str(int(total))  # 201,000,000,000
    assert row["monthly"] == str(int(total * 730 / 24))
    assert "E+" not in out and "e+" not in out


def test_request_counts_above_the_range_name_the_field(run: Run) -> None:
    path = RANGES / "too_many_requests.yaml"
    line = one_error(*run(["estimate", "--prices", SHEET, "-w", path]))
    assert line.startswith(f"error: {path}:4:5: `requests` must be from 0 to 1,000,000,000,000,000")


# -- finding 2: magnitudes are refused before any conversion ----------------------------------------

HUGE = "9" * 5000


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["-i", "1e999999", "-o", "1"], "--input-tokens must be from 0 to 1,000,000,000,000"),
        (["-i", "1", "-o", "1e-999999"], "--output-tokens '1e-999999' is not a whole number"),
        (["-i", "1", "-o", "1", "-n", HUGE], "--requests must be from 0 to"),
        (["-i", "1", "-o", "1", "-n", "1e16"], "--requests must be from 0 to"),
        (["-i", "1", "-o", "1", "--top", HUGE], "--top must be from 1 to 10,000"),
        (["-i", "1", "-o", "1", "--top", "10001"], "--top must be from 1 to 10,000"),
        (["-i", "1", "-o", "1", "--top", "0"], "--top must be from 1 to 10,000"),
        (["-i", "1", "-o", "1", "--budget", "1e999999"], "--budget must be from 0 to"),
        (["-i", "1", "-o", "1", "--batch-share", "1e-999999"], "has 999999 decimal places"),
    ],
)
def test_huge_and_tiny_flags_are_refused_quickly(run: Run, flags: list[str], expected: str) -> None:
    seconds, result = timed(run, ["estimate", "--prices", SHEET, *flags])
    line = one_error(*result)
    assert expected in line
    assert len(line) < 300  # a 5,000-digit value is shortened
    assert seconds < 5


def test_a_five_percent_share_is_read_as_a_fraction(run: Run) -> None:
    code, out, err = run(
        [
            "estimate",
            "--prices",
            SHEET,
            "-i",
            "1M",
            "-o",
            "0",
            "--batch-share",
            "0.5e1%",
            "-f",
            "json",
        ]
    )
    assert code == 0, err
    assert json.loads(out)["workloads"][0]["batch_share"] == "0.05"


def test_a_huge_context_window_is_refused_quickly(run: Run) -> None:
    path = RANGES / "huge_context.yaml"
    seconds, (code, out, _err) = timed(run, ["validate", path])
    assert code == 1
    assert f"{path}:7:5: error: `context_window` must be from 0 to 1,000,000,000,000" in out
    assert seconds < 5


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["training", "--gpu-price", "H800=1e-999999"], "has 999999 decimal places"),
        (["training", "--gpu-price", "H800=1e999999"], "--gpu-price H800 must be from 0 to"),
        (
            [
                "training",
                "estimate",
                "--params",
                "1e999999",
                "--tokens",
                "1e12",
                "--gpu",
                "H100",
                "--mfu",
                "0.4",
            ],
            "--params must be from 0 to",
        ),
        (
            [
                "training",
                "estimate",
                "--params",
                "7e10",
                "--tokens",
                "1e12",
                "--gpu",
                "H100",
                "--mfu",
                "1e-999999",
            ],
            "--mfu 1e-999999 has 999999 decimal places",
        ),
        (["diff", "@bundled", "@bundled", "--fail-on", "any", "--threshold", HUGE], "--threshold"),
    ],
)
def test_other_commands_refuse_magnitudes(run: Run, argv: list[str], expected: str) -> None:
    seconds, result = timed(run, argv)
    line = one_error(*result)
    assert expected in line
    assert seconds < 5


def test_a_price_too_fine_is_refused_in_history(run: Run) -> None:
    path = RANGES / "tiny_history.yaml"
    line = one_error(*run(["history", "m1", "--prices", path]))
    assert line.startswith(f"error: {path}:9:9: `input` 1E-999999 has 999999 decimal places")


def test_a_free_period_before_another_has_no_percent_change(run: Run) -> None:
    code, out, err = run(["history", "m1", "--prices", SHEET, "-f", "json"])
    assert code == 0, err
    periods = json.loads(out)["model"]["periods"]
    # 0 -> 0 has no change; 0 -> 2 has no percent (a rise from nothing); outputs are unchanged
    assert [p["tiers"][0]["input"] for p in periods] == ["0", "0", "2"]
    assert "Traceback" not in err


# -- finding 3: dates are within 1970-01-01 .. 2999-12-31 ------------------------------------------


def test_a_date_past_the_range_names_the_field(run: Run) -> None:
    path = RANGES / "far_retired.yaml"
    line = one_error(*run(["estimate", "-i", "1", "-o", "1", "--prices", path]))
    assert line.startswith(f"error: {path}:7:5: `retired` 9999-12-31T23:00:00-05:00 is outside")
    assert "from 1970-01-01 to 2999-12-31" in line
    code, out, _ = run(["validate", path])
    assert code == 1 and f"{path}:7:5: error: `retired`" in out


@pytest.mark.parametrize("as_of", ["9999-12-31T23:00:00-05:00", "1969-12-31", "3000-01-01"])
def test_as_of_outside_the_range(run: Run, as_of: str) -> None:
    line = one_error(*run(["estimate", "-i", "1", "-o", "1", "--prices", SHEET, "--as-of", as_of]))
    assert line.startswith(f"error: --as-of {as_of[:10]}")
    assert "from 1970-01-01 to 2999-12-31" in line


def test_the_last_moment_of_the_range_is_accepted(run: Run) -> None:
    argv = ["estimate", "-i", "1", "-o", "1", "--prices", SHEET, "--as-of", "2999-12-31T23:59Z"]
    code, _, err = run(argv)
    assert code == 0, err


# -- finding 6: a key in the wrong place says where it belongs --------------------------------------


def test_until_in_a_tier_belongs_to_a_history_period(run: Run) -> None:
    path = RANGES / "until_in_tier.yaml"
    code, out, _ = run(["validate", path])
    assert code == 1
    assert (
        f"{path}:6:9: error: unknown key 'until' in a tier; `until` belongs to a history period, "
        "not a tier"
    ) in out
    assert "did you mean 'until'" not in out


# -- finding 7: an unknown option gets a sensible suggestion ----------------------------------------


def test_an_unknown_option_suggests_only_close_names(run: Run) -> None:
    line = one_error(*run(["models", "--top", "3"]))
    assert "--per" not in line
    assert "no such option: --top; it is an option of `aicost estimate`" in line
    line = one_error(*run(["estimate", "--budgte", "5", "-i", "1", "-o", "1"]))
    assert "did you mean --budget?" in line


# -- finding 5: the schemas carry the ranges, numeric defaults and descriptions ---------------------


def _fields(schema: dict[str, object]) -> list[tuple[str, str, dict[str, object]]]:
    defs = schema["$defs"]
    assert isinstance(defs, dict)
    return [(m, k, v) for m, body in defs.items() for k, v in body["properties"].items()]


@pytest.mark.parametrize("kind", ["sheet", "workload"])
def test_every_schema_field_has_a_description(run: Run, kind: str) -> None:
    schema = json.loads(run(["schema", kind])[1])
    missing = [f"{m}.{k}" for m, k, v in _fields(schema) if not v.get("description")]
    assert missing == []


def test_workload_defaults_are_numbers_and_counts_have_limits(run: Run) -> None:
    schema = json.loads(run(["schema", "workload"])[1])
    props = schema["$defs"]["WorkloadModel"]["properties"]
    assert props["batch_share"]["default"] == 0
    assert props["off_peak_share"]["default"] == 0
    assert props["requests"]["default"] == 1
    assert props["requests"]["anyOf"][0]["maximum"] == 10**15
    assert props["input_tokens"]["anyOf"][0]["maximum"] == 10**12
    assert props["batch_share"]["maximum"] == 1


# -- finding 4: the context is wide enough for every product of in-range values --------------------


def test_the_precision_covers_the_largest_product() -> None:
    # the worst estimate row, digit by digit (module docstring of model/limits.py)
    places = 12
    per_token = (limits.TOKENS.high * limits.PRICE.high) / 10**6  # per part, 18 decimals
    blended = per_token * 3 * limits.MULTIPLIER.high * limits.MULTIPLIER.high  # window, batch
    converted = blended * limits.FX_RATE.high
    total = converted * limits.REQUESTS.high * 730
    integer_digits = len(str(int(total)))
    decimals = (
        (places + 6) + places + places + 2 * places + places
    )  # rate, window, share, batch, fx
    assert integer_digits + decimals <= limits.PRECISION
    assert total.adjusted() < limits.EXPONENT


def _decimal(high: int, places: int = 12) -> st.SearchStrategy[Decimal]:
    scale = 10**places
    return st.one_of(
        st.sampled_from([Decimal(0), Decimal(high), Decimal(1).scaleb(-places)]),
        st.integers(0, high * scale).map(lambda n: Decimal(n).scaleb(-places)),
    )


def _round12(value: Fraction) -> Decimal:
    return Decimal(round(value * 10**12)).scaleb(-12)  # Fraction rounds half to even


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    input_rate=_decimal(10**9),
    cached_rate=_decimal(10**9),
    output_rate=_decimal(10**9),
    multiplier=_decimal(100),
    batch=_decimal(100),
    tokens=st.tuples(*(st.integers(0, 10**12) for _ in range(4))),
    requests=st.integers(0, 10**15),
    batch_share=_decimal(1),
    off_peak_share=_decimal(1),
    rates=st.tuples(_decimal(10**9).filter(bool), _decimal(10**9).filter(bool)),
    per=st.sampled_from(["once", "hour", "day", "month"]),
)
def test_in_range_extremes_price_exactly(
    input_rate: Decimal,
    cached_rate: Decimal,
    output_rate: Decimal,
    multiplier: Decimal,
    batch: Decimal,
    tokens: tuple[int, int, int, int],
    requests: int,
    batch_share: Decimal,
    off_peak_share: Decimal,
    rates: tuple[Decimal, Decimal],
    per: str,
) -> None:
    prompt, cached, output, reasoning = tokens
    cached = min(cached, prompt)
    text = (
        "provider: p\ncurrency: USD\nmodels:\n  m:\n"
        f"    input: {input_rate:f}\n    cached_input: {cached_rate:f}\n    output: {output_rate:f}\n"
        f"    batch_multiplier: {batch:f}\n"
        f"    windows:\n      - name: night\n        multiplier: {multiplier:f}\n"
    )
    sheet = load_text(text, "p.yaml").sheet
    assert sheet is not None
    model = sheet.models[0]
    workload = Workload(
        "w",
        Request(prompt, cached, 0, output, reasoning),
        requests,
        per,
        batch_share,
        off_peak_share,
    )
    with localcontext(Context(prec=5)):  # the engine must not depend on the caller's context
        row = price_workload(model, model.current, workload, rates)

    f = Fraction
    parts = [
        f(prompt - cached) * f(input_rate),
        f(cached) * f(cached_rate),
        f(0),
        f(output + reasoning) * f(output_rate),
    ]
    off, share = f(off_peak_share), f(batch_share)
    factor = (1 - off + off * f(multiplier)) * (1 - share + share * f(batch))
    convert = f(rates[0]) / f(rates[1])
    per_request = sum(parts) * factor * convert / 10**6
    total = per_request * requests
    month = {"once": None, "hour": total * 730, "day": total * 730 / 24, "month": total}[per]
    assert _round12(f(row.per_request)) == _round12(per_request)
    assert _round12(f(row.total)) == _round12(total)
    if month is None:
        assert row.monthly is None
    else:
        assert row.monthly is not None and _round12(f(row.monthly)) == _round12(month)
