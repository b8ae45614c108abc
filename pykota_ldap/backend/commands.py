"""External commands named in pykota.conf (policy external(...), denyduplicates, askconfirmation,
mailto external(...), unknown_billingcode deny(...)): run through the shell with the job's
PYKOTA* variables in their environment, like PyKota did; and prehook / posthook."""
from __future__ import annotations

import os
import shlex
import subprocess
from typing import TYPE_CHECKING

from . import cupsio

if TYPE_CHECKING:
    from ..config import Config
    from .jobinfo import JobInfo


def job_env(job, **extra) -> dict[str, str]:
    env = dict(os.environ)
    values = {
        "PYKOTAUSERNAME": job.user, "PYKOTAORIGINALUSERNAME": job.original_user,
        "PYKOTAPRINTERNAME": job.printer, "PYKOTAJOBID": job.job_id, "PYKOTATITLE": job.title,
        "PYKOTACOPIES": str(job.copies), "PYKOTAOPTIONS": job.options_text,
        "PYKOTAFILENAME": job.filename or "", "PYKOTAJOBBILLING": job.billing_code or "",
        "PYKOTAMD5SUM": job.md5, "PYKOTAJOBSIZEBYTES": str(job.size_bytes),
        "PYKOTAJOBORIGINATINGHOSTNAME": job.hostname or "", "PYKOTADATAFILE": job.data_path or "",
        "DEVICE_URI": job.uri,
    }
    values.update({k: "" if v is None else str(v) for k, v in extra.items()})
    env.update(values)
    return env


def fill(command: str, **values) -> str:
    """PyKota's %(name)s placeholders; a command without them is left as it is.

    Every value is shell-quoted: user names, titles and billing codes come from whoever
    submitted the job, and the command runs as root. `%(username)s` becomes one word."""
    quoted = {name: shlex.quote("" if value is None else str(value)) for name, value in values.items()}
    try:
        return command % quoted
    except (KeyError, ValueError, TypeError):
        return command


def run(command: str, env: dict[str, str], timeout: float = 60.0) -> tuple[int, str]:
    try:
        done = subprocess.run(command, shell=True, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        cupsio.warning(f"command timed out after {timeout:.0f} s: {command}")
        return 1, ""
    for line in done.stderr.decode("utf-8", "replace").splitlines():
        cupsio.debug(f"[{command.split()[0] if command.split() else command}] {line}")
    return done.returncode, done.stdout.decode("utf-8", "replace")


def hook(config: Config, job: JobInfo, key: str, **values: object) -> None:
    """prehook / posthook: a command run with the job's PYKOTA* variables (PyKota's)."""
    command = config.get(key, None, job.printer)
    if not command:
        return
    status, _ = run(command, job_env(job, **values))
    if status:
        cupsio.debug(f"{key} exited with {status}")
