"""A private cupsd for tests, benchmarks and the demo, with cupspykota installed as in production.

Own ServerRoot / RequestRoot / CacheDir / StateDir / logs under a short temporary directory, a
ServerBin of symlinks to the stock filters and a real backend/ dir (socket, ipp, lpd linked;
cupspykota written by the same code as `cupspykota --install`: root, 0700), a loopback port and
a domain socket, `SetEnv PYKOTA_HOME` in cups-files.conf (CUPS 2.4 ignores SetEnv in cupsd.conf).
Runs `cupsd -f` as our child. Two profiles:

- "debian" (the default): cupsd.conf and cups-files.conf exactly as Debian's cups-daemon ships
  them (its pristine copies in /usr/share/cups), with only the paths, the port, the Listen lines
  and the rig's knobs (log level, retry interval and limit; no DNS-SD advertising on the
  machine's network) changed. So `<Policy default>` and `<Policy authenticated>`, DefaultAuthType
  Basic, PeerCred on and SystemGroup root lpadmin are what a print server has: administration
  (lpadmin, lpinfo, cancel of others' jobs) needs root over the domain socket, where peer
  credentials make it @SYSTEM, and job owners must resolve through NSS (cupsd 2.4 dies on one
  that does not). Give it `users` (testing.nss): cupsd then runs in a private mount namespace
  where they are local users, and lp()/cancel() run as them there, over the domain socket.
- "permissive": a policy without authentication, where anyone may do anything and owners need
  not resolve: for code that has no local users to print as.
"""
from __future__ import annotations

import os
import plistlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from .nss import NssFiles, enter
from .process import Rig, stop_process
from .slapd import free_port

DEBIAN_CUPSD_CONF = Path("/usr/share/cups/cupsd.conf.default")       # = /etc/cups/cupsd.conf as installed
DEBIAN_CUPS_FILES = Path("/usr/share/cups/cups-files.conf.default")  # = /etc/cups/cups-files.conf

# cups-files.conf: where this instance keeps its files (added to Debian's, or the whole file).
PATHS = """ServerRoot {d}/etc
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
{setenv}"""

PERMISSIVE_FILES = PATHS + """User lp
Group lp
SystemGroup root lpadmin
"""

# cupsd.conf directives the rig sets whatever the profile (Listen lines are added apart).
KNOBS = """LogLevel {loglevel}
JobRetryInterval {retry_interval}
JobRetryLimit {retry_limit}
Browsing No
"""

PERMISSIVE_CUPSD = """MaxLogSize 0
BrowseLocalProtocols none
WebInterface No
DefaultAuthType None
PreserveJobHistory Yes
PreserveJobFiles No
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

_REPLACED = {"listen", "port", "loglevel", "jobretryinterval", "jobretrylimit", "browsing"}


def debian_cupsd_conf(knobs: str, listen: list[str], allow: str | None = None) -> str:
    """Debian's cupsd.conf with the rig's Listen lines and knobs instead of its own; `allow`: an
    address let in at `<Location />` (what sharing the printers with a network adds)."""
    kept, in_root = [], False
    for line in DEBIAN_CUPSD_CONF.read_text().splitlines():
        words = line.split()
        if words and not words[0].startswith("#") and words[0].lower() in _REPLACED:
            continue
        kept.append(line)
        in_root = (in_root or words == ["<Location", "/>"]) and words != ["</Location>"]
        if in_root and allow and [w.lower() for w in words] == ["order", "allow,deny"]:
            kept.append(f"  Allow from {allow}")
    return "\n".join([*(f"Listen {where}" for where in listen), knobs.rstrip("\n"), *kept]) + "\n"


def debian_cups_files(paths: str) -> str:
    """Debian's cups-files.conf (SystemGroup, PeerCred, ...) with this instance's paths."""
    ours = {line.split()[0].lower() for line in paths.splitlines() if line.strip()}
    kept = [line for line in DEBIAN_CUPS_FILES.read_text().splitlines()
            if not line.strip() or line.lstrip().startswith("#") or line.split()[0].lower() not in ours]
    return "\n".join(kept) + "\n" + paths


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
    """One private cupsd. Use as a context manager, or start() / stop().

    `host` is what `-h` and CUPS_SERVER take: the domain socket, where root is @SYSTEM by peer
    credentials. `tcp` is the loopback address and port (cupsd calls such clients "localhost",
    like those of the domain socket, but they have no peer credentials: the authenticated
    policy asks them for a password). `network_address` (debian profile): a non-loopback address
    of this machine where cupsd listens too and lets clients in, as a print server shared with
    its network does; cupsd sees clients there under that address, not as "localhost".
    """

    def __init__(self, pykota_home: str | os.PathLike | None = None, retry_interval: int = 5,
                 retry_limit: int = 5, loglevel: str = "debug", python: str | None = None,
                 profile: str = "debian", users: NssFiles | None = None, network_address: str | None = None,
                 extra_conf: str = ""):
        """extra_conf: lines added to cupsd.conf (e.g. DirtyCleanInterval 0: state on disk at once)."""
        if profile not in ("debian", "permissive"):
            raise ValueError(f"unknown cupsd profile {profile!r}")
        parent = os.environ.get("PYKOTA_TEST_TMP", "/tmp")
        self.dir = Path(tempfile.mkdtemp(prefix="pkc", dir=parent))
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        self.tcp = f"127.0.0.1:{self.port}"
        self.socket = self.dir / "run" / "cups.sock"
        self.host = str(self.socket)
        self.pykota_home = Path(pykota_home) if pykota_home else None
        self.retry_interval, self.retry_limit, self.loglevel = retry_interval, retry_limit, loglevel
        self.python = python or sys.executable
        self.profile, self.users = profile, users
        self.network_address = network_address
        self.network = f"{network_address}:{self.port}" if network_address else None
        self.extra_conf = extra_conf
        self.process: subprocess.Popen | None = None
        self.backend_dir = self.dir / "serverbin" / "backend"

    # -- lifecycle -------------------------------------------------------------------------------
    def _start(self) -> None:
        from ..backend.install import install_backend
        d = self.dir
        for sub in ("etc/ppd", "etc/ssl", "spool/tmp", "cache", "state/certs", "log", "serverbin/backend", "run",
                    "docs"):
            (d / sub).mkdir(parents=True, exist_ok=True)
        for system in Path("/usr/lib/cups").iterdir():
            if system.name != "backend":
                os.symlink(system, d / "serverbin" / system.name)
        for name in ("socket", "ipp", "lpd", "dnssd"):
            if Path(f"/usr/lib/cups/backend/{name}").exists():
                os.symlink(f"/usr/lib/cups/backend/{name}", self.backend_dir / name)
        install_backend(self.backend_dir, python=self.python, source_dir=str(source_root()))
        self._write_config()
        (d / "job-attrs.test").write_text(JOB_ATTRS_TEST)
        (d / "printer-attrs.test").write_text(PRINTER_ATTRS_TEST)
        for sub in ("serverbin", "serverbin/backend", "docs"):
            os.chmod(d / sub, 0o755)
        if self.users is not None:
            self.users.write()
        self.launch()

    def launch(self) -> None:
        """Start cupsd on this rig's configuration and spool (again, after kill(): as systemd
        restarts a crashed one); with the rig's users, in a fresh namespace that shows them."""
        d = self.dir
        argv = ["cupsd", "-f", "-c", str(d / "etc/cupsd.conf"), "-s", str(d / "etc/cups-files.conf")]
        if self.users is not None:
            argv = self.users.wrap(argv)
        log = open(d / "log" / "cupsd.out", "ab")
        self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self._wait_ready()

    def kill(self) -> None:
        """cupsd dies at once, as in a crash: the backends it runs live on, orphaned."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def mount_tmpfs(self, path: Path, size: str) -> Path:
        """A small tmpfs at `path` where cupsd and its backends see it (inside their namespace: one
        made outside later would not show there); returns the path through which this process
        reaches it (/proc/<cupsd>/root/...)."""
        argv = ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)]
        if self.users is None:
            subprocess.run(argv, check=True)
            return Path(path)
        assert self.process is not None
        subprocess.run(enter(self.process.pid, argv), check=True)
        return Path(f"/proc/{self.process.pid}/root{Path(path).resolve()}")

    def unmount(self, path: Path) -> None:
        argv = ["umount", "-l", str(path)]
        if self.users is not None and self.process is not None:
            argv = enter(self.process.pid, argv)
        subprocess.run(argv, check=False)

    def _write_config(self) -> None:
        d = self.dir
        setenv = f"SetEnv PYKOTA_HOME {self.pykota_home}\n" if self.pykota_home else ""
        paths = PATHS.format(d=d, setenv=setenv)
        knobs = KNOBS.format(loglevel=self.loglevel, retry_interval=self.retry_interval,
                             retry_limit=self.retry_limit)
        listen = [self.tcp, str(self.socket), *([self.network] if self.network else [])]
        if self.profile == "debian":
            files, conf = debian_cups_files(paths), debian_cupsd_conf(knobs, listen, self.network_address)
        else:
            files = PERMISSIVE_FILES.format(d=d, setenv=setenv)
            conf = "".join(f"Listen {where}\n" for where in listen) + knobs + PERMISSIVE_CUPSD
        (d / "etc" / "cups-files.conf").write_text(files)
        (d / "etc" / "cupsd.conf").write_text(conf + self.extra_conf)

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

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

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

    def as_user(self, argv: list[str], user: str | None) -> list[str]:
        """argv run as the local user `user` inside cupsd's namespace, where the rig's users resolve
        (as root when user is None or "root")."""
        if self.users is None:
            return argv
        assert self.process is not None
        local = None if user in (None, "root") else self.users.user(user)
        return enter(self.process.pid, argv, local)

    def user_env(self, server: str | None = None) -> dict[str, str]:
        """A user's minimal environment, pointed at this cupsd (its domain socket by default)."""
        return {"PATH": "/usr/bin:/bin", "CUPS_SERVER": server or self.host, "LC_ALL": "C", "HOME": "/nonexistent"}

    def submit(self, queue: str, path: str | os.PathLike, user: str = "alice", title: str | None = None,
               copies: int = 1, options: dict | None = None, claim: str | None = None,
               server: str | None = None) -> subprocess.CompletedProcess:
        """`lp` as a user would run it: with the rig's users, as local user `user` (who must be able
        to read `path`: see document_dir); without them, as root with `-U user`. `claim` adds
        `-U claim` (the requesting-user-name a client may pretend); `server`: where lp connects
        (`tcp`, `network`; the domain socket by default)."""
        args = ["lp", "-d", queue, "-n", str(copies)]
        said = claim if claim is not None else (None if self.users else user)
        if said is not None:
            args += ["-U", said]
        if title:
            args += ["-t", title]
        for key, value in (options or {}).items():
            args += ["-o", f"{key}={value}"]
        return subprocess.run(self.as_user([*args, "--", str(path)], user), capture_output=True, text=True,
                              env=self.user_env(server), stdin=subprocess.DEVNULL,
                              start_new_session=True)       # no terminal: a password prompt fails at once

    def lp(self, queue: str, path: str | os.PathLike, user: str = "alice", title: str | None = None,
           copies: int = 1, options: dict | None = None, claim: str | None = None,
           server: str | None = None) -> int:
        """submit(), and the job id CUPS gave."""
        done = self.submit(queue, path, user, title, copies, options, claim, server)
        if done.returncode != 0 or "request id is " not in done.stdout:
            raise RuntimeError(f"lp as {user} failed ({done.returncode}): {done.stderr.strip()}")
        # "request id is q-12 (1 file(s))"
        return int(done.stdout.split("request id is ", 1)[1].split()[0].rsplit("-", 1)[1])

    def cancel(self, job_id: int, user: str | None = None) -> subprocess.CompletedProcess:
        """`cancel` as the local user `user` (a job's owner cancels it), or as root."""
        done = subprocess.run(self.as_user(["cancel", str(job_id)], user), capture_output=True, text=True,
                              env=self.user_env(), stdin=subprocess.DEVNULL, start_new_session=True)
        if done.returncode != 0:
            raise RuntimeError(f"cancel {job_id} as {user or 'root'} failed: {done.stderr.strip()}")
        return done

    @property
    def document_dir(self) -> Path:
        """A directory every local user can read (documents that users print go there)."""
        return self.dir / "docs"

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

    def printer_uri(self, queue: str) -> str:
        """The queue's URI over the domain socket (CUPS takes a %-encoded socket path as host)."""
        return f"ipp://{urllib.parse.quote(self.host, safe='')}/printers/{queue}"

    def job(self, queue: str, job_id: int) -> JobState:
        attrs = self._ipptool(self.printer_uri(queue), "job-attrs.test", jobid=job_id)
        state = attrs.get("job-state")
        reasons = attrs.get("job-state-reasons") or []
        return JobState(id=job_id, state=STATES.get(state, str(state)) if isinstance(state, int) else str(state),
                        reasons=reasons if isinstance(reasons, list) else [reasons],
                        message=attrs.get("job-printer-state-message") or "",
                        impressions=attrs.get("job-impressions-completed"))

    def printer(self, queue: str) -> dict:
        return self._ipptool(self.printer_uri(queue), "printer-attrs.test")

    def wait_job(self, queue: str, job_id: int, timeout: float = 30.0, states=TERMINAL) -> JobState:
        deadline = time.monotonic() + timeout
        while True:
            job = self.job(queue, job_id)
            if job.state in states or time.monotonic() > deadline:
                return job
            time.sleep(0.05)

    def lpstat(self, *args: str) -> str:
        return self.run("lpstat", "-h", self.host, *args, check=False).stdout
