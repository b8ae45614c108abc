"""What the directory holds, as far as provisioning cares: read once, planned in memory.

Model objects (directory.sync reads them with a few paged searches, and only what the plan
needs: a user's pkAccount values and entryUUID, a quota entry's limits, a payment's name, amount
and description). Names are kept as the directory spells them; lookups go through lower-case
keys, since names match like uid (case-insensitive).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Group, Payment, Printer, User, UserQuota


@dataclass
class Snapshot:
    accounts: list[User]                                  # matched by userfilter
    groups: list[Group]                                   # with members (names)
    quotas: list[UserQuota]                               # limits only
    printers: dict[str, Printer]
    payments: dict[str, Payment] = field(default_factory=dict)   # this period's, by lower-cased name
