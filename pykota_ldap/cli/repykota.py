"""repykota: the quota report, per printer, as in PyKota.

\b
    repykota                        every user on every printer that has quota entries
    repykota -P 'hp*' 'j*'          users j* on printers hp*
    repykota -g                     users groups
    repykota -i profs               only members of profs (admins only)

Non-admins (who cannot read pykotadmin.conf) see only themselves, or with -g their groups.
"""
from __future__ import annotations

import click

from ..config import Config
from ..directory import Directory, accounts, quotas
from ..directory import printers as printer_store
from ..model import Group, Printer, User
from ..policy import Limits
from ..report.quota_report import Line, printer_block
from .admin import command, names_from, own_names, resolve, resolve_groups, resolve_printers, resolve_users
from .common import Progress
from .session import Session, session

GROUP_NOTE = "Totals may be inaccurate if some users are members of several groups."


@command("repykota", help=__doc__)
@click.option("-g", "--groups", is_flag=True, help="Report users groups instead of users.")
@click.option("-i", "--ingroups", metavar="G1,G2", help="Only users in these groups (admins only).")
@click.option("-P", "--printer", "printers", metavar="P1,P2", help="Printers (patterns); default all.")
@click.argument("names", nargs=-1)
def main(groups: bool, ingroups: str | None, printers: str | None, names: tuple[str, ...]) -> None:
    if groups and ingroups:
        raise click.UsageError("--ingroups cannot be combined with --groups")
    patterns = names_from(names)
    printer_patterns = names_from([printers]) if printers else []
    with session() as s:
        if not s.is_admin:
            if ingroups:
                s.require_admin("--ingroups")
            patterns = own_names(s, groups)
            if not patterns:
                return
        d = s.directory
        chosen = sorted(resolve_printers(printer_patterns, printer_store.all_printers(d)), key=lambda p: p.name.lower())
        if groups:
            lines = _group_lines(d, {g.name.lower(): g for g in resolve_groups(s, patterns)}, chosen)
        else:
            users = resolve_users(s, patterns)
            if ingroups:
                users = _members_only(s, users, ingroups)
            lines = _user_lines(d, {u.name.lower(): u for u in users}, chosen)
        _report(s.config, chosen, lines, groups)


def _members_only(s: Session, users: list[User], ingroups: str) -> list[User]:
    """-i: the users that are members of these directory groups (managed or not)."""
    members: set[str] = set()
    for group in resolve(names_from([ingroups]),
                         lambda pats: accounts.find_groups(s.directory, pats, managed_only=False), "group"):
        members.update(m.lower() for m in group.members)
    return [u for u in users if u.name.lower() in members]


def _report(config: Config, printers: list[Printer], lines: dict[str, list[Line]], groups: bool) -> None:
    blocks = []
    with Progress("printers", len(printers)) as progress:
        for printer in printers:
            mine = sorted(lines.get(printer.name.lower(), []), key=lambda li: li.name.lower())
            if mine:     # only printers with matching entries are reported (PyKota 2013)
                blocks.append("\n".join(printer_block("group" if groups else "user", printer, mine,
                                                      limits_for(config, printer.name))))
            progress.step()
    if blocks:
        click.echo("\n\n".join(blocks))
        if groups:
            click.echo("\n" + GROUP_NOTE)


def limits_for(config: Config, printer: str) -> Limits:
    """The settings that flags depend on, with the printer's section overriding [global]."""
    return Limits(strict=config.get_choice("enforcement", ("laxist", "strict"), "laxist", printer) == "strict",
                  grace_delay_days=config.get_int("gracedelay", 7, printer, minimum=0),
                  balance_zero=config.get_money("balancezero", "0", printer),
                  poor_man=config.get_money("poorman", "1.0", printer))


def _user_lines(d: Directory, users: dict[str, User], printers: list[Printer]) -> dict[str, list[Line]]:
    lines: dict[str, list[Line]] = {}
    if not users:
        return lines
    names = [p.name for p in printers]
    wanted = list(users) if len(users) <= 500 else None     # narrow the search unless it is everyone
    for q in quotas.find_user_quotas(d, wanted, names):
        user = users.get(q.user.lower())
        if user is None:
            continue
        lines.setdefault(q.printer.lower(), []).append(Line(
            name=user.name, limit_by=user.limit_by, used=q.page_counter, soft=q.soft_limit, hard=q.hard_limit,
            date_limit=q.date_limit, balance=user.balance, total=q.life_page_counter, paid=user.lifetime_paid,
            overcharge=user.overcharge, warn=q.warn_count))
    return lines


def _group_lines(d: Directory, groups: dict[str, Group], printers: list[Printer]) -> dict[str, list[Line]]:
    lines: dict[str, list[Line]] = {}
    if not groups:
        return lines
    names = [p.name for p in printers]
    entries = [q for q in quotas.find_group_quotas(d, None, names) if q.group.lower() in groups]
    if not entries:
        return lines
    usage = quotas.page_usage_by_printer(d, sorted({q.printer for q in entries}))
    totals = accounts.account_totals(d)
    for q in entries:
        group = groups[q.group.lower()]
        pages = [usage.get((m.lower(), q.printer.lower()), (0, 0)) for m in group.members]
        money = [totals.get(m.lower(), (0, 0)) for m in group.members]
        lines.setdefault(q.printer.lower(), []).append(Line(
            name=group.name, limit_by=group.limit_by, used=sum(p for p, _ in pages), soft=q.soft_limit,
            hard=q.hard_limit, date_limit=q.date_limit, balance=sum(b for b, _ in money),
            total=sum(lp for _, lp in pages), paid=sum(p for _, p in money)))
    return lines


if __name__ == "__main__":
    main()
