"""repykota: PyKota's layout, flags and grace column, totals; only printers with entries."""
from __future__ import annotations

from datetime import datetime, timezone

from pykota_ldap.policy import Limits
from pykota_ldap.report.quota_report import Line, flag_and_grace

from .conftest import charge

WHEN = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)
NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)
LIMITS = Limits(grace_delay_days=7, balance_zero=0, poor_man=1000)


def line(**kw):
    base = dict(name="u", limit_by="quota", used=0, soft=None, hard=None, date_limit=None, balance=0, total=0,
                paid=0, overcharge=1000, warn=0)
    base.update(kw)
    return Line(**base)


def test_flags_and_grace_column():
    assert flag_and_grace(line(used=5, soft=10, hard=20), LIMITS, NOW) == ("-Q", "")
    assert flag_and_grace(line(used=10, soft=10, hard=20, date_limit=datetime(2026, 6, 3, tzinfo=timezone.utc)),
                          LIMITS, NOW) == ("+Q", "2026-06-03")
    assert flag_and_grace(line(used=12, soft=10, hard=20, date_limit=datetime(2026, 5, 3, tzinfo=timezone.utc)),
                          LIMITS, NOW) == ("+Q", "DENY")
    assert flag_and_grace(line(used=20, soft=10, hard=20), LIMITS, NOW) == ("+Q", "DENY")
    assert flag_and_grace(line(used=10, soft=10), LIMITS, NOW) == ("+Q", "DENY")
    assert flag_and_grace(line(limit_by="balance", balance=5000), LIMITS, NOW) == ("-B", "")
    assert flag_and_grace(line(limit_by="balance", balance=1000), LIMITS, NOW) == ("?B", "WARNING")
    assert flag_and_grace(line(limit_by="balance", balance=0), LIMITS, NOW) == ("+B", "DENY")
    assert flag_and_grace(line(limit_by="balance", balance=0, overcharge=0), LIMITS, NOW) == ("-B", "DENY")
    assert flag_and_grace(line(limit_by="balance", balance=0, overcharge=None), LIMITS, NOW) == ("+B", "DENY")
    assert flag_and_grace(line(limit_by="balance", balance=-10), LIMITS, NOW) == ("+B", "DENY")
    assert flag_and_grace(line(limit_by="noquota"), LIMITS, NOW) == ("NQ", "")
    assert flag_and_grace(line(limit_by="nochange"), LIMITS, NOW) == ("NC", "")
    assert flag_and_grace(line(limit_by="noprint"), LIMITS, NOW) == ("NP", "DENY")


def test_report_layout(sh, admin_directory):
    sh("pkprinters -a -D 'Salle A' -c 0.05 hp4")
    sh("pkprinters -a unused")
    sh("pkusers -a jerome")
    sh("pkusers -a -l balance -b 20 quidam")
    sh("edpykota -a -S 50 -H 60 -P hp4 jerome quidam")
    charge(admin_directory, "jerome", "hp4", 12, WHEN, 600)
    out = sh("repykota").stdout.splitlines()
    assert out[:6] == [
        "Report for user quota on printer hp4 (Salle A)",
        "Pages grace time: 7 days",
        "Price per job: 0.000",
        "Price per page: 0.050",
        "User           overcharge   used    soft    hard    balance grace         total       paid warn",
        "-" * 90]
    assert out[6] == "jerome          -Q   1.0      12      50      60      -0.60                  12       0.00    0"
    assert out[7].startswith("quidam          -B   1.0       0      50      60      20.00")
    assert out[8].split() == ["Total", ":", "12", "20.00"]
    assert out[9].split() == ["Real", ":", "unknown"]
    assert "unused" not in "\n".join(out)        # no entries there: not reported


def test_groups_and_ingroups(sh, admin_directory):
    sh("pkprinters -a hp4")
    sh("pkusers -a -g devs")
    sh("pkusers -a charles chloe jerome")
    sh("edpykota -a charles chloe jerome")
    sh("edpykota -a -S 5 -H 8 -g devs")
    charge(admin_directory, "charles", "hp4", 3, WHEN)
    charge(admin_directory, "chloe", "hp4", 4, WHEN)
    out = sh("repykota -g").stdout
    assert "Report for group quota on printer hp4 ()" in out
    row = [li for li in out.splitlines() if li.startswith("devs")][0]
    assert row.split()[:6] == ["devs", "+Q", "N/A", "7", "5", "8"]
    assert out.rstrip().endswith("Totals may be inaccurate if some users are members of several groups.")
    out = sh("repykota -i devs").stdout
    assert "charles" in out and "chloe" in out and "jerome" not in out
