"""Check sheets and report every problem of every file, each at its file:line:col.

The loader stops at a file's first failing stage; here each model entry is validated on its own
and the sheet-wide rules are run over whatever did validate, so independent mistakes (an unknown key
in one model, a negative price in another, a `checked` date in the future) all appear in one run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from aicost.model.errors import AicostError, Location, Problem
from aicost.sheets.yamlio import Document, PathKey


@dataclass(frozen=True, slots=True)
class Checks:
    today: dt.date
    max_age: int | None = None  # days; older `checked` dates are flagged
    strict: bool = False  # stale `checked` dates are errors, not warnings


@dataclass(frozen=True, slots=True)
class Validation:
    files: int
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for p in self.problems if p.severity == "warning")


def validate_files(files: Sequence[tuple[Path, str]], checks: Checks) -> Validation:
    """Check every file; fx rates for the currency check come from these files, else the bundled."""
    from aicost.sheets.yamlio import read_text

    documents: list[Document] = []
    problems: list[Problem] = []
    for path, name in files:
        try:
            text = read_text(path, name)
            documents.append(_document(text, name))
        except _Located as found:
            problems.extend(found.problems)
        except AicostError as exc:
            problems.append(Problem(exc.where or Location(name), "error", _message(exc)))
    rates = _known_currencies(documents)
    for doc in documents:
        problems.extend(check_document(doc, checks, rates))
    problems.sort(key=lambda p: (p.where.path, p.where.line or 0, p.where.column or 0, p.message))
    return Validation(len(files), tuple(problems))


def _message(exc: AicostError) -> str:
    return exc.message + (f" ({exc.hint})" if exc.hint else "")


class _Located(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems


def _document(text: str, name: str) -> Document:
    from aicost.sheets.yamlio import parse

    try:
        return parse(text, name)
    except AicostError:
        duplicates = duplicate_keys(text, name)
        if len(duplicates) > 1:  # the parser stops at the first; list them all
            raise _Located(duplicates) from None
        raise


def duplicate_keys(text: str, name: str) -> list[Problem]:
    """Every duplicate mapping key in a YAML text (the strict reader stops at the first)."""
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []
    found: list[Problem] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        mark = key.start_mark
                        found.append(
                            Problem(
                                Location(name, mark.line + 1, mark.column + 1),
                                "error",
                                f"duplicate key {key.value!r} (first defined on line {seen[key.value]}) "
                                "(remove one of them)",
                            )
                        )
                    else:
                        seen[key.value] = key.start_mark.line + 1
                stack.append(value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return found


def _known_currencies(documents: Iterable[Document]) -> set[str] | None:
    from aicost.sheets.loader import kind_of

    for doc in documents:
        try:
            if kind_of(doc) == "fx":
                fx = doc.data["fx"]
                return {str(fx.get("base")), *(fx.get("rates") or {})}
        except (AicostError, AttributeError, TypeError):
            continue
    try:
        from aicost.model.catalog import bundled_dir
        from aicost.sheets.yamlio import load

        fx = load(bundled_dir() / "fx.yaml", "prices/fx.yaml").data["fx"]
        return {str(fx["base"]), *fx["rates"]}
    except (AicostError, KeyError, TypeError):
        return None


def check_document(doc: Document, checks: Checks, currencies: set[str] | None) -> list[Problem]:
    from aicost.sheets import schema
    from aicost.sheets.loader import kind_of

    try:
        kind = kind_of(doc)
    except AicostError as exc:
        return [Problem(exc.where or Location(doc.path), "error", exc.message)]
    if kind == "fx":
        problems: list[Problem] = _validate(schema.FxModel, doc)
        date = _get(doc.data, "fx", "date")
        if isinstance(date, dt.date) and _day(date) > checks.today:
            problems.append(_at(doc, ("fx", "date"), "error", f"fx date {date} is in the future"))
        return problems
    if kind == "gpus":
        problems = list(_validate(schema.GpusModel, doc))
        gpus = doc.data.get("gpus")
        if isinstance(gpus, dict):
            for key, gpu in gpus.items():
                if isinstance(gpu, dict):
                    problems += _dates(doc, ("gpus", key), gpu, checks, expect=False)
        return problems
    return check_sheet(doc, checks, currencies)


def check_sheet(doc: Document, checks: Checks, currencies: set[str] | None) -> list[Problem]:
    from aicost.sheets import schema

    data: dict[str, Any] = doc.data
    problems: list[Problem] = []
    models = data.get("models")
    valid: dict[str, schema.ModelModel] = {}
    if isinstance(models, dict):
        # Each model on its own, so one broken model does not hide the checks of the others
        for model_id in models:
            sub = _subdocument(doc, ("models", model_id))
            found = _validate(schema.ModelModel, sub, keep=True)
            if isinstance(found, list):
                problems += found
            else:
                valid[model_id] = found
        stub = dict(data, models={k: {"input": 0, "output": 0} for k in models})
        problems += _validate(schema.SheetModel, Document(doc.path, stub, doc.marks, doc.text))
    else:
        problems += _validate(schema.SheetModel, doc)
    problems += _dates(doc, (), data, checks, expect=True)
    problems += _unique_names(doc, valid)
    for model_id, model in valid.items():
        problems += _rate_warnings(doc, ("models", model_id), model)
    currency = data.get("currency")
    if currencies is not None and isinstance(currency, str) and currency not in currencies:
        problems.append(
            _at(
                doc,
                ("currency",),
                "warning",
                f"no exchange rate for {currency} in the fx sheet; --currency conversions will fail",
            )
        )
    claims = data.get("training_claims")
    if currencies is not None and isinstance(claims, list):
        for index, claim in enumerate(claims):
            code = claim.get("currency") if isinstance(claim, dict) else None
            if isinstance(code, str) and code not in currencies:
                problems.append(
                    _at(
                        doc,
                        ("training_claims", index, "currency"),
                        "warning",
                        f"no exchange rate for {code} in the fx sheet",
                    )
                )
    return problems


def _subdocument(doc: Document, prefix: PathKey) -> Document:
    size = len(prefix)
    marks = {key[size:]: mark for key, mark in doc.marks.items() if key[:size] == prefix}
    return Document(doc.path, _get(doc.data, *prefix), marks, doc.text)


def _validate(model: Any, doc: Document, keep: bool = False) -> Any:
    from pydantic import ValidationError

    from aicost.sheets.loader import problems_from

    try:
        built = model.model_validate(doc.data)
    except ValidationError as exc:
        found: list[Problem] = problems_from(exc, doc)
        return found
    return built if keep else []


def _get(data: Any, *keys: str | int) -> Any:
    for key in keys:
        if isinstance(data, dict):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and 0 <= key < len(data):
            data = data[key]
        else:
            return None
    return data


def _day(value: dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _at(doc: Document, key: PathKey, severity: str, message: str) -> Problem:
    return Problem(doc.where(key), severity, message)


def _dates(
    doc: Document, key: PathKey, data: dict[str, Any], checks: Checks, expect: bool
) -> list[Problem]:
    """`checked` in the future (error) or older than --max-age; missing `source`/`checked`."""
    problems = []
    checked = data.get("checked")
    if expect:
        for name, why in (
            ("source", "say where these prices come from (a pricing page URL)"),
            ("checked", "say when they were last checked against `source` (YYYY-MM-DD)"),
        ):
            if data.get(name) is None:
                problems.append(_at(doc, key, "warning", f"no `{name}`: {why}"))
    if isinstance(checked, dt.date):
        day = _day(checked)
        where = (*key, "checked")
        if day > checks.today:
            problems.append(
                _at(
                    doc,
                    where,
                    "error",
                    f"`checked` {day} is in the future (today is {checks.today})",
                )
            )
        elif checks.max_age is not None and (checks.today - day).days > checks.max_age:
            age = (checks.today - day).days
            problems.append(
                _at(
                    doc,
                    where,
                    "error" if checks.strict else "warning",
                    f"`checked` {day} is {age} days old, more than --max-age {checks.max_age}; "
                    "check the prices against the source again",
                )
            )
    return problems


def _unique_names(doc: Document, models: dict[str, Any]) -> list[Problem]:
    problems = []
    seen: dict[str, str] = {}
    for model_id, entry in models.items():
        for index, ref in enumerate((model_id, *entry.aliases)):
            key = ref.lower()
            if key in seen:
                where: PathKey = (
                    ("models", model_id)
                    if index == 0
                    else ("models", model_id, "aliases", index - 1)
                )
                problems.append(
                    _at(
                        doc,
                        where,
                        "error",
                        f"{ref!r} is already used by model {seen[key]!r}; ids and aliases must be unique",
                    )
                )
                continue
            seen[key] = model_id
    return problems


def _rate_warnings(doc: Document, key: PathKey, model: Any) -> list[Problem]:
    """`cached_input` above `input`: a cache hit should never cost more than a miss."""
    problems = []
    places: list[tuple[PathKey, Any]] = [(key, model)]
    places += [((*key, "history", i), p) for i, p in enumerate(model.history)]
    for where, priced in places:
        rates: list[tuple[PathKey, Any]] = [(where, priced)]
        if priced.tiers is not None:
            rates = [((*where, "tiers", i), t) for i, t in enumerate(priced.tiers)]
        for place, item in rates:
            cached: Decimal | None = item.cached_input
            if cached is not None and item.input is not None and cached > item.input:
                problems.append(
                    _at(
                        doc,
                        (*place, "cached_input"),
                        "warning",
                        f"cached_input {cached} is above input {item.input}; cache hits usually cost less",
                    )
                )
    return problems
