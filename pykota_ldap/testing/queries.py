"""The resident helper with its users' query service, and local users who ask it, for tests.

On a print server the helper runs as root and the directory's users are local users (NSS). Here
the helper (`cupspykota --serve`) runs in a private mount namespace where they are
(testing.nss), with a config home any user can reach (pykota.conf readable by everyone, without
a password; pykotadmin.conf 0600), and a user's command runs in that namespace under the user's
uid and gid (setpriv), as a local user would type it.

Needs root (mount namespaces, setpriv); callers skip (or fail under CI) without it.
"""
from __future__ import annotations

import os
import shutil
import site
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..schema_files import schema_path
from . import nss
from .process import Rig, stop_process
from .slapd import SERVICE_DN

ROOT = Path(__file__).resolve().parents[2]


def _everyone_may_run(path: Path) -> bool:
    """The file and every directory above it are open to others (o+x)."""
    return all(os.stat(p).st_mode & stat.S_IXOTH for p in [path, *path.parents])


def user_python() -> tuple[list[str], dict[str, str]]:
    """An interpreter every local user can run, with this project importable: this one, or when
    it lives where users cannot go (a pyenv under /root), the system's of the same version with
    the project and its dependencies on PYTHONPATH."""
    if _everyone_may_run(Path(os.path.realpath(sys.executable))):
        return [sys.executable], {}
    system = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")
    if not system.exists():
        raise RuntimeError(f"no Python {sys.version_info.major}.{sys.version_info.minor} that local users can run")
    return [str(system)], {"PYTHONPATH": os.pathsep.join([str(ROOT), *site.getsitepackages()])}


class QueryService(Rig):
    """`cupspykota --serve` for the slapd given, in a namespace where its sample users are local."""

    def __init__(self, slapd, service_password: str | None = None):
        self.slapd, self.service_password = slapd, service_password
        parent = os.environ.get("PYKOTA_TEST_TMP", "/tmp")
        self.home = Path(tempfile.mkdtemp(prefix="pkq", dir=parent))
        self.socket = self.home / "query.sock"
        self.process: subprocess.Popen | None = None
        self.users = nss.NssFiles.from_ldif(self.home / "nss", schema_path("sample-organisation.ldif").read_text())

    def _start(self) -> None:
        os.chmod(self.home, 0o755)
        self.slapd.write_config(self.home)
        if self.service_password:
            (self.home / "pykotadmin.conf").write_text(
                f"[global]\nstorageadmin: {SERVICE_DN}\nstorageadminpw: {self.service_password}\n")
        (self.home / "journal").mkdir(mode=0o700)
        self.users.write()
        # The interpreter users can run: a query's child imports what it lacks after it became the caller.
        python, python_env = user_python()
        helper = [*python, "-c", "from pykota_ldap.backend.main import entry; entry()", "--serve"]
        with open(self.home / "helper.log", "wb") as log:
            self.process = subprocess.Popen(self.users.wrap(helper), stdout=log, stderr=log,
                                            env={"PATH": "/usr/bin:/bin", "PYKOTA_HOME": str(self.home), **python_env})
        deadline = time.monotonic() + 20
        while not self.socket.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the resident helper did not start: {self.log()[-500:]}")
            time.sleep(0.05)

    def log(self) -> str:
        return (self.home / "helper.log").read_text(errors="replace")

    def _stop(self) -> None:
        stop_process(self.process)
        deadline = time.monotonic() + 5
        while self.socket.exists() and time.monotonic() < deadline:     # the listener goes with the helper
            time.sleep(0.05)
        shutil.rmtree(self.home, ignore_errors=True)

    def as_user(self, name: str, argv: list[str], env: dict[str, str] | None = None, cwd: str = "/",
                timeout: float = 60, input: str | None = None) -> subprocess.CompletedProcess:
        """argv run as local user `name`, in the helper's namespace, with PYKOTA_HOME set."""
        assert self.process is not None
        base = {"PATH": "/usr/bin:/bin", "PYKOTA_HOME": str(self.home), "LC_ALL": "C.UTF-8",
                "PYKOTA_NO_PROGRESS": "1"}
        return subprocess.run(nss.enter(self.process.pid, argv, self.users.user(name)), capture_output=True,
                              text=True, env={**base, **(env or {})}, cwd=cwd, timeout=timeout, input=input)

    def command(self, name: str, line: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """A pykota command (`["repykota", "-P", "hp4"]`) typed by local user `name`."""
        python, python_env = user_python()
        return self.as_user(name, [*python, "-m", f"pykota_ldap.cli.{line[0]}", *line[1:]],
                            env={**python_env, **(env or {})})
