"""pkusers: users and users groups, as in PyKota, on the organisation's own directory entries.

\b
    pkusers -a -g admins profs eleves                   manage existing groups (attach pkGroup)
    pkusers -a -i admins,profs -D "gecos" jerome prof2  manage users, and add them to groups
    pkusers -r -i admins enseignant3                    remove a user from a group
    pkusers -l balance -b 199.9 quidam                  limit by balance, balance 199.90
    pkusers -b +10 -C "cash" quidam                     add 10 credits (a payment is recorded)
    pkusers -d enseignant3                              stop managing (the account entry stays)
    pkusers -L 'ch*'                                    list

-a attaches pkAccount (pkGroup) to the existing entry; with `newuser: below` (`newgroup: below`)
a name not in the directory is created under userbase (groupbase). Memberships are the group
entries' own (memberUid, or member DNs): -i / -r -i change them there.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, TypeVar

import click

from ..directory import Directory, accounts, changes
from ..directory.changes import AccountChange
from ..model import GROUP_LIMIT_MODES, LIMIT_MODES, Group, User
from .admin import check_new_name, command, exclusive, names_from, own_names, resolve, resolve_groups, resolve_users
from .common import Progress, check_name, fail, parse_amount, split_names
from .session import Session, session
from .values import parse_factor, show_factor, show_money

A = TypeVar("A", User, Group)


@command("pkusers", help=__doc__)
@click.option("-a", "--add", is_flag=True, help="Manage these users (groups); existing ones are modified unless -s.")
@click.option("-d", "--delete", is_flag=True, help="Stop managing them: quota data removed, directory entry kept.")
@click.option("-L", "--list", "list_", is_flag=True, help="List users (groups).")
@click.option("-s", "--skipexisting", is_flag=True, help="With --add, leave already managed ones untouched.")
@click.option("-b", "--balance", metavar="[+-]V",
              help="Set the balance, or change it by +V / -V (a payment is recorded).")
@click.option("-C", "--comment", help="Comment stored with the payment (-b).")
@click.option("-D", "--description", help="Description.")
@click.option("-e", "--email", metavar="ADDR", help="E-mail address; '@domain' means <name>@domain.")
@click.option("-g", "--groups", is_flag=True, help="Work on users groups.")
@click.option("-i", "--ingroups", metavar="G1,G2", help="Add the users to these groups (remove with -r).")
@click.option("-l", "--limitby", type=str, help="quota, balance, noquota, nochange or noprint.")
@click.option("-o", "--overcharge", metavar="F", help="Price factor: 0 free, 1.5 dearer, negative earns credit.")
@click.option("-r", "--remove", is_flag=True, help="With -i, remove the users from the groups.")
@click.argument("names", nargs=-1)
def main(add: bool, delete: bool, list_: bool, skipexisting: bool, balance: str | None, comment: str | None,
         description: str | None, email: str | None, groups: bool, ingroups: str | None, limitby: str | None,
         overcharge: str | None, remove: bool, names: tuple[str, ...]) -> None:
    _check_usage(add, delete, list_, remove, groups, names, dict(
        balance=balance, description=description, email=email, ingroups=ingroups, limitby=limitby,
        overcharge=overcharge, comment=comment))
    change = _parse_change(groups, limitby, description, overcharge, email, balance, comment, remove)
    request = Request(mode="add" if add else "delete" if delete else "list" if list_ else "change", groups=groups,
                      skip_existing=skipexisting, entries=_entries(add, groups, names), change=change,
                      ingroups=ingroups)
    with session() as s:
        if request.mode == "list":
            _list(s, request)
            return
        s.require_admin("changing users and groups")
        if request.mode == "delete":
            _forget(s, request)
        else:
            _change(s, request)


@dataclass(frozen=True)
class Request:
    """The options, checked and parsed before the directory is opened."""
    mode: str                                   # add, delete, list or change
    groups: bool                                # -g: users groups
    skip_existing: bool
    entries: list[tuple[str, str | None]]       # the names, with the e-mail of `-a name/email`
    change: AccountChange                       # -i groups: resolved once the directory is open
    ingroups: str | None

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.entries]


# -- the options, before anything is read ------------------------------------------------------

def _check_usage(add: bool, delete: bool, list_: bool, remove: bool, groups: bool, names: tuple[str, ...],
                 values: dict[str, str | None]) -> None:
    """Options that cannot go together (exit status 2)."""
    exclusive(add=add, delete=delete, list=list_)
    if (list_ or delete) and any(v is not None for v in values.values()):
        raise click.UsageError("--list and --delete take no other change")
    if remove and not values["ingroups"]:
        raise click.UsageError("--remove needs --ingroups")
    if groups:
        for option in ("balance", "email", "ingroups", "overcharge", "comment"):
            if values[option] is not None:
                raise click.UsageError(f"--{option} applies to users, not to groups (-g)")
    if delete and not names:
        raise click.UsageError("--delete needs names")


def _parse_change(groups: bool, limitby: str | None, description: str | None, overcharge: str | None,
                  email: str | None, balance: str | None, comment: str | None, remove: bool) -> AccountChange:
    if limitby is not None:
        limitby = limitby.lower()
        allowed = GROUP_LIMIT_MODES if groups else LIMIT_MODES
        if limitby not in allowed:
            fail(f"--limitby must be one of {', '.join(allowed)}, got {limitby!r}")
    amount, relative = parse_amount(balance, "--balance") if balance is not None else (None, False)
    factor = parse_factor(overcharge, "--overcharge") if overcharge is not None else None
    if email is not None and email.count("@") != 1:
        fail(f"--email must contain exactly one @, got {email!r}")
    return AccountChange(limit_by=limitby, description=description, overcharge=factor, email=email,
                         balance=amount, relative=relative, comment=comment, leave_groups=remove)


def _entries(add: bool, groups: bool, names: tuple[str, ...]) -> list[tuple[str, str | None]]:
    """(name, e-mail) as typed, a name given twice counting once (its last e-mail wins)."""
    entries = _split_emails(split_names(names)) if add and not groups else [(n, None) for n in names_from(names)]
    entries = list({name.lower(): (name, mail) for name, mail in reversed(entries)}.values())[::-1]
    if add:
        if not entries:
            raise click.UsageError("--add needs names")
        for name, _ in entries:
            check_new_name(name, "group" if groups else "user")
    return entries


def _split_emails(names: list[str]) -> list[tuple[str, str | None]]:
    """PyKota's `pkusers -a name/email@domain` form."""
    out = []
    for name in names:
        user, _, mail = name.partition("/")
        if mail and mail.count("@") != 1:
            fail(f"invalid e-mail in {name!r}: it must contain exactly one @")
        out.append((check_name(user, "user"), mail or None))
    return out


# -- the changes, once everything is resolved --------------------------------------------------

def _forget(s: Session, request: Request) -> None:
    if request.groups:
        for group in resolve_groups(s, request.names, with_members=False):
            changes.forget_group(s.directory, group)
    else:
        for user in resolve_users(s, request.names):
            changes.forget_user(s.directory, user)


def _change(s: Session, request: Request) -> None:
    """-a, or changes to managed ones: every name and group resolved before the first write."""
    d = s.directory
    change = replace(request.change, groups=_member_groups(s, request.ingroups)) if request.ingroups \
        else request.change
    add = request.mode == "add"
    if request.groups:
        groups = (_to_manage(d, request, accounts.get_group) if add
                  else [(g, None) for g in resolve_groups(s, request.names, with_members=False)])
        for group, _ in groups:
            changes.update_group(d, group, change)
    else:
        users = (_to_manage(d, request, accounts.get_user) if add
                 else [(u, None) for u in resolve_users(s, request.names)])
        for user, mail in users:
            changes.update_user(d, user, change, mail)


def _member_groups(s: Session, ingroups: str) -> list[Group]:
    """-i: directory groups (managed or not)."""
    return resolve(names_from([ingroups]),
                   lambda pats: accounts.find_groups(s.directory, pats, managed_only=False), "group")


def _to_manage(d: Directory, request: Request,
               get: Callable[[Directory, str], A | None]) -> list[tuple[A | str, str | None]]:
    """-a: [(a managed one to modify, or the name of one to manage; its e-mail)]."""
    what = "group" if request.groups else "user"
    below = (d.settings.newgroup if request.groups else d.settings.newuser) == "below"
    plan: list[tuple[A | str, str | None]] = []
    for name, mail in request.entries:
        found = get(d, name)
        if found is None and not below:
            base = d.settings.groupbase if request.groups else d.settings.userbase
            fail(f"{what} {name} is not in the directory under {base}: create it there first "
                 f"(or set new{what}: below)")
        if found is None or not found.managed:
            plan.append((name, mail))
        elif not request.skip_existing:
            plan.append((found, mail))
    return plan


# -- listings ----------------------------------------------------------------------------------

def _list(s: Session, request: Request) -> None:
    patterns = request.names
    if not s.is_admin:      # non-admins see themselves (their groups with -g) only
        patterns = own_names(s, request.groups)
        if not patterns:    # in no group: nothing to show (no names would mean all of them)
            return
    if request.groups:
        _list_groups(s, resolve_groups(s, patterns))
    else:
        _list_users(s, resolve_users(s, patterns))


def _mail_of(s: Session, name: str, email: str | None) -> str:
    if email:
        return email
    domain = s.config.get("maildomain") or s.config.get("smtpserver") or "localhost"
    return f"{name}@{domain}"


def _list_users(s: Session, users: list[User]) -> None:
    with Progress("users", len(users)) as progress:
        for user in sorted(users, key=lambda u: u.name.lower()):
            click.echo(f"{user.name} - <{_mail_of(s, user.name, user.email)}> - {user.description or ''}".rstrip())
            click.echo(f"    Limited by : {user.limit_by}")
            click.echo(f"    Account balance : {show_money(user.balance)}")
            click.echo(f"    Total paid so far : {show_money(user.lifetime_paid)}")
            click.echo(f"    Overcharging factor : {show_factor(user.overcharge)}")
            progress.step()


def _list_groups(s: Session, groups: list[Group]) -> None:
    totals = accounts.account_totals(s.directory) if groups else {}
    for group in sorted(groups, key=lambda g: g.name.lower()):
        money = [totals.get(m.lower(), (0, 0)) for m in group.members]
        click.echo(f"{group.name} - {group.description or ''}".rstrip())
        click.echo(f"    Limited by : {group.limit_by}")
        click.echo(f"    Group balance : {show_money(sum(b for b, _ in money))}")
        click.echo(f"    Total paid so far : {show_money(sum(p for _, p in money))}")


if __name__ == "__main__":
    main()
