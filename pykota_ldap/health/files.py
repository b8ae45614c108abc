"""The configuration files: every problem config_check finds, and who can read what."""
from __future__ import annotations

import stat
from pathlib import Path

from ..config import Config, ConfigError
from . import OK, PROBLEM, WARNING, Finding


def readers_password_exposed(config: Config) -> bool:
    return bool(config.get("storageuserpw")) and bool(config.path.stat().st_mode & stat.S_IROTH)


def _readers_password(config: Config) -> Finding | None:
    """pykota.conf is readable by every local user: a reader's password there reads everyone's
    history and balance."""
    if not readers_password_exposed(config):
        return None
    return Finding(PROBLEM, f"{config.path} is readable by everyone and holds storageuserpw: any local user can "
                            "bind as the reader and read everyone's jobs and balances",
                   f"remove storageuserpw (users' own commands ask the resident helper), or chmod o-r {config.path}")


def findings(home: Path | None) -> tuple[Config | None, list[Finding]]:
    """(the configuration, what is wrong with it); no configuration when the files cannot be read."""
    try:
        config = Config(home, check=False)
    except ConfigError as exc:
        return None, [Finding(PROBLEM, line) for line in exc.problems]
    found = [Finding(PROBLEM if problem.error else WARNING, str(problem)) for problem in config.problems]
    if not config.is_admin:
        found.append(Finding(PROBLEM, f"{config.admin_path} is missing or not readable: the backend cannot charge "
                                      "and pkdoctor cannot test the directory's writes",
                             "run pkdoctor as root; create the file (conf/pykotadmin.conf.sample, mode 0600)"))
    password = _readers_password(config)
    if password:
        found.append(password)
    if not any(f.level == PROBLEM for f in found):
        found.insert(0, Finding(OK, f"configuration: {config.path}"
                                    + (f" and {config.admin_path}" if config.is_admin else "")))
    return config, found
