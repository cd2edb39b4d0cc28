"""`--engine`: which engine prices the records. Each is a module with the same `price` function
(`price(source, catalog, options) -> UsageResult`), imported only when chosen, so an optional
engine's dependency (duckdb, pyspark) is needed only by those who pick it."""

from __future__ import annotations

import importlib
from types import ModuleType

from aicost.model.errors import AicostError

ENGINES = {
    "python": "aicost.usage.engine_python",
    "duckdb": "aicost.usage.engine_duckdb",
    "spark": "aicost.usage.engine_spark",
}
EXTRAS = {"duckdb": "duckdb", "spark": "pyspark"}  # engine -> the package its extra installs


AUTO_RECORDS = 200_000  # --engine auto: DuckDB (when installed) from this many records up
AUTO_BYTES = 50 * 1024 * 1024  # ... or from this many bytes of input files


def auto_engine(input_bytes: int) -> str:
    """`auto`: duckdb when it is installed and the input is large, else python."""
    import importlib.util

    if input_bytes > AUTO_BYTES and importlib.util.find_spec("duckdb") is not None:
        return "duckdb"
    return "python"


def engine_module(name: str, input_bytes: int = 0) -> ModuleType:
    """The engine `name`; `auto` chooses by the input's size (`auto_engine`)."""
    if name == "auto":
        name = auto_engine(input_bytes)
    if name not in ENGINES:
        raise AicostError(f"unknown --engine {name!r}", hint="use auto, " + ", ".join(ENGINES))
    path = ENGINES[name]
    try:
        return importlib.import_module(path)
    except ModuleNotFoundError as exc:
        if exc.name == path:
            raise AicostError(
                f"--engine {name} is not available in this build of aicost",
                hint="use --engine python",
            ) from None
        if exc.name == EXTRAS.get(name):
            raise AicostError(
                f"--engine {name} needs aicost[{name}]",
                hint=f"pip install 'aicost[{name}]'",
            ) from None
        raise
