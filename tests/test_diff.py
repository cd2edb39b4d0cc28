"""`aicost diff`: every change kind, gates at and around the threshold, workload impact, git sources."""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from aicost.engine.diffing import CatalogDiff, Change, diff_catalogs
from aicost.sheets.sources import load_catalog
from conftest import DATA, Run

BASE = DATA / "review" / "base.yaml"
WORKLOADS = DATA / "review" / "workloads.yaml"
TEXT = BASE.read_text()


def variant(tmp_path: Path, *edits: tuple[str, str], name: str = "new.yaml") -> Path:
    text = TEXT
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / name
    path.write_text(text)
    return path


def changes(tmp_path: Path, *edits: tuple[str, str]) -> list[Change]:
    new = variant(tmp_path, *edits)
    return diff_catalogs(load_catalog([str(BASE)]), load_catalog([str(new)]))


def rows(found: list[Change]) -> list[tuple[object, ...]]:
    return [(c.model, c.path, c.kind, c.old, c.new, c.delta, c.percent) for c in found]


FLAT_OUTPUT = ("    output: 10.00\n", "    output: 12.00\n")


def test_identical_catalogs_have_no_changes() -> None:
    assert diff_catalogs(load_catalog([str(BASE)]), load_catalog([str(BASE)])) == []


def test_price_increase(tmp_path: Path) -> None:
    assert rows(changes(tmp_path, FLAT_OUTPUT)) == [
        (
            "flat-1",
            "output",
            "changed",
            Decimal("10.00"),
            Decimal("12.00"),
            Decimal("2.00"),
            Decimal(20),
        ),
    ]


def test_price_decrease(tmp_path: Path) -> None:
    found = changes(tmp_path, ("    input: 2.00\n", "    input: 1.50\n"))
    assert rows(found) == [
        (
            "flat-1",
            "input",
            "changed",
            Decimal("2.00"),
            Decimal("1.50"),
            Decimal("-0.50"),
            Decimal(-25),
        ),
    ]


def test_tier_added(tmp_path: Path) -> None:
    found = changes(
        tmp_path,
        (
            "      - {input: 2.00, output: 8.00}\n",
            "      - {up_to: 1000000, input: 2.00, output: 8.00}\n      - {input: 3.00, output: 12.00}\n",
        ),
    )
    assert [(c.path, c.kind, c.old, c.new) for c in found] == [
        ("tiers[1].up_to", "added", None, Decimal(1000000)),
        ("tiers[2]", "added", None, "and above: input 3.00, output 12.00"),
    ]


def test_tier_removed(tmp_path: Path) -> None:
    found = changes(tmp_path, ("      - {up_to: 200000, input: 1.00, output: 4.00}\n", ""))
    assert [(c.path, c.kind) for c in found] == [
        ("tiers[0].up_to", "removed"),
        ("tiers[0].input", "changed"),
        ("tiers[0].output", "changed"),
        ("tiers[1]", "removed"),
    ]


def test_tier_price_changed(tmp_path: Path) -> None:
    found = changes(tmp_path, ("{input: 2.00, output: 8.00}", "{input: 2.00, output: 9.00}"))
    assert rows(found) == [
        (
            "tiered-1",
            "tiers[1].output",
            "changed",
            Decimal("8.00"),
            Decimal("9.00"),
            Decimal("1.00"),
            Decimal("12.5"),
        ),
    ]


def test_history_period_added_with_new_price(tmp_path: Path) -> None:
    found = changes(
        tmp_path,
        (
            "    input: 0.30\n    output: 1.20\n    history:\n",
            "    input: 0.24\n    output: 1.20\n    history:\n"
            "      - until: 2026-11-01\n        input: 0.30\n        output: 1.20\n",
        ),
    )
    assert rows(found) == [
        (
            "hist-1",
            "input",
            "changed",
            Decimal("0.30"),
            Decimal("0.24"),
            Decimal("-0.06"),
            Decimal(-20),
        ),
        ("hist-1", "history[0]", "added", None, "until 2026-11-01", None, None),
    ]


def test_history_period_price_rewritten(tmp_path: Path) -> None:
    found = changes(tmp_path, ("        input: 0.40\n", "        input: 0.45\n"))
    assert [(c.path, c.old, c.new) for c in found] == [
        ("history[0].input", Decimal("0.40"), Decimal("0.45"))
    ]


def test_model_added_removed_and_retired(tmp_path: Path) -> None:
    added = changes(
        tmp_path,
        ("models:\n", "models:\n  new-1:\n    name: New One\n    input: 1\n    output: 2\n"),
    )
    assert rows(added) == [("new-1", None, "added", None, "New One", None, None)]
    removed = changes(tmp_path, ("  old-1:\n    input: 1.00\n    output: 1.00\n", ""))
    assert rows(removed) == [("old-1", None, "removed", "old-1", None, None, None)]
    retired = changes(tmp_path, ("  old-1:\n", "  old-1:\n    retired: 2026-12-01\n"))
    assert rows(retired) == [("old-1", "retired", "added", None, "2026-12-01", None, None)]


def test_alias_changed(tmp_path: Path) -> None:
    found = changes(tmp_path, ("[flat-one]", "[flat-one, flat-uno]"))
    assert rows(found) == [
        ("flat-1", "aliases", "changed", "flat-one", "flat-one, flat-uno", None, None)
    ]


def test_metadata(tmp_path: Path) -> None:
    found = changes(
        tmp_path,
        ("checked: 2026-11-01", "checked: 2026-11-20"),
        ("source: https://example.com/pricing", "source: https://example.com/prices"),
        ("context_window: 128000", "context_window: 200000"),
    )
    assert rows(found) == [
        (
            None,
            "source",
            "changed",
            "https://example.com/pricing",
            "https://example.com/prices",
            None,
            None,
        ),
        (None, "checked", "changed", "2026-11-01", "2026-11-20", None, None),
        (
            "flat-1",
            "context_window",
            "changed",
            Decimal(128000),
            Decimal(200000),
            Decimal(72000),
            Decimal("56.25"),
        ),
    ]


def test_window_batch_and_claim(tmp_path: Path) -> None:
    found = changes(
        tmp_path,
        ("        multiplier: 0.5", "        multiplier: 0.4"),
        ("batch_multiplier: 0.5", "batch_multiplier: 0.6"),
        ("claim: 1000000", "claim: 1200000"),
    )
    # the sheet-wide batch multiplier is one provider-level change, not one per model
    assert [(c.model, c.path, c.old, c.new) for c in found] == [
        (None, "batch_multiplier", Decimal("0.5"), Decimal("0.6")),
        (None, "training_claims[Acme-1].claim", Decimal(1000000), Decimal(1200000)),
        ("flat-1", "windows[0].multiplier", Decimal("0.5"), Decimal("0.4")),
    ]


def test_currency_change_has_no_percent(tmp_path: Path) -> None:
    found = changes(tmp_path, ("currency: USD", "currency: CNY"), FLAT_OUTPUT)
    assert [(c.path, c.old, c.new, c.delta, c.percent) for c in found] == [
        ("currency", "USD", "CNY", None, None),
        ("training_claims[Acme-1].currency", "USD", "CNY", None, None),  # claims default to it
        ("output", Decimal("10.00"), Decimal("12.00"), None, None),
    ]


def test_provider_added_and_removed(tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text("provider: zeta\ncurrency: USD\nmodels:\n  z1: {input: 1, output: 1}\n")
    found = diff_catalogs(load_catalog([str(BASE)]), load_catalog([str(other)]))
    assert [(c.provider, c.model, c.path, c.kind) for c in found] == [
        ("acme", None, None, "removed"),
        ("zeta", None, None, "added"),
    ]


# -- gates -----------------------------------------------------------------------------------------


def gate(tmp_path: Path, run: Run, edit: tuple[str, str], *flags: str) -> int:
    new = variant(tmp_path, edit)
    code, _, _ = run(["diff", BASE, new, "-f", "json", *flags])
    return code


@pytest.mark.parametrize(
    ("output", "threshold", "expected"),
    [
        ("11.00", "10", 0),  # exactly +10%: not above the threshold
        ("11.00", "9.99", 1),
        ("11.01", "10", 1),  # +10.1%
        ("10.99", "10", 0),
        ("11.00", "10%", 0),
    ],
)
def test_fail_on_increase_threshold(
    tmp_path: Path, run: Run, output: str, threshold: str, expected: int
) -> None:
    edit = ("    output: 10.00\n", f"    output: {output}\n")
    assert gate(tmp_path, run, edit, "--fail-on", "increase", "--threshold", threshold) == expected


def test_fail_on_decrease_and_direction(tmp_path: Path, run: Run) -> None:
    down = ("    output: 10.00\n", "    output: 8.00\n")  # -20%
    assert gate(tmp_path, run, down, "--fail-on", "increase") == 0
    assert gate(tmp_path, run, down, "--fail-on", "decrease", "--threshold", "20") == 0
    assert gate(tmp_path, run, down, "--fail-on", "decrease", "--threshold", "19.9") == 1
    assert gate(tmp_path, run, down, "--fail-on", "any", "--threshold", "19.9") == 1
    assert gate(tmp_path, run, down, "--fail-on", "removal") == 0


def test_fail_on_removal(tmp_path: Path, run: Run) -> None:
    removal = ("  old-1:\n    input: 1.00\n    output: 1.00\n", "")
    assert gate(tmp_path, run, removal, "--fail-on", "removal") == 1
    assert gate(tmp_path, run, removal, "--fail-on", "removal", "--threshold", "50") == 1
    assert gate(tmp_path, run, removal, "--fail-on", "increase") == 0


def test_gate_message_on_stderr(tmp_path: Path, run: Run) -> None:
    new = variant(tmp_path, FLAT_OUTPUT)
    code, out, err = run(
        ["diff", BASE, new, "-f", "json", "--fail-on", "increase", "--threshold", "10"]
    )
    assert code == 1
    assert json.loads(out)["changes"][0]["percent"] == "20"
    assert "fail-on increase: 1 change(s) above 10%" in err
    assert "acme/flat-1/output: changed (+20.0%)" in err


def test_metadata_change_does_not_trip_price_gates(tmp_path: Path, run: Run) -> None:
    edit = ("context_window: 128000", "context_window: 200000")
    assert gate(tmp_path, run, edit, "--fail-on", "increase") == 0
    assert gate(tmp_path, run, edit, "--exit-code") == 1


def test_exit_code(tmp_path: Path, run: Run) -> None:
    assert gate(tmp_path, run, FLAT_OUTPUT, "--exit-code") == 1
    code, out, err = run(["diff", BASE, BASE, "--exit-code"])
    assert (code, out, err) == (0, "no changes\n", "")


def test_threshold_needs_fail_on(tmp_path: Path, run: Run) -> None:
    code, out, err = run(["diff", BASE, BASE, "--threshold", "5"])
    assert code == 2 and out == ""
    assert "--threshold needs --fail-on" in err


# -- output ----------------------------------------------------------------------------------------


def test_no_changes_in_every_format(run: Run) -> None:
    assert run(["diff", BASE, BASE])[:2] == (0, "no changes\n")
    code, out, _ = run(["diff", BASE, BASE, "-f", "markdown"])
    assert code == 0
    assert out.startswith("<!-- aicost-diff -->\n") and "no changes" in out
    data = json.loads(run(["diff", BASE, BASE, "-f", "json"])[1])
    assert (data["kind"], data["changes"], data["impact"]) == ("diff", [], [])
    assert (
        run(["diff", BASE, BASE, "-f", "csv"])[1]
        == "provider,model,path,kind,old,new,delta,percent,currency\n"
    )


def test_table_groups_by_provider(tmp_path: Path, run: Run) -> None:
    new = variant(tmp_path, FLAT_OUTPUT, ("    input: 2.00\n", "    input: 1.50\n"))
    code, out, err = run(["diff", BASE, new])
    assert code == 0 and err == ""
    assert out.splitlines()[0].strip() == "Acme AI (acme)"
    assert "$10.00 -> $12.00" in out and "+$2.00" in out and "+20.0%" in out
    assert "$2.00 -> $1.50" in out and "-$0.50" in out and "-25.0%" in out
    assert "2 change(s) in 1 provider(s): 1 price increase(s), 1 price decrease(s)" in out


def test_json_and_csv_rows(tmp_path: Path, run: Run) -> None:
    new = variant(tmp_path, FLAT_OUTPUT)
    data = json.loads(run(["diff", BASE, new, "-f", "json"])[1])
    assert data["changes"] == [
        {
            "provider": "acme",
            "model": "flat-1",
            "path": "output",
            "kind": "changed",
            "old": "10",
            "new": "12",
            "delta": "2",
            "percent": "20",
            "currency": "USD",
        }
    ]
    csv = run(["diff", BASE, new, "-f", "csv"])[1]
    assert csv.splitlines()[1] == "acme,flat-1,output,changed,10,12,2,20,USD"


def test_markdown_is_truncated_under_github_limit(tmp_path: Path, run: Run) -> None:
    models = "".join(f"  model-{i:04d}: {{input: 1, output: 1}}\n" for i in range(3000))
    old = tmp_path / "old.yaml"
    old.write_text("provider: big\ncurrency: USD\nmodels:\n" + models)
    new = tmp_path / "new.yaml"
    new.write_text(
        "provider: big\ncurrency: USD\nmodels:\n" + models.replace("output: 1}", "output: 2}")
    )
    code, out, _ = run(["diff", old, new, "-f", "markdown"])
    assert code == 0
    assert out.startswith("<!-- aicost-diff -->")
    assert len(out) < 65_536
    assert "3000 change(s) in 1 provider(s): 3000 price increase(s)" in out
    assert "more row(s) not shown" in out


def test_summary_appends_markdown(
    tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    new = variant(tmp_path, FLAT_OUTPUT)
    code, out, _ = run(["diff", BASE, new, "-f", "json", "--summary"])
    assert code == 0 and out.startswith("{")
    text = summary.read_text()
    assert text.startswith("earlier step\n<!-- aicost-diff -->")
    assert "| acme | flat-1 | output | $10.00 -> $12.00 | +$2.00 | +20.0% |" in text


# -- workload impact -------------------------------------------------------------------------------


def test_workload_impact_hand_computed(tmp_path: Path, run: Run) -> None:
    new = variant(
        tmp_path, FLAT_OUTPUT, ("{input: 2.00, output: 8.00}", "{input: 2.50, output: 8.00}")
    )
    code, out, err = run(
        ["diff", BASE, new, "-w", WORKLOADS, "-f", "json", "--as-of", "2026-11-28"]
    )
    assert code == 0, err
    impact = {(r["workload"], r["model"]): r for r in json.loads(out)["impact"]}
    # chat, 1000/day on flat-1: 1000 uncached x 2.00 + 1000 cached x 0.50 + 500 out x 10.00 per 1M
    # = 0.0075 per request -> 7.5/day -> x 730 / 24 = 228.125 a month; output at 12.00: 8.5/day
    chat = impact[("chat", "flat-1")]
    assert chat["old_monthly"] == "228.125"
    assert chat["new_monthly"] == "258.541666666667"  # 6205 / 24
    assert chat["delta"] == "30.416666666667"  # 730 / 24
    assert chat["percent"] == "13.333333333333"
    # batch-job, 10/hour of 300k in (above tiered-1's 200k bound) and 1k out:
    # tier 2 at 2.00/8.00: 0.6 + 0.008 = 0.608 x 10 x 730 = 4438.4; at 2.50: 0.758 -> 5533.4
    batch = impact[("batch-job", "tiered-1")]
    assert (batch["old_monthly"], batch["new_monthly"], batch["delta"]) == (
        "4438.4",
        "5533.4",
        "1095",
    )
    # flat-1 for batch-job: 0.6 + 1000 x 10 / 1M = 0.61 -> 4453; at 12.00: 0.612 -> 4467.6
    flat = impact[("batch-job", "flat-1")]
    assert (flat["old_monthly"], flat["new_monthly"], flat["delta"]) == ("4453", "4467.6", "14.6")
    assert set(impact) == {("chat", "flat-1"), ("batch-job", "tiered-1"), ("batch-job", "flat-1")}


def test_workload_impact_in_markdown(tmp_path: Path, run: Run) -> None:
    new = variant(tmp_path, FLAT_OUTPUT)
    out = run(["diff", BASE, new, "-w", WORKLOADS, "-f", "markdown", "--as-of", "2026-11-28"])[1]
    # 228.125 rounds half-even to 228.12
    assert "| chat | acme/flat-1 | $228.12 | $258.54 | +$30.42 | +13.3% |" in out


def test_added_model_impact_has_no_old_cost(tmp_path: Path, run: Run) -> None:
    new = variant(tmp_path, ("models:\n", "models:\n  new-1:\n    input: 1\n    output: 2\n"))
    out = run(["diff", BASE, new, "-w", WORKLOADS, "-f", "json", "--as-of", "2026-11-28"])[1]
    rows = json.loads(out)["impact"]
    # batch-job on new-1: 300000 x 1 + 1000 x 2 per 1M = 0.302 x 10 x 730 = 2204.6
    assert [r for r in rows if r["model"] == "new-1"] == [
        {
            "workload": "batch-job",
            "provider": "acme",
            "model": "new-1",
            "currency": "USD",
            "old_monthly": None,
            "new_monthly": "2204.6",
            "delta": None,
            "percent": None,
        }
    ]


def test_different_currencies_without_a_rate(tmp_path: Path, run: Run) -> None:
    old_dir, new_dir = tmp_path / "old", tmp_path / "new"
    old_dir.mkdir()
    new_dir.mkdir()
    fx = "fx:\n  base: USD\n  date: 2026-10-30\n  rates: {EUR: 0.9}\n"
    for folder in (old_dir, new_dir):
        (folder / "fx.yaml").write_text(fx)
    (old_dir / "acme.yaml").write_text(TEXT)
    (new_dir / "acme.yaml").write_text(TEXT.replace("currency: USD", "currency: CNY"))
    code, out, err = run(["diff", old_dir, new_dir, "-w", WORKLOADS, "--as-of", "2026-11-28"])
    assert code == 2 and out == ""
    assert err.startswith(
        "error: cannot price workload 'chat' on acme/flat-1 in USD: no exchange rate for CNY"
    )
    # without --workload the diff itself still works and names the currency change
    code, out, err = run(["diff", old_dir, new_dir, "-f", "json"])
    assert code == 0
    assert json.loads(out)["changes"][0]["path"] == "currency"


# -- REV:PATH ---------------------------------------------------------------------------------------


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def repo(tmp_path: Path, git_env: None, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository with prices/acme.yaml committed twice (output 10.00, then 12.00)."""
    root = tmp_path / "repo"
    (root / "prices").mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / "prices" / "acme.yaml").write_text(TEXT)
    git(root, "add", "prices")
    git(root, "commit", "-q", "-m", "prices")
    (root / "prices" / "acme.yaml").write_text(
        TEXT.replace("    output: 10.00\n", "    output: 12.00\n")
    )
    git(root, "commit", "-q", "-am", "raise flat-1 output")
    monkeypatch.chdir(root)
    return root


def test_rev_path_directory_and_file(repo: Path, run: Run) -> None:
    for old in ("HEAD~1:prices", "HEAD~1:prices/acme.yaml", "main~1:prices/"):
        code, out, err = run(["diff", old, "prices", "-f", "json"])
        assert code == 0, err
        data = json.loads(out)
        assert [(c["model"], c["path"], c["old"], c["new"]) for c in data["changes"]] == [
            ("flat-1", "output", "10", "12")
        ]
    code, out, _ = run(["diff", "HEAD:prices", "prices"])
    assert (code, out) == (0, "no changes\n")


def test_rev_path_sources_are_named(repo: Path, run: Run) -> None:
    data = json.loads(run(["diff", "HEAD~1:prices", "HEAD:prices", "-f", "json"])[1])
    assert data["old"] == "HEAD~1:prices"
    assert "HEAD:prices/acme.yaml" in [s["path"] for s in data["sources"]]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nosuchrev:prices", "error: nosuchrev:prices: unknown revision 'nosuchrev'"),
        ("HEAD~1:nothere", "error: HEAD~1:nothere: 'nothere' does not exist at revision HEAD~1"),
        ("HEAD~5:prices", "error: HEAD~5:prices: unknown revision 'HEAD~5'"),
        ("-c:prices", "error: -c:prices: a revision may not start with '-'"),
        ("--output=x:prices", "error: --output=x:prices: a revision may not start with '-'"),
    ],
)
def test_rev_path_bad_input(repo: Path, run: Run, spec: str, message: str) -> None:
    code, out, err = run(["diff", "--", spec, "prices"])
    assert (code, out) == (2, "")
    assert err.startswith(message)
    assert not (repo / "x").exists()


def test_rev_path_outside_a_repository(
    tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["diff", "HEAD:prices", str(BASE)])
    assert (code, out) == (2, "")
    assert "not a git repository" in err


def test_gate_result_is_data() -> None:
    change = Change(
        "p", "m", "input", "changed", Decimal(1), Decimal(2), Decimal(1), Decimal(100), "USD"
    )
    result = CatalogDiff((change,))
    assert result.gate("increase", Decimal(100)) == []
    assert result.gate("increase", Decimal("99.9")) == [change]
    assert result.gate("decrease") == []


def test_bundled_catalog_against_itself_is_empty(run: Run) -> None:
    bundled = load_catalog(["@bundled"])
    assert diff_catalogs(bundled, load_catalog(["@bundled"])) == []
    assert run(["diff", "@bundled", "@bundled", "--exit-code"])[:2] == (0, "no changes\n")
