"""From PyKota's LDAP tree: a second slapd with PyKota's schema (pykota-old.ldif, written from
PyKota's attribute and class table) and a PyKota-shaped tree with every quirk."""
from __future__ import annotations

import pytest

from pykota_ldap.testing.pykota_tree import SCHEMA, ldap_rows, old_config, tree_ldif
from pykota_ldap.testing.slapd import Slapd

from .conftest import Target


@pytest.fixture(scope="module")
def old_tree(tmp_path_factory, site_rows):
    rows = ldap_rows(site_rows)
    folder = tmp_path_factory.mktemp("old")
    with Slapd(load_schema=False, sample_data=False) as server:
        server.ldapadd(SCHEMA, config=True)
        (folder / "tree.ldif").write_text(tree_ldif(rows, server.suffix))
        server.bulk_load(folder / "tree.ldif")
        conf = old_config(folder / "etc", server.uri, server.suffix, server.admin_dn, server.admin_pw)
        yield server, conf, rows


def test_pykota_ldap_tree(tmp_path, old_tree):
    old, conf, rows = old_tree
    source = f"--from {old.uri} --config {conf}"
    with Slapd() as server:
        target = Target(server, server.write_config(tmp_path / "etc"), rows)
        out = target.run(f"pkmigrate {source}").output
        assert " 0 failed" in out and "2 missing" in out, out
        assert f"{len(rows['history'])} jobs" in out
        assert " 0 differences" in target.run(f"pkmigrate {source} --verify").output
        before = target.timestamps()
        assert " 0 written" in target.run(f"pkmigrate {source}").output
        assert target.timestamps() == before
        # the quirks, undone: float strings, "None", packed payments, uniqueMember groups, t/f
        user = server.ldapsearch("ou=People," + server.suffix, "(uid=user002)", "pkBalance")
        assert "pkBalance: 300" in user
        building = server.ldapsearch("ou=Printers,ou=PyKota," + server.suffix, "(cn=building)", "member")
        assert "member: cn=floor1,ou=Printers" in building and "member: cn=floor2,ou=Printers" in building
        plotter = server.ldapsearch("ou=Printers,ou=PyKota," + server.suffix, "(cn=plotter)", "pkPassThrough")
        assert "pkPassThrough: TRUE" in plotter
        payments = target.run("dumpykota -d payments -f csv username=user002").output
        assert "versement n°1 à l'accueil" in payments
        grace = target.run("dumpykota -d upquotas -f csv username=user003").output
        assert "2026-11-23" in grace
        nones = server.ldapsearch("ou=UserQuotas,ou=PyKota," + server.suffix, "(pkSoftLimit=None)", "cn")
        assert "dn:" not in nones


def test_an_ldap_source_needs_the_old_layout(target, old_tree):
    old, _, _ = old_tree
    result = target.run(f"pkmigrate --from {old.uri}", ok=False)
    assert result.exit_code == 1 and "needs PyKota's pykota.conf" in result.output
