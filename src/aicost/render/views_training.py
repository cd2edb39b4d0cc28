"""Table and Markdown views (filled in by its issue)."""

from __future__ import annotations
