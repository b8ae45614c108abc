"""A command of pykota.conf cut off at its timeout takes what it started with it: a pknotify
left waiting for a listener that never answers must not outlive the job, one per job."""
from __future__ import annotations

import os
import time

from pykota_ldap.backend import commands


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    return status != "Z"


def test_a_command_cut_off_at_its_timeout_leaves_nothing_running(tmp_path):
    pidfile = tmp_path / "child"
    started = time.monotonic()
    status, output = commands.run(f"sleep 30 2>&1 > /dev/null & echo $! > {pidfile}; wait", dict(os.environ),
                                  timeout=1)
    assert (status, output) == (1, "")
    assert time.monotonic() - started < 10
    child = int(pidfile.read_text())
    for _ in range(50):
        if not _alive(child):
            break
        time.sleep(0.1)
    assert not _alive(child)
