"""Write a plan to the directory.

The plan becomes independent steps (attach an account, add a quota entry, set limits, credit
an allocation, retire a quota entry). A step that is one LDAP operation is written through
directory.pipeline (cheap encoding, several requests in flight); a step that changes two entries
(an account with its first payments, a credit with its payment) is written in an order the next
run can finish (directory.sync). When a step fails because something changed since the snapshot
(another run, an admin), it is tried again alone, and it knows which conflicts mean "done".

Every step is atomic and none depends on another, so an interrupted run leaves whole steps, and
the next run's plan holds exactly the rest. Large plans can be spread over several processes,
each with its own connection (--jobs).
"""
from __future__ import annotations

import multiprocessing
import signal
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Callable, TypeVar

from ..config import LDAPSettings
from ..directory import AlreadyExists, AssertionFailed, Directory, DirectoryError, NotFound, accounts, quotas
from ..directory import sync as store
from ..directory.core import Writer
from ..directory.pipeline import PipelinedWrites
from ..model import User
from .plan import Plan, UserChange, allocation_credit
from .rules import Allocation

BATCH_SIZE = 100
PARALLEL_FROM = 2000          # steps; below this, one connection is faster than starting workers
CHUNK_BATCHES = 10            # batches handed to a worker at a time
MAX_CREDIT_TRIES = 3

T = TypeVar("T")


@dataclass
class Outcome:
    done: int = 0
    skipped: list[str] = field(default_factory=list)     # conflicts: what someone else did first

    def merge(self, other: Outcome) -> None:
        self.done += other.done
        self.skipped.extend(other.skipped)


# -- steps -------------------------------------------------------------------------------------

class Meanwhile(Exception):
    """A step found the directory changed since the plan and did what was still right; str: what."""


@dataclass
class Step:
    """One write of the plan. `write` makes it (a partial of a module-level function: steps are
    sent to worker processes); `done_if` is the error that means someone else did it first, and
    `meanwhile` says so."""

    user: str
    write: Callable[[Directory], object]
    done_if: type[DirectoryError] | None = None
    meanwhile: str = ""

    def run_alone(self, d: Directory) -> str | None:
        """None when written; otherwise why not, for the summary."""
        try:
            self.write(d)
        except Meanwhile as exc:
            return f"user {self.user}: {exc}"
        except DirectoryError as exc:
            if self.done_if is None or not isinstance(exc, self.done_if):
                raise
            return f"user {self.user}: {self.meanwhile}"
        return None


@dataclass
class PipelinedStep(Step):
    """A step that is one LDAP operation: sent with others through a pipelined writer, and tried
    again alone if it fails there."""

    write: Callable[[Writer], object]


def _set_limit_by(d: Writer, user: str, dn: str, limit_by: str) -> None:
    accounts.set_user_fields(d, User(user, dn), limit_by=limit_by)


def _set_limits(d: Writer, dn: str, soft: int | None, hard: int | None) -> None:
    quotas.set_limits(d, dn, soft, hard, clear_soft=soft is None, clear_hard=hard is None)


def credit(d: Directory, user: str, dn: str, amount: int, allocation: Allocation, payment_name: str,
           description: str, lifetime_paid: int, resume: bool, when: datetime) -> None:
    """An allocation's credit (payment, then guarded increment). Refused because something was paid
    in or credited since the plan: re-read, credit what the cap still allows, and say so."""
    written = resume
    for _ in range(MAX_CREDIT_TRIES):
        try:
            store.credit_balance(d, dn, user, amount, allocation.cap, lifetime_paid, payment_name, description,
                                 when, payment_written=written)
            return
        except AssertionFailed:
            written = True
            balance, lifetime_paid = store.read_money(d, dn)
            amount = allocation_credit(balance, allocation)
            store.rewrite_credit(d, payment_name, amount, description, lifetime_paid)
            if amount == 0:
                raise Meanwhile("balance reached the cap meanwhile, nothing credited") from None
    raise Meanwhile("balance kept changing, allocation left for the next run")


def _user_steps(change: UserChange, now: datetime) -> list[Step]:
    steps: list[Step] = []
    name, dn = change.name, change.dn
    if change.attach:
        payments = [(p.name, p.amount, p.description) for p in change.attach.payments]
        kind = PipelinedStep if not payments else Step     # with payments: written first, then the attach
        steps.append(kind(name, partial(store.attach_account, dn=dn, user=name, limit_by=change.attach.limit_by,
                                        payments=payments, when=now),
                          AssertionFailed, "pkAccount attached meanwhile by someone else, left as it is"))
    if change.limit_by:
        steps.append(PipelinedStep(name, partial(_set_limit_by, user=name, dn=dn, limit_by=change.limit_by),
                                   NotFound, "entry gone meanwhile"))
    steps.extend(PipelinedStep(name, partial(quotas.add_user_quota, user=name, printer=q.printer,
                                             soft=q.soft_limit, hard=q.hard_limit),
                               AlreadyExists, f"quota entry on {q.printer} created meanwhile, left as it is")
                 for q in change.quota_adds)
    steps.extend(PipelinedStep(name, partial(_set_limits, dn=c.dn, soft=c.soft_limit, hard=c.hard_limit),
                               NotFound, f"quota entry {c.dn} gone meanwhile")
                 for c in change.limit_changes)
    if change.credit and change.rule.allocation:          # a credit is the rule's allocation
        c, allocation = change.credit, change.rule.allocation
        steps.append(Step(name, partial(credit, user=name, dn=dn, amount=c.amount, allocation=allocation,
                                        payment_name=c.payment.name, description=c.payment.description,
                                        lifetime_paid=c.lifetime_paid, resume=c.resume, when=now),
                          AlreadyExists, f"{c.payment.name} credited meanwhile, not again"))
    return steps


def plan_steps(plan: Plan) -> list[Step]:
    """The plan's writes as independent steps (groups are attached before, one by one)."""
    steps = [step for change in plan.changes for step in _user_steps(change, plan.now)]
    if plan.options.prune:
        for departure in plan.departures:       # a missing entry is not an error
            steps.extend(PipelinedStep(departure.user, partial(quotas.delete_quota, dn=q.dn))
                         for q in departure.quotas)
    return steps


# -- running -----------------------------------------------------------------------------------

def run_batch(d: Directory, steps: list[Step]) -> Outcome:
    """Pipelined steps sent together, the others one by one; the failed ones retried alone."""
    writes = PipelinedWrites(d)
    piped = [step for step in steps if isinstance(step, PipelinedStep)]
    alone = [step for step in steps if not isinstance(step, PipelinedStep)]
    for pending in piped:
        pending.write(writes)
    retry: list[Step] = [step for step, error in zip(piped, writes.flush(), strict=True) if error is not None]
    outcome = Outcome(done=len(piped) - len(retry))
    for step in retry + alone:
        try:
            reason = step.run_alone(d)
        except (AlreadyExists, AssertionFailed, NotFound) as exc:
            reason = f"user {step.user}: {exc}"
        if reason:
            outcome.skipped.append(reason)
        else:
            outcome.done += 1
    return outcome


def _batches(steps: list[T], size: int) -> list[list[T]]:
    return [steps[i:i + size] for i in range(0, len(steps), size)]


_worker_directory: Directory | None = None


def _start_worker(settings: LDAPSettings) -> None:
    global _worker_directory
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # the parent decides; a batch is never cut short
    _worker_directory = Directory(settings).connect()


def _run_chunk(batches: list[list[Step]]) -> Outcome:
    assert _worker_directory is not None, "the pool's initializer connects"
    outcome = Outcome()
    for batch in batches:
        outcome.merge(run_batch(_worker_directory, batch))
    return outcome


def attach_groups(d: Directory, plan: Plan) -> Outcome:
    outcome = Outcome()
    for name, _dn in plan.groups_to_attach:
        try:
            accounts.attach_group(d, name, limit_by="noquota", description=None)
            outcome.done += 1
        except AlreadyExists:
            outcome.skipped.append(f"group {name}: pkGroup attached meanwhile by someone else")
    return outcome


def apply_plan(d: Directory, plan: Plan, jobs: int = 1,
               progress: Callable[[int], None] | None = None) -> Outcome:
    """Write the plan; progress(n) is called as steps are done. jobs > 1: that many processes."""
    outcome = attach_groups(d, plan)
    steps = plan_steps(plan)
    batches = _batches(steps, BATCH_SIZE)
    if jobs <= 1 or len(steps) < PARALLEL_FROM:
        for batch in batches:
            outcome.merge(run_batch(d, batch))
            if progress:
                progress(len(batch))
        return outcome

    chunks = _batches(batches, CHUNK_BATCHES)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_start_worker,
                             initargs=(d.settings,)) as pool:
        futures = {pool.submit(_run_chunk, chunk): sum(len(b) for b in chunk) for chunk in chunks}
        try:
            for future in as_completed(futures):
                outcome.merge(future.result())
                if progress:
                    progress(futures[future])
        except BaseException:
            # Ctrl-C or an error: chunks not started are dropped, those running finish their batches.
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return outcome
