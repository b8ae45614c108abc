"""From PyKota's databases, read directly: SQLite, and real PostgreSQL and MariaDB servers."""
from __future__ import annotations

import pytest

from pykota_ldap.testing.ci import skip_unless_ci
from pykota_ldap.testing.pykota_sql import MariaDB, PostgreSQL, make_sqlite
from pykota_ldap.testing.slapd import Slapd

from .conftest import Target


def migrated_exactly(tmp_path, rows, source: str) -> Target:
    """Into a new directory: migrate, verify (no difference), migrate again (nothing written)."""
    with Slapd() as server:
        target = Target(server, server.write_config(tmp_path / "etc"), rows)
        out = target.run(f"pkmigrate --from {source}").output
        assert " 0 failed" in out and "2 missing" in out and "readonly@" not in out   # no password shown
        assert " 0 differences" in target.run(f"pkmigrate --from {source} --verify").output
        before = target.timestamps()
        assert " 0 written" in target.run(f"pkmigrate --from {source}").output
        assert target.timestamps() == before
        balance = server.ldapsearch("ou=People," + server.suffix, "(uid=user002)", "pkBalance")
        assert "pkBalance: 300" in balance
        jobs = server.ldapsearch("ou=Jobs,ou=PyKota," + server.suffix, "(pkTitle=Thèse – chapitre 2)", "pkJobId")
        assert jobs.count("pkJobId:") == len([r for r in rows["history"] if r["title"] == "Thèse – chapitre 2"])
        return target


def test_sqlite(tmp_path, site_rows):
    path = make_sqlite(tmp_path / "pykota.db", site_rows)
    migrated_exactly(tmp_path, site_rows, str(path))


@pytest.fixture(scope="module")
def postgresql(site_rows):
    if PostgreSQL.binaries() is None:
        skip_unless_ci("PostgreSQL is not installed (Debian package postgresql)")
    with PostgreSQL() as server:
        server.fill(site_rows)
        yield server


@pytest.fixture(scope="module")
def mariadb(site_rows):
    from shutil import which
    if which("mariadb-install-db") is None:
        skip_unless_ci("MariaDB is not installed (Debian package mariadb-server)")
    with MariaDB() as server:
        server.fill(site_rows)
        yield server


def test_postgresql(tmp_path, site_rows, postgresql):
    migrated_exactly(tmp_path, site_rows, postgresql.url)


def test_mariadb(tmp_path, site_rows, mariadb):
    migrated_exactly(tmp_path, site_rows, mariadb.url)


def test_database_errors_are_one_line(target):
    refused = target.run("pkmigrate --from postgresql://nobody:x@127.0.0.1:1/pykota", ok=False)
    assert refused.exit_code == 1 and "cannot connect" in refused.output and "x@" not in refused.output
    assert len(refused.output.strip().splitlines()) == 1


def _read(source: str):
    from datetime import timezone

    from pykota_ldap.migrate.sources import Source, load_site
    return load_site(Source(source), timezone.utc)


def test_passwords_kept_off_the_command_line(tmp_path, monkeypatch, site_rows, postgresql, mariadb):
    """What `ps` shows holds no password: libpq's PGPASSWORD (or ~/.pgpass), MariaDB's ~/.my.cnf."""
    without = {server: server.url.replace(":readonly@", "@") for server in (postgresql, mariadb)}
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".my.cnf").write_text("[client]\npassword = readonly\n")
    monkeypatch.setenv("PGPASSWORD", "readonly")
    for url in without.values():
        assert len(_read(url).users) == len(site_rows["users"])
    # and a wrong one is one line that does not show it
    monkeypatch.setenv("PGPASSWORD", "Wr0ngPw")
    (tmp_path / ".my.cnf").write_text("[client]\npassword = Wr0ngPw\n")
    for url in without.values():
        with pytest.raises(ValueError) as failed:
            _read(url)
        assert "cannot connect" in str(failed.value) and "Wr0ngPw" not in str(failed.value)
