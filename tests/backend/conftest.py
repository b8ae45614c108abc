"""The CUPS rig for backend tests: one private cupsd and one simulated network printer per
module, a fresh slapd per test (tests/conftest.py's `slapd`), and a fresh queue per test so that
state messages of one test never leak into the next.

The cupsd is a stock Debian one (pykota_ldap.testing.cups, profile "debian": Debian's own
cupsd.conf and cups-files.conf, default policy, peer credentials), whose users are the sample
organisation's, resolved through NSS in a private mount namespace (pykota_ldap.testing.nss): jobs
come from real local users who are not root, with `lp` and `cancel` run as them; administration
is root's, over the domain socket."""
from __future__ import annotations

import itertools
import subprocess
from pathlib import Path

import pytest

from pykota_ldap.config import Config
from pykota_ldap.directory import Directory
from pykota_ldap.testing import nss
from pykota_ldap.testing.ci import skip_unless_ci
from pykota_ldap.testing.cups import Cupsd
from pykota_ldap.testing.printer import NetworkPrinter, postscript

_queues = itertools.count(1)


@pytest.fixture(scope="module")
def cups_home(tmp_path_factory):
    return tmp_path_factory.mktemp("pkhome")


@pytest.fixture(scope="module")
def local_users(tmp_path_factory):
    if not nss.available():
        skip_unless_ci("the stock Debian cupsd rig needs root and mount namespaces (util-linux)")
    return nss.sample_users(tmp_path_factory.mktemp("nss"))


@pytest.fixture(scope="module")
def cups(cups_home, local_users):
    with Cupsd(cups_home, retry_interval=1, retry_limit=2, users=local_users) as server:
        yield server


@pytest.fixture(scope="module")
def network_printer():
    with NetworkPrinter() as printer:
        yield printer


class Rig:
    """What a test needs: the directory, cupsd, the printer, and helpers to print."""

    def __init__(self, slapd, cups, printer, home: Path, tmp: Path):
        self.slapd, self.cups, self.printer, self.home, self.tmp = slapd, cups, printer, home, tmp
        self.configure()
        self.d = Directory(Config(home).ldap(admin=True)).connect()

    def configure(self, extra: str = "", **printer_sections: str) -> None:
        text = "directorywait: 2\nenforcement: laxist\n" + extra
        sections = "".join(f"\n[{name}]\n{body}\n" for name, body in printer_sections.items())
        self.slapd.write_config(self.home, extra_global=text, extra=sections)
        (self.home / "journal").mkdir(exist_ok=True)

    def queue(self, uri: str | None = None, error_policy: str = "abort-job", prefix: str = "q",
              options: dict | None = None) -> str:
        name = f"{prefix}{next(_queues)}"
        self.cups.add_queue(name, "cupspykota:" + (uri or self.printer.uri), error_policy=error_policy,
                            options=options)
        return name

    def document(self, pages: int) -> Path:
        """A PostScript document of `pages` pages that every local user may print."""
        path = self.cups.document_dir / f"doc-{pages}.ps"
        if not path.exists():
            path.write_bytes(postscript(pages))
            path.chmod(0o644)
        return path

    def print(self, queue: str, pages: int, user: str = "alice", wait: bool = True, **kwargs):
        """`lp` run by the local user `user` (kwargs: title, copies, options, claim for `-U`)."""
        job = self.cups.lp(queue, self.document(pages), user=user, **kwargs)
        return self.cups.wait_job(queue, job) if wait else job

    def cancel(self, job_id: int, user: str = "alice") -> None:
        """`cancel` run by the local user `user` (the job's owner, as users cancel their jobs)."""
        self.cups.cancel(job_id, user=user)

    def counter(self, user: str, printer: str) -> int | None:
        out = self.slapd.ldapsearch(f"cn={user}@{printer},ou=UserQuotas,ou=PyKota,dc=example,dc=org",
                                    "(objectClass=*)", "pkPageCounter", scope="base")
        for line in out.splitlines():
            if line.startswith("pkPageCounter:"):
                return int(line.split(":")[1])
        return None

    def balance(self, user: str) -> int:
        out = self.slapd.ldapsearch(f"uid={user},ou=People,dc=example,dc=org", "(objectClass=*)", "pkBalance",
                                    scope="base")
        return int(next(line for line in out.splitlines() if line.startswith("pkBalance:")).split(":")[1])

    def jobs(self, printer: str | None = None) -> list[dict]:
        flt = f"(&(objectClass=pkJob)(pkPrinterName={printer}))" if printer else "(objectClass=pkJob)"
        out = self.slapd.ldapsearch("ou=Jobs,ou=PyKota,dc=example,dc=org", flt, "pkAction", "pkJobSize",
                                    "pkJobPrice", "pkUserName", "pkJobId", "pkCopies", "pkMD5Sum", "pkHostName",
                                    "pkOptions")
        entries, current = [], None
        for line in out.splitlines():
            if line.startswith("dn: cn="):
                current = {}
                entries.append(current)
            elif current is not None and ": " in line:
                key, value = line.split(": ", 1)
                current[key] = value
        return entries

    def log(self, job_id: int) -> str:
        """What cupsd logged for a job (our INFO lines included)."""
        return "\n".join(line for line in self.cups.error_log().splitlines() if f"[Job {job_id}]" in line)

    def received(self) -> int:
        return len(self.printer.jobs)

    def close(self):
        self.d.close()


@pytest.fixture
def rig(slapd, cups, cups_home, network_printer, tmp_path):
    r = Rig(slapd, cups, network_printer, cups_home, tmp_path)
    yield r
    r.close()


def run_backend(cups: Cupsd, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """The installed backend run by hand (as an admin or CUPS would)."""
    return subprocess.run([str(cups.backend_dir / "cupspykota"), *args], capture_output=True, text=True,
                          env=env, timeout=60)
