"""pkprinters --cups against a private cupsd (pykota_ldap/testing/cups.py: own ServerRoot, a
loopback port, cupspykota installed in its backend directory as in production, since CUPS only
accepts a device URI whose scheme has a backend there)."""
from __future__ import annotations

import os
import subprocess

import pytest

from pykota_ldap.testing.ci import require_tools, skip_unless_ci
from pykota_ldap.testing.cups import Cupsd


@pytest.fixture(scope="module")
def private_cupsd():
    require_tools("cupsd", "lpadmin", "lpstat")
    if os.geteuid() != 0:
        skip_unless_ci("a private cupsd needs root")
    with Cupsd(loglevel="warn") as server:          # one that does not start fails the test
        yield server


@pytest.fixture
def cupsd(private_cupsd, monkeypatch):
    monkeypatch.setenv("CUPS_SERVER", private_cupsd.host)
    return private_cupsd


def device(queue: str) -> str:
    out = subprocess.run(["lpstat", "-v", queue], capture_output=True, text=True, env=dict(os.environ, LC_ALL="C"))
    return out.stdout.split(": ", 1)[1].strip()


def test_cups_routes_the_queue_and_restores_it_on_delete(sh, cupsd):
    subprocess.run(["lpadmin", "-p", "hp4", "-v", "socket://127.0.0.1:9100", "-E"], check=True)
    sh("pkprinters -a -C hp4")
    assert device("hp4") == "cupspykota:socket://127.0.0.1:9100"
    assert "Routed through PyKota : YES" in sh("pkprinters -l hp4").stdout
    sh("pkprinters -C hp4")                                         # already routed: unchanged
    assert device("hp4") == "cupspykota:socket://127.0.0.1:9100"
    sh("pkprinters -d -C hp4")
    assert device("hp4") == "socket://127.0.0.1:9100"
    assert sh.search("ou=Printers,ou=PyKota,dc=example,dc=org", "(cn=hp4)", "dn") == ""


def test_cups_refuses_a_printer_that_is_not_a_queue(sh, slapd, cupsd):
    from .conftest import snapshot
    before = snapshot(slapd)
    result = sh("pkprinters -a -C nosuchqueue", ok=False)
    assert result.exit_code == 1 and "CUPS has no queue called 'nosuchqueue'" in result.stderr
    assert snapshot(slapd) == before
