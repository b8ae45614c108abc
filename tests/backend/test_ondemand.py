"""The resident helper started on demand (backend/ondemand.py): the first job prints by itself
and starts a helper; the next jobs go to it; a second start makes no second helper."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from pykota_ldap.directory import accounts, printers, quotas

from .conftest import run_backend


def _wait_for(path, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return path.exists()


def _gone(pid: int, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_first_job_starts_the_helper_for_the_next(rig, cups_home, tmp_path):
    queue = rig.queue()
    printers.add_printer(rig.d, queue)
    accounts.attach_user(rig.d, "alice")
    quotas.add_user_quota(rig.d, "alice", queue)
    socket_path = tmp_path / "helper.sock"
    env = {"PATH": "/usr/bin:/bin", "PYKOTA_HOME": str(cups_home), "PYKOTA_BACKEND_SOCKET": str(socket_path),
           "PYKOTA_HELPER": "ondemand", "PYKOTA_HELPER_IDLE": "60", "DEVICE_URI": "cupspykota:" + rig.printer.uri,
           "PRINTER": queue, "CONTENT_TYPE": "application/postscript", "AUTH_PASSWORD": "first-job-secret"}
    document = str(rig.document(2))
    # subprocess.run returns only when stderr reaches its end: a helper that kept the job's
    # stderr would hang it here, as it would keep the job open in cupsd.
    first = run_backend(rig.cups, "901", "alice", "t", "1", "", document, env=env)
    assert first.returncode == 0, first.stderr
    assert "resident helper" not in first.stderr                # printed by the backend itself
    assert _wait_for(socket_path), "no helper came up"
    pid = int((tmp_path / "helper.sock.lock").read_text())
    try:
        # The helper outlives the first job by minutes and serves everyone's: it keeps nothing of
        # that job (its credentials, its printer), only what says where and how to serve.
        helper_env = dict(item.split("=", 1) for item in
                          Path(f"/proc/{pid}/environ").read_text().split("\0") if "=" in item)
        assert not {"AUTH_PASSWORD", "DEVICE_URI", "PRINTER", "CONTENT_TYPE"} & helper_env.keys(), helper_env
        assert helper_env["PYKOTA_BACKEND_SOCKET"] == str(socket_path)
        second = run_backend(rig.cups, "902", "alice", "t", "1", "", document, env=env)
        assert second.returncode == 0, second.stderr
        assert "resident helper" in second.stderr
        assert rig.counter("alice", queue) == 4                  # both jobs charged, once each
        again = subprocess.run([str(rig.cups.backend_dir / "cupspykota"), "--serve", "--on-demand"], env=env,
                               capture_output=True, text=True, timeout=30)
        assert again.returncode == 0 and "already" in again.stderr   # one helper only
        os.kill(pid, 0)
    finally:
        os.kill(pid, signal.SIGTERM)
        assert _gone(pid)
    assert not socket_path.exists()


def test_no_helper_is_started_when_it_is_not_wanted(rig, cups_home, tmp_path):
    queue = rig.queue()
    printers.add_printer(rig.d, queue)
    accounts.attach_user(rig.d, "alice")
    quotas.add_user_quota(rig.d, "alice", queue)
    socket_path = tmp_path / "helper.sock"
    env = {"PATH": "/usr/bin:/bin", "PYKOTA_HOME": str(cups_home), "PYKOTA_BACKEND_SOCKET": str(socket_path),
           "PYKOTA_HELPER": "no", "DEVICE_URI": "cupspykota:" + rig.printer.uri, "PRINTER": queue,
           "CONTENT_TYPE": "application/postscript"}
    done = run_backend(rig.cups, "903", "alice", "t", "1", "", str(rig.document(1)), env=env)
    assert done.returncode == 0, done.stderr
    time.sleep(1)
    assert not socket_path.exists() and not (tmp_path / "helper.sock.lock").exists()


def test_a_job_queued_on_a_helper_that_goes_away_is_printed_by_its_backend(rig, cups_home, tmp_path):
    """An on-demand helper ends after its idle time: a job that connected just then sat in the
    listen queue, was never taken, and its backend held it ("helper stopped during the job").
    Nothing of it ran, so the backend prints it itself. The queue of a listener that closes
    without accepting is that moment, made to last."""
    import socket
    import threading

    queue = rig.queue()
    printers.add_printer(rig.d, queue)
    accounts.attach_user(rig.d, "alice")
    quotas.add_user_quota(rig.d, "alice", queue)
    socket_path = tmp_path / "leaving.sock"
    leaving = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    leaving.bind(str(socket_path))
    leaving.listen(4)

    def go_away_once_a_job_waits() -> None:
        deadline = time.monotonic() + 30
        try:
            while time.monotonic() < deadline and not _queued(socket_path):
                time.sleep(0.2)
        finally:
            leaving.close()
            socket_path.unlink()

    closer = threading.Thread(target=go_away_once_a_job_waits)
    closer.start()
    env = {"PATH": "/usr/bin:/bin", "PYKOTA_HOME": str(cups_home), "PYKOTA_BACKEND_SOCKET": str(socket_path),
           "PYKOTA_HELPER": "no", "DEVICE_URI": "cupspykota:" + rig.printer.uri, "PRINTER": queue,
           "CONTENT_TYPE": "application/postscript"}
    try:
        done = run_backend(rig.cups, "904", "alice", "t", "1", "", str(rig.document(2)), env=env)
    finally:
        closer.join()
    assert done.returncode == 0, done.stderr
    assert rig.counter("alice", queue) == 2


def _queued(path) -> bool:
    """A connection waits in the listen queue of the socket at ``path`` (ss shows its Recv-Q)."""
    out = subprocess.run(["ss", "-xlnH", "src", str(path)], capture_output=True, text=True).stdout.split()
    return len(out) > 2 and out[2] != "0"
