"""The catalog: every sheet loaded for one run, and how model references resolve against it."""

from __future__ import annotations

import datetime as dt
import difflib
import fnmatch
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from aicost.model.errors import AicostError
from aicost.model.prices import FxRates, Gpu, ModelPrice, PriceSheet
from aicost.model.quantity import format_moment

BUNDLED = "@bundled"
ENV_PRICES = "AICOST_PRICES"


@dataclass(frozen=True, slots=True)
class Source:
    """A file the catalog was read from, for the JSON envelope."""

    path: str
    sha256: str
    checked: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Catalog:
    sheets: dict[str, PriceSheet]  # by provider slug, sorted
    fx: FxRates | None = None
    gpus: dict[str, Gpu] = field(default_factory=dict)
    sources: tuple[Source, ...] = ()
    gpu_sources: tuple[Source, ...] = ()  # the gpus.yaml read, listed by reports that use it

    @property
    def models(self) -> list[ModelPrice]:
        return [m for sheet in self.sheets.values() for m in sheet.models]

    def sheet(self, provider: str) -> PriceSheet:
        try:
            return self.sheets[provider.lower()]
        except KeyError:
            raise AicostError(
                f"unknown provider {provider!r}", hint=_suggest(provider, self.sheets)
            ) from None

    def match(self, ref: str) -> list[ModelPrice]:
        """Every model a reference names: `id`, an alias, or `provider/id`, case-insensitive."""
        key = ref.strip().lower()
        provider, _, name = key.rpartition("/")
        found = []
        for sheet in self.sheets.values():
            if provider and sheet.provider != provider:
                continue
            for model in sheet.models:
                if name == model.id.lower() or name in (a.lower() for a in model.aliases):
                    found.append(model)
        return found

    def select(self, refs: Sequence[str]) -> list[ModelPrice]:
        """Models matching any of `refs` (all models when empty); unknown references are errors.

        Each reference may hold several, separated by commas, and each may be a glob (`gpt-5*`,
        `anthropic/claude-*`) matched against ids and aliases; a glob that matches nothing is an
        error too, with suggestions.
        """
        if not refs:
            return self.models
        chosen: dict[str, ModelPrice] = {}
        for ref in split_refs(refs):
            matches = self.glob(ref) if is_glob(ref) else self.match(ref)
            if not matches:
                raise self.unknown(ref)
            for model in matches:
                chosen[model.ref] = model
        return list(chosen.values())

    def glob(self, pattern: str) -> list[ModelPrice]:
        """Models whose id or an alias matches a glob, case-insensitive; `provider/glob` too."""
        key = pattern.strip().lower()
        provider, _, name = key.rpartition("/")
        found = []
        for sheet in self.sheets.values():
            if provider and not fnmatch.fnmatchcase(sheet.provider, provider):
                continue
            for model in sheet.models:
                names = (model.id.lower(), *(a.lower() for a in model.aliases))
                if any(fnmatch.fnmatchcase(n, name) for n in names):
                    found.append(model)
        return found

    def resolve(self, ref: str, at: dt.datetime | None = None) -> ModelPrice:
        """Exactly one model; an ambiguous reference lists its `provider/id` candidates.

        With `at`, the error also says which candidates have a price then, and names the one to
        write when exactly one does. It never picks one itself: a reference in a workload file
        should say what it means, not depend on which twin happens to be priced today.
        """
        matches = self.match(ref)
        if not matches:
            raise self.unknown(ref)
        if len(matches) > 1:
            raise ambiguous(ref, matches, at)
        return matches[0]

    def unknown(self, ref: str) -> AicostError:
        names = {m.id.lower() for m in self.models}
        names |= {a.lower() for m in self.models for a in m.aliases}
        names |= {m.ref.lower() for m in self.models}
        if is_glob(ref):
            bare = ref.translate(_GLOB_CHARS)
            hint = _suggest(bare, names, "`aicost models` lists them")
            return AicostError(f"no model matches {ref!r}", hint=hint)
        return AicostError(
            f"unknown model {ref!r}", hint=_suggest(ref, names, "`aicost models` lists them")
        )


_GLOB_CHARS = str.maketrans("", "", "*?[]")


def is_glob(ref: str) -> bool:
    """A model reference with glob characters (`*`, `?`, `[...]`)."""
    return any(c in ref for c in "*?[")


def split_refs(refs: Iterable[str]) -> list[str]:
    """`-m a,b -m c` as `[a, b, c]`: every reference, commas split, blanks dropped."""
    return [part.strip() for ref in refs for part in ref.split(",") if part.strip()]


def _suggest(text: str, names: Iterable[str], fallback: str | None = None) -> str | None:
    close = difflib.get_close_matches(text.lower(), sorted(names), n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(repr(c) for c in close) + "?"
    return fallback


def mentions(model: ModelPrice, text: str | None) -> bool:
    """`--search`: the model's provider, id, name or an alias contains `text` (case-insensitive)."""
    if not text:
        return True
    haystack = " ".join((model.provider, model.id, model.name, *model.aliases)).lower()
    return text.lower() in haystack


def ambiguous(ref: str, matches: Sequence[ModelPrice], at: dt.datetime | None) -> AicostError:
    """A reference naming several models: each `provider/id`, priced at `at` or why not."""
    ordered = sorted(matches, key=lambda m: m.ref)
    if at is None:
        names = ", ".join(m.ref for m in ordered)
        return AicostError(
            f"model {ref!r} is ambiguous: it matches {names}", hint="write it as provider/id"
        )
    priced = [m for m in ordered if m.period_at(at) is not None]
    when = format_moment(at)
    names = ", ".join(
        f"{m.ref} (priced on {when})" if m in priced else short_reason(m, at) for m in ordered
    )
    if len(priced) == 1:
        hint = f"write it as {priced[0].ref}"
    elif priced:
        hint = "write it as provider/id: " + " or ".join(m.ref for m in priced)
    else:
        hint = f"none has a price on {when}; see --as-of"
    return AicostError(f"model {ref!r} is ambiguous: it matches {names}", hint=hint)


def no_price_message(model: ModelPrice, moment: dt.datetime) -> str:
    """Why a model has no price at `moment`, naming the dates that do have prices."""
    spans = []
    for since, until in model.priced_spans():
        start = "the beginning" if since is None else format_moment(since)
        end = "now" if until is None else format_moment(until)
        spans.append(f"from {start} until {end}" if until is not None else f"from {start} on")
    when = format_moment(moment)
    if model.retired is not None and moment >= model.retired:
        reason = f"{model.ref} was retired on {format_moment(model.retired)}"
    else:
        reason = f"{model.ref} has no price on {when}"
    return f"{reason}; it has prices {', and '.join(spans)}"


def short_reason(model: ModelPrice, moment: dt.datetime) -> str:
    """`provider/id (retired 2026-07-24T16:00:00Z)`: why a model is left out, in a few words."""
    if model.retired is not None and moment >= model.retired:
        return f"{model.ref} (retired {format_moment(model.retired)})"
    spans = model.priced_spans()
    starts = [s for s, _ in spans if s is not None and s > moment]
    if starts:
        return f"{model.ref} (priced from {format_moment(min(starts))})"
    return f"{model.ref} (no price on {format_moment(moment)})"


def source_paths(prices: Sequence[str] | None) -> list[str]:
    """`--prices` values, else AICOST_PRICES, else the bundled sheets."""
    if prices:
        return list(prices)
    env = os.environ.get(ENV_PRICES, "").strip()
    if env:
        return [p for p in env.split(os.pathsep) if p]
    return [BUNDLED]


def bundled_dir() -> Path:
    """Where the bundled sheets are: inside the installed package, or the checkout's prices/."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "bundled", package.parents[1] / "prices"):
        if (candidate / "fx.yaml").is_file():
            return candidate
    raise AicostError(
        "the bundled price sheets are missing from this installation", hint="reinstall aicost"
    )


def yaml_files(directory: Path) -> list[Path]:
    """The sheets in a directory: its regular *.yaml and *.yml files (links to them too)."""
    try:
        return sorted(
            p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()
        )
    except OSError as exc:
        raise AicostError(
            f"{directory}: cannot read the directory: {exc.strerror or exc}",
            hint="check its permissions",
        ) from None
