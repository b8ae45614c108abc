"""Parsing and showing the values the admin commands take: prices, job sizes, limits, factors.

Every parser fails with a one-line UserError naming the option, before anything is written.
"""
from __future__ import annotations

from .. import money
from ..report.quota_report import factor_text
from .common import fail, parse_amount, parse_count

UNLIMITED = ("unlimited", "none")
show_factor = factor_text          # one definition, shared with the reports


def parse_charge(text: str) -> tuple[int, int | None]:
    """pkprinters -c perpage[,perjob]: decimals, stored in thousandths."""
    parts = [p.strip() for p in str(text).split(",")]
    if len(parts) > 2 or not parts[0]:
        fail(f"--charge expects perpage[,perjob], got {text!r}")
    per_page = parse_amount(parts[0], "--charge price per page", relative_ok=False)[0]
    per_job = parse_amount(parts[1], "--charge price per job", relative_ok=False)[0] if len(parts) == 2 else None
    return per_page, per_job


def parse_max_job_size(text: str | None) -> tuple[bool, int | None]:
    """-m N|unlimited -> (given?, pages or None for unlimited)."""
    if text is None:
        return False, None
    if str(text).strip().lower() in UNLIMITED:
        return True, None
    return True, parse_count(text, "--maxjobsize", relative_ok=False)[0]


def parse_limit(text: str | None, what: str) -> int | None:
    if text is None:
        return None
    return parse_count(text, what, relative_ok=False)[0]


def parse_factor(text: str, what: str) -> int:
    """An overcharge factor such as 1.5 or -0.5, in thousandths."""
    return parse_amount(text, what, relative_ok=False)[0]


def show_money(milli: int | None) -> str:
    return money.format(milli or 0)


def show_limit(value: int | None) -> str:
    return "Unlimited" if value is None else str(value)


def show_max_job_size(value: int | None) -> str:
    return "Unlimited" if value is None else str(value)
