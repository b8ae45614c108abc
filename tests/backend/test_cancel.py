"""A cancelled job pays for what reached the printer and for nothing else: once the data left,
the pages are charged whatever the real backend's status; before that, nothing is counted and a
strict reservation comes back, exactly once."""
from __future__ import annotations

import os
import signal
import time

from pykota_ldap.directory import printers, quotas

from .waiting import cancel, history, managed, received_all, slow_printer, wait_for


def test_cancel_while_the_printer_prints_charges_the_pages_it_received(rig):
    with slow_printer() as printer:
        queue = rig.queue(uri=printer.uri)
        managed(rig, queue)
        job_id = rig.print(queue, 5, wait=False)
        wait_for(lambda: received_all(printer), what="the data at the printer")
        cancel(rig, job_id)
        assert rig.cups.wait_job(queue, job_id).state == "canceled"
        wait_for(lambda: rig.jobs(queue), what="the history entry")
        assert history(rig, queue) == [("CANCEL", "5")]
        assert rig.counter("alice", queue) == 5
        wait_for(lambda: printer.jobs[-1]["pages"] == 5, what="the printer to finish")


def test_cancel_with_hardware_accounting_charges_the_printer_count(rig):
    import pykota_ldap.testing.printer as printer_module
    with slow_printer(0.5) as printer:
        queue = rig.queue(uri=printer.uri)
        rig.configure(**{queue: f"accounter: hardware(snmp@127.0.0.1:{printer.snmp_port})\n"
                                "statusstabilizationdelay: 0.1\nstatusstabilizationloops: 3"})
        managed(rig, queue)
        real = printer_module.count_job
        printer_module.count_job = lambda path: real(path) + 1      # a banner page: the printer counts 5
        try:
            job_id = rig.print(queue, 4, wait=False)
            wait_for(lambda: received_all(printer), what="the data at the printer")
            cancel(rig, job_id)
            assert rig.cups.wait_job(queue, job_id).state == "canceled"
            wait_for(lambda: rig.jobs(queue), what="the history entry")
        finally:
            printer_module.count_job = real
        assert history(rig, queue) == [("CANCEL", "5")]
        assert rig.counter("alice", queue) == 5


def _strict(rig, queue, hard=10):
    managed(rig, queue, hard=hard)


def test_cancel_during_the_prehook_gives_the_reservation_back(rig):
    queue = rig.queue()
    rig.configure("enforcement: strict\n", **{queue: "prehook: sleep 20"})
    _strict(rig, queue)
    before = rig.received()
    job_id = rig.print(queue, 4, wait=False)
    wait_for(lambda: rig.counter("alice", queue) == 4, what="the reservation")
    cancel(rig, job_id)
    assert rig.cups.wait_job(queue, job_id).state == "canceled"
    wait_for(lambda: rig.counter("alice", queue) == 0, timeout=10, what="the reservation given back")
    wait_for(lambda: rig.jobs(queue), what="the history entry")
    assert history(rig, queue) == [("CANCEL", "0")]
    assert rig.received() == before


def test_cancel_while_waiting_for_the_printer_to_be_idle_gives_the_reservation_back(rig):
    queue = rig.queue()
    rig.configure("enforcement: strict\n", **{queue: f"accounter: hardware(snmp@127.0.0.1:{rig.printer.snmp_port})"})
    _strict(rig, queue)
    rig.printer.values["hrPrinterStatus"] = 4                         # busy with someone else's job
    try:
        job_id = rig.print(queue, 4, wait=False)
        wait_for(lambda: rig.counter("alice", queue) == 4, what="the reservation")
        time.sleep(0.5)
        cancel(rig, job_id)
        assert rig.cups.wait_job(queue, job_id).state == "canceled"
    finally:
        rig.printer.values["hrPrinterStatus"] = 3
    wait_for(lambda: rig.counter("alice", queue) == 0, timeout=10, what="the reservation given back")
    assert history(rig, queue) == [("CANCEL", "0")]


def test_cancel_while_waiting_for_the_device_lock_gives_the_reservation_back(rig):
    with slow_printer() as printer:
        accounter = f"accounter: hardware(snmp@127.0.0.1:{printer.snmp_port})\nstatusstabilizationdelay: 0.1"
        first, second = rig.queue(uri=printer.uri), rig.queue(uri=printer.uri)
        rig.configure("enforcement: strict\n", **{first: accounter, second: accounter})
        _strict(rig, first)
        printers.add_printer(rig.d, second)
        quotas.add_user_quota(rig.d, "alice", second, hard=10)
        printing = rig.print(first, 3, wait=False)
        wait_for(lambda: printer.jobs, what="the first job at the printer")
        waiting = rig.print(second, 2, wait=False)                    # same printer: waits for the lock
        wait_for(lambda: rig.counter("alice", second) == 2, what="the reservation")
        cancel(rig, waiting)
        assert rig.cups.wait_job(second, waiting).state == "canceled"
        wait_for(lambda: rig.counter("alice", second) == 0, timeout=10, what="the reservation given back")
        assert rig.cups.wait_job(first, printing).state == "completed"
        assert rig.counter("alice", first) == 3 and len(printer.jobs) == 1


def test_a_reservation_whose_answer_was_lost_is_counted_once(rig, tmp_path):
    """The directory stops right after the reservation was sent (askconfirmation, which runs just
    before it, stops slapd once): the answer never comes back, the backend reconnects and tries
    again; slapd, continued, applies what it had received. The job prints and is counted once."""
    queue = rig.queue()
    flag = tmp_path / "stopped"
    stop = f"sh -c 'test -e {flag} || {{ touch {flag}; kill -STOP {rig.slapd.process.pid}; }}'"
    rig.configure("enforcement: strict\ndirectorywait: 30\n", **{queue: f"askconfirmation: {stop}"})
    _strict(rig, queue)
    job_id = rig.print(queue, 4, wait=False)
    try:
        wait_for(flag.exists, what="slapd stopped")
        time.sleep(12)                       # the client gives up waiting for the answer (10 s)
    finally:
        os.kill(rig.slapd.process.pid, signal.SIGCONT)
    assert rig.cups.wait_job(queue, job_id, timeout=60).state == "completed"
    assert rig.counter("alice", queue) == 4
    # (a run that gave up on the answer and was run again by CUPS leaves a CANCEL entry of 0 pages)
    assert [entry for entry in history(rig, queue) if entry != ("CANCEL", "0")] == [("ALLOW", "4")]


def test_a_backend_killed_after_its_reservation_has_it_given_back_by_the_replay(rig, cups_home):
    from .conftest import run_backend
    from .waiting import backend_pids
    queue = rig.queue()
    rig.configure("enforcement: strict\n", **{queue: "prehook: sleep 20"})
    _strict(rig, queue)
    job_id = rig.print(queue, 4, wait=False)
    wait_for(lambda: rig.counter("alice", queue) == 4, what="the reservation")
    [backend] = backend_pids(rig.cups)
    os.kill(backend, signal.SIGKILL)
    rig.cups.wait_job(queue, job_id, states={"held", "completed", "canceled", "aborted"})
    done = run_backend(rig.cups, "--replay", env={"PYKOTA_HOME": str(cups_home), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0 and "1 applied" in done.stdout, done.stdout + done.stderr
    assert rig.counter("alice", queue) == 0
    assert history(rig, queue) == [("CANCEL", "0")]
