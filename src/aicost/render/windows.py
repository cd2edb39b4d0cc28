"""Discount windows in plain words: `Mon-Fri 16:30-00:30, Sat-Sun all day: -50%, 79% of the week`."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from aicost.engine.listing import WindowGroup, WindowInfo
from aicost.engine.windows import DAY_NAMES
from aicost.model.prices import Rates
from aicost.render.money import money


def when(window: WindowInfo) -> str:
    """`Mon-Fri 16:30-00:30`, `Sat-Sun all day`, `daily 16:30-00:30`, `all week`."""
    days = ",".join(
        DAY_NAMES[r.first] if r.first == r.last else f"{DAY_NAMES[r.first]}-{DAY_NAMES[r.last]}"
        for r in window.ranges
    )
    hours = ", ".join(window.hours)
    if not days:
        return f"daily {hours}" if hours else "all week"
    return f"{days} {hours or 'all day'}"


def discount(multiplier: Decimal) -> str:
    """x0.5 -> `-50%`, x1.2 -> `+20%`, x1 -> `list price`."""
    change = (multiplier - 1) * 100
    if change == 0:
        return "list price"
    text = f"{abs(change).normalize():f}"
    return f"{'-' if change < 0 else '+'}{text}%"


def rates_words(rates: Rates, currency: str) -> str:
    """`input $0.135, cached $0.035, output $0.55`."""
    parts = [f"input {money(rates.input, currency)}"]
    if rates.cached_input is not None:
        parts.append(f"cached {money(rates.cached_input, currency)}")
    if rates.cache_write is not None:
        parts.append(f"cache write {money(rates.cache_write, currency)}")
    parts.append(f"output {money(rates.output, currency)}")
    return ", ".join(parts)


def week_share(share: Decimal) -> str:
    """A share of the week in whole percent; never `0%` or `100%` for a part of it."""
    whole = (share * 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    if share > 0 and whole == 0:
        return "<1%"
    if share < 1 and whole == 100:
        return ">99%"
    return f"{whole}%"


def group_words(group: WindowGroup, currency: str) -> str:
    """One group of windows: when, the price, and the share of the week it prices."""
    times = ", ".join(when(w) for w in group.windows)
    if group.rates is not None:
        price = rates_words(group.rates, currency)
    else:
        assert group.multiplier is not None
        price = discount(group.multiplier)
    return f"{group.name}: {times}: {price}, {week_share(group.share_of_week)} of the week"
