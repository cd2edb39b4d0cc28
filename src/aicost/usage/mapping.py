"""The mapping file of the generic CSV/JSONL reader: which column or JSON path holds each field.

Parsed with the project's safe YAML reader, so every error names the mapping's file:line:col.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aicost.model.errors import AicostError, Location
from aicost.sheets import yamlio

PRESETS = ("anthropic", "openai", "gemini", "otel")
TIMESTAMP_FORMATS = ("iso", "unix", "unix_ms")
FIELDS = tuple(
    [
        "ts",
        "model",
        "provider",
        "requests",
        "input",
        "output",
        "cache_read",
        "cache_write",
        "cache_write_1h",
        "reasoning",
        "service_tier",
        "cost",
        "id",
    ]
)
COUNTS = tuple(
    ["requests", "input", "output", "cache_read", "cache_write", "cache_write_1h", "reasoning"]
)
_TOP = tuple(
    ["preset", "timestamp_format", "provider", "model", "currency", "delimiter", "fields", "dims"]
)


@dataclass(frozen=True, slots=True)
class Source:
    """Where a canonical field comes from: a column (CSV) or a JSON path (JSON Lines)."""

    written: str  # as the mapping writes it, `$.` removed: the CSV column name
    path: tuple[str, ...]  # its JSON path
    where: Location  # in the mapping file


@dataclass(frozen=True, slots=True)
class Mapping:
    """A parsed mapping file."""

    preset: str
    timestamp_format: str
    fields: dict[str, Source]
    dims: tuple[tuple[str, Source], ...]
    provider: str | None = None
    model: str | None = None
    currency: str = "USD"
    delimiter: str = ","


def load_mapping(path: Path) -> Mapping:
    """Read and check a mapping file; errors name its file:line:col and the fix."""
    return parse_mapping(yamlio.load(path))


def parse_mapping(doc: yamlio.Document) -> Mapping:
    data = doc.data
    if not isinstance(data, dict):
        raise AicostError(
            "a mapping file is a YAML mapping (preset:, fields:, ...)", where=doc.where(())
        )
    for key in data:
        if key not in _TOP:
            raise AicostError(
                f"unknown key {key!r} in the mapping",
                where=doc.where((key,)),
                hint=f"use {', '.join(_TOP)}",
            )
    preset = data.get("preset")
    if preset not in PRESETS:
        raise AicostError(
            "the mapping needs a preset saying what input and output include"
            if preset is None
            else f"unknown preset {preset!r}",
            where=doc.where(("preset",)),
            hint=f"write preset: {' | '.join(PRESETS)}",
        )
    stamp = data.get("timestamp_format", "iso")
    if stamp not in TIMESTAMP_FORMATS:
        raise AicostError(
            f"unknown timestamp_format {stamp!r}",
            where=doc.where(("timestamp_format",)),
            hint=f"write timestamp_format: {' | '.join(TIMESTAMP_FORMATS)}",
        )
    constants = {key: _constant(doc, key) for key in ("provider", "model", "currency", "delimiter")}
    delimiter = constants["delimiter"] or ","
    if len(delimiter) != 1:
        raise AicostError(
            f"delimiter {delimiter!r} is not one character", where=doc.where(("delimiter",))
        )
    fields = _sources(doc, "fields")
    for name in fields:
        if name not in FIELDS:
            raise AicostError(
                f"unknown field {name!r}",
                where=doc.where(("fields", name)),
                hint=f"the fields are {', '.join(FIELDS)}",
            )
    for name in ("provider", "model"):
        if name in fields and constants[name] is not None:
            raise AicostError(
                f"{name} is given both as a constant and as fields.{name}",
                where=doc.where((name,)),
                hint="keep one of them",
            )
    required = ["ts", "input", "output"] + ([] if constants["model"] else ["model"])
    missing = [name for name in required if name not in fields]
    if missing:
        raise AicostError(
            f"the mapping names no column for {', '.join(missing)}",
            where=doc.where(("fields",)),
            hint="add them under fields: (model may instead be a constant: model: NAME)",
        )
    return Mapping(
        preset=preset,
        timestamp_format=stamp,
        fields=fields,
        dims=tuple(sorted(_sources(doc, "dims").items())),
        provider=constants["provider"],
        model=constants["model"],
        currency=constants["currency"] or "USD",
        delimiter=delimiter,
    )


def _constant(doc: yamlio.Document, key: str) -> str | None:
    value = doc.data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise AicostError(f"{key} must be text", where=doc.where((key,)))
    return value


def _sources(doc: yamlio.Document, section: str) -> dict[str, Source]:
    block = doc.data.get(section)
    if block is None:
        return {}
    if not isinstance(block, dict):
        raise AicostError(
            f"{section} must be a mapping of names to columns", where=doc.where((section,))
        )
    found: dict[str, Source] = {}
    for name, value in block.items():
        where = doc.where((section, name))
        if not isinstance(value, str) or not value.strip():
            raise AicostError(
                f"{section}.{name} must name a column or a JSON path",
                where=where,
                hint="write the column's name, or a path such as usage.prompt_tokens",
            )
        written = value[2:] if value.startswith("$.") else value
        path = tuple(written.split("."))
        if any(part == "" for part in path):
            raise AicostError(f"{section}.{name}: {value!r} has an empty step", where=where)
        found[name] = Source(written, path, where)
    return found


def apply_preset(
    preset: str, prompt: int, output: int, read_: int, written: int, reasoning: int
) -> tuple[int, int]:
    """(input, output) in the canonical counting, from the source's own."""
    if preset == "anthropic":
        return prompt + read_ + written, output
    if preset == "gemini":
        return prompt, output + reasoning
    return prompt, output  # openai, otel: input and output already include their parts
