"""Commands registered on the main app (filled in by its issue)."""

from __future__ import annotations
