"""PyKota's date forms for `start=` and `end=` filters, in local time.

    YYYY, YYYYMM, YYYYMMDD, YYYYMMDDhh, YYYYMMDDhhmm, YYYYMMDDhhmmss
        as a start: the first second of that period; as an end: its last second.
    today, yesterday, tomorrow, now, each optionally followed by +N or -N days
        today as a start is 00:00:00, as an end 23:59:59; now is the exact moment.

Unlike PyKota, an invalid date is an error, not silently ignored (a dump of "everything" because
of a typo is not what anyone asked for). A start after the end is swapped, as in PyKota.
"""
from __future__ import annotations

import calendar
import re
from datetime import datetime, timedelta

_NAMED = re.compile(r"^(today|yesterday|tomorrow|now)(?:([+-])(\d+))?$", re.IGNORECASE)
_LENGTHS = (4, 6, 8, 10, 12, 14)


class DateError(ValueError):
    pass


def parse(text: str, as_end: bool, now: datetime | None = None) -> datetime:
    """A local, timezone-aware datetime for one bound."""
    now = (now or datetime.now()).astimezone()
    text = str(text).strip()
    named = _NAMED.match(text)
    if named:
        word, sign, days = named.group(1).lower(), named.group(2), int(named.group(3) or 0)
        offset = {"today": 0, "now": 0, "yesterday": -1, "tomorrow": 1}[word] + (days if sign != "-" else -days)
        moment = now + timedelta(days=offset)
        if word == "now":
            return moment
        return moment.replace(hour=23, minute=59, second=59, microsecond=0) if as_end else \
            moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if not text.isdigit() or len(text) not in _LENGTHS:
        raise DateError(f"invalid date {text!r}: use YYYY[MM[DD[hh[mm[ss]]]]] or today, yesterday, tomorrow, now [+-N]")
    parts = [int(text[0:4])] + [int(text[i:i + 2]) for i in range(4, len(text), 2)]
    year = parts[0]
    month = parts[1] if len(parts) > 1 else (12 if as_end else 1)
    if not 1 <= month <= 12:
        raise DateError(f"invalid date {text!r}: no month {month}")
    last_day = calendar.monthrange(year, month)[1]
    day = parts[2] if len(parts) > 2 else (last_day if as_end else 1)
    defaults = (23, 59, 59) if as_end else (0, 0, 0)
    hour, minute, second = (parts[3:] + list(defaults[len(parts) - 3:]))[:3] if len(parts) > 3 else defaults
    try:
        return datetime(year, month, day, hour, minute, second).astimezone()
    except ValueError as exc:
        raise DateError(f"invalid date {text!r}: {exc}") from None


def window(start: str | None, end: str | None, now: datetime | None = None) -> tuple[datetime | None, datetime | None]:
    """Both bounds; either may be missing (open-ended)."""
    if not (start and end):
        return (parse(start, as_end=False, now=now) if start else None,
                parse(end, as_end=True, now=now) if end else None)
    low, high = parse(start, as_end=False, now=now), parse(end, as_end=True, now=now)
    if low > high:          # a start after the end: swapped, as in PyKota
        low, high = parse(end, as_end=False, now=now), parse(start, as_end=True, now=now)
    return low, high
