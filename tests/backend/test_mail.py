"""Mail of refused and warned jobs through a real SMTP server (aiosmtpd), through the real cupsd
and backend: recipients, subject, language, the admin's texts, MIME; and a relay that is down
or hangs never holds a job longer than `smtptimeout`, the mail queued for the next run."""
from __future__ import annotations

import time

import pytest

from pykota_ldap.directory import accounts, printers, quotas
from pykota_ldap.testing.smtp import MailServer, SilentServer

pytest.importorskip("aiosmtpd")


@pytest.fixture(scope="module")
def smtp():
    with MailServer() as server:
        yield server


@pytest.fixture
def mail(smtp):
    smtp.received.clear()
    return smtp


def _alice_over(rig, hard=0, soft=None, limit_by="quota", balance=0):
    queue = rig.queue()
    printers.add_printer(rig.d, queue, price_per_page=100)
    accounts.attach_user(rig.d, "alice", limit_by=limit_by, balance=balance)
    quotas.add_user_quota(rig.d, "alice", queue, soft=soft, hard=hard)
    return queue


def test_a_refused_job_mails_the_user_and_the_admin_by_default(rig, mail):
    queue = _alice_over(rig, hard=0)
    rig.configure(f"smtpserver: 127.0.0.1:{mail.port}\nadmin: Print Desk\nadminmail: printdesk@example.org\n")
    job = rig.print(queue, 2)
    assert job.state == "canceled"
    assert "refused" in job.message                                  # lpstat still says why
    received = mail.wait(2)
    assert sorted(r.recipients[0] for r in received) == ["alice@example.org", "printdesk@example.org"]
    user = next(r for r in received if r.recipients == ["alice@example.org"])
    assert user.message["Subject"] == f"Printing stopped: your page quota on {queue} is used up"
    assert user.message["From"] == "Print Desk <printdesk@example.org>"
    assert user.message["Date"] and user.message["Message-ID"].endswith("@example.org>")
    assert user.message.get_content_charset() == "utf-8"
    assert "Hello alice," in user.body and "hard limit of 0 pages reached" in user.body
    assert user.body.rstrip().endswith("Print Desk <printdesk@example.org>, your print administrator")
    admin = next(r for r in received if r.recipients == ["printdesk@example.org"])
    assert admin.message["Subject"] == f"Print quota: alice on {queue}: refused"


def test_the_admin_s_hardwarn_in_french_reaches_the_user_as_typed(rig, mail):
    queue = _alice_over(rig, hard=0)
    text = "Quota épuisé : $(id) `id` ; voyez l'accueil.\\nMerci."
    rig.configure(f"smtpserver: 127.0.0.1:{mail.port}\nmailto: user\nmaillanguage: fr\n",
                  **{queue: f"hardwarn: {text}"})
    job = rig.print(queue, 1)
    assert job.state == "canceled"
    [only] = mail.wait(1)
    assert only.recipients == ["alice@example.org"]
    assert only.message["Subject"] == f"Impression bloquée : votre quota de pages sur {queue} est épuisé"
    assert only.body.startswith("Quota épuisé : $(id) `id` ; voyez l'accueil.\nMerci.\n")
    assert "votre administrateur d'impression" in only.body
    time.sleep(0.5)
    assert len(mail.received) == 1                                   # mailto: user: no admin notice


def test_a_user_s_preferred_language_wins_over_the_site_s(rig, mail):
    queue = _alice_over(rig, hard=0)
    rig.slapd.ldapmodify("dn: uid=alice,ou=People,dc=example,dc=org\nchangetype: modify\n"
                         "replace: preferredLanguage\npreferredLanguage: fr\n")
    rig.configure(f"smtpserver: 127.0.0.1:{mail.port}\nmaillanguage: en\n")
    rig.print(queue, 1)
    received = {r.recipients[0]: r for r in mail.wait(2)}
    assert received["alice@example.org"].body.startswith("Bonjour alice,")
    assert received["root@localhost"].message["Subject"].startswith("Print quota: alice on")     # the site's


def test_passing_the_soft_limit_and_a_low_balance_warn_and_print(rig, mail):
    queue = _alice_over(rig, soft=1, hard=10)
    rig.configure(f"smtpserver: 127.0.0.1:{mail.port}\nmailto: user\nsoftwarn: Soft limit passed on your floor.\n")
    rig.print(queue, 2)                                              # 2 of 1: the grace period starts
    job = rig.print(queue, 1)
    assert job.state == "completed"
    [warned] = mail.wait(1)
    assert warned.body.startswith("Soft limit passed on your floor.")
    assert "soft limit passed" in warned.message["Subject"]
    mail.received.clear()
    accounts.attach_user(rig.d, "bob", limit_by="balance", balance=500)
    bob_queue = rig.queue()
    printers.add_printer(rig.d, bob_queue, price_per_page=100)
    rig.configure(f"smtpserver: 127.0.0.1:{mail.port}\nmailto: user\n")
    assert rig.print(bob_queue, 1, user="bob").state == "completed"
    [poor] = mail.wait(1)
    assert poor.recipients == ["bob@example.org"] and poor.message["Subject"] == "Your print balance is low"
    assert "0.50 credits left" in poor.body


def test_a_relay_that_hangs_holds_a_job_at_most_smtptimeout_and_the_mail_waits(rig, mail):
    queue = _alice_over(rig, hard=0)
    silent = SilentServer()
    try:
        rig.configure(f"smtpserver: 127.0.0.1:{mail.port}\nmailto: none\n")
        started = time.monotonic()
        rig.print(queue, 1)
        quiet = time.monotonic() - started                          # the same refusal, nobody told
        rig.configure(f"smtpserver: 127.0.0.1:{silent.port}\nsmtptimeout: 1.5\nmailto: user\n")
        started = time.monotonic()
        job = rig.print(queue, 1)
        hung = time.monotonic() - started
    finally:
        silent.close()
    assert job.state == "canceled" and "refused" in job.message
    print(f"job wait: {quiet:.2f} s with no mail, {hung:.2f} s with the relay hanging (smtptimeout 1.5)")
    said = rig.log(job.id)                    # it did wait for the relay (the socket's own 1.5 s may end it first)...
    assert "no answer within 1.5 s" in said or "timed out" in said, said[-2000:]
    assert hung - quiet < 1.5 + 3.5                  # ...that long at most (lpstat is polled, the machine shared)
    queued = list((rig.home / "mailqueue").glob("*.eml"))
    assert len(queued) == 1
    # the relay is back: the next job's delivery sends the waiting mail first
    rig.configure(f"smtpserver: 127.0.0.1:{mail.port}\nmailto: user\n")
    rig.print(queue, 1)
    received = mail.wait(2)
    assert [r.recipients for r in received] == [["alice@example.org"]] * 2
    assert list((rig.home / "mailqueue").glob("*.eml")) == []


def test_a_relay_that_is_down_costs_the_job_nothing(rig):
    queue = _alice_over(rig, hard=0)
    rig.configure("mailto: none\n")
    started = time.monotonic()
    rig.print(queue, 1)
    quiet = time.monotonic() - started
    rig.configure("smtpserver: 127.0.0.1:9\nsmtptimeout: 5\nmailto: both\n")    # discard: nobody listens
    started = time.monotonic()
    job = rig.print(queue, 1)
    down = time.monotonic() - started
    assert job.state == "canceled" and "refused" in job.message
    print(f"job wait: {quiet:.2f} s with no mail, {down:.2f} s with the relay refusing connections")
    assert down - quiet < 2.5                     # no waiting for smtptimeout; lpstat is polled, the machine shared
    assert len(list((rig.home / "mailqueue").glob("*.eml"))) >= 2
