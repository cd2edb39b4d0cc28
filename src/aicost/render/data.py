"""Results as plain JSON-ready data: Decimals as exact strings, dates as ISO text."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from aicost.model.quantity import exact, format_moment


def to_data(value: Any) -> Any:
    if isinstance(value, Decimal):
        return exact(value)
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, dt.datetime):
        return format_moment(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_data(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.metadata.get("json", True)  # `VIEW_ONLY` fields are for the table, not for data
        }
    if isinstance(value, dict):
        return {str(k): to_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_data(v) for v in value]
    raise TypeError(f"cannot serialise {type(value).__name__}")
