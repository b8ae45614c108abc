"""cupsd dies while a backend waits for the directory: the orphaned backend must not print when
the directory comes back, since the restarted cupsd runs the job again. Printed once, charged once,
whether the job runs in the backend process or in the resident helper."""
from __future__ import annotations

import signal
import subprocess

import pytest

from pykota_ldap.testing.cups import Cupsd

from .waiting import backend_pids, kill_cupsd, managed, pid_alive, slow_printer, start_cupsd_again, wait_for


@pytest.fixture(scope="module")
def cups(cups_home, local_users):
    """This module's cupsd writes its queues and jobs to disk at once, so that one killed and
    started again knows them (by default it writes them within 30 s)."""
    with Cupsd(cups_home, retry_interval=1, retry_limit=2, users=local_users,
               extra_conf="DirtyCleanInterval 0\n") as server:
        yield server


@pytest.fixture
def resident_helper(rig, cups_home):
    socket_path = cups_home / "cupspykota.sock"
    # In cupsd's namespace: the helper sees the users cupsd sees, as on a print server.
    process = subprocess.Popen(rig.cups.as_user([str(rig.cups.backend_dir / "cupspykota"), "--serve"], "root"),
                               env={"PATH": "/usr/bin:/bin", "PYKOTA_HOME": str(cups_home)}, stderr=subprocess.DEVNULL)
    wait_for(socket_path.exists, what="the helper's socket")
    yield process
    process.send_signal(signal.SIGTERM)
    process.wait(10)


def _cupsd_dies_while_the_directory_is_down(rig):
    # A raw queue on a slow printer: the job run again keeps the spool file for a while, so an
    # orphan that goes on has the data to print (the restarted cupsd empties its TempDir, where
    # a filtered queue's copy would be).
    with slow_printer(3.0) as printer:
        queue = rig.queue(uri=printer.uri)
        managed(rig, queue)
        rig.configure("directorywait: 60\n")
        rig.d.close()
        rig.slapd.kill()
        job_id = rig.print(queue, 3, wait=False)
        wait_for(lambda: "unreachable" in rig.cups.job(queue, job_id).message, what="the backend waiting")
        [orphan] = backend_pids(rig.cups)
        kill_cupsd(rig.cups)
        start_cupsd_again(rig.cups)
        wait_for(lambda: [pid for pid in backend_pids(rig.cups) if pid != orphan], what="the job run again")
        rig.slapd.restart()
        assert rig.cups.wait_job(queue, job_id, timeout=60).state == "completed"
        wait_for(lambda: not pid_alive(orphan), timeout=30, what="the orphan to end")
        assert len(printer.jobs) == 1
    assert rig.counter("alice", queue) == 3
    charged = [j for j in rig.jobs(queue) if j["pkAction"] in ("ALLOW", "WARN")]
    assert [j["pkJobSize"] for j in charged] == ["3"]


def test_an_orphaned_backend_does_not_print(rig):
    _cupsd_dies_while_the_directory_is_down(rig)


def test_an_orphaned_backend_does_not_print_through_the_resident_helper(rig, resident_helper):
    _cupsd_dies_while_the_directory_is_down(rig)
