"""pykotme typed by a local user who is not an admin: answered by the resident helper's query
service, for her alone, reading her file with her rights and her standard input once."""
from __future__ import annotations

import os
import shutil
import tempfile

import pytest

from pykota_ldap.config import Config
from pykota_ldap.directory import Directory, accounts, printers, quotas
from pykota_ldap.testing import nss
from pykota_ldap.testing.ci import skip_unless_ci
from pykota_ldap.testing.printer import postscript
from pykota_ldap.testing.queries import QueryService, user_python


@pytest.fixture
def service(slapd):
    if not nss.available():
        skip_unless_ci("local users in a private mount namespace need root")
    with QueryService(slapd) as running:
        d = Directory(Config(running.home).ldap(admin=True)).connect()
        printers.add_printer(d, "hp4", price_per_page=100)
        accounts.attach_user(d, "alice", limit_by="balance", balance=12_340)
        accounts.attach_user(d, "bob", limit_by="balance", balance=71_500)
        for name in ("alice", "bob"):
            quotas.add_user_quota(d, name, "hp4")
        d.close()
        yield running


def test_alice_prices_her_own_file_and_her_stdin(service):
    folder = tempfile.mkdtemp(prefix="pkme")
    os.chmod(folder, 0o755)
    mine = os.path.join(folder, "four.ps")
    with open(mine, "wb") as out:
        out.write(postscript(4))
    os.chmod(mine, 0o644)
    result = service.command("alice", ["pykotme", mine])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["Your account balance : 12.34", "Job size : 4 pages",
                                          "Cost on printer hp4 : 0.40"]
    empty = service.command("alice", ["pykotme", "-P", "hp4"])          # stdin: nothing
    assert empty.returncode == 1 and empty.stderr == "pykotme: standard input: its pages cannot be counted: empty job\n"
    python, python_env = user_python()
    piped = service.as_user("alice", [*python, "-m", "pykota_ldap.cli.pykotme"], env=python_env,
                            input=postscript(2).decode("latin-1"))
    assert "Job size : 2 pages" in piped.stdout and "Cost on printer hp4 : 0.20" in piped.stdout, piped.stderr
    os.chmod(mine, 0o600)                                     # root's file now: not hers to read
    assert "pykotme: cannot read " in service.command("alice", ["pykotme", mine]).stderr
    shutil.rmtree(folder)


def test_alice_may_not_ask_for_bob(service):
    result = service.command("alice", ["pykotme", "-u", "bob", "/dev/null"])
    assert result.returncode == 1 and "-u needs the admin credentials" in result.stderr
    assert "71.50" not in result.stdout
