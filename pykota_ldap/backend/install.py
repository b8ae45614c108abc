"""`cupspykota --install`: put the backend where CUPS looks for it, and the config skeleton.

- <backend dir>/cupspykota (default /usr/lib/cups/backend): the small script of backend/,
  with this Python as its interpreter, owned by root, mode 0700 (so cupsd runs it as root:
  it must read pykotadmin.conf, and it runs the real backend as CUPS would);
- <config dir> (default /etc/pykota): pykota.conf and pykotadmin.conf (0600) from the samples,
  only when they do not exist yet.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

SCRIPT = """#!{python}
# cupspykota: the pykota-ldap CUPS backend (installed by `cupspykota --install`).
import os, sys
{path_line}try:
    from pykota_ldap.backend.main import main
except BaseException as exc:  # a broken install must stop the queue, not lose jobs
    sys.stderr.write("ERROR: cupspykota: cannot load pykota_ldap: %s\\n" % (exc,))
    sys.stderr.flush()
    os._exit(4)
code = main()
sys.stderr.flush()
sys.stdout.flush()
os._exit(code)
"""


def backend_text(python: str | None = None, source_dir: str | None = None) -> str:
    path_line = f"sys.path.insert(0, {source_dir!r})\n" if source_dir else ""
    return SCRIPT.format(python=python or sys.executable, path_line=path_line)


def _samples() -> Path:
    here = Path(__file__).resolve().parent.parent.parent / "conf"
    if here.is_dir():
        return here
    return Path(sys.prefix) / "share" / "pykota-ldap" / "conf"


def install_backend(backend_dir: str | os.PathLike, python: str | None = None, source_dir: str | None = None) -> Path:
    target = Path(backend_dir) / "cupspykota"
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(".cupspykota.new")
    temporary.write_text(backend_text(python, source_dir))
    if os.geteuid() == 0:
        os.chown(temporary, 0, 0)
    temporary.chmod(0o700)
    os.replace(temporary, target)
    return target


def install_config(config_dir: str | os.PathLike) -> list[Path]:
    folder = Path(config_dir)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, mode in (("pykota.conf", 0o644), ("pykotadmin.conf", 0o600)):
        target = folder / name
        if target.exists():
            continue
        shutil.copyfile(_samples() / f"{name}.sample", target)
        target.chmod(mode)
        written.append(target)
    return written


def _importable_without_path() -> bool:
    import subprocess
    done = subprocess.run([sys.executable, "-c", "import pykota_ldap.backend.main"], cwd="/",
                          env={"PATH": "/usr/bin:/bin"}, capture_output=True)
    return done.returncode == 0


def install_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="cupspykota --install", exit_on_error=False, add_help=False)
    parser.add_argument("--backend-dir", default="/usr/lib/cups/backend")
    parser.add_argument("--config-dir", default=os.environ.get("PYKOTA_HOME") or "/etc/pykota")
    parser.add_argument("--no-config", action="store_true")
    try:
        args = parser.parse_args(argv)
    except (argparse.ArgumentError, SystemExit) as exc:
        print(f"cupspykota --install: {exc}", file=sys.stderr)
        return 1
    source = None
    if not _importable_without_path():
        source = str(Path(__file__).resolve().parent.parent.parent)
    try:
        target = install_backend(args.backend_dir, source_dir=source)
        print(f"cupspykota: backend installed as {target} (root, 0700, python {sys.executable})")
        if not args.no_config:
            for path in install_config(args.config_dir):
                print(f"cupspykota: wrote {path} (edit it)")
    except OSError as exc:
        print(f"cupspykota --install: {exc}", file=sys.stderr)
        return 1
    print("cupspykota: now point a queue at it: lpadmin -p QUEUE -v cupspykota:socket://printer:9100 ...")
    return 0
