"""Discount windows in words, history notes, traffic profiles and the price-war chart.

Every expected number is worked out by hand from the fixture sheets in tests/data/windows/.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import DATA, Run

SHOP = DATA / "windows" / "shop.yaml"
DEEPSEEK = Path(__file__).parent.parent / "prices" / "deepseek.yaml"
WEEK = 7 * 24 * 60  # 10,080 minutes

# shop/m1 now: off-peak Sat-Sun all day (2 x 1440 = 2880 min) and Mon-Fri 16:30-00:30 (on each
# weekday 00:00-00:30 and 16:30-24:00: 30 + 450 = 480 min, x5 = 2400); lunch Mon-Fri 12:00-13:00
# and 16:00-17:00, but 16:30-17:00 is off-peak already (first match wins): 60 + 30 = 90, x5 = 450.
# Off-peak: 5280 / 10080 = 52.38% -> 52%; lunch: 450 / 10080 = 4.46% -> 4%.
# Before 2026-01-01: night daily 22:00-06:00 = 8 h of 24 = 33%, x0.25 = -75%.


def _lines(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.splitlines())


def test_models_say_each_window_in_words(run: Run) -> None:
    code, out, err = run(["models", "--prices", SHOP, "--as-of", "2026-01-15"])
    assert code == 0, err
    assert _lines(out) == _lines(
        """\
Shop (shop) · USD per 1M tokens

 Model  Input  Output  Windows
 ─────────────────────────────────────
 m1     $1.00   $4.00  lunch, off-peak
 m2     $1.00   $4.00  off-peak

 m1 off-peak: Sat-Sun all day, Mon-Fri 16:30-00:30: -50%, 52% of the week
 m1 lunch: Mon-Fri 12:00-13:00, 16:00-17:00: input $0.2000, output $0.8000, 4% of the week
 m2 off-peak: Sat-Sun all day, Mon-Fri 16:30-00:30: -50%, 52% of the week
"""
    )


def test_models_json_gives_each_windows_minutes_and_exact_share(run: Run) -> None:
    code, out, _ = run(["models", "--prices", SHOP, "--as-of", "2026-01-15", "-f", "json"])
    assert code == 0
    m1 = json.loads(out)["models"][0]
    assert m1["note"] == "V2"
    got = [
        (w["name"], w["days"], w["hours"], w["multiplier"], w["minutes_per_week"])
        for w in m1["windows"]
    ]
    weekdays = ["mon", "tue", "wed", "thu", "fri"]
    assert got == [
        ("off-peak", ["sat", "sun"], [], "0.5", 2880),
        ("off-peak", weekdays, ["16:30-00:30"], "0.5", 2400),
        ("lunch", weekdays, ["12:00-13:00", "16:00-17:00"], None, 450),
    ]
    # 2880/10080 = 2/7, 2400/10080 = 5/21, 450/10080 = 5/112, each to 12 places
    shares = [w["share_of_week"] for w in m1["windows"]]
    assert shares == ["0.285714285714", "0.238095238095", "0.044642857143"]
    assert m1["windows"][2]["rates"]["input"] == "0.2"


def test_history_shows_window_prices_and_notes(run: Run) -> None:
    code, out, err = run(["history", "shop/m1", "--prices", SHOP, "--as-of", "2026-01-15"])
    assert code == 0, err
    # night x0.25 of $2 / $8 = $0.50 / $2; off-peak x0.5 of $1 / $4 = $0.50 / $2
    assert _lines(out) == _lines(
        """\
shop/m1 · USD per 1M tokens

 From        Until       Price       Input   Output  Change
 ─────────────────────────────────────────────────────────────────────────
 2025-06-01  2026-01-01  list        $2.00    $8.00  first price
                         night     $0.5000    $2.00
 2026-01-01  now         list        $1.00    $4.00  in -50.0%, out -50.0%
                         off-peak  $0.5000    $2.00
                         lunch     $0.2000  $0.8000

 2025-06-01 to 2026-01-01 V1, launch
                          night: daily 22:00-06:00: -75%, 33% of the week
 2026-01-01 to now        V2
                          off-peak: Sat-Sun all day, Mon-Fri 16:30-00:30: -50%, 52% of the week
                          lunch: Mon-Fri 12:00-13:00, 16:00-17:00: input $0.2000, output $0.8000, 4%
                          of the week
"""
    )


def test_history_json_carries_notes_and_windows(run: Run) -> None:
    code, out, _ = run(["history", "shop/m1", "--prices", SHOP, "-f", "json"])
    assert code == 0
    periods = json.loads(out)["periods"]
    assert [p["note"] for p in periods] == ["V1, launch", "V2"]
    night = periods[0]["windows"][0]
    assert (night["minutes_per_week"], night["share_of_week"]) == (7 * 480, "0.333333333333")


def test_history_markdown_lists_notes_and_windows(run: Run) -> None:
    code, out, _ = run(["history", "shop/m1", "--prices", SHOP, "-f", "markdown"])
    assert code == 0
    assert "| | | off-peak | $0.5000 | $2.00 | |" in out.replace("|  |", "| |").replace(
        "|  |", "| |"
    )
    assert "- 2025-06-01 to 2026-01-01 V1, launch\n" in out
    assert "- 2026-01-01 to now V2\n" in out


def test_deepseek_reasoner_history_names_each_version(run: Run) -> None:
    code, out, _ = run(["history", "deepseek/deepseek-reasoner", "--prices", DEEPSEEK])
    assert code == 0
    # the $0.14 input of 2026-04-26 is V4-Flash's, not R1 getting cheaper
    assert " 2025-01-20 to 2025-02-26 16:30       R1 launch" in out
    assert (
        " 2026-04-26 12:15 to 2026-07-24 16:00 V4-Flash, thinking; cache-hit price cut to 1/10"
        in (out)
    )
    assert " 2025-09-29 to 2026-04-24             V3.2-Exp, then V3.2, thinking" in out


def test_every_deepseek_period_has_a_note(run: Run) -> None:
    for provider, sheet in (
        ("deepseek", DEEPSEEK),
        ("deepseek-cn", DEEPSEEK.with_name("deepseek-cn.yaml")),
    ):
        for model in ("deepseek-chat", "deepseek-reasoner", "deepseek-flash", "deepseek-v4-pro"):
            code, out, err = run(
                ["history", f"{provider}/{model}", "--prices", sheet, "-f", "json"]
            )
            assert code == 0, err
            notes = [p["note"] for p in json.loads(out)["periods"]]
            assert notes and all(notes), (provider, model, notes)


def test_deepseek_flash_off_peak_is_79_percent_of_the_week(run: Run) -> None:
    # Sat-Sun 48 h + Mon-Fri (1 + 2 + 14 h) x 5 = 85 h: 133 h of 168 = 79.17%
    code, out, _ = run(["models", "-m", "deepseek/deepseek-flash", "--prices", DEEPSEEK])
    assert code == 0
    assert (
        "off-peak: Sat-Sun all day, Mon-Fri 00:00-01:00, 04:00-06:00, 10:00-24:00: -50%, 79%" in out
    )


# -- traffic profiles -----------------------------------------------------------------------------


def _per_request(run: Run, *args: object) -> tuple[Decimal, list[str]]:
    code, out, err = run(["estimate", "-i", "1M", "-o", "1M", "-f", "json", *args])
    assert code == 0, err
    rows = json.loads(out)["rows"]
    assert len(rows) == 1
    return Decimal(rows[0]["per_request"]), rows[0]["warnings"]


def test_uniform_profile_on_deepseek_flash_is_the_exact_week_share(run: Run) -> None:
    # list 0.30 + 1.20 = 1.50 per 1M in + 1M out; off-peak half; share 133/168:
    # 1.50 - 0.75 x 133/168 = 1.50 - 0.59375 = 0.90625
    cost, warnings = _per_request(
        run, "-m", "deepseek/deepseek-flash", "--prices", DEEPSEEK, "--traffic-profile", "uniform"
    )
    assert cost == Decimal("0.90625")
    assert warnings[0] == "off-peak share 79.2% from traffic profile uniform"


def test_shanghai_business_hours_on_deepseek_flash(run: Run) -> None:
    # 09:00-17:00 Beijing (UTC+8, no DST) = 01:00-09:00 UTC, Mon-Fri; of those 8 hours only
    # 04:00-06:00 is off-peak: share 2/8 = 1/4. 1.50 - 0.75 / 4 = 1.3125
    cost, warnings = _per_request(
        run,
        "-m",
        "deepseek/deepseek-flash",
        "--prices",
        DEEPSEEK,
        "--traffic-profile",
        "business-hours:Asia/Shanghai",
    )
    assert cost == Decimal("1.3125")
    assert warnings[0] == "off-peak share 25.0% from traffic profile business-hours:Asia/Shanghai"


def test_business_hours_follow_daylight_saving_time(run: Run) -> None:
    # m2: list 1 + 4 = 5, off-peak half. New York 09:00-17:00 is 14:00-22:00 UTC in January
    # (EST): 16:30-22:00 off-peak = 5.5 of 8 h; 13:00-21:00 UTC in July (EDT): 4.5 of 8 h.
    args = [
        "-m",
        "shop/m2",
        "--prices",
        SHOP,
        "--traffic-profile",
        "business-hours:America/New_York",
    ]
    winter, _ = _per_request(run, *args, "--as-of", "2026-01-15")
    summer, _ = _per_request(run, *args, "--as-of", "2026-07-15")
    assert winter == Decimal(5) - Decimal("2.5") * Decimal("5.5") / 8  # 3.28125
    assert summer == Decimal(5) - Decimal("2.5") * Decimal("4.5") / 8  # 3.59375


def test_uniform_profile_differs_per_model(run: Run) -> None:
    code, out, err = run(
        [
            *("estimate", "-i", "1M", "-o", "1M", "--prices", SHOP),
            *("--as-of", "2026-01-15", "--traffic-profile", "uniform"),
        ]
    )
    assert code == 0, err
    # m2: 5 - 2.5 x 5280/10080 = 3.6905; m1's cheapest window is lunch ($1 per request), so only
    # its 450 minutes count: 5 - 4 x 450/10080 = 4.8214 (off-peak minutes at list: no under-estimate)
    assert _lines(out) == _lines(
        """\
inline: 1 request of 1M in, 1M out
Shop (shop) · USD

 Model    Input  Output  Per request  Total
 ──────────────────────────────────────────────────────
 m2     $0.7381   $2.95        $3.69  $3.69  ███████▋
 m1     $0.9643   $3.86        $4.82  $4.82  ██████████

  ! off-peak share 52.4% from traffic profile uniform: m2
  ! off-peak share 4.5% from traffic profile uniform: m1
"""
    )


def test_traffic_profile_errors(run: Run, tmp_path: Path) -> None:
    base = ["estimate", "-i", "1M", "-o", "1M", "--prices", SHOP]
    cases = {
        ("--traffic-profile", "uniform", "--off-peak-share", "0.5"): (
            "error: give either --traffic-profile or --off-peak-share, not both\n"
        ),
        ("--traffic-profile", "nightly"): (
            "error: unknown traffic profile 'nightly' (give uniform, or business-hours:TZ with an "
            "IANA zone such as Asia/Shanghai)\n"
        ),
        ("--traffic-profile", "business-hours:Mars/Olympus"): (
            "error: unknown time zone 'Mars/Olympus' in --traffic-profile (give an IANA name such "
            "as business-hours:Europe/Berlin or business-hours:UTC)\n"
        ),
    }
    for args, message in cases.items():
        code, out, err = run([*base, *args])
        assert (code, out, err) == (2, "", message)
    workloads = tmp_path / "w.yaml"
    workloads.write_text(
        "workloads:\n  - name: chat\n    input_tokens: 100\n    output_tokens: 10\n"
        "    off_peak_share: 0.5\n"
    )
    code, out, err = run(
        ["estimate", "-w", workloads, "--prices", SHOP, "--traffic-profile", "uniform"]
    )
    assert (code, out) == (2, "")
    assert err == (
        "error: workload 'chat' sets off_peak_share and --traffic-profile computes it; "
        "give one or the other\n"
    )


# -- the price war, drawn -------------------------------------------------------------------------

WAR = DATA / "windows" / "war.yaml"
# war/a: $2 in / $8 out from 2025-01-01 to 03-01, then $1 / $4; war/b: $0.50 / $6 from 2025-02-15.
# 1M in + 1M out: a costs 10 then 5; b costs 6.5. Cheapest from 01-15: a 10; from 02-15: b 6.5;
# from 03-01: a 5; the range ends 04-01 at a 5.
RANGE = ["--prices", WAR, "--since", "2025-01-15", "--until", "2025-04-01"]


def test_chart_series_are_exact_steps(run: Run) -> None:
    code, out, err = run(["chart", *RANGE, "-m", "war/b", "-p", "war", "-f", "json"])
    assert code == 0, err
    data = json.loads(out)
    assert data["kind"] == "chart"
    got = {
        s["label"]: [(p["moment"], p["cost"], p["model"]) for p in s["points"]]
        for s in data["series"]
    }
    assert got == {
        "war/b": [
            ("2025-01-15", None, None),
            ("2025-02-15", "6.5", "b"),
            ("2025-04-01", "6.5", "b"),
        ],
        "war": [
            ("2025-01-15", "10", "a"),
            ("2025-02-15", "6.5", "b"),
            ("2025-03-01", "5", "a"),
            ("2025-04-01", "5", "a"),
        ],
    }


def test_chart_request_shape_scales_the_price(run: Run) -> None:
    # 2M in, 500K out on a from 2025-03-01: 2 x $1 + 0.5 x $4 = $4
    code, out, _ = run(["chart", *RANGE, "-m", "war/a", "-i", "2M", "-o", "500K", "-f", "json"])
    assert code == 0
    points = json.loads(out)["series"][0]["points"]
    assert [(p["moment"], p["cost"]) for p in points] == [
        ("2025-01-15", "8"),  # 2 x 2 + 0.5 x 8
        ("2025-03-01", "4"),
        ("2025-04-01", "4"),
    ]


def test_chart_table(run: Run) -> None:
    code, out, err = run(["chart", *RANGE, "-m", "war/b", "-p", "war"])
    assert code == 0, err
    assert _lines(out) == _lines(
        """\
Cost of one request of 1M input
+ 1M output tokens, USD

 From          war/b       war
 ─────────────────────────────
 2025-01-15        -    $10.00
 2025-02-15    $6.50   $6.50 ▼
 2025-03-01    $6.50   $5.00 ▼
 2025-04-01    $6.50     $5.00

 war cheapest: a from 2025-01-15, b from 2025-02-15, a from 2025-03-01
"""
    )


def test_chart_svg_has_title_and_one_line_per_series(run: Run, tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    target = tmp_path / "x.svg"
    code, out, err = run(["chart", *RANGE, "-m", "war/b", "-p", "war", "--save", target])
    assert (code, out, err) == (0, "", "")
    root = ET.parse(target).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = " ".join(t for e in root.iter() if e.text for t in [e.text.strip()] if t)
    assert "Cost of one request of 1M input + 1M output tokens, USD" in texts
    assert "war/b" in texts and "war (cheapest)" in texts
    ids = {e.get("id") for e in root.iter()}
    for index in (0, 1):
        line = next(e for e in root.iter() if e.get("id") == f"series-{index}")
        assert any(child.tag.endswith("path") for child in line.iter()), index
    assert "series-2" not in ids


def test_chart_png_is_a_png_of_the_drawn_size(run: Run, tmp_path: Path) -> None:
    import struct

    target = tmp_path / "x.png"
    code, _, err = run(["chart", *RANGE, "-p", "war", "--save", target])
    assert code == 0, err
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (1100, 616)  # 10 x 5.6 inches at 110 dpi


def test_chart_file_is_not_overwritten_without_force(run: Run, tmp_path: Path) -> None:
    target = tmp_path / "x.svg"
    target.write_text("mine")
    code, out, err = run(["chart", *RANGE, "-p", "war", "--save", target])
    assert (code, out) == (2, "")
    assert err == f"error: {target} exists (give --force to overwrite it)\n"
    assert target.read_text() == "mine"
    code, _, err = run(["chart", *RANGE, "-p", "war", "--save", target, "--force"])
    assert code == 0, err
    assert target.read_text().startswith("<?xml")
    assert [p.name for p in tmp_path.iterdir()] == ["x.svg"]  # no temporary file left


def test_chart_without_matplotlib_names_the_extra(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails as if not installed
    code, out, err = run(["chart", *RANGE, "-p", "war", "--save", tmp_path / "x.png"])
    assert (code, out) == (2, "")
    assert err == ("error: drawing a chart file needs matplotlib (pip install 'aicost[plot]')\n")
    assert not list(tmp_path.iterdir())


def test_chart_bad_input(run: Run, tmp_path: Path) -> None:
    cases = {
        ("--save", tmp_path / "x.gif"): (
            f"error: cannot tell the image format of '{tmp_path / 'x.gif'}' "
            "(name the file .svg or .png)\n"
        ),
        ("-p", "nobody"): "error: unknown provider 'nobody'",
    }
    for args, message in cases.items():
        code, out, err = run(["chart", *RANGE, *args])
        assert (code, out) == (2, ""), args
        assert err.startswith(message), err
    code, _, err = run(["chart", "--prices", WAR, "--since", "2025-04-01", "--until", "2025-01-01"])
    assert code == 2
    assert err.startswith("error: --since (2025-04-01) must be before --until (2025-01-01)")


def test_diff_reports_a_changed_period_note(run: Run, tmp_path: Path) -> None:
    old = SHOP.read_text()
    new = tmp_path / "shop.yaml"
    new.write_text(old.replace("note: V1, launch", "note: V1"))
    code, out, err = run(["diff", SHOP, new, "-f", "json"])
    assert code == 0, err
    changes = [(c["model"], c["path"], c["old"], c["new"]) for c in json.loads(out)["changes"]]
    assert changes == [("m1", "history[0].note", "V1, launch", "V1")]
