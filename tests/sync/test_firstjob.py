"""`quotaentries: firstjob` (the default) against a real slapd: pksync attaches accounts and writes
no quota entry; the listings still show every managed user on the sync printers, with 0 pages
and the rule's limits until a first job writes the entry (tests/backend/test_firstjob_quota.py)."""
from __future__ import annotations

import csv
import io
import re

from click.testing import CliRunner

from pykota_ldap.cli import dumpykota, edpykota, repykota
from pykota_ldap.config import Config
from pykota_ldap.web.app import create_app

from synchelpers import QUOTAS, RULES

FIRSTJOB = RULES.replace("quotaentries: upfront", "")
EVERYONE = 10


def _run(command, *args: str) -> str:
    result = CliRunner().invoke(command.main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout


def _written(sync, user: str, printer: str, pages: int, soft: int, hard: int) -> None:
    """An entry as a first job leaves it, then hand-edited limits and a few pages."""
    sync.add(f"dn: cn={user}@{printer},{QUOTAS}\nobjectClass: pkUserQuota\ncn: {user}@{printer}\n"
             f"pkUserName: {user}\npkPrinterName: {printer}\npkSoftLimit: {soft}\npkHardLimit: {hard}\n"
             f"pkPageCounter: {pages}\npkLifePageCounter: {pages}\npkWarnCount: 0\n")


def test_pksync_attaches_accounts_and_writes_no_quota_entry(sync):
    sync.rules(FIRSTJOB)
    assert sync.summary() == "pksync: 10 added, 0 updated, 0 retired, 0 unchanged; 2 groups attached"
    assert sync.quotas() == {}
    assert sync.user("toto")["pklimitby"] == ["quota"] and sync.user("prof2")["pkbalance"] == ["50000"]
    assert len(sync.payments("prof2")) == 1
    before = sync.dump()
    assert sync.summary() == "pksync: 0 added, 0 updated, 0 retired, 10 unchanged; nothing changed"
    assert sync.dump() == before


def test_update_and_prune_still_work_on_the_entries_that_exist(sync):
    sync.rules(FIRSTJOB)
    sync.run()
    _written(sync, "toto", "hp1", 7, 1, 2)
    assert sync.summary() == "pksync: 0 added, 0 updated, 0 retired, 10 unchanged; 1 differ from the rules " \
                             "(--update re-applies them); nothing changed"
    assert sync.summary("--update") == "pksync: 0 added, 1 updated, 0 retired, 9 unchanged"
    assert sync.limits("toto") == {"hp1": ("100", "120")} and sync.quotas("toto")["hp1"]["pkpagecounter"] == ["7"]
    sync.delete("uid=toto,ou=People,dc=example,dc=org")
    assert sync.summary("--prune").startswith("pksync: 0 added, 0 updated, 1 retired, 9 unchanged")
    assert sync.quotas() == {}


def test_listings_show_the_entries_not_written_yet_with_the_rules_limits(sync):
    sync.rules(FIRSTJOB)
    sync.run()
    _written(sync, "toto", "hp1", 7, 100, 120)

    report = _run(repykota, "-P", "hp1")
    rows = {line.split()[0]: line.split() for line in report.splitlines() if line[:1].isalpha() and "@" not in line}
    assert rows["toto"][3:6] == ["7", "100", "120"]              # the entry in the directory
    assert rows["alice"][3:6] == ["0", "100", "120"]             # never printed: the rule's entry
    assert rows["prof2"][3:6] == ["0", "-", "-"]
    assert sum(1 for line in report.splitlines() if line.startswith("toto ")) == 1

    listed = _run(edpykota, "-L", "alice", "toto")
    assert "alice@hp1\n    Page counter : 0\n    Lifetime page counter : 0\n    Soft limit : 100\n" in listed
    assert "alice@hp2" in listed and listed.count("toto@hp1") == 1 and "    Page counter : 7\n" in listed

    dumped = list(csv.DictReader(io.StringIO(_run(dumpykota, "-d", "upquotas", "-f", "csv"))))
    assert len(dumped) == EVERYONE * 2                             # every managed user on both printers
    alice = next(r for r in dumped if r["username"] == "alice" and r["printername"] == "hp2")
    assert (alice["pagecounter"], alice["softlimit"], alice["hardlimit"]) == ("0", "100", "120")
    toto = next(r for r in dumped if r["username"] == "toto" and r["printername"] == "hp1")
    assert alice["dn"] == toto["dn"].replace("toto@hp1", "alice@hp2")   # where the first job will write it
    only = list(csv.DictReader(io.StringIO(_run(dumpykota, "-d", "upquotas", "-f", "csv", "username=toto"))))
    assert sorted((r["printername"], r["pagecounter"]) for r in only) == [("hp1", "7"), ("hp2", "0")]


def test_upfront_listings_are_the_entries_alone(sync):
    sync.run()                                                     # RULES: quotaentries: upfront
    sync.delete(f"cn=alice@hp2,{QUOTAS}")
    dumped = list(csv.DictReader(io.StringIO(_run(dumpykota, "-d", "upquotas", "-f", "csv"))))
    assert len(dumped) == EVERYONE * 2 - 1


def test_the_web_report_shows_them_too(sync):
    sync.slapd.write_config(sync.home, extra_global="webadmins: admins\n", extra=FIRSTJOB)
    sync.run()
    client = create_app(Config(sync.home)).test_client()
    page = client.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"csrf": csrf, "username": "jerome", "password": "jeromepw"})
    assert answer.status_code == 302, answer.text
    report = client.get("/admin/report?printer=hp2&mask=alice").text
    assert "Report for user quota on printer hp2" in report
    row = report.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row)
    assert "alice" in row and cells[2:5] == ["0", "100", "120"], cells
