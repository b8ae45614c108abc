"""Allocation periods: names and boundaries in the machine's local calendar."""
from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from pykota_ldap.sync.periods import period_of


@pytest.fixture
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("kind, moment, key, start", [
    ("daily", "2026-11-24T23:59:59", "2026-11-24", "2026-11-24T00:00:00"),
    ("weekly", "2026-11-29T23:59:59", "2026-W48", "2026-11-23T00:00:00"),
    ("weekly", "2026-11-30T00:00:00", "2026-W49", "2026-11-30T00:00:00"),
    ("weekly", "2027-01-01T12:00:00", "2026-W53", "2026-12-28T00:00:00"),   # ISO year
    ("monthly", "2026-12-31T23:00:00", "2026-12", "2026-12-01T00:00:00"),
    ("monthly", "2027-01-01T00:00:00", "2027-01", "2027-01-01T00:00:00"),
])
def test_period_names_and_starts(utc, kind, moment, key, start):
    period = period_of(kind, datetime.fromisoformat(moment).replace(tzinfo=timezone.utc))
    assert period.key == key
    assert period.start == datetime.fromisoformat(start).replace(tzinfo=timezone.utc)
    assert period.label == f"allocation {kind} {key}"


def test_periods_follow_local_time(monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    try:
        # Monday 00:20 in Paris is still Sunday in UTC: the week is already the new one.
        assert period_of("weekly", datetime(2026, 11, 29, 23, 20, tzinfo=timezone.utc)).key == "2026-W49"
    finally:
        monkeypatch.undo()
        time.tzset()
