"""pkprinters: prices in thousandths, groups as member DNs, deletion, odd names."""
from __future__ import annotations

import pytest

from pykota_ldap.testing.ci import require_tools

from .test_seed import attrs

PRINTERS = "ou=Printers,ou=PyKota,dc=example,dc=org"


def printer(sh, name):
    found = attrs(sh, PRINTERS, f"(cn={name})", "*")
    return next(iter(found.values()))


def test_charge_maxjobsize_passthrough(sh):
    sh("pkprinters -a -D 'Salle A' -c 0.055,1.5 -m 50 -p hp4")
    p = printer(sh, "hp4")
    assert p["pkPricePerPage"] == ["55"] and p["pkPricePerJob"] == ["1500"]
    assert p["pkMaxJobSize"] == ["50"] and p["pkPassThrough"] == ["TRUE"] and p["description"] == ["Salle A"]
    sh("pkprinters -c 0.1 -m unlimited -n hp4")
    p = printer(sh, "hp4")
    assert p["pkPricePerPage"] == ["100"] and p["pkPricePerJob"] == ["1500"]     # per job unchanged
    assert "pkMaxJobSize" not in p and p["pkPassThrough"] == ["FALSE"]
    out = sh("pkprinters -l hp4").stdout.splitlines()
    assert out[0] == "hp4 [Salle A] (1.50 + #*0.10)" and "Passthrough mode : OFF" in out[1]
    sh("pkprinters -c -0.5 hp4")                 # negative prices are allowed (refund banners)
    assert printer(sh, "hp4")["pkPricePerPage"] == ["-500"]


def test_skipexisting(sh):
    sh("pkprinters -a -D one hp4")
    sh("pkprinters -a -s -D two hp4")
    assert printer(sh, "hp4")["description"] == ["one"]
    sh("pkprinters -a -D two hp4")
    assert printer(sh, "hp4")["description"] == ["two"]


def test_groups_are_member_dns_and_loops_are_refused(sh):
    sh("pkprinters -a hp4 hp5 floor1 building")
    sh("pkprinters -g floor1 hp4,hp5")
    sh("pkprinters -g building floor1")
    assert sorted(printer(sh, "floor1")["member"]) == [f"cn=hp4,{PRINTERS}", f"cn=hp5,{PRINTERS}"]
    result = sh("pkprinters -g floor1 building", ok=False)
    assert result.exit_code == 1 and "loop" in result.stderr
    out = sh("pkprinters -l floor1").stdout
    assert "Members : hp4, hp5" in out and "in building" in out


def test_delete_purges_entries_and_memberships(sh):
    sh("pkprinters -a hp4 hp5 floor1")
    sh("pkprinters -g floor1 hp4 hp5")
    sh("pkusers -a jerome")
    sh("pkusers -a -g admins")
    sh("edpykota -a jerome")
    sh("edpykota -a -g admins")
    sh("pkprinters -d hp4")
    assert printer(sh, "floor1")["member"] == [f"cn=hp5,{PRINTERS}"]
    assert sh.search("ou=PyKota,dc=example,dc=org", "(pkPrinterName=hp4)", "dn") == ""
    assert "jerome@hp5" in sh.search("ou=PyKota,dc=example,dc=org", "(pkPrinterName=hp5)", "cn")


@pytest.mark.parametrize("name", ["a(b)c", "x=y+z", "back\\slash", "#hash", "semi<>quote\""])
def test_names_with_metacharacters_stay_one_printer(sh, name):
    sh("pkprinters -a plain abc")
    sh(f"pkprinters -a '{name}'")
    listing = sh(f"pkprinters -l '{name}'").stdout
    assert listing.startswith(f"{name} [") and "plain" not in listing and "abc" not in listing
    sh("pkusers -a jerome")
    sh(f"edpykota -a -P '{name}' jerome")
    assert sh(f"edpykota -L -P '{name}'").stdout.splitlines()[0] == f"jerome@{name}"
    sh(f"pkprinters -d '{name}'")
    assert sorted(p.split(" [")[0] for p in sh("pkprinters -l").stdout.splitlines() if " [" in p) == ["abc", "plain"]


def test_cups_without_a_scheduler_is_refused_before_any_write(sh, slapd, monkeypatch):
    require_tools("lpstat")
    monkeypatch.setenv("CUPS_SERVER", "127.0.0.1:1")     # nothing listens there
    from .conftest import snapshot
    before = snapshot(slapd)
    result = sh("pkprinters -a --cups hp4", ok=False)
    assert result.exit_code == 1 and result.stderr.startswith("pkprinters: ")
    assert snapshot(slapd) == before


def test_cups_uri_rewriting():
    from pykota_ldap.cli import cups
    assert cups.routed("socket://10.0.0.4") == "cupspykota:socket://10.0.0.4"
    assert cups.routed("cupspykota:socket://10.0.0.4") == "cupspykota:socket://10.0.0.4"
    assert cups.unrouted("cupspykota:socket://10.0.0.4") == "socket://10.0.0.4"
    assert cups.unrouted("cupspykota://lpd://192.168.31.214/lpd") == "lpd://192.168.31.214/lpd"
