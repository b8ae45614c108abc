"""A group quota entry's own counters (issue 17): members' charges count on it, the reports show
it, `edpykota -g -r` starts it again."""
from __future__ import annotations

from datetime import datetime, timezone

from .conftest import charge

WHEN = datetime(2026, 11, 20, 10, tzinfo=timezone.utc)
PK = "ou=PyKota,dc=example,dc=org"


def _group_row(sh) -> list[str]:
    out = sh("repykota -g").stdout
    return [li for li in out.splitlines() if li.startswith("devs")][0].split()


def test_reset_starts_the_group_counter_again(sh, admin_directory):
    sh("pkprinters -a hp4")
    sh("pkusers -a -g devs")
    sh("pkusers -a charles chloe")
    sh("edpykota -a charles chloe")
    sh("edpykota -a -S 5 -H 8 -g devs")
    charge(admin_directory, "charles", "hp4", 3, WHEN)
    charge(admin_directory, "chloe", "hp4", 4, WHEN)
    assert _group_row(sh)[:6] == ["devs", "+Q", "N/A", "7", "5", "8"]
    listed = sh("edpykota -L -g devs").stdout
    assert "Page counter : 7" in listed and "Lifetime page counter : 7" in listed
    sh("edpykota -g -r devs")
    assert _group_row(sh)[:6] == ["devs", "-Q", "N/A", "0", "5", "8"]
    entry = sh.search(f"ou=GroupQuotas,{PK}", "(cn=devs@hp4)", "pkPageCounter", "pkLifePageCounter")
    assert "pkPageCounter: 0" in entry and "pkLifePageCounter: 7" in entry      # -r keeps the lifetime one
    charge(admin_directory, "chloe", "hp4", 2, WHEN)
    assert _group_row(sh)[3] == "2"
    sh("edpykota -g -R devs")
    entry = sh.search(f"ou=GroupQuotas,{PK}", "(cn=devs@hp4)", "pkPageCounter", "pkLifePageCounter")
    assert "pkPageCounter: 0" in entry and "pkLifePageCounter: 0" in entry
    user = sh.search(f"ou=UserQuotas,{PK}", "(cn=charles@hp4)", "pkPageCounter")
    assert "pkPageCounter: 3" in user                                           # the members' stay
