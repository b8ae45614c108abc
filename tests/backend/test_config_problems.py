"""The backend reads the configuration the way the commands do: a problem stops the queue with
the very line a command prints (the job is kept), a warning is logged and the job prints."""
from __future__ import annotations

import time

import pytest

from pykota_ldap.config import Config, ConfigError
from pykota_ldap.directory import accounts, printers, quotas


def _stopped(rig, queue: str, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        attributes = rig.cups.printer(queue)
        if attributes.get("printer-state") == 5:
            return attributes
        time.sleep(0.1)
    raise AssertionError(f"{queue} was not stopped: {attributes}")


@pytest.mark.parametrize("line", ["enforcment: strict", "pdltimeout: soon"])
def test_a_problem_stops_the_queue_with_the_commands_line_and_keeps_the_job(rig, line):
    queue = rig.queue()
    printers.add_printer(rig.d, queue)
    accounts.attach_user(rig.d, "alice")
    quotas.add_user_quota(rig.d, "alice", queue, hard=100)
    rig.configure(line + "\n")
    with pytest.raises(ConfigError) as caught:
        Config(rig.home)
    expected = str(caught.value)
    before = rig.received()

    job_id = rig.print(queue, 1, wait=False)
    attributes = _stopped(rig, queue)

    assert expected in attributes.get("printer-state-message", "")
    assert rig.cups.job(queue, job_id).state == "pending"
    assert rig.received() == before
    rig.configure()
    rig.cups.run("cupsenable", "-h", rig.cups.host, queue)
    assert rig.cups.wait_job(queue, job_id).state == "completed"


def test_a_pykota_key_it_does_not_read_is_logged_and_the_job_prints(rig):
    """A debug line in CUPS' log: users never see it (the commands and pkdoctor tell admins)."""
    queue = rig.queue()
    printers.add_printer(rig.d, queue)
    accounts.attach_user(rig.d, "alice")
    quotas.add_user_quota(rig.d, "alice", queue, hard=100)
    rig.configure("logourl: http://example.org/logo.png\n")
    job = rig.print(queue, 2)
    assert job.state == "completed" and rig.counter("alice", queue) == 2
    assert "logourl" not in job.message
    [line] = [line.replace("\\'", "'") for line in rig.log(job.id).splitlines() if "logourl" in line]
    assert line.startswith("D [") and "cupspykota: configuration: " in line
    assert "[global]: logourl: PyKota's logourl is not supported by pykota-ldap: there are no CGI scripts" in line
