"""Bad input ends in exit 2 with one `error:` line that names the place and the fix, never a traceback.

Every file in tests/data/broken/ is a price sheet with one thing wrong; BROKEN says on which line the
error must be reported and what the message must say. Files too big or too odd to commit (over
10 MiB, not UTF-8) are written by the tests themselves.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from aicost.engine import estimate as estimate_module

Run = Callable[[Sequence[object]], tuple[int, str, str]]
DATA = Path(__file__).parent / "data"
BROKEN_DIR = DATA / "broken"
WORKLOADS_DIR = DATA / "workloads"

# file -> (line the error is reported on, or None where there is no line; substrings of the message)
BROKEN: dict[str, tuple[int | None, tuple[str, ...]]] = {
    "unknown_key.yaml": (5, ("unknown key 'inptu'", "did you mean 'input'")),
    "duplicate_key.yaml": (6, ("duplicate key 'input'", "first defined on line 5")),
    "dollar_amount.yaml": (5, ("'$0.14'", "expected a number", "without quotes or symbols")),
    "text_price.yaml": (5, ("'cheap'", "expected a number")),
    "negative_price.yaml": (6, ("`output` must be from 0 to", "not -1")),
    "nan_price.yaml": (5, ("finite number", ".nan")),
    "bool_price.yaml": (6, ("expected a non-negative number", "got true")),
    "python_tag.yaml": (5, ("python/object/apply", "not allowed")),
    "alias_bomb.yaml": (7, ("too many values", "alias")),
    "merge_key.yaml": (6, ("merge keys (<<)", "write the keys out")),
    "tiers_out_of_order.yaml": (
        7,
        ("tiers out of order", "tiers[1].up_to 128000", "ascending up_to"),
    ),
    "last_tier_bounded.yaml": (7, ("tiers[1].up_to", "last tier must have no `up_to`")),
    "flat_and_tiers.yaml": (7, ("either flat rates or `tiers`, not both",)),
    "fractional_up_to.yaml": (6, ("'1.5'", "not a whole number")),
    "missing_output.yaml": (4, ("missing `output`", "or give `tiers`")),
    "history_unordered.yaml": (11, ("history out of order", "newest first")),
    "history_overlap.yaml": (9, ("history periods overlap", "history[0].since 2025-01-01")),
    "since_after_until.yaml": (9, ("history[0].since 2025-09-01 is not before", "2025-06-01")),
    "retired_before_history.yaml": (7, ("`retired` 2025-01-01", "newest history period")),
    "bad_currency.yaml": (2, ("currency: 'usd'", "three capital letters")),
    "missing_currency.yaml": (1, ("missing required key 'currency'",)),
    "bad_slug.yaml": (1, ("provider: 'Acme Corp'", "lower-case letters")),
    "duplicate_alias.yaml": (
        9,
        ("'acme-latest' is already used by model 'acme-1'", "must be unique"),
    ),
    "alias_equals_other_id.yaml": (8, ("'acme-1' is already used by model 'acme-1'",)),
    "bad_window_hours.yaml": (9, ("'16:30-25:00'", "not a time of day")),
    "window_without_multiplier.yaml": (8, ("window needs `multiplier`",)),
    "bad_day.yaml": (9, ("days", "'sat' or 'sun'")),
    "bad_date.yaml": (3, ("'2025-02-30' is not a valid date", "out of range")),
    "not_a_mapping.yaml": (1, ("expected a mapping", "`provider:`")),
    "unknown_kind.yaml": (1, ("cannot tell what this file is", "`fx:`")),
    "no_models.yaml": (1, ("needs `models`",)),
    "invalid_yaml_syntax.yaml": (5, ("invalid YAML", "did not find expected ','")),
    "multiple_documents.yaml": (5, ("second document", "remove the `---` line")),
    "empty.yaml": (1, ("file is empty",)),
    "fx_zero_rate.yaml": (5, ("`CNY`", "must be positive")),
    "gpu_missing_peak.yaml": (3, ("missing required key 'bf16_tflops'",)),
    "claim_bad_bound.yaml": (6, ("bound", "'at_least'")),
}

# workload file -> (line, substrings)
WORKLOADS: dict[str, tuple[int | None, tuple[str, ...]]] = {
    "cached_above_input.yaml": (4, ("`cached_tokens` (1500)", "exceed `input_tokens` (1000)")),
    "share_above_one.yaml": (5, ("`batch_share` must be from 0 to 1", "not 1.5")),
    "unknown_per.yaml": (4, ("per", "'once', 'hour', 'day' or 'month'")),
    "fractional_tokens.yaml": (3, ("'1.5'", "not a whole number")),
    "duplicate_names.yaml": (5, ("'chat' is used twice",)),
    "unknown_key.yaml": (4, ("unknown key 'ouptut_tokens'", "did you mean 'output_tokens'")),
    "negative_requests.yaml": (3, ("`requests` must be from 0 to",)),
    "no_workloads_key.yaml": (1, ("top-level `workloads:`",)),
    "ambiguous_model.yaml": (
        5,
        ("'qwen-max' is ambiguous", "alibaba-cn/qwen-max", "alibaba/qwen-max", "provider/id"),
    ),
}


def assert_input_error(code: int, out: str, err: str) -> str:
    """Exit 2, nothing on stdout, exactly one `error:` line on stderr, no traceback; the line."""
    assert code == 2, err
    assert out == ""
    assert "Traceback" not in err and "Traceback" not in out
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, err
    return errors[0]


def assert_located(
    line: str, path: Path, expected_line: int | None, parts: tuple[str, ...]
) -> None:
    if expected_line is None:
        assert line.startswith(f"error: {path}: "), line
    else:
        assert re.match(rf"error: {re.escape(str(path))}:{expected_line}:\d+: ", line), line
    for part in parts:
        assert part in line, f"{part!r} not in {line!r}"


def test_corpus_is_complete() -> None:
    on_disk = {p.name for p in BROKEN_DIR.iterdir()}
    assert on_disk == set(BROKEN)
    assert len(on_disk) >= 25
    assert {p.name for p in WORKLOADS_DIR.iterdir()} == set(WORKLOADS)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_sheet(run: Run, name: str) -> None:
    path = BROKEN_DIR / name
    line = assert_input_error(*run(["estimate", "-i", "1k", "-o", "1k", "--prices", path]))
    expected_line, parts = BROKEN[name]
    assert_located(line, path, expected_line, parts)


@pytest.mark.parametrize("name", sorted(WORKLOADS))
def test_broken_workload(run: Run, name: str) -> None:
    path = WORKLOADS_DIR / name
    line = assert_input_error(*run(["estimate", "-w", path]))
    expected_line, parts = WORKLOADS[name]
    assert_located(line, path, expected_line, parts)


def test_broken_sheet_in_a_directory_names_the_file(run: Run, tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(
        "provider: good\ncurrency: USD\nmodels:\n  g-1: {input: 1, output: 2}\n"
    )
    bad = tmp_path / "typo.yaml"
    bad.write_bytes((BROKEN_DIR / "unknown_key.yaml").read_bytes())
    line = assert_input_error(*run(["estimate", "-i", "1k", "-o", "1k", "--prices", tmp_path]))
    assert_located(line, bad, 5, ("unknown key 'inptu'",))


def test_file_over_ten_mib_is_refused(run: Run, tmp_path: Path) -> None:
    huge = tmp_path / "huge.yaml"
    comment = b"# " + b"x" * 1022 + b"\n"
    huge.write_bytes(b"provider: acme\ncurrency: USD\n" + comment * (10 * 1024 + 1))
    line = assert_input_error(*run(["estimate", "-i", "1k", "-o", "1k", "--prices", huge]))
    assert_located(line, huge, None, ("10 MiB",))


def test_not_utf8_is_refused_at_its_place(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("provider: acme\ncurrency: USD\nname: Café\n".encode("latin-1"))
    line = assert_input_error(*run(["estimate", "-i", "1k", "-o", "1k", "--prices", path]))
    assert_located(line, path, 3, ("not UTF-8", "save the file as UTF-8"))


def test_messages_say_what_to_fix(run: Run) -> None:
    """A few representative cases, checked whole: place, problem and the fix."""
    cases = {
        "unknown_key.yaml": ":5:5: unknown key 'inptu' in a model; did you mean 'input'?",
        "dollar_amount.yaml": (
            ":5:5: expected a number, got the text '$0.14'; write it without quotes or symbols"
        ),
        "duplicate_key.yaml": ":6:5: duplicate key 'input' (first defined on line 5) (remove one of them)",
        "tiers_out_of_order.yaml": (
            ":7:10: tiers out of order: tiers[1].up_to 128000 is not above tiers[0].up_to 256000; "
            "list tiers by ascending up_to"
        ),
        "python_tag.yaml": (
            ":5:12: tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed (remove the tag)"
        ),
    }
    for name, tail in cases.items():
        path = BROKEN_DIR / name
        _, _, err = run(["estimate", "-i", "1k", "-o", "1k", "--prices", path])
        assert err == f"error: {path}{tail}\n"


AMBIGUOUS = str(WORKLOADS_DIR / "ambiguous_model.yaml")

# argv after `estimate` -> substrings of the error line
BAD_FLAGS: list[tuple[list[str], tuple[str, ...]]] = [
    (["-i", "-5", "-o", "1"], ("--input-tokens must be from 0 to", "not -5")),
    (["-i", "1.5", "-o", "1"], ("--input-tokens '1.5'", "not a whole number")),
    (["-i", "abc", "-o", "1"], ("--input-tokens 'abc'", "1.5k")),
    (
        ["-i", "1k", "-o", "1k", "-m", "gpt-9"],
        ("unknown model 'gpt-9'", "did you mean", "'gpt-4o'"),
    ),
    (
        ["-i", "1k", "-o", "1k", "-m", "deepseek-reasoner", "--as-of", "2024-01-01"],
        (
            "deepseek/deepseek-reasoner has no price on 2024-01-01",
            "from 2025-01-20 until 2026-07-24",
        ),
    ),
    (
        ["-i", "1k", "-o", "1k", "-m", "deepseek-reasoner"],
        ("deepseek-reasoner was retired on 2026-07-24", "it has prices from 2025-01-20"),
    ),
    (
        ["-i", "1k", "-o", "1k", "-m", "deepseek-reasoner", "--as-of", "2026-11-28"],
        ("deepseek-reasoner was retired on 2026-07-24", "it has prices from 2025-01-20"),
    ),
    (
        ["-i", "1k", "-o", "1k", "--currency", "XYZ"],
        ("unknown currency 'XYZ'", "known currencies: CNY, EUR, USD"),
    ),
    (
        ["-i", "100", "--cached-tokens", "200", "-o", "1"],
        ("--cached-tokens (200)", "--input-tokens (100)"),
    ),
    (["-i", "1k", "-o", "1k", "--batch-share", "1.5"], ("--batch-share must be from 0 to 1",)),
    (
        ["-i", "1k", "-o", "1k", "--off-peak-share", "-0.1"],
        ("--off-peak-share must be from 0 to 1",),
    ),
    (["-i", "1k", "-o", "1k", "-f", "xml"], ("'xml' is not one of", "'json'")),
    (
        ["-i", "1k", "-o", "1k", "--prices", "/nonexistent/sheet.yaml"],
        ("/nonexistent/sheet.yaml: no such file",),
    ),
    (["-w", "/nonexistent/workload.yaml"], ("/nonexistent/workload.yaml: no such file",)),
    (
        ["-i", "1k", "-o", "1k", "--per", "fortnight"],
        ("--per 'fortnight'", "once, hour, day, month"),
    ),
    (
        ["-w", AMBIGUOUS, "-i", "1k"],
        ("either --workload or inline workload flags", "--input-tokens"),
    ),
    (["--per", "day"], ("nothing to price", "-i/--input-tokens")),
    (["-w", AMBIGUOUS], (f"{AMBIGUOUS}:5:5:", "'qwen-max' is ambiguous", "alibaba/qwen-max")),
    (["-i", "1k", "-o", "1k", "-p", "nope"], ("unknown provider 'nope'",)),
    (
        ["-i", "1k", "-o", "1k", "--as-of", "2025-13-01"],
        ("--as-of '2025-13-01' is not a date", "YYYY-MM-DD"),
    ),
    (["-i", "1k", "-o", "1k", "--budget", "-5"], ("--budget must be from 0 to",)),
    (["-i", "1k", "-o", "1k", "--top", "0"], ("--top",)),
    (["-i", "1k", "-o", "1k", "--frobnicate"], ("--frobnicate",)),
]


@pytest.mark.parametrize(("argv", "parts"), BAD_FLAGS, ids=[" ".join(a) for a, _ in BAD_FLAGS])
def test_bad_flags(run: Run, argv: list[str], parts: tuple[str, ...]) -> None:
    line = assert_input_error(*run(["estimate", *argv]))
    for part in parts:
        assert part in line, f"{part!r} not in {line!r}"


def _explode(*args: object, **kwargs: object) -> None:
    raise RuntimeError("boom")


def test_internal_error_is_one_line_without_traceback(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(estimate_module, "run_estimate", _explode)
    code, out, err = run(["estimate", "-i", "1k", "-o", "1k"])
    assert code == 3
    assert out == ""
    assert "Traceback" not in err
    assert err.count("\n") == 1
    assert err.startswith("error: internal error (RuntimeError: boom)")
    assert "AICOST_DEBUG=1" in err


def test_internal_error_propagates_with_debug(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(estimate_module, "run_estimate", _explode)
    monkeypatch.setenv("AICOST_DEBUG", "1")
    with pytest.raises(RuntimeError, match="boom"):
        run(["estimate", "-i", "1k", "-o", "1k"])
