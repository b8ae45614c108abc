"""No predictable file of the backend's in a world-writable directory: a local user (here nobody,
uid 65534) can neither block a printer with a lock nor plant a link where the backend writes."""
from __future__ import annotations

import subprocess
from pathlib import Path

from .waiting import managed, received_all, slow_printer, wait_for

NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def test_a_local_user_cannot_block_the_printer_with_a_lock_file(rig):
    port = rig.printer.snmp_port
    queue = rig.queue()
    rig.configure(**{queue: f"directory: /tmp\naccounter: hardware(snmp@127.0.0.1:{port})\n"
                            "statusstabilizationdelay: 0.1"})
    managed(rig, queue)
    # What the backend used to lock, a name anyone could guess and take first.
    guessed = Path(f"/tmp/cupspykota-127.0.0.1.{port}.lck")
    hostile = subprocess.Popen([*NOBODY, "flock", str(guessed), "sleep", "60"])
    try:
        wait_for(guessed.exists, what="the hostile lock")
        job = rig.cups.wait_job(queue, rig.print(queue, 2, wait=False), timeout=20)
        assert job.state == "completed", job.message
        assert rig.counter("alice", queue) == 2
    finally:
        hostile.kill()
        hostile.wait()
        guessed.unlink(missing_ok=True)


def test_the_copy_of_a_job_on_stdin_is_not_made_in_a_world_writable_directory(rig):
    with slow_printer(1.0) as printer:
        queue = f"ppd{rig.queue()}"
        rig.cups.add_queue(queue, f"cupspykota:{printer.uri}/?snmp=false", ppd="drv:///sample.drv/generic.ppd",
                           error_policy="abort-job")
        rig.configure(**{queue: "directory: /tmp"})
        managed(rig, queue)
        job_id = rig.print(queue, 2, wait=False)
        wait_for(lambda: received_all(printer), what="the data at the printer")
        assert list(Path("/tmp").glob(f"cupspykota-{queue}-*")) == []
        assert rig.cups.wait_job(queue, job_id).state == "completed"
