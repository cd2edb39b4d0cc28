"""Discount windows measured against the week: which minutes each covers, and traffic profiles.

A week here is the UTC week from Monday 00:00, 10,080 minutes. A set of minutes is an int used
as a bitset (bit m = minute m of the week), so unions, overlaps and counts are exact and cheap.
Windows follow `Window.covers` to the minute: the day is the moment's own weekday, so a window
"Mon-Fri 16:30-00:30" covers Monday 00:00-00:30 too. Across a period's windows the first match
wins, as in `pricing.window_at`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from aicost.model.errors import AicostError
from aicost.model.limits import money_context
from aicost.model.prices import Window

MINUTES_PER_DAY = 1440
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
PROFILES = ("uniform", "business-hours:TZ")
BUSINESS_HOURS = (9 * 60, 17 * 60)  # local, Monday to Friday


def span(start: int, end: int) -> int:
    """The minutes [start, end) of the week as a bitset; `end` may pass the week's end (wraps)."""
    if end <= start:
        return 0
    if end > MINUTES_PER_WEEK:
        return span(start, MINUTES_PER_WEEK) | span(0, end - MINUTES_PER_WEEK)
    return ((1 << (end - start)) - 1) << start


WEEK = span(0, MINUTES_PER_WEEK)


def window_minutes(window: Window) -> int:
    """Every minute of the week the window covers on its own (ignoring other windows)."""
    covered = 0
    for day in window.days or range(7):
        base = day * MINUTES_PER_DAY
        if not window.hours:
            covered |= span(base, base + MINUTES_PER_DAY)
        for start, end in window.hours:
            if start <= end:
                covered |= span(base + start, base + end)
            else:  # wraps past midnight, still on the same weekday
                covered |= span(base + start, base + MINUTES_PER_DAY) | span(base, base + end)
    return covered


def first_match(windows: Sequence[Window]) -> list[int]:
    """Each window's minutes after the windows before it took theirs (first match wins)."""
    taken = 0
    out = []
    for window in windows:
        mine = window_minutes(window) & ~taken
        out.append(mine)
        taken |= mine
    return out


def share(part: int, whole: int = WEEK) -> Decimal:
    """The share of `whole`'s minutes that are in `part`, as a Decimal (0 when `whole` is empty)."""
    total = whole.bit_count()
    if total == 0:
        return Decimal(0)
    with money_context():
        return Decimal((part & whole).bit_count()) / Decimal(total)


@dataclass(frozen=True, slots=True)
class DayRange:
    """Consecutive weekdays, first and last (equal for a single day); 0 = Monday."""

    first: int
    last: int


def day_ranges(days: Sequence[int]) -> tuple[DayRange, ...]:
    """Weekdays grouped into runs: (0, 1, 2, 3, 4) -> Mon-Fri; () -> () (every day)."""
    runs: list[DayRange] = []
    for day in sorted(set(days)):
        if runs and runs[-1].last == day - 1:
            runs[-1] = DayRange(runs[-1].first, day)
        else:
            runs.append(DayRange(day, day))
    return tuple(runs)


# -- traffic profiles -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrafficProfile:
    """When requests arrive, spread evenly over `minutes` of the UTC week."""

    name: str  # as given: "uniform" or "business-hours:Asia/Shanghai"
    minutes: int


def business_hours(zone_name: str, week_of: dt.datetime) -> int:
    """Mon-Fri 09:00-17:00 in IANA zone `zone_name`, as UTC minutes of the week.

    The offsets are those of the week holding `week_of` (daylight saving time moves them).
    """
    import zoneinfo

    try:
        zone = zoneinfo.ZoneInfo(zone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise AicostError(
            f"unknown time zone {zone_name!r} in --traffic-profile",
            hint="give an IANA name such as business-hours:Europe/Berlin or business-hours:UTC",
        ) from None
    monday = week_of.date() - dt.timedelta(days=week_of.weekday())
    covered = 0
    for offset in range(5):
        day = monday + dt.timedelta(days=offset)
        start, end = (
            dt.datetime.combine(day, dt.time(m // 60, m % 60), tzinfo=zone).astimezone(dt.UTC)
            for m in BUSINESS_HOURS
        )
        first = start.weekday() * MINUTES_PER_DAY + start.hour * 60 + start.minute
        length = int((end - start).total_seconds()) // 60
        covered |= span(first, first + length)
    return covered


def traffic_profile(text: str, week_of: dt.datetime) -> TrafficProfile:
    """Parse `uniform` or `business-hours:TZ` into the minutes of the week requests arrive in."""
    given = text.strip()
    if given == "uniform":
        return TrafficProfile(given, WEEK)
    kind, colon, zone = given.partition(":")
    if kind == "business-hours" and colon and zone:
        return TrafficProfile(given, business_hours(zone, week_of))
    raise AicostError(
        f"unknown traffic profile {text!r}",
        hint="give uniform, or business-hours:TZ with an IANA zone such as Asia/Shanghai",
    )
