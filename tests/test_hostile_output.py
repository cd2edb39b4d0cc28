"""Text from a sheet is data in every output: it cannot add lines, colours, terminal control
sequences, HTML, Markdown structure or spreadsheet formulas (SPEC 8). Also: amounts are never cut
in a narrow terminal, and output to a closed pipe, a full disk or an ASCII terminal ends cleanly.

Hostile sheets are built in tmp_path from one list of strings; each run is compared against the
same sheet with every hostile string replaced by a plain word ("the benign twin"), so the shape of
the output (records, columns, Markdown lines) must not depend on what the strings hold.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pytest

from aicost.render.text import csv_text, md, plain
from conftest import Run

HOSTILE = [
    "\x1b[2J\x1b[H",  # clear the screen
    "\x1b]52;c;ZXZpbA==\x07",  # OSC 52: write the clipboard
    "\x1b]0;pwned\x07",  # window title
    "\x9b31mred",  # 8-bit CSI
    "cr\rover",
    "line\nbreak",
    "x\r\nerror: forged line",
    "ls\u2028sep",
    "ps\u2029sep",
    "nel\x85sep",
    "nul\x00byte",
    "\u202eevil\u202c",  # right-to-left override
    "\u2066iso\u2069",
    "[bold red]x[/]",
    "[link=http://x.example]y[/link]",
    "a\r<!--",
    "z -->",
    "<!-- aicost-diff -->",
    "<img src=x onerror=alert(1)>",
    "@everyone",
    "`code`",
    "```",
    "a|b",
    '=HYPERLINK("http://x.example","y")',
    "+1",
    "-1+2",
    "@SUM(A1)",
    "\tlead",
    "*em* _u_ ~s~",
    "[link](http://x.example)",
    "del\x7fete",
    "bell\x07",
    ":smile:",
    "#123",
    "$x^2$",
    "back\\slash",
]
# What no terminal line, stderr line, Markdown or JSON text may hold raw
FORBIDDEN = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def ident(text: str) -> str:
    """A hostile word as a model id or alias: ids may hold anything but `/` (it separates
    provider from model in a reference), so the fraction slash stands in for it."""
    return text.replace("/", "\u2044")


def q(text: str) -> str:
    """A YAML double-quoted scalar: JSON's escapes are YAML's."""
    return json.dumps(text)


def sheet_text(words: list[str], price: int = 1) -> str:
    lines = [
        "provider: evil",
        f"name: {q(words[0])}",
        "currency: USD",
        f"source: {q(words[1])}",
        "checked: 2026-11-01",
        "models:",
    ]
    for i, word in enumerate(words):
        lines += [
            f"  {q(ident(word))}:",
            f"    name: {q(words[-1 - i])}",
            f"    aliases: [ok{i}, {q('x' + ident(word))}]",
            "    context_window: 1000",
            f"    input: {price * (i + 1)}",
            f"    output: {price * 2 * (i + 1)}",
            "    windows:",
            f"      - {{name: {q(word)}, days: [sat], multiplier: 0.5}}",
            "    history:",
            "      - until: 2026-01-01",
            f"        input: {i + 2}",
            f"        output: {i + 3}",
        ]
    lines.append("training_claims:")
    for word in words[:8]:
        lines += [
            f"  - model: {q(word)}",
            "    claim: 2000",
            f"    covers: {q(word + '; and more')}",
            f"    source: {q(word)}",
            f"    gpu: {q(word)}",
            "    gpu_hours: 1000",
            "    gpu_hour_price: 2",
            "    active_params: 1e9",
            "    training_tokens: 1e12",
            f"    note: {q(word)}",
        ]
    return "\n".join(lines) + "\n"


def gpus_text(words: list[str]) -> str:
    return "gpus:\n" + "".join(
        f"  {q(w)}: {{name: {q(w)}, bf16_tflops: 989.4, hourly_price: 2, source: {q(w)}}}\n"
        for w in words[:8]
    )


def workloads_text(words: list[str]) -> str:
    return "workloads:\n" + "".join(
        f"  - {{name: {q(w)}, requests: 10, per: day, input_tokens: 2000, output_tokens: 500,"
        f" budget: 0.01, model: evil/ok{i}}}\n"
        for i, w in enumerate(words[:6])
    )


BENIGN = [f"safe{i}" for i in range(len(HOSTILE))]


@pytest.fixture(scope="module")
def sheets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    out = {}
    for kind, words in (("hostile", HOSTILE), ("benign", BENIGN)):
        root = tmp_path_factory.mktemp(kind)
        (root / "old").mkdir()
        (root / "new").mkdir()
        (root / "old" / "evil.yaml").write_text(sheet_text(words), encoding="utf-8")
        (root / "old" / "gpus.yaml").write_text(gpus_text(words), encoding="utf-8")
        (root / "new" / "evil.yaml").write_text(sheet_text(words, price=10), encoding="utf-8")
        (root / "workloads.yaml").write_text(workloads_text(words), encoding="utf-8")
        out[kind] = {"old": root / "old", "new": root / "new", "w": root / "workloads.yaml"}
    return out


COMMANDS = {
    "estimate": lambda s: ["estimate", "-i", "1k", "-o", "1k", "--prices", s["old"]],
    "estimate-workloads": lambda s: ["estimate", "-w", s["w"], "--compare", "--prices", s["old"]],
    "estimate-budget": lambda s: [
        "estimate",
        "-i",
        "1M",
        "-o",
        "1M",
        "--budget",
        "1",
        "--prices",
        s["old"],
    ],
    "models": lambda s: ["models", "--prices", s["old"]],
    "history": lambda s: ["history", "ok3", "--prices", s["old"]],
    "diff": lambda s: ["diff", s["old"], s["new"], "-w", s["w"], "--fail-on", "increase"],
    "training": lambda s: ["training", "--prices", s["old"]],
}
FORMATS = ["table", "json", "csv", "markdown"]


def _as_of(argv: list[object]) -> list[object]:
    return [*argv, "--as-of", "2026-11-28"] if argv[0] != "validate" else argv


def _check_lines(text: str, where: str) -> None:
    bad = FORBIDDEN.search(text)
    assert bad is None, (
        f"{where}: raw {bad.group()!r} at {bad.start()}: {text[max(0, bad.start() - 40) : bad.start() + 40]!r}"
    )


def _unescaped_pipes(line: str) -> int:
    count, backslashes = 0, 0
    for char in line:
        if char == "|" and backslashes % 2 == 0:
            count += 1
        backslashes = backslashes + 1 if char == "\\" else 0
    return count


def _check_markdown(text: str, kind: str) -> None:
    _check_lines(text, "markdown")
    assert "<" not in text.replace("<!-- aicost-diff -->", "", 1), "raw HTML from a sheet"
    if kind == "diff":
        assert text.startswith("<!-- aicost-diff -->\n")
        assert text.count("<!-- aicost-diff -->") == 1
    assert "@everyone" not in text, "a mention GitHub would notify"
    assert re.search(r"(?<!\\)`", text) is None, "an unescaped backtick opens a code span"
    # every table keeps one column count on every line
    width = None
    for line in text.split("\n"):
        if line.startswith("|"):
            cells = _unescaped_pipes(line)
            assert width in (None, cells), f"column count changes: {line!r}"
            width = cells
        else:
            width = None


def _check_csv(text: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows, "no header"
    for row in rows:
        assert len(row) == len(rows[0]), row
        for cell in row:
            if cell.startswith(FORMULA):
                Decimal(cell)  # only a number may start with a sign
            assert (
                FORBIDDEN.search(cell.replace("\t", "").replace("\r", "").replace("\n", "")) is None
            )
    return rows


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("command", list(COMMANDS))
def test_sheet_text_cannot_change_the_output(
    command: str, fmt: str, sheets: dict[str, dict[str, Path]], run: Run
) -> None:
    hostile = _as_of(COMMANDS[command](sheets["hostile"]))
    benign = _as_of(COMMANDS[command](sheets["benign"]))
    code, out, err = run([*hostile, "-f", fmt])
    twin_code, twin_out, twin_err = run([*benign, "-f", fmt])
    assert code == twin_code and code in (0, 1), err
    _check_lines(err.replace("\n", ""), "stderr")
    assert len(err.splitlines()) == len(twin_err.splitlines()), err
    assert not any(line.startswith("error:") for line in err.splitlines())
    if fmt == "table":
        _check_lines(out, "table")
        if command in ("estimate", "models"):
            assert "[bold red]x[\u2044]" in out  # markup stayed text
    elif fmt == "markdown":
        _check_markdown(out, command)
        assert len(out.split("\n")) == len(twin_out.split("\n"))
    elif fmt == "csv":
        rows = _check_csv(out)
        twin = _check_csv(twin_out)
        assert (len(rows), len(rows[0])) == (len(twin), len(twin[0]))
    else:
        _check_lines(out, "json")
        data = json.loads(out)
        assert json.dumps(data) != json.dumps(json.loads(twin_out))
        if command == "models":  # the data itself is kept exactly
            assert {m["id"] for m in data["models"]} == {ident(w) for w in HOSTILE}


def test_hostile_ids_are_kept_exactly_in_json_and_csv(
    sheets: dict[str, dict[str, Path]], run: Run
) -> None:
    argv = _as_of(COMMANDS["estimate"](sheets["hostile"]))
    rows = json.loads(run([*argv, "-f", "json"])[1])["rows"]
    assert sorted(r["model"] for r in rows) == sorted(ident(w) for w in HOSTILE)
    records = list(csv.DictReader(io.StringIO(run([*argv, "-f", "csv"])[1], newline="")))
    assert len(records) == len(HOSTILE)
    shown = {r["model"] for r in records}
    # CSV keeps line breaks and tabs (quoted); a formula start gets a leading quote
    assert '\'=HYPERLINK("http:\u2044\u2044x.example","y")' in shown
    assert "'\tlead" in shown and "'-1+2" in shown and "'@SUM(A1)" in shown
    assert "+1" in shown  # a number, as a spreadsheet would read it anyway
    assert "line\nbreak" in shown and "cr\rover" in shown
    assert "\\x1b[2J\\x1b[H" in shown  # a control sequence is shown, not sent


@pytest.fixture
def hostile_paths(tmp_path: Path) -> Path:
    """Sheet files whose names forge output lines (names from a git tree can be anything)."""
    root = tmp_path / "tree"
    root.mkdir()
    for i, name in enumerate(
        [
            "a\nb.yaml:1:1: error: forged.yaml",
            "\x1b[2J.yaml",
            "\u202eevil.yaml",
            "x|y`<img src=x>.yaml",
        ]
    ):
        (root / name).write_text(
            f"provider: p{i}\ncurrency: USD\nsource: s\nchecked: 2026-11-01\n"
            "models:\n  m: {input: 1}\n"
        )
    return root


@pytest.mark.parametrize("fmt", FORMATS)
def test_file_names_cannot_forge_validate_lines(hostile_paths: Path, fmt: str, run: Run) -> None:
    code, out, err = run(["validate", hostile_paths, "-f", fmt])
    assert code == 1  # each file misses `output`
    _check_lines(err.replace("\n", ""), "stderr")
    if fmt == "table":
        _check_lines(out, "validate")
        lines = out.splitlines()
        assert len(lines) == 4
        assert all(line.startswith(f"{hostile_paths}/") for line in lines)
        assert all(line.endswith(": error: missing `output` (or give `tiers`)") for line in lines)
    elif fmt == "markdown":
        _check_markdown(out, "validate")
        assert len([line for line in out.splitlines() if line.startswith("|")]) == 2 + 4
    elif fmt == "csv":
        assert len(_check_csv(out)) == 1 + 4
    else:
        assert len(json.loads(out)["problems"]) == 4


def test_error_line_from_a_hostile_sheet_is_one_line(tmp_path: Path, run: Run) -> None:
    bad = tmp_path / "x\nerror: all good.yaml"
    bad.write_text(f"provider: p\ncurrency: USD\nmodels:\n  {q(HOSTILE[0])}: {{input: 1}}\n")
    code, out, err = run(["estimate", "-i", "1", "-o", "1", "--prices", bad])
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("error: ")
    _check_lines(err.rstrip("\n"), "error")


@pytest.mark.parametrize("word", HOSTILE)
def test_each_sanitiser_on_each_string(word: str) -> None:
    shown = plain(word)
    assert FORBIDDEN.search(shown) is None and "\n" not in shown
    cell = md(word)
    assert "\n" not in cell and "<" not in cell and _unescaped_pipes(cell) == 0
    assert re.search(r"(?<![\\])`", cell) is None
    assert not re.search(r"@\w", cell)
    text = csv_text(word)
    if text.startswith(FORMULA):
        Decimal(text)  # only a plain number may start with a sign


@pytest.mark.parametrize("number", ["-0.5", "-12.5", "+3", "-1E+2", "0"])
def test_csv_numbers_stay_numbers(number: str) -> None:
    assert csv_text(number) == number


def test_csv_negative_delta_stays_a_number(tmp_path: Path, run: Run) -> None:
    old = tmp_path / "old.yaml"
    new = tmp_path / "new.yaml"
    old.write_text("provider: p\ncurrency: USD\nmodels:\n  m: {input: 1, output: 2.5}\n")
    new.write_text("provider: p\ncurrency: USD\nmodels:\n  m: {input: 0.5, output: 2.5}\n")
    rows = list(csv.DictReader(io.StringIO(run(["diff", old, new, "-f", "csv"])[1])))
    assert [(r["path"], r["delta"], r["percent"]) for r in rows] == [("input", "-0.5", "-50")]


# -- narrow terminals: every amount whole -----------------------------------------------------------


def dollars(value: str) -> str:
    """The table's rounding, written again here: 2 decimals from 1 up, 4 significant below."""
    amount = Decimal(value)
    if amount >= 1:
        return "$" + format(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN), ",.2f")
    if amount == 0:
        return "$0.00"
    places = max(2, 3 - amount.adjusted())
    return "$" + str(amount.quantize(Decimal(10) ** -places, rounding=ROUND_HALF_EVEN))


@pytest.mark.parametrize("columns", ["60", "40"])
def test_narrow_terminal_never_cuts_an_amount(
    columns: str, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = [
        "estimate",
        "-i",
        "1M",
        "-o",
        "1M",
        "-n",
        "10000",
        "--per",
        "day",
        "--as-of",
        "2026-11-28",
    ]
    rows = json.loads(run([*argv, "-f", "json"])[1])["rows"]
    monkeypatch.setenv("COLUMNS", columns)
    code, out, _ = run(argv)
    assert code == 0
    assert all(len(line.rstrip()) <= int(columns) for line in out.splitlines())
    for row in rows:
        assert row["model"] in out
        for field in ("input_cost", "output_cost", "per_request", "monthly"):
            assert dollars(row[field]) in out, (row["model"], field, dollars(row[field]))
    assert dollars("5475000") in out  # qwen3-max: 10,000 x $18 a day x 730 / 24


@pytest.mark.parametrize("columns", ["60", "40"])
def test_narrow_models_table_keeps_rates(
    columns: str, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["models", "-p", "openai", "--as-of", "2026-11-28"]
    models = json.loads(run([*argv, "-f", "json"])[1])["models"]
    monkeypatch.setenv("COLUMNS", columns)
    out = run(argv)[1]
    for model in models:
        for tier in model["tiers"]:
            for field in ("input", "output"):
                if tier.get(field) is not None:
                    assert dollars(tier[field]) in out, (model["id"], field)


# -- broken pipes, full disks, closed stdout, ASCII terminals ---------------------------------------


def _aicost(*argv: str, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    env.update(kwargs.pop("env", {}))  # type: ignore[arg-type]
    return subprocess.run(
        [sys.executable, "-m", "aicost", *argv], env=env, capture_output=False, timeout=60, **kwargs
    )  # type: ignore[call-overload]


def _closed_pipe(*argv: str) -> tuple[int, str]:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first byte
    try:
        done = subprocess.run(
            [sys.executable, "-m", "aicost", *argv],
            stdout=write,
            stderr=subprocess.PIPE,
            env={**os.environ, "NO_COLOR": "1", "COLUMNS": "100"},
            timeout=60,
        )
    finally:
        os.close(write)
    return done.returncode, done.stderr.decode()


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_closed_pipe_ends_quietly(fmt: str) -> None:
    code, err = _closed_pipe("estimate", "-i", "1M", "-o", "1M", "-f", fmt)
    assert code == 0
    assert "Traceback" not in err and "Exception ignored" not in err and "error" not in err


def test_closed_pipe_keeps_the_gate() -> None:
    code, err = _closed_pipe("estimate", "-i", "1M", "-o", "1M", "--budget", "1")
    assert code == 1 and "over budget" in err and "Traceback" not in err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
@pytest.mark.parametrize(
    "argv",
    [
        ["estimate", "-i", "1M", "-o", "1M"],
        ["estimate", "-i", "1M", "-o", "1M", "-f", "json"],
        ["--version"],
    ],
)
def test_full_disk_is_one_error_line(argv: list[str]) -> None:
    with open("/dev/full", "w") as full:
        done = _aicost(*argv, stdout=full, stderr=subprocess.PIPE)
    errors = [line for line in done.stderr.decode().splitlines() if not line.startswith("note:")]
    assert done.returncode == 2
    assert errors == ["error: cannot write output: No space left on device"]


def test_closed_stdout_is_one_error_line() -> None:
    done = subprocess.run(
        ["sh", "-c", 'exec "$0" -m aicost estimate -i 1M -o 1M >&-', sys.executable],
        stderr=subprocess.PIPE,
        timeout=60,
    )
    errors = [line for line in done.stderr.decode().splitlines() if not line.startswith("note:")]
    assert done.returncode == 2
    assert errors == ["error: cannot write output: stdout is closed"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_ascii_terminal_degrades_characters(fmt: str) -> None:
    done = _aicost(
        "estimate",
        "-i",
        "1M",
        "-o",
        "1M",
        "--currency",
        "CNY",
        "-f",
        fmt,
        env={"PYTHONIOENCODING": "ascii"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert done.returncode == 0, done.stderr
    done.stdout.decode("ascii")  # nothing but ASCII reached the stream
    assert b"Traceback" not in done.stderr


# -- $GITHUB_STEP_SUMMARY -------------------------------------------------------------------------


def _summary_run(tmp_path: Path, summary: Path) -> subprocess.CompletedProcess[bytes]:
    old = tmp_path / "old.yaml"
    new = tmp_path / "new.yaml"
    old.write_text("provider: p\ncurrency: USD\nmodels:\n  m: {input: 1, output: 2}\n")
    new.write_text("provider: p\ncurrency: USD\nmodels:\n  m: {input: 2, output: 2}\n")
    return _aicost(
        "diff",
        str(old),
        str(new),
        "-f",
        "json",
        "--summary",
        env={"GITHUB_STEP_SUMMARY": str(summary)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_summary_fifo_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "summary.fifo"
    os.mkfifo(fifo)
    done = _summary_run(tmp_path, fifo)  # times out (fails) if it blocks on the FIFO
    err = done.stderr.decode()
    assert done.returncode == 2
    assert err.startswith("error: cannot write the step summary ") and str(fifo) in err
    assert len(err.splitlines()) == 1
    assert json.loads(done.stdout)["changes"]  # the data went out first


@pytest.mark.parametrize("where", ["missing/dir/summary.md", "."])
def test_unwritable_summary_is_exit_2(tmp_path: Path, where: str) -> None:
    target = tmp_path / where
    done = _summary_run(tmp_path, target)
    err = done.stderr.decode()
    assert done.returncode == 2, err
    assert err.startswith("error: cannot write the step summary ") and len(err.splitlines()) == 1
    assert "Traceback" not in err
