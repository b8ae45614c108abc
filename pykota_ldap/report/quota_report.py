"""repykota's text report, with PyKota's columns and flags.

Flags: quota +Q (soft limit reached) / -Q; balance +B (no credit left) / ?B (at or below poorman,
grace column WARNING) / -B; NQ noquota, NC nochange, NP noprint. The grace column says DENY,
the end of the grace period (YYYY-MM-DD), WARNING or nothing. "Total" sums the lifetime page
counters and the amounts paid; "Real" is the printer's own counter when one was recorded.
An unset soft or hard limit is "-" (PyKota wrote None). Unlike PyKota, a group whose members'
balance is exactly at balancezero is flagged +B instead of crashing (groups have no overcharge
factor).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from .. import money
from ..policy import Limits

HEADER = "{:<15}overcharge   used    soft    hard    balance grace         total       paid warn"
RULE = "-" * 90


@dataclass
class Line:
    """One user (or group) on one printer."""
    name: str
    limit_by: str
    used: int
    soft: int | None
    hard: int | None
    date_limit: datetime | None
    balance: int
    total: int
    paid: int
    overcharge: int | None = None     # None for groups
    warn: int | None = None           # None for groups


def flag_and_grace(line: Line, limits: Limits, now: datetime) -> tuple[str, str]:
    mode = line.limit_by
    if mode == "noquota":
        return "NQ", ""
    if mode == "nochange":
        return "NC", ""
    if mode == "noprint":
        return "NP", "DENY"
    if mode == "balance":
        if line.balance < limits.balance_zero:
            return "+B", "DENY"
        if line.balance == limits.balance_zero:
            free = line.overcharge is not None and line.overcharge <= 0
            return ("-B" if free else "+B"), "DENY"
        if line.balance <= limits.poor_man:
            return "?B", "WARNING"
        return "-B", ""
    flag = "+Q" if line.soft is not None and line.used >= line.soft else "-Q"
    if line.hard is not None and line.used >= line.hard:
        return flag, "DENY"
    if line.soft is not None and line.hard is None and line.used >= line.soft:
        return flag, "DENY"
    if line.date_limit is not None:
        return flag, (f"{line.date_limit.astimezone():%Y-%m-%d}" if now < line.date_limit else "DENY")
    return flag, ""


def printer_block(kind: str, printer, lines: list[Line], limits: Limits, now: datetime | None = None) -> list[str]:
    """The report for one printer; kind is 'user' or 'group'."""
    now = now or datetime.now(timezone.utc)
    out = [f"Report for {kind} quota on printer {printer.name} ({printer.description or ''})",
           f"Pages grace time: {limits.grace_delay_days} days",
           f"Price per job: {money.format(printer.price_per_job, 3)}",
           f"Price per page: {money.format(printer.price_per_page, 3)}",
           HEADER.format("User" if kind == "user" else "Group"), RULE]
    factors: dict[int, str] = {}        # few distinct factors and amounts paid: formatted once each
    paid: dict[int, str] = {}
    for line in lines:
        flag, grace = flag_and_grace(line, limits, now)
        if line.overcharge is None:
            overcharge = "N/A"
        else:
            overcharge = factors.get(line.overcharge) or factors.setdefault(line.overcharge,
                                                                            factor_text(line.overcharge))
        paid_text = paid.get(line.paid) or paid.setdefault(line.paid, money.format(line.paid))
        warn = "N/A" if line.warn is None else line.warn
        out.append(f"{line.name:<15.15} {flag} {overcharge:>5} {line.used:>7} {_opt(line.soft):>7} "
                   f"{_opt(line.hard):>7} {money.format(line.balance):>10} {grace:<10.10} {line.total:>8} "
                   f"{paid_text:>10} {warn:>4}")
    out.append(f"{'Total :':>70} {sum(li.total for li in lines):>8} {money.format(sum(li.paid for li in lines)):>10}")
    real = printer.page_counter if printer.page_counter is not None else "unknown"
    out.append(f"{'Real :':>70} {real:>8}")
    return out


def _opt(value: int | None) -> str:
    return "-" if value is None else str(value)


def factor_text(milli: int) -> str:
    """1000 -> '1.0', 1500 -> '1.5', 1250 -> '1.25' (PyKota printed the float)."""
    text = money.format(milli, 3).rstrip("0")
    return text + "0" if text.endswith(".") else text
