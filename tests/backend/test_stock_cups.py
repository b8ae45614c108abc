"""CUPS as Debian ships it: the rig itself, users that must resolve, who a job is charged to, and
the host it is recorded from."""
from __future__ import annotations

import shutil
import subprocess
import time

import pytest

from pykota_ldap.directory import accounts, printers, quotas
from pykota_ldap.testing.ci import skip_unless_ci
from pykota_ldap.testing.cups import DEBIAN_CUPSD_CONF, Cupsd
from pykota_ldap.testing.nss import enter

from .conftest import Rig

RIG_DIRECTIVES = {"listen", "loglevel", "jobretryinterval", "jobretrylimit", "browsing"}


def directives(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def _setup(rig, queue, *users):
    printers.add_printer(rig.d, queue)
    for user in users:
        accounts.attach_user(rig.d, user)
        quotas.add_user_quota(rig.d, user, queue)


def test_the_rig_runs_debian_s_own_configuration(cups):
    """Only the Listen lines, paths and the rig's knobs differ from what Debian installs."""
    ours = directives((cups.dir / "etc" / "cupsd.conf").read_text())
    debian = directives(DEBIAN_CUPSD_CONF.read_text())
    assert [d for d in ours if d.split()[0].lower() not in RIG_DIRECTIVES] == \
           [d for d in debian if d.split()[0].lower() not in RIG_DIRECTIVES]
    assert "<Policy default>" in ours and "<Policy authenticated>" in ours and "DefaultAuthType Basic" in ours
    files = directives((cups.dir / "etc" / "cups-files.conf").read_text())
    assert {"SystemGroup root lpadmin", "PeerCred on"} <= set(files)


def test_jobs_come_from_local_users_the_host_does_not_know(rig):
    """alice resolves in cupsd's namespace only; her job (no -U) is hers, and charged to her."""
    assert subprocess.run(["getent", "passwd", "alice"], capture_output=True).returncode == 2
    inside = subprocess.run(enter(rig.cups.process.pid, ["getent", "passwd", "alice"]), capture_output=True,
                            text=True)
    assert inside.stdout.startswith("alice:x:10007:10000:")
    queue = rig.queue()
    _setup(rig, queue, "alice")
    job = rig.print(queue, 2)
    assert job.state == "completed"
    assert f"{queue}-{job.id} " in rig.cups.lpstat("-W", "completed", "-u", "alice", "-o")
    assert rig.counter("alice", queue) == 2


@pytest.mark.parametrize("how", ["unresolvable uid", "claimed unknown name"])
@pytest.mark.parametrize("profile,policy,survives", [("debian", "default", False), ("debian", "authenticated", True),
                                                     ("permissive", "default", True)])
def test_a_job_whose_owner_does_not_resolve_kills_debian_s_cupsd(local_users, how, profile, policy, survives):
    """Why users must resolve through NSS on the print server: cupsd 2.4 on Debian's default
    policy dies (SIGSEGV) at Send-Document when the job's owner does not resolve, whether the
    submitter's uid is unknown (a directory user while slapd is down and nothing caches) or a
    local user names someone unknown with `lp -U`. On the authenticated policy the submission
    is refused instead; the permissive policy (the old rig) prints it."""
    with Cupsd(profile=profile, users=local_users, loglevel="warn") as cups:
        cups.add_queue("q", "socket://127.0.0.1:9", options={"printer-op-policy": policy})
        document = cups.document_dir / "one.ps"
        document.write_text("%!PS\nshowpage\n")
        document.chmod(0o644)
        if how == "unresolvable uid":
            argv = ["nsenter", "-t", str(cups.process.pid), "-m", "--", "setpriv", "--reuid=10999",
                    "--regid=10000", "--clear-groups", "lp", "-d", "q", str(document)]
            submitted = subprocess.run(argv, capture_output=True, env=cups.user_env(), start_new_session=True)
        else:
            submitted = cups.submit("q", document, user="alice", claim="nosuchuser")
        deadline = time.monotonic() + 2           # it dies within milliseconds of the submission
        while cups.alive and time.monotonic() < deadline:
            time.sleep(0.05)
        assert cups.alive == survives, cups.log_tail(500)
        if not survives:
            assert cups.process.returncode == -11
        assert (submitted.returncode == 0) == (policy == "default")      # authenticated: refused


def test_default_policy_takes_the_client_s_word_for_the_user(rig):
    """CUPS' default policy: the requesting user name is what the client says, so local alice's
    `lp -U bob` is bob's job, charged to bob (the install guide's reason for the next test's policy)."""
    queue = rig.queue()
    _setup(rig, queue, "alice", "bob")
    job = rig.print(queue, 2, user="alice", claim="bob")
    assert job.state == "completed"
    assert rig.counter("bob", queue) == 2 and rig.counter("alice", queue) == 0


def test_authenticated_policy_charges_the_submitter_and_refuses_a_claimed_name(rig):
    """printer-op-policy=authenticated (Debian ships the policy): local clients are authenticated
    by their peer credentials on the domain socket, remote ones must give a password."""
    queue = rig.queue(options={"printer-op-policy": "authenticated"})
    _setup(rig, queue, "alice", "bob")
    before = rig.received()
    spoof = rig.cups.submit(queue, rig.document(2), user="alice", claim="bob")
    assert spoof.returncode != 0 and "Unauthorized" in spoof.stderr
    job = rig.print(queue, 3, user="alice")
    assert job.state == "completed"
    assert rig.counter("alice", queue) == 3 and rig.counter("bob", queue) == 0
    assert rig.received() == before + 1
    assert [j["pkUserName"] for j in rig.jobs(queue)] == ["alice"]
    over_tcp = rig.cups.submit(queue, rig.document(1), user="alice", server=rig.cups.tcp)
    assert over_tcp.returncode != 0 and rig.received() == before + 1    # no password, no job


def test_a_typed_originating_host_is_not_recorded(rig):
    """A local client may set job-originating-host-name; cupsd keeps it for localhost clients.
    The job came from localhost: that is recorded, the typed value stays in the options."""
    queue = rig.queue()
    _setup(rig, queue, "alice")
    job = rig.print(queue, 1, options={"job-originating-host-name": "forged.example.org"})
    assert job.state == "completed"
    [entry] = rig.jobs(queue)
    assert entry["pkHostName"] == "localhost"
    assert "job-originating-host-name=forged.example.org" in entry["pkOptions"]


def machine_address() -> str | None:
    """A non-loopback IPv4 address of this machine, if it has one (iproute2's ip lists them)."""
    if shutil.which("ip") is None:
        return None
    done = subprocess.run(["ip", "-4", "-o", "addr", "show", "scope", "global"], capture_output=True, text=True)
    for line in done.stdout.splitlines():
        words = line.split()
        if "inet" in words:
            return words[words.index("inet") + 1].split("/")[0]
    return None


def test_the_host_cupsd_saw_is_recorded(slapd, local_users, network_printer, tmp_path):
    """A client on the network: cupsd replaces whatever host it typed by the connection's."""
    address = machine_address()
    if address is None:
        skip_unless_ci("this machine has no non-loopback IPv4 address to be a network client from")
    home = tmp_path / "home"
    with Cupsd(home, users=local_users, network_address=address) as cups:
        rig = Rig(slapd, cups, network_printer, home, tmp_path)
        try:
            queue = rig.queue()
            _setup(rig, queue, "alice")
            job = cups.lp(queue, rig.document(1), user="alice", server=cups.network,
                          options={"job-originating-host-name": "forged.example.org"})
            assert cups.wait_job(queue, job).state == "completed"
            [entry] = rig.jobs(queue)
            assert entry["pkHostName"] == address
            assert rig.counter("alice", queue) == 1
        finally:
            rig.close()
