"""PyKota's layout keywords in a new pykota.conf: one clear line, not a traceback."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from pykota_ldap.backend.install import write_private
from pykota_ldap.cli import repykota


@pytest.mark.parametrize("key,word", [("userquotabase", "user"), ("groupquotabase", "group")])
def test_pykota_layout_keyword_is_one_clear_line(tmp_path, key, word):
    (tmp_path / "pykota.conf").write_text(f"[global]\nstorageserver: ldap://127.0.0.1:1\n"
                                          f"storagename: dc=example,dc=org\n{key}: {word}\n")
    write_private(tmp_path / "pykotadmin.conf", b"[global]\nstorageadmin: cn=a,dc=example,dc=org\nstorageadminpw: x\n")
    result = CliRunner().invoke(repykota.main, [], prog_name="repykota", env={"PYKOTA_HOME": str(tmp_path)})
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert f"'{word}' is PyKota's layout keyword" in result.output and "pkmigrate" in result.output
