"""--verify: the directory read back, as repykota and dumpykota read it, against the PyKota site.

Every object that should have moved is looked up and compared field by field (compare.py); one
line per difference. The e-mail address lives on the organisation's entry, which the migration
only completes when it has none (and cannot give to an entry it created of class `account`): a
different address is a note, not a difference. Users and groups that are not in the directory, and what belongs to them,
are the plan's "missing" list, not differences: the migration never invents them.
"""
from __future__ import annotations

from ..directory import Directory
from .compare import differences
from .site import Site
from .state import State, read_state


def verify(d: Directory, site: Site) -> tuple[list[str], list[str]]:
    """(differences, notes)."""
    state = read_state(d, with_jobs=True)
    return compare_site(site, state), mail_notes(site, state)


def mail_notes(site: Site, state: State) -> list[str]:
    notes = []
    for name, user in site.users.items():
        found = state.users.get(name.lower())
        if found is not None and user.email and (found.email or "").lower() != user.email.lower():
            notes.append(f"note: user {name}: e-mail is {found.email or 'unset'} in the directory, {user.email} "
                         f"in PyKota")
    return notes


def compare_site(site: Site, state: State) -> list[str]:
    out: list[str] = []
    for name, printer in site.printers.items():
        out += _one(f"printer {name}", printer, state.printers.get(name.lower()))
    for name, user in site.users.items():
        if name.lower() in state.users:
            out += _one(f"user {name}", user, state.users[name.lower()], ("email",))
    for name, group in site.groups.items():
        if name.lower() in state.groups:
            out += _one(f"group {name}", group, state.groups[name.lower()])
    out += _quotas(site, state)
    for code, billing in site.billing_codes.items():
        out += _one(f"billing code {code}", billing, state.billing_codes.get(code.lower()))
    for key, payment in site.payments.items():
        out += _one(f"payment of {payment.user} on {payment.date:%Y-%m-%d %H:%M:%S}", payment,
                    state.payments.get(key.lower()))
    for key, job in site.jobs.items():
        out += _one(f"job {job.job_id} of {job.user} on {job.printer}", job, state.jobs.get(key.lower()))
    return out


def _quotas(site: Site, state: State) -> list[str]:
    """The quota entries of the users and groups that are in the directory."""
    out: list[str] = []
    for (user, printer), quota in site.user_quotas.items():
        if user.lower() in state.users:
            out += _one(f"quota of {user} on {printer}", quota, state.user_quotas.get((user.lower(), printer.lower())))
    for (group, printer), gquota in site.group_quotas.items():
        if group.lower() in state.groups:
            out += _one(f"quota of group {group} on {printer}", gquota,
                        state.group_quotas.get((group.lower(), printer.lower())))
    return out


def _one(what: str, source: object, found: object | None, skip: tuple[str, ...] = ()) -> list[str]:
    if found is None:
        return [f"{what}: not in the directory"]
    return differences(what, source, found, skip)
