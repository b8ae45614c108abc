"""What a refused or warned user reads: under strict enforcement, what the job would do; under
laxist, the usage before it. Every refusal leaves a history entry, unknown users' too."""
from __future__ import annotations

from pykota_ldap.directory import accounts, printers, quotas

from .conftest import run_backend
from .waiting import history, managed


def _used(rig, queue, pages):
    quotas.set_usage(rig.d, quotas.user_quota_dn(rig.d, "alice", queue), pages)


def test_strict_hard_limit_says_where_the_job_would_take_the_user(rig):
    rig.configure("enforcement: strict\n")
    queue = rig.queue()
    managed(rig, queue, hard=15)
    _used(rig, queue, 11)
    denied = rig.print(queue, 8)
    assert denied.state == "canceled"
    assert "this 8-page job would bring you to 19 of your 15 pages" in denied.message, denied.message
    assert rig.counter("alice", queue) == 11


def test_strict_soft_limit_warns_with_what_the_job_does(rig):
    rig.configure("enforcement: strict\n")
    queue = rig.queue()
    managed(rig, queue, hard=20)
    quotas.set_limits(rig.d, quotas.user_quota_dn(rig.d, "alice", queue), 10, 20)
    _used(rig, queue, 3)
    job = rig.print(queue, 8)
    assert job.state == "completed"
    told = job.message + rig.log(job.id)
    assert "this 8-page job brings you to 11 of your 10 pages" in told and "grace until" in told, job.message


def test_laxist_keeps_the_usage_before_the_job(rig):
    queue = rig.queue()
    managed(rig, queue, hard=15)
    _used(rig, queue, 15)
    denied = rig.print(queue, 8)
    assert "hard limit of 15 pages reached (15 used)" in denied.message, denied.message


def test_refusing_an_unknown_user_leaves_a_history_entry(rig):
    queue = rig.queue()
    managed(rig, queue)
    denied = rig.print(queue, 1, user="quidam")
    assert denied.state == "canceled" and "quidam" in denied.message
    assert history(rig, queue) == [("DENY", "0")]
    assert [j["pkUserName"] for j in rig.jobs(queue)] == ["quidam"]


def test_a_refusal_whose_entry_waits_for_the_directory_says_so(rig, cups_home):
    """askconfirmation answers CANCEL and the directory goes away at that moment: the refusal's
    history entry waits in the journal, and CUPS is told it was never printed."""
    queue = rig.queue()
    managed(rig, queue)
    rig.configure(**{queue: f"askconfirmation: sh -c 'kill {rig.slapd.process.pid}; echo CANCEL'"})
    rig.d.close()
    try:
        job = rig.print(queue, 1)
        log = rig.log(job.id)
    finally:
        rig.slapd.restart()
    assert job.state == "canceled"
    assert "directory lost before printing" in log and "history entry of job" in log, log[-1500:]
    assert "after printing" not in log
    done = run_backend(rig.cups, "--replay", env={"PYKOTA_HOME": str(cups_home), "PATH": "/usr/bin:/bin"})
    assert "1 applied" in done.stdout, done.stderr
    assert history(rig, queue) == [("CANCEL", "0")]


def test_a_strict_balance_job_bills_its_whole_price_to_its_billing_code(rig):
    rig.configure("enforcement: strict\n")
    queue = rig.queue()
    printers.add_printer(rig.d, queue, price_per_page=100)
    accounts.attach_user(rig.d, "bob", limit_by="balance", balance=1000)
    assert rig.print(queue, 3, user="bob", options={"job-billing": "PROJ7"}).state == "completed"
    assert rig.balance("bob") == 700
    code = rig.slapd.ldapsearch("cn=PROJ7,ou=BillingCodes,ou=PyKota,dc=example,dc=org", "(objectClass=*)",
                                "pkBalance", "pkPageCounter", scope="base")
    assert "pkBalance: -300" in code and "pkPageCounter: 3" in code, code
