"""pkmigrate --config: PyKota's pykota.conf / pykotadmin.conf into pykota-ldap's, with every key
that could not be carried over named with its reason."""
from __future__ import annotations

import stat

from click.testing import CliRunner

from pykota_ldap.cli import pkmigrate
from pykota_ldap.config import Config
from pykota_ldap.testing.pykota_tree import old_config


def run(*args: str):
    return CliRunner().invoke(pkmigrate.main, list(args), prog_name="pkmigrate")


def test_translated_config_is_valid_and_says_what_was_left(tmp_path):
    old = old_config(tmp_path / "old", "ldap://ldap.example.org", "dc=example,dc=org",
                     "cn=pykotaadmin,dc=example,dc=org", "BlfUPg7t")
    result = run("--config", str(old), "--output", str(tmp_path / "new"))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "not carried over: [global] userquotabase: user -- PyKota's own pykota* entries stay there" in out
    assert "not carried over: [global] balancebase:" in out and "pkAccount" in out
    assert "maxdenybanners" not in out                  # banners are built: the key is carried over
    assert "the new configuration:" not in out
    assert out.strip().splitlines()[-1].startswith("pkmigrate: 22 keys carried over")
    new = Config(tmp_path / "new")                      # reads as every command does: no problem
    settings = new.ldap(True)
    assert settings.uris == ("ldap://ldap.example.org",) and settings.bind_dn == "cn=pykotaadmin,dc=example,dc=org"
    assert settings.userbase == "ou=People,dc=example,dc=org"
    assert settings.userquotabase == "ou=UserQuotas,ou=PyKota,dc=example,dc=org"
    assert new.get("accounter", printer="hp1") == "hardware(snmp)" and new.get("accounter") is None
    assert new.get("maxdenybanners") == "2"
    assert not (tmp_path / "new" / "pykotadmin.conf").stat().st_mode & stat.S_IROTH
    again = run("--config", str(old), "--output", str(tmp_path / "new"))
    assert again.exit_code == 1 and "exists already" in again.output


def test_sql_site_config(tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "pykota.conf").write_text(
        "[global]\nstoragebackend: mysqlstorage\nstorageserver: 127.0.0.1\nstoragename: pykota\n"
        "storageuser: pykotauser\nstorageuserpw: readonly\npoorman: 1.0\nunknownkey: 3\n")
    result = run("--config", str(tmp_path / "old" / "pykota.conf"), "--output", str(tmp_path / "new"))
    assert result.exit_code == 0, result.output
    assert "[global] storageserver: 127.0.0.1 -- names the mysqlstorage database" in result.output
    assert "[global] storageuserpw: *** -- names" in result.output and "readonly" not in result.output
    assert "[global] unknownkey: 3 -- not a key of pykota-ldap" in result.output
    assert "write the LDAP server, base DN and service account of pykota-ldap by hand" in result.output
