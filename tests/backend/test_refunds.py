"""pkrefund on jobs the real backend charged through cupsd: the money, the counters of the printer
and of the printer groups above it, the history and the receipts; exactly once under four admins
at the same time and after a SIGKILL."""
from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from PIL import Image

from pykota_ldap import money
from pykota_ldap.directory import accounts, history, printers, quotas, refunds
from pykota_ldap.directory.records import to_time

from .money_helpers import (
    BASE,
    lifetime_paid,
    payments_of,
    pdf_images,
    pdf_pages,
    pdf_text,
    receipt_job_ids,
    run_command,
    snapshot,
)


def _site(rig, balance=100_000):
    """A queue (0.10 a page) in the printer group `etage` (0.05 a page); alice limited by balance
    with quota entries on both; jobs go to billing code `physique`."""
    queue = rig.queue()
    printers.add_printer(rig.d, queue, price_per_page=100)
    etage = printers.add_printer(rig.d, f"etage-{queue}", price_per_page=50)
    printers.add_to_group(rig.d, etage, printers.get_printer(rig.d, queue))
    history.add_billing_code(rig.d, "physique")
    accounts.attach_user(rig.d, "alice", limit_by="balance", balance=balance)
    for printer in (queue, etage.name):
        quotas.add_user_quota(rig.d, "alice", printer, hard=1000)
    return queue, etage.name


def _code(rig, code="physique"):
    out = rig.slapd.ldapsearch(f"cn={code},ou=BillingCodes,ou=PyKota,{BASE}", "(objectClass=*)", "pkPageCounter",
                               "pkBalance", scope="base")
    return {k: int(v) for k, v in (line.split(": ") for line in out.splitlines() if line.startswith("pk"))}


def test_a_jammed_job_is_refunded_by_job_id_in_one_command_and_only_once(rig, tmp_path):
    queue, etage = _site(rig)
    job = rig.print(queue, 10, title="Thèse de Jérôme", options={"job-billing": "physique"})
    assert job.state == "completed"
    assert rig.counter("alice", queue) == 10 and rig.counter("alice", etage) == 10
    assert rig.balance("alice") == 100_000 - 1500 and _code(rig) == {"pkPageCounter": 10, "pkBalance": -1500}

    receipt, logo = tmp_path / "receipt.pdf", tmp_path / "logo.jpeg"
    Image.new("RGB", (80, 80), (20, 90, 200)).save(logo)
    done = run_command(rig.home, "pkrefund", "-f", "-r", "paper jam", "-l", str(logo), "-o", str(receipt),
                       f"jobid={job.id}", f"printername={queue}")
    assert done.returncode == 0, done.stderr
    assert f"job {job.id} of alice on {queue} refunded: 10 pages, 1.50 credits" in done.stderr

    assert rig.balance("alice") == 100_000
    assert rig.counter("alice", queue) == 0 and rig.counter("alice", etage) == 0
    assert _code(rig) == {"pkPageCounter": 0, "pkBalance": 0}
    [entry] = rig.jobs(queue)
    assert entry["pkAction"] == "REFUND"
    [payment] = payments_of(rig.slapd, "alice")
    assert payment["pkAmount"] == "1500" and "paper jam" in payment["description"]
    assert "Refunded 10 pages and 1.500 credits" in payment["description"]
    assert lifetime_paid(rig.slapd, "alice") == 1500 == sum(int(p["pkAmount"]) for p in payments_of(rig.slapd, "alice"))

    assert pdf_pages(receipt) == 1 and pdf_images(receipt) == 1
    text = pdf_text(receipt)
    assert "Refund receipt #1" in text and "alice" in text and "1.50" in text and "paper jam" in text

    dump = run_command(rig.home, "dumpykota", "-d", "payments", "username=alice")
    assert "1.50" in dump.stdout and "paper jam" in dump.stdout
    listed = run_command(rig.home, "pkusers", "-L", "alice")
    assert "Total paid so far : 1.50" in listed.stdout and "Account balance : 100.00" in listed.stdout

    before = snapshot(rig.slapd)
    again = run_command(rig.home, "pkrefund", "-f", "-r", "paper jam", "-o", str(tmp_path / "r2.pdf"),
                        f"jobid={job.id}", f"printername={queue}")
    assert again.returncode == 0 and "nothing to refund" in again.stderr
    assert snapshot(rig.slapd) == before and not (tmp_path / "r2.pdf").exists()


def test_four_admins_at_once_then_a_killed_run_and_its_rerun_refund_every_job_exactly_once(rig, tmp_path):
    queue, etage = _site(rig)
    accounts.attach_user(rig.d, "bob", limit_by="balance", balance=50_000)
    for printer in (queue, etage):
        quotas.add_user_quota(rig.d, "bob", printer, hard=1000)
    sizes = {"alice": [1, 2, 3, 4], "bob": [2, 3, 4, 5]}
    jobs = {user: [rig.print(queue, n, user=user, wait=False, options={"job-billing": "physique"})
                   for n in pages] for user, pages in sizes.items()}
    for ids in jobs.values():
        for job_id in ids:
            assert rig.cups.wait_job(queue, job_id).state == "completed"
    start = {u: rig.balance(u) for u in sizes}
    charged = {u: 150 * sum(p) for u, p in sizes.items()}
    assert start == {"alice": 100_000 - charged["alice"], "bob": 50_000 - charged["bob"]}
    assert _code(rig) == {"pkPageCounter": 24, "pkBalance": -(charged["alice"] + charged["bob"])}

    # Four admins, overlapping selections: every job of alice's, every job of the queue, the
    # first job, and today's jobs.
    first_ids = sorted(jobs["alice"] + jobs["bob"])
    selections = [["username=alice"], [f"printername={queue}"], [f"jobid={first_ids[0]}"], ["start=today"]]
    runs = [_start(rig.home, "pkrefund", "-f", "-r", "lab closed", "-o", str(tmp_path / f"r{i}.pdf"), *sel)
            for i, sel in enumerate(selections)]
    outputs = [r.communicate(timeout=120) for r in runs]
    assert [r.returncode for r in runs] == [0, 0, 0, 0], outputs

    assert {u: rig.balance(u) for u in sizes} == {"alice": 100_000, "bob": 50_000}
    assert _code(rig) == {"pkPageCounter": 0, "pkBalance": 0}
    for user in sizes:
        assert rig.counter(user, queue) == 0 and rig.counter(user, etage) == 0
        paid = payments_of(rig.slapd, user)
        assert len(paid) == len(sizes[user]) and sum(int(p["pkAmount"]) for p in paid) == charged[user]
        assert lifetime_paid(rig.slapd, user) == charged[user]
    assert {j["pkAction"] for j in rig.jobs(queue)} == {"REFUND"}
    summed = run_command(rig.home, "dumpykota", "-d", "payments", "-s", "-f", "csv").stdout
    assert {r["username"]: r["amount"] for r in csv.DictReader(io.StringIO(summed))} == {
        "alice": money.format(charged["alice"]), "bob": money.format(charged["bob"])}
    # Each refund is on the receipt of the run that recorded it, and on no other.
    listed = [job_id for i in range(4) if (tmp_path / f"r{i}.pdf").exists()
              for job_id in receipt_job_ids(tmp_path / f"r{i}.pdf")]
    assert sorted(listed) == sorted(str(j) for j in first_ids)

    # A second batch: a run killed mid-way, then the same command again.
    more = [rig.print(queue, n, user="alice", wait=False) for n in (3, 4, 5, 6, 7, 8)]
    for job_id in more:
        assert rig.cups.wait_job(queue, job_id).state == "completed"
    assert rig.counter("alice", queue) == 33
    killed = _start(rig.home, "pkrefund", "-f", "-r", "toner", "-o", str(tmp_path / "k.pdf"), "username=alice")
    _kill_after_first_refund(killed)
    assert 0 < 100_000 - rig.balance("alice") < 150 * 33        # some refunded, not all
    rerun = run_command(rig.home, "pkrefund", "-f", "-r", "toner", "-o", str(tmp_path / "k2.pdf"), "username=alice")
    assert rerun.returncode == 0, rerun.stderr
    assert rig.balance("alice") == 100_000 and rig.counter("alice", queue) == 0 and rig.counter("alice", etage) == 0
    assert len(payments_of(rig.slapd, "alice")) == 4 + 6
    assert lifetime_paid(rig.slapd, "alice") == sum(int(p["pkAmount"]) for p in payments_of(rig.slapd, "alice"))
    assert {j["pkAction"] for j in rig.jobs(queue)} == {"REFUND"}


def _start(home: Path, *argv: str) -> subprocess.Popen:
    env = {**os.environ, "PYKOTA_HOME": str(home)}
    return subprocess.Popen([str(Path(sys.executable).parent / argv[0]), *argv[1:]], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _kill_after_first_refund(process: subprocess.Popen) -> None:
    """SIGKILL as soon as the run says it refunded one job: the next one is on its way."""
    assert process.stderr is not None
    line = process.stderr.readline()
    assert "refunded" in line, line
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL


def test_a_refund_cut_off_after_its_payment_and_balance_is_finished_by_the_rerun(rig, tmp_path):
    """The state a run killed between two writes leaves, made on purpose: the payment is recorded
    and the balance credited (with the refund's mark), the counters and the job not yet."""
    queue, etage = _site(rig)
    job_id = rig.print(queue, 4).id
    [job] = history.find_jobs(rig.d, job_id=str(job_id), printer=queue)
    name = refunds.refund_name(job)
    when = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=1)     # the run that was cut off
    history.add_payment(rig.d, "alice", job.price, "cut off", when=when, name=name)
    user = accounts.get_user(rig.d, "alice")
    assert history.apply_once(rig.d, user.dn, {"pkBalance": job.price, "pkLifeTimePaid": job.price},
                              f"{to_time(when)} {name}")
    assert rig.balance("alice") == 100_000

    rerun = run_command(rig.home, "pkrefund", "-f", "-r", "jam", "-o", str(tmp_path / "r.pdf"), f"jobid={job_id}")
    assert rerun.returncode == 0 and f"job {job_id} of alice on {queue} refunded: 4 pages" in rerun.stderr, rerun.stderr
    assert receipt_job_ids(tmp_path / "r.pdf") == [str(job_id)]     # the cut-off run wrote no receipt for it
    assert rig.balance("alice") == 100_000 and lifetime_paid(rig.slapd, "alice") == 600
    assert rig.counter("alice", queue) == 0 and rig.counter("alice", etage) == 0
    assert len(payments_of(rig.slapd, "alice")) == 1 and rig.jobs(queue)[0]["pkAction"] == "REFUND"


def test_a_job_that_was_never_counted_gives_no_pages_back(rig, tmp_path):
    """A passthrough printer prints without counting: refunding its job takes nothing off."""
    queue = rig.queue()
    printers.add_printer(rig.d, queue, price_per_page=100, passthrough=True)
    accounts.attach_user(rig.d, "alice", limit_by="balance", balance=1000)
    quotas.add_user_quota(rig.d, "alice", queue, hard=100)
    job_id = rig.print(queue, 3).id
    assert rig.counter("alice", queue) == 0 and rig.balance("alice") == 1000
    done = run_command(rig.home, "pkrefund", "-f", "-r", "jam", "-o", str(tmp_path / "r.pdf"), f"jobid={job_id}")
    assert done.returncode == 0 and "refunded: 0 pages, 0.00 credits" in done.stderr, done.stderr
    assert rig.counter("alice", queue) == 0 and rig.balance("alice") == 1000


def test_a_job_of_a_user_no_longer_managed_is_skipped_and_nothing_is_written(rig, tmp_path):
    queue = rig.queue()
    printers.add_printer(rig.d, queue, price_per_page=100)
    accounts.attach_user(rig.d, "bob", limit_by="balance", balance=1000)
    quotas.add_user_quota(rig.d, "bob", queue, hard=100)
    job_id = rig.print(queue, 2, user="bob").id
    assert run_command(rig.home, "pkusers", "-d", "bob").returncode == 0
    before = snapshot(rig.slapd)
    done = run_command(rig.home, "pkrefund", "-f", "-r", "jam", "-o", str(tmp_path / "r.pdf"), f"jobid={job_id}")
    assert done.returncode == 0 and "skipped: user bob is not managed any more" in done.stderr, done.stderr
    assert snapshot(rig.slapd) == before and not (tmp_path / "r.pdf").exists()


def test_a_refund_gives_back_only_what_the_charge_moved_not_what_the_site_looks_like_now(rig, tmp_path):
    """Between the print and the refund an admin puts the printer in a printer group and makes a
    passthrough printer count: the refund must not take pages off counters that never counted the
    job (the user would gain pages there)."""
    queue = rig.queue()
    printers.add_printer(rig.d, queue, price_per_page=100)
    free = rig.queue()
    printers.add_printer(rig.d, free, price_per_page=100, passthrough=True)
    accounts.attach_user(rig.d, "alice", limit_by="balance", balance=10_000)
    for printer in (queue, free):
        quotas.add_user_quota(rig.d, "alice", printer, hard=100)
    counted, passed = rig.print(queue, 4).id, rig.print(free, 3).id
    assert rig.counter("alice", queue) == 4 and rig.counter("alice", free) == 0 and rig.balance("alice") == 9_600

    later = printers.add_printer(rig.d, f"etage-{queue}", price_per_page=50)
    printers.add_to_group(rig.d, later, printers.get_printer(rig.d, queue))
    quotas.add_user_quota(rig.d, "alice", later.name, hard=100)
    printers.set_printer_fields(rig.d, printers.get_printer(rig.d, free), passthrough=False)

    for job_id, printer in ((counted, queue), (passed, free)):
        done = run_command(rig.home, "pkrefund", "-f", "-r", "jam", "-o", str(tmp_path / f"{job_id}.pdf"),
                           f"jobid={job_id}", f"printername={printer}")
        assert done.returncode == 0, done.stderr
    assert rig.counter("alice", queue) == 0 and rig.balance("alice") == 10_000
    assert rig.counter("alice", later.name) == 0          # it never counted the job
    assert rig.counter("alice", free) == 0                # nor did the passthrough printer


def test_ctrl_c_mid_run_writes_the_receipts_of_the_jobs_refunded_and_the_rerun_finishes(rig, tmp_path):
    queue, _ = _site(rig)
    ids = [rig.print(queue, n, wait=False) for n in (1, 2, 3, 4, 5)]
    for job_id in ids:
        assert rig.cups.wait_job(queue, job_id).state == "completed"
    run = _start(rig.home, "pkrefund", "-f", "-r", "toner", "-o", str(tmp_path / "i.pdf"), "username=alice")
    assert run.stderr is not None and "refunded" in run.stderr.readline()
    run.send_signal(signal.SIGINT)
    rest = run.communicate(timeout=60)[1]
    assert run.returncode == 1 and "Traceback" not in rest, rest
    assert rest.splitlines()[-1].startswith("pkrefund: interrupted at job "), rest
    first = receipt_job_ids(tmp_path / "i.pdf")
    rerun = run_command(rig.home, "pkrefund", "-f", "-r", "toner", "-o", str(tmp_path / "j.pdf"), "username=alice")
    assert rerun.returncode == 0, rerun.stderr
    second = receipt_job_ids(tmp_path / "j.pdf") if (tmp_path / "j.pdf").exists() else []
    assert sorted(first + second, key=int) == [str(j) for j in ids]       # each job on exactly one receipt
    assert rig.balance("alice") == 100_000 and rig.counter("alice", queue) == 0


def test_a_job_older_than_its_marks_is_refunded_on_the_printer_and_its_groups_as_they_are(rig, tmp_path):
    """Past 30 days a charge's marks may be pruned: the refund uses the site as it is now."""
    from pykota_ldap.model import Job
    queue, etage = _site(rig)
    for printer in (queue, etage):
        rig.d.increment(f"cn=alice@{printer},ou=UserQuotas,ou=PyKota,{BASE}", {"pkPageCounter": 5})
    old = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=40)
    history.add_job(rig.d, Job(job_id="77", user="alice", printer=queue, date=old, action="ALLOW", size=5, price=750))
    done = run_command(rig.home, "pkrefund", "-f", "-r", "old jam", "-o", str(tmp_path / "r.pdf"), "jobid=77")
    assert done.returncode == 0 and "refunded: 5 pages, 0.75 credits" in done.stderr, done.stderr
    assert rig.counter("alice", queue) == 0 and rig.counter("alice", etage) == 0
    assert rig.balance("alice") == 100_750
