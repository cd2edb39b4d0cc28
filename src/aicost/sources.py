"""Read a catalog from its sources: `@bundled`, sheet files and directories of sheets."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from aicost.catalog import BUNDLED, Catalog, Source, bundled_dir, yaml_files
from aicost.errors import AicostError
from aicost.loader import LoadedFile, load_text
from aicost.prices import FxRates, Gpu, PriceSheet
from aicost.yamlio import read_text


def expand(spec: str) -> list[tuple[Path, str]]:
    """One `--prices` value as (file, display name) pairs, in a stable order."""
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
        raise AicostError(
            f"{spec}: no such file or directory",
            hint="give a sheet file, a directory of sheets, or @bundled",
        )
    return [(path, spec)]


def load_files(files: Sequence[tuple[Path, str]]) -> list[LoadedFile]:
    return [load_text(read_text(path, name), name) for path, name in files]


def assemble(loaded: Sequence[LoadedFile], with_defaults: bool = True) -> Catalog:
    """Build a catalog; a later sheet replaces an earlier one of the same provider slug."""
    sheets: dict[str, PriceSheet] = {}
    fx: FxRates | None = None
    gpus: dict[str, Gpu] = {}
    sources: dict[str, Source] = {}
    for item in loaded:
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
    if with_defaults and (fx is None or not gpus):
        # Sources without reference sheets still convert currencies and check claims
        defaults = {n: p for p, n in expand(BUNDLED)}
        for name, want in (("prices/fx.yaml", fx is None), ("prices/gpus.yaml", not gpus)):
            if want and name in {n for n in defaults}:
                extra = load_text(read_text(defaults[name], name), name)
                if extra.fx is not None:
                    fx = extra.fx
                    sources[fx.path] = Source(fx.path, fx.sha256, fx.date)
                for gpu in extra.gpus:
                    gpus[gpu.key] = gpu
    return Catalog(
        sheets=dict(sorted(sheets.items())),
        fx=fx,
        gpus=dict(sorted(gpus.items())),
        sources=tuple(sorted(sources.values(), key=lambda s: s.path)),
    )


def load_catalog(specs: Sequence[str]) -> Catalog:
    files: list[tuple[Path, str]] = []
    for spec in specs:
        files.extend(expand(spec))
    return assemble(load_files(files))
