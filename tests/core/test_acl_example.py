"""The ACL example: the service writes, the reader reads, a user reads only their own data."""
import pytest

from pykota_ldap.config import settings_for_server
from pykota_ldap.directory import AccessDenied, Directory, DirectoryError, accounts, quotas
from pykota_ldap.schema_files import schema_path
from pykota_ldap.testing.slapd import READER_DN, READER_PW, SERVICE_DN, SERVICE_PW

PEOPLE = "ou=People,dc=example,dc=org"


def bind(slapd, dn, password):
    return Directory(settings_for_server(slapd.uri, dn, password)).connect()


@pytest.fixture
def acl_slapd(slapd, directory):
    accounts.attach_user(directory, "alice", limit_by="balance", balance=5000)
    accounts.attach_user(directory, "bob", limit_by="balance", balance=7000)
    quotas.add_user_quota(directory, "alice", "hp4", soft=10)
    quotas.add_user_quota(directory, "bob", "hp4", soft=10)
    slapd.ldapmodify(schema_path("pykota-ldap-acl.ldif"), config=True)
    return slapd


def test_user_reads_own_data_only_and_changes_nothing(acl_slapd, config):
    alice = bind(acl_slapd, f"uid=alice,{PEOPLE}", "alicepw")
    own = alice.read(f"uid=alice,{PEOPLE}", ["pkBalance"])
    assert own == {"pkbalance": ["5000"]}                 # names in lower case, values as text
    base = config.ldap().userquotabase
    visible = [dn for dn, _ in alice.search(base, "(objectClass=pkUserQuota)", ["pkUserName"])]
    assert visible == [quotas.user_quota_dn(Directory(config.ldap()), "alice", "hp4")]
    with pytest.raises(DirectoryError):
        alice.increment(f"uid=alice,{PEOPLE}", {"pkBalance": 1000})


def test_service_writes_and_reader_only_reads(acl_slapd):
    service = bind(acl_slapd, SERVICE_DN, SERVICE_PW)
    assert service.increment(f"uid=bob,{PEOPLE}", {"pkBalance": -500})["pkBalance"] == 6500
    reader = bind(acl_slapd, READER_DN, READER_PW)
    assert reader.read(f"uid=bob,{PEOPLE}", ["pkBalance"])
    with pytest.raises((AccessDenied, DirectoryError)):
        reader.increment(f"uid=bob,{PEOPLE}", {"pkBalance": 1000})
