"""A read-only Directory (what the users' query service answers with) refuses every write before
it is sent, even bound as the service account, and reads as any other."""
import pytest

from pykota_ldap.config import Config
from pykota_ldap.directory import Directory, accounts, quotas
from pykota_ldap.directory.errors import ReadOnly
from pykota_ldap.directory.pipeline import PipelinedWrites

PEOPLE = "ou=People,dc=example,dc=org"


@pytest.fixture
def read_only(directory, pykota_home):
    accounts.attach_user(directory, "alice", limit_by="balance", balance=5000)
    quotas.add_user_quota(directory, "alice", "hp4", soft=10)
    d = Directory(Config(pykota_home).ldap(admin=True), read_only=True).connect()
    yield d
    d.close()


def test_reads_work(read_only):
    assert accounts.get_user(read_only, "alice").balance == 5000
    assert [u.name for u in accounts.find_users(read_only)] == ["alice"]


@pytest.mark.parametrize("write", [
    lambda d: d.increment(f"uid=alice,{PEOPLE}", {"pkBalance": 1000}),
    lambda d: d.replace(f"uid=alice,{PEOPLE}", {"description": "rich"}),
    lambda d: d.add("cn=x,ou=Printers,ou=PyKota,dc=example,dc=org", ["pkPrinter"], {"cn": "x"}),
    lambda d: d.delete(quotas.user_quota_dn(d, "alice", "hp4")),
    lambda d: accounts.detach_user(d, accounts.get_user(d, "alice")),
])
def test_writes_are_refused_and_nothing_changes(read_only, slapd, write):
    before = slapd.ldapsearch("dc=example,dc=org")
    with pytest.raises(ReadOnly):
        write(read_only)
    assert slapd.ldapsearch("dc=example,dc=org") == before


def test_bulk_writes_are_refused_unsent(read_only, slapd):
    before = slapd.ldapsearch("dc=example,dc=org")
    writes = PipelinedWrites(read_only)
    writes.replace(f"uid=alice,{PEOPLE}", {"description": "rich"})
    with pytest.raises(ReadOnly):
        writes.flush()
    assert slapd.ldapsearch("dc=example,dc=org") == before
