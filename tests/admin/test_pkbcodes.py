"""pkbcodes: billing codes; their counters move only with printed jobs and resets."""
from __future__ import annotations

from datetime import datetime, timezone

from .conftest import charge
from .test_seed import attrs

CODES = "ou=BillingCodes,ou=PyKota,dc=example,dc=org"


def test_add_list_reset_delete(sh, admin_directory):
    sh("pkbcodes -a -D 'Projet X' projX projY")
    sh("pkbcodes -a -s -D other projX")
    sh("pkprinters -a hp4")
    sh("pkusers -a jerome")
    sh("edpykota -a jerome")
    charge(admin_directory, "jerome", "hp4", 4, datetime(2026, 1, 5, tzinfo=timezone.utc), 2500, billing="projX")
    assert sh("pkbcodes -l 'proj*'").stdout.splitlines() == [
        "projX [Projet X] 4 pages and -2.50 credits", "projY [Projet X] 0 pages and 0.00 credits"]
    sh("pkbcodes -r projX")
    entry = attrs(sh, CODES, "(cn=projX)", "pkPageCounter", "pkBalance")[f"cn=projX,{CODES}"]
    assert entry == {"pkPageCounter": ["0"], "pkBalance": ["0"]}
    sh("pkbcodes -D 'renamed' projY")
    assert "renamed" in sh("pkbcodes -l projY").stdout
    sh("pkbcodes -d projX")
    assert sh.search(CODES, "(cn=projX)", "dn") == ""
    assert "pkBillingCode: projX" in sh.search("ou=Jobs,ou=PyKota,dc=example,dc=org", "(pkBillingCode=projX)",
                                               "pkBillingCode")          # the history keeps it


def test_names_from_stdin_argument_file(sh):
    sh("pkprinters -a hp4 hp5")
    sh("pkusers -a -A - ", input="jerome\ntoto\n")
    sh("edpykota -a -S 3 -A -", input='-P\nhp5\n"jerome"\n')
    cns = sorted(v["cn"][0] for v in attrs(sh, "ou=UserQuotas,ou=PyKota,dc=example,dc=org",
                                           "(objectClass=pkUserQuota)", "cn").values())
    assert cns == ["jerome@hp5"]
