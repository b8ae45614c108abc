"""edpykota: entries on every printer, limits, counters, group quotas."""
from __future__ import annotations

from datetime import datetime, timezone

from .conftest import charge, snapshot
from .test_seed import attrs

UQ = "ou=UserQuotas,ou=PyKota,dc=example,dc=org"
GQ = "ou=GroupQuotas,ou=PyKota,dc=example,dc=org"
WHEN = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)


def entry(sh, cn, base=UQ):
    found = attrs(sh, base, f"(cn={cn})", "*")
    return next(iter(found.values())) if found else None


def setup(sh):
    sh("pkprinters -a hp4 hp5 pgroup")
    sh("pkprinters -g pgroup hp4 hp5")
    sh("pkusers -a jerome toto")


def test_add_without_printer_covers_every_printer_and_group(sh):
    setup(sh)
    sh("edpykota -a -S 10 jerome")
    cns = sorted(v["cn"][0] for v in attrs(sh, UQ, "(pkUserName=jerome)", "cn").values())
    assert cns == ["jerome@hp4", "jerome@hp5", "jerome@pgroup"]
    e = entry(sh, "jerome@hp4")
    assert e["pkSoftLimit"] == ["10"] and e["pkHardLimit"] == ["10"]      # one limit sets both
    assert e["pkPageCounter"] == ["0"] and e["pkLifePageCounter"] == ["0"]


def test_reset_keeps_the_lifetime_counter_and_hardreset_does_not(sh, admin_directory):
    setup(sh)
    sh("edpykota -a -S 5 -H 8 -P hp4 jerome")
    charge(admin_directory, "jerome", "hp4", 6, WHEN)
    assert "+Q" in sh("repykota -P hp4").stdout
    sh("edpykota -r -P hp4 jerome")
    e = entry(sh, "jerome@hp4")
    assert e["pkPageCounter"] == ["0"] and e["pkLifePageCounter"] == ["6"] and "pkDateLimit" not in e
    sh("edpykota -R -P hp4 jerome")
    assert entry(sh, "jerome@hp4")["pkLifePageCounter"] == ["0"]


def test_used_absolute_and_relative(sh):
    setup(sh)
    sh("edpykota -a -P hp4 jerome")
    sh("edpykota -U 7 -P hp4 jerome")
    assert entry(sh, "jerome@hp4")["pkPageCounter"] == ["7"]
    sh("edpykota -U +3 -P hp4 jerome")
    sh("edpykota -U -2 -P hp4 jerome")
    e = entry(sh, "jerome@hp4")
    assert e["pkPageCounter"] == ["8"] and e["pkLifePageCounter"] == ["8"]


def test_increase_noquota_maxjobsize(sh):
    setup(sh)
    sh("edpykota -a -S 100 -H 120 -P hp4 jerome")
    sh("edpykota -I +10 -P hp4 jerome")
    e = entry(sh, "jerome@hp4")
    assert (e["pkSoftLimit"], e["pkHardLimit"]) == (["110"], ["130"])
    sh("edpykota -I -30 -P hp4 jerome")
    assert entry(sh, "jerome@hp4")["pkSoftLimit"] == ["80"]
    sh("edpykota -m 25 -P hp4 jerome")
    assert entry(sh, "jerome@hp4")["pkMaxJobSize"] == ["25"]
    sh("edpykota -m unlimited -n -P hp4 jerome")
    e = entry(sh, "jerome@hp4")
    assert "pkMaxJobSize" not in e and "pkSoftLimit" not in e and "pkHardLimit" not in e
    out = sh("edpykota -L -P hp4 jerome").stdout
    assert "Soft limit : Unlimited" in out and "Maximum job size : Unlimited" in out


def test_skipexisting_creates_only_what_is_missing(sh):
    setup(sh)
    sh("edpykota -a -S 5 -P hp4 jerome")
    sh("edpykota -a -s -S 50")
    assert entry(sh, "jerome@hp4")["pkSoftLimit"] == ["5"]        # untouched
    assert entry(sh, "toto@hp5")["pkSoftLimit"] == ["50"]         # created
    sh("edpykota -a -S 60 -P hp4 jerome")
    assert entry(sh, "jerome@hp4")["pkSoftLimit"] == ["60"]       # without -s: modified


def test_delete_one_entry_only_and_history_stays(sh, admin_directory):
    setup(sh)
    sh("edpykota -a jerome")
    charge(admin_directory, "jerome", "hp4", 2, WHEN)
    sh("edpykota -d -P hp4 jerome")
    cns = sorted(v["cn"][0] for v in attrs(sh, UQ, "(pkUserName=jerome)", "cn").values())
    assert cns == ["jerome@hp5", "jerome@pgroup"]
    assert "pkUserName: jerome" in sh.search("ou=Jobs,ou=PyKota,dc=example,dc=org", "(objectClass=pkJob)", "pkUserName")


def test_group_quotas_and_their_listing(sh, admin_directory):
    setup(sh)
    sh("pkusers -a -g devs")
    sh("pkusers -a charles chloe")
    sh("edpykota -a -P hp4 charles chloe")
    sh("edpykota -a -S 800 -H 1000 -g devs")
    e = entry(sh, "devs@hp4", GQ)
    assert e["pkSoftLimit"] == ["800"] and e["pkHardLimit"] == ["1000"]   # written at creation (PyKota's LDAP bug)
    charge(admin_directory, "charles", "hp4", 4, WHEN)
    charge(admin_directory, "chloe", "hp4", 5, WHEN)
    out = sh("edpykota -L -g -P hp4 devs").stdout
    assert out.splitlines()[0] == "devs@hp4" and "Page counter : 9" in out


def test_list_is_sorted_and_filtered(sh):
    setup(sh)
    sh("edpykota -a -S 3 jerome toto")
    out = sh("edpykota -L -P hp5 't*'").stdout
    assert out.splitlines()[0] == "toto@hp5" and "jerome" not in out


def test_combined_changes_are_judged_on_the_result_and_write_nothing_when_refused(sh, slapd):
    setup(sh)
    sh("edpykota -a -S 100 -H 100 -P hp4 jerome")
    before = snapshot(slapd)
    done = sh("edpykota -S 5 -I -10 -P hp4 jerome", ok=False)
    assert done.exit_code == 1 and "would make a limit" in done.stderr and "Traceback" not in done.output
    done = sh("edpykota -r -U -5 -P hp4 jerome", ok=False)
    assert done.exit_code == 1 and "would make the page counter" in done.stderr
    assert snapshot(slapd) == before
