"""The directory's users as local users, for the servers a test runs, without touching the host.

On a real print server the directory's users resolve through NSS (sssd or nslcd), and CUPS needs
that: cupsd 2.4 with Debian's default policy dies on a job whose owner does not resolve. A test
cannot install an NSS module on the machine it runs on, so it does what NSS "files" would do on
a print server provisioned from the directory: a passwd and a group file holding the system's
entries plus the directory's posixAccount / posixGroup entries, bind-mounted over /etc/passwd
and /etc/group in a private mount namespace. Processes started in that namespace (cupsd, its
backends, the resident helper, the `lp` of a test user) see the users; the host never does.

Needs root (mount namespaces); callers skip (or fail under CI) without it.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LocalUser:
    name: str
    uid: int
    gid: int


def parse_ldif_accounts(text: str) -> tuple[list[LocalUser], dict[str, tuple[int, list[str]]]]:
    """posixAccount users and posixGroup groups (name -> (gid, members)) of an LDIF text."""
    users, groups = [], {}
    for block in text.split("\n\n"):
        values: dict[str, list[str]] = {}
        for line in block.splitlines():
            if ": " in line and not line.startswith("#"):
                key, value = line.split(": ", 1)
                values.setdefault(key.lower(), []).append(value.strip())
        classes = {c.lower() for c in values.get("objectclass", [])}
        if "posixaccount" in classes:
            users.append(LocalUser(values["uid"][0], int(values["uidnumber"][0]), int(values["gidnumber"][0])))
        elif "posixgroup" in classes:
            groups[values["cn"][0]] = (int(values["gidnumber"][0]), values.get("memberuid", []))
    return users, groups


class NssFiles:
    """passwd / group files with the directory's accounts, and the namespace that shows them."""

    def __init__(self, folder: Path, users: list[LocalUser], groups: dict[str, tuple[int, list[str]]]):
        self.folder, self.users, self.groups = Path(folder), users, groups
        self.passwd, self.group = self.folder / "passwd", self.folder / "group"

    @classmethod
    def from_ldif(cls, folder: Path, ldif_text: str) -> "NssFiles":
        users, groups = parse_ldif_accounts(ldif_text)
        return cls(folder, users, groups)

    def write(self) -> "NssFiles":
        self.folder.mkdir(parents=True, exist_ok=True)
        system_users = Path("/etc/passwd").read_text().splitlines()
        system_groups = Path("/etc/group").read_text().splitlines()
        taken = {line.split(":", 1)[0] for line in system_users}
        lines = system_users + [f"{u.name}:x:{u.uid}:{u.gid}:{u.name}:/nonexistent:/usr/sbin/nologin"
                                for u in self.users if u.name not in taken]
        self.passwd.write_text("\n".join(lines) + "\n")
        taken = {line.split(":", 1)[0] for line in system_groups}
        lines = system_groups + [f"{name}:x:{gid}:{','.join(members)}"
                                 for name, (gid, members) in self.groups.items() if name not in taken]
        self.group.write_text("\n".join(lines) + "\n")
        for path in (self.passwd, self.group):
            path.chmod(0o644)
        os.chmod(self.folder, 0o755)
        return self

    def user(self, name: str) -> LocalUser:
        for user in self.users:
            if user.name == name:
                return user
        raise KeyError(f"{name!r} is not one of the rig's local users")

    def wrap(self, argv: list[str]) -> list[str]:
        """argv run in a new private mount namespace where these files are /etc/passwd and /etc/group."""
        script = ('mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/group && shift 2 && exec "$@"')
        return [shutil.which("unshare") or "unshare", "--mount", "--propagation", "private", "sh", "-c", script,
                "nss-namespace", str(self.passwd), str(self.group), *argv]


def sample_users(folder: Path) -> NssFiles:
    """The sample organisation's accounts (alice, bob, ...) as local users, files in `folder`."""
    from ..schema_files import schema_path
    return NssFiles.from_ldif(folder, schema_path("sample-organisation.ldif").read_text())


def enter(pid: int, argv: list[str], user: LocalUser | None = None) -> list[str]:
    """argv run inside the mount namespace of process `pid` (e.g. the rig's cupsd), as `user` if given."""
    prefix = [shutil.which("nsenter") or "nsenter", "-t", str(pid), "-m", "--"]
    if user is not None:
        prefix += [shutil.which("setpriv") or "setpriv", f"--reuid={user.uid}", f"--regid={user.gid}",
                   "--init-groups"]
    return prefix + argv


def available() -> bool:
    """Mount namespaces need root (and unshare / nsenter / setpriv from util-linux)."""
    if os.geteuid() != 0:
        return False
    if not all(shutil.which(tool) for tool in ("unshare", "nsenter", "setpriv")):
        return False
    probe = subprocess.run(["unshare", "--mount", "true"], capture_output=True)
    return probe.returncode == 0
