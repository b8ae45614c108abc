"""pkschema installs the schema into a running server like an admin would, and checks it."""
import subprocess
import sys

import pytest

from pykota_ldap.testing.slapd import ADMIN_DN, ADMIN_PW, Slapd


def pkschema(*args, env=None):
    return subprocess.run([sys.executable, "-m", "pykota_ldap.cli.pkschema", *args], capture_output=True, text=True,
                          env=env)


@pytest.fixture
def bare_slapd():
    with Slapd(load_schema=False, sample_data=False) as server:
        yield server


def test_install_then_again_then_check(bare_slapd, tmp_path):
    done = pkschema("install", "-H", bare_slapd.ldapi)
    assert done.returncode == 0 and "installed" in done.stdout
    again = pkschema("install", "-H", bare_slapd.ldapi)
    assert again.returncode == 0 and "already installed" in again.stdout
    assert "pkBalance" in bare_slapd.ldapsearch("cn=Subschema", "(objectClass=*)", "attributeTypes", scope="base")


def test_without_rights_on_cn_config_the_error_says_how(bare_slapd, tmp_path):
    password = tmp_path / "pw"
    password.write_text(ADMIN_PW)
    done = pkschema("install", "-H", bare_slapd.uri, "-D", ADMIN_DN, "-y", str(password))
    assert done.returncode == 1
    assert done.stderr.startswith("pkschema: no write access to cn=config")
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_check_reports_a_server_without_the_schema(bare_slapd, tmp_path):
    import os
    home = bare_slapd.write_config(tmp_path)
    env = dict(os.environ, PYKOTA_HOME=str(home))
    conf = home / "pykotadmin.conf"
    conf.write_text(f"[global]\nstorageadmin: {ADMIN_DN}\nstorageadminpw: {ADMIN_PW}\n")
    done = pkschema("check", env=env)
    assert done.returncode == 1 and "definitions missing" in done.stderr
    pkschema("install", "-H", bare_slapd.ldapi)
    done = pkschema("check", env=env)
    assert done.returncode == 0, done.stderr


def test_unreachable_server_is_one_line(tmp_path):
    done = pkschema("install", "-H", "ldap://127.0.0.1:9")
    assert done.returncode == 1 and done.stderr.startswith("pkschema: no LDAP server answered")
