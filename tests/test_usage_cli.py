"""`aicost usage price` and `compare` end to end, with a reader registered for the tests only
(tests/usage_test_reader.py as `--from test`). Expected amounts are priced by hand from
tests/data/usage/sheets/engine.yaml (see tests/test_usage_engine.py for its rates).

tests/data/usage/ucore/chat.jsonl holds:
1, 2  lab-chat 2026-03-03 12:00, 1000 in / 100 out, project a, reported 0.003 (line 2 repeats 1)
3     lab-chat 2026-03-03 16:30 (off-peak x0.5), 1000 in / 100 out, project b
4     lab-long 2026-03-04 12:00, 1001 in / 100 out (the top tier: 3 in, 6 out)
5     lab-chta (unknown), 5000 in / 10 out
6     a truncated line
"""

from __future__ import annotations

import io
import json
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from aicost.usage.readers import READERS
from conftest import DATA, Run

HERE = Path(__file__).parent
SHEETS = HERE / "data" / "usage" / "sheets"
CHAT = HERE / "data" / "usage" / "ucore" / "chat.jsonl"
M = Decimal(1_000_000)
NOON = (1_000 * Decimal(2) + 100 * Decimal(10)) / M  # lab-chat at list price
OFF_PEAK = NOON * Decimal("0.5")
LONG = (1_001 * Decimal(3) + 100 * Decimal(6)) / M


@pytest.fixture(autouse=True)
def _test_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(HERE))
    monkeypatch.setitem(READERS, "test", "usage_test_reader")


def usage(run: Run, *args: object) -> tuple[int, str, str]:
    return run(["usage", *args, "--prices", SHEETS])


def test_price_json_totals_and_coverage(run: Run) -> None:
    code, out, err = usage(run, "price", CHAT, "--from", "test", "-f", "json")
    assert code == 0
    data = json.loads(out)
    assert data["kind"] == "usage"
    assert Decimal(data["totals"]["total"]) == NOON + OFF_PEAK + LONG
    rows = {(r["provider"], r["model"]): Decimal(r["total"]) for r in data["rows"]}
    assert rows == {("lab", "lab-chat"): NOON + OFF_PEAK, ("lab", "lab-long"): LONG}
    coverage = data["coverage"]
    assert coverage["records_read"] == 5
    assert coverage["priced_records"] == 3
    assert coverage["unpriced_records"] == 1
    assert coverage["malformed"] == 1
    assert coverage["duplicates_dropped"] == 1
    assert coverage["unpriced"][0]["model"] == "lab-chta"
    assert coverage["unpriced"][0]["input_tokens"] == 5000
    names = [s["path"].rsplit("/", 1)[-1] for s in data["sources"]]
    assert names == ["engine.yaml", "fx.yaml", "real-anthropic.yaml", "real-openai.yaml"]
    assert f"{CHAT}:6: not a test record" in err
    assert "unknown model (did you mean lab/lab-chat?)" in err


def test_detection_by_content(run: Run) -> None:
    code, out, _ = usage(run, "price", CHAT, "-f", "json")
    assert code == 0
    assert Decimal(json.loads(out)["totals"]["total"]) == NOON + OFF_PEAK + LONG


def test_fail_on_unpriced_and_budget_gates(run: Run) -> None:
    assert usage(run, "price", CHAT, "-f", "json", "--fail-on-unpriced")[0] == 1
    total = NOON + OFF_PEAK + LONG  # 0.008103
    assert usage(run, "price", CHAT, "-f", "json", "--budget", "0.0081")[0] == 1
    code, _, err = usage(run, "price", CHAT, "-f", "json", "--budget", str(total))
    assert code == 0, err


def test_strict_makes_the_first_malformed_line_an_error(run: Run) -> None:
    code, out, err = usage(run, "price", CHAT, "--strict")
    assert code == 2
    assert out == ""
    assert err.startswith(f"error: {CHAT}:6: not a test record")
    assert err.count("\n") == 1


def test_per_request_csv_written_whole_and_never_clobbered(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "each.csv"
    code, _, err = usage(run, "price", CHAT, "-f", "json", "--per-request", out)
    assert code == 0, err
    lines = out.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]]
    # the duplicate is left out; the unknown model is there, without a cost
    assert [(r["model"], r["total"], r["unpriced"]) for r in rows] == [
        ("lab-chat", str(NOON), ""),
        ("lab-chat", str(OFF_PEAK), ""),
        ("lab-long", str(LONG), ""),
        ("lab-chta", "", "unknown model"),
    ]
    assert rows[1]["window"] == "off-peak"
    assert rows[2]["tier"] == "1"
    assert [p.name for p in tmp_path.iterdir()] == ["each.csv"]  # no temporary file left
    before = out.read_bytes()
    code, _, err = usage(run, "price", CHAT, "--per-request", out)
    assert code == 2
    assert "exists; nothing was written" in err and "--force" in err
    assert out.read_bytes() == before
    assert usage(run, "price", CHAT, "--per-request", out, "--force", "-f", "json")[0] == 0


def test_per_request_jsonl(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "each.jsonl"
    assert usage(run, "price", CHAT, "-f", "json", "--per-request", out)[0] == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["total"] for r in rows] == [str(NOON), str(OFF_PEAK), str(LONG), None]
    assert rows[0]["dims"] == {"project": "a"}


def test_by_day_shows_spend_over_time(run: Run) -> None:
    code, out, _ = usage(run, "price", CHAT, "--by", "day", "--no-color")
    assert code == 0
    # the bars: 0.003603 / 0.0045 x 24 cells x 8 = 153.7 -> 154 eighths = 19 cells and 2 eighths
    expected = """\
Spend over time · USD

 Day         Spend                         Total
 ───────────────────────────────────────────────
 2026-03-03  ████████████████████████  $0.004500
 2026-03-04  ███████████████████▎      $0.003603

Usage · USD

 Day         Records  Input tok  Output tok      Total
 ─────────────────────────────────────────────────────
 2026-03-03        2      2,000         200  $0.004500
 2026-03-04        1      1,001         100  $0.003603
 Total             3      3,001         300  $0.008103

Cost parts · USD

 Day             Input      Output      Total
 ────────────────────────────────────────────
 2026-03-03  $0.003000   $0.001500  $0.004500
 2026-03-04  $0.003003  $0.0006000  $0.003603
 Total       $0.006003   $0.002100  $0.008103

3 record(s) priced; 1 unpriced (never counted as zero; see stderr); 1 malformed, skipped; 1
duplicate(s) dropped
"""
    assert [line.rstrip() for line in out.splitlines()] == [
        line.rstrip() for line in expected.splitlines()
    ]


def test_reconcile_puts_the_reported_cost_beside_ours(run: Run) -> None:
    code, out, _ = usage(run, "price", CHAT, "--reconcile", "-f", "json", "--by", "project")
    assert code == 0
    rows = {r["project"]: r for r in json.loads(out)["rows"]}
    assert Decimal(rows["a"]["reported"]) == Decimal("0.003")
    assert Decimal(rows["a"]["total"]) == NOON
    assert rows["b"]["reported"] is None


def test_compare_on_two_targets_with_an_unpriced_count(run: Run) -> None:
    code, out, err = usage(
        run, "compare", CHAT, "-m", "lab-long", "-m", "lab-old", "--when", "record", "-f", "json"
    )
    assert code == 0, err
    rows = {r["target"]: r for r in json.loads(out)["rows"]}
    assert Decimal(rows[None]["total"]) == NOON + OFF_PEAK + LONG
    # lab-long: every record of a known model, and the unknown one too (its tokens are known)
    long_each = (1_000 * Decimal(1) + 100 * Decimal(2)) / M
    chta = (5_000 * Decimal(3) + 10 * Decimal(6)) / M
    assert Decimal(rows["lab/lab-long"]["total"]) == 2 * long_each + LONG + chta
    # lab-old was retired on 2026-02-01: nothing priced, four records counted
    assert Decimal(rows["lab/lab-old"]["total"]) == 0
    assert rows["lab/lab-old"]["records"] == 0
    assert rows["lab/lab-old"]["unpriced_records"] == 4
    assert "unpriced on lab/lab-old: 4 record(s)" in err


def test_compare_now_on_a_retired_model_is_an_error(run: Run) -> None:
    code, out, err = usage(run, "compare", CHAT, "-m", "lab-old")
    assert code == 2
    assert out == ""
    assert "lab/lab-old was retired on 2026-02-01" in err


def test_wrong_from_names_what_was_expected_and_found(run: Run, tmp_path: Path) -> None:
    table = tmp_path / "x.csv"
    table.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    code, out, err = usage(run, "price", table, "--from", "test")
    assert code == 2
    assert out == ""
    assert err == (
        f"error: {table}: not a aicost test usage JSONL (expected lines with "
        '"t":"usage-test"; found a CSV header: a,b,c) (check --from)\n'
    )


def test_unknown_layout_is_exit_2(run: Run, tmp_path: Path) -> None:
    table = tmp_path / "x.csv"
    table.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    code, _, err = usage(run, "price", table)
    assert code == 2
    # a CSV no reader knows is a generic log waiting for its mapping
    assert "needs --map (columns seen: a, b, c)" in err and err.count("\n") == 1


def test_directory_searched_recursively_other_files_skipped(run: Run, tmp_path: Path) -> None:
    (tmp_path / "deep" / "er").mkdir(parents=True)
    (tmp_path / "deep" / "er" / "chat.jsonl").write_bytes(CHAT.read_bytes())
    (tmp_path / "notes.txt").write_text("hello\n", encoding="utf-8")
    code, out, err = usage(run, "price", tmp_path, "-f", "json")
    assert code == 0
    assert Decimal(json.loads(out)["totals"]["total"]) == NOON + OFF_PEAK + LONG
    assert "skipped 1 file(s) that are not usage logs" in err


def test_stdin(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.TextIOWrapper(io.BytesIO(CHAT.read_bytes()), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stream)
    code, out, err = usage(run, "price", "-", "-f", "json")
    assert code == 0
    assert Decimal(json.loads(out)["totals"]["total"]) == NOON + OFF_PEAK + LONG
    assert "<stdin>:6: not a test record" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--engine", "hive"], "unknown --engine 'hive'"),
        (["--spark-master", "local[2]"], "--spark-master goes with --engine spark"),
        (["--as-of", "2026-01-01"], "--as-of does not apply"),
        (["--by", "dya"], "unknown --by key 'dya' (did you mean 'day'?)"),
        (["--from", "nope"], "unknown --from format 'nope'"),
        (["--until", "2026-01-01", "--since", "2026-02-01"], "is not after --since"),
        (["--per-request", "x.txt"], "unknown file type '.txt'"),
    ],
)
def test_bad_flags_are_one_error_line(run: Run, args: list[str], message: str) -> None:
    code, out, err = usage(run, "price", CHAT, *args)
    assert code == 2
    assert out == ""
    assert message in err
    assert err.count("\n") == 1 and err.startswith("error: ")


def test_csv_rows(run: Run) -> None:
    code, out, _ = usage(run, "price", CHAT, "-f", "csv")
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split(",")[:4] == ["provider", "model", "currency", "records"]
    assert len(rows) == 2


def test_markdown(run: Run) -> None:
    code, out, _ = usage(run, "price", CHAT, "-f", "markdown")
    assert code == 0
    assert out.startswith("**Usage** · USD\n\n| Model | Records |")


def test_csv_has_its_header_when_no_record_is_priced(run: Run, tmp_path: Path) -> None:
    """Found by hand: a log of only unknown models gave an empty CSV, not a header."""
    logs = DATA / "usage" / "claude-code"
    priced = run(["usage", "price", logs, "-f", "csv"])[1].splitlines()
    (tmp_path / "other.yaml").write_text(
        "provider: other\ncurrency: USD\nsource: x\nchecked: 2026-11-01\n"
        "models:\n  nothing-like-claude: {input: 1, output: 1}\n",
        encoding="utf-8",
    )
    code, out, _ = run(["usage", "price", logs, "-f", "csv", "--prices", tmp_path / "other.yaml"])
    assert code == 0
    assert out.splitlines() == [priced[0]]
    assert priced[0].startswith("provider,model,currency,records,")
