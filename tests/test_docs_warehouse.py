"""docs/warehouse.md runs as written: every `aicost` command in its shell blocks is run in-process
(exports and SQL generation into a temporary directory, with the guide's own mapping file), and
every SQL file they write parses back with sqlglot in its dialect. The `usage price --engine spark`
example reads a remote path; the Spark and PostgreSQL SQL runs for real in the slow parity tests."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

sqlglot = pytest.importorskip("sqlglot")

DOC = Path(__file__).parent.parent / "docs" / "warehouse.md"
TEXT = DOC.read_text(encoding="utf-8")
SH = [line for block in re.findall(r"```sh\n(.*?)```", TEXT, re.S) for line in block.splitlines()]
COMMANDS = [line for line in SH if line.startswith("aicost ")]
RUNNABLE = [c for c in COMMANDS if " usage price " not in f" {c} "]
DIALECT = {
    "bigquery": "bigquery",
    "snowflake": "snowflake",
    "spark": "spark",
    "postgres": "postgres",
}


def test_the_guide_covers_each_warehouse_with_export_and_query() -> None:
    dialects = [shlex.split(c)[shlex.split(c).index("--dialect") + 1] for c in RUNNABLE]
    assert sorted(dialects) == sorted(2 * ["bigquery", "snowflake", "spark", "postgres"])
    assert all(line.startswith("aicost ") for line in SH if line.strip())


@pytest.mark.parametrize("command", RUNNABLE)
def test_each_guide_command_runs_and_its_sql_parses(
    command: str, run: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mapping = re.search(r"```yaml\n(.*?)```", TEXT, re.S)
    assert mapping is not None
    (tmp_path / "usage-map.yaml").write_text(mapping.group(1), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    argv = shlex.split(command)[1:]
    target = None
    if ">" in argv:
        target = tmp_path / argv[argv.index(">") + 1]
        argv = argv[: argv.index(">")]
    code, out, err = run(argv)  # type: ignore[operator]
    assert code == 0, err
    if target is not None:
        target.write_text(out, encoding="utf-8")
    else:
        target = tmp_path / argv[argv.index("-o") + 1]
    dialect = DIALECT[argv[argv.index("--dialect") + 1]]
    statements = [s for s in sqlglot.parse(target.read_text("utf-8"), read=dialect) if s]
    if "usage" in argv:
        (query,) = statements
        table = argv[argv.index("--table") + 1]
        tables = {
            ".".join(p for p in (t.catalog, t.db, t.name) if p)
            for t in query.find_all(sqlglot.exp.Table)
        }
        assert table in {t.upper() for t in tables} | tables
        # the mapping's columns are what the query reads
        columns = {c.name for c in query.find_all(sqlglot.exp.Column)}
        assert {"created_at", "prompt_tokens", "completion_tokens"} <= columns
        assert ("project_id" in columns) == ("project" in argv)
    else:
        kinds = [type(s).__name__ for s in statements]
        assert kinds.count("Create") == 2 and "Insert" in kinds
