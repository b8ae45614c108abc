"""The admin changes that take several directory writes, one library call each.

A command parses and checks what was typed and resolves the names, then makes one of these
calls per object; anything else making the same change (a script, a web page) makes it the
same way, in the same order.

A change either completes, or leaves things as they were, or is ordered so that the same call
finishes it (the object stays what the command looks for until its last write); an error says
what had been done before it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence, TypeVar

from .. import money
from ..model import BillingCode, Group, GroupQuota, Printer, User, UserQuota
from . import accounts, history, quotas
from . import printers as printer_store
from .core import Directory
from .errors import DirectoryError, NotFound

T = TypeVar("T")
AGAIN = "the same command finishes the change"


def _step(what: str, write: Callable[[], T], after: str = AGAIN) -> T:
    """One write of a multi-entry change; its error says what was being done, and what then."""
    try:
        return write()
    except DirectoryError as exc:
        raise type(exc)(f"{what}: {exc}; {after}") from None

# -- users and groups (pkusers) ----------------------------------------------------------------


@dataclass(frozen=True)
class AccountChange:
    """What to set on users; groups take limit_by and description only."""
    limit_by: str | None = None
    description: str | None = None      # "" removes it
    overcharge: int | None = None       # factor in thousandths
    email: str | None = None            # "@domain" means <name>@domain
    balance: int | None = None          # thousandths: the new balance, or with relative the change
    relative: bool = False
    comment: str | None = None          # stored with the payment
    groups: Sequence[Group] = ()        # directory groups the users join...
    leave_groups: bool = False          # ... or leave


def update_user(d: Directory, target: User | str, change: AccountChange, mail: str | None = None) -> User:
    """Change a managed user; a name is an entry to manage first (pkAccount attached, or created
    with newuser: below). mail, given with the name, wins over change.email."""
    if isinstance(target, str):
        user = accounts.attach_user(d, target, limit_by=change.limit_by or "quota",
                                    overcharge=1000 if change.overcharge is None else change.overcharge,
                                    description=change.description or None)
    else:
        user = target
        fields = {k: v for k, v in (("limit_by", change.limit_by), ("overcharge", change.overcharge),
                                    ("description", change.description)) if v is not None}
        if fields:
            accounts.set_user_fields(d, user, **{k: (None if v == "" else v) for k, v in fields.items()})
    email = user.name + change.email if change.email and change.email.startswith("@") else change.email
    address = mail or email
    if address:
        accounts.set_user_mail(d, user, address)
    if change.balance is not None:
        pay(d, user, change.balance, change.relative, change.comment)
    for group in change.groups:
        (accounts.remove_member if change.leave_groups else accounts.add_member)(d, group, user)
    return user


def update_group(d: Directory, target: Group | str, change: AccountChange) -> None:
    """Change a managed group; a name is an entry to manage first (pkGroup attached)."""
    if isinstance(target, str):
        accounts.attach_group(d, target, limit_by=change.limit_by or "quota", description=change.description or None)
        return
    fields = {k: v for k, v in (("limit_by", change.limit_by), ("description", change.description)) if v is not None}
    if fields:
        accounts.set_group_fields(d, target, **{k: v or None for k, v in fields.items()})


def pay(d: Directory, user: User, amount: int, relative: bool, comment: str | None = None) -> int:
    """A payment: the balance changes by amount (relative) or becomes amount, and the payment is
    recorded. A relative amount is one Modify-Increment; an absolute one becomes the difference
    from the value read, applied only if the balance did not move meanwhile (accounts.set_balance).
    A payment that cannot be recorded is taken back from the balance. Returns the change;
    nothing is recorded when it is 0."""
    if relative:
        accounts.change_balance(d, user, amount, paid=True)
        delta = amount
    else:
        delta = accounts.set_balance(d, user, amount)
    if delta:
        try:
            history.add_payment(d, user.name, delta, comment)
        except DirectoryError as exc:
            _step(f"user {user.name}: the payment of {money.format(delta)} could not be recorded ({exc}) and its "
                  "change of the balance not undone", lambda: accounts.change_balance(d, user, -delta, paid=True),
                  "correct the balance by hand")
            raise type(exc)(f"user {user.name}: the payment of {money.format(delta)} could not be recorded ({exc}); "
                            "the balance is as it was") from None
    return delta


def forget_user(d: Directory, user: User) -> None:
    """Out of quota management: its quota entries go, then pkAccount with its attributes; the
    account stays. The user is managed until the last write, so the same command finishes it."""
    removed = _step(f"user {user.name}: deleting its quota entries",
                    lambda: quotas.delete_user_quotas_of(d, user=user.name))
    _step(f"user {user.name}: {removed} quota entries deleted, then removing pkAccount",
          lambda: accounts.detach_user(d, user))


def forget_group(d: Directory, group: Group) -> None:
    """The same for a users group: its group quota entries go, then pkGroup; the group stays."""
    removed = _step(f"group {group.name}: deleting its quota entries",
                    lambda: quotas.delete_group_quotas_of(d, group=group.name))
    _step(f"group {group.name}: {removed} quota entries deleted, then removing pkGroup",
          lambda: accounts.detach_group(d, group))


# -- printers (pkprinters) ---------------------------------------------------------------------

def update_printer(d: Directory, target: Printer | str, fields: dict[str, Any],
                   groups: Sequence[Printer] = (), leave_groups: bool = False) -> Printer:
    """Change a printer's fields (printers.set_printer_fields names them); a name is a printer to
    add, free unless fields give prices. Then it joins (or leaves) the printer groups, each read
    again first so that its members are as they are now."""
    if isinstance(target, str):
        printer = printer_store.add_printer(d, target, **{"price_per_page": 0, "price_per_job": 0, **fields})
    else:
        printer = target
        if fields:
            printer_store.set_printer_fields(d, printer, **fields)
    for group in groups:
        fresh = printer_store.get_printer(d, group.name)
        if fresh is None:
            raise NotFound(f"printer group {group.name} was deleted meanwhile")
        (printer_store.remove_from_group if leave_groups else printer_store.add_to_group)(d, fresh, printer)
    return printer


def remove_printer(d: Directory, printer: Printer) -> None:
    """The printer's user and group quota entries, its group memberships, then the printer; the
    history keeps its jobs. The printer is there until the last write: the same command finishes it."""
    users = _step(f"printer {printer.name}: deleting its user quota entries",
                  lambda: quotas.delete_user_quotas_of(d, printer=printer.name))
    groups = _step(f"printer {printer.name}: {users} user quota entries deleted, then its group quota entries",
                   lambda: quotas.delete_group_quotas_of(d, printer=printer.name))
    _step(f"printer {printer.name}: {users} user and {groups} group quota entries deleted, then the printer",
          lambda: printer_store.delete_printer(d, printer))


# -- billing codes (pkbcodes) ------------------------------------------------------------------

def update_billing_code(d: Directory, target: BillingCode | str, description: str | None = None,
                        reset: bool = False) -> None:
    """Change a billing code (description; reset: pages and balance back to 0); a name is a code
    to add."""
    if isinstance(target, str):
        history.add_billing_code(d, target, description or None)
        return
    if description is not None:
        history.set_billing_code_description(d, target, description)
    if reset:
        history.reset_billing_code(d, target)


# -- quota entries (edpykota) ------------------------------------------------------------------

@dataclass(frozen=True)
class QuotaChange:
    """What to change on existing quota entries; a group's entry takes limits and resets only."""
    soft: int | None = None             # both limits, when given
    hard: int | None = None
    no_quota: bool = False              # no limits at all
    increase: int | None = None         # both limits change by this (after the three above)
    reset: bool = False                 # page counter to 0
    hard_reset: bool = False            # both counters to 0
    used: int | None = None             # both counters become this, or with used_relative change by it
    used_relative: bool = False
    set_max_job_size: bool = False
    max_job_size: int | None = None     # None: unlimited


def change_quota(d: Directory, entry: UserQuota | GroupQuota, change: QuotaChange) -> None:
    """PyKota's order: limits, increase, reset, hard reset, used, max job size."""
    dn = entry.dn
    if change.no_quota:
        quotas.set_limits(d, dn, clear_soft=True, clear_hard=True)
    elif change.soft is not None:
        quotas.set_limits(d, dn, change.soft, change.hard)
    if change.increase:
        quotas.change_limits(d, dn, change.increase)
    reset = quotas.reset_group_counter if isinstance(entry, GroupQuota) else quotas.reset_counter
    if change.reset:
        reset(d, dn)
    if change.hard_reset:
        reset(d, dn, hard=True)
    if change.used is not None:
        (quotas.add_usage if change.used_relative else quotas.set_usage)(d, dn, change.used)
    if change.set_max_job_size:
        quotas.set_quota_max_job_size(d, dn, change.max_job_size)
