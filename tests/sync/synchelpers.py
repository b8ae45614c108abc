"""Helpers for the pksync tests (imported by conftest.py and the test modules): rules written into
the rig's pykota.conf, pksync run in-process (click's runner), and the directory read back with
ldapsearch (the way an admin would check)."""
from __future__ import annotations

from click.testing import CliRunner

from pykota_ldap.cli import pksync

PEOPLE = "ou=People,dc=example,dc=org"
GROUPS = "ou=Groups,dc=example,dc=org"
QUOTAS = "ou=UserQuotas,ou=PyKota,dc=example,dc=org"
PAYMENTS = "ou=Payments,ou=PyKota,dc=example,dc=org"
PRINTERS = "ou=Printers,ou=PyKota,dc=example,dc=org"

RULES = """
[sync]
userfilter: (objectClass=posixAccount)     # who is managed, under userbase
printers: *                                 # where quota entries are created
quotaentries: upfront                       # by pksync (test_firstjob.py: the default, by the backend)

[sync:eleves]
limitby: quota
softlimit: 100
hardlimit: 120

[sync:profs]
limitby: balance
initialbalance: 50.0
allocate: weekly 10.0 max 100.0
"""


def parse_ldif(text: str) -> dict[str, dict[str, list[str]]]:
    """ldapsearch -LLL output as {dn: {attribute: [values]}} (lower-case dn and attribute names)."""
    entries = {}
    for block in text.strip().split("\n\n"):
        if not block.strip():
            continue
        attrs: dict[str, list[str]] = {}
        dn = None
        for line in block.splitlines():
            key, _, value = line.partition(": ")
            if key == "dn":
                dn = value.lower()
            else:
                attrs.setdefault(key.lower(), []).append(value)
        entries[dn] = attrs
    return entries


class Sync:
    """The rig, its config home and pksync, for one test."""

    def __init__(self, slapd, home):
        self.slapd, self.home = slapd, home

    def rules(self, text: str) -> None:
        self.slapd.write_config(self.home, extra=text)

    def run(self, *args: str, now: str | None = None, expect: int = 0):
        argv = list(args) + ([f"--now={now}"] if now else [])
        result = CliRunner().invoke(pksync.main, argv, catch_exceptions=False)
        assert result.exit_code == expect, (result.stdout, result.stderr)
        return result

    def summary(self, *args: str, now: str | None = None) -> str:
        out = self.run(*args, now=now).stdout.strip().splitlines()
        return out[-1]

    # -- reading back ----------------------------------------------------------------------------
    def search(self, base: str, flt: str = "(objectClass=*)", *attrs: str):
        return parse_ldif(self.slapd.ldapsearch(base, flt, *attrs))

    def user(self, name: str) -> dict:
        found = self.search(PEOPLE, f"(uid={name})", "objectClass", "pkLimitBy", "pkBalance", "pkLifeTimePaid")
        return next(iter(found.values()), None)

    def quotas(self, user: str | None = None) -> dict[str, dict]:
        """{printer: entry} of a user, or {cn: entry} of everyone."""
        flt = f"(pkUserName={user})" if user else "(objectClass=pkUserQuota)"
        found = self.search(QUOTAS, flt)
        if user:
            return {e["pkprintername"][0]: e for e in found.values()}
        return {e["cn"][0]: e for e in found.values()}

    def limits(self, user: str) -> dict[str, tuple]:
        return {printer: (e.get("pksoftlimit", [None])[0], e.get("pkhardlimit", [None])[0])
                for printer, e in self.quotas(user).items()}

    def payments(self, user: str | None = None) -> list[dict]:
        flt = f"(pkUserName={user})" if user else "(objectClass=pkPayment)"
        return sorted(self.search(PAYMENTS, flt).values(), key=lambda e: e["cn"][0])

    def dump(self) -> str:
        """Everything, without operational noise: two equal dumps mean nothing was written."""
        return self.slapd.ldapsearch("dc=example,dc=org", "(objectClass=*)", "*")

    def ldif(self, text: str) -> None:
        self.slapd.ldapmodify(text)

    def add(self, text: str) -> None:
        self.slapd.ldapadd(text)

    def delete(self, dn: str) -> None:
        self.slapd.ldapmodify(f"dn: {dn}\nchangetype: delete\n")


def new_user(name: str, uid_number: int, extra: str = "") -> str:
    return (f"dn: uid={name},{PEOPLE}\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\nuid: {name}\n"
            f"cn: {name}\nsn: {name}\nuidNumber: {uid_number}\ngidNumber: 10000\n"
            f"homeDirectory: /home/{name}\n{extra}\n")
