"""The resident helper (`cupspykota --serve`): same flow, without the per-job start-up."""
from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from pykota_ldap.directory import accounts, printers, quotas
from pykota_ldap.testing.printer import NetworkPrinter


@pytest.fixture
def helper(rig, cups_home):
    socket_path = cups_home / "cupspykota.sock"
    # In cupsd's namespace: the helper sees the users cupsd sees, as on a print server.
    process = subprocess.Popen(rig.cups.as_user([str(rig.cups.backend_dir / "cupspykota"), "--serve"], "root"),
                               env={"PATH": "/usr/bin:/bin", "PYKOTA_HOME": str(cups_home)},
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 15
    while not socket_path.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert socket_path.exists(), process.stderr.read() if process.poll() is not None else "no socket"
    yield process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(10)
    assert not socket_path.exists()


def test_jobs_through_the_helper_are_decided_and_charged_the_same(rig, helper):
    queue = rig.queue()
    printers.add_printer(rig.d, queue, price_per_page=100)
    accounts.attach_user(rig.d, "alice", balance=10_000)
    quotas.add_user_quota(rig.d, "alice", queue, hard=5)
    job = rig.print(queue, 3, copies=1)
    assert job.state == "completed"
    assert "resident helper" in rig.log(job.id)
    assert "3 pages charged to alice" in rig.log(job.id)
    assert rig.counter("alice", queue) == 3 and rig.balance("alice") == 9_700
    refused = rig.print(queue, 3)                                    # laxist: 3 < 5, allowed
    assert refused.state == "completed"
    refused = rig.print(queue, 1)                                    # 6 >= 5
    assert refused.state == "canceled" and "hard limit" in refused.message


def test_without_the_helper_the_backend_does_the_job_itself(rig, cups_home):
    assert not (cups_home / "cupspykota.sock").exists()
    queue = rig.queue()
    printers.add_printer(rig.d, queue)
    accounts.attach_user(rig.d, "alice")
    quotas.add_user_quota(rig.d, "alice", queue)
    job = rig.print(queue, 2)
    assert job.state == "completed" and "resident helper" not in rig.log(job.id)
    assert rig.counter("alice", queue) == 2


def test_helper_dying_mid_job_holds_the_job(rig, helper):
    slow = NetworkPrinter(seconds_per_page=1.0).start()
    try:
        queue = rig.queue(uri=slow.uri)
        printers.add_printer(rig.d, queue)
        accounts.attach_user(rig.d, "alice")
        quotas.add_user_quota(rig.d, "alice", queue)
        job_id = rig.print(queue, 3, wait=False)
        deadline = time.monotonic() + 10
        while not slow.jobs and time.monotonic() < deadline:
            time.sleep(0.02)
        assert slow.jobs, "the job never reached the printer"
        # Kill the helper's whole family (the job's child too): the backend cannot know what happened.
        children = subprocess.run(["pgrep", "-P", str(helper.pid)], capture_output=True, text=True).stdout.split()
        assert children, "the helper runs no job"
        for pid in children:
            os.kill(int(pid), signal.SIGKILL)
        job = rig.cups.wait_job(queue, job_id, timeout=30, states={"held", "completed", "canceled", "aborted"})
        assert job.state == "held"
        assert "helper stopped" in rig.log(job_id)
    finally:
        slow.stop()


def test_job_cancelled_while_printing_through_the_helper_is_recorded_the_same(rig, helper):
    """The cancel reaches the helper's child, whose flow handles it as the backend's own would."""
    slow = NetworkPrinter(seconds_per_page=1.0).start()
    try:
        queue = rig.queue(uri=slow.uri)
        printers.add_printer(rig.d, queue)
        accounts.attach_user(rig.d, "alice")
        quotas.add_user_quota(rig.d, "alice", queue)
        job_id = rig.print(queue, 5, wait=False)
        deadline = time.monotonic() + 10
        while not slow.jobs and time.monotonic() < deadline:
            time.sleep(0.02)
        rig.cancel(job_id)
        job = rig.cups.wait_job(queue, job_id, timeout=30)
        assert job.state == "canceled"
        deadline = time.monotonic() + 10
        while not rig.jobs(queue) and time.monotonic() < deadline:    # the child records what happened
            time.sleep(0.1)
        assert [(j["pkAction"], j["pkJobSize"]) for j in rig.jobs(queue)] == [("CANCEL", "5")]   # it did print
        assert rig.counter("alice", queue) == 5
        assert "resident helper" in rig.log(job_id)
    finally:
        slow.stop()
