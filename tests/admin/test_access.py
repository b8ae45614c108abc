"""A caller who cannot read pykotadmin.conf is not an admin: list modes only, own data in reports."""
from __future__ import annotations

import getpass

import pytest

from .conftest import Shell, snapshot


@pytest.fixture
def user_sh(slapd, tmp_path, monkeypatch):
    """The same site, seen through pykota.conf alone (the read-only bind)."""
    admin_home = slapd.write_config(tmp_path / "admin")
    monkeypatch.setenv("PYKOTA_HOME", str(admin_home))
    admin = Shell(slapd)
    me = getpass.getuser()
    slapd.ldapadd(f"dn: uid={me},ou=People,dc=example,dc=org\nobjectClass: account\nobjectClass: posixAccount\n"
                  f"uid: {me}\ncn: {me}\nuidNumber: 0\ngidNumber: 0\nhomeDirectory: /root\n")
    admin("pkprinters -a hp4")
    admin(f"pkusers -a jerome {me}")
    admin(f"edpykota -a -S 10 jerome {me}")
    admin("pkusers -a -g admins")                   # jerome's group, not the caller's
    admin("edpykota -a -g -S 50 admins")
    user_home = tmp_path / "user"
    user_home.mkdir()
    (user_home / "pykota.conf").write_text((admin_home / "pykota.conf").read_text())
    monkeypatch.setenv("PYKOTA_HOME", str(user_home))
    return Shell(slapd)


@pytest.mark.parametrize("line", ["pkusers -a toto", "pkusers -b 10 jerome", "edpykota -a -S 5 jerome",
                                  "pkprinters -c 1 hp4", "pkbcodes -a x", "dumpykota -d users",
                                  "repykota -i admins"])
def test_changes_and_dumps_are_refused(user_sh, slapd, line):
    before = snapshot(slapd)
    result = user_sh(line, ok=False)
    assert result.exit_code == 1 and "admin credentials" in result.stderr
    assert snapshot(slapd) == before


def test_lists_show_only_the_callers_data(user_sh):
    me = getpass.getuser()
    out = user_sh("pkusers -L").stdout
    assert out.startswith(f"{me} - ") and "jerome" not in out
    assert "jerome" not in user_sh("pkusers -L jerome").stdout
    out = user_sh("repykota").stdout
    assert me in out and "jerome" not in out
    assert user_sh("edpykota -L").stdout.startswith(f"{me}@hp4")
    assert user_sh("pkprinters -l").stdout.startswith("hp4 [")      # printers: visible to all


def test_a_caller_in_no_group_sees_no_group(user_sh):
    assert "admins" in user_sh.search("ou=Groups,dc=example,dc=org", "(objectClass=pkGroup)", "cn")
    for line in ("pkusers -L -g", "edpykota -L -g", "repykota -g"):
        result = user_sh(line)
        assert "admins" not in result.stdout, line
