"""The commands named in pykota.conf (policy external(...), mailto external(...), askconfirmation,
denyduplicates, unknown_billingcode deny(...), overwrite_jobticket, prehook, posthook): run
through /bin/sh with the job's PYKOTA* variables in their environment, like PyKota did.

A placeholder %(name)s in a command becomes a quoted reference to $PYKOTA<NAME> before the
shell sees it (pykota_ldap.shell): the job's values only ever reach the command through its
environment, never through its text."""
from __future__ import annotations

import os
import subprocess
from typing import TYPE_CHECKING

from .. import shell
from . import cupsio

if TYPE_CHECKING:
    from ..config import Config
    from .jobinfo import JobInfo


def job_env(job: JobInfo, **extra: object) -> dict[str, str]:
    """The backend's environment, the job's PYKOTA* variables, and `extra` (PYKOTA<NAME>=value:
    what one step adds, such as PYKOTAACTION); every placeholder's variable is set, empty when
    this step has no value for it."""
    env = dict(os.environ)
    env.update({shell.variable(name): "" for name in shell.STEP_PLACEHOLDERS})
    env.update({
        "PYKOTAUSERNAME": job.user, "PYKOTAORIGINALUSERNAME": job.original_user,
        "PYKOTAPRINTERNAME": job.printer, "PYKOTAJOBID": job.job_id, "PYKOTATITLE": job.title,
        "PYKOTACOPIES": str(job.copies), "PYKOTAOPTIONS": job.options_text,
        "PYKOTAFILENAME": job.filename or "", "PYKOTAJOBBILLING": job.billing_code or "",
        "PYKOTAMD5SUM": job.md5, "PYKOTAJOBSIZEBYTES": str(job.size_bytes),
        "PYKOTAJOBORIGINATINGHOSTNAME": job.hostname or "", "PYKOTADATAFILE": job.data_path or "",
        "DEVICE_URI": job.uri,
    })
    env.update({key: "" if value is None else str(value) for key, value in extra.items()})
    return env


def _name(command: str) -> str:
    words = command.split()
    return os.path.basename(words[0]) if words else command


def run(command: str, env: dict[str, str], timeout: float = 60.0) -> tuple[int, str]:
    """Run a command of pykota.conf: (exit status, its standard output)."""
    script = shell.with_references(command)
    try:
        done = subprocess.run(["/bin/sh", "-c", script], env=env, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        cupsio.warning(f"command timed out after {timeout:.0f} s: {_name(command)}")
        return 1, ""
    for line in done.stderr.decode("utf-8", "replace").splitlines():
        cupsio.debug(f"[{_name(command)}] {line}")
    return done.returncode, done.stdout.decode("utf-8", "replace")


def hook(config: Config, job: JobInfo, key: str, **values: object) -> None:
    """prehook / posthook: a command run with the job's PYKOTA* variables (PyKota's)."""
    command = config.get(key, None, job.printer)
    if not command:
        return
    status, _ = run(command, job_env(job, **values))
    if status:
        cupsio.debug(f"{key} exited with {status}")
