"""Conversion between directory entries and model objects (no LDAP calls here)."""
from __future__ import annotations

from datetime import datetime, timezone

from ..model import BillingCode, GroupQuota, Job, Payment, Printer, User, UserQuota
from .core import first, values

USER_ATTRS = ["objectClass", "pkLimitBy", "pkBalance", "pkLifeTimePaid", "pkOverCharge", "description"]
PRINTER_ATTRS = ["cn", "description", "pkPricePerPage", "pkPricePerJob", "pkMaxJobSize", "pkPassThrough",
                 "member", "pkPrinterPageCounter"]
USER_QUOTA_ATTRS = ["pkUserName", "pkPrinterName", "pkSoftLimit", "pkHardLimit", "pkDateLimit", "pkPageCounter",
                    "pkLifePageCounter", "pkWarnCount", "pkMaxJobSize"]
GROUP_QUOTA_ATTRS = ["pkGroupName", "pkPrinterName", "pkSoftLimit", "pkHardLimit", "pkDateLimit", "pkMaxJobSize"]
JOB_ATTRS = ["pkJobId", "pkJobDate", "pkUserName", "pkPrinterName", "pkAction", "pkJobSize", "pkJobPrice", "pkTitle",
             "pkFileName", "pkCopies", "pkOptions", "pkHostName", "pkJobSizeBytes", "pkMD5Sum", "pkBillingCode",
             "pkPrecomputedJobSize", "pkPrecomputedJobPrice", "pkPrinterPageCounter"]
PAYMENT_ATTRS = ["pkUserName", "pkAmount", "pkPaymentDate", "description"]
BILLING_ATTRS = ["cn", "description", "pkPageCounter", "pkBalance"]


def to_time(value: datetime) -> str:
    """GeneralizedTime in UTC: 20261124163000Z."""
    return value.astimezone(timezone.utc).strftime("%Y%m%d%H%M%SZ")


def from_time(value) -> datetime | None:
    if value in (None, "", []):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    text = str(value).rstrip("Z")
    text = text.split(".")[0]
    return datetime.strptime(text[:14].ljust(14, "0"), "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)


def _int(entry, attr, default=None):
    value = first(entry, attr)
    return default if value in (None, "") else int(value)


def _bool(entry, attr) -> bool:
    value = first(entry, attr)
    return str(value).upper() == "TRUE" if value is not None else False


def user_from(dn: str, name: str, entry: dict, mail_attr: str = "mail") -> User:
    classes = {str(c).lower() for c in values(entry, "objectClass")}
    return User(name=name, dn=dn, managed="pkaccount" in classes,
                limit_by=(first(entry, "pkLimitBy") or "quota").lower(),
                balance=_int(entry, "pkBalance", 0), lifetime_paid=_int(entry, "pkLifeTimePaid", 0),
                overcharge=_int(entry, "pkOverCharge", 1000), description=first(entry, "description"),
                email=first(entry, mail_attr))


def printer_from(dn: str, entry: dict, member_names: list[str]) -> Printer:
    return Printer(name=first(entry, "cn"), dn=dn, description=first(entry, "description"),
                   price_per_page=_int(entry, "pkPricePerPage", 0), price_per_job=_int(entry, "pkPricePerJob", 0),
                   max_job_size=_int(entry, "pkMaxJobSize"), passthrough=_bool(entry, "pkPassThrough"),
                   members=member_names, page_counter=_int(entry, "pkPrinterPageCounter"))


def user_quota_from(dn: str, entry: dict) -> UserQuota:
    return UserQuota(user=first(entry, "pkUserName"), printer=first(entry, "pkPrinterName"), dn=dn,
                     soft_limit=_int(entry, "pkSoftLimit"), hard_limit=_int(entry, "pkHardLimit"),
                     date_limit=from_time(first(entry, "pkDateLimit")), page_counter=_int(entry, "pkPageCounter", 0),
                     life_page_counter=_int(entry, "pkLifePageCounter", 0), warn_count=_int(entry, "pkWarnCount", 0),
                     max_job_size=_int(entry, "pkMaxJobSize"))


def group_quota_from(dn: str, entry: dict) -> GroupQuota:
    return GroupQuota(group=first(entry, "pkGroupName"), printer=first(entry, "pkPrinterName"), dn=dn,
                      soft_limit=_int(entry, "pkSoftLimit"), hard_limit=_int(entry, "pkHardLimit"),
                      date_limit=from_time(first(entry, "pkDateLimit")), max_job_size=_int(entry, "pkMaxJobSize"))


def job_from(dn: str, entry: dict) -> Job:
    return Job(job_id=first(entry, "pkJobId"), user=first(entry, "pkUserName"), printer=first(entry, "pkPrinterName"),
               date=from_time(first(entry, "pkJobDate")), action=first(entry, "pkAction") or "", dn=dn,
               size=_int(entry, "pkJobSize"), price=_int(entry, "pkJobPrice"), title=first(entry, "pkTitle"),
               filename=first(entry, "pkFileName"), copies=_int(entry, "pkCopies"), options=first(entry, "pkOptions"),
               hostname=first(entry, "pkHostName"), size_bytes=_int(entry, "pkJobSizeBytes"),
               md5sum=first(entry, "pkMD5Sum"), billing_code=first(entry, "pkBillingCode"),
               precomputed_size=_int(entry, "pkPrecomputedJobSize"),
               precomputed_price=_int(entry, "pkPrecomputedJobPrice"),
               printer_page_counter=_int(entry, "pkPrinterPageCounter"))


def job_attributes(job: Job) -> dict:
    """Attributes of a new pkJob entry (unset values left out, not stored as 'None')."""
    return {"pkJobId": job.job_id, "pkJobDate": to_time(job.date), "pkUserName": job.user,
            "pkPrinterName": job.printer, "pkAction": job.action, "pkJobSize": job.size, "pkJobPrice": job.price,
            "pkTitle": job.title or None, "pkFileName": job.filename or None, "pkCopies": job.copies,
            "pkOptions": job.options or None, "pkHostName": job.hostname or None, "pkJobSizeBytes": job.size_bytes,
            "pkMD5Sum": job.md5sum, "pkBillingCode": job.billing_code or None,
            "pkPrecomputedJobSize": job.precomputed_size, "pkPrecomputedJobPrice": job.precomputed_price,
            "pkPrinterPageCounter": job.printer_page_counter}


def payment_from(dn: str, entry: dict) -> Payment:
    return Payment(user=first(entry, "pkUserName"), amount=_int(entry, "pkAmount", 0),
                   date=from_time(first(entry, "pkPaymentDate")), description=first(entry, "description"), dn=dn)


def billing_code_from(dn: str, entry: dict) -> BillingCode:
    return BillingCode(code=first(entry, "cn"), dn=dn, description=first(entry, "description"),
                       page_counter=_int(entry, "pkPageCounter", 0), balance=_int(entry, "pkBalance", 0))
