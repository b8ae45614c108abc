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

from dataclasses import dataclass

import click

from ..directory import accounts, history, quotas
from ..model import GROUP_LIMIT_MODES, LIMIT_MODES
from .admin import (Session, check_new_name, command, exclusive, names_from, own_names, resolve, resolve_accounts,
                    session)
from .common import Progress, check_name, fail, handle_errors, parse_amount, split_names
from .values import parse_factor, show_factor, show_money


@command("pkusers", help=__doc__)
@click.option("-a", "--add", is_flag=True, help="Manage these users (groups); existing ones are modified unless -s.")
@click.option("-d", "--delete", is_flag=True, help="Stop managing them: quota data removed, directory entry kept.")
@click.option("-L", "--list", "list_", is_flag=True, help="List users (groups).")
@click.option("-s", "--skipexisting", is_flag=True, help="With --add, leave already managed ones untouched.")
@click.option("-b", "--balance", metavar="[+-]V", help="Set the balance, or change it by +V / -V (a payment is recorded).")
@click.option("-C", "--comment", help="Comment stored with the payment (-b).")
@click.option("-D", "--description", help="Description.")
@click.option("-e", "--email", metavar="ADDR", help="E-mail address; '@domain' means <name>@domain.")
@click.option("-g", "--groups", is_flag=True, help="Work on users groups.")
@click.option("-i", "--ingroups", metavar="G1,G2", help="Add the users to these groups (remove with -r).")
@click.option("-l", "--limitby", type=str, help="quota, balance, noquota, nochange or noprint.")
@click.option("-o", "--overcharge", metavar="F", help="Price factor: 0 free, 1.5 dearer, negative earns credit.")
@click.option("-r", "--remove", is_flag=True, help="With -i, remove the users from the groups.")
@click.argument("names", nargs=-1)
@handle_errors("pkusers")
def main(add, delete, list_, skipexisting, balance, comment, description, email, groups, ingroups, limitby,
         overcharge, remove, names):
    exclusive(add=add, delete=delete, list=list_)
    changes = dict(balance=balance, description=description, email=email, ingroups=ingroups, limitby=limitby,
                   overcharge=overcharge, comment=comment)
    if (list_ or delete) and any(v is not None for v in changes.values()):
        raise click.UsageError("--list and --delete take no other change")
    if remove and not ingroups:
        raise click.UsageError("--remove needs --ingroups")
    if groups:
        for option in ("balance", "email", "ingroups", "overcharge", "comment"):
            if changes[option] is not None:
                raise click.UsageError(f"--{option} applies to users, not to groups (-g)")
    if delete and not names:
        raise click.UsageError("--delete needs names")
    if limitby is not None:
        limitby = limitby.lower()
        allowed = GROUP_LIMIT_MODES if groups else LIMIT_MODES
        if limitby not in allowed:
            fail(f"--limitby must be one of {', '.join(allowed)}, got {limitby!r}")
    money = parse_amount(balance, "--balance") if balance is not None else None
    factor = parse_factor(overcharge, "--overcharge") if overcharge is not None else None
    if email is not None and email.count("@") != 1:
        fail(f"--email must contain exactly one @, got {email!r}")
    entries = (_split_emails(split_names(names)) if add and not groups else [(n, None) for n in names_from(names)])
    entries = list({name.lower(): (name, mail) for name, mail in reversed(entries)}.values())[::-1]
    if add:
        if not entries:
            raise click.UsageError("--add needs names")
        for name, _ in entries:
            check_new_name(name, "group" if groups else "user")

    with session() as s:
        if not list_:
            s.require_admin("changing users and groups")
        patterns = [n for n, _ in entries]
        if list_:
            if not s.is_admin:      # non-admins see themselves (their groups with -g) only
                patterns = own_names(s, groups)
            (_list_groups if groups else _list_users)(s, patterns)
            return
        changes = Changes(limitby, description, factor, email, money, comment,
                          _member_groups(s, ingroups) if ingroups else [], remove)
        plan = _select(s, entries, groups, add)
        for obj, mail, new in plan:
            if add and skipexisting and not new:
                continue
            if delete:
                (_forget_group if groups else _forget_user)(s.directory, obj)
            else:
                (_apply_group if groups else _apply_user)(s.directory, obj, mail, new, changes)


@dataclass
class Changes:
    """What the options ask for, parsed and checked before anything is written."""
    limit_by: str | None
    description: str | None
    overcharge: int | None
    email: str | None
    balance: tuple[int, bool] | None
    comment: str | None
    in_groups: list
    remove: bool


def _apply_user(d, obj, mail: str | None, new: bool, c: Changes) -> None:
    if new:
        user = accounts.attach_user(d, obj, limit_by=c.limit_by or "quota",
                                    overcharge=1000 if c.overcharge is None else c.overcharge,
                                    description=c.description or None)
    else:
        user = obj
        fields = {k: v for k, v in (("limit_by", c.limit_by), ("overcharge", c.overcharge),
                                    ("description", c.description)) if v is not None}
        if fields:
            accounts.set_user_fields(d, user, **{k: (None if v == "" else v) for k, v in fields.items()})
    address = mail or (f"{user.name}{c.email}" if c.email and c.email.startswith("@") else c.email)
    if address:
        accounts.set_user_mail(d, user, address)
    if c.balance is not None:
        _pay(d, user, c.balance, c.comment)
    for group in c.in_groups:
        (accounts.remove_member if c.remove else accounts.add_member)(d, group, user)


def _apply_group(d, obj, _mail, new: bool, c: Changes) -> None:
    if new:
        accounts.attach_group(d, obj, limit_by=c.limit_by or "quota", description=c.description or None)
        return
    fields = {k: v for k, v in (("limit_by", c.limit_by), ("description", c.description)) if v is not None}
    if fields:
        accounts.set_group_fields(d, obj, **{k: v or None for k, v in fields.items()})


def _forget_user(d, user) -> None:
    """Out of quota management: its quota entries and pk attributes; the account stays."""
    quotas.delete_user_quotas_of(d, user=user.name)
    accounts.detach_user(d, user)


def _forget_group(d, group) -> None:
    quotas.delete_group_quotas_of(d, group=group.name)
    accounts.detach_group(d, group)


def _split_emails(names: list[str]) -> list[tuple[str, str | None]]:
    """PyKota's `pkusers -a name/email@domain` form."""
    out = []
    for name in names:
        user, _, mail = name.partition("/")
        if mail and mail.count("@") != 1:
            fail(f"invalid e-mail in {name!r}: it must contain exactly one @")
        out.append((check_name(user, "user"), mail or None))
    return out


def _member_groups(s: Session, ingroups: str):
    """-i: directory groups (managed or not), all resolved before the first write."""
    return resolve(names_from([ingroups]),
                   lambda pats: accounts.find_groups(s.directory, pats, managed_only=False), "group")


def _select(s: Session, entries, groups: bool, add: bool):
    """[(object or name to attach, e-mail from name/email, new?)], all checked before any write."""
    d = s.directory
    what = "group" if groups else "user"
    get = accounts.get_group if groups else accounts.get_user
    below = (d.settings.newgroup if groups else d.settings.newuser) == "below"
    if add:
        plan = []
        for name, mail in entries:
            obj = get(d, name)
            if obj is None and not below:
                base = d.settings.groupbase if groups else d.settings.userbase
                fail(f"{what} {name} is not in the directory under {base}: create it there first "
                     f"(or set new{what}: below)")
            plan.append((obj, mail, False) if obj is not None and obj.managed else (name, mail, True))
        return plan
    return [(obj, None, False) for obj in resolve_accounts(s, [n for n, _ in entries], groups, with_members=False)]


def _pay(d, user, amount: int, comment: str | None) -> None:
    """A relative amount is one Modify-Increment; an absolute one becomes the difference from the
    value read, applied only if the balance did not move meanwhile (accounts.set_balance)."""
    value, relative = amount
    if relative:
        accounts.change_balance(d, user, value, paid=True)
        delta = value
    else:
        delta = accounts.set_balance(d, user, value)
    if delta:
        history.add_payment(d, user.name, delta, comment)


def _mail_of(s: Session, name: str, email: str | None) -> str:
    if email:
        return email
    domain = s.config.get("maildomain") or s.config.get("smtpserver") or "localhost"
    return f"{name}@{domain}"


def _list_users(s: Session, patterns) -> None:
    users = resolve_accounts(s, patterns, groups=False)
    with Progress("users", len(users)) as progress:
        for user in sorted(users, key=lambda u: u.name.lower()):
            click.echo(f"{user.name} - <{_mail_of(s, user.name, user.email)}> - {user.description or ''}".rstrip())
            click.echo(f"    Limited by : {user.limit_by}")
            click.echo(f"    Account balance : {show_money(user.balance)}")
            click.echo(f"    Total paid so far : {show_money(user.lifetime_paid)}")
            click.echo(f"    Overcharging factor : {show_factor(user.overcharge)}")
            progress.step()


def _list_groups(s: Session, patterns) -> None:
    found = resolve_accounts(s, patterns, groups=True)
    totals = accounts.account_totals(s.directory) if found else {}
    for group in sorted(found, key=lambda g: g.name.lower()):
        money = [totals.get(m.lower(), (0, 0)) for m in group.members]
        click.echo(f"{group.name} - {group.description or ''}".rstrip())
        click.echo(f"    Limited by : {group.limit_by}")
        click.echo(f"    Group balance : {show_money(sum(b for b, _ in money))}")
        click.echo(f"    Total paid so far : {show_money(sum(p for _, p in money))}")


if __name__ == "__main__":
    main()
