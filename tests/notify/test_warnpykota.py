"""warnpykota against a real slapd and a real SMTP server: exactly the users over or near their
limits are told, once per run; -P and names select; -g tells every member of a group over its
limit; the grace period starts; the summary line and the admin's summary."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pykota_ldap.directory import accounts, printers, quotas
from pykota_ldap.testing.smtp import MailServer

WARNPYKOTA = str(Path(sys.executable).parent / "warnpykota")


@pytest.fixture(scope="module")
def smtp():
    with MailServer() as server:
        yield server


@pytest.fixture
def site(pykota_home, directory, smtp):
    """hp1 and hp2; alice over her hard limit on hp1, bob past his soft limit on hp1 and hp2,
    chloe under her limits, toto a balance user with little left (entries on both printers),
    quidam who never printed, ilabusetrop who may not print."""
    smtp.received.clear()
    d = directory
    for name in ("hp1", "hp2"):
        printers.add_printer(d, name, price_per_page=100)
    for name, limit_by in (("alice", "quota"), ("bob", "quota"), ("chloe", "quota"), ("toto", "balance"),
                           ("quidam", "quota"), ("ilabusetrop", "noprint")):
        accounts.attach_user(d, name, limit_by=limit_by)
    usage = {("alice", "hp1"): (20, 20, 20), ("bob", "hp1"): (12, 10, 30), ("bob", "hp2"): (11, 10, 30),
             ("chloe", "hp1"): (3, 10, 20), ("toto", "hp1"): (4, None, None), ("toto", "hp2"): (2, None, None),
             ("quidam", "hp1"): (0, 0, 0), ("ilabusetrop", "hp1"): (1, None, None)}
    for (user, printer), (used, soft, hard) in usage.items():
        entry = quotas.add_user_quota(d, user, printer, soft=soft, hard=hard)
        if used:
            quotas.add_pages(d, [entry.dn], used)
    toto = accounts.get_user(d, "toto")
    accounts.change_balance(d, toto, 5000)                           # paid 5.00
    accounts.change_balance(d, accounts.get_user(d, "toto"), -4500, paid=False)   # 0.50 left: below poorman 1.0
    (pykota_home / "pykota.conf").write_text((pykota_home / "pykota.conf").read_text()
                                             + f"smtpserver: 127.0.0.1:{smtp.port}\nadminmail: desk@example.org\n")
    return smtp


def warnpykota(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([WARNPYKOTA, *args], capture_output=True, text=True, timeout=60)


def _told(smtp, count: int) -> list[tuple[str, str]]:
    return sorted((r.recipients[0], r.message["Subject"]) for r in smtp.wait(count))


def test_exactly_the_users_over_or_near_a_limit_are_told_once(site, directory):
    done = warnpykota()
    assert done.returncode == 0, done.stderr
    assert done.stdout == ("warnpykota: 7 quota entries checked, 3 near a limit, 2 over; "
                           "6 mails sent, 0 queued, 0 commands run\n")
    told = _told(site, 6)
    assert told == [
        ("alice@example.org", "Printing stopped: your page quota on hp1 is used up"),
        ("bob@example.org", "Page quota on hp1: soft limit passed"),
        ("bob@example.org", "Page quota on hp2: soft limit passed"),
        ("desk@example.org", "warnpykota: 3 warned, 2 over their limits"),
        ("ilabusetrop@example.org", "You are not allowed to print"),
        ("toto@example.org", "Your print balance is low"),                  # once, though on two printers
    ]
    summary = next(r for r in site.received if r.recipients == ["desk@example.org"])
    assert "alice on hp1: hard limit of 20 pages reached (20 used)" in summary.body
    # bob's grace period started, as a job would have started it
    assert quotas.user_quotas(directory, "bob", ["hp1"])["hp1"].date_limit is not None


def test_printers_and_names_select(site):
    done = warnpykota("-P", "hp2", "b*,t*")
    assert done.returncode == 0, done.stderr
    assert [r for r, _ in _told(site, 3)] == ["bob@example.org", "desk@example.org", "toto@example.org"]


def test_groups_tell_every_member_of_a_group_over_its_limit(site, directory):
    group = accounts.attach_group(directory, "devs")
    assert group is not None
    accounts.attach_user(directory, "charles")
    quotas.add_user_quota(directory, "charles", "hp1")
    quotas.add_pages(directory, [quotas.user_quota_dn(directory, "charles", "hp1")], 8)
    quotas.add_group_quota(directory, "devs", "hp1", soft=5, hard=5)
    done = warnpykota("-g", "devs")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("warnpykota: 1 group entries checked, 0 near a limit, 2 over")
    assert [r for r, _ in _told(site, 3)] == ["charles@example.org", "chloe@example.org", "desk@example.org"]


def test_an_smtp_server_that_is_down_queues_the_mail(site, pykota_home):
    conf = pykota_home / "pykota.conf"
    conf.write_text(conf.read_text() + "smtpserver: 127.0.0.1:9\n")
    done = warnpykota("alice")
    assert done.returncode == 0
    assert "mail not delivered through 127.0.0.1:9" in done.stderr and "2 queued" in done.stdout
    assert len(list((pykota_home / "mailqueue").glob("*.eml"))) == 2


def test_bad_input(site):
    done = warnpykota("-P", "nosuch")
    assert done.returncode != 0 and len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_an_address_with_a_line_break_is_not_mailed_and_stops_no_one_else(site, directory):
    # A mail attribute holding CR/LF (a header injection attempt, or a bad import) is never put in
    # a header; that user's mail is skipped and said, everyone else is still told.
    accounts.set_user_mail(directory, accounts.get_user(directory, "alice"), "alice@example.org\r\nBcc: x@evil.org")
    done = warnpykota()
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "alice" in done.stderr and "not mailed" in done.stderr
    told = _told(site, 5)
    assert [r for r, _ in told] == ["bob@example.org", "bob@example.org", "desk@example.org",
                                    "ilabusetrop@example.org", "toto@example.org"]
    assert all("evil" not in r for received in site.received for r in received.recipients)
