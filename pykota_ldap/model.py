"""Plain data: what the directory holds, as the rest of the code sees it.

Money is in thousandths of a credit, limits and counters in pages, dates are aware UTC
datetimes. None means "not set" (no limit, unlimited job size, no grace date).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

LIMIT_MODES = ("quota", "balance", "noquota", "nochange", "noprint")
GROUP_LIMIT_MODES = ("quota", "balance", "noquota")


class Action(StrEnum):
    """What was decided for a job; the values are the words stored in pkAction."""

    ALLOW = "ALLOW"          # printed
    WARN = "WARN"            # printed, the user warned (grace period, low balance)
    DENY = "DENY"            # refused before printing
    CANCEL = "CANCEL"        # cancelled: by a command (askconfirmation, overwrite_jobticket) or while printing
    PROBLEM = "PROBLEM"      # the real backend failed
    REFUND = "REFUND"        # refunded by an admin



@dataclass
class User:
    name: str
    dn: str
    managed: bool = False            # pkAccount attached
    limit_by: str = "quota"
    balance: int = 0
    lifetime_paid: int = 0
    overcharge: int = 1000           # factor in thousandths
    description: str | None = None
    email: str | None = None
    uuid: str = ""                   # entryUUID, when read: tells two entries of the same name apart
    language: str | None = None      # preferredLanguage, e.g. "fr": the language of the user's mails


@dataclass
class Group:
    name: str
    dn: str
    managed: bool = False            # pkGroup attached
    limit_by: str = "quota"
    description: str | None = None
    members: list[str] = field(default_factory=list)


@dataclass
class Printer:
    name: str
    dn: str
    description: str | None = None
    price_per_page: int = 0
    price_per_job: int = 0
    max_job_size: int | None = None
    passthrough: bool = False
    members: list[str] = field(default_factory=list)   # names of member printers (a printer group)
    page_counter: int | None = None

    @property
    def is_group(self) -> bool:
        return bool(self.members)


@dataclass
class UserQuota:
    user: str
    printer: str
    dn: str
    soft_limit: int | None = None
    hard_limit: int | None = None
    date_limit: datetime | None = None
    page_counter: int = 0
    life_page_counter: int = 0
    warn_count: int = 0
    max_job_size: int | None = None


@dataclass
class GroupQuota:
    group: str
    printer: str
    dn: str
    soft_limit: int | None = None
    hard_limit: int | None = None
    date_limit: datetime | None = None
    max_job_size: int | None = None
    page_counter: int = 0            # the entry's own counter, else the sum of the members' counters
    life_page_counter: int = 0
    counted: bool = False            # the entry holds counters that each member's charge increments


@dataclass
class Job:
    job_id: str
    user: str
    printer: str
    date: datetime
    action: str
    dn: str | None = None
    size: int | None = None
    price: int | None = None
    title: str | None = None
    filename: str | None = None
    copies: int | None = None
    options: str | None = None
    hostname: str | None = None
    size_bytes: int | None = None
    md5sum: str | None = None
    billing_code: str | None = None
    precomputed_size: int | None = None
    precomputed_price: int | None = None
    printer_page_counter: int | None = None


@dataclass(frozen=True)
class Charge:
    """What history.charge_job applies to the directory for one job, exactly once, even when
    replayed from the backend's journal: its counters, then its history entry. `name` is its
    identity: the history entry's cn, and the mark each counter entry takes with its change.

    What strict enforcement counted at admission (reserved_pages, reserved) was written with the
    job's reservation mark: an entry that holds that mark takes only the difference, and gives the
    mark up in the same modify; an entry without it (never reserved, or given back) takes the
    whole. A charge of 0 pages is thus also how a reservation is given back.
    """

    name: str                               # the history entry's unique cn (and each counter's mark)
    job: Job                                # the history entry, added last
    quota_dns: tuple[str, ...] = ()         # quota entries whose page counters move
    pages: int = 0                          # pages charged on each of them and on the billing code
    reserved_pages: Mapping[str, int] = field(default_factory=dict)   # quota dn -> pages counted at admission
    user_dn: str | None = None              # whose balance takes the debit
    debit: int = 0                          # the job's price, taken from the balance, thousandths
    reserved: int = 0                       # of which taken from the balance at admission
    billing_code_dn: str | None = None


@dataclass
class Payment:
    user: str
    amount: int
    date: datetime
    description: str | None = None
    dn: str | None = None
    name: str | None = None          # the entry's cn, unique (for pksync's allocations, the exactly-once key)


@dataclass
class BillingCode:
    code: str
    dn: str
    description: str | None = None
    page_counter: int = 0
    balance: int = 0
