"""`aicost usage sql`: the generated query per dialect against committed golden files, each parsed
back by sqlglot in its own dialect; the weekday fixes sqlglot's transpiling needs; bad input."""

from __future__ import annotations

import pytest

from conftest import DATA, Run

sqlglot = pytest.importorskip("sqlglot")

SHEETS = DATA / "usage" / "sheets"
GOLDEN = DATA / "sql"


def query(run: Run, dialect: str, *extra: str) -> str:
    code, out, err = run(
        [
            "usage",
            "sql",
            "--dialect",
            dialect,
            "--table",
            "analytics.llm_usage",
            "--prices",
            SHEETS,
            *extra,
        ]
    )
    assert code == 0, err
    return out


@pytest.mark.parametrize("dialect", ["bigquery", "snowflake", "trino"])
def test_golden_query_and_it_parses_back(run: Run, dialect: str) -> None:
    out = query(run, dialect, "--by", "month", "--by", "project")
    assert out == (GOLDEN / f"{dialect}.sql").read_text()
    sqlglot.parse_one(out.rstrip().rstrip(";"), read=dialect)


def test_spark_weekday_is_monday_one_not_sqlglots_dayofweek(run: Run) -> None:
    out = query(run, "spark")
    assert "WEEKDAY(u.ts) + 1" in out
    assert "DAYOFWEEK" not in out


def test_postgres_uses_extract_not_hour_or_dayofweek_iso(run: Run) -> None:
    out = query(run, "postgres")
    assert "EXTRACT(ISODOW FROM u.ts)" in out
    assert "DAYOFWEEK_ISO" not in out and "HOUR(" not in out


def test_bigquery_money_is_bignumeric_and_weeks_start_monday(run: Run) -> None:
    out = query(run, "bigquery", "--by", "week")
    assert "AS BIGNUMERIC) AS input_rate" in out
    assert "ISOWEEK" in out


def test_never_divides(run: Run) -> None:
    for dialect in ("duckdb", "spark", "postgres", "bigquery", "snowflake", "trino"):
        assert " / " not in query(run, dialect)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--table", "x; DROP TABLE y"], "not a plain table name"),
        (["--table", "t", "--dialect", "oracle"], "unknown --dialect"),
        (["--table", "t", "--by", "colour"], "unknown --by key"),
    ],
)
def test_bad_input_is_one_error_line(run: Run, argv: list[str], message: str) -> None:
    code, out, err = run(["usage", "sql", *argv])
    assert code == 2
    assert out == ""
    assert message in err and err.count("\n") <= 2 and "Traceback" not in err
