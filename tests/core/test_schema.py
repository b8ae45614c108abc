"""The schema: generated files up to date, loads into a stock slapd, every attribute and class served."""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARC = "2.25.182218432028525865713949067343727290665"

ATTRIBUTES = {
    "pkUserName": "15", "pkPrinterName": "15", "pkGroupName": "15", "pkLimitBy": "15",
    "pkBalance": "27", "pkLifeTimePaid": "27", "pkOverCharge": "27", "pkSoftLimit": "27", "pkHardLimit": "27",
    "pkDateLimit": "24", "pkPageCounter": "27", "pkLifePageCounter": "27", "pkWarnCount": "27",
    "pkMaxJobSize": "27", "pkPricePerPage": "27", "pkPricePerJob": "27", "pkPassThrough": "7",
    "pkPrinterPageCounter": "27", "pkJobId": "15", "pkJobDate": "24", "pkAction": "15", "pkJobSize": "27",
    "pkJobPrice": "27", "pkTitle": "15", "pkFileName": "15", "pkCopies": "27", "pkOptions": "15",
    "pkHostName": "15", "pkJobSizeBytes": "27", "pkMD5Sum": "26", "pkBillingCode": "15",
    "pkPrecomputedJobSize": "27", "pkPrecomputedJobPrice": "27", "pkAmount": "27", "pkPaymentDate": "24",
    "pkAppliedCharge": "15",
}
MULTI_VALUED = {"pkAppliedCharge"}
CLASSES = {
    "pkAccount": ("AUXILIARY", [], ["pkLimitBy", "pkBalance", "pkLifeTimePaid", "pkOverCharge", "description",
                                    "pkAppliedCharge"]),
    "pkGroup": ("AUXILIARY", [], ["pkLimitBy", "description"]),
    "pkPrinter": ("STRUCTURAL", ["cn"], ["description", "pkPricePerPage", "pkPricePerJob", "pkMaxJobSize",
                                         "pkPassThrough", "member", "pkPrinterPageCounter"]),
    "pkUserQuota": ("STRUCTURAL", ["cn", "pkUserName", "pkPrinterName"],
                    ["pkSoftLimit", "pkHardLimit", "pkDateLimit", "pkPageCounter", "pkLifePageCounter",
                     "pkWarnCount", "pkMaxJobSize", "pkAppliedCharge"]),
    "pkGroupQuota": ("STRUCTURAL", ["cn", "pkGroupName", "pkPrinterName"],
                     ["pkSoftLimit", "pkHardLimit", "pkDateLimit", "pkMaxJobSize", "pkPageCounter",
                      "pkLifePageCounter", "pkAppliedCharge"]),
    "pkJob": ("STRUCTURAL", ["cn", "pkJobId", "pkJobDate", "pkUserName", "pkPrinterName"],
              ["pkAction", "pkJobSize", "pkJobPrice", "pkTitle", "pkFileName", "pkCopies", "pkOptions",
               "pkHostName", "pkJobSizeBytes", "pkMD5Sum", "pkBillingCode", "pkPrecomputedJobSize",
               "pkPrecomputedJobPrice", "pkPrinterPageCounter"]),
    "pkPayment": ("STRUCTURAL", ["cn", "pkUserName", "pkAmount", "pkPaymentDate"], ["description"]),
    "pkBillingCode": ("STRUCTURAL", ["cn"], ["description", "pkPageCounter", "pkBalance", "pkAppliedCharge"]),
}


def test_generated_files_are_up_to_date():
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "gen-schema"), "--check"], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr


def _subschema(slapd_server, what):
    text = slapd_server.ldapsearch("cn=Subschema", "(objectClass=*)", what, scope="base")
    return [line.split(": ", 1)[1] for line in text.splitlines() if line.startswith(what + ": ")]


def test_every_attribute_is_served_with_its_syntax_and_matching(slapd_server):
    served = {re.search(r"NAME '(\w+)'", d).group(1): d for d in _subschema(slapd_server, "attributeTypes")
              if f"{ARC}.1." in d}
    assert set(served) == set(ATTRIBUTES)
    for name, syntax in ATTRIBUTES.items():
        definition = served[name]
        assert f"SYNTAX 1.3.6.1.4.1.1466.115.121.1.{syntax}" in definition, name
        assert ("SINGLE-VALUE" in definition) == (name not in MULTI_VALUED) and "DESC '" in definition
        if syntax == "27":
            assert "EQUALITY integerMatch" in definition and "ORDERING integerOrderingMatch" in definition
        if syntax == "24":
            assert "EQUALITY generalizedTimeMatch" in definition
            assert "ORDERING generalizedTimeOrderingMatch" in definition
        if name in ("pkUserName", "pkPrinterName", "pkGroupName"):
            assert "EQUALITY caseIgnoreMatch" in definition    # like uid


def test_every_class_is_served_with_its_kind_and_attributes(slapd_server):
    served = {re.search(r"NAME '(\w+)'", d).group(1): d for d in _subschema(slapd_server, "objectClasses")
              if f"{ARC}.2." in d}
    assert set(served) == set(CLASSES)
    for name, (kind, must, may) in CLASSES.items():
        definition = served[name]
        assert kind in definition, name
        for attr in must:
            assert re.search(rf"MUST \(?[^)]*\b{attr}\b", definition), (name, attr)
        for attr in may:
            assert re.search(rf"MAY \(?[^)]*\b{attr}\b", definition), (name, attr)


def test_slapd_conf_form_is_accepted_by_slaptest(tmp_path):
    conf = tmp_path / "slapd.conf"
    includes = "".join(f"include /etc/ldap/schema/{n}.schema\n" for n in ("core", "cosine", "nis", "inetorgperson"))
    conf.write_text(includes + f"include {ROOT / 'schema' / 'pykota-ldap.schema'}\n"
                    "modulepath /usr/lib/ldap\nmoduleload back_mdb\n"
                    f"database mdb\nsuffix dc=example,dc=org\ndirectory {tmp_path}\n")
    done = subprocess.run(["slaptest", "-u", "-f", str(conf)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_aux_classes_attach_to_existing_entries_with_plain_ldapmodify(slapd):
    slapd.ldapmodify(
        "dn: uid=alice,ou=People,dc=example,dc=org\nchangetype: modify\nadd: objectClass\nobjectClass: pkAccount\n-\n"
        "add: pkLimitBy\npkLimitBy: balance\n-\nadd: pkBalance\npkBalance: 199900\n-\n\n"
        "dn: cn=eleves,ou=Groups,dc=example,dc=org\nchangetype: modify\nadd: objectClass\nobjectClass: pkGroup\n-\n"
        "add: pkLimitBy\npkLimitBy: quota\n-\n")
    slapd.ldapmodify("dn: uid=alice,ou=People,dc=example,dc=org\nchangetype: modify\nincrement: pkBalance\n"
                     "pkBalance: -900\n-\n")
    assert "pkBalance: 199000" in slapd.ldapsearch("ou=People,dc=example,dc=org", "(uid=alice)", "pkBalance")
    assert "posixGroup" in slapd.ldapsearch("ou=Groups,dc=example,dc=org", "(objectClass=pkGroup)", "objectClass")


def test_ordering_filters_work_on_counters_and_dates(slapd):
    slapd.ldapadd("dn: cn=j1,ou=Jobs,ou=PyKota,dc=example,dc=org\nobjectClass: pkJob\ncn: j1\npkJobId: 1\n"
                  "pkJobDate: 20150915120000Z\npkUserName: alice\npkPrinterName: hp4\npkJobSize: 12\n")
    assert "cn: j1" in slapd.ldapsearch("ou=Jobs,ou=PyKota,dc=example,dc=org",
                                        "(&(pkJobDate>=20150911000000Z)(pkJobSize>=10))", "cn")
    assert "cn: j1" not in slapd.ldapsearch("ou=Jobs,ou=PyKota,dc=example,dc=org", "(pkJobDate>=20151011000000Z)", "cn")
