"""Launch dates: `since` from dated snapshot ids in the bundled sheets, and the chart's cheapest
model of a provider counting a model without a launch date only from its sheet's `checked` day.

Every expected number is worked out by hand from the sheets' rates.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from aicost.sheets.sources import load_catalog
from conftest import DATA, Run

LATE = DATA / "launch_dates" / "late.yaml"
UNCHECKED = DATA / "launch_dates" / "unchecked.yaml"
PRICES = Path(__file__).parent.parent / "prices"

# late.yaml, checked 2026-11-01; one request of 1M input + 1M output tokens:
#   old      from 2026-01-01: 2 + 8 = 10
#   undated  no since: 1 + 2 = 3
#   storied  no since on its oldest period: 0.5 + 0.5 = 1 until 2026-05-01, then 2 + 3 = 5
#   gone     no since, retired 2026-06-01: 0.1 + 0.1 = 0.2
# Priced wherever the sheet prices them, the cheapest would be gone (0.2) until 06-01, then
# undated (3). Counting undated models only from 2026-11-01: none before 01-01, old (10) from
# 01-01, and from 11-01 undated (3; storied is 5 then, gone has retired).
RANGE = ["--since", "2025-12-01", "--until", "2026-12-01"]


def _points(out: str) -> dict[str, list[tuple[str, str | None, str | None]]]:
    return {
        s["label"]: [(p["moment"], p["cost"], p["model"]) for p in s["points"]]
        for s in json.loads(out)["series"]
    }


def test_a_model_without_since_is_not_the_cheapest_before_its_sheet_was_checked(run: Run) -> None:
    code, out, err = run(["chart", "--prices", LATE, *RANGE, "-p", "late", "-f", "json"])
    assert code == 0, err
    assert _points(out) == {
        "late": [
            ("2025-12-01", None, None),
            ("2026-01-01", "10", "old"),
            ("2026-11-01", "3", "undated"),
            ("2026-12-01", "3", "undated"),
        ]
    }


def test_a_model_chart_keeps_the_sheets_own_prices(run: Run) -> None:
    args = ["-m", "late/undated", "-m", "late/storied", "-m", "late/old"]
    code, out, err = run(["chart", "--prices", LATE, *RANGE, *args, "-f", "json"])
    assert code == 0, err
    assert _points(out) == {
        "late/undated": [("2025-12-01", "3", "undated"), ("2026-12-01", "3", "undated")],
        "late/storied": [
            ("2025-12-01", "1", "storied"),
            ("2026-05-01", "5", "storied"),
            ("2026-12-01", "5", "storied"),
        ],
        "late/old": [
            ("2025-12-01", None, None),  # nothing before its known launch
            ("2026-01-01", "10", "old"),
            ("2026-12-01", "10", "old"),
        ],
    }


def test_without_checked_a_model_without_since_never_counts(run: Run) -> None:
    # unchecked/dated from 2026-01-01: 2 + 8 = 10; unchecked/undated (1 + 2 = 3) never joins
    code, out, err = run(["chart", "--prices", UNCHECKED, *RANGE, "-p", "unchecked", "-f", "json"])
    assert code == 0, err
    assert _points(out) == {
        "unchecked": [
            ("2025-12-01", None, None),
            ("2026-01-01", "10", "dated"),
            ("2026-12-01", "10", "dated"),
        ]
    }


def test_chart_table_names_a_model_that_joins_at_the_end(run: Run) -> None:
    # the range ends on the checked day: undated joins at the closing point, and is named
    args = ["--since", "2025-12-01", "--until", "2026-11-01", "-p", "late"]
    code, out, err = run(["chart", "--prices", LATE, *args])
    assert code == 0, err
    last = " ".join(out.splitlines()[-1].split())
    assert last == "late cheapest: old from 2026-01-01, undated from 2026-11-01"


def test_chart_help_says_how_undated_models_count(run: Run) -> None:
    code, out, _ = run(["chart", "--help"])
    assert code == 0
    text = " ".join(out.replace("│", " ").split())
    assert "without a launch date" in text and "checked" in text


# -- the bundled sheets ---------------------------------------------------------------------------

SNAPSHOT = re.compile(r"(20\d\d)-?([01]\d)-?([0-3]\d)$")  # gpt-4o-2024-08-06, claude-...-20250929


def test_every_dated_snapshot_id_gives_the_launch() -> None:
    catalog = load_catalog([str(PRICES)])
    checked = 0
    for sheet in catalog.sheets.values():
        for model in sheet.models:
            dates = sorted(
                dt.datetime(int(m[1]), int(m[2]), int(m[3]))
                for name in (model.id, *model.aliases)
                if (m := SNAPSHOT.search(name))
            )
            if dates:
                checked += 1
                assert model.periods[0].since == dates[0], model.ref
    # 11 OpenAI (o3 on its oldest period), 9 Anthropic (Sonnet 4.5 likewise), qwen3-max
    assert checked == 21


def test_openai_launches_follow_the_snapshot_dates(run: Run) -> None:
    code, _, err = run(["estimate", "-m", "gpt-5-nano", "-i", "1M", "--as-of", "2025-08-06"])
    assert code == 2
    assert err.startswith(
        "error: openai/gpt-5-nano has no price on 2025-08-06; it has prices from "
    )
    assert "2025-08-07" in err
    # o3 launched at its pre-cut $10 / $40: 100K in + 100K out = 1 + 4 = 5 on its launch day
    args = ["-m", "o3", "-i", "100K", "-o", "100K", "-f", "json"]
    code, out, err = run(["estimate", *args, "--as-of", "2025-04-16"])
    assert code == 0, err
    assert json.loads(out)["rows"][0]["total"] == "5"
    code, _, err = run(["estimate", *args, "--as-of", "2025-04-15"])
    assert code == 2
    assert err.startswith("error: openai/o3 has no price on 2025-04-15")


def test_default_chart_follows_known_launches(run: Run) -> None:
    code, out, err = run(["chart", "--since", "2025-01-01", "--until", "2026-11-30", "-f", "json"])
    assert code == 0, err
    got = _points(out)
    # openai, 1M in + 1M out: gpt-4o-mini 0.15 + 0.60 = 0.75 (from 2024-07-18); gpt-4.1-nano
    # 0.10 + 0.40 = 0.50 from 2025-04-14; gpt-5-nano 0.05 + 0.40 = 0.45 from 2025-08-07.
    assert got["openai"][:3] == [
        ("2025-01-01", "0.75", "gpt-4o-mini"),
        ("2025-04-14", "0.5", "gpt-4.1-nano"),
        ("2025-08-07", "0.45", "gpt-5-nano"),
    ]
    # anthropic: Haiku 3.5 0.80 + 4 = 4.8 until it retired 2026-02-19, then Haiku 4.5 1 + 5 = 6;
    # the undated Haiku 5.5 (0.10 + 0.50 = 0.6 up to 100K input, x5 above: 0.5 + 2.5 = 3) joins
    # on the checked day 2026-11-30.
    assert got["anthropic"] == [
        ("2025-01-01", "4.8", "claude-3-5-haiku"),
        ("2026-02-19", "6", "claude-haiku-4-5"),
        ("2026-11-30", "3", "claude-haiku-5-5"),
    ]
    # google: no model has a launch date, so no price before the checked day
    assert got["google"] == [
        ("2025-01-01", None, None),
        ("2026-11-30", "0.5", "gemini-2.5-flash-lite"),
    ]
