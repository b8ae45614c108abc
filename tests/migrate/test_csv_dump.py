"""From PyKota's CSV dumps (one file per dataset)."""
from __future__ import annotations

from pykota_ldap.testing.pykota_site import write_csv
from pykota_ldap.testing.slapd import Slapd

from .conftest import Target


def test_csv_folder(tmp_path, site_rows):
    folder = write_csv(site_rows, tmp_path / "dumps")
    with Slapd() as server:
        target = Target(server, server.write_config(tmp_path / "etc"), site_rows)
        out = target.run(f"pkmigrate --from {folder}").output
        assert " 0 failed" in out and "2 missing" in out
        assert " 0 differences" in target.run(f"pkmigrate --from {folder} --verify").output
        payments = target.run("dumpykota -d payments -f csv username=user002").output
        assert "versement n°1 à l'accueil" in payments
        before = target.timestamps()
        assert " 0 written" in target.run(f"pkmigrate --from {folder}").output
        assert target.timestamps() == before


def test_csv_not_a_dataset(tmp_path, target):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "accounts.csv").write_text('"a"\n"b"\n')
    result = target.run(f"pkmigrate --from {tmp_path / 'd'}", ok=False)
    assert result.exit_code == 1 and "accounts is not a dataset of dumpykota" in result.output
