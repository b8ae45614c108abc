"""What account provisioning (pksync) reads and writes.

Reads are a handful of paged searches asking only for the attributes the plan needs (a no-op run
over 100,000 accounts must stay cheap). Writes are the two steps that pksync adds to the area
modules, each touching two entries: attaching an account together with its starting payments,
and crediting an allocation under a cap with its payment (see the note above attach_account).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable, Iterator

from ldap3 import MODIFY_ADD
from ldap3.core.exceptions import LDAPInvalidFilterError
from ldap3.operation.search import parse_filter

from ..model import Group
from ..sync.snapshot import Account, PaymentRecord, QuotaEntry
from . import accounts, history
from . import escaping as esc
from .core import Directory
from .errors import AlreadyExists, AssertionFailed, NotFound
from .fastsearch import search_paged_fast
from .records import to_time

ACCOUNT_ATTRS = ["objectClass", "pkLimitBy", "pkBalance", "pkLifeTimePaid", "entryUUID"]
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
    for dn, entry in search_paged_fast(d, d.settings.userbase, flt, [rdn] + ACCOUNT_ATTRS):
        classes = {str(c).lower() for c in entry.get("objectclass", [])}
        limit_by = _one(entry, "pklimitby")
        yield Account(name=str(_one(entry, rdn.lower())), dn=dn, managed="pkaccount" in classes,
                      limit_by=limit_by.lower() if limit_by else None,
                      balance=int(_one(entry, "pkbalance") or 0),
                      lifetime_paid=int(_one(entry, "pklifetimepaid") or 0),
                      uuid=str(_one(entry, "entryuuid") or ""))


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
    for dn, entry in search_paged_fast(d, d.settings.userquotabase, "(objectClass=pkUserQuota)", QUOTA_LIMIT_ATTRS):
        yield QuotaEntry(user=str(_one(entry, "pkusername")), printer=str(_one(entry, "pkprintername")), dn=dn,
                         soft_limit=_int_or_none(_one(entry, "pksoftlimit")),
                         hard_limit=_int_or_none(_one(entry, "pkhardlimit")))


def read_payments(d: Directory, since: datetime) -> dict[str, PaymentRecord]:
    """Payments recorded since a moment (a day of margin added), by lower-cased entry name."""
    flt = esc.all_of("(objectClass=pkPayment)", f"(pkPaymentDate>={to_time(since - timedelta(days=1))})")
    found = {}
    for dn, entry in search_paged_fast(d, d.settings.paymentbase, flt, ["cn", "pkAmount", "description"]):
        name = str(_one(entry, "cn") or esc.rdn_value(dn)[1])
        found[name.lower()] = PaymentRecord(name, int(_one(entry, "pkamount") or 0),
                                            str(_one(entry, "description") or ""))
    return found


# -- writes ------------------------------------------------------------------------------------
#
# No RFC 5805 transaction here, on purpose. On slapd 2.5.13 (Debian 12), measured with this code:
# a transaction ending while the thread of one of its operations is still finishing makes slapd
# segfault (likely when the client is fast or the machine busy), and a transaction that fails
# after storing an attribute type for the first time leaves back-mdb unable to read what is
# written next. So each step below orders plain writes so that every interruption leaves a state
# the next run recognises, and never gives money twice.

def attach_account(d: Directory, dn: str, user: str, limit_by: str, payments: list[tuple[str, int, str]],
                   when: datetime) -> None:
    """pkAccount on an existing user entry, its balance being the sum of `payments` (name, amount,
    description), each recorded as a payment entry.

    The payments are written first, under names that the next run would choose again (the entry's
    entryUUID or the period is in them): an interrupted attach is finished by the next run, whose
    payment adds collide harmlessly. The attach itself asserts that the entry has no pkAccount
    yet, so the balance is given once; if someone attached it meanwhile (AssertionFailed) or the
    entry is gone (NotFound), our payments are removed again and the error is raised.
    """
    balance = sum(amount for _, amount, _ in payments)
    for name, amount, description in payments:
        try:
            history.add_payment(d, user, amount, description, when, name=name)
        except AlreadyExists:
            pass                                    # written by an interrupted run: same name, ours
    changes = {"objectClass": [(MODIFY_ADD, ["pkAccount"])], "pkLimitBy": [(MODIFY_ADD, [limit_by])],
               "pkBalance": [(MODIFY_ADD, [balance])], "pkLifeTimePaid": [(MODIFY_ADD, [balance])],
               "pkOverCharge": [(MODIFY_ADD, [1000])]}
    try:
        d.modify(dn, changes, assertion="(!(objectClass=pkAccount))")
    except (AssertionFailed, NotFound):       # attached meanwhile, or the entry is gone
        for name, _, _ in payments:
            d.delete(payment_dn(d, name))
        raise


def payment_dn(d: Directory, name: str) -> str:
    return d.dn("cn", name, d.settings.paymentbase)


def credit_balance(d: Directory, dn: str, user: str, amount: int, cap: int | None, lifetime_paid: int,
                   payment_name: str, description: str, when: datetime, payment_written: bool = False) -> None:
    """Credit the balance once: the payment first (its name is the exactly-once key), then a
    Modify-Increment that the server applies only if nothing was paid in since the plan was made
    (pkLifeTimePaid still `lifetime_paid`) and the cap still allows the amount.

    The payment's description ends with "lifetime paid before N": if a run stops between the two
    writes, the next one sees pkLifeTimePaid still at N and applies the increment then
    (payment_written=True). A charge only lowers the balance, so it never makes the cap check
    wrong. AlreadyExists: this period was credited already; AssertionFailed: re-read and retry.
    """
    if not payment_written:
        history.add_payment(d, user, amount, f"{description}, lifetime paid before {lifetime_paid}", when,
                            name=payment_name)
    guards = [f"(pkLifeTimePaid={lifetime_paid})"]
    if cap is not None:
        guards.append(f"(pkBalance<={cap - amount})")
    d.increment(dn, {"pkBalance": amount, "pkLifeTimePaid": amount}, assertion=esc.all_of(*guards))


def rewrite_credit(d: Directory, payment_name: str, amount: int, description: str, lifetime_paid: int) -> None:
    """The balance changed between plan and credit: the payment now says the new amount (0: gone)."""
    if amount == 0:
        d.delete(payment_dn(d, payment_name))
        return
    d.replace(payment_dn(d, payment_name),
              {"pkAmount": str(amount), "description": f"{description}, lifetime paid before {lifetime_paid}"})


def read_money(d: Directory, dn: str) -> tuple[int, int]:
    """(pkBalance, pkLifeTimePaid) of a user entry."""
    entry = _lower_keys(d.read(dn, ["pkBalance", "pkLifeTimePaid"]) or {})
    return int(_one(entry, "pkbalance") or 0), int(_one(entry, "pklifetimepaid") or 0)
