"""The web rig, once per module: a stock slapd with the sample organisation, users and jobs
written by the real backend (a private cupsd, a simulated network printer, `lp` run by the local
users), `pkweb serve` started as an admin would start it, and one headless Chromium driven by
selenium for the whole module."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from pykota_ldap.config import Config
from pykota_ldap.directory import Directory, accounts, changes, printers, quotas
from pykota_ldap.testing import nss
from pykota_ldap.testing.ci import require_tools, skip_unless_ci
from pykota_ldap.testing.cups import Cupsd
from pykota_ldap.testing.printer import NetworkPrinter, postscript
from pykota_ldap.testing.slapd import Slapd

# Screenshots go to $PYKOTA_SCREENSHOTS (docs/images holds the ones of a run with it set there).
SCREENSHOTS = Path(os.environ.get("PYKOTA_SCREENSHOTS") or Path(tempfile.gettempdir()) / "pkweb-screenshots")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1280,1000")
WEB_CONFIG = "webadmins: admins\nwebmaxupload: 1\ndirectorywait: 2\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebRig:
    """The servers, what the backend wrote, and the address of pkweb."""

    def __init__(self, slapd: Slapd, cups: Cupsd, home: Path, url: str):
        self.slapd, self.cups, self.home, self.url = slapd, cups, home, url
        self.job_ids: dict[str, list[int]] = {}

    def print(self, queue: str, pages: int, user: str) -> int:
        path = self.cups.document_dir / f"web-{pages}.ps"
        if not path.exists():
            path.write_bytes(postscript(pages))
            path.chmod(0o644)
        job = self.cups.lp(queue, path, user=user, title=f"{user}-{pages}p")
        self.cups.wait_job(queue, job)
        self.job_ids.setdefault(user, []).append(job)
        return job


def _populate(d: Directory) -> None:
    printers.add_printer(d, "hp4", description="salle 1", price_per_page=100, price_per_job=50)
    printers.add_printer(d, "color", price_per_page=500)
    accounts.attach_user(d, "alice", limit_by="balance")
    changes.pay(d, accounts.get_user(d, "alice"), 20_000, relative=True, comment="rentrée")
    accounts.attach_user(d, "bob")
    accounts.attach_user(d, "jerome", limit_by="noquota")
    for user in ("alice", "bob", "jerome"):
        for printer in ("hp4", "color"):
            quotas.add_user_quota(d, user, printer, soft=None if user != "bob" else 4,
                                  hard=None if user != "bob" else 5)


def _wait_port(port: int, process: subprocess.Popen, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"pkweb serve exited: {process.stderr.read() if process.stderr else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("pkweb serve did not listen")


@pytest.fixture(scope="module")
def web_rig(tmp_path_factory):
    if not nss.available():
        skip_unless_ci("the web rig's jobs need the stock cupsd rig (root, mount namespaces)")
    home = tmp_path_factory.mktemp("pkweb")
    users = nss.sample_users(tmp_path_factory.mktemp("nss"))
    with Slapd() as slapd, NetworkPrinter() as printer, \
            Cupsd(home, retry_interval=1, retry_limit=2, users=users) as cups:
        slapd.write_config(home, extra_global=WEB_CONFIG)
        (home / "journal").mkdir(exist_ok=True)
        d = Directory(Config(home).ldap(admin=True)).connect()
        _populate(d)
        d.close()
        for queue in ("hp4", "color"):
            cups.add_queue(queue, "cupspykota:" + printer.uri, error_policy="abort-job")
        port = free_port()
        env = {**os.environ, "PYKOTA_HOME": str(home), "CUPS_SERVER": str(cups.socket)}
        server = subprocess.Popen([str(Path(sys.executable).parent / "pkweb"), "serve", "--bind",
                                   f"127.0.0.1:{port}"], env=env, stderr=subprocess.PIPE, text=True)
        try:
            _wait_port(port, server)
            rig = WebRig(slapd, cups, home, f"http://localhost:{port}")
            rig.print("hp4", 3, "alice")
            rig.print("color", 2, "alice")
            rig.print("hp4", 3, "bob")
            rig.print("hp4", 2, "bob")
            rig.print("hp4", 1, "bob")           # 5 used of a hard limit of 5: refused
            yield rig
        finally:
            server.terminate()
            server.wait(timeout=10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    require_tools("chromium", "chromedriver")
    try:
        from selenium import webdriver
    except ImportError:
        skip_unless_ci("selenium is not installed (pip install -e '.[test]')")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium')}")
    options.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path="/usr/bin/chromedriver"))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
