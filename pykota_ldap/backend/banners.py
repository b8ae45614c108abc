"""Banner pages around a job, sent through the same real backend as the job (PyKota's keys):

  startingbanner / endingbanner   a file, sent as it is, or a command (pkbanner...) whose
                                  standard output is sent; run through /bin/sh like the other
                                  commands of pykota.conf, the job's values only as PYKOTA*
                                  variables (plus PYKOTAACTION, PYKOTAPHASE and the user's quota
                                  or balance, which pkbanner prints)
  accountbanner                   starting | ending | both (default) | none: which banners are
                                  charged with the job. A charged starting banner prints after the
                                  printer's counter is read (hardware accounting counts it), an
                                  uncharged one before; a charged ending banner before the counter
                                  is read again, an uncharged one after the charge. With software
                                  accounting a charged banner adds its own pages (the page counter
                                  counts them; PyKota added 1 page whatever it held)
  maxdenybanners                  banners a refused job may still print, per quota entry: each
                                  refused banner adds 1 to pkWarnCount, a printed job sets it to 0
  avoidduplicatebanners           no (default) | yes: not when the printer's last job (of the
                                  last 24 hours) is the same user's | N: ... and less than N s old
  printcancelledbanners           yes: a job cancelled before printing (askconfirmation,
                                  overwrite_jobticket) prints its banners; no (default: PyKota's
                                  code never printed them)

A banner that cannot be made (missing file, failing command, empty output) or sent is a
warning: the job itself goes on.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from . import commands, cupsio

if TYPE_CHECKING:
    from ..model import Action, UserQuota
    from .job import Decided

@dataclass(frozen=True)
class BannerSettings:
    starting: str | None
    ending: str | None
    account: str                     # starting | ending | both | none
    max_deny: int
    avoid_duplicates: str            # no | yes | seconds
    print_cancelled: bool

    def charged(self, which: str) -> bool:
        return self.account in (which, "both")


def settings(decided: Decided) -> BannerSettings:
    config, printer = decided.setup.config, decided.job.printer
    return BannerSettings(starting=config.get("startingbanner", None, printer) or None,
                          ending=config.get("endingbanner", None, printer) or None,
                          account=config.get_choice("accountbanner", ("starting", "ending", "both", "none"), "both",
                                                            printer),
                          max_deny=config.get_int("maxdenybanners", 0, printer, minimum=0),
                          avoid_duplicates=config.get("avoidduplicatebanners", "no", printer).strip().lower(),
                          print_cancelled=config.get_bool("printcancelledbanners", False, printer))


class Banners:
    """The banners of one job; `pages` are those printed with accounting."""

    def __init__(self, decided: Decided):
        self.decided = decided
        self.settings = settings(decided)
        self.pages = 0
        self._skip: bool | None = None

    def send(self, which: str, charged: bool, action: Action) -> None:
        """The starting or ending banner, when this moment is its moment (charged or not)."""
        source = self.settings.starting if which == "starting" else self.settings.ending
        if not source or self.settings.charged(which) != charged or self._duplicate():
            return
        pages = self._print(source, which, action)
        if charged and pages:
            self.pages += pages

    def refused(self, action: Action) -> None:
        """A job that does not print: its banners, as maxdenybanners / printcancelledbanners say."""
        from ..model import Action
        for which in ("starting", "ending"):
            source = self.settings.starting if which == "starting" else self.settings.ending
            if not source or self._duplicate():
                continue
            if action == Action.CANCEL and not self.settings.print_cancelled:
                continue
            if action == Action.DENY and not self._deny_banner_allowed():
                continue
            self._print(source, which, action)

    def _deny_banner_allowed(self) -> bool:
        """Under maxdenybanners for the printer's quota entry: count one more (Modify-Increment)."""
        from ..directory import DirectoryError
        from ..directory.quotas import add_deny_banner
        quota = _own_quota(self.decided)
        if quota is None or not self.settings.max_deny:
            return False
        try:
            counted = add_deny_banner(self.decided.directory, quota.dn, self.settings.max_deny)
        except DirectoryError as exc:
            cupsio.warning(f"deny banner not counted ({exc}): not printed")
            return False
        if not counted:
            cupsio.info(f"job {self.decided.job.job_id}: maximum number of deny banners reached")
            return False
        quota.warn_count += 1
        return True

    def _duplicate(self) -> bool:
        """avoidduplicatebanners: the printer's last job is this user's (and recent enough)."""
        if self._skip is None:
            self._skip = _same_user_printed_last(self.decided, self.settings.avoid_duplicates)
        return self._skip

    def _print(self, source: str, which: str, action: Action) -> int:
        """Make and send one banner; its pages (0 when nothing was sent)."""
        data = _make(self.decided, source, which, action)
        if not data:
            return 0
        return _send(self.decided, data, which)


def _own_quota(decided: Decided) -> UserQuota | None:
    context = decided.verdict.context
    if context is None:
        return None
    return next((q for q in context.user_quotas if q.printer.lower() == decided.job.printer.lower()), None)


def reset_deny_banners(decided: Decided) -> None:
    """A job that prints gives its quota entry its deny banners back (PyKota's warncount = 0)."""
    from ..directory import DirectoryError
    from ..directory.quotas import reset_deny_banners as reset
    quota = _own_quota(decided)
    if quota is not None and quota.warn_count:
        try:
            reset(decided.directory, quota.dn)
        except DirectoryError as exc:
            cupsio.debug(f"deny banner count not reset: {exc}")


def _same_user_printed_last(decided: Decided, setting: str) -> bool:
    from ..config import FALSE_WORDS, TRUE_WORDS
    from ..directory import DirectoryError
    from ..directory.history import last_job
    if setting in FALSE_WORDS:
        return False
    window = 86400 if setting in TRUE_WORDS else int(setting)
    now = datetime.now(timezone.utc)
    try:
        last = last_job(decided.directory, decided.job.printer, now - timedelta(seconds=window))
    except DirectoryError:
        return False
    if last is None or last.user.lower() != decided.job.user.lower():
        return False
    cupsio.info(f"job {decided.job.job_id}: banner skipped (avoidduplicatebanners: the last job was "
                f"{decided.job.user}'s too)")
    return True


def banner_env(decided: Decided, which: str, action: Action) -> dict[str, str]:
    """The job's PYKOTA* variables, the banner's moment, and what pkbanner shows of the account."""
    from .. import money
    verdict = decided.verdict
    extra: dict[str, object] = {"PYKOTAACTION": action, "PYKOTAPHASE": "BEFORE" if which == "starting" else "AFTER"}
    user, quota = verdict.user, _own_quota(decided)
    if user is not None:
        extra.update(PYKOTALIMITBY=user.limit_by, PYKOTABALANCE=money.format(user.balance),
                     PYKOTALIFETIMEPAID=money.format(user.lifetime_paid))
    if quota is not None:
        extra.update(PYKOTAPAGECOUNTER=quota.page_counter, PYKOTALIFEPAGECOUNTER=quota.life_page_counter,
                     PYKOTASOFTLIMIT=quota.soft_limit, PYKOTAHARDLIMIT=quota.hard_limit,
                     PYKOTADATELIMIT=f"{quota.date_limit:%Y-%m-%d %H:%M:%S}" if quota.date_limit else None,
                     PYKOTAWARNCOUNT=quota.warn_count)
    return commands.job_env(decided.job, **extra)


def _make(decided: Decided, source: str, which: str, action: Action) -> bytes:
    """The banner's bytes: the file, or the command's standard output."""
    if os.path.isfile(source) and not os.access(source, os.X_OK):
        try:
            with open(source, "rb") as banner:
                return banner.read()
        except OSError as exc:
            cupsio.warning(f"{which} banner {source}: {exc.strerror}")
            return b""
    status, out = commands.run_bytes(source, banner_env(decided, which, action))
    if status != 0 or not out:
        cupsio.warning(f"{which} banner command exited with {status}"
                       + ("" if out else " and printed nothing") + ": no banner")
        return b""
    return out


def _send(decided: Decided, data: bytes, which: str) -> int:
    """The banner through the real backend (on its standard input, no file argument); its pages."""
    import tempfile  # here: most jobs have no banner

    from .run import Runner
    with tempfile.NamedTemporaryFile(prefix="pkbanner-") as spool:
        spool.write(data)
        spool.flush()
        banner_job = replace(decided.job, file_arg=None, data_path=spool.name)
        result = Runner().run(banner_job, decided.setup.backend)
        if result.status != 0:
            cupsio.warning(f"{which} banner not printed: {result.message}")
            return 0
        pages = _count(spool.name)
    cupsio.info(f"job {decided.job.job_id}: {which} banner printed ({pages} page{'s' if pages != 1 else ''})")
    return pages


def _count(path: str) -> int:
    """The banner's pages (the page counter's count; 1 when it cannot tell)."""
    try:
        from ..accounting.pdl import count_pages
        return count_pages(path, timeout=30).total or 1
    except Exception:  # noqa: BLE001 - a banner in a language we cannot count is one page, as PyKota said
        return 1
