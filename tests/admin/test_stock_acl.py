"""The commands on the stock Debian directory (tests/conftest.py's `slapd`: Debian's own cn=config,
then the shipped schema, indexes and ACL as the install guide loads them): every attribute a
command writes is allowed to the service account, and a refusal by the ACL is named as one."""
from __future__ import annotations

from pykota_ldap.testing.slapd import SERVICE_DN

from .test_seed import attrs

PEOPLE = "ou=People,dc=example,dc=org"
GROUPS = "ou=Groups,dc=example,dc=org"
# Rule {1} of the shipped ACL without `mail`: what an ACL that forgot the address attribute does.
ACL_WITHOUT_MAIL = f"""dn: olcDatabase={{1}}mdb,cn=config
changetype: modify
delete: olcAccess
olcAccess: {{1}}
-
add: olcAccess
olcAccess: {{1}}to dn.subtree="{PEOPLE}" attrs=objectClass,description by dn.exact="{SERVICE_DN}" write by * break
"""


def test_email_and_descriptions_are_written(sh):
    sh("pkusers -a -g eleves")
    sh("pkusers -a -l balance -b 5 alice")
    sh("pkusers -e alice@example.net -D 'Alice in the lab' alice")
    sh("pkusers -g -D 'Pupils' eleves")
    alice = attrs(sh, PEOPLE, "(uid=alice)", "mail", "description")[f"uid=alice,{PEOPLE}"]
    assert alice == {"mail": ["alice@example.net"], "description": ["Alice in the lab"]}
    assert attrs(sh, GROUPS, "(cn=eleves)", "description")[f"cn=eleves,{GROUPS}"] == {"description": ["Pupils"]}


def test_a_refusal_by_the_acl_names_the_account_the_attribute_and_the_entry(sh, slapd):
    sh("pkusers -a alice")
    slapd.ldapmodify(ACL_WITHOUT_MAIL, config=True)
    result = sh("pkusers -e alice@example.net alice", ok=False)
    assert (result.exit_code, result.stderr) == (
        1, f"pkusers: the service account {SERVICE_DN} may not write mail on uid=alice,{PEOPLE}: "
           "see the ACL (pkdoctor checks it)\n")
    assert attrs(sh, PEOPLE, "(uid=alice)", "mail")[f"uid=alice,{PEOPLE}"] == {"mail": ["alice@example.org"]}


def test_more_users_than_debians_size_limit_are_all_listed(sh, slapd):
    """Debian's frontend olcSizeLimit 500 applies to the service account (it is not the rootdn),
    to paged searches too: the shipped ACL lifts it for that account, and an answer the server
    cuts short is an error, never taken for the whole answer."""
    slapd.ldapadd("".join(f"dn: uid=u{n},{PEOPLE}\nobjectClass: account\nobjectClass: pkAccount\nuid: u{n}\n"
                          "pkLimitBy: quota\npkBalance: 0\npkLifeTimePaid: 0\npkOverCharge: 1000\n\n"
                          for n in range(600)))
    listed = [line for line in sh("pkusers -L").stdout.splitlines() if not line.startswith(" ")]
    assert len(listed) == 600
    slapd.ldapmodify("dn: olcDatabase={1}mdb,cn=config\nchangetype: modify\ndelete: olcLimits\n", config=True)
    result = sh("pkusers -L", ok=False)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("pkusers: search under ou=People,dc=example,dc=org: the server's size limit cut "
                                    f"the answer short: the service account {SERVICE_DN} needs no limit")
