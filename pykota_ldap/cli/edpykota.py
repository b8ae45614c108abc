"""edpykota: print quota entries (user x printer, or users group x printer with -g), as in PyKota.

\b
    edpykota -a -P impCUPS,hp4999 jerome        entries for jerome on two printers
    edpykota -a -S 200 -H 220 -P h4,imp jerome  ... with soft and hard page limits
    edpykota -a -S 120 -H 200 toto              ... on every printer and printer group
    edpykota -a -S 800 -H 1000 -g devs admins   group quotas
    edpykota -r -P h4,imp jerome                page counter back to 0 (lifetime counter kept)
    edpykota -d -P impA jerome                  delete that entry only (the history stays)
    edpykota -a -s                              entries for everybody missing one, nothing else
    edpykota -L -P hp4                          list
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import click

from ..directory import changes, quotas
from ..directory import printers as printer_store
from ..directory.changes import QuotaChange
from ..model import Group, GroupQuota, Printer, User, UserQuota
from ..report.rule_quotas import user_quota_rows
from .admin import command, exclusive, names_from, own_names, resolve_accounts, resolve_printers
from .common import Progress, collector_paused, fail, parse_count
from .session import Session, session
from .values import parse_limit, parse_max_job_size, show_limit, show_max_job_size

Entry = UserQuota | GroupQuota
Owner = User | Group


@command("edpykota", help=__doc__)
@click.option("-a", "--add", is_flag=True, help="Create the entries (existing ones are modified unless -s).")
@click.option("-d", "--delete", is_flag=True, help="Delete the entries (the history stays).")
@click.option("-L", "--list", "list_", is_flag=True, help="List the entries.")
@click.option("-s", "--skipexisting", is_flag=True, help="With --add, leave existing entries untouched.")
@click.option("-S", "--softlimit", metavar="N", help="Soft page limit.")
@click.option("-H", "--hardlimit", metavar="N", help="Hard page limit.")
@click.option("-n", "--noquota", is_flag=True, help="No page limits: accounting only.")
@click.option("-I", "--increase", "increase", metavar="[+-]N", help="Add N to both limits.")
@click.option("-r", "--reset", is_flag=True, help="Page counter back to 0; the lifetime counter is kept.")
@click.option("-R", "--hardreset", is_flag=True, help="Both counters back to 0 (same as --used 0).")
@click.option("-U", "--used", metavar="[+-]N", help="Set both counters to N, or change them by +N / -N.")
@click.option("-m", "--maxjobsize", metavar="N|unlimited", help="Largest job in pages for this user; 0 refuses all.")
@click.option("-g", "--groups", is_flag=True, help="Work on users group quotas.")
@click.option("-P", "--printer", "printers", metavar="P1,P2",
              help="Printers or printer groups (patterns); default all.")
@click.argument("names", nargs=-1)
def main(add: bool, delete: bool, list_: bool, skipexisting: bool, softlimit: str | None, hardlimit: str | None,
         noquota: bool, increase: str | None, reset: bool, hardreset: bool, used: str | None,
         maxjobsize: str | None, groups: bool, printers: str | None, names: tuple[str, ...]) -> None:
    exclusive(add=add, delete=delete, list=list_)
    _check_usage(list_, delete, groups, noquota, names, dict(
        softlimit=softlimit, hardlimit=hardlimit, noquota=noquota or None, increase=increase, reset=reset or None,
        hardreset=hardreset or None, used=used, maxjobsize=maxjobsize))
    request = Request(mode="add" if add else "delete" if delete else "list" if list_ else "change",
                      skip_existing=skipexisting, groups=groups,
                      change=_parse_change(softlimit, hardlimit, noquota, increase, reset, hardreset, used,
                                           maxjobsize),
                      names=names_from(names), printer_names=names_from([printers]) if printers else [])
    with session() as s, collector_paused():
        patterns = request.names
        if request.mode != "list":
            s.require_admin("changing quota entries")
        elif not s.is_admin:
            patterns = own_names(s, groups)
            if not patterns:    # in no group: nothing to show (no names would mean all of them)
                return
        chosen = resolve_printers(request.printer_names, printer_store.all_printers(s.directory))
        owners = resolve_accounts(s, patterns, groups)
        if request.mode == "list":
            _list(s, owners, chosen, groups)
        else:
            _change(s, request, owners, chosen, patterns)


@dataclass(frozen=True)
class Request:
    """The options, checked and parsed before the directory is opened."""
    mode: str                       # add, delete, list or change
    skip_existing: bool
    groups: bool                    # -g: users group quotas
    change: QuotaChange
    names: list[str]
    printer_names: list[str]        # -P


# -- the options, before anything is read ------------------------------------------------------

def _check_usage(list_: bool, delete: bool, groups: bool, noquota: bool, names: tuple[str, ...],
                 modifiers: dict[str, object]) -> None:
    """Options that cannot go together (exit status 2)."""
    given = [k for k, v in modifiers.items() if v is not None]
    if (list_ or delete) and given:
        raise click.UsageError(f"--{'list' if list_ else 'delete'} cannot be combined with --{given[0]}")
    if groups:
        for option in ("increase", "used", "maxjobsize"):
            if modifiers[option] is not None:
                raise click.UsageError(f"--{option} applies to user quotas, not to group quotas (-g)")
    if noquota and any(modifiers[k] is not None for k in ("softlimit", "hardlimit", "increase")):
        raise click.UsageError("--noquota cannot be combined with --softlimit, --hardlimit or --increase")
    if delete and not names:
        raise click.UsageError("--delete needs names")


def _parse_change(softlimit: str | None, hardlimit: str | None, noquota: bool, increase: str | None, reset: bool,
                  hardreset: bool, used: str | None, maxjobsize: str | None) -> QuotaChange:
    soft = parse_limit(softlimit, "--softlimit")
    hard = parse_limit(hardlimit, "--hardlimit")
    if soft is not None and hard is None:      # PyKota: one limit given sets both
        hard = soft
    elif hard is not None and soft is None:
        soft = hard
    if soft is not None and hard is not None and hard < soft:
        fail(f"the hard limit ({hard}) is below the soft limit ({soft})")
    change_by = parse_count(increase, "--increase")[0] if increase is not None else None
    usage, relative = parse_count(used, "--used") if used is not None else (None, False)
    size_given, max_size = parse_max_job_size(maxjobsize)
    return QuotaChange(soft=soft, hard=hard, no_quota=noquota, increase=change_by, reset=reset, hard_reset=hardreset,
                       used=usage, used_relative=relative, set_max_job_size=size_given, max_job_size=max_size)


# -- the changes, once everything is resolved --------------------------------------------------

def _change(s: Session, request: Request, owners: Sequence[Owner], printers: list[Printer],
            patterns: list[str]) -> None:
    """Create the missing entries (-a), then change or delete the existing ones."""
    entries = _existing(s, owners, printers, request.groups, patterns)
    if request.mode == "add":
        todo = [(o.name, p.name) for o in owners for p in printers
                if (o.name.lower(), p.name.lower()) not in entries]
        targets = [] if request.skip_existing else list(entries.values())
    else:
        todo, targets = [], list(entries.values())
        if not targets and request.mode == "delete":    # already gone: what was asked holds, say so
            click.echo("edpykota: no such quota entry, nothing deleted", err=True)
        elif not targets and (patterns or request.printer_names):
            fail("no quota entry matches (create them with edpykota -a)")
    _check_change(targets, request.change)
    d, change = s.directory, request.change
    with Progress("entries", len(todo) + len(targets)) as progress:
        for owner, printer in todo:
            soft, hard = (None, None) if change.no_quota else (change.soft, change.hard)
            if request.groups:
                quotas.add_group_quota(d, owner, printer, soft=soft, hard=hard)
            else:
                quotas.add_user_quota(d, owner, printer, soft=soft, hard=hard, max_job_size=change.max_job_size)
            progress.step()
        for entry in targets:
            if request.mode == "delete":
                quotas.delete_quota(d, entry.dn)
            else:
                changes.change_quota(d, entry, change)
            progress.step()


def _existing(s: Session, owners: Sequence[Owner], printers: list[Printer], groups: bool,
              patterns: list[str]) -> dict[tuple[str, str], Entry]:
    """(owner, printer) lower-cased -> the entry, for the selected owners and printers."""
    names = {o.name.lower() for o in owners}
    printer_names = [p.name for p in printers]
    found: dict[tuple[str, str], Entry] = {}
    entries = (quotas.find_group_quotas if groups else quotas.find_user_quotas)(s.directory, patterns or None,
                                                                                printer_names)
    for entry in entries:
        owner = _owner(entry)
        if owner.lower() in names:
            found[(owner.lower(), entry.printer.lower())] = entry
    return found


def _check_change(targets: list[Entry], change: QuotaChange) -> None:
    """Refuse before writing anything a change that would make a limit or a counter negative,
    judged on the values the earlier steps leave (-S/-H/-n before -I, -r/-R before -U)."""
    for entry in targets:
        if change.increase is not None and change.increase < 0:
            if change.no_quota:
                soft = hard = 0
            elif change.soft is not None:
                soft, hard = change.soft, change.hard if change.hard is not None else change.soft
            else:
                soft, hard = entry.soft_limit or 0, entry.hard_limit or 0
            if min(soft, hard) + change.increase < 0:
                fail(f"--increase {change.increase} would make a limit of {_name(entry)} negative")
        if isinstance(entry, UserQuota) and change.used is not None and change.used_relative and change.used < 0:
            counter = 0 if change.reset or change.hard_reset else min(entry.page_counter, entry.life_page_counter)
            if counter + change.used < 0:
                fail(f"--used {change.used} would make the page counter of {_name(entry)} negative")


def _owner(entry: Entry) -> str:
    return entry.group if isinstance(entry, GroupQuota) else entry.user


def _name(entry: Entry) -> str:
    return f"{_owner(entry)}@{entry.printer}"


def _list(s: Session, owners: Sequence[Owner], printers: list[Printer], groups: bool) -> None:
    d = s.directory
    names = [p.name for p in printers]
    owner_names = {o.name.lower() for o in owners}
    entries: list[Entry]
    if groups:
        usage = quotas.page_usage_by_printer(d, names)
        members = {g.name.lower(): g.members for g in owners if isinstance(g, Group)}
        entries = [q for q in quotas.find_group_quotas(d, None, names) if q.group.lower() in owner_names]
    else:
        wanted = sorted(owner_names) if len(owner_names) <= 500 else None     # narrow unless it is everyone
        entries = [q for q in user_quota_rows(d, s.config, wanted, names) if q.user.lower() in owner_names]
    with Progress("entries", len(entries)) as progress:
        for entry in sorted(entries, key=lambda e: (_name(e).lower())):
            progress.step()
            if isinstance(entry, UserQuota):
                _show(entry, entry.page_counter, entry.life_page_counter)
            elif entry.counted:     # the group's own counters
                _show(entry, entry.page_counter, entry.life_page_counter)
            else:       # an entry without counters: its members' on that printer
                pairs = [usage.get((m.lower(), entry.printer.lower()), (0, 0)) for m in members[entry.group.lower()]]
                _show(entry, sum(p for p, _ in pairs), sum(lp for _, lp in pairs))


def _show(entry: Entry, counter: int, life: int) -> None:
    """One entry's lines, written at once (100,000 entries: one write each, not eight)."""
    date = entry.date_limit.strftime('%Y-%m-%d %H:%M:%S') if entry.date_limit else 'Not set'
    text = (f"{_name(entry)}\n    Page counter : {counter}\n    Lifetime page counter : {life}\n"
            f"    Soft limit : {show_limit(entry.soft_limit)}\n    Hard limit : {show_limit(entry.hard_limit)}\n"
            f"    Date limit : {date}")
    if isinstance(entry, UserQuota):
        text += (f"\n    Maximum job size : {show_max_job_size(entry.max_job_size)}\n"
                 f"    Warning banners printed : {entry.warn_count}")
    click.echo(text)


if __name__ == "__main__":
    main()
