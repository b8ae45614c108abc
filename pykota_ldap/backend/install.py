"""`cupspykota --install`: put the backend where CUPS looks for it, and the config skeleton.

- <backend dir>/cupspykota (default /usr/lib/cups/backend): the small script of backend/,
  with this Python as its interpreter, owned by root, mode 0700 (so cupsd runs it as root:
  it must read pykotadmin.conf, and it runs the real backend as CUPS would);
- <config dir> (default /etc/pykota): pykota.conf and pykotadmin.conf (0600) from the samples,
  only when they do not exist yet. Files are created with their final mode (write_private):
  pykotadmin.conf is never readable by others, not even between its creation and a chmod.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .exits import BackendExit

SCRIPT = """#!{python} -S
# cupspykota: the pykota-ldap CUPS backend (installed by `cupspykota --install`).
# -S: no site processing at start-up (a few ms per job); the paths it would add are listed here.
import sys
sys.path[1:1] = {paths!r}
import os
try:
    from pykota_ldap.backend.main import main
except BaseException as exc:  # a broken install must stop the queue, not lose jobs
    sys.stderr.write("ERROR: cupspykota: cannot load pykota_ldap: %s\\n" % (exc,))
    sys.stderr.flush()
    os._exit({stop})  # BackendExit.STOP (pykota_ldap, which names it, is what failed to load)
code = main()
sys.stderr.flush()
sys.stdout.flush()
os._exit(code)
"""


def _sys_path(python: str, *flags: str) -> list[str]:
    import json
    import subprocess
    done = subprocess.run([python, *flags, "-c", "import sys, json; print(json.dumps(sys.path))"],
                          capture_output=True, text=True, cwd="/", env={"PATH": "/usr/bin:/bin"})
    try:
        return json.loads(done.stdout)
    except ValueError:
        return []


def _site_paths(python: str) -> list[str]:
    """What `site` would add to sys.path for that interpreter (its site-packages, .pth paths)."""
    bare = set(_sys_path(python, "-S"))
    return [p for p in _sys_path(python) if p and p not in bare and os.path.isdir(p)]


def _importable(python: str, paths: list[str]) -> bool:
    import subprocess
    code = f"import sys; sys.path[1:1] = {paths!r}; import pykota_ldap.backend.main"
    return subprocess.run([python, "-S", "-c", code], cwd="/", env={"PATH": "/usr/bin:/bin"},
                          capture_output=True).returncode == 0


def backend_text(python: str | None = None, source_dir: str | None = None) -> str:
    python = python or sys.executable
    paths = ([source_dir] if source_dir else []) + _site_paths(python)
    return SCRIPT.format(python=python, paths=paths, stop=int(BackendExit.STOP))


def _samples() -> Path:
    here = Path(__file__).resolve().parent.parent.parent / "conf"
    if here.is_dir():
        return here
    return Path(sys.prefix) / "share" / "pykota-ldap" / "conf"


def write_private(path: str | os.PathLike, data: bytes, mode: int = 0o600, replace: bool = True) -> bool:
    """Write a file that is born with its final mode and complete.

    A file created with the umask's 0644 and chmod-ed afterwards can be opened by anyone in
    between, and the descriptor keeps reading what is written later. So: a new name in the same
    directory, created O_EXCL | O_NOFOLLOW (nothing planted there is reused or followed) with
    `mode`, written in full and flushed, then renamed over `path`, or, with replace=False, linked
    to it only if `path` does not exist yet (False then). Either way `path` is never partial.
    """
    target = Path(path)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    try:
        os.fchmod(fd, mode)                 # exactly `mode`, whatever the umask took away
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
        os.close(fd)
        fd = -1
        if replace:
            os.replace(temporary, target)
            return True
        try:
            os.link(temporary, target)
        except FileExistsError:
            return False
        return True
    finally:
        if fd >= 0:
            os.close(fd)
        if temporary.exists():
            temporary.unlink()


def install_backend(backend_dir: str | os.PathLike, python: str | None = None, source_dir: str | None = None) -> Path:
    target = Path(backend_dir) / "cupspykota"
    target.parent.mkdir(parents=True, exist_ok=True)
    write_private(target, backend_text(python, source_dir).encode(), 0o700)
    if os.geteuid() == 0:
        os.chown(target, 0, 0)
    return target


def install_config(config_dir: str | os.PathLike) -> list[Path]:
    folder = Path(config_dir)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, mode in (("pykota.conf", 0o644), ("pykotadmin.conf", 0o600)):
        target = folder / name
        if os.path.lexists(target):
            continue
        if write_private(target, (_samples() / f"{name}.sample").read_bytes(), mode, replace=False):
            written.append(target)
    return written


def install_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="cupspykota --install", exit_on_error=False, add_help=False)
    parser.add_argument("--backend-dir", default="/usr/lib/cups/backend")
    parser.add_argument("--config-dir", default=os.environ.get("PYKOTA_HOME") or "/etc/pykota")
    parser.add_argument("--no-config", action="store_true")
    try:
        args = parser.parse_args(argv)
    except (argparse.ArgumentError, SystemExit) as exc:
        print(f"cupspykota --install: {exc}", file=sys.stderr)
        return BackendExit.FAILED
    source = None
    if not _importable(sys.executable, _site_paths(sys.executable)):   # an editable install
        source = str(Path(__file__).resolve().parent.parent.parent)
    try:
        target = install_backend(args.backend_dir, source_dir=source)
        print(f"cupspykota: backend installed as {target} (root, 0700, python {sys.executable})")
        if not args.no_config:
            for path in install_config(args.config_dir):
                print(f"cupspykota: wrote {path} (edit it)")
    except OSError as exc:
        print(f"cupspykota --install: {exc}", file=sys.stderr)
        return BackendExit.FAILED
    print("cupspykota: now put each queue on the policy that authenticates who prints (on CUPS' default policy "
          "the user is whoever the client says), and route it through cupspykota:\n"
          "  lpadmin -p QUEUE -o printer-op-policy=authenticated && pkprinters -a -C QUEUE")
    return BackendExit.OK
