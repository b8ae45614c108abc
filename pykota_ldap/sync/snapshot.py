"""What the directory holds, as far as provisioning cares: read once, planned in memory.

Plain data (directory.sync reads it with a few paged searches). Names are kept as the directory
spells them; lookups go through lower-case keys, since names match like uid (case-insensitive).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Group, Printer


@dataclass
class Account:
    """A user matched by userfilter, with what pkAccount holds when it is attached."""

    name: str
    dn: str
    managed: bool = False          # pkAccount attached
    limit_by: str | None = None
    balance: int = 0
    lifetime_paid: int = 0
    uuid: str = ""                 # entryUUID: tells two entries with the same name apart


@dataclass
class QuotaEntry:
    """A user quota entry, limits only: pksync never reads nor writes the counters."""

    user: str
    printer: str
    dn: str
    soft_limit: int | None = None
    hard_limit: int | None = None


@dataclass
class PaymentRecord:
    name: str                      # the entry's cn
    amount: int
    description: str


@dataclass
class Snapshot:
    accounts: list[Account]
    groups: list[Group]                                   # with members (names)
    quotas: list[QuotaEntry]
    printers: dict[str, Printer]
    payments: dict[str, PaymentRecord] = field(default_factory=dict)   # this period's, by lower-cased cn
