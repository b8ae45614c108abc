"""The directory's verdict on one job, before anything reaches the printer.

Order: overwrite_jobticket; the quota entries a [sync] rule gives, created at a first job
(firstquota.py); unknown user / printer / quota entry per `policy`; billing code;
duplicates; then policy.decide (passthrough, noprint, printer and user max job size, page
quotas, group quotas, balance); askconfirmation. With `enforcement: strict`, what the job will
use is then reserved at admission (reserve.py). Every refusal is recorded in the history, an
unknown or unmanaged user's too; a job printed without accounting (`policy: allow`) is not.

Reads: load_job_context (4 searches for a user in no managed group), plus one search for a
billing code and one for duplicates when they apply.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .. import policy
from ..config import FALSE_WORDS, TRUE_WORDS, Config
from ..directory import AlreadyExists, Directory, history, quotas
from ..directory.jobcontext import JobContext, load_job_context
from ..model import Action, Printer, User, UserQuota
from . import commands, firstquota
from .accounters import price_of
from .jobenv import context_values
from .jobinfo import JobInfo

_EXTERNAL = re.compile(r"^\s*external\s*\((.*)\)\s*$", re.S | re.I)
_DENY_CMD = re.compile(r"^\s*deny\s*(?:\((.*)\))?\s*$", re.S | re.I)


@dataclass
class Verdict:
    action: Action
    reason: str
    record: bool = True              # write a history entry (False: policy allow/deny of unknowns)
    charge: bool = True              # count pages and debit (False: passthrough, nochange)
    context: JobContext | None = None
    price: int = 0                   # precomputed price
    reserved: int = 0                # balance debited at admission (strict balance), or tried to be
    reserved_pages: dict[str, int] = field(default_factory=dict)   # quota dn -> pages counted (or tried) at admission
    charged_printers: list[Printer] = field(default_factory=list)
    billing_code_dn: str | None = None

    @property
    def prints(self) -> bool:
        return self.action in (Action.ALLOW, Action.WARN)

    @property
    def user(self) -> User | None:
        return self.context.user if self.context else None

    @property
    def user_dn(self) -> str | None:
        return self.user.dn if self.user else None

    @property
    def quota_dns(self) -> list[str]:
        """The user's quota entries, then the counters of the groups' entries: a member's pages
        count on both, in the same exactly-once charge."""
        return [q.dn for q in self.context.user_quotas] + self.context.group_counters if self.context else []


def limits_for(config: Config, printer: str) -> policy.Limits:
    return policy.Limits(
        strict=config.get_choice("enforcement", ("laxist", "strict"), "laxist", printer) == "strict",
        grace_delay_days=config.get_int("gracedelay", 7, printer, minimum=0),
        balance_zero=config.get_money("balancezero", "0", printer),
        poor_man=config.get_money("poorman", "1.0", printer))


def charged_printers(context: JobContext) -> list[Printer]:
    """The printer and the printer groups above it on which the user has a quota entry
    (PyKota's pricing rule); the printer itself always counts."""
    with_entry = {q.printer.lower() for q in context.user_quotas}
    chosen = [p for p in context.chain if p.name.lower() in with_entry or p.name.lower() == context.printername.lower()]
    return chosen or ([context.printer] if context.printer else [])


def _apply_policy(config: Config, d: Directory, job: JobInfo, context: JobContext) -> tuple[JobContext, Verdict | None]:
    missing = context.missing
    if not missing:
        return context, None
    value = config.get("policy", "deny", job.printer)
    if value.lower() == "allow":
        return context, Verdict(Action.ALLOW, f"{missing}: printed without accounting (policy: allow)",
                                record=False, charge=False, context=context)
    match = _EXTERNAL.match(value)
    if match:
        status, _ = commands.run(match.group(1), commands.job_env(job))
        if status == 0:
            context = load_job_context(d, job.user, job.printer)
            if not context.missing:
                return context, None
            missing = context.missing
        else:
            missing = f"{missing}; the policy command exited with {status}"
    elif value.lower() != "deny":
        missing += f" (unknown policy {value!r}, read as deny)"
    return context, Verdict(Action.DENY, f"{missing}", charge=False, context=context)


MAX_BILLING_CODE = 64
CONFIRM_TIMEOUT = 600.0        # the seed waits 120 s for the student's answer; the default 60 would cut it


def _billing_code(config: Config, d: Directory, job: JobInfo) -> tuple[str | None, Verdict | None]:
    code = job.billing_code
    if not code:
        return None, None
    # The code is typed by whoever submits the job: refuse what the directory would refuse
    # (too long, control characters) here, instead of letting the write stop the queue.
    if len(code) > MAX_BILLING_CODE or any(ord(ch) < 32 for ch in code):
        return None, Verdict(Action.DENY, f"billing code is invalid (at most {MAX_BILLING_CODE} printable characters)")
    found = history.get_billing_code(d, code)
    if found:
        return found.dn, None
    setting = config.get("unknown_billingcode", "create", job.printer)
    if setting.lower() == "create":
        try:
            return history.add_billing_code(d, code).dn, None
        except AlreadyExists:
            return history.billing_code_dn(d, code), None
    match = _DENY_CMD.match(setting)
    if match and match.group(1):
        commands.run(match.group(1), commands.job_env(job))
    return None, Verdict(Action.DENY, f"billing code {code} is unknown")


def _duplicate(config: Config, d: Directory, job: JobInfo, now: datetime) -> Verdict | None:
    setting = config.get("denyduplicates", "no", job.printer)
    if setting.lower() in FALSE_WORDS:
        return None
    delay = config.get_int("duplicatesdelay", 0, job.printer, minimum=0)
    since = now - timedelta(seconds=delay or 86400)    # 0: the last day (PyKota's 0 never matched)
    if history.same_job_since(d, job.user, job.printer, job.md5, since) is None:
        return None
    if setting.lower() in TRUE_WORDS:
        return Verdict(Action.DENY, f"duplicate print jobs are not allowed on printer {job.printer}")
    status, output = commands.run(setting, commands.job_env(job))
    if output.strip().upper() == "DENY":
        return Verdict(Action.DENY, f"duplicate print jobs are not allowed on printer {job.printer}")
    return None


_TICKET_ACTIONS = {"DENY": Action.DENY, "AUTH=NO": Action.DENY, "AUTH=IMPOSSIBLE": Action.DENY,
                   "CANCEL": Action.CANCEL}
_TICKET_FIELDS = ("USERNAME", "BILLINGCODE", "REASON")


def overwrite_ticket(config: Config, job: JobInfo) -> tuple[Action, str] | None:
    """overwrite_jobticket (PyKota's): a command whose output may set USERNAME=, BILLINGCODE=,
    REASON=, or refuse (DENY, AUTH=NO, AUTH=IMPOSSIBLE) or cancel (CANCEL); the last word wins,
    and a refusal ignores a new user name or billing code. Returns (action, reason) or None."""
    command = config.get("overwrite_jobticket", None, job.printer)
    if not command:
        return None
    _, output = commands.run(command, commands.job_env(job), timeout=CONFIRM_TIMEOUT)   # may ask the user
    action, values = _read_ticket(output)
    if action is None:
        if values.get("USERNAME"):
            job.user = values["USERNAME"]
        if values.get("BILLINGCODE"):
            job.options["job-billing"] = values["BILLINGCODE"]
        return None
    if action == Action.CANCEL:
        return Action.CANCEL, values.get("REASON") or "print job cancelled"
    return Action.DENY, values.get("REASON") or "you are not allowed to print at this time"


def _read_ticket(output: str) -> tuple[Action | None, dict[str, str]]:
    """The last action word of the output, and the last value of each NAME= line."""
    action, values = None, {}
    for line in (text.strip() for text in output.splitlines()):
        if line.upper() in _TICKET_ACTIONS:
            action = _TICKET_ACTIONS[line.upper()]
            continue
        name, equals, value = line.partition("=")
        if equals and name.upper() in _TICKET_FIELDS:
            values[name.upper()] = value.strip()
    return action, values


def decide(config: Config, d: Directory, job: JobInfo, size: int, now: datetime) -> Verdict:
    ticket = overwrite_ticket(config, job)
    context = load_job_context(d, job.user, job.printer)
    job.known.update(context_values(context))
    if ticket:
        if ticket[0] == Action.CANCEL:
            job.known["PYKOTASTATUS"] = "CANCELLED"
        return Verdict(*ticket, charge=False, context=context)
    if firstquota.create_missing(config, d, context):
        context = load_job_context(d, job.user, job.printer)     # judged on the entries as written
    context, verdict = _apply_policy(config, d, job, context)
    job.known.update(context_values(context))
    if verdict:
        return verdict
    verdict = _exam_verdict(config, job, context, size, now)
    if verdict is None:
        verdict = _judge(config, d, job, context, size, limits_for(config, job.printer), now)
    if not verdict.prints:
        return verdict
    if _cancelled_at_confirmation(config, job, size, verdict):
        verdict.action, verdict.reason = Action.CANCEL, "print job cancelled (askconfirmation)"
        job.known["PYKOTASTATUS"] = "CANCELLED"
    return verdict


def _exam_verdict(config: Config, job: JobInfo, context: JobContext, size: int, now: datetime) -> Verdict | None:
    """A job created and printed during an exam session on the printer (or a group above it):
    printed, recorded, not charged, and no limit applies (pykota_ldap/exam.py)."""
    from ..exam import active, of_config
    names = [p.name for p in context.chain] or [context.printername]
    if active(of_config(config), names, now) is None:
        return None
    from ..cupsjobs import job_created  # here: its HTTP client costs every other job ~6 ms of imports
    # Asked of cupsd, not read from argv: a job held or queued from before the exam is charged.
    created = job_created(job.printer, int(job.job_id)) if job.job_id.isdigit() else None
    session = active(of_config(config), names, now, created) if created else None
    if session is None:
        return None
    assert context.user is not None, "context.missing said it is there"
    printers = charged_printers(context)
    return Verdict(Action.ALLOW, f"exam session {session.name} until {session.end:%Y-%m-%d %H:%M:%S %z}", charge=False,
                   context=context, price=policy.job_price(size, printers, context.user.overcharge),
                   charged_printers=printers)


def _judge(config: Config, d: Directory, job: JobInfo, context: JobContext, size: int, limits: policy.Limits,
           now: datetime) -> Verdict:
    """Billing code, duplicates, then policy.decide (sizes, quotas, balance); grace dates stored."""
    user, printer = context.user, context.printer
    assert user is not None and printer is not None, "context.missing said they are there"
    printers = charged_printers(context)
    price = price_of(config, job, "preaccounter", size, printers, user.overcharge)
    billing_dn, verdict = _billing_code(config, d, job)
    if verdict is None:
        verdict = _duplicate(config, d, job, now)
    if verdict:
        verdict.context, verdict.price, verdict.charged_printers = context, price, printers
        return verdict
    decision = policy.decide(user, printer, context.user_quotas, context.groups, size, price, limits, now)
    for dn, when in decision.grace_dates:
        quotas.set_grace_date(d, dn, when)
    return Verdict(decision.action, decision.reason, charge=decision.charge, context=context, price=price,
                   charged_printers=printers, billing_code_dn=billing_dn)


def _cancelled_at_confirmation(config: Config, job: JobInfo, size: int, verdict: Verdict) -> bool:
    """askconfirmation: a command whose output line CANCEL cancels the job (it may wait for
    the user: pknotify's --timeout bounds it, and so does the command timeout)."""
    question = config.get("askconfirmation", None, job.printer)
    if not question:
        return False
    _, output = commands.run(question, commands.job_env(job, PYKOTAPRECOMPUTEDJOBSIZE=size,
                                                        PYKOTAPRECOMPUTEDJOBPRICE=verdict.price,
                                                        PYKOTAACTION=verdict.action, PYKOTAREASON=verdict.reason,
                                                        PYKOTAPHASE="BEFORE"), timeout=CONFIRM_TIMEOUT)
    return any(line.strip().upper() == "CANCEL" for line in output.splitlines())


def page_cap(quota: UserQuota) -> int | None:
    """The limit a strict decision applied to a quota entry (None: unlimited)."""
    soft, hard = quota.soft_limit, quota.hard_limit
    if soft is None:
        return hard
    if hard is None:
        return soft
    return hard if hard > soft else min(soft, hard)
