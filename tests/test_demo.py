"""The README's first command shows what it says: jobs printed and refused, the mails they sent,
a quote and a refund, and pkweb answering a login; in well under a minute, nothing left running."""
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pykota_ldap.testing import nss
from pykota_ldap.testing.ci import skip_unless_ci

DEMO = Path(__file__).resolve().parents[1] / "tools" / "demo.py"


@pytest.fixture(scope="module")
def demo():
    if not nss.available():
        skip_unless_ci("the demo's cupsd needs root and mount namespaces")
    pytest.importorskip("aiosmtpd")
    started = time.monotonic()
    done = subprocess.run([sys.executable, str(DEMO)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout, time.monotonic() - started


def test_the_jobs_are_printed_and_refused_as_before(demo):
    out, _ = demo
    assert "job 4: canceled  cupspykota: job 4 of alice refused" in out
    assert "The printer printed 27 pages in 6 jobs" in out


def test_the_refusal_mails_reach_the_local_sink(demo):
    out, _ = demo
    assert re.search(r"to alice@example\.org +Your print job on lab was refused", out)
    assert re.search(r"to printdesk@example\.org +Print quota: quidam on lab: refused", out)
    assert "  To: alice@example.org\n  Subject: Your print job on lab was refused\n" in out
    assert "  | this 3-page job would bring you to 13 of your 12 pages." in out        # the mail's body


def test_the_quote_and_the_refund_show_bob_s_balance(demo):
    out, _ = demo
    assert "Cost on printer color : 0.35 (would be refused now" in out
    assert "bob's balance before the refund: 0.20" in out
    assert "bob's balance after the refund:  0.65" in out        # job 5: 4 pages at 0.10 + 0.05


def test_pkweb_answers_alice_s_login_then_stops(demo):
    out, seconds = demo
    assert "GET / answered 200" in out
    assert "  | lab +Q 10 8 12" in out                            # her quota row, as the page shows it
    assert "/admin/report (answered 200)" in out and "  | toto -Q 1.0 5 8 12" in out     # the admin's report
    port = int(re.search(r"pkweb serve --bind 127\.0\.0\.1:(\d+)", out).group(1))
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    assert seconds < 60
