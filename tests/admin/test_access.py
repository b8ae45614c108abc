"""A local user who is not an admin, hostile if need be, on a print server set up as the guide says:
the stock Debian slapd with the shipped ACL, pykota.conf readable by everyone (no password in it),
pykotadmin.conf 0600, the resident helper running as root with its query service, the
directory's users resolved through NSS (pykota_ldap/testing/queries.py, nss.py).

alice sees her own quota, balance, jobs and payments, through her commands and bound as herself;
nothing of bob's, by any argument, any environment, any bind, any file she can read.
"""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import textwrap
from datetime import datetime, timezone

import pytest

from pykota_ldap.config import Config
from pykota_ldap.directory import Directory, accounts, history, printers, quotas
from pykota_ldap.model import Charge, Job
from pykota_ldap.testing import nss
from pykota_ldap.testing.ci import skip_unless_ci
from pykota_ldap.testing.queries import QueryService, user_python
from pykota_ldap.testing.slapd import SERVICE_DN

from .conftest import snapshot

BASE = "dc=example,dc=org"
PEOPLE = f"ou=People,{BASE}"
# What of bob's must never reach alice: his job's title, file name and host, his payment's
# comment, his balance (71.30: no other number of the site), his group's name through him.
BOBS = ("bob's thesis.pdf", "bob-laptop", "bob paid cash", "71.30", "71300")


def printed(d, user, title, host, pages=2):
    when = datetime.now(timezone.utc)
    job = Job(job_id=str(abs(hash(title)) % 1000), user=user, printer="hp4", date=when, action="ALLOW", size=pages,
              price=pages * 100, title=title, filename=f"/home/{user}/{title}", hostname=host, copies=1)
    history.charge_job(d, Charge(history.new_name("hp4", when), job, quota_dns=(quotas.user_quota_dn(d, user, "hp4"),),
                                 pages=pages, user_dn=accounts.get_user(d, user).dn, debit=pages * 100))


@pytest.fixture
def service(slapd):
    """The site, and the helper running with a service password of its own (so a file holding it
    can be found)."""
    if not nss.available():
        skip_unless_ci("local users in a private mount namespace need root")
    password = secrets.token_hex(16)
    slapd.ldapmodify(f"dn: {SERVICE_DN}\nchangetype: modify\nreplace: userPassword\nuserPassword: {password}\n")
    with QueryService(slapd, service_password=password) as running:
        running.password = password
        d = Directory(Config(running.home).ldap(admin=True)).connect()
        printers.add_printer(d, "hp4", price_per_page=100)
        history.add_billing_code(d, "physics", "Physics lab")
        accounts.attach_group(d, "eleves")
        accounts.attach_user(d, "alice", limit_by="balance", balance=12_340)
        accounts.attach_user(d, "bob", limit_by="balance", balance=71_500)
        for name in ("alice", "bob"):
            quotas.add_user_quota(d, name, "hp4", soft=10, hard=20)
        quotas.add_group_quota(d, "eleves", "hp4", soft=100)
        printed(d, "alice", "alice's notes.pdf", "alice-desk")
        printed(d, "bob", "bob's thesis.pdf", "bob-laptop")
        history.add_payment(d, "bob", 5000, "bob paid cash")
        d.close()
        yield running


def leaks(result) -> list[str]:
    return [secret for secret in BOBS if secret in result.stdout + result.stderr]


def test_alice_sees_her_own_quota_balance_jobs_and_payments(service):
    out = service.command("alice", ["repykota"]).stdout
    assert "alice" in out and "bob" not in out
    out = service.command("alice", ["pkusers", "-L"]).stdout
    assert out.startswith("alice - <alice@example.org>") and "Account balance : 12.14" in out
    assert service.command("alice", ["edpykota", "-L"]).stdout.startswith("alice@hp4\n    Page counter : 2")
    assert service.command("alice", ["pkprinters", "-l"]).stdout.startswith("hp4 [")     # printers: everyone's
    assert service.command("alice", ["pkbcodes", "-l"]).stdout.startswith("physics [Physics lab]")
    assert service.command("alice", ["pkusers", "-L", "-g"]).stdout.startswith("eleves")   # her own group


@pytest.mark.parametrize("line", [
    "repykota bob", "repykota *", "repykota -P hp4 bob", "repykota -g", "repykota -i eleves", "pkusers -L bob",
    "pkusers -L *", "pkusers -L -g eleves", "edpykota -L bob", "edpykota -L -g", "edpykota -L -P hp4 *",
    "dumpykota -d history", "dumpykota -d payments", "dumpykota -d users", "dumpykota -d all -f json",
    "pkbcodes -l *", "pkprinters -l *"])
def test_no_argument_shows_alice_anything_of_bobs(service, line):
    result = service.command("alice", line.split())
    assert leaks(result) == [], f"{line!r} showed alice {leaks(result)}: {result.stdout}{result.stderr}"
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("line", ["pkusers -b 1000 alice", "pkusers -a charles", "edpykota -a -S 500 alice",
                                  "edpykota -r alice", "pkprinters -c 0 hp4", "pkbcodes -a mine", "pkbcodes -r physics",
                                  "dumpykota -d users"])
def test_alice_changes_nothing(service, slapd, line):
    before = snapshot(slapd)
    result = service.command("alice", line.split())
    assert result.returncode == 1
    assert "needs the admin credentials" in result.stderr and result.stderr.count("\n") == 1
    assert snapshot(slapd) == before


def test_alices_environment_does_not_choose_the_configuration(service, tmp_path):
    """Her own PYKOTA_HOME (a pykota.conf naming another server, another base) reaches nothing:
    the service reads its own configuration."""
    own = tmp_path / "alice"
    own.mkdir()
    (own / "pykota.conf").write_text("[global]\nstorageserver: ldap://127.0.0.1:9\nstoragename: dc=evil\n")
    os.chmod(tmp_path, 0o755)
    env = {"PYKOTA_HOME": str(own), "PYKOTA_QUERY_SOCKET": str(service.socket)}
    result = service.command("alice", ["pkusers", "-L"], env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("alice - ") and leaks(result) == []


def test_without_the_service_a_user_is_told_in_one_line(service):
    result = service.command("alice", ["repykota"], env={"PYKOTA_QUERY_SOCKET": "/nonexistent/query.sock"})
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (f"repykota: only admins (who can read {service.home}/pykotadmin.conf) use the directory "
                             "directly, and the query service that answers users is not running "
                             "(/nonexistent/query.sock): an admin starts it with 'cupspykota --serve'\n")


# What a hostile user can do without the commands: bind anonymously, bind with any password found
# in a file she can read, read the helper's memory or environment.
PROBE = textwrap.dedent("""
    import json, os, re, sys
    secret, found = sys.stdin.read().strip(), {"files_with_secret": [], "credentials": []}
    pattern = re.compile(r"^\\s*(storage(?:user|admin))(pw)?\\s*[:=]\\s*(.+?)\\s*$", re.M)
    def look(path):
        try:
            with open(path, "rb") as handle:
                data = handle.read(1 << 20)
        except OSError:
            return
        text = data.decode("utf-8", "replace")
        if secret in text:
            found["files_with_secret"].append(path)
        pairs = {}
        for key, pw, value in pattern.findall(text):
            pairs[key + (pw or "")] = value
        for who in ("storageuser", "storageadmin"):
            if pairs.get(who + "pw"):
                found["credentials"].append([path, pairs.get(who), pairs[who + "pw"]])
    for top in sys.argv[1:]:
        for folder, dirs, files in os.walk(top, onerror=lambda e: None):
            dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(folder, d))]
            for name in files:
                path = os.path.join(folder, name)
                if os.path.isfile(path) and not os.path.islink(path):
                    look(path)
    for pid in set(filter(str.isdigit, os.listdir("/proc"))) - {str(os.getpid())}:
        for part in ("environ", "cmdline", "mem"):
            look(f"/proc/{pid}/{part}")
    print(json.dumps(found))
""")


def test_no_file_alice_can_read_holds_a_password_that_reads_others_data(service, slapd):
    """Every file she can read where the site keeps anything (its config home, the directory's
    files, /etc, /run, spool and logs; not the rest of /tmp, which other test runs on this
    machine share), and every process's environment, command line and memory she can open: none
    holds the service's password, and no credentials found in them read bob's data here."""
    roots = [str(service.home), str(slapd.dir), "/etc", "/run", "/var/spool", "/var/log"]
    python, env = user_python()
    probe = service.as_user("alice", [*python, "-c", PROBE, *roots], env=env, timeout=300, input=service.password)
    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout)
    assert found["files_with_secret"] == []
    for path, dn, password in found["credentials"]:
        tried = service.as_user("alice", ["ldapsearch", "-LLL", "-x", "-H", slapd.uri, "-D", dn, "-w", password, "-b",
                                          f"uid=bob,{PEOPLE}", "-s", "base", "(objectClass=*)", "pkBalance"])
        assert "pkBalance" not in tried.stdout, f"{path}: {dn} reads bob's balance"


def ldapsearch_as_alice(service, slapd, *bind):
    return service.as_user("alice", ["ldapsearch", "-LLL", "-x", "-H", slapd.uri, *bind, "-b", BASE,
                                     "(|(objectClass=pkAccount)(objectClass=pkJob)(objectClass=pkPayment)"
                                     "(objectClass=pkUserQuota)(objectClass=pkGroupQuota))", "*"])


def test_anonymous_and_old_reader_binds_read_nothing(service, slapd):
    anonymous = ldapsearch_as_alice(service, slapd)
    assert anonymous.returncode == 0, anonymous.stderr
    assert "pk" not in anonymous.stdout.replace("objectClass: pkAccount", "")
    reader = ldapsearch_as_alice(service, slapd, "-D", f"cn=pykota-reader,ou=PyKota,{BASE}", "-w", "pykota-reader")
    assert reader.returncode == 49 and reader.stdout == ""        # invalid credentials: no such account


def test_alice_bound_as_herself_reads_her_data_only(service, slapd):
    mine = ldapsearch_as_alice(service, slapd, "-D", f"uid=alice,{PEOPLE}", "-w", "alicepw")
    assert mine.returncode == 0, mine.stderr
    assert "pkBalance: 12140" in mine.stdout and "alice's notes.pdf" in mine.stdout
    assert "cn=alice@hp4" in mine.stdout
    assert [s for s in BOBS if s in mine.stdout] == [] and "pkUserName: bob" not in mine.stdout


def test_one_user_cannot_take_the_service_from_others(service):
    """alice holds every query slot she may have (connections that never say anything), and one
    more is refused at once; bob is answered meanwhile. Her held queries end by themselves."""
    hold = textwrap.dedent(f"""
        import socket, struct, sys, time
        held = []
        for _ in range(4):
            s = socket.socket(socket.AF_UNIX); s.connect({str(service.socket)!r}); held.append(s)
        time.sleep(0.5)
        extra = socket.socket(socket.AF_UNIX); extra.connect({str(service.socket)!r})
        code, length = struct.unpack("!iI", extra.recv(8))
        print(code, extra.recv(length).decode(), flush=True)
        sys.stdin.read()
    """)
    python, env = user_python()
    holder = subprocess.Popen(nss.enter(service.process.pid, [*python, "-c", hold], service.users.user("alice")),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              env={"PATH": "/usr/bin:/bin", **env})
    try:
        refused = holder.stdout.readline()
        assert refused.startswith("1 the query service is busy: 4 of your queries are running (at most 4)")
        bob = service.command("bob", ["pkusers", "-L"])
        assert bob.returncode == 0 and bob.stdout.startswith("bob - "), bob.stderr
    finally:
        holder.stdin.close()
        holder.wait(30)


# A query kept waiting after the service took alice's identity (its output goes to a pipe she
# filled): what can she learn from the process that holds the admin password?
STUCK_QUERY = textwrap.dedent("""
    import ctypes, json, os, socket, struct, sys, time
    path = sys.argv[1]
    r, w = os.pipe()
    os.set_blocking(w, False)
    try:
        while True:
            os.write(w, b"x" * 65536)
    except BlockingIOError:
        pass
    os.set_blocking(w, True)
    conn = socket.socket(socket.AF_UNIX)
    conn.connect(path)
    payload = json.dumps({"command": "repykota", "args": [], "cwd": "/", "env": {}}).encode()
    socket.send_fds(conn, [struct.pack("!I", len(payload)) + payload], [0, w, 2])
    mine, child, deadline = os.getuid(), None, time.time() + 20
    while child is None and time.time() < deadline:
        for pid in filter(str.isdigit, os.listdir("/proc")):
            if int(pid) == os.getpid():
                continue
            try:
                status = open(f"/proc/{pid}/status").read()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if fields["Uid"].split()[0] == str(mine) and "python" in fields["Name"]:
                child = pid, fields["Uid"].split(), fields["Gid"].split()
        time.sleep(0.1)
    pid, uids, gids = child
""")
INSPECT = STUCK_QUERY + textwrap.dedent("""
    seen = {"uids": uids, "gids": gids}
    for part in ("environ", "mem", "cmdline", "fd"):
        try:
            what = f"/proc/{pid}/{part}"
            seen[part] = len(os.listdir(what)) if part == "fd" else len(open(what, "rb").read(4096))
        except OSError as exc:
            seen[part] = exc.strerror
    libc = ctypes.CDLL(None, use_errno=True)
    seen["ptrace"] = libc.ptrace(16, int(pid), 0, 0) == 0 or os.strerror(ctypes.get_errno())   # PTRACE_ATTACH
    os.read(r, 1 << 16)                     # room in the pipe: the query ends
    print(json.dumps(seen), flush=True)
""")


def test_the_query_process_is_alices_and_closed_to_her(service):
    python, env = user_python()
    result = service.as_user("alice", [*python, "-c", INSPECT, str(service.socket)], env=env)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    alice = service.users.user("alice")
    assert seen["uids"] == [str(alice.uid)] * 4 and seen["gids"] == [str(alice.gid)] * 4
    assert seen["environ"] == seen["mem"] == seen["fd"] == "Permission denied"
    assert seen["ptrace"] == "Operation not permitted"


def test_a_query_whose_caller_went_away_ends(service):
    python, env = user_python()
    leave = STUCK_QUERY + textwrap.dedent("""
        conn.close()
        deadline = time.time() + 10
        while os.path.exists(f"/proc/{pid}") and time.time() < deadline:
            time.sleep(0.05)
        print(json.dumps(os.path.exists(f"/proc/{pid}")))
    """)
    result = service.as_user("alice", [*python, "-c", leave, str(service.socket)], env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) is False
