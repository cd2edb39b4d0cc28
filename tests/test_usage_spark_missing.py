"""`--engine spark` without pyspark installed: one line naming the extra, exit 2."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

SHEETS = Path(__file__).parent / "data" / "usage" / "sheets"


def test_spark_engine_without_pyspark_names_the_extra(
    run: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("pyspark", "pyspark.sql"):
        monkeypatch.setitem(sys.modules, name, None)  # import fails as when not installed
    log = tmp_path / "u.csv"
    log.write_text("ts,model,input,output\n2026-05-01T10:00:00Z,lab-chat,10,10\n")
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "preset: openai\nfields: {ts: ts, model: model, input: input, output: output}\n"
    )
    for extra in ([], ["--map", str(mapping)]):
        argv = ["usage", "price", str(log), "--from", "csv", "--engine", "spark", *extra]
        if not extra:
            argv += ["--map", str(mapping), "--per-request", str(tmp_path / "x.csv")]
        code, out, err = run([*argv, "--prices", str(SHEETS)])  # type: ignore[operator]
        assert code == 2
        assert out == ""
        assert err.strip().splitlines()[0].startswith("error: --engine spark needs aicost[spark]")


def test_spark_master_without_the_spark_engine_is_refused(run: object, tmp_path: Path) -> None:
    log = tmp_path / "u.csv"
    log.write_text("ts,model,input,output\n2026-05-01T10:00:00Z,lab-chat,10,10\n")
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        "preset: openai\nfields: {ts: ts, model: model, input: input, output: output}\n"
    )
    argv = ["usage", "price", str(log), "--map", str(mapping), "--engine", "python"]
    code, _, err = run([*argv, "--spark-master", "local[2]", "--prices", str(SHEETS)])  # type: ignore[operator]
    assert code == 2
    assert "--spark-master goes with --engine spark" in err
