"""warnpykota: tell the users over or near their limits, as in PyKota (run it daily).

\b
    warnpykota                      every user on every printer
    warnpykota -P 'hp*' 'j*'        users j* on printers hp*
    warnpykota -g                   users groups: every member of a group over its limit is told

Each user is told once per run (quota users once per printer), by `mailto` (mail, or its
external command); the admin gets one summary. Users who never printed are left alone. Entries
between their soft and hard limits start their grace period, as the backend would. Mail that
cannot be sent waits in the mail queue for the next run. Ends with one summary line.
"""
from __future__ import annotations

import os
from datetime import datetime, timezone
from email.message import EmailMessage
from functools import lru_cache

import click

from ..directory import accounts, quotas
from ..directory import printers as printer_store
from ..notify import checks, telling, wording
from ..notify.mailer import compose
from ..policy import Limits
from .admin import command, names_from, resolve_groups, resolve_printers, resolve_users
from .common import Progress, one_line
from .repykota import limits_for
from .session import Session, session


@command("warnpykota", help=__doc__)
@click.option("-g", "--groups", is_flag=True, help="Check users groups instead of users.")
@click.option("-P", "--printer", "printers", metavar="P1,P2", help="Printers (patterns); default all.")
@click.argument("names", nargs=-1)
def main(groups: bool, printers: str | None, names: tuple[str, ...]) -> None:
    patterns = names_from(names)
    printer_patterns = names_from([printers]) if printers else []
    with session() as s:
        s.require_admin("warnpykota")
        d = s.directory
        chosen = sorted(resolve_printers(printer_patterns, printer_store.all_printers(d)), key=lambda p: p.name.lower())
        names_of = [p.name for p in chosen]

        @lru_cache(maxsize=None)
        def limits_of(printer: str) -> Limits:
            return limits_for(s.config, printer)

        now = datetime.now(timezone.utc)
        found = (_group_findings(s, patterns, names_of, limits_of, now) if groups
                 else _user_findings(s, patterns, names_of, limits_of, now))
        for dn, when in found.grace_dates:
            quotas.set_grace_date(d, dn, when)
        sent, queued, commands_run = _tell(s, found, ", ".join(names_of) or "no printer")
    warned = sum(1 for n in found.notices if n.action == "WARN")
    click.echo(f"warnpykota: {found.checked} {'group' if groups else 'quota'} entries checked, {warned} near a "
               f"limit, {len(found.notices) - warned} over; {sent} mails sent, {queued} queued, "
               f"{commands_run} commands run")


def _user_findings(s: Session, patterns: list[str], printers: list[str], limits_of, now) -> checks.Findings:
    users = {u.name.lower(): u for u in resolve_users(s, patterns or None)}
    wanted = list(users) if len(users) <= 500 else None       # narrow the search unless it is everyone
    entries = []
    with Progress("quota entries") as progress:
        for quota in quotas.find_user_quotas(s.directory, wanted, printers):
            entries.append(quota)
            progress.step()
    return checks.user_findings(users, entries, limits_of, now)


def _group_findings(s: Session, patterns: list[str], printers: list[str], limits_of, now) -> checks.Findings:
    d = s.directory
    groups = {g.name.lower(): g for g in resolve_groups(s, patterns or None)}
    entries = [q for q in quotas.find_group_quotas(d, None, printers) if q.group.lower() in groups]
    states = []
    with Progress("group quota entries", len(entries)) as progress:
        for quota in entries:
            group = groups[quota.group.lower()]
            members = list(accounts.find_users(d, group.members)) if group.members else []
            usage = (accounts.sum_balances(d, group.members) if group.limit_by == "balance"
                     else quotas.group_page_usage(d, group.members, quota.printer))
            states.append(checks.GroupState(quota, group.limit_by, members, usage))
            progress.step()
    return checks.group_findings(states, limits_of, now)


def _tell(s: Session, found: checks.Findings, printers: str) -> tuple[int, int, int]:
    """(mails sent, queued, external commands run)."""
    from ..backend import commands
    config = s.config
    messages: list[EmailMessage] = []
    to_admin = False
    ran = 0
    for notice in found.notices:
        kind, external = telling.mailto_of(config, notice.printer)
        if external is not None:
            _, text = telling.user_message(config, notice)
            commands.run(external, _external_env(config, notice, text.rstrip("\n")), timeout=30)
            ran += 1
            continue
        if kind != "admin":
            messages += _mails_of(config, notice, "user" if kind == "both" else kind)
        to_admin = to_admin or kind in ("admin", "both")
    if to_admin:
        messages.append(_summary(config, found, printers))
    delivery = telling.send(config, messages, lambda text: click.echo(f"warnpykota: {text}", err=True))
    return delivery.sent, delivery.queued, ran


def _mails_of(config, notice: telling.Notice, kind: str) -> list[EmailMessage]:
    """One user's mails; an address or name no header may hold (a line break) skips this user only."""
    try:
        return telling.mails(config, notice, kind)
    except ValueError as exc:
        click.echo(f"warnpykota: {notice.user} on {notice.printer} not mailed ({one_line(str(exc))})", err=True)
        return []


def _summary(config, found: checks.Findings, printers: str) -> EmailMessage:
    def line(notice: telling.Notice) -> str:
        return f"{notice.user} on {notice.printer}: {notice.reason}"
    subject, body = wording.render("summary", config.get("maillanguage", "en"),
                                   {"checked": found.checked, "printers": printers,
                                    "refused": [line(n) for n in found.notices if n.action == "DENY"],
                                    "warned": [line(n) for n in found.notices if n.action == "WARN"]},
                                   config.get("mailtemplates"))
    admin, adminmail = config.get("admin", "root"), config.get("adminmail", "root@localhost")
    return compose(admin, adminmail, [adminmail], subject, body)


def _external_env(config, notice: telling.Notice, message: str) -> dict[str, str]:
    from .. import shell
    env = dict(os.environ)
    env.update({shell.variable(name): "" for name in shell.PLACEHOLDERS})
    env.update(PYKOTAUSERNAME=notice.user, PYKOTAPRINTERNAME=notice.printer, PYKOTAACTION=notice.action,
               PYKOTAREASON=notice.reason, PYKOTAMESSAGE=message,
               PYKOTAEMAIL=telling.address_of(config, notice.user, notice.email))
    return env




if __name__ == "__main__":
    main()
