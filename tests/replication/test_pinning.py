"""A writable connection stays on the server it reached, and a journal record is replayed on the
provider it names only (real slapd; the "other provider" is an address nothing listens on)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from pykota_ldap.backend.journal import charge_to_json, write
from pykota_ldap.backend.replay import replay
from pykota_ldap.config import Config
from pykota_ldap.directory import Directory, DirectoryUnavailable
from pykota_ldap.model import Charge, Job
from pykota_ldap.testing.slapd import Slapd, free_port

QUOTA = "cn=alice@lab,ou=UserQuotas,ou=PyKota,dc=example,dc=org"


@pytest.fixture
def quota(slapd, pykota_home):
    slapd.ldapadd(f"dn: cn=lab,ou=Printers,ou=PyKota,dc=example,dc=org\nobjectClass: pkPrinter\ncn: lab\n\n"
                  f"dn: {QUOTA}\nobjectClass: pkUserQuota\ncn: alice@lab\npkUserName: alice\npkPrinterName: lab\n"
                  "pkPageCounter: 0\npkLifePageCounter: 0\n")
    return QUOTA


def pages(slapd) -> int:
    out = slapd.ldapsearch(QUOTA, "(objectClass=*)", "pkPageCounter", scope="base")
    return int(next(line for line in out.splitlines() if line.startswith("pkPageCounter:")).split(":")[1])


def charge(name: str) -> Charge:
    job = Job(job_id="7", user="alice", printer="lab", date=datetime.now(timezone.utc), action="ALLOW", size=3)
    return Charge(name, job, quota_dns=(QUOTA,), pages=3)


def test_a_writable_connection_never_moves_to_another_server(slapd, pykota_home, quota):
    with Slapd() as other:
        conf = pykota_home / "pykota.conf"
        conf.write_text(conf.read_text().replace(f"storageserver: {slapd.uri}",
                                                 f"storageserver: {slapd.uri} {other.uri}"))
        d = Directory(Config(pykota_home).ldap(admin=True)).connect()
        assert d.server_uri == slapd.uri and d.pinned
        slapd.kill()                        # its answer lost: the write must not go to `other`
        with pytest.raises(DirectoryUnavailable, match="never re-sent to another server"):
            d.modify(QUOTA, {"pkPageCounter": [("MODIFY_INCREMENT", [1])]}, retry_safe=True)
        with Directory(Config(pykota_home).ldap(admin=True)) as fresh:
            assert fresh.server_uri == other.uri                   # a new connection fails over
        slapd.restart()
        d.close()
        assert pages(slapd) == 0


def test_a_record_waits_for_its_provider_and_is_applied_there_once(slapd, pykota_home, quota, tmp_path):
    folder = tmp_path / "journal"
    away = f"ldap://127.0.0.1:{free_port()}"
    record = charge("lab-7-a")
    path = write(folder, record)
    path.write_bytes(charge_to_json(record, provider=away))
    with Directory(Config(pykota_home).ldap(admin=True)) as d:
        report = replay(d, folder)
        assert (report.applied, report.waiting) == (0, 1) and path.exists() and pages(slapd) == 0
        assert list((folder / "away").iterdir())                   # not tried again for a while
        fields = json.loads(path.read_bytes())
        fields["provider"] = slapd.uri                             # "its provider is back"
        path.write_text(json.dumps(fields))
        assert replay(d, folder).applied == 1 and not path.exists() and pages(slapd) == 3
        path.write_bytes(charge_to_json(record, provider=slapd.uri))     # the same record again
        assert replay(d, folder).already == 1 and pages(slapd) == 3
