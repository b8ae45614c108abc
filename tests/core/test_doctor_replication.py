"""pkdoctor reads the replication of the database holding our data in cn=config (a real slapd
set up as a provider of a multi-provider pair, the other provider absent) and says whether
counters stay exact: plain syncrepl between providers loses increments, delta-syncrepl does not."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pykota_ldap.directory.health import DatabaseConfig
from pykota_ldap.health import OK, PROBLEM, WARNING
from pykota_ldap.health.server import replication

MODULES = """dn: cn=module{0},cn=config
changetype: modify
add: olcModuleLoad
olcModuleLoad: syncprov
olcModuleLoad: accesslog
"""
ACCESSLOG = """dn: olcDatabase={{2}}mdb,cn=config
changetype: add
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {{2}}mdb
olcSuffix: cn=accesslog
olcDbDirectory: {folder}
olcRootDN: cn=admin,dc=example,dc=org

dn: olcOverlay=accesslog,olcDatabase={{1}}mdb,cn=config
changetype: add
objectClass: olcOverlayConfig
objectClass: olcAccessLogConfig
olcOverlay: accesslog
olcAccessLogDB: cn=accesslog
olcAccessLogOps: writes
"""
PROVIDERS = """dn: cn=config
changetype: modify
add: olcServerID
olcServerID: 1 ldap://127.0.0.1:1/
olcServerID: 2 {uri}/

dn: olcOverlay=syncprov,olcDatabase={{1}}mdb,cn=config
changetype: add
objectClass: olcOverlayConfig
objectClass: olcSyncProvConfig
olcOverlay: syncprov

dn: olcDatabase={{1}}mdb,cn=config
changetype: modify
add: olcSyncrepl
olcSyncrepl: rid=001 provider=ldap://127.0.0.1:1/ bindmethod=simple binddn="cn=admin,dc=example,dc=org"
  credentials=secret searchbase="dc=example,dc=org" type=refreshAndPersist retry="60 +" timeout=1{delta}
-
add: olcMultiProvider
olcMultiProvider: TRUE
"""
DELTA = ' logbase="cn=accesslog" logfilter="(&(objectClass=auditWriteObject)(reqResult=0))" syncdata=accesslog'


def replication_line(slapd, home: Path) -> str:
    env = {**os.environ, "PYKOTA_HOME": str(home)}
    done = subprocess.run([str(Path(sys.executable).parent / "pkdoctor"), "--config-uri", slapd.ldapi], env=env,
                          capture_output=True, text=True, timeout=120)
    [line] = [line for line in done.stdout.splitlines() if "olcDatabase={1}mdb,cn=config" in line
              and ("replicat" in line or "provider" in line)]
    return line


@pytest.mark.parametrize("delta", [False, True], ids=["plain", "delta"])
def test_multi_provider_replication_is_judged_from_cn_config(slapd, pykota_home, delta):
    slapd.ldapmodify(MODULES, config=True)
    if delta:
        (slapd.dir / "accesslog").mkdir()
        slapd.ldapmodify(ACCESSLOG.format(folder=slapd.dir / "accesslog"), config=True)
    slapd.ldapmodify(PROVIDERS.format(uri=slapd.uri, delta=DELTA if delta else ""), config=True)
    line = replication_line(slapd, pykota_home)
    if delta:
        assert line == ("ok: olcDatabase={1}mdb,cn=config replicates between providers with delta-syncrepl: "
                        "increments are replayed as increments, counters stay exact")
    else:
        assert line.startswith("problem: olcDatabase={1}mdb,cn=config replicates between several providers with "
                               "plain syncrepl: jobs counted on two providers at once lose counts")
        assert "; fix: use delta-syncrepl (syncdata=accesslog" in line
    check = subprocess.run([str(Path(sys.executable).parent / "pkschema"), "check", "-H", slapd.ldapi, "-b",
                            "dc=example,dc=org"], capture_output=True, text=True, timeout=120)
    if delta:
        assert check.returncode == 0, check.stderr
    else:
        assert check.returncode == 1 and "plain syncrepl" in check.stderr and "pkschema replication provider" in \
            check.stderr and len(check.stderr.splitlines()) == 1, check.stderr


HINTED_LOG = """dn: olcOverlay=syncprov,olcDatabase={2}mdb,cn=config
changetype: add
objectClass: olcOverlayConfig
objectClass: olcSyncProvConfig
olcOverlay: syncprov
olcSpNoPresent: TRUE
olcSpReloadHint: TRUE
"""


def test_an_accesslog_with_reloadhint_is_flagged(slapd, pykota_home):
    """What the recipe of an earlier version set up: read back from a real cn=config."""
    slapd.ldapmodify(MODULES, config=True)
    (slapd.dir / "accesslog").mkdir()
    slapd.ldapmodify(ACCESSLOG.format(folder=slapd.dir / "accesslog"), config=True)
    slapd.ldapmodify(HINTED_LOG, config=True)
    slapd.ldapmodify(PROVIDERS.format(uri=slapd.uri, delta=DELTA), config=True)
    line = replication_line(slapd, pykota_home)
    assert line.startswith("warning: olcDatabase={1}mdb,cn=config replicates with delta-syncrepl, but the syncprov "
                           "of cn=accesslog has olcSpReloadHint TRUE"), line
    assert "'olcSpReloadHint: FALSE'" in line


def test_a_single_server_is_safe(slapd, pykota_home):
    assert replication_line(slapd, pykota_home) == ("ok: olcDatabase={1}mdb,cn=config is not replicated: counters "
                                                     "stay exact")


def _database(**changes) -> DatabaseConfig:
    fields = dict(dn="olcDatabase={1}mdb,cn=config", suffix="dc=example,dc=org", indexes=(), syncrepl=(),
                  multi_provider=False, overlays=())
    return DatabaseConfig(**{**fields, **changes})


def test_consumers_and_mixed_setups():
    assert replication(_database(syncrepl=("rid=1 provider=ldap://p/",))).level == WARNING   # no update referral
    assert replication(_database(syncrepl=("rid=1 provider=ldap://p/",), update_ref=("ldap://p/",))).level == OK
    assert replication(_database(overlays=("syncprov",))).level == OK                       # a single provider
    mixed = _database(syncrepl=("rid=1 provider=ldap://a/ syncdata=accesslog", "rid=2 provider=ldap://b/"),
                      multi_provider=True, overlays=("syncprov", "accesslog"))
    assert replication(mixed).level == WARNING and "cannot tell" in replication(mixed).text
    no_log = _database(syncrepl=('rid=1 provider=ldap://a/ logbase="cn=accesslog" syncdata=accesslog',),
                       multi_provider=True, overlays=("syncprov",), log_databases=("cn=accesslog",))
    assert replication(no_log).level == PROBLEM and "keeps no accesslog of its own writes" in replication(no_log).text
    no_database = _database(syncrepl=('rid=1 provider=ldap://a/ logbase="cn=accesslog" syncdata=accesslog',),
                            multi_provider=True, overlays=("syncprov", "accesslog"))
    assert replication(no_database).level == PROBLEM
    consumer = _database(syncrepl=("rid=1 provider=ldap://p/",), update_ref=("ldap://p/",))
    assert replication(consumer, written_to=True).level == PROBLEM
    assert "storageserver names it first" in replication(consumer, written_to=True).text
    delta = dict(syncrepl=('rid=1 provider=ldap://a/ logbase="cn=accesslog" syncdata=accesslog',),
                 multi_provider=True, overlays=("syncprov", "accesslog"), log_databases=("cn=accesslog",))
    assert replication(_database(**delta)).level == OK
    hinted = replication(_database(**delta, reload_hints=("cn=accesslog",)))     # an earlier recipe's
    assert hinted.level == WARNING and "olcSpReloadHint TRUE" in hinted.text and "FALSE" in hinted.fix
    plain = _database(syncrepl=("rid=1 provider=ldap://a/",), multi_provider=True)
    assert replication(plain).level == PROBLEM
