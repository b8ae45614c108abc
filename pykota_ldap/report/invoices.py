"""What pkinvoice and pkrefund put on paper: per-user totals of jobs, and their pages.

Amounts are thousandths (pykota_ldap.money). VAT is PyKota's: the amount due is VAT included,
so HT = amount x 100 / (100 + VAT) and VAT = amount - HT, rounded to a thousandth.
"""
from __future__ import annotations

import csv
import io
import json
import textwrap
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable

from .. import money
from ..documents import Page
from ..model import Job

BILLED_ACTIONS_EXCLUDED = ("DENY", "CANCEL", "REFUND")


@dataclass
class UserTotal:
    user: str
    jobs: int = 0
    pages: int = 0
    amount: int = 0                     # thousandths
    job_ids: list[str] = field(default_factory=list)


def billable(job: Job) -> bool:
    """What PyKota invoiced: jobs of at least one page, not denied, cancelled nor refunded."""
    return bool(job.size) and (job.action or "").upper() not in BILLED_ACTIONS_EXCLUDED


def totals(jobs: Iterable[Job]) -> list[UserTotal]:
    """Per user (sorted by name), the jobs given, summed; users with nothing are left out."""
    by_user: dict[str, UserTotal] = {}
    for job in jobs:
        total = by_user.setdefault(job.user.lower(), UserTotal(job.user))
        total.jobs += 1
        total.pages += job.size or 0
        total.amount += job.price or 0
        total.job_ids.append(job.job_id)
    return [by_user[k] for k in sorted(by_user)]


def parse_vat(text: str) -> Decimal:
    """-V: a percentage, 0 <= VAT < 100 (PyKota's bounds), to a thousandth at most."""
    try:
        vat = Decimal(str(text).strip().replace(",", "."))
    except Exception:
        raise ValueError(f"--vat must be a percentage, got {text!r}") from None
    if not vat.is_finite() or not 0 <= vat < 100:
        raise ValueError(f"--vat must be at least 0 and less than 100, got {text!r}")
    if vat != vat.quantize(Decimal("0.001")):    # more would be shown rounded, 99.9999... as 100
        raise ValueError(f"--vat takes at most three decimals, got {text!r}")
    return abs(vat)                              # "-0" is 0


def split_vat(amount: int, vat: Decimal) -> tuple[int, int]:
    """(HT, VAT) of a VAT-included amount, in thousandths."""
    excluded = (Decimal(amount) * 100 / (100 + vat)).to_integral_value(rounding=ROUND_HALF_UP)
    return int(excluded), amount - int(excluded)


def _period(start: datetime | None, end: datetime | None) -> str:
    if not (start or end):
        return "all jobs"
    return f"{start:%Y-%m-%d} to {end:%Y-%m-%d}" if start and end else \
        f"from {start:%Y-%m-%d}" if start else f"until {end:%Y-%m-%d}"


def invoice_pages(items: list[UserTotal], first_number: int, unit: str, vat: Decimal, when: datetime,
                  start: datetime | None = None, end: datetime | None = None) -> list[Page]:
    pages = []
    for number, total in enumerate(items, start=first_number):
        excluded, tax = split_vat(total.amount, vat)
        pages.append(Page(
            title=f"Invoice #{number}",
            header=[f"User: {total.user}", f"Date: {when:%Y-%m-%d %H:%M}", f"Period: {_period(start, end)}"],
            rows=[("Jobs", str(total.jobs)), ("Pages", str(total.pages)),
                  (f"Amount excluding VAT ({unit})", money.format(excluded)),
                  (f"VAT {vat.normalize():f}% ({unit})", money.format(tax))],
            totals=[(f"Amount due, VAT included ({unit})", money.format(total.amount))],
            footer=f"pykota-ldap - invoice #{number} - {total.user}"))
    return pages


def receipt_pages(items: list[UserTotal], first_number: int, unit: str, reason: str, when: datetime) -> list[Page]:
    pages = []
    for number, total in enumerate(items, start=first_number):
        pages.append(Page(
            title=f"Refund receipt #{number}",
            header=[f"User: {total.user}", f"Date: {when:%Y-%m-%d %H:%M}", f"Reason: {reason}",
                    *_job_lines(total.job_ids)],
            rows=[("Jobs refunded", str(total.jobs)), ("Pages refunded", str(total.pages))],
            totals=[(f"Amount refunded ({unit})", money.format(total.amount))],
            footer=f"pykota-ldap - refund receipt #{number} - {total.user}"))
    return pages


def _job_lines(job_ids: list[str], width: int = 80, most: int = 12) -> list[str]:
    """The job ids, wrapped to the page's width; past `most` lines, how many more."""
    lines = textwrap.wrap("Jobs: " + ", ".join(job_ids), width, subsequent_indent="      ")
    if len(lines) <= most:
        return lines
    shown = sum(line.count(",") for line in lines[:most - 1])
    return lines[:most - 1] + [f"      ... and {len(job_ids) - shown} more"]


FIELDS = ("number", "username", "jobs", "pages", "amount_excl_vat", "vat", "amount")


def invoice_rows(items: list[UserTotal], first_number: int, vat: Decimal) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for number, total in enumerate(items, start=first_number):
        excluded, tax = split_vat(total.amount, vat)
        rows.append({"number": number, "username": total.user, "jobs": total.jobs, "pages": total.pages,
                     "amount_excl_vat": money.format(excluded, 3), "vat": money.format(tax, 3),
                     "amount": money.format(total.amount, 3)})
    return rows


def as_csv(rows: list[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def as_json(rows: list[dict[str, object]], vat: Decimal) -> str:
    return json.dumps({"vat_percent": f"{vat.normalize():f}", "invoices": rows}, indent=2, ensure_ascii=False) + "\n"
