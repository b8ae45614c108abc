"""A private cupsd for tests, benchmarks and the demo, with cupspykota installed as in production.

Own ServerRoot / RequestRoot / CacheDir / StateDir / logs under a short temporary directory, a
ServerBin of symlinks to the stock filters and a real backend/ dir (socket, ipp, lpd linked;
cupspykota written by the same code as `cupspykota --install`: root, 0700), a loopback port,
`SetEnv PYKOTA_HOME` in cups-files.conf (CUPS 2.4 ignores SetEnv in cupsd.conf), and a policy
without authentication so lpadmin / lp / cancel work as anyone. Runs `cupsd -f` as our child.
"""
from __future__ import annotations

import os
import plistlib
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .process import Rig, stop_process
from .slapd import free_port

CUPS_FILES = """ServerRoot {d}/etc
ServerBin {d}/serverbin
DataDir /usr/share/cups
DocumentRoot /usr/share/cups/doc-root
RequestRoot {d}/spool
TempDir {d}/spool/tmp
CacheDir {d}/cache
StateDir {d}/state
AccessLog {d}/log/access_log
ErrorLog {d}/log/error_log
PageLog {d}/log/page_log
User lp
Group lp
SystemGroup root lpadmin
FileDevice Yes
{setenv}"""

CUPSD_CONF = """LogLevel {loglevel}
MaxLogSize 0
Listen 127.0.0.1:{port}
Listen {d}/run/cups.sock
Browsing No
BrowseLocalProtocols none
WebInterface No
DefaultAuthType None
PreserveJobHistory Yes
PreserveJobFiles No
JobRetryInterval {retry_interval}
JobRetryLimit {retry_limit}
MaxJobs 0
<Location />
  Order allow,deny
  Allow from all
</Location>
<Policy default>
  JobPrivateAccess all
  JobPrivateValues none
  SubscriptionPrivateAccess all
  SubscriptionPrivateValues none
  <Limit All>
    Order deny,allow
    Allow from all
  </Limit>
</Policy>
"""

JOB_ATTRIBUTES = ("job-id,job-state,job-state-reasons,job-printer-state-message,job-impressions-completed,"
                  "job-originating-user-name")
JOB_ATTRS_TEST = """{{
  NAME "job attributes"
  OPERATION Get-Job-Attributes
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR naturalLanguage attributes-natural-language en
  ATTR uri printer-uri $uri
  ATTR integer job-id $jobid
  ATTR name requesting-user-name root
  ATTR keyword requested-attributes {attributes}
  STATUS successful-ok
}}
""".format(attributes=JOB_ATTRIBUTES)

PRINTER_ATTRS_TEST = """{
  NAME "printer attributes"
  OPERATION Get-Printer-Attributes
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR naturalLanguage attributes-natural-language en
  ATTR uri printer-uri $uri
  ATTR keyword requested-attributes printer-state,printer-state-reasons,printer-state-message,printer-is-accepting-jobs
  STATUS successful-ok
}
"""

TERMINAL = {"completed", "canceled", "aborted"}
STATES = {3: "pending", 4: "held", 5: "processing", 6: "stopped", 7: "canceled", 8: "aborted", 9: "completed"}


@dataclass
class JobState:
    id: int
    state: str
    reasons: list[str]
    message: str
    impressions: int | None

    @property
    def done(self) -> bool:
        return self.state in TERMINAL


def source_root() -> Path:
    return Path(__file__).resolve().parent.parent.parent


class Cupsd(Rig):
    """One private cupsd. Use as a context manager, or start() / stop()."""

    def __init__(self, pykota_home: str | os.PathLike | None = None, retry_interval: int = 5,
                 retry_limit: int = 5, loglevel: str = "debug", python: str | None = None, extra_conf: str = ""):
        """extra_conf: lines added to cupsd.conf (e.g. DirtyCleanInterval 0: state on disk at once)."""
        parent = os.environ.get("PYKOTA_TEST_TMP", "/tmp")
        self.dir = Path(tempfile.mkdtemp(prefix="pkc", dir=parent))
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.pykota_home = Path(pykota_home) if pykota_home else None
        self.retry_interval, self.retry_limit, self.loglevel = retry_interval, retry_limit, loglevel
        self.python = python or sys.executable
        self.extra_conf = extra_conf
        self.process: subprocess.Popen | None = None
        self.backend_dir = self.dir / "serverbin" / "backend"

    # -- lifecycle -------------------------------------------------------------------------------
    def _start(self) -> None:
        from ..backend.install import install_backend
        d = self.dir
        for sub in ("etc/ppd", "etc/ssl", "spool/tmp", "cache", "state/certs", "log", "serverbin/backend", "run",
                    "out"):
            (d / sub).mkdir(parents=True, exist_ok=True)
        for system in Path("/usr/lib/cups").iterdir():
            if system.name != "backend":
                os.symlink(system, d / "serverbin" / system.name)
        for name in ("socket", "ipp", "lpd", "dnssd"):
            if Path(f"/usr/lib/cups/backend/{name}").exists():
                os.symlink(f"/usr/lib/cups/backend/{name}", self.backend_dir / name)
        install_backend(self.backend_dir, python=self.python, source_dir=str(source_root()))
        setenv = f"SetEnv PYKOTA_HOME {self.pykota_home}\n" if self.pykota_home else ""
        (d / "etc" / "cups-files.conf").write_text(CUPS_FILES.format(d=d, setenv=setenv))
        (d / "etc" / "cupsd.conf").write_text(CUPSD_CONF.format(d=d, port=self.port, loglevel=self.loglevel,
                                                              retry_interval=self.retry_interval,
                                                              retry_limit=self.retry_limit) + self.extra_conf)
        (d / "job-attrs.test").write_text(JOB_ATTRS_TEST)
        (d / "printer-attrs.test").write_text(PRINTER_ATTRS_TEST)
        for sub in ("serverbin", "serverbin/backend"):
            os.chmod(d / sub, 0o755)
        os.chmod(d / "out", 0o1777)
        log = open(d / "log" / "cupsd.out", "ab")
        self.process = subprocess.Popen(["cupsd", "-f", "-c", str(d / "etc/cupsd.conf"), "-s",
                                         str(d / "etc/cups-files.conf")], stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self._wait_ready()

    def _wait_ready(self, timeout: float = 15.0) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"cupsd exited with {self.process.returncode}: {self.log_tail()}")
            done = subprocess.run(["lpstat", "-h", self.host, "-r"], capture_output=True, text=True)
            if "is running" in done.stdout:
                return
            time.sleep(0.02)
        raise RuntimeError(f"cupsd did not start in time: {self.log_tail()}")

    def _stop(self) -> None:
        stop_process(self.process)
        shutil.rmtree(self.dir, ignore_errors=True)

    def log_tail(self, chars: int = 3000) -> str:
        text = ""
        for name in ("cupsd.out", "error_log"):
            path = self.dir / "log" / name
            if path.exists():
                text += path.read_text(errors="replace")[-chars:]
        return text

    def error_log(self) -> str:
        path = self.dir / "log" / "error_log"
        return path.read_text(errors="replace") if path.exists() else ""

    # -- commands --------------------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        return {**os.environ, "CUPS_SERVER": self.host}

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(list(args), capture_output=True, text=True, env=self.env())
        if check and done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
        return done

    def add_queue(self, name: str, device_uri: str, ppd: str | None = None, options: dict | None = None,
                  error_policy: str | None = None) -> None:
        args = ["lpadmin", "-h", self.host, "-p", name, "-E", "-v", device_uri, "-m", ppd or "raw"]
        for key, value in (options or {}).items():
            args += ["-o", f"{key}={value}"]
        if error_policy:
            args += ["-o", f"printer-error-policy={error_policy}"]
        self.run(*args)

    def lp(self, queue: str, path: str | os.PathLike, user: str = "alice", title: str | None = None,
           copies: int = 1, options: dict | None = None) -> int:
        args = ["lp", "-h", self.host, "-d", queue, "-U", user, "-n", str(copies)]
        if title:
            args += ["-t", title]
        for key, value in (options or {}).items():
            args += ["-o", f"{key}={value}"]
        done = self.run(*args, str(path))
        # "request id is q-12 (1 file(s))"
        return int(done.stdout.split("request id is ", 1)[1].split()[0].rsplit("-", 1)[1])

    def _ipptool(self, uri: str, test: str, **variables) -> dict:
        args = ["ipptool", "-X", "-T", "10"]
        for key, value in variables.items():
            args += ["-d", f"{key}={value}"]
        for attempt in range(3):            # a busy cupsd may drop one request: ask again
            done = subprocess.run(args + [uri, str(self.dir / test)], capture_output=True)
            try:
                data = plistlib.loads(done.stdout)
                tests = data.get("Tests") or [{}]
                groups = tests[0].get("ResponseAttributes")
                if groups is None and attempt < 2:
                    raise ValueError("no response attributes")
                break
            except Exception as exc:
                if attempt == 2:
                    raise RuntimeError(f"ipptool: {done.stderr.decode(errors='replace')[-500:]} "
                                       f"{done.stdout[-500:]!r}") from exc
                time.sleep(0.2)
        merged = {}
        for group in groups or []:
            merged.update(group)
        return merged

    def job(self, queue: str, job_id: int) -> JobState:
        attrs = self._ipptool(f"ipp://{self.host}/printers/{queue}", "job-attrs.test", jobid=job_id)
        state = attrs.get("job-state")
        reasons = attrs.get("job-state-reasons") or []
        return JobState(id=job_id, state=STATES.get(state, str(state)) if isinstance(state, int) else str(state),
                        reasons=reasons if isinstance(reasons, list) else [reasons],
                        message=attrs.get("job-printer-state-message") or "",
                        impressions=attrs.get("job-impressions-completed"))

    def printer(self, queue: str) -> dict:
        return self._ipptool(f"ipp://{self.host}/printers/{queue}", "printer-attrs.test")

    def wait_job(self, queue: str, job_id: int, timeout: float = 30.0, states=TERMINAL) -> JobState:
        deadline = time.monotonic() + timeout
        while True:
            job = self.job(queue, job_id)
            if job.state in states or time.monotonic() > deadline:
                return job
            time.sleep(0.05)

    def lpstat(self, *args: str) -> str:
        return self.run("lpstat", "-h", self.host, *args, check=False).stdout
