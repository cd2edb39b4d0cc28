"""`aicost schema`: the JSON Schema editors use, and the committed copy the bundled sheets point at."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Run

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "prices" / "aicost.schema.json"


def test_committed_schema_is_current(run: Run) -> None:
    code, out, err = run(["schema"])
    assert (code, err) == (0, "")
    assert COMMITTED.read_text() == out, (
        "prices/aicost.schema.json is stale: run `aicost schema > prices/aicost.schema.json`"
    )


def test_sheet_schema_covers_every_kind(run: Run) -> None:
    data = json.loads(run(["schema", "sheet"])[1])
    assert data["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert data["anyOf"] == [
        {"$ref": "#/$defs/SheetModel"},
        {"$ref": "#/$defs/FxModel"},
        {"$ref": "#/$defs/GpusModel"},
    ]
    defs = data["$defs"]
    assert defs["SheetModel"]["required"] == ["provider", "currency"]
    assert defs["ModelModel"]["additionalProperties"] is False  # a typo such as `inptu` is flagged
    assert set(defs["ModelModel"]["properties"]) >= {
        "input",
        "cached_input",
        "cache_write",
        "output",
        "tiers",
        "windows",
        "history",
        "aliases",
        "context_window",
        "retired",
        "batch_multiplier",
    }
    assert {k: v for k, v in defs["TierModel"]["properties"]["input"].items() if k != "title"} == {
        "minimum": 0,
        "maximum": 1_000_000_000,
        "type": "number",
        "description": "Price per million input tokens at this tier.",
    }


def test_workload_schema(run: Run) -> None:
    code, out, _ = run(["schema", "workload"])
    data = json.loads(out)
    assert code == 0
    assert data["title"] == "aicost workload file"
    assert data["required"] == ["workloads"]
    assert "WorkloadModel" in data["$defs"]


def test_bundled_sheets_point_at_the_schema() -> None:
    for sheet in sorted((ROOT / "prices").glob("*.yaml")):
        first = sheet.read_text().splitlines()[0]
        assert first == "# yaml-language-server: $schema=./aicost.schema.json", sheet.name


def test_unknown_schema_kind(run: Run) -> None:
    code, out, err = run(["schema", "budget"])
    assert (code, out) == (2, "")
    assert "budget" in err
