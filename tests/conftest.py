"""Shared fixtures: a real slapd (module-scoped, reset per test) and a config home pointing at it."""
from __future__ import annotations

import pytest

from pykota_ldap.config import Config
from pykota_ldap.directory import Directory
from pykota_ldap.testing.slapd import Slapd


@pytest.fixture(scope="session")
def slapd_server():
    """One slapd for the session; tests that change data use `slapd`, which starts a fresh one."""
    with Slapd() as server:
        yield server


@pytest.fixture
def slapd():
    """A fresh slapd with the schema and the sample organisation, for tests that write."""
    with Slapd() as server:
        yield server


@pytest.fixture
def pykota_home(slapd, tmp_path, monkeypatch):
    home = slapd.write_config(tmp_path / "etc")
    monkeypatch.setenv("PYKOTA_HOME", str(home))
    return home


@pytest.fixture
def config(pykota_home) -> Config:
    return Config(pykota_home)


@pytest.fixture
def directory(config):
    d = Directory(config.ldap(admin=True)).connect()
    yield d
    d.close()
