"""Fixture for the pksync tests: a fresh slapd with two printers and the rules of synchelpers.RULES."""
from __future__ import annotations

import time

import pytest

from synchelpers import PRINTERS, RULES, Sync


@pytest.fixture
def sync(slapd, pykota_home, monkeypatch):
    monkeypatch.setenv("PYKOTA_NO_PROGRESS", "1")
    monkeypatch.setenv("TZ", "UTC")              # allocation periods follow the local calendar
    time.tzset()
    slapd.ldapadd("".join(
        f"dn: cn={name},{PRINTERS}\nobjectClass: pkPrinter\ncn: {name}\n\n" for name in ("hp1", "hp2")))
    helper = Sync(slapd, pykota_home)
    helper.rules(RULES)
    yield helper
    monkeypatch.undo()
    time.tzset()
