"""`aicost diff --fail-on`: every change that raises (or cuts) a bill trips the gate, not only a
price field that both sides state; an unknown `--currency` is bad input with or without workloads.

Percents are worked out by hand from the sheets written here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import DATA, Run

BASE = DATA / "review" / "base.yaml"
TEXT = BASE.read_text()
WORKLOADS = DATA / "review" / "workloads.yaml"
GATE = ("--fail-on", "increase", "--threshold")

# flat-1 (input 2.00, cached_input 0.50, output 10.00) becomes two tiers; prompts above 128,000
# tokens pay 100 times the old flat rate: (1000.00 - 10.00) / 10.00 = +9,900%
TIERED = TEXT.replace(
    "    input: 2.00\n    cached_input: 0.50\n    output: 10.00\n",
    "    tiers:\n"
    "      - {up_to: 128000, input: 2.00, cached_input: 0.50, output: 10.00}\n"
    "      - {input: 200.00, cached_input: 50.00, output: 1000.00}\n",
)
# cached_input removed: cached tokens bill at the input rate, 0.50 -> 2.00 = +300%
UNCACHED = TEXT.replace("    cached_input: 0.50\n", "")


def sheet(tmp_path: Path, text: str, name: str = "new.yaml") -> Path:
    assert text != TEXT
    path = tmp_path / name
    path.write_text(text)
    return path


def test_flat_prices_turned_into_tiers(tmp_path: Path, run: Run) -> None:
    new = sheet(tmp_path, TIERED)
    code, out, err = run(["diff", BASE, new, "-f", "json", *GATE, "10"])
    assert code == 1
    assert json.loads(out)["changes"]  # the data is still printed whole
    assert "fail-on increase: 1 effective rate(s) above 10%:" in err
    assert (
        "acme/flat-1: input billed at 2.0000 -> 200.0000 USD per 1M "
        "(prompts of 128,001+ tokens) (+9,900.0%)"
    ) in err
    assert run(["diff", BASE, new, *GATE, "9899.9"])[0] == 1
    assert run(["diff", BASE, new, *GATE, "9900"])[0] == 0  # exactly +9,900%: not above
    assert run(["diff", BASE, new, "--fail-on", "decrease"])[0] == 0


def test_cached_input_removed(tmp_path: Path, run: Run) -> None:
    new = sheet(tmp_path, UNCACHED)
    code, _, err = run(["diff", BASE, new, *GATE, "10"])
    assert code == 1
    assert "acme/flat-1: cached_input billed at 0.5000 -> 2.0000 USD per 1M" in err
    assert "(+300.0%)" in err
    assert run(["diff", BASE, new, *GATE, "300"])[0] == 0


def test_cached_input_removed_workload_bill(tmp_path: Path, run: Run) -> None:
    # chat (pinned to flat-1): 2,000 input of which 1,000 cached, 500 output, 1,000 a day.
    # Per request before: (1000 x 2.00 + 1000 x 0.50 + 500 x 10.00) / 1M = 0.0075
    # after: (2000 x 2.00 + 500 x 10.00) / 1M = 0.009 -> +20%.
    # A month: 0.0075 x 1000 x 730 / 24 = 228.125 -> 273.75.
    new = sheet(tmp_path, UNCACHED)
    args = ["diff", BASE, new, "-w", WORKLOADS, "--as-of", "2026-11-28", *GATE]
    code, _, err = run([*args, "10"])
    assert code == 1
    assert "fail-on increase: 1 workload(s) above 10%:" in err
    assert "workload chat on acme/flat-1: monthly 228.12 -> 273.75 USD (+20.0%)" in err
    # the bill moves 20%, the cached rate 300%: both must stay under the threshold to pass
    code, _, err = run([*args, "20"])
    assert code == 1 and "workload(s)" not in err and "(+300.0%)" in err
    assert run([*args, "300"])[0] == 0


def currency_dirs(tmp_path: Path, new_sheet: str) -> tuple[Path, Path]:
    old_dir, new_dir = tmp_path / "old", tmp_path / "new"
    fx = "fx:\n  base: USD\n  date: 2026-10-30\n  rates: {CNY: 8}\n"
    for folder, text in (
        (old_dir, "provider: acme\ncurrency: USD\nmodels:\n  m1: {input: 2.00, output: 10.00}\n"),
        (new_dir, new_sheet),
    ):
        folder.mkdir()
        (folder / "fx.yaml").write_text(fx)
        (folder / "acme.yaml").write_text(text)
    return old_dir, new_dir


def test_currency_switch_compared_through_fx(tmp_path: Path, run: Run) -> None:
    # USD 10.00 at 8 CNY per USD is CNY 80.00; the new sheet says 89.36: (89.36 - 80) / 80 = +11.7%.
    # Input: USD 2.00 = CNY 16.00, unchanged.
    old_dir, new_dir = currency_dirs(
        tmp_path, "provider: acme\ncurrency: CNY\nmodels:\n  m1: {input: 16.00, output: 89.36}\n"
    )
    code, _, err = run(["diff", old_dir, new_dir, *GATE, "10"])
    assert code == 1
    assert "acme/m1: output billed at 80.0000 -> 89.3600 CNY per 1M" in err
    assert "(+11.7%)" in err
    assert "input billed" not in err
    assert run(["diff", old_dir, new_dir, *GATE, "11.7"])[0] == 0
    assert run(["diff", old_dir, new_dir, *GATE, "12"])[0] == 0
    assert run(["diff", old_dir, new_dir, "--fail-on", "decrease"])[0] == 0


def test_currency_switch_that_is_a_cut(tmp_path: Path, run: Run) -> None:
    # CNY 72.00 against CNY 80.00: -10%
    old_dir, new_dir = currency_dirs(
        tmp_path, "provider: acme\ncurrency: CNY\nmodels:\n  m1: {input: 16.00, output: 72.00}\n"
    )
    assert run(["diff", old_dir, new_dir, "--fail-on", "increase"])[0] == 0
    assert run(["diff", old_dir, new_dir, "--fail-on", "decrease", "--threshold", "9.9"])[0] == 1
    assert run(["diff", old_dir, new_dir, "--fail-on", "decrease", "--threshold", "10"])[0] == 0


def test_currency_switch_without_a_rate_cannot_be_gated(tmp_path: Path, run: Run) -> None:
    old_dir, new_dir = currency_dirs(
        tmp_path, "provider: acme\ncurrency: JPY\nmodels:\n  m1: {input: 300, output: 1500}\n"
    )
    code, out, err = run(["diff", old_dir, new_dir, "--fail-on", "increase"])
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert err.startswith("error: cannot gate on prices of acme: its sheet switched currency")
    assert "USD -> JPY" in err and "no exchange rate for JPY" in err
    # removals need no prices, and without a gate the diff is printed as before
    assert run(["diff", old_dir, new_dir, "--fail-on", "removal"])[0] == 0
    assert run(["diff", old_dir, new_dir])[0] == 0


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        # tiered-1 pays 2.00 input above its bound; prompts of 100,001-200,000 tokens move up
        (
            "{up_to: 200000, input: 1.00",
            "{up_to: 100000, input: 1.00",
            "acme/tiered-1: input billed at 1.0000 -> 2.0000 USD per 1M "
            "(prompts of 100,001-200,000 tokens) (+100.0%)",
        ),
        # the sheet-wide batch price (x0.5) dropped: batched tokens pay list price
        ("batch_multiplier: 0.5\n", "", "(prompts of 0+ tokens, batch) (+100.0%)"),
        # flat-1's weekend window (x0.5) dropped: Saturday pays list price again
        (
            "    windows:\n      - name: off-peak\n        days: [sat, sun]\n"
            "        multiplier: 0.5\n",
            "",
            "acme/flat-1: input billed at 1.0000 -> 2.0000 USD per 1M "
            "(prompts of 0+ tokens, at sat 00:00 UTC) (+100.0%)",
        ),
    ],
)
def test_other_changes_that_raise_a_bill(
    tmp_path: Path, run: Run, old: str, new: str, line: str
) -> None:
    assert old in TEXT
    changed = sheet(tmp_path, TEXT.replace(old, new, 1))
    code, _, err = run(["diff", BASE, changed, *GATE, "99.9"])
    assert code == 1
    assert line in err
    assert run(["diff", BASE, changed, *GATE, "100"])[0] == 0


def test_field_change_is_reported_once(tmp_path: Path, run: Run) -> None:
    # output 10.00 -> 12.00 is a field change; its effective rate is not listed a second time
    changed = sheet(tmp_path, TEXT.replace("    output: 10.00\n", "    output: 12.00\n"))
    code, _, err = run(["diff", BASE, changed, *GATE, "10"])
    assert code == 1
    assert "1 change(s) above 10%" in err
    assert "effective rate" not in err


def test_pinned_model_removed_trips_removal_through_workload(tmp_path: Path, run: Run) -> None:
    removed = TEXT[: TEXT.index("  flat-1:\n")] + TEXT[TEXT.index("  tiered-1:\n") :]
    changed = sheet(tmp_path, removed)
    code, _, err = run(
        ["diff", BASE, changed, "-w", WORKLOADS, "--as-of", "2026-11-28", "--fail-on", "removal"]
    )
    assert code == 1
    assert "workload chat on acme/flat-1: monthly 228.12 -> no price USD" in err


@pytest.mark.parametrize("workload", [False, True])
def test_unknown_currency_is_bad_input(run: Run, workload: bool) -> None:
    extra = ["-w", WORKLOADS] if workload else []
    code, out, err = run(["diff", BASE, BASE, "--currency", "XYZ", *extra])
    assert (code, out) == (2, "")
    assert err.startswith("error: unknown currency 'XYZ'")
    assert err.count("\n") == 1
