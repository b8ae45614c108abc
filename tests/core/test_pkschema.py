"""pkschema installs the schema into a running server like an admin would, and checks it."""
import subprocess
import sys

import pytest

from pykota_ldap.schema_files import schema_path
from pykota_ldap.testing.slapd import ADMIN_DN, ADMIN_PW, PERMISSIVE, Slapd


def pkschema(*args, env=None):
    return subprocess.run([sys.executable, "-m", "pykota_ldap.cli.pkschema", *args], capture_output=True, text=True,
                          env=env)


@pytest.fixture
def bare_slapd():
    """A stock Debian slapd as its package leaves it: no pykota-ldap schema, no sample data."""
    with Slapd(load_schema=False, sample_data=False) as server:
        yield server


def test_install_then_again_then_check(bare_slapd, tmp_path):
    done = pkschema("install", "-H", bare_slapd.ldapi)
    assert done.returncode == 0 and "installed" in done.stdout
    again = pkschema("install", "-H", bare_slapd.ldapi)
    assert again.returncode == 0 and "already installed" in again.stdout
    assert "pkBalance" in bare_slapd.ldapsearch("cn=Subschema", "(objectClass=*)", "attributeTypes", scope="base")


def test_without_rights_on_cn_config_the_error_says_how(bare_slapd, tmp_path):
    password = tmp_path / "pw"
    password.write_text(ADMIN_PW)
    done = pkschema("install", "-H", bare_slapd.uri, "-D", ADMIN_DN, "-y", str(password))
    assert done.returncode == 1
    assert done.stderr.startswith("pkschema: no write access to cn=config")
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    with_slash = pkschema("install", "-H", f"{bare_slapd.uri}/", "-D", ADMIN_DN, "-y", str(password))
    assert with_slash.stderr.startswith("pkschema: no write access to cn=config"), with_slash.stderr   # reached


def test_check_reports_a_server_without_the_schema(bare_slapd, tmp_path):
    import os
    home = bare_slapd.write_config(tmp_path)
    env = dict(os.environ, PYKOTA_HOME=str(home))
    conf = home / "pykotadmin.conf"
    conf.write_text(f"[global]\nstorageadmin: {ADMIN_DN}\nstorageadminpw: {ADMIN_PW}\n")
    done = pkschema("check", env=env)
    assert done.returncode == 1 and "definitions missing" in done.stderr
    pkschema("install", "-H", bare_slapd.ldapi)
    done = pkschema("check", env=env)
    assert done.returncode == 0, done.stderr


def test_unreachable_server_is_one_line(tmp_path):
    done = pkschema("install", "-H", "ldap://127.0.0.1:9")
    assert done.returncode == 1 and done.stderr.startswith("pkschema: no LDAP server answered")


# -- indexes --------------------------------------------------------------------------------------

PK_INDEXES = ("pkUserName eq,sub", "pkPrinterName eq", "pkGroupName eq", "pkJobId eq", "pkHostName eq",
              "pkBillingCode eq", "pkMD5Sum eq", "pkJobDate eq", "pkPaymentDate eq")


def db_indexes(server) -> list[str]:
    """The olcDbIndex values of the data's database, read as root over ldapi."""
    out = subprocess.run(["ldapsearch", "-LLL", "-Q", "-Y", "EXTERNAL", "-H", server.ldapi, "-o", "ldif-wrap=no",
                          "-b", "olcDatabase={1}mdb,cn=config", "-s", "base", "olcDbIndex"],
                         capture_output=True, text=True, check=True).stdout
    return [line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("olcDbIndex: ")]


@pytest.fixture
def other_layout():
    """Not Debian's database (the rig's permissive profile: `uid,cn,memberUid eq`, no `member`)."""
    with Slapd(load_schema=False, sample_data=False, profile=PERMISSIVE) as server:
        pkschema("install", "-H", server.ldapi)
        yield server


def test_the_index_ldif_applies_on_debians_default_database(bare_slapd):
    pkschema("install", "-H", bare_slapd.ldapi)
    bare_slapd.ldapmodify(schema_path("pykota-ldap-indexes.ldif"), config=True)     # as the guide says
    assert set(PK_INDEXES) <= set(db_indexes(bare_slapd))
    done = pkschema("indexes", "-H", bare_slapd.ldapi, "-b", "dc=example,dc=org")
    assert done.returncode == 0, done.stderr
    assert done.stdout == ("pkschema: indexes of olcDatabase={1}mdb,cn=config: nothing to add; there already: "
                           "objectClass eq, cn eq, uid eq, memberUid eq, member eq, " + ", ".join(PK_INDEXES) + "\n")


def test_pkschema_adds_exactly_the_missing_indexes_on_another_layout(other_layout):
    done = pkschema("indexes", "-H", other_layout.ldapi)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ("pkschema: indexes of olcDatabase={1}mdb,cn=config: added member eq, "
                           + ", ".join(PK_INDEXES) + "; there already: objectClass eq, cn eq, uid eq, memberUid eq\n")
    assert sorted(db_indexes(other_layout)) == sorted(["objectClass eq", "uid,cn,memberUid eq", "member eq",
                                                       *PK_INDEXES])
    again = pkschema("indexes", "-H", other_layout.ldapi)
    assert again.returncode == 0 and ": nothing to add; there already: " in again.stdout
    assert sorted(db_indexes(other_layout)) == sorted(["objectClass eq", "uid,cn,memberUid eq", "member eq",
                                                       *PK_INDEXES])


def test_an_index_without_a_wanted_type_is_replaced_by_one_with_both(other_layout):
    other_layout.ldapmodify("dn: olcDatabase={1}mdb,cn=config\nchangetype: modify\nadd: olcDbIndex\n"
                            "olcDbIndex: pkUserName,pkGroupName eq\n", config=True)      # an older release's
    done = pkschema("indexes", "-H", other_layout.ldapi)
    assert done.returncode == 0, done.stderr
    assert "added member eq, pkUserName eq,sub, pkPrinterName eq, pkJobId eq" in done.stdout
    have = db_indexes(other_layout)
    assert "pkUserName eq,sub" in have and "pkGroupName eq" in have and "pkUserName,pkGroupName eq" not in have


def test_check_reports_missing_indexes(other_layout):
    done = pkschema("check", "-H", other_layout.ldapi)
    assert done.returncode == 1
    assert done.stderr.startswith("pkschema: 10 indexes missing in olcDatabase={1}mdb,cn=config: member eq, "
                                  "pkUserName eq,sub, ") and done.stderr.endswith("(run pkschema indexes)\n")
    pkschema("indexes", "-H", other_layout.ldapi)
    done = pkschema("check", "-H", other_layout.ldapi)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "pkschema: the server knows every pykota-ldap definition and has every index\n"


def test_check_as_the_service_account_says_the_indexes_were_not_checked(slapd, tmp_path):
    import os
    env = dict(os.environ, PYKOTA_HOME=str(slapd.write_config(tmp_path)))
    done = pkschema("check", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "pkschema: the server knows every pykota-ldap definition\n"
    assert done.stderr.startswith("pkschema: indexes not checked: cannot read cn=config as the service account ")
    assert done.stderr.endswith("(on the LDAP server as root: pkschema check -H ldapi:///)\n")
