"""The commands named in pykota.conf (policy external(...), mailto external(...), askconfirmation,
denyduplicates, unknown_billingcode deny(...), overwrite_jobticket, prehook, posthook): run
through /bin/sh with the job's PYKOTA* variables in their environment, like PyKota did.

A placeholder %(name)s in a command becomes a quoted reference to $PYKOTA<NAME> before the
shell sees it (pykota_ldap.shell): the job's values only ever reach the command through its
environment, never through its text."""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from .. import shell
from . import cupsio
from .cupsio import parse_options
from .jobenv import step_value
from .jobinfo import uri_host

if TYPE_CHECKING:
    from ..config import Config
    from .jobinfo import JobInfo


def job_env(job: JobInfo, **extra: object) -> dict[str, str]:
    """The backend's environment, the job's PYKOTA* variables, what the directory said of its
    user, quota entry and printer (job.known, jobenv.py), and `extra` (PYKOTA<NAME>=value: what
    one step adds, such as PYKOTAACTION; amounts in thousandths, shown as decimals); every
    placeholder's variable is set, empty when this step has no value for it."""
    env = dict(os.environ)
    env.update({shell.variable(name): "" for name in shell.STEP_PLACEHOLDERS})
    env.update({
        "PYKOTAUSERNAME": job.user, "PYKOTAORIGINALUSERNAME": job.original_user,
        "PYKOTAPRINTERNAME": job.printer, "PYKOTAJOBID": job.job_id, "PYKOTATITLE": job.title,
        "PYKOTACOPIES": str(job.copies), "PYKOTAOPTIONS": job.options_text,
        "PYKOTAFILENAME": job.filename or "", "PYKOTAJOBBILLING": job.billing_code or "",
        "PYKOTAMD5SUM": job.md5, "PYKOTAJOBSIZEBYTES": str(job.size_bytes),
        "PYKOTAJOBORIGINATINGHOSTNAME": job.hostname or "", "PYKOTADATAFILE": job.data_path or "",
        "DEVICE_URI": job.uri, "PYKOTACHARSET": "UTF-8", "PYKOTALANG": os.environ.get("LANG") or "C",
        "PYKOTADIRECTORY": os.path.dirname(job.data_path) if job.data_path else "",
        "PYKOTAORIGINALJOBBILLING": parse_options(job.options_text).get("job-billing", ""),
        "PYKOTAPRINTERHOSTNAME": uri_host(job.uri) or "",
    })
    env.update(job.known)
    env.update({key: step_value(key, value) for key, value in extra.items()})
    return env


def _name(command: str) -> str:
    words = command.split()
    return os.path.basename(words[0]) if words else command


def run(command: str, env: dict[str, str], timeout: float = 60.0) -> tuple[int, str]:
    """Run a command of pykota.conf: (exit status, its standard output)."""
    status, out = run_bytes(command, env, timeout)
    return status, out.decode("utf-8", "replace")


def run_bytes(command: str, env: dict[str, str], timeout: float = 60.0) -> tuple[int, bytes]:
    """run, with the standard output as it came (a banner command prints a document)."""
    script = shell.with_references(command)
    with subprocess.Popen(["/bin/sh", "-c", script], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE) as process:
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            # /bin/sh does not exec the command: killing the shell alone would leave a pknotify
            # waiting on a silent listener behind, one more with every job
            _kill_with_descendants(process.pid)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.communicate(timeout=5)
            cupsio.warning(f"command timed out after {timeout:.0f} s: {_name(command)}")
            return 1, b""
    for line in err.decode("utf-8", "replace").splitlines():
        cupsio.debug(f"[{_name(command)}] {line}")
    return process.returncode, out


def _kill_with_descendants(pid: int) -> None:
    children: dict[int, list[int]] = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            parent = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry))
    family, waiting = [], [pid]
    while waiting:
        member = waiting.pop()
        family.append(member)
        waiting += children.get(member, [])
    for member in family:
        with contextlib.suppress(ProcessLookupError):
            os.kill(member, signal.SIGKILL)


def hook(config: Config, job: JobInfo, key: str, **values: object) -> None:
    """prehook / posthook: a command run with the job's PYKOTA* variables (PyKota's)."""
    command = config.get(key, None, job.printer)
    if not command:
        return
    status, _ = run(command, job_env(job, **values))
    if status:
        cupsio.debug(f"{key} exited with {status}")
