"""Read a catalog from its sources: `@bundled`, sheet files and directories of sheets."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from aicost.model.catalog import BUNDLED, Catalog, Source, bundled_dir, yaml_files
from aicost.model.errors import AicostError
from aicost.model.prices import FxRates, Gpu, PriceSheet
from aicost.sheets import cache


def expand(spec: str) -> list[tuple[Path, str]]:
    """One `--prices` value as (file, display name) pairs, in a stable order."""
    if not spec.strip():
        raise AicostError(
            "an empty path was given for the price sheets",
            hint="give a sheet file, a directory of sheets, @bundled or REV:PATH",
        )
    if spec == BUNDLED:
        base = bundled_dir()
        return [(p, f"prices/{p.name}") for p in yaml_files(base)]
    path = Path(spec)
    if path.is_dir():
        files = yaml_files(path)
        if not files:
            raise AicostError(f"{spec}: directory holds no *.yaml or *.yml files")
        return [(p, str(p)) for p in files]
    if not path.exists():
        from aicost.sheets.gitsource import looks_like_rev, materialise

        if looks_like_rev(spec):  # REV:PATH, read from git (HEAD~1:prices)
            return materialise(spec)
        raise AicostError(
            f"{spec}: no such file or directory",
            hint="give a sheet file, a directory of sheets, @bundled or REV:PATH",
        )
    return [(path, spec)]


class Loaded(Protocol):
    """What `assemble` needs of a file: its cached or freshly compiled price data."""

    @property
    def sheet(self) -> PriceSheet | None: ...
    @property
    def fx(self) -> FxRates | None: ...
    @property
    def gpus(self) -> tuple[Gpu, ...]: ...


def compile_file(path: Path, name: str, raw: bytes | None = None) -> cache.Compiled:
    """One file's price data, read from its YAML (from `raw` when its bytes were already read)."""
    from aicost.sheets.loader import load_text
    from aicost.sheets.yamlio import decode, read_text

    text = read_text(path, name) if raw is None else decode(raw, name)
    item = load_text(text, name)
    return cache.Compiled(item.kind, item.sheet, item.fx, item.gpus)


def load_compiled(files: Sequence[tuple[Path, str]]) -> list[cache.Compiled]:
    """Each file's price data, from the compiled catalog cache where it is current."""
    return [cache.load(path, name, compile_file) for path, name in files]


def _gpu_source(path: Path, name: str, gpus: Sequence[Gpu]) -> Source:
    """gpus.yaml as a source: its bytes' digest and the latest date a figure in it was checked."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    dates = [g.checked for g in gpus if g.checked is not None]
    return Source(name, digest, max(dates) if dates else None)


def assemble(loaded: Sequence[Loaded], files: Sequence[tuple[Path, str]] | None = None) -> Catalog:
    """Build a catalog; a later sheet replaces an earlier one of the same provider slug.

    `files` (parallel to `loaded`) names where each came from, so GPU figures can be cited.
    """
    sheets: dict[str, PriceSheet] = {}
    fx: FxRates | None = None
    gpus: dict[str, Gpu] = {}
    sources: dict[str, Source] = {}
    gpu_sources: dict[str, Source] = {}
    for index, item in enumerate(loaded):
        if item.sheet is not None:
            sheet = item.sheet
            previous = sheets.get(sheet.provider)
            if previous is not None:
                sources.pop(previous.path, None)
            sheets[sheet.provider] = sheet
            sources[sheet.path] = Source(sheet.path, sheet.sha256, sheet.checked)
        elif item.fx is not None:
            fx = item.fx
            sources[fx.path] = Source(fx.path, fx.sha256, fx.date)
        else:
            for gpu in item.gpus:
                gpus[gpu.key] = gpu
            if files is not None and item.gpus:
                path, name = files[index]
                gpu_sources[name] = _gpu_source(path, name, item.gpus)
    if fx is None or not gpus:
        # Sources without reference sheets still convert currencies and check claims
        defaults = {n: p for p, n in expand(BUNDLED)}
        for name, want in (("prices/fx.yaml", fx is None), ("prices/gpus.yaml", not gpus)):
            if want and name in defaults:
                extra = cache.load(defaults[name], name, compile_file)
                if extra.fx is not None:
                    fx = extra.fx
                    sources[fx.path] = Source(fx.path, fx.sha256, fx.date)
                for gpu in extra.gpus:
                    gpus[gpu.key] = gpu
                if extra.gpus:
                    gpu_sources[name] = _gpu_source(defaults[name], name, extra.gpus)
    return Catalog(
        sheets=dict(sorted(sheets.items())),
        fx=fx,
        gpus=dict(sorted(gpus.items())),
        sources=tuple(sorted(sources.values(), key=lambda s: s.path)),
        gpu_sources=tuple(sorted(gpu_sources.values(), key=lambda s: s.path)),
    )


def load_catalog(specs: Sequence[str]) -> Catalog:
    """The catalog of these sources; a later source replaces an earlier one's provider."""
    loaded: list[cache.Compiled] = []
    named: list[tuple[Path, str]] = []
    for spec in specs:
        files = expand(spec)
        compiled = load_compiled(files)
        _one_sheet_per_provider(files, compiled)
        loaded.extend(compiled)
        named.extend(files)
    return assemble(loaded, named)


def _one_sheet_per_provider(
    files: Sequence[tuple[Path, str]], compiled: Sequence[cache.Compiled]
) -> None:
    """Within one source (a directory), two sheets of one provider are an error, not a silent pick."""
    first: dict[str, str] = {}
    for (_, name), item in zip(files, compiled, strict=True):
        if item.sheet is None:
            continue
        provider = item.sheet.provider
        if provider in first:
            raise AicostError(
                f"{name}: provider {provider!r} is also the provider of {first[provider]}; "
                "a directory holds one sheet per provider",
                hint="merge the two sheets or give one another provider slug",
            )
        first[provider] = name
