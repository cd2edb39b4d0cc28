"""Foreign catalogs in and out: one module per format, each with the same small interface.

An importer module defines `read(path: Path | None, today: date) -> Imported` (None reads the data
shipped inside the peer's installed package); an exporter module defines
`export(catalog, at, out)` that writes the whole file (atomically) or to stdout when `out` is None.
"""

from __future__ import annotations

# format name -> module that reads it into aicost sheets
IMPORTERS: dict[str, str] = {
    "litellm": "aicost.catalogs.litellm",
    "genai-prices": "aicost.catalogs.genai_prices",
}

# format name -> module that writes the catalog in it
EXPORTERS: dict[str, str] = {
    "litellm": "aicost.catalogs.litellm",
    "genai-prices": "aicost.catalogs.genai_prices",
    "prices-table": "aicost.catalogs.price_table",
}
