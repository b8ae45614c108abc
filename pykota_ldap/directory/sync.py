"""What account provisioning (pksync) reads and writes.

Reads are a handful of paged searches asking only for the attributes the plan needs (a no-op run
over 100,000 accounts must stay cheap). Writes are the few steps that pksync adds to the area
modules: attaching an account together with its starting payments, and crediting an allocation
under a cap. Each of them is one transaction, so an interrupted run leaves whole steps only.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable, Iterator

from ldap3 import MODIFY_ADD
from ldap3.core.exceptions import LDAPInvalidFilterError
from ldap3.operation.search import parse_filter

from ..model import Group
from ..sync.snapshot import Account, QuotaEntry
from . import accounts, history
from . import escaping as esc
from .core import Directory
from .records import to_time

ACCOUNT_ATTRS = ["objectClass", "pkLimitBy", "pkBalance"]
QUOTA_LIMIT_ATTRS = ["pkUserName", "pkPrinterName", "pkSoftLimit", "pkHardLimit"]


def _lower_keys(entry: dict) -> dict:
    return {key.lower(): value for key, value in entry.items()}


def _one(entry: dict, attr: str):
    value = entry.get(attr)
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _int_or_none(value) -> int | None:
    return None if value in (None, "") else int(value)


def filter_problem(text: str) -> str | None:
    """Why a filter (e.g. a configured userfilter) is not valid LDAP, or None."""
    try:
        parse_filter(text, None, True, True, None, False)
    except LDAPInvalidFilterError as exc:
        return str(exc) or "invalid filter"
    return None


# -- reads -------------------------------------------------------------------------------------

def read_accounts(d: Directory, userfilter: str) -> Iterator[Account]:
    """Users under userbase matched by userfilter, with what pkAccount holds."""
    rdn = d.settings.userrdn
    flt = esc.all_of(userfilter, f"({rdn}=*)")
    for dn, entry in d.search_paged(d.settings.userbase, flt, [rdn] + ACCOUNT_ATTRS):
        entry = _lower_keys(entry)
        classes = {str(c).lower() for c in entry.get("objectclass", [])}
        limit_by = _one(entry, "pklimitby")
        yield Account(name=str(_one(entry, rdn.lower())), dn=dn, managed="pkaccount" in classes,
                      limit_by=limit_by.lower() if limit_by else None,
                      balance=int(_one(entry, "pkbalance") or 0))


def read_groups(d: Directory, names: Iterable[str]) -> list[Group]:
    """The groups with these names (managed or not), with their members as user names."""
    names = sorted(set(names), key=str.lower)
    if not names:
        return []
    s = d.settings
    found = []
    for start in range(0, len(names), 200):          # keep each filter a reasonable size
        flt = esc.any_of(s.grouprdn, names[start:start + 200])
        found.extend(accounts._group_from(d, dn, entry)
                     for dn, entry in d.search_paged(s.groupbase, flt, accounts._group_attrs(d)))
    return found


def read_quota_limits(d: Directory) -> Iterator[QuotaEntry]:
    """Every user quota entry, limits only (the counters are none of pksync's business)."""
    for dn, entry in d.search_paged(d.settings.userquotabase, "(objectClass=pkUserQuota)", QUOTA_LIMIT_ATTRS):
        entry = _lower_keys(entry)
        yield QuotaEntry(user=str(_one(entry, "pkusername")), printer=str(_one(entry, "pkprintername")), dn=dn,
                         soft_limit=_int_or_none(_one(entry, "pksoftlimit")),
                         hard_limit=_int_or_none(_one(entry, "pkhardlimit")))


def read_payment_names(d: Directory, since: datetime) -> set[str]:
    """Lower-cased entry names of the payments recorded since a moment (a day of margin added)."""
    flt = esc.all_of("(objectClass=pkPayment)", f"(pkPaymentDate>={to_time(since - timedelta(days=1))})")
    return {esc.rdn_value(dn)[1].lower() for dn, _ in d.search_paged(d.settings.paymentbase, flt, ["cn"])}


def read_balance(d: Directory, dn: str) -> int:
    entry = _lower_keys(d.read(dn, ["pkBalance"]) or {})
    return int(_one(entry, "pkbalance") or 0)


# -- writes ------------------------------------------------------------------------------------

def attach_account(d: Directory, dn: str, user: str, limit_by: str, payments: list[tuple[str, int, str]],
                   when: datetime) -> None:
    """pkAccount on an existing user entry, its balance being the sum of `payments` (name, amount,
    description), each recorded as a payment entry, in one transaction.

    The assertion makes it happen once: if the entry got pkAccount meanwhile (another run, an
    admin), nothing is written, and the payments are not given twice.
    """
    balance = sum(amount for _, amount, _ in payments)
    changes = {"objectClass": [(MODIFY_ADD, ["pkAccount"])], "pkLimitBy": [(MODIFY_ADD, [limit_by])],
               "pkBalance": [(MODIFY_ADD, [balance])], "pkLifeTimePaid": [(MODIFY_ADD, [balance])],
               "pkOverCharge": [(MODIFY_ADD, [1000])]}
    if not payments:                 # one operation: atomic by itself
        d.modify(dn, changes, assertion="(!(objectClass=pkAccount))")
        return
    with d.transaction():
        d.modify(dn, changes, assertion="(!(objectClass=pkAccount))")
        for name, amount, description in payments:
            history.add_payment(d, user, amount, description, when, name=name)


def credit_balance(d: Directory, dn: str, user: str, amount: int, cap: int | None, payment_name: str,
                   description: str, when: datetime) -> None:
    """Credit the balance with Modify-Increment and record the payment, in one transaction.

    payment_name is the exactly-once key (a repeat collides: AlreadyExists). With a cap the
    server checks, in the same step, that the balance is still low enough for the credit not
    to pass it (AssertionFailed otherwise: a concurrent credit came first; re-read and retry).
    A concurrent charge only lowers the balance, so it never makes the check wrong.
    """
    assertion = f"(pkBalance<={cap - amount})" if cap is not None else "(objectClass=pkAccount)"
    with d.transaction():
        # The guarded increment first: if its check fails, it fails before anything else was done
        # in the transaction (see prime_attribute_types for why that matters).
        d.increment(dn, {"pkBalance": amount, "pkLifeTimePaid": amount}, assertion=assertion)
        history.add_payment(d, user, amount, description, when, name=payment_name)


# A server bug, worked around. slapd 2.5.13 (back-mdb) keeps, in memory, the numbering it gives to an
# attribute type the first time the database stores it. If that first time is inside a transaction
# that then fails, the numbering stays in memory but not on disk, and every entry written afterwards
# with that attribute is unreadable (mdb_entry_decode: "attribute index not recognized"; slapcat
# crashes). Storing each attribute type once outside any transaction first makes this impossible.
PROBE_QUOTA = {"pkUserName": "pksync-probe", "pkPrinterName": "pksync-probe", "pkSoftLimit": 0,
               "pkHardLimit": 0, "pkDateLimit": "19700101000000Z", "pkPageCounter": 0, "pkLifePageCounter": 0,
               "pkWarnCount": 0, "pkLimitBy": "noquota", "pkBalance": 0, "pkLifeTimePaid": 0, "pkOverCharge": 0,
               "description": "pksync probe"}
PROBE_PAYMENT = {"pkUserName": "pksync-probe", "pkAmount": 0, "pkPaymentDate": "19700101000000Z",
                 "description": "pksync probe"}


def prime_attribute_types(d: Directory) -> None:
    """Make the database know every attribute type pksync writes in transactions (see above):
    add, then delete, one probe entry of each kind. Run before any batch of writes."""
    s = d.settings
    probes = [(d.dn("cn", "pksync-probe", s.userquotabase), ["pkUserQuota", "pkAccount"], PROBE_QUOTA),
              (d.dn("cn", "pksync-probe", s.paymentbase), ["pkPayment"], PROBE_PAYMENT)]
    for dn, classes, attributes in probes:
        d.delete(dn)                       # left by an interrupted run, if any
        d.add(dn, classes, {"cn": "pksync-probe", **attributes})
        d.delete(dn)
