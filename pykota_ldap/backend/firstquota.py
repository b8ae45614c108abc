"""Quota entries made at a user's first job on a sync printer (`[sync] quotaentries: firstjob`).

pksync attaches the accounts; the quota entry of a managed user on a printer of `[sync] printers`
is written here, from the user's rule, when the user first prints there: the entry that pksync
would have written up front (same DN, same limits), only for the printers people actually use.
Decided before the verdict, so the job is judged by the rule's limits. Two first jobs at once
both add the same DN: one add succeeds, the other finds it there (autoattach.add_quotas); both
are then charged on it.

Nothing is read or written for a job whose entries are all there (every job but a first one),
and no LDAP is spoken before the cheap checks pass: a printer outside `printers` costs nothing;
a user outside `userfilter` costs one base search per job; a user in the rules, a search of
the ruled groups listing them and one add per missing entry, once. Users no rule covers
(not managed, outside userfilter, on other printers) are left to `policy` exactly as before.
"""
from __future__ import annotations

from ..config import Config
from ..directory import Directory, accounts, autoattach, quotas
from ..directory.jobcontext import JobContext
from ..model import UserQuota


def rule_entries(config: Config, d: Directory, context: JobContext, upfront_too: bool = False) -> list[UserQuota]:
    """The quota entries the [sync] rules give the user on the printer and the printer groups
    above it that the directory does not hold yet, as they will be written (nothing is written).
    upfront_too: also with `quotaentries: upfront` (autopykota, on a printer pksync has not seen)."""
    user = context.user
    if user is None or context.printer is None or not user.managed:
        return []
    have = {q.printer.lower() for q in context.user_quotas}
    chain = {p.name: p for p in context.chain}
    if all(name.lower() in have for name in chain):
        return []
    # Only on a first job: pksync's code, not every job's imports.
    from ..sync.plan import select_printers
    from ..sync.rules import firstjob_rules, rules_from_config
    rules = firstjob_rules(config)        # None: no [sync] section (nothing is created), or upfront
    if rules is None and upfront_too and any(n.lower() == "sync" for n in config.sections()):
        rules = rules_from_config(config)
    if rules is None:
        return []
    # The printers of the chain pksync would give entries to (a printer group of `printers`
    # brings its members, which are below it in the chain): the same selection as pksync's.
    missing = [name for name in select_printers(rules.printers, chain) if name.lower() not in have]
    if not missing or not accounts.entry_matches(d, user.dn, rules.userfilter):
        return []
    # The ruled groups listing the user, as pksync reads them (memberUid without case).
    rule = rules.rule_for(accounts.groups_listing(d, user, [r.name for r in rules.groups.values()]))
    return [UserQuota(user=user.name, printer=name, dn=quotas.user_quota_dn(d, user.name, name),
                      soft_limit=rule.soft_limit, hard_limit=rule.hard_limit) for name in missing]


def create_missing(config: Config, d: Directory, context: JobContext, upfront_too: bool = False) -> list[str]:
    """Write the entries rule_entries gives; the printers whose entry was missing and now is
    there, made by this job or by another first job at the same time (empty: nothing done, the
    context holds)."""
    planned = rule_entries(config, d, context, upfront_too)
    if planned:
        first = planned[0]
        autoattach.add_quotas(d, first.user, [q.printer for q in planned], first.soft_limit, first.hard_limit)
    return [q.printer for q in planned]


def as_if_written(context: JobContext, planned: list[UserQuota]) -> None:
    """The context as the first job will see it once the entries are written (pykotme's quote,
    which writes nothing): in the chain's order, the printer's own first."""
    order = {p.name.lower(): index for index, p in enumerate(context.chain)}
    context.user_quotas = sorted(context.user_quotas + planned, key=lambda q: order.get(q.printer.lower(), len(order)))
