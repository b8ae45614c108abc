"""Never lose a job, never charge twice: the directory or the printer failing around a job."""
from __future__ import annotations

import threading
import time

from pykota_ldap.directory import accounts, printers, quotas
from pykota_ldap.testing.printer import NetworkPrinter
from pykota_ldap.testing.slapd import free_port

from .conftest import run_backend


def _setup(rig, queue, hard=100):
    printers.add_printer(rig.d, queue)
    accounts.attach_user(rig.d, "alice")
    quotas.add_user_quota(rig.d, "alice", queue, hard=hard)


def test_directory_down_before_printing_keeps_the_job_and_prints_it_once(rig):
    queue = rig.queue()
    _setup(rig, queue)
    rig.d.close()
    before = rig.received()
    rig.slapd.kill()
    job_id = rig.print(queue, 2, wait=False)
    try:
        time.sleep(3.5)                         # more than directorywait: CUPS re-ran us at least once
        state = rig.cups.job(queue, job_id)
        assert state.state == "processing"
        assert "directory" in state.message and "unreachable" in state.message
        assert rig.received() == before
    finally:
        rig.slapd.restart()
    done = rig.cups.wait_job(queue, job_id, timeout=30)
    assert done.state == "completed"
    assert rig.received() == before + 1
    assert rig.counter("alice", queue) == 2
    assert len(rig.jobs(queue)) == 1


def test_directory_lost_after_printing_goes_to_the_journal_and_is_applied_once(rig, cups_home):
    slow = NetworkPrinter(seconds_per_page=0.5).start()
    try:
        queue = rig.queue(uri=slow.uri)
        _setup(rig, queue)
        job_id = rig.print(queue, 3, wait=False)
        deadline = time.monotonic() + 10
        while not slow.jobs and time.monotonic() < deadline:
            time.sleep(0.02)
        assert slow.jobs, "the job never reached the printer"
        rig.slapd.kill()                        # the job is being printed: the charge cannot reach LDAP
        done = rig.cups.wait_job(queue, job_id, timeout=30)
        assert done.state == "completed"        # printed: CUPS is done with it
        assert "journal" in rig.log(job_id)
        assert len(list((cups_home / "journal").glob("*.json"))) == 1
    finally:
        rig.slapd.restart()
        slow.stop()
    env = {"PYKOTA_HOME": str(cups_home), "PATH": "/usr/bin:/bin"}
    first = run_backend(rig.cups, "--replay", env=env)
    assert first.returncode == 0, first.stderr
    assert "1 applied" in first.stdout
    second = run_backend(rig.cups, "--replay", env=env)
    assert second.returncode == 0 and "no pending charge" in second.stdout
    assert rig.counter("alice", queue) == 3
    assert len(rig.jobs(queue)) == 1


def test_journal_is_replayed_by_the_next_job_exactly_once(rig, cups_home):
    from datetime import datetime, timezone

    from pykota_ldap.backend.journal import write
    from pykota_ldap.directory.history import charge_job
    from pykota_ldap.model import Charge, Job
    queue = rig.queue()
    _setup(rig, queue)
    quota_dn = quotas.user_quota_dn(rig.d, "alice", queue)
    record = Job(job_id="900", user="alice", printer=queue, date=datetime.now(timezone.utc), action="ALLOW",
                 size=4, price=0)
    # One charge whose answer was lost although the directory applied it, one that never got there.
    applied = Charge(f"{queue}-900-x", record, quota_dns=(quota_dn,), pages=4)
    charge_job(rig.d, applied)
    write(cups_home / "journal", applied)
    write(cups_home / "journal", Charge(f"{queue}-901-y", record, quota_dns=(quota_dn,), pages=4))
    assert rig.print(queue, 1).state == "completed"
    assert rig.counter("alice", queue) == 4 + 4 + 1
    assert list((cups_home / "journal").glob("*.json")) == []


def test_printer_down_is_not_charged(rig):
    queue = rig.queue(uri=f"socket://127.0.0.1:{free_port()}/?contimeout=1", error_policy="abort-job")  # nobody there
    _setup(rig, queue)
    job = rig.cups.wait_job(queue, rig.print(queue, 2, wait=False), timeout=30)
    assert job.state == "aborted"
    assert rig.counter("alice", queue) == 0
    assert [j["pkAction"] for j in rig.jobs(queue)] == ["PROBLEM"]
    assert rig.jobs(queue)[0]["pkJobSize"] == "0"


def test_four_queues_at_once_strict_balance_never_overspends(rig):
    rig.configure("enforcement: strict\n")
    queues = [rig.queue() for _ in range(4)]
    for queue in queues:
        printers.add_printer(rig.d, queue, price_per_page=100)
    accounts.attach_user(rig.d, "bob", limit_by="balance", balance=2000)   # 10 jobs of 2 pages
    rig.document(2)                             # written once, before the threads read it
    ids = []
    barrier = threading.Barrier(4)

    def submit(queue):
        barrier.wait()
        for _ in range(4):
            ids.append((queue, rig.print(queue, 2, user="bob", wait=False)))

    threads = [threading.Thread(target=submit, args=(q,)) for q in queues]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    states = [rig.cups.wait_job(q, j, timeout=60).state for q, j in ids]
    assert states.count("completed") == 10 and states.count("canceled") == 6
    assert rig.balance("bob") == 0
    charged = [j for j in rig.jobs() if j["pkUserName"] == "bob" and j["pkAction"] in ("ALLOW", "WARN")]
    assert len(charged) == 10 and sum(int(j["pkJobPrice"]) for j in charged) == 2000


def test_four_queues_at_once_lose_no_page_increment(rig):
    queues = [rig.queue() for _ in range(4)]
    printers.add_printer(rig.d, "all-floors")
    accounts.attach_user(rig.d, "alice")
    quotas.add_user_quota(rig.d, "alice", "all-floors")
    for queue in queues:
        printers.add_to_group(rig.d, printers.get_printer(rig.d, "all-floors"), printers.add_printer(rig.d, queue))
        quotas.add_user_quota(rig.d, "alice", queue)
    rig.document(3)
    ids = [(q, rig.print(q, 3, wait=False)) for _ in range(3) for q in queues]
    assert [rig.cups.wait_job(q, j, timeout=60).state for q, j in ids] == ["completed"] * 12
    assert [rig.counter("alice", q) for q in queues] == [9] * 4
    assert rig.counter("alice", "all-floors") == 36


def test_four_queues_at_once_strict_page_quota_never_overshoots(rig):
    rig.configure("enforcement: strict\n")
    queues = [rig.queue() for _ in range(4)]
    printers.add_printer(rig.d, "floor")
    accounts.attach_user(rig.d, "alice")
    quotas.add_user_quota(rig.d, "alice", "floor", hard=10)         # 5 jobs of 2 pages, on any queue
    for queue in queues:
        printers.add_to_group(rig.d, printers.get_printer(rig.d, "floor"), printers.add_printer(rig.d, queue))
        quotas.add_user_quota(rig.d, "alice", queue)
    rig.document(2)
    ids = [(q, rig.print(q, 2, wait=False)) for _ in range(3) for q in queues]
    states = [rig.cups.wait_job(q, j, timeout=60).state for q, j in ids]
    assert states.count("completed") == 5 and states.count("canceled") == 7
    assert rig.counter("alice", "floor") == 10
    assert sum(rig.counter("alice", q) for q in queues) == 10


def test_failed_job_gives_back_its_page_reservation(rig):
    rig.configure("enforcement: strict\n")
    queue = rig.queue(uri=f"socket://127.0.0.1:{free_port()}/?contimeout=1", error_policy="abort-job")
    _setup(rig, queue, hard=10)
    job_id = rig.print(queue, 4, wait=False)
    counters = []                   # while the socket backend tries the printer (about 5 s)
    deadline = time.monotonic() + 30
    while not (job := rig.cups.job(queue, job_id)).done and time.monotonic() < deadline:
        counters.append(rig.counter("alice", queue))
        time.sleep(0.05)
    assert job.state == "aborted"
    assert 4 in counters            # the 4 pages were reserved at admission...
    assert rig.counter("alice", queue) == 0         # ...and given back when the job failed


def test_job_cancelled_while_printing_is_not_tried_again(rig):
    """onbackenderror retry:N runs a failed real backend again, but not one stopped by a cancel."""
    slow = NetworkPrinter(seconds_per_page=1.0).start()
    try:
        queue = rig.queue(uri=slow.uri)
        rig.configure(**{queue: "onbackenderror: nocharge, retry:3:1"})
        _setup(rig, queue)
        job_id = rig.print(queue, 5, wait=False)
        deadline = time.monotonic() + 10
        while not slow.jobs and time.monotonic() < deadline:
            time.sleep(0.02)
        rig.cancel(job_id)
        assert rig.cups.wait_job(queue, job_id, timeout=30).state == "canceled"
        deadline = time.monotonic() + 10
        while not rig.jobs(queue) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(2.0)                         # a retry (1 s pause) would have started by now
        assert "trying again" not in rig.log(job_id) and len(slow.jobs) == 1
        assert [(j["pkAction"], j["pkJobSize"]) for j in rig.jobs(queue)] == [("CANCEL", "5")]   # it did print
        assert rig.counter("alice", queue) == 5
    finally:
        slow.stop()
