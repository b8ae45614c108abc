"""pkweb.service's hardening, as systemd scores it: the web application faces the network, so
its unit takes away what a Python web server under a dynamic user never needs."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from pykota_ldap.testing.ci import skip_unless_ci

UNIT = Path(__file__).resolve().parents[2] / "conf/systemd/pkweb.service"
EXPOSURE = 3.0              # systemd's scale of 0 to 10: below 4 "OK", above 6 "MEDIUM" or worse


def test_the_units_exposure_is_low():
    if not shutil.which("systemd-analyze"):
        skip_unless_ci("systemd-analyze is missing")
    done = subprocess.run(["systemd-analyze", "security", "--offline=yes", f"--threshold={EXPOSURE * 10:g}",
                           "--no-pager", str(UNIT)], capture_output=True, text=True)
    score = done.stdout.strip().splitlines()[-1]
    assert done.returncode == 0, score
