"""pkmigrate's rigs: one made-up PyKota site (pykota_ldap.testing.pykota_site), loaded into each
source; for each source, a fresh stock slapd holding the organisation's own people and groups."""
from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from pykota_ldap.cli import dumpykota, pkmigrate, repykota
from pykota_ldap.testing.pykota_site import make_site, people_ldif
from pykota_ldap.testing.slapd import Slapd

ZONE = "Europe/Paris"
COMMANDS = {"pkmigrate": pkmigrate.main, "repykota": repykota.main, "dumpykota": dumpykota.main}


@pytest.fixture(scope="session")
def site_rows():
    """The site, generated once for every source."""
    return make_site(jobs=600)


class Target:
    """A new pykota-ldap directory (stock slapd, the organisation's people) and its commands."""

    def __init__(self, slapd: Slapd, home: Path, rows):
        self.slapd, self.home = slapd, home
        slapd.ldapadd(people_ldif(rows, slapd.suffix))

    def run(self, line: str, ok: bool = True):
        """A command as typed; pkmigrate reads PyKota's local times in ZONE unless told otherwise."""
        argv = shlex.split(line)
        if argv[0] == "pkmigrate" and "--timezone" not in argv and "--from" in argv:
            argv += ["--timezone", ZONE]
        result = CliRunner().invoke(COMMANDS[argv[0]], argv[1:], prog_name=argv[0], env={"PYKOTA_HOME": str(self.home)})
        if ok and result.exit_code != 0:
            raise AssertionError(f"{line!r} exited {result.exit_code}: {result.output}")
        return result

    def timestamps(self) -> str:
        """Every entry's DN and modifyTimestamp: equal before and after means nothing was written."""
        return self.slapd.ldapsearch(self.slapd.suffix, "(objectClass=*)", "modifyTimestamp", "entryCSN")


@pytest.fixture(scope="module")
def target(tmp_path_factory, site_rows):
    with Slapd() as server:
        home = server.write_config(tmp_path_factory.mktemp("etc"))
        yield Target(server, home, site_rows)
