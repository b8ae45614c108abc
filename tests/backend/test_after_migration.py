"""After a migration, the CUPS backend charges a migrated user from where PyKota left off."""
from __future__ import annotations

from click.testing import CliRunner

from pykota_ldap.cli import pkmigrate
from pykota_ldap.testing.pykota_site import write_xml


def pykota_site(queue: str) -> dict:
    """alice (limited by balance, 10.10 left) and bob (by quota, 95 of 100 pages used) on `queue`."""
    return {
        "printers": [{"id": 1, "printername": queue, "description": "None", "priceperpage": 0.15,
                      "priceperjob": 0.05, "passthrough": False, "maxjobsize": None}],
        "users": [{"id": 1, "username": "alice", "email": "None", "balance": 10.1, "lifetimepaid": 20.0,
                   "limitby": "balance", "description": "None", "overcharge": 1.0},
                  {"id": 2, "username": "bob", "email": "None", "balance": 0.0, "lifetimepaid": 0.0,
                   "limitby": "quota", "description": "None", "overcharge": 1.0}],
        "upquotas": [{"username": "alice", "printername": queue, "id": 1, "lifepagecounter": 400, "pagecounter": 40,
                      "softlimit": None, "hardlimit": None, "datelimit": None, "maxjobsize": None, "warncount": 0},
                     {"username": "bob", "printername": queue, "id": 2, "lifepagecounter": 95, "pagecounter": 95,
                      "softlimit": 100, "hardlimit": 100, "datelimit": None, "maxjobsize": None, "warncount": 0}],
    }


def test_backend_charges_migrated_users(rig, tmp_path):
    queue = rig.queue()
    write_xml(pykota_site(queue), tmp_path / "dump.xml")
    result = CliRunner().invoke(pkmigrate.main, ["--from", str(tmp_path / "dump.xml"), "--timezone", "UTC"],
                                prog_name="pkmigrate", env={"PYKOTA_HOME": str(rig.home)})
    assert result.exit_code == 0, result.output

    job = rig.print(queue, 3, user="alice")
    assert job.state == "completed", rig.log(job.id)
    assert rig.balance("alice") == 10_100 - 3 * 150 - 50          # 10.10 - 3 x 0.15 - 0.05
    assert rig.counter("alice", queue) == 43

    # laxist enforcement (the rig's): PyKota's 95 pages let a 6-page job through, then the limit holds
    assert rig.print(queue, 6, user="bob").state == "completed"
    assert rig.counter("bob", queue) == 101
    printed = rig.received()
    refused = rig.print(queue, 1, user="bob")
    assert rig.counter("bob", queue) == 101 and rig.received() == printed
    assert "DENY" in [j["pkAction"] for j in rig.jobs(queue) if j["pkUserName"] == "bob"], rig.log(refused.id)
