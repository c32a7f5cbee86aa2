"""The history chart's time axis: tick times at a round step (minutes to decades, UTC)
and their short labels. Pure: no Flask, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

MINUTE, HOUR, DAY = 60, 3600, 86400
# (unit, how many): tried from the finest; the first giving at most ``most`` ticks wins.
STEPS = (
    *[("second", n) for n in (1, 2, 5, 10, 15, 30)],
    *[("second", n * MINUTE) for n in (1, 2, 5, 10, 15, 30)],
    *[("second", n * HOUR) for n in (1, 2, 3, 6, 12)],
    ("day", 1),
    ("day", 2),
    ("week", 1),
    ("week", 2),
    *[("month", n) for n in (1, 2, 3, 6)],
    *[("year", n) for n in (1, 2, 5, 10, 25, 50, 100)],
)
APPROX = {"second": 1, "day": DAY, "week": 7 * DAY, "month": 28 * DAY, "year": 365 * DAY}
EPOCH = datetime(1970, 1, 5, tzinfo=UTC)  # a Monday: weeks start on Mondays


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes (stored as UTC); PostgreSQL aware ones."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _aligned(start: datetime, end: datetime, unit: str, n: int) -> list[datetime]:
    out: list[datetime] = []
    if unit in ("second", "day", "week"):
        size = n * {"second": 1, "day": DAY, "week": 7 * DAY}[unit]
        offset = (start - EPOCH).total_seconds()
        first = EPOCH + timedelta(seconds=-(-offset // size) * size)
        t = first
        while t <= end:
            out.append(t)
            t += timedelta(seconds=size)
            if len(out) > 400:  # never reached with the steps above; a guard all the same
                break
        return out
    if unit == "month":
        index = start.year * 12 + start.month - 1
        if start > datetime(start.year, start.month, 1, tzinfo=UTC):
            index += 1
        index = -(-index // n) * n
        while True:
            t = datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)
            if t > end:
                return out
            out.append(t)
            index += n
    year = start.year + (start > datetime(start.year, 1, 1, tzinfo=UTC))
    year = -(-year // n) * n
    while year <= end.year and year <= 9999:
        out.append(datetime(year, 1, 1, tzinfo=UTC))
        year += n
    return out


def ticks(start: datetime, end: datetime, most: int = 8) -> tuple[list[datetime], str]:
    """Round moments between ``start`` and ``end`` (both included when round), at the
    finest step giving at most ``most`` of them; and that step's unit for the labels."""
    start, end = as_utc(start), as_utc(end)
    span = (end - start).total_seconds()
    for unit, n in STEPS:
        if span / (n * APPROX[unit]) > most + 1:  # far too many: not worth listing
            continue
        found = _aligned(start, end, unit, n)
        if len(found) <= most:
            if unit == "second":
                return found, "seconds" if n < MINUTE else "time"
            return found, unit
    return [], "year"


def tick_label(moment: datetime, kind: str, first: bool = False) -> str:
    """Short: "14:05:30" within minutes, "14:05" within a day ("3 Mar" at midnight),
    "3 Mar" for days and weeks, "Mar" for months ("Jan 2027" in January and on the first
    tick), "2027" for years."""
    if kind == "seconds":
        return f"{moment:%H:%M:%S}"
    if kind == "time":
        if (moment.hour, moment.minute) == (0, 0):
            return f"{moment.day} {moment:%b}"
        return f"{moment:%H:%M}"
    if kind in ("day", "week"):
        return f"{moment.day} {moment:%b}"
    if kind == "month":
        return f"{moment:%b} {moment.year}" if first or moment.month == 1 else f"{moment:%b}"
    return str(moment.year)


def when(moment: datetime) -> str:
    """A moment in full, for tooltips and the events list: "3 Mar 2026 14:05 UTC"."""
    moment = as_utc(moment)
    return f"{moment.day} {moment:%b %Y %H:%M} UTC"


def day(moment: datetime) -> str:
    moment = as_utc(moment)
    return f"{moment.day} {moment:%b %Y}"
