"""The plan in words: one line per change (--dry-run, --verbose) and the one-line summary."""
from __future__ import annotations

from .. import money
from .plan import Plan, UserChange
from .rules import Rule


def _limit(value: int | None) -> str:
    return "none" if value is None else str(value)


def _rule_text(rule: Rule) -> str:
    parts = [rule.limit_by]
    if rule.soft_limit is not None or rule.hard_limit is not None:
        parts.append(f"soft {_limit(rule.soft_limit)} hard {_limit(rule.hard_limit)}")
    return ", ".join(parts) + f" (rule {rule.label})"


def _user_lines(change: UserChange, printers_all: list[str]) -> list[str]:
    lines = []
    if change.attach:
        lines.append(f"add user {change.name}: {_rule_text(change.rule)}")
        for payment in change.attach.payments:
            lines.append(f"  credit {money.format(payment.amount)}: {payment.description}")
    if change.limit_by:
        lines.append(f"update user {change.name}: limitby {change.old_limit_by} -> {change.limit_by} "
                     f"(rule {change.rule.label})")
    if change.quota_adds:
        names = [q.printer for q in change.quota_adds]
        where = "every sync printer" if names == printers_all and len(names) > 3 else ", ".join(names)
        first = change.quota_adds[0]
        verb = "  quota entry" if change.attach else f"update user {change.name}: add quota entry"
        lines.append(f"{verb} on {where} (soft {_limit(first.soft_limit)}, hard {_limit(first.hard_limit)})")
    for limit in change.limit_changes:
        lines.append(f"update user {change.name}: limits on {limit.printer} "
                     f"{_limit(limit.old_soft)}/{_limit(limit.old_hard)} -> "
                     f"{_limit(limit.soft_limit)}/{_limit(limit.hard_limit)} (rule {change.rule.label})")
    if change.credit:
        cap = f", cap {money.format(change.credit.cap)}" if change.credit.cap is not None else ""
        lines.append(f"credit user {change.name}: {money.format(change.credit.amount)}, "
                     f"{change.credit.payment.description}{cap}")
    return lines


def change_lines(plan: Plan) -> list[str]:
    lines = [f"attach group {name} (pkGroup, limitby noquota: its rule applies to its members)"
             for name, _ in plan.groups_to_attach]
    for change in plan.changes:
        lines.extend(_user_lines(change, plan.printers))
    for departure in plan.departures:
        printers = ", ".join(q.printer for q in departure.quotas)
        if plan.options.prune:
            lines.append(f"retire user {departure.user}: delete quota entries on {printers} "
                         "(history and payments stay)")
        else:
            lines.append(f"note: user {departure.user} left (quota entries on {printers}; --prune retires them)")
    return lines


def summary(plan: Plan, dry_run: bool = False, skipped: int = 0) -> str:
    """added, updated, retired, unchanged, in users; then what else an admin should know."""
    retired = len(plan.departures) if plan.options.prune else 0
    counts = (f"{plan.count('added')} added, {plan.count('updated')} updated, {retired} retired, "
              f"{plan.unchanged} unchanged")
    notes = []
    if plan.groups_to_attach:
        notes.append(f"{len(plan.groups_to_attach)} group{'s' if len(plan.groups_to_attach) > 1 else ''} attached")
    credits = plan.credits
    if credits:
        notes.append(f"{len(credits)} allocation{'s' if len(credits) > 1 else ''} credited")
    if plan.departures and not plan.options.prune:
        notes.append(f"{len(plan.departures)} left the directory (--prune retires them)")
    if plan.differing:
        notes.append(f"{len(plan.differing)} differ from the rules (--update re-applies them)")
    if skipped:
        notes.append(f"{skipped} changes made meanwhile by someone else, left as they are")
    if not plan.writes_anything:
        notes.append("nothing to do" if dry_run else "nothing changed")
    text = ("dry run, would be: " if dry_run else "") + counts
    return text + ("; " + "; ".join(notes) if notes else "")
