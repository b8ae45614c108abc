"""What account provisioning (pksync) reads and writes.

Reads are a handful of paged searches asking only for the attributes the plan needs (a no-op run
over 100,000 accounts must stay cheap): what is not asked for keeps the model's default. Writes
are the two steps that pksync adds to the area modules, each touching two entries: attaching an
account together with its starting payments, and crediting an allocation under a cap with its
payment (see the note above attach_account).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable, Iterator

from ..model import Group, Payment, User, UserQuota
from . import accounts, history
from . import escaping as esc
from .core import Directory, Writer, first, first_int
from .errors import AlreadyExists, AssertionFailed, NotFound
from .fastsearch import search_paged_fast
from .records import PAYMENT_ATTRS, account_from, payment_from, quota_limits_from, to_time

ACCOUNT_ATTRS = ["objectClass", "pkLimitBy", "pkBalance", "pkLifeTimePaid", "entryUUID"]
QUOTA_LIMIT_ATTRS = ["pkUserName", "pkPrinterName", "pkSoftLimit", "pkHardLimit"]


# -- reads -------------------------------------------------------------------------------------

def read_accounts(d: Directory, userfilter: str) -> Iterator[User]:
    """Users under userbase matched by userfilter, with what pkAccount holds and their entryUUID."""
    rdn = d.settings.userrdn
    flt = esc.all_of(userfilter, f"({rdn}=*)")
    for dn, entry in search_paged_fast(d, d.settings.userbase, flt, [rdn] + ACCOUNT_ATTRS):
        yield account_from(dn, first(entry, rdn, ""), entry)


def read_managed_names(d: Directory, userfilter: str, patterns: list[str] | None = None) -> Iterator[str]:
    """Names of the managed users (pkAccount) matched by userfilter and by the shell patterns."""
    rdn = d.settings.userrdn
    flt = esc.all_of(userfilter, "(objectClass=pkAccount)", esc.any_pattern(rdn, patterns) or f"({rdn}=*)")
    wanted = esc.matcher(patterns)
    for _, entry in search_paged_fast(d, d.settings.userbase, flt, [rdn]):
        name = first(entry, rdn, "")
        if name and wanted(name):
            yield name


def read_groups(d: Directory, names: Iterable[str]) -> list[Group]:
    """The groups with these names (managed or not), with their members as user names."""
    wanted = sorted(set(names), key=str.lower)
    s = d.settings
    found: list[Group] = []
    for start in range(0, len(wanted), 200):          # keep each filter a reasonable size
        flt = esc.any_of(s.grouprdn, wanted[start:start + 200])
        found.extend(accounts.group_from_entry(d, dn, entry)
                     for dn, entry in d.search_paged(s.groupbase, flt, accounts.group_attributes(d)))
    return found


def read_quota_limits(d: Directory) -> Iterator[UserQuota]:
    """Every user quota entry, limits only: the counters are none of pksync's business."""
    for dn, entry in search_paged_fast(d, d.settings.userquotabase, "(objectClass=pkUserQuota)", QUOTA_LIMIT_ATTRS):
        yield quota_limits_from(dn, entry)


def read_payments(d: Directory, since: datetime) -> dict[str, Payment]:
    """Payments recorded since a moment (a day of margin added), by lower-cased entry name."""
    flt = esc.all_of("(objectClass=pkPayment)", f"(pkPaymentDate>={to_time(since - timedelta(days=1))})")
    payments = (payment_from(dn, entry) for dn, entry in search_paged_fast(d, d.settings.paymentbase, flt,
                                                                           PAYMENT_ATTRS))
    return {payment.name.lower(): payment for payment in payments if payment.name}


# -- writes ------------------------------------------------------------------------------------
#
# No RFC 5805 transaction here, on purpose. On slapd 2.5.13 (Debian 12), measured with this code:
# a transaction ending while the thread of one of its operations is still finishing makes slapd
# segfault (likely when the client is fast or the machine busy), and a transaction that fails
# after storing an attribute type for the first time leaves back-mdb unable to read what is
# written next. So each step below orders plain writes so that every interruption leaves a state
# the next run recognises, and never gives money twice.

def attach_account(d: Writer, dn: str, user: str, limit_by: str, payments: list[tuple[str, int, str]],
                   when: datetime) -> None:
    """pkAccount on an existing user entry, its balance being the sum of `payments` (name, amount,
    description), each recorded as a payment entry.

    The payments are written first, under names that the next run would choose again (the entry's
    entryUUID or the period is in them): an interrupted attach is finished by the next run, whose
    payment adds collide harmlessly. The attach itself asserts that the entry has no pkAccount
    yet, so the balance is given once; if someone attached it meanwhile (AssertionFailed) or the
    entry is gone (NotFound), our payments are removed again and the error is raised.
    Without payments it is one modify, which a pipelined writer can carry.
    """
    balance = sum(amount for _, amount, _ in payments)
    for name, amount, description in payments:
        try:
            history.add_payment(d, user, amount, description, when, name=name)
        except AlreadyExists:
            pass                                    # written by an interrupted run: same name, ours
    try:
        accounts.attach_class(d, dn, "pkAccount", accounts.account_values(limit_by, balance, lifetime_paid=balance))
    except (AssertionFailed, NotFound):       # attached meanwhile, or the entry is gone
        for name, _, _ in payments:
            d.delete(payment_dn(d, name))
        raise


def payment_dn(d: Writer, name: str) -> str:
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
    entry = d.read(dn, ["pkBalance", "pkLifeTimePaid"]) or {}
    return first_int(entry, "pkBalance", 0), first_int(entry, "pkLifeTimePaid", 0)
