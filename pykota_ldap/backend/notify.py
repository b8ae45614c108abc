"""Tell the user (and the admin) why a job was refused or warned, per `mailto` (default: both).

The words and the rules are pykota_ldap.notify's (telling.py); this is the job's side: its facts
(job.known), mailto's external(command) run with %(action)s, %(username)s, %(printername)s,
%(email)s and %(message)s (references to $PYKOTAACTION, ..., $PYKOTAMESSAGE: see
pykota_ldap.shell), and mail delivered within `smtptimeout` (what is not is queued for the next
run). Nothing here ever fails the job. A job cancelled by a command (CANCEL) tells nobody: the
user chose it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import commands, cupsio

if TYPE_CHECKING:
    from ..config import Config
    from .jobinfo import JobInfo

_FACTS = {"balance": "PYKOTABALANCE", "pagecounter": "PYKOTAPAGECOUNTER", "softlimit": "PYKOTASOFTLIMIT",
          "hardlimit": "PYKOTAHARDLIMIT", "datelimit": "PYKOTADATELIMIT"}


def tell(config: Config, job: JobInfo, action: str, reason: str, email: str | None) -> None:
    if str(action) not in ("WARN", "DENY"):
        return
    try:
        _tell(config, job, str(action), reason, email)
    except Exception as exc:     # noqa: BLE001 - telling is best effort: the job's outcome stands
        cupsio.warning(f"user {job.user} not told ({type(exc).__name__}: {cupsio.one_line(exc)})")


def _tell(config: Config, job: JobInfo, action: str, reason: str, email: str | None) -> None:
    from ..notify import telling
    kind, command = telling.mailto_of(config, job.printer)
    if kind == "none":
        return
    notice = telling.Notice(action, job.user, job.printer, reason, email,
                            managed=job.known.get("PYKOTALIMITBY", "None") != "None", title=job.title,
                            facts={name: job.known.get(var, "None") for name, var in _FACTS.items()},
                            language=job.known.get("PYKOTALANG"))
    if command is not None:
        _, message = telling.user_message(config, notice)
        status, _ = commands.run(command, commands.job_env(
            job, PYKOTAACTION=action, PYKOTAREASON=reason, PYKOTAMESSAGE=message.rstrip("\n"),
            PYKOTAEMAIL=telling.address_of(config, job.user, email)), timeout=30)
        if status:
            cupsio.debug(f"mailto command exited with {status}")
        return
    delivery = telling.send(config, telling.mails(config, notice, kind), cupsio.warning)
    if delivery.sent and not delivery.error:
        cupsio.debug(f"job {job.job_id}: {delivery.sent} mail(s) sent")
