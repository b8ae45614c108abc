"""The stated rule: a float in its shortest decimal form, rounded half away from zero to a thousandth;
every value that was not exact is listed."""
from __future__ import annotations

from datetime import timezone

import pytest

from pykota_ldap.migrate.site import BadValue, Site, Values


@pytest.mark.parametrize("raw,milli,exact", [
    (12.5, 12500, True), ("12.5", 12500, True), (0.1 + 0.2, 300, False), (3.3333, 3333, False),
    (0.0125, 13, False), (-0.0125, -13, False), (0.0005, 1, False), (-2.5, -2500, True),
    ("None", 0, True), (None, 0, True), ("", 0, True), (7, 7000, True), (1e-4, 0, False),
])
def test_money_rule(raw, milli, exact):
    site = Site()
    assert Values(site, timezone.utc).money(raw, "user x: balance") == milli
    assert (site.inexact == []) == exact
    if not exact:
        [listed] = site.inexact
        assert listed.where == "user x: balance" and listed.migrated == milli and "became" in str(listed)


@pytest.mark.parametrize("raw", ["inf", "nan", "12,5.3", "abc"])
def test_not_an_amount(raw):
    with pytest.raises(BadValue, match="is not an amount"):
        Values(Site(), timezone.utc).money(raw, "user x: balance")


def test_factor_and_none_strings():
    v = Values(Site(), timezone.utc)
    assert v.factor("None", "overcharge") == 1000 and v.factor(1.5, "overcharge") == 1500
    assert v.integer("None", "soft limit") is None and v.integer("200", "soft limit") == 200
    assert v.text("None") is None and v.flag("t") and v.flag("True") and not v.flag("f")
    assert v.date("2026-11-23 12:00:00", "grace").tzinfo is timezone.utc
