"""Tell the user (and the admin) why a job was refused or warned, per `mailto` (only when set).

mailto: user | admin | both (SMTP through `smtpserver`), external(command) with %(action)s,
%(username)s, %(printername)s, %(email)s and %(message)s (references to $PYKOTAACTION, ...,
$PYKOTAMESSAGE: see pykota_ldap.shell), or devnull / nobody / none.
The full notification system (templates, desktop listener) lives elsewhere; failures here are
logged and never fail the job.
"""
from __future__ import annotations

import re

from . import commands, cupsio

_EXTERNAL = re.compile(r"^\s*external\s*\((.*)\)\s*$", re.S | re.I)
_QUIET = {"devnull", "nobody", "none", "noone", "bitbucket"}


def tell(config, job, action: str, reason: str, email: str | None) -> None:
    mailto = config.get("mailto", None, job.printer)
    if not mailto or mailto.lower() in _QUIET:
        return
    admin = config.get("admin", "root", job.printer)
    adminmail = config.get("adminmail", "root@localhost", job.printer)
    message = f"{reason}\n\nYour system administrator: {admin} - {adminmail}"
    if not email:
        domain = config.get("maildomain") or config.get("smtpserver", "localhost")
        email = f"{job.user}@{domain}"
    match = _EXTERNAL.match(mailto)
    if match:
        status, _ = commands.run(match.group(1), commands.job_env(job, PYKOTAACTION=action, PYKOTAREASON=reason,
                                                                    PYKOTAMESSAGE=message, PYKOTAEMAIL=email))
        if status:
            cupsio.debug(f"mailto command exited with {status}")
        return
    kind = mailto.lower()
    if kind not in ("user", "admin", "both"):
        cupsio.debug(f"mailto: unknown value {mailto!r}")
        return
    try:
        import smtplib
        from email.message import EmailMessage
        mail = EmailMessage()
        mail["From"] = adminmail
        mail["To"] = adminmail if kind == "admin" else email
        if kind == "both":
            mail["Cc"] = adminmail
        mail["Subject"] = "Print Quota"
        mail.set_content(message)
        with smtplib.SMTP(config.get("smtpserver", "localhost"), timeout=5) as smtp:
            smtp.send_message(mail)
    except Exception as exc:     # noqa: BLE001 - mail is best effort
        cupsio.debug(f"could not mail {email}: {exc}")
