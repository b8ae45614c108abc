"""Allocation periods: which day, ISO week or month a moment falls in, and its stable name.

Periods follow the local calendar of the machine that runs pksync (a school's week starts on
its own Monday at midnight, not at midnight UTC). The name is part of the payment entry's name,
which is what makes an allocation happen once per period.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Period:
    kind: str            # daily, weekly, monthly
    key: str             # 2026-11-24, 2026-W48, 2026-11
    start: datetime      # aware, local midnight at the start of the period

    @property
    def label(self) -> str:
        """What the payment's description says: 'allocation weekly 2026-W48'."""
        return f"allocation {self.kind} {self.key}"


def period_of(kind: str, now: datetime) -> Period:
    local = now.astimezone()  # aware datetimes only; the machine's time zone
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if kind == "daily":
        return Period(kind, f"{local:%Y-%m-%d}", midnight)
    if kind == "weekly":
        year, week, weekday = local.isocalendar()
        return Period(kind, f"{year}-W{week:02d}", midnight - timedelta(days=weekday - 1))
    if kind == "monthly":
        return Period(kind, f"{local:%Y-%m}", midnight.replace(day=1))
    raise ValueError(f"unknown period {kind!r}")
