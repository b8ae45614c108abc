"""autopykota as `policy: external(autopykota ...)`: the real backend, through cupsd, runs it for the
first job of a user who is not managed yet on a printer that is not either."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pykota_ldap.directory import printers

from .money_helpers import BASE, entries, lifetime_paid, payments_of, run_command, snapshot

AUTOPYKOTA = Path(sys.executable).parent / "autopykota"


def _policy(rig, balance="5"):
    rig.configure(f"policy: external({AUTOPYKOTA} --initbalance {balance} --email @example.org)\n")


def _quota_entries(rig, user):
    return sorted(e["pkPrinterName"] for e in entries(rig.slapd.ldapsearch(
        f"ou=UserQuotas,ou=PyKota,{BASE}", f"(pkUserName={user})", "pkPrinterName")))


def test_a_first_job_attaches_the_user_and_the_printer_and_prints(rig):
    _policy(rig)
    queue = rig.queue()
    # A printer group that already lists the queue's (future) entry as a member.
    group = printers.add_printer(rig.d, f"etage-{queue}")
    rig.d.add_values(group.dn, "member", [printers.printer_dn(rig.d, queue)])
    rig.slapd.ldapmodify(f"dn: uid=chloe,ou=People,{BASE}\nchangetype: modify\ndelete: mail\n")

    job = rig.print(queue, 3, user="chloe")

    assert job.state == "completed", job.message
    assert printers.get_printer(rig.d, queue).description == "printer created with autopykota"
    assert _quota_entries(rig, "chloe") == sorted([queue, group.name])
    assert rig.counter("chloe", queue) == 3 and rig.counter("chloe", group.name) == 3
    assert rig.balance("chloe") == 5000
    [payment] = payments_of(rig.slapd, "chloe")
    assert payment["pkAmount"] == "5000" and lifetime_paid(rig.slapd, "chloe") == 5000
    assert "mail: chloe@example.org" in rig.slapd.ldapsearch(f"uid=chloe,ou=People,{BASE}", "(objectClass=*)",
                                                             "mail", scope="base")
    assert [j["pkAction"] for j in rig.jobs(queue)] == ["ALLOW"]
    listed = run_command(rig.home, "pkusers", "-L", "chloe")
    assert "Limited by : balance" in listed.stdout and "Total paid so far : 5.00" in listed.stdout


def test_two_first_jobs_at_once_and_concurrent_runs_attach_once(rig):
    _policy(rig, balance="7.5")
    first, second = rig.queue(), rig.queue()
    jobs = [(q, rig.print(q, 2, user="bob", wait=False)) for q in (first, second)]
    assert [rig.cups.wait_job(q, j).state for q, j in jobs] == ["completed", "completed"]
    assert len(payments_of(rig.slapd, "bob")) == 1 and lifetime_paid(rig.slapd, "bob") == 7500
    assert rig.balance("bob") == 7500 and _quota_entries(rig, "bob") == sorted([first, second])

    # Four first runs of one user at the same instant, straight from the command line.
    env = {"PYKOTA_HOME": str(rig.home), "PYKOTAUSERNAME": "charles", "PYKOTAPRINTERNAME": first}
    runs = [subprocess.Popen([str(AUTOPYKOTA), "--initbalance", "3"], env={**os.environ, **env},
                             stderr=subprocess.PIPE, text=True) for _ in range(4)]
    assert [r.wait(timeout=60) for r in runs] == [0, 0, 0, 0]
    assert len(payments_of(rig.slapd, "charles")) == 1
    assert rig.balance("charles") == 3000 == lifetime_paid(rig.slapd, "charles")
    assert _quota_entries(rig, "charles") == [first]


def test_a_user_missing_from_the_directory_is_refused_and_nothing_is_written(rig):
    queue = rig.queue()
    before = snapshot(rig.slapd)
    refused = run_command(rig.home, "autopykota", "--initbalance", "5",
                          env={"PYKOTAUSERNAME": "nobody", "PYKOTAPRINTERNAME": queue})
    assert refused.returncode == 1 and "only manages existing users" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    for argv in (["--initbalance", "-1"], ["--initbalance", "x"], ["--email", "example.org"]):
        bad = run_command(rig.home, "autopykota", *argv, env={"PYKOTAUSERNAME": "alice", "PYKOTAPRINTERNAME": queue})
        assert bad.returncode != 0 and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
    assert snapshot(rig.slapd) == before


def test_a_first_job_that_loses_the_race_keeps_the_payment_the_winner_counts(rig, monkeypatch):
    """bob's entry has a description of its own. Run A records the initial payment; run B (a second
    first job) finds it, attaches the account (which counts it); A's attach then fails. A must not
    take B's account for an admin's and delete the payment it counts."""
    from pykota_ldap.directory import accounts, autoattach
    rig.slapd.ldapmodify(f"dn: uid=bob,ou=People,{BASE}\nchangetype: modify\nreplace: description\n"
                         "description: Étudiant\n")
    real_attach = accounts.attach_class

    def b_attaches_first(*args, **kwargs):
        monkeypatch.setattr(accounts, "attach_class", real_attach)
        assert autoattach.ensure_account(rig.d, "bob", 5000)       # run B, between A's two writes
        return real_attach(*args, **kwargs)

    monkeypatch.setattr(accounts, "attach_class", b_attaches_first)
    assert not autoattach.ensure_account(rig.d, "bob", 5000)       # run A
    assert rig.balance("bob") == 5000 == lifetime_paid(rig.slapd, "bob")
    assert [p["pkAmount"] for p in payments_of(rig.slapd, "bob")] == ["5000"]


def test_a_user_managed_again_after_pkusers_d_is_attached_again(rig):
    """pkusers -d leaves the organisation's entry (and its description); the next day's first job
    manages the user again, without an error (the description it would add is there already)."""
    from datetime import datetime, timedelta, timezone

    from pykota_ldap.directory import autoattach
    now = datetime.now(timezone.utc)
    assert autoattach.ensure_account(rig.d, "bob", 5000, when=now - timedelta(days=1))
    assert run_command(rig.home, "pkusers", "-d", "bob").returncode == 0
    assert autoattach.ensure_account(rig.d, "bob", 5000, when=now)
    assert rig.balance("bob") == 5000
    assert lifetime_paid(rig.slapd, "bob") == 5000
    assert len(payments_of(rig.slapd, "bob")) == 2       # pkusers -d keeps the payments (PyKota's history)


def test_a_queue_whose_name_pkprinters_would_refuse_is_not_added(rig):
    """CUPS allows '*' or ',' in a queue's name; a printer called so would be a pattern or a list to
    every admin command (pkprinters -d 'a*' deletes more than it). autopykota refuses it as pkprinters does."""
    before = snapshot(rig.slapd)
    for name in ("lab*", "lab,2"):
        refused = run_command(rig.home, "autopykota", env={"PYKOTAUSERNAME": "alice", "PYKOTAPRINTERNAME": name})
        assert refused.returncode == 1 and refused.stderr.startswith("autopykota: invalid printer name"), \
            refused.stderr
    assert snapshot(rig.slapd) == before


@pytest.mark.parametrize("mode", ["firstjob", "upfront"])
def test_a_sync_user_on_a_printer_autopykota_adds_gets_the_rule_s_limits(rig, mode):
    """The entries autopykota gives on a new sync printer are the rule's, not unlimited ones
    (in upfront mode too: pksync has not seen the printer yet): alice (eleves: hard limit 4)
    may not print 5 pages there."""
    queue = rig.queue()
    rig.configure(f"policy: external({AUTOPYKOTA} --initbalance 5)\n",
                  **{"sync": f"printers: *\nquotaentries: {mode}\n",
                     "sync:eleves": "limitby: quota\nsoftlimit: 3\nhardlimit: 4\n", queue: "enforcement: strict"})
    assert run_command(rig.home, "pksync").returncode == 0

    job = rig.print(queue, 5)
    assert job.state == "canceled", job.message
    [entry] = entries(rig.slapd.ldapsearch(f"ou=UserQuotas,ou=PyKota,{BASE}", f"(pkPrinterName={queue})",
                                           "pkSoftLimit", "pkHardLimit"))
    assert (entry.get("pkSoftLimit"), entry.get("pkHardLimit")) == ("3", "4")
