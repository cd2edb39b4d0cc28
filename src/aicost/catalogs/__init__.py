"""Catalog interop: the catalog written in other shapes (and, later, read from peers' catalogs).

`EXPORTERS` maps an `aicost export FORMAT` name to the module whose `export(catalog, at, out)`
writes it; modules are imported only when their format is asked for.
"""

from __future__ import annotations

EXPORTERS = {"prices-table": "aicost.catalogs.price_table"}
