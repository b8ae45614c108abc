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
from typing import Callable

from ..config import LDAPSettings
from ..directory import AlreadyExists, AssertionFailed, Directory, NotFound
from ..directory import accounts, quotas
from ..directory import sync as store
from ..directory.pipeline import PipelinedWrites
from ..model import User
from .plan import Plan, allocation_credit
from .rules import Allocation

BATCH_SIZE = 100
PARALLEL_FROM = 2000          # steps; below this, one connection is faster than starting workers
CHUNK_BATCHES = 10            # batches handed to a worker at a time
MAX_CREDIT_TRIES = 3


@dataclass
class Outcome:
    done: int = 0
    skipped: list[str] = field(default_factory=list)     # conflicts: what someone else did first

    def merge(self, other: "Outcome") -> None:
        self.done += other.done
        self.skipped.extend(other.skipped)


# -- steps -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AttachStep:
    user: str
    dn: str
    limit_by: str
    payments: tuple[tuple[str, int, str], ...]
    when: datetime

    @property
    def single_operation(self) -> bool:
        return not self.payments           # with payments: written first, then the attach

    def run(self, d: Directory) -> None:
        store.attach_account(d, self.dn, self.user, self.limit_by, list(self.payments), self.when)

    def run_alone(self, d: Directory) -> str | None:
        try:
            self.run(d)
        except AssertionFailed:
            return f"user {self.user}: pkAccount attached meanwhile by someone else, left as it is"
        return None


@dataclass(frozen=True)
class QuotaAddStep:
    single_operation = True
    user: str
    printer: str
    soft: int | None
    hard: int | None

    def run(self, d: Directory) -> None:
        quotas.add_user_quota(d, self.user, self.printer, self.soft, self.hard)

    def run_alone(self, d: Directory) -> str | None:
        try:
            self.run(d)
        except AlreadyExists:
            return f"user {self.user}: quota entry on {self.printer} created meanwhile, left as it is"
        return None


@dataclass(frozen=True)
class LimitByStep:
    single_operation = True
    user: str
    dn: str
    limit_by: str

    def run(self, d: Directory) -> None:
        accounts.set_user_fields(d, User(self.user, self.dn), limit_by=self.limit_by)

    def run_alone(self, d: Directory) -> str | None:
        try:
            self.run(d)
        except NotFound:
            return f"user {self.user}: entry gone meanwhile"
        return None


@dataclass(frozen=True)
class LimitsStep:
    single_operation = True
    user: str
    dn: str
    soft: int | None
    hard: int | None

    def run(self, d: Directory) -> None:
        quotas.set_limits(d, self.dn, self.soft, self.hard, clear_soft=self.soft is None,
                          clear_hard=self.hard is None)

    def run_alone(self, d: Directory) -> str | None:
        try:
            self.run(d)
        except NotFound:
            return f"user {self.user}: quota entry {self.dn} gone meanwhile"
        return None


@dataclass(frozen=True)
class CreditStep:
    single_operation = False                # the payment, then the guarded increment
    user: str
    dn: str
    amount: int
    allocation: Allocation
    payment_name: str
    description: str
    lifetime_paid: int
    resume: bool
    when: datetime

    def run(self, d: Directory) -> None:
        store.credit_balance(d, self.dn, self.user, self.amount, self.allocation.cap, self.lifetime_paid,
                             self.payment_name, self.description, self.when, payment_written=self.resume)

    def run_alone(self, d: Directory) -> str | None:
        amount, lifetime, written = self.amount, self.lifetime_paid, self.resume
        for _ in range(MAX_CREDIT_TRIES):
            try:
                store.credit_balance(d, self.dn, self.user, amount, self.allocation.cap, lifetime,
                                     self.payment_name, self.description, self.when, payment_written=written)
                return None
            except AlreadyExists:
                return f"user {self.user}: {self.payment_name} credited meanwhile, not again"
            except AssertionFailed:
                # Paid in or credited since the plan: credit what the cap still allows, and say so.
                written = True
                balance, lifetime = store.read_money(d, self.dn)
                amount = allocation_credit(balance, self.allocation)
                store.rewrite_credit(d, self.payment_name, amount, self.description, lifetime)
                if amount == 0:
                    return f"user {self.user}: balance reached the cap meanwhile, nothing credited"
        return f"user {self.user}: balance kept changing, allocation left for the next run"


@dataclass(frozen=True)
class RetireStep:
    single_operation = True
    user: str
    dn: str

    def run(self, d: Directory) -> None:
        quotas.delete_quota(d, self.dn)          # a missing entry is not an error

    def run_alone(self, d: Directory) -> str | None:
        self.run(d)
        return None


def plan_steps(plan: Plan) -> list:
    """The plan's writes as independent steps (groups are attached before, one by one)."""
    steps: list = []
    for change in plan.changes:
        if change.attach:
            payments = tuple((p.name, p.amount, p.description) for p in change.attach.payments)
            steps.append(AttachStep(change.name, change.dn, change.attach.limit_by, payments, plan.now))
        if change.limit_by:
            steps.append(LimitByStep(change.name, change.dn, change.limit_by))
        steps.extend(QuotaAddStep(change.name, q.printer, q.soft_limit, q.hard_limit) for q in change.quota_adds)
        steps.extend(LimitsStep(change.name, c.dn, c.soft_limit, c.hard_limit) for c in change.limit_changes)
        if change.credit:
            credit = change.credit
            steps.append(CreditStep(change.name, change.dn, credit.amount, change.rule.allocation,
                                    credit.payment.name, credit.payment.description, credit.lifetime_paid,
                                    credit.resume, plan.now))
    if plan.options.prune:
        for departure in plan.departures:
            steps.extend(RetireStep(departure.user, q.dn) for q in departure.quotas)
    return steps


# -- running -----------------------------------------------------------------------------------

def run_batch(d: Directory, steps: list) -> Outcome:
    """Single-operation steps pipelined, the others one by one; conflicts retried alone."""
    writes = PipelinedWrites(d)
    piped, alone = [], []
    for step in steps:
        (piped if step.single_operation else alone).append(step)
    for step in piped:
        step.run(writes)
    retry = [step for step, error in zip(piped, writes.flush()) if error is not None]
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


def _batches(steps: list, size: int) -> list[list]:
    return [steps[i:i + size] for i in range(0, len(steps), size)]


_worker_directory: Directory | None = None


def _start_worker(settings: LDAPSettings) -> None:
    global _worker_directory
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # the parent decides; a batch is never cut short
    _worker_directory = Directory(settings).connect()


def _run_chunk(batches: list[list]) -> Outcome:
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
