"""From PyKota's XML dump: plan, migrate, verify, run again (nothing changes), figures a user sees."""
from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import time

import pytest

from pykota_ldap.testing.pykota_site import make_site, write_xml
from pykota_ldap.testing.slapd import Slapd

from .conftest import ZONE, Target


@pytest.fixture(scope="module")
def dump(tmp_path_factory, site_rows):
    path = tmp_path_factory.mktemp("dump") / "pykota.xml"
    write_xml(site_rows, path)
    return path


def test_dry_run_writes_nothing_and_tells_the_plan(target, dump, tmp_path):
    before = target.timestamps()
    out = target.run(f"pkmigrate --from {dump} --dry-run --report {tmp_path}/plan.txt").output
    assert target.timestamps() == before
    # the screen shows the first 50 inexact amounts, the report every one of them
    report = (tmp_path / "plan.txt").read_text()
    inexact = [line for line in report.splitlines() if " became " in line]
    assert len(inexact) > 100 and "--report FILE lists them all" in out
    assert "  user user296: balance: 0.30000000000000004 became 0.300" in report
    assert "source " in out and "300 users" in out and "600 jobs" in out
    assert "to write: 9 printers, 298 users, 6 groups, 3 billing codes" in out
    assert "user ghost1: no entry under ou=People" in out
    assert "nothing written" in out


def test_migrate_then_verify_then_nothing_more(target, dump):
    out = target.run(f"pkmigrate --from {dump}").output
    summary = out.strip().splitlines()[-1]
    assert summary.startswith("pkmigrate: ") and "0 failed" in summary and "2 missing" in summary
    # the amounts that floats could not hold in thousandths, listed with what they became
    assert "user user002: balance: 0.30000000000000004 became 0.300" in out
    assert "printer hp3: price per page: 0.0125 became 0.013" in out
    # PyKota's member list against the directory's: reported, not rewritten
    assert "group personnel: members in the directory only: user001" in out

    verified = target.run(f"pkmigrate --from {dump} --verify").output
    assert verified.strip().endswith("s") and " 0 differences" in verified

    before = target.timestamps()
    again = target.run(f"pkmigrate --from {dump}").output
    assert " 0 written" in again
    assert target.timestamps() == before


def test_what_the_admin_commands_show(target, dump, site_rows):
    """The figures as repykota and dumpykota show them."""
    users = target.slapd.ldapsearch("ou=People," + target.slapd.suffix, "(uid=user002)", "pkBalance", "pkLimitBy",
                                    "pkOverCharge", "objectClass")
    assert "pkBalance: 300" in users and "objectClass: pkAccount" in users
    report = target.run("repykota -P hp1 user003").output
    grace = target.run("dumpykota -d upquotas -f csv username=user003").output
    assert "2026-11-23" in grace                          # the grace date in progress moved
    assert "user003" in report
    payments = target.run("dumpykota -d payments -f csv username=user002").output
    assert "versement n°1 à l'accueil" in payments
    history = target.run("dumpykota -d history -f csv jobid=101").output
    assert "Thèse – chapitre 2" in history
    # "None" strings of PyKota are unset values, not the text None
    nones = target.slapd.ldapsearch("ou=Jobs,ou=PyKota," + target.slapd.suffix, "(pkTitle=None)", "cn")
    assert "dn:" not in nones


def test_what_the_directory_has_is_never_overwritten(target, dump):
    """A printer changed by hand since (or a balance charged): listed, left as it is."""
    dn = "cn=hp1,ou=Printers,ou=PyKota," + target.slapd.suffix
    target.slapd.ldapmodify(f"dn: {dn}\nchangetype: modify\nreplace: pkPricePerPage\npkPricePerPage: 70\n")
    try:
        out = target.run(f"pkmigrate --from {dump}").output
        assert "printer hp1: price per page is 0.07 in the directory, 0.05 in PyKota" in out
        assert " 0 written" in out and " 1 differing" in out
        assert "pkPricePerPage: 70" in target.slapd.ldapsearch(dn, "(objectClass=*)", "pkPricePerPage", scope="base")
        verified = target.run(f"pkmigrate --from {dump} --verify", ok=False)
        assert verified.exit_code == 1 and " 1 difference, 0 notes" in verified.output
    finally:
        target.slapd.ldapmodify(f"dn: {dn}\nchangetype: modify\nreplace: pkPricePerPage\npkPricePerPage: 50\n")


def test_killed_mid_run_then_finished_exactly(tmp_path, site_rows):
    """SIGKILL while writing, then a second run: the directory is exactly the source."""
    rows = make_site(users=60, jobs=2500, seed=16)
    path = tmp_path / "big.xml"
    write_xml(rows, path)
    with Slapd() as server:
        home = server.write_config(tmp_path / "etc")
        target = Target(server, home, rows)
        env = {**os.environ, "PYKOTA_HOME": str(home)}
        terminal, terminal_side = pty.openpty()          # stderr on a terminal: the progress counter shows
        proc = subprocess.Popen([sys.executable, "-m", "pykota_ldap.cli.pkmigrate", "--from", str(path),
                                 "--timezone", ZONE], env=env,
                                stdout=subprocess.DEVNULL, stderr=terminal_side)
        os.close(terminal_side)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            written = server.ldapsearch("ou=Jobs,ou=PyKota," + server.suffix, "(objectClass=pkJob)", "1.1")
            if written.count("dn:") > 500:
                break
            time.sleep(0.2)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        shown = os.read(terminal, 65536).decode()
        os.close(terminal)
        assert "\rpkmigrate: 500/" in shown and " written" in shown
        half = server.ldapsearch("ou=Jobs,ou=PyKota," + server.suffix, "(objectClass=pkJob)", "1.1").count("dn:")
        assert 0 < half < 2500, "the run was to be killed while writing the history"
        assert target.run(f"pkmigrate --from {path} --verify", ok=False).exit_code == 1
        target.run(f"pkmigrate --from {path}")
        assert " 0 differences" in target.run(f"pkmigrate --from {path} --verify").output
        done = server.ldapsearch("ou=Jobs,ou=PyKota," + server.suffix, "(objectClass=pkJob)", "1.1").count("dn:")
        assert done == 2500


def test_bad_sources_one_line(target, tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text("<html><body>not a dump</body></html>")
    result = target.run(f"pkmigrate --from {bad}", ok=False)
    assert result.exit_code == 1 and "not part of PyKota's XML dump" in result.output
    assert len(result.output.strip().splitlines()) == 1
    missing = target.run(f"pkmigrate --from {tmp_path}/nothing.xml", ok=False)
    assert missing.exit_code == 1 and "no such file" in missing.output


def test_create_missing_follows_newuser_below(tmp_path, site_rows, dump):
    from pykota_ldap.schema_files import schema_path
    with Slapd() as server:
        server.ldapmodify(schema_path("pykota-ldap-acl-below.ldif"), config=True)
        target = Target(server, server.write_config(tmp_path / "attach"), site_rows)
        refused = target.run(f"pkmigrate --from {dump} --create-missing", ok=False)
        assert refused.exit_code == 1 and "follows newuser: below" in refused.output
        target.home = server.write_config(tmp_path / "below", extra_global="newuser: below\nnewgroup: below\n")
        out = target.run(f"pkmigrate --from {dump} --create-missing").output
        assert " 0 failed" in out and " 0 missing" in out
        ghost = server.ldapsearch("ou=People," + server.suffix, "(uid=ghost1)", "objectClass", "pkBalance")
        assert "objectClass: account" in ghost and "objectClass: pkAccount" in ghost
        assert " 0 differences" in target.run(f"pkmigrate --from {dump} --verify").output
