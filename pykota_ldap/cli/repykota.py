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
from ..directory import accounts
from ..directory import printers as printer_store
from ..model import Printer, User
from ..policy import Limits
from ..report.quota_lines import group_lines, user_lines
from ..report.quota_report import Line, printer_block
from .admin import command, names_from, own_names, resolve, resolve_groups, resolve_printers, resolve_users
from .common import Progress, collector_paused
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
    with session() as s, collector_paused():
        if not s.is_admin:
            if ingroups:
                s.require_admin("--ingroups")
            patterns = own_names(s, groups)
            if not patterns:
                return
        d = s.directory
        chosen = sorted(resolve_printers(printer_patterns, printer_store.all_printers(d)), key=lambda p: p.name.lower())
        if groups:
            lines = group_lines(d, {g.name.lower(): g for g in resolve_groups(s, patterns)}, chosen)
        else:
            users = resolve_users(s, patterns)
            if ingroups:
                users = _members_only(s, users, ingroups)
            lines = user_lines(d, {u.name.lower(): u for u in users}, chosen, s.config)
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


if __name__ == "__main__":
    main()
