"""Check sheets and report every problem of every file, each at its file:line:col.

The loader stops at a file's first failing stage; here each model entry is validated on its own
and the sheet-wide rules are run over whatever did validate, so independent mistakes (an unknown key
in one model, a negative price in another, a `checked` date in the future) all appear in one run.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from aicost.model.errors import AicostError, Location, Problem, SheetErrors
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
    from aicost.sheets.loader import LIMITS
    from aicost.sheets.yamlio import parse, read_text

    documents: list[Document] = []
    problems: list[Problem] = []
    for path, name in files:
        try:
            documents.append(parse(read_text(path, name), name, LIMITS))
        except SheetErrors as exc:  # every duplicate key of the file
            problems.extend(exc.problems)
        except AicostError as exc:
            problems.append(Problem(exc.where or Location(name), "error", _message(exc)))
    rates = _known_currencies(documents)
    for doc in documents:
        problems.extend(check_document(doc, checks, rates))
    problems.extend(_duplicate_providers(documents))
    problems.sort(key=lambda p: (p.where.path, p.where.line or 0, p.where.column or 0, p.message))
    return Validation(len(files), tuple(problems))


def _message(exc: AicostError) -> str:
    return exc.message + (f" ({exc.hint})" if exc.hint else "")


def _duplicate_providers(documents: Sequence[Document]) -> list[Problem]:
    """Two sheets of one provider in one directory: loading it would keep only the later one."""
    first: dict[tuple[str, str], Document] = {}
    problems = []
    for doc in documents:
        provider = doc.data.get("provider") if isinstance(doc.data, dict) else None
        if not isinstance(provider, str):
            continue
        key = (os.path.dirname(doc.path), provider)
        if key in first:
            problems.append(
                _at(
                    doc,
                    ("provider",),
                    "error",
                    f"provider {provider!r} is also the provider of {first[key].path}; "
                    "a directory holds one sheet per provider (merge them or rename one)",
                )
            )
        else:
            first[key] = doc
    return problems


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

    if isinstance(doc.data, dict) and "workloads" in doc.data:
        return check_workloads(doc)
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


def check_workloads(doc: Document) -> list[Problem]:
    """A workload file: each workload checked on its own, then names unique and top-level keys."""
    from aicost.sheets import schema

    data: dict[str, Any] = doc.data
    items = data.get("workloads")
    if not isinstance(items, list):
        found: list[Problem] = _validate(schema.WorkloadFileModel, doc)
        return found
    problems: list[Problem] = []
    parts = _parts(doc, ("workloads",))
    names: dict[str, int] = {}
    for index, item in enumerate(items):
        problems += _validate(schema.WorkloadModel, parts[index])
        name = item.get("name") if isinstance(item, dict) else None
        if isinstance(name, str):
            if name in names:
                problems.append(
                    _at(
                        doc,
                        ("workloads", index, "name"),
                        "error",
                        f"workloads[{index}].name {name!r} is used twice (first by "
                        f"workloads[{names[name]}]); give each workload its own name",
                    )
                )
            else:
                names[name] = index
    stub = dict(data, workloads=[{"name": str(i)} for i in range(len(items))])
    problems += _validate(schema.WorkloadFileModel, Document(doc.path, stub, doc.marks, doc.text))
    return problems


def check_sheet(doc: Document, checks: Checks, currencies: set[str] | None) -> list[Problem]:
    from aicost.sheets import schema
    from aicost.sheets.loader import reference_problems

    data: dict[str, Any] = doc.data
    problems: list[Problem] = []
    models = data.get("models")
    if isinstance(models, dict):
        # Each model on its own, so one broken model does not hide the checks of the others
        parts = _parts(doc, ("models",))
        for model_id in models:
            problems += _model_problems(parts[model_id])
        stub = dict(data, models={k: {"input": 0, "output": 0} for k in models})
        problems += _validate(schema.SheetModel, Document(doc.path, stub, doc.marks, doc.text))
        problems += reference_problems(
            doc, ((k, m.get("aliases")) for k, m in models.items() if isinstance(m, dict))
        )
        for model_id, entry in models.items():
            problems += _rate_warnings(doc, ("models", model_id), entry)
    else:
        problems += _validate(schema.SheetModel, doc)
    problems += _dates(doc, (), data, checks, expect=True)
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


_PRICES = ("input", "cached_input", "cache_write", "output", "tiers", "windows")


def _model_problems(sub: Document) -> list[Problem]:
    """Every problem of one model entry.

    The schema stops at a model's first broken cross-field rule; when the entry fails, its parts are
    checked again on their own (its current prices, each history period, the order of its periods)
    so a problem in one does not hide the others.
    """
    from aicost.sheets import schema

    found: list[Problem] = _validate(schema.ModelModel, sub)
    entry = sub.data
    if not found or not isinstance(entry, dict):
        return found
    problems = {(p.where, p.message): p for p in found}
    current = {k: v for k, v in entry.items() if k not in ("history", "retired")}
    checks: list[tuple[type[schema.PricedModel], Document]] = [
        (schema.ModelModel, Document(sub.path, current, sub.marks, sub.text))
    ]
    history = entry.get("history")
    if isinstance(history, list):
        checks += [(schema.PeriodModel, part) for part in _parts(sub, ("history",)).values()]
        bare = [
            {k: v for k, v in p.items() if k in ("until", "since")} | {"input": 0, "output": 0}
            if isinstance(p, dict)
            else p
            for p in history
        ]
        dates = {k: v for k, v in entry.items() if k not in _PRICES}
        dates |= {"history": bare, "input": 0, "output": 0}
        checks.append((schema.ModelModel, Document(sub.path, dates, sub.marks, sub.text)))
    for model, part in checks:
        for problem in _validate(model, part):
            problems.setdefault((problem.where, problem.message), problem)
    return list(problems.values())


def _parts(doc: Document, prefix: PathKey) -> dict[str | int, Document]:
    """Each entry under `prefix` (each model, each workload) as a document of its own.

    One pass over the marks serves all of them, so checking n entries is linear in n.
    """
    container = _get(doc.data, *prefix)
    if isinstance(container, dict):
        keys: list[str | int] = list(container)
    elif isinstance(container, list):
        keys = list(range(len(container)))
    else:
        return {}
    size = len(prefix)
    marks: dict[str | int, dict[PathKey, tuple[int, int]]] = {k: {} for k in keys}
    for key, mark in doc.marks.items():
        if len(key) > size and key[:size] == prefix and key[size] in marks:
            marks[key[size]][key[size + 1 :]] = mark
    return {k: Document(doc.path, _get(container, k), marks[k], doc.text) for k in keys}


def _rate_warnings(doc: Document, key: PathKey, entry: Any) -> list[Problem]:
    """`cached_input` above `input`: a cache hit should never cost more than a miss.

    Read from the entry as written, so a model with other problems is still checked.
    """
    if not isinstance(entry, dict):
        return []
    problems = []
    places: list[tuple[PathKey, Any]] = [(key, entry)]
    history = entry.get("history")
    if isinstance(history, list):
        places += [((*key, "history", i), p) for i, p in enumerate(history)]
    for where, priced in places:
        if not isinstance(priced, dict):
            continue
        rates: list[tuple[PathKey, Any]] = [(where, priced)]
        tiers = priced.get("tiers")
        if isinstance(tiers, list):
            rates = [((*where, "tiers", i), t) for i, t in enumerate(tiers)]
        for place, item in rates:
            if not isinstance(item, dict):
                continue
            cached: Any = item.get("cached_input")
            full: Any = item.get("input")
            if _is_number(cached) and _is_number(full) and cached > full:
                problems.append(
                    _at(
                        doc,
                        (*place, "cached_input"),
                        "warning",
                        f"cached_input {cached} is above input {full}; cache hits usually cost less",
                    )
                )
    return problems


def _is_number(value: Any) -> bool:
    if isinstance(value, Decimal):
        return value.is_finite()
    return isinstance(value, int) and not isinstance(value, bool)


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
