"""Shared fixtures, all against real slapd servers (pykota_ldap/testing/slapd.py):

- `slapd_server`: one slapd for the whole session, for tests that only read (the served schema);
- `slapd`: a fresh slapd for each test, for tests that write: the "debian" profile of
  pykota_ldap/testing/slapd.py (Debian's own cn=config, its ACLs and 500-entry size limit, then
  the shipped schema, indexes and ACL loaded as the install guide says), and the sample
  organisation with its service account: the commands and the backend run as on a new server;
- `pykota_home`, `config`, `directory`: pykota.conf and pykotadmin.conf pointing at that test's
  `slapd` (with $PYKOTA_HOME set to them), the Config read from them, an admin connection.
"""
from __future__ import annotations

import pytest

from pykota_ldap.config import Config
from pykota_ldap.directory import Directory
from pykota_ldap.testing.slapd import Slapd


@pytest.fixture(scope="session")
def slapd_server():
    """One slapd for the whole session, never written to: tests that write use `slapd`."""
    with Slapd() as server:
        yield server


@pytest.fixture
def slapd():
    """A fresh stock Debian slapd with pykota-ldap installed and the sample organisation."""
    with Slapd() as server:
        yield server


@pytest.fixture
def pykota_home(slapd, tmp_path, monkeypatch):
    """A config home for this test's slapd (service account in pykotadmin.conf), as $PYKOTA_HOME."""
    home = slapd.write_config(tmp_path / "etc")
    monkeypatch.setenv("PYKOTA_HOME", str(home))
    return home


@pytest.fixture
def config(pykota_home) -> Config:
    """The configuration read from `pykota_home`."""
    return Config(pykota_home)


@pytest.fixture
def directory(config):
    """A connection bound as the service account (read-write), closed after the test."""
    d = Directory(config.ldap(admin=True)).connect()
    yield d
    d.close()
