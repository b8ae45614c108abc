"""autopykota's work: what a job of an unknown user or on an unknown printer needs, added.

Only existing directory entries become managed: a user missing from the directory is refused,
never invented. Each step is one write that two first jobs at once cannot both make:

- the printer: an add of its entry (the DN is the collision);
- the initial balance's payment, under a name made of the user and the day: one add succeeds;
- the account: pkAccount with the balance and lifetime paid equal to that payment, and a mark
  naming the payment, in one modify guarded by the class being absent (accounts.attach_class):
  a run that loses to another first job finds its payment named there and keeps it;
- the quota entries on the printer and the printer groups above it: adds of fixed DNs
  (add_quotas, which the backend also uses for the [sync] rules' entries at a first job:
  backend/firstquota.py).

The payment comes before the account, so a run cut off in between is finished by the next job's
run (the payment is found, the account attached) and lifetime paid stays the sum of the payments.
"""
from __future__ import annotations

from datetime import datetime, timezone
from functools import partial
from typing import Callable

from ..policy import printer_ancestors
from . import accounts, history, quotas
from . import printers as printer_store
from .core import Directory, values
from .errors import AlreadyExists, AssertionFailed, DirectoryError, NotFound
from .records import to_time

PRINTER_DESCRIPTION = "printer created with autopykota"
CREATED = "user created with autopykota"          # how a user attached here is told from an admin's


def _added(write: Callable[[], object]) -> bool:
    """Run an add; False when the entry is there already (another job made it)."""
    try:
        write()
        return True
    except AlreadyExists:
        return False


def ensure_printer(d: Directory, name: str) -> bool:
    if printer_store.get_printer(d, name) is not None:
        return False
    return _added(lambda: printer_store.add_printer(d, name, description=PRINTER_DESCRIPTION))


def ensure_account(d: Directory, name: str, initial_balance: int, email_domain: str | None = None,
                   when: datetime | None = None) -> bool:
    """Attach pkAccount (limited by balance) to the user's existing entry, its initial balance
    recorded as a payment; False when it was managed already."""
    user = accounts.get_user(d, name)
    if user is None:
        raise NotFound(f"user {name} is not in the directory under {d.settings.userbase}: autopykota "
                       "only manages existing users")
    if user.managed:
        return False
    when = when or datetime.now(timezone.utc)
    payment = f"autopykota-{name}-{when.astimezone(timezone.utc):%Y%m%d}"
    ours = bool(initial_balance) and _added(lambda: history.add_payment(
        d, user.name, initial_balance, "initial balance (autopykota)", when=when, name=payment))
    # The account names the payment it counts (a mark, as charges leave): a run that loses the
    # attach to another first job keeps that payment, one that loses it to an admin removes it.
    mark = f"{to_time(when)} {payment}"
    described = CREATED in values(d.read(user.dn, ["description"]) or {}, "description")   # left by pkusers -d
    pk_values = accounts.account_values("balance", initial_balance, initial_balance,
                                        description=None if described else CREATED)
    try:
        accounts.attach_class(d, user.dn, "pkAccount", {**pk_values, "pkAppliedCharge": mark})
    except AssertionFailed:
        counted = values(d.read(user.dn, ["pkAppliedCharge"]) or {}, "pkAppliedCharge")
        if ours and not any(m.split(" ", 1)[-1] == payment for m in counted):
            _forget(d, payment)
        return False
    except DirectoryError:
        again = accounts.get_user(d, name)
        if ours and again is not None and not again.managed:
            _forget(d, payment)          # refused: no account counts it
        raise
    if email_domain and not user.email:
        accounts.set_user_mail(d, user, f"{user.name}{email_domain}")
    return True


def _forget(d: Directory, payment: str) -> None:
    d.delete(d.dn("cn", payment, d.settings.paymentbase))


def ensure_quotas(d: Directory, user: str, printer: str) -> list[str]:
    """The user's quota entries on the printer and the printer groups above it (no limits: the
    site limits by balance); the printers given entries."""
    found = printer_store.printer_and_groups(d, printer)
    names = [printer] + printer_ancestors(printer, found)
    have = quotas.user_quotas(d, user, names)
    return add_quotas(d, user, [name for name in names if name.lower() not in have])


def add_quotas(d: Directory, user: str, printers: list[str], soft: int | None = None,
               hard: int | None = None) -> list[str]:
    """Quota entries the user lacks on these printers, with these limits: one add each, of a fixed
    DN, so that two first jobs at once make one entry. The printers this call gave entries."""
    return [name for name in printers if _added(partial(quotas.add_user_quota, d, user, name, soft, hard))]
