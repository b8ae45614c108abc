"""The intermediate model: a PyKota site as pykota-ldap means it, whatever the source.

Values are already converted: money and factors in thousandths, dates aware, "None" strings gone.
PyKota stored money as floats. The rule used here, stated once: a float is taken in its shortest
decimal form (what PyKota itself printed, `repr`), then rounded half away from zero to the nearest
thousandth. A value that had more than three decimals is listed in `inexact`, with where it was.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ..model import BillingCode, Group, GroupQuota, Job, Payment, Printer, User, UserQuota

THOUSANDTH = Decimal("0.001")
# Beyond 15 digits no count or amount of a print site means anything (and 1e999999999 would take the
# machine's memory to write out whole): such a value is refused, not converted.
LARGEST_DIGITS = 15
TRUE_WORDS = {"1", "t", "true", "yes", "y", "on"}     # PyKota read 1, t, true (any case) as on


class BadValue(ValueError):
    """A value of the source that means nothing (a date or a number that is not one)."""


@dataclass(frozen=True)
class Inexact:
    where: str              # "user jerome: balance"
    original: str           # the source's value, as PyKota printed it
    migrated: int           # thousandths

    def __str__(self) -> str:
        return f"{self.where}: {self.original} became {Decimal(self.migrated) / 1000:.3f}"


@dataclass
class Site:
    printers: dict[str, Printer] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    user_quotas: dict[tuple[str, str], UserQuota] = field(default_factory=dict)
    group_quotas: dict[tuple[str, str], GroupQuota] = field(default_factory=dict)
    billing_codes: dict[str, BillingCode] = field(default_factory=dict)
    payments: dict[str, Payment] = field(default_factory=dict)       # by entry name (stable across runs)
    jobs: dict[str, Job] = field(default_factory=dict)               # by entry name (stable across runs)
    inexact: list[Inexact] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)                   # what the source held that cannot move

    def counts(self) -> dict[str, int]:
        return {"printers": len(self.printers), "users": len(self.users), "groups": len(self.groups),
                "user quotas": len(self.user_quotas), "group quotas": len(self.group_quotas),
                "billing codes": len(self.billing_codes), "payments": len(self.payments), "jobs": len(self.jobs)}


class Values:
    """Converts the source's raw values (text, numbers, dates, "None") and records what was inexact."""

    def __init__(self, site: Site, zone: tzinfo):
        self.site = site
        self.zone = zone             # PyKota's dates are local times without a zone: this one

    def money(self, raw: object, where: str) -> int:
        text = _plain(raw)
        if text is None:
            return 0
        try:
            exact = Decimal(text)
        except InvalidOperation:
            raise BadValue(f"{where}: {text!r} is not an amount") from None
        if not exact.is_finite() or exact.adjusted() >= LARGEST_DIGITS:
            raise BadValue(f"{where}: {text!r} is not an amount")
        rounded = exact.quantize(THOUSANDTH, rounding=ROUND_HALF_UP)
        milli = int(rounded * 1000)
        if rounded != exact:
            self.site.inexact.append(Inexact(where, text, milli))
        return milli

    def factor(self, raw: object, where: str) -> int:
        """The overcharge factor: 1.0 when PyKota had none."""
        return 1000 if _plain(raw) is None else self.money(raw, where)

    def integer(self, raw: object, where: str) -> int | None:
        text = _plain(raw)
        if text is None:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise BadValue(f"{where}: {text!r} is not a number") from None
        if not value.is_finite() or value.adjusted() >= LARGEST_DIGITS:
            raise BadValue(f"{where}: {text!r} is not a number")
        if value != value.to_integral_value():
            raise BadValue(f"{where}: {text!r} is not a whole number")
        return int(value)

    def count(self, raw: object, where: str) -> int:
        return self.integer(raw, where) or 0

    def date(self, raw: object, where: str) -> datetime | None:
        if isinstance(raw, datetime):
            found = raw
        else:
            text = _plain(raw)
            if text is None:
                return None
            try:
                found = datetime.fromisoformat(text.strip().replace("/", "-"))
            except ValueError:
                raise BadValue(f"{where}: {text!r} is not a date") from None
        found = found if found.tzinfo else found.replace(tzinfo=self.zone)
        try:
            found.astimezone(timezone.utc)      # as the directory keeps it: 9999-12-31 in New York is not
        except OverflowError:
            raise BadValue(f"{where}: {found:%Y-%m-%d %H:%M:%S} is out of range") from None
        return found

    @staticmethod
    def text(raw: object) -> str | None:
        """Text, with PyKota's "None" (written for every unset value) and "" read as unset."""
        return _plain(raw)

    @staticmethod
    def flag(raw: object) -> bool:
        if isinstance(raw, bool):
            return raw
        text = _plain(raw)
        return text is not None and text.lower() in TRUE_WORDS

    @staticmethod
    def word(raw: object, default: str) -> str:
        text = _plain(raw)
        return text.lower() if text else default


def _plain(raw: object) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    if isinstance(raw, float):
        return repr(raw)
    text = str(raw)
    return None if text.strip() in ("", "None") else text
