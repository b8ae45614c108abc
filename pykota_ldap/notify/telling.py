"""Who hears of a warning or a refusal, and in which words (PyKota's rules).

mailto: user | admin | both (the default, as in PyKota) | none (devnull, nobody, noone,
bitbucket) | external(command). The user's text is the admin's `softwarn` (soft limit passed),
`poorwarn` (balance low) or `hardwarn` (refused at a limit or with no credit) when set, else the
event's template; a literal \\n in those texts is a line break. The admin gets a short notice
of their own. An external command gets the user's text as %(message)s.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from . import mailer, wording

_EXTERNAL = re.compile(r"^\s*external\s*\((.*)\)\s*$", re.S | re.I)


@dataclass
class Notice:
    """One warning or refusal of one user on one printer."""

    action: str                     # WARN or DENY
    user: str
    printer: str
    reason: str
    email: str | None = None        # the user's address in the directory
    managed: bool = True            # a user of the directory's (an unknown one gets no mail)
    title: str = ""
    facts: dict[str, str] = field(default_factory=dict)   # balance, pagecounter, softlimit, hardlimit, datelimit
    language: str | None = None     # the user's (preferredLanguage); None: maillanguage


def mailto_of(config: Any, printer: str | None) -> tuple[str, str | None]:
    """('user' | 'admin' | 'both' | 'none' | 'external', the external command or None)."""
    value = config.get("mailto", "both", printer)
    match = _EXTERNAL.match(value)
    if match:
        return "external", match.group(1)
    kind = value.strip().lower()
    if kind in ("user", "admin", "both"):
        return kind, None
    return "none", None                     # a quiet word (the configuration check refused any other)


def event_of(action: str, reason: str) -> str:
    """Which template tells of it: the policy's reasons name the balance or the limit."""
    text = reason.lower()
    if action == "WARN":
        return "balancelow" if "balance" in text else "softlimit"
    if "may not print" in text:
        return "noprint"
    if "balance" in text:
        return "balancezero"
    if "limit" in text and "larger than" not in text:
        return "hardlimit"
    return "refused"


def _admin_text(config: Any, event: str, printer: str) -> str | None:
    if event == "balancelow":
        text = config.get("poorwarn")
    elif event == "softlimit":
        text = config.get("softwarn", None, printer)
    elif event in ("hardlimit", "balancezero"):
        text = config.get("hardwarn", None, printer)
    else:
        return None
    return text.replace("\\n", "\n") if text else None


def address_of(config: Any, user: str, email: str | None) -> str:
    """The user's address, else user@maildomain, else user@<the SMTP server's host>."""
    if email and "@" in email:
        return email
    domain = config.get("maildomain") or mailer.relay_from(config).host
    return f"{email or user}@{domain}"


def _values(config: Any, notice: Notice, event: str) -> dict[str, object]:
    facts = {name: notice.facts.get(name, "None") for name in ("balance", "pagecounter", "softlimit", "hardlimit",
                                                               "datelimit")}
    return {**facts, "user": notice.user, "printer": notice.printer, "reason": notice.reason,
            "title": notice.title, "action": notice.action, "text": _admin_text(config, event, notice.printer),
            "admin": config.get("admin", "root", notice.printer),
            "adminmail": config.get("adminmail", "root@localhost", notice.printer)}


def _language(config: Any, printer: str, user_language: str | None = None) -> str:
    return user_language or config.get("maillanguage", "en", printer)


def user_message(config: Any, notice: Notice) -> tuple[str, str]:
    """(subject, body) of what the user is told."""
    event = event_of(notice.action, notice.reason)
    return wording.render(event, _language(config, notice.printer, notice.language), _values(config, notice, event),
                          config.get("mailtemplates"))


def mails(config: Any, notice: Notice, kind: str) -> list[EmailMessage]:
    """The mails `kind` (user, admin, both) asks for: the user's, the admin's notice."""
    admin = config.get("admin", "root", notice.printer)
    adminmail = config.get("adminmail", "root@localhost", notice.printer)
    found = []
    if kind in ("user", "both") and notice.managed:
        subject, body = user_message(config, notice)
        found.append(mailer.compose(admin, adminmail, [address_of(config, notice.user, notice.email)], subject, body))
    if kind in ("admin", "both"):
        subject, body = wording.render("admin", _language(config, notice.printer),
                                       _values(config, notice, "admin"), config.get("mailtemplates"))
        found.append(mailer.compose(admin, adminmail, [adminmail], subject, body))
    return found


def send(config: Any, messages: list[EmailMessage], log: Any) -> mailer.Delivery:
    return mailer.deliver(mailer.relay_from(config), messages, mailer.MailQueue(mailer.queue_dir(config)), log)
