"""What people read never says `None`: an unset limit is "Unlimited" or "-", an unset date "Not
set". dumpykota's data formats keep PyKota's "None" for an unset value, which scripts parse."""
from __future__ import annotations

import pytest

LISTINGS = ["edpykota -L", "edpykota -L -g", "repykota", "repykota -g", "pkusers -L", "pkusers -L -g",
            "pkprinters -l", "pkbcodes -l"]


@pytest.fixture
def unset(sh):
    """Entries with nothing optional set: no limits, no date, no description, no mail."""
    for line in ("pkprinters -a hp4", "pkusers -a -l balance jerome", "pkusers -a toto", "pkusers -a -g eleves",
                 "edpykota -a -P hp4 jerome toto", "edpykota -a -g -P hp4 eleves", "pkbcodes -a projX"):
        sh(line)
    return sh


@pytest.mark.parametrize("line", LISTINGS)
def test_no_listing_shows_none(unset, line):
    out = unset(line).stdout
    assert out.strip()
    assert "None" not in out


def test_unset_limits_and_dates_say_what_they_mean(unset):
    out = unset("edpykota -L -P hp4 toto").stdout.splitlines()
    assert "    Soft limit : Unlimited" in out and "    Hard limit : Unlimited" in out
    assert "    Date limit : Not set" in out
    [row] = [line for line in unset("repykota -P hp4 toto").stdout.splitlines() if line.startswith("toto")]
    assert row.split()[3:6] == ["0", "-", "-"]                     # used, soft, hard


def test_dumpykota_keeps_pykota_s_none_for_scripts(unset):
    rows = unset("dumpykota -d upquotas -f csv").stdout.splitlines()
    assert rows[0].startswith('"username","printername"')
    assert any(',"None","None","None","None",' in row for row in rows[1:])
