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


def _tree(root: Path) -> dict[str, str]:
    """Every path under root, with what it is (a directory, or a file's mode)."""
    return {str(p.relative_to(root)): "dir" if p.is_dir() and not p.is_symlink() else oct(p.lstat().st_mode)
            for p in root.rglob("*")}


def _as_nobody(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *argv],
                          capture_output=True, text=True, cwd="/",
                          env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"})


def test_tools_install_then_uninstall_on_a_throwaway_root(shared_dir, cups):
    """tools/install as on a stock Debian 12 (/usr/bin/python3, no pip outside the venv), into a
    throwaway root; tools/uninstall refuses while a queue prints through cupspykota, then leaves
    only /etc/pykota and the journal, and --purge nothing at all."""
    import tomllib
    root = shared_dir / "root"
    for folder in ("opt", "usr/local/bin", "usr/lib/cups/backend", "etc/systemd/system", "var/lib"):
        (root / folder).mkdir(parents=True)
    before, checkout = _tree(root), sorted(p.name for p in ROOT.iterdir())
    prefix, bindir = root / "opt/pykota-ldap", root / "usr/local/bin"
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CUPS_SERVER": cups.host}
    done = subprocess.run([str(ROOT / "tools/install"), f"--prefix={prefix}", f"--bindir={bindir}",
                           f"--unitdir={root}/etc/systemd/system", f"--backend-dir={root}/usr/lib/cups/backend",
                           f"--config-dir={root}/etc/pykota"], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr

    commands = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"])
    assert {p.name for p in bindir.iterdir()} == commands
    assert all(os.readlink(bindir / name) == str(prefix / "bin" / name) for name in commands)
    for name in ("repykota", "pkusers", "pkpgcounter"):             # users run the commands too
        assert _as_nobody(str(bindir / name), "--help").returncode == 0, name
    where = _as_nobody(str(prefix / "bin/python"), "-c", "import pykota_ldap; print(pykota_ldap.__file__)")
    assert where.stdout.startswith(str(prefix) + "/")                  # a copy, not the checkout
    assert sorted(p.name for p in ROOT.iterdir()) == checkout          # which pip left as it was

    backend = root / "usr/lib/cups/backend/cupspykota"
    assert backend.stat().st_mode & 0o777 == 0o700 and backend.stat().st_uid == 0
    assert backend.read_text().startswith(f"#!{prefix}/bin/python")
    assert subprocess.run([str(backend), "--help"], capture_output=True, env=env).returncode == 0
    admin = root / "etc/pykota/pykotadmin.conf"
    assert admin.stat().st_mode & 0o777 == 0o600 and (root / "etc/pykota/pykota.conf").stat().st_mode & 0o777 == 0o644
    units = root / "etc/systemd/system"
    assert f"ExecStart={prefix}/bin/cupspykota --serve\n" in (units / "cupspykota.service").read_text()
    assert f"ExecStart={prefix}/bin/pksync --allocate\n" in (units / "pksync.service").read_text()
    if shutil.which("systemd-analyze"):                                # the executables they name exist
        verify = subprocess.run(["systemd-analyze", "verify", *map(str, sorted(units.iterdir()))],
                                capture_output=True, text=True)
        assert verify.returncode == 0, verify.stderr

    journal = root / "var/lib/pykota/journal"
    journal.mkdir(parents=True)
    (journal / "pending.json").write_text("{}\n")
    uninstall = [str(ROOT / "tools/uninstall"), f"--prefix={prefix}", f"--config-dir={root}/etc/pykota",
                 f"--state-dir={root}/var/lib/pykota"]
    cups.add_queue("routed", "cupspykota:socket://127.0.0.1:9")
    refused = subprocess.run(uninstall, capture_output=True, text=True, env=env)
    assert refused.returncode == 1 and "still printing through cupspykota: routed" in refused.stderr
    assert backend.exists() and prefix.exists()
    cups.run("lpadmin", "-h", cups.host, "-x", "routed")

    done = subprocess.run(uninstall, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    kept = {"etc/pykota", "etc/pykota/pykota.conf", "etc/pykota/pykotadmin.conf", "var/lib/pykota",
            "var/lib/pykota/journal", "var/lib/pykota/journal/pending.json"}
    assert set(_tree(root)) - set(before) == kept and set(before) <= set(_tree(root))
    done = subprocess.run([*uninstall, "--purge"], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert _tree(root) == before


def test_the_subtree_ldif_is_all_the_commands_need(tmp_path):
    """The quick start's ou=PyKota LDIF: loaded on a directory that has only its base, the service
    account it creates binds, and printers, quotas and charges land in its subtree."""
    from pykota_ldap.schema_files import schema_path
    from pykota_ldap.testing.slapd import SERVICE_PW, SUFFIX, Slapd
    with Slapd(sample_data=False) as slapd:
        slapd.ldapadd(f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n\n"
                      f"dn: ou=People,{SUFFIX}\nobjectClass: organizationalUnit\nou: People\n\n"
                      f"dn: uid=alice,ou=People,{SUFFIX}\nobjectClass: inetOrgPerson\nuid: alice\ncn: Alice\n"
                      "sn: A\n")
        slapd.ldapadd(schema_path("pykota-ldap-subtree.ldif").read_text().replace("CHANGE-ME", SERVICE_PW))
        home = slapd.write_config(tmp_path / "etc")
        env = {"PATH": f"{ROOT / '.venv/bin'}:/usr/bin:/bin", "PYKOTA_HOME": str(home)}
        for command in (["pkprinters", "-a", "lab"], ["pkusers", "-a", "alice"], ["edpykota", "-a", "-H", "10",
                                                                                  "alice"]):
            done = subprocess.run(command, capture_output=True, text=True, env=env)
            assert done.returncode == 0, f"{command}: {done.stderr}"
        assert "cn=alice@lab,ou=UserQuotas,ou=PyKota" in slapd.ldapsearch(f"ou=PyKota,{SUFFIX}", "(pkHardLimit=10)",
                                                                           "dn")
