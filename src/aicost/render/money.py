"""Money and token counts for people: rounding happens here and only here."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal

SYMBOLS = {"USD": "$", "CNY": "¥", "EUR": "€", "GBP": "£", "JPY": "¥"}


def money(value: Decimal | None, currency: str) -> str:
    """`$1,234.57` from 1 upward, 4 significant digits below (`$0.001235`), `-` for none."""
    if value is None:
        return "-"
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value == 0:
        number = "0.00"
    elif value >= 1:
        number = f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_EVEN):,.2f}"
    else:
        exponent = value.adjusted()  # position of the first significant digit
        places = max(2, 3 - exponent)
        rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
        number = f"{rounded:,.2f}" if rounded >= 1 else f"{rounded:.{places}f}"
    symbol = SYMBOLS.get(currency)
    if symbol and not (symbol == "¥" and currency == "JPY"):
        return f"{sign}{symbol}{number}"
    return f"{sign}{number} {currency}"


def tokens(value: int | None) -> str:
    if value is None:
        return "-"
    for size, suffix in ((10**9, "B"), (10**6, "M"), (10**3, "K")):
        if value >= size and value % (size // 1000) == 0:
            text = f"{Decimal(value) / size:f}"
            if "." in text:
                text = text.rstrip("0").rstrip(".")
            return f"{text}{suffix}"
    return f"{value:,}"


def moment(value: dt.datetime | None, default: str = "-") -> str:
    """`2025-09-05 16:00` (UTC), or just the date at midnight."""
    if value is None:
        return default
    if value.time() == dt.time():
        return value.date().isoformat()
    return value.strftime("%Y-%m-%d %H:%M")


def percent(value: Decimal | None) -> str:
    if value is None:
        return "-"
    sign = "+" if value > 0 else ""
    return f"{sign}{value.quantize(Decimal('0.1'), rounding=ROUND_HALF_EVEN)}%"
