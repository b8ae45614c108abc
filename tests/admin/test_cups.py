"""pkprinters --cups against a private cupsd (pykota_ldap.testing.cups, the tests' one CUPS rig).

CUPS only accepts a device URI whose scheme has a backend in its ServerBin: the rig installs
cupspykota there as in production. No job is printed here, so the backend never runs.
"""
from __future__ import annotations

import os

import pytest

from pykota_ldap.testing.ci import require_tools, skip_unless_ci
from pykota_ldap.testing.cups import Cupsd

from .conftest import snapshot

PRINTERS = "ou=Printers,ou=PyKota,dc=example,dc=org"


@pytest.fixture(scope="module")
def private_cupsd():
    require_tools("cupsd", "lpadmin", "lpstat")
    if os.geteuid() != 0:
        skip_unless_ci("a private cupsd needs root")
    with Cupsd(loglevel="warn") as server:          # one that does not start fails the test
        yield server


@pytest.fixture
def cups(private_cupsd, monkeypatch):
    """The rig's cupsd is the one lpstat and lpadmin ask (as pkprinters runs them)."""
    monkeypatch.setenv("CUPS_SERVER", private_cupsd.host)
    return private_cupsd


def device(cups: Cupsd, queue: str) -> str:
    return cups.lpstat("-v", queue).split(": ", 1)[1].strip()


def test_cups_routes_the_queue_and_restores_it_on_delete(sh, cups):
    cups.add_queue("hp4", "socket://127.0.0.1:9100")
    sh("pkprinters -a -C hp4")
    assert device(cups, "hp4") == "cupspykota:socket://127.0.0.1:9100"
    assert "Routed through PyKota : YES" in sh("pkprinters -l hp4").stdout
    sh("pkprinters -C hp4")                                         # already routed: unchanged
    assert device(cups, "hp4") == "cupspykota:socket://127.0.0.1:9100"
    sh("pkprinters -d -C hp4")
    assert device(cups, "hp4") == "socket://127.0.0.1:9100"
    assert sh.search(PRINTERS, "(cn=hp4)", "dn") == ""


def test_cups_refuses_a_printer_that_is_not_a_queue(sh, slapd, cups):
    before = snapshot(slapd)
    result = sh("pkprinters -a -C nosuchqueue", ok=False)
    assert result.exit_code == 1 and "CUPS has no queue called 'nosuchqueue'" in result.stderr
    assert snapshot(slapd) == before
