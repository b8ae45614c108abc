"""Installing: secrets born with their final mode (`cupspykota --install`, the rigs), and
tools/install / tools/uninstall on a throwaway root."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from pykota_ldap.backend.install import install_config, write_private
from pykota_ldap.testing.ci import require_tools

ROOT = Path(__file__).resolve().parents[2]
NOBODY = 65534

# A local user's loop: open the file whenever it exists; keep the first descriptor it gets and
# read it at the end (what was written after the open is read too).
HOSTILE = """
import os, sys
path, stop = sys.argv[1], sys.argv[2]
tries = opened = 0
kept = None
while not os.path.exists(stop):
    tries += 1
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        continue
    opened += 1
    if kept is None:
        kept = fd
    else:
        os.close(fd)
secret = os.read(kept, 65536) if kept is not None else b""
print(tries, opened, b"storageadminpw" in secret)
"""


@pytest.fixture
def shared_dir():
    """A directory other users may look into, as /etc/pykota is (pytest's tmp_path is 0700)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to run a process as another user")
    folder = Path(tempfile.mkdtemp(prefix="pkinst", dir=os.environ.get("PYKOTA_TEST_TMP", "/tmp")))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _race(folder: Path, write, rounds: int) -> tuple[int, int, bool]:
    """Run `write` `rounds` times while a non-root user tries to open pykotadmin.conf."""
    target, stop = folder / "etc" / "pykotadmin.conf", folder / "stop"
    (folder / "etc").mkdir(mode=0o755)
    hostile = subprocess.Popen(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                                "/usr/bin/python3", "-c", HOSTILE, str(target), str(stop)],
                               stdout=subprocess.PIPE, text=True)
    try:
        for _ in range(rounds):
            write(folder / "etc")
            for path in (folder / "etc").iterdir():
                path.unlink()
    finally:
        stop.touch()
        out, _ = hostile.communicate(timeout=30)
    tries, opened, secret = out.split()
    return int(tries), int(opened), secret == "True"


def test_install_never_lets_another_user_open_the_admin_credentials(shared_dir):
    tries, opened, secret = _race(shared_dir, install_config, rounds=300)
    assert tries > 1000                     # the loop really ran while the files were written
    assert (opened, secret) == (0, False)


def test_the_rigs_admin_credentials_are_born_private(shared_dir):
    def write(folder):
        write_private(folder / "pykotadmin.conf", b"[global]\nstorageadminpw: secret\n")
    tries, opened, secret = _race(shared_dir, write, rounds=300)
    assert tries > 1000 and (opened, secret) == (0, False)


def test_write_private_never_follows_or_reuses_a_planted_file(shared_dir):
    planted = shared_dir / "planted"
    planted.write_text("not yours\n")
    target = shared_dir / "pykotadmin.conf"
    target.symlink_to(planted)
    assert write_private(target, b"secret\n", replace=False) is False       # exists: left alone
    assert planted.read_text() == "not yours\n"
    assert write_private(target, b"secret\n") is True                       # replaced, not followed
    assert planted.read_text() == "not yours\n" and not target.is_symlink()
    assert target.read_bytes() == b"secret\n" and target.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in shared_dir.iterdir()) == ["planted", "pykotadmin.conf"]
