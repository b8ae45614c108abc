"""Conversion between directory entries and model objects (no LDAP calls here)."""
from __future__ import annotations

from datetime import datetime, timezone

from ..model import BillingCode, GroupQuota, Job, Payment, Printer, User, UserQuota
from .core import Attributes, first, first_int, values
from .errors import DirectoryError

USER_ATTRS = ["objectClass", "pkLimitBy", "pkBalance", "pkLifeTimePaid", "pkOverCharge", "description"]
PRINTER_ATTRS = ["cn", "description", "pkPricePerPage", "pkPricePerJob", "pkMaxJobSize", "pkPassThrough",
                 "member", "pkPrinterPageCounter"]
USER_QUOTA_ATTRS = ["pkUserName", "pkPrinterName", "pkSoftLimit", "pkHardLimit", "pkDateLimit", "pkPageCounter",
                    "pkLifePageCounter", "pkWarnCount", "pkMaxJobSize"]
GROUP_QUOTA_ATTRS = ["pkGroupName", "pkPrinterName", "pkSoftLimit", "pkHardLimit", "pkDateLimit", "pkMaxJobSize"]
JOB_ATTRS = ["pkJobId", "pkJobDate", "pkUserName", "pkPrinterName", "pkAction", "pkJobSize", "pkJobPrice", "pkTitle",
             "pkFileName", "pkCopies", "pkOptions", "pkHostName", "pkJobSizeBytes", "pkMD5Sum", "pkBillingCode",
             "pkPrecomputedJobSize", "pkPrecomputedJobPrice", "pkPrinterPageCounter"]
PAYMENT_ATTRS = ["cn", "pkUserName", "pkAmount", "pkPaymentDate", "description"]
BILLING_ATTRS = ["cn", "description", "pkPageCounter", "pkBalance"]


def to_time(value: datetime) -> str:
    """GeneralizedTime in UTC: 20261124163000Z."""
    return value.astimezone(timezone.utc).strftime("%Y%m%d%H%M%SZ")


def parse_time(text: str) -> datetime:
    """A GeneralizedTime (20261124163000Z; fractions, missing seconds allowed) as an aware UTC datetime."""
    digits = text.rstrip("Z").split(".")[0][:14].ljust(14, "0")
    if not digits.isdigit():
        raise ValueError(f"not a GeneralizedTime: {text!r}")
    return datetime(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]), int(digits[8:10]), int(digits[10:12]),
                    int(digits[12:14]), tzinfo=timezone.utc)


def from_time(value: str | None) -> datetime | None:
    return parse_time(value) if value else None


def _required(dn: str, entry: Attributes, attr: str) -> str:
    """A MUST attribute of the schema: an entry that can be read has it."""
    value = first(entry, attr)
    if value is None:
        raise DirectoryError(f"{dn} has no {attr}")
    return value


def _required_time(dn: str, entry: Attributes, attr: str) -> datetime:
    return parse_time(_required(dn, entry, attr))


def _bool(entry: Attributes, attr: str) -> bool:
    value = first(entry, attr)
    return value.upper() == "TRUE" if value is not None else False


def account_from(dn: str, name: str, entry: Attributes) -> User:
    """What pkAccount holds on a user entry, and its entryUUID: all pksync reads of every user
    (what was not read keeps the model's default)."""
    return User(name=name, dn=dn, managed="pkaccount" in {c.lower() for c in values(entry, "objectClass")},
                limit_by=(first(entry, "pkLimitBy") or "quota").lower(), balance=first_int(entry, "pkBalance", 0),
                lifetime_paid=first_int(entry, "pkLifeTimePaid", 0), uuid=first(entry, "entryUUID", ""))


def user_from(dn: str, name: str, entry: Attributes, mail_attr: str = "mail") -> User:
    user = account_from(dn, name, entry)
    user.overcharge = first_int(entry, "pkOverCharge", 1000)
    user.description, user.email = first(entry, "description"), first(entry, mail_attr)
    return user


def printer_from(dn: str, entry: Attributes, member_names: list[str]) -> Printer:
    return Printer(name=_required(dn, entry, "cn"), dn=dn, description=first(entry, "description"),
                   price_per_page=first_int(entry, "pkPricePerPage", 0),
                   price_per_job=first_int(entry, "pkPricePerJob", 0), max_job_size=first_int(entry, "pkMaxJobSize"),
                   passthrough=_bool(entry, "pkPassThrough"), members=member_names,
                   page_counter=first_int(entry, "pkPrinterPageCounter"))


def quota_limits_from(dn: str, entry: Attributes) -> UserQuota:
    """A user quota entry read for its limits only (pksync, over every entry): the counters stay at 0."""
    return UserQuota(first(entry, "pkUserName", ""), first(entry, "pkPrinterName", ""), dn,
                     first_int(entry, "pkSoftLimit"), first_int(entry, "pkHardLimit"))


def user_quota_from(dn: str, entry: Attributes) -> UserQuota:
    return UserQuota(user=_required(dn, entry, "pkUserName"), printer=_required(dn, entry, "pkPrinterName"), dn=dn,
                     soft_limit=first_int(entry, "pkSoftLimit"), hard_limit=first_int(entry, "pkHardLimit"),
                     date_limit=from_time(first(entry, "pkDateLimit")),
                     page_counter=first_int(entry, "pkPageCounter", 0),
                     life_page_counter=first_int(entry, "pkLifePageCounter", 0),
                     warn_count=first_int(entry, "pkWarnCount", 0), max_job_size=first_int(entry, "pkMaxJobSize"))


def group_quota_from(dn: str, entry: Attributes) -> GroupQuota:
    return GroupQuota(group=_required(dn, entry, "pkGroupName"), printer=_required(dn, entry, "pkPrinterName"),
                      dn=dn, soft_limit=first_int(entry, "pkSoftLimit"), hard_limit=first_int(entry, "pkHardLimit"),
                      date_limit=from_time(first(entry, "pkDateLimit")), max_job_size=first_int(entry, "pkMaxJobSize"))


def job_from(dn: str, entry: Attributes) -> Job:
    return Job(job_id=_required(dn, entry, "pkJobId"), user=_required(dn, entry, "pkUserName"),
               printer=_required(dn, entry, "pkPrinterName"), date=_required_time(dn, entry, "pkJobDate"),
               action=first(entry, "pkAction", ""), dn=dn,
               size=first_int(entry, "pkJobSize"), price=first_int(entry, "pkJobPrice"), title=first(entry, "pkTitle"),
               filename=first(entry, "pkFileName"), copies=first_int(entry, "pkCopies"),
               options=first(entry, "pkOptions"), hostname=first(entry, "pkHostName"),
               size_bytes=first_int(entry, "pkJobSizeBytes"), md5sum=first(entry, "pkMD5Sum"),
               billing_code=first(entry, "pkBillingCode"), precomputed_size=first_int(entry, "pkPrecomputedJobSize"),
               precomputed_price=first_int(entry, "pkPrecomputedJobPrice"),
               printer_page_counter=first_int(entry, "pkPrinterPageCounter"))


def job_attributes(job: Job) -> dict[str, object]:
    """Attributes of a new pkJob entry (unset values left out, not stored as 'None')."""
    return {"pkJobId": job.job_id, "pkJobDate": to_time(job.date), "pkUserName": job.user,
            "pkPrinterName": job.printer, "pkAction": job.action, "pkJobSize": job.size, "pkJobPrice": job.price,
            "pkTitle": job.title or None, "pkFileName": job.filename or None, "pkCopies": job.copies,
            "pkOptions": job.options or None, "pkHostName": job.hostname or None, "pkJobSizeBytes": job.size_bytes,
            "pkMD5Sum": job.md5sum, "pkBillingCode": job.billing_code or None,
            "pkPrecomputedJobSize": job.precomputed_size, "pkPrecomputedJobPrice": job.precomputed_price,
            "pkPrinterPageCounter": job.printer_page_counter}


def payment_from(dn: str, entry: Attributes) -> Payment:
    return Payment(user=_required(dn, entry, "pkUserName"), amount=first_int(entry, "pkAmount", 0),
                   date=_required_time(dn, entry, "pkPaymentDate"), description=first(entry, "description"), dn=dn,
                   name=_required(dn, entry, "cn"))


def billing_code_from(dn: str, entry: Attributes) -> BillingCode:
    return BillingCode(code=_required(dn, entry, "cn"), dn=dn, description=first(entry, "description"),
                       page_counter=first_int(entry, "pkPageCounter", 0), balance=first_int(entry, "pkBalance", 0))
