"""The README's "Installing into an existing OpenLDAP" is what the tests' stock Debian slapd gets:
the same files, loaded the same way, in the same order (pykota_ldap/testing/slapd.py)."""
import re
from pathlib import Path

from pykota_ldap.testing.slapd import DEBIAN, Slapd

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def guide_steps() -> list[tuple[str, str]]:
    """(tool, file) of each command of the install block; pkschema install is its ldapadd."""
    section = README.split("## Installing into an existing OpenLDAP", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh norun\n", 1)[1].split("```", 1)[0]
    steps = []
    for line in block.splitlines():
        command = line.split("#", 1)[0].split()
        if command[:2] == ["pkschema", "install"]:
            steps.append(("ldapadd", "pykota-ldap.ldif"))
        elif command and command[0] in ("ldapadd", "ldapmodify"):
            files = [Path(word).name for word in command if word.endswith(".ldif")]
            assert re.search(r"-Y EXTERNAL -H ldapi:///", line), line
            steps.append((command[0], files[0]))
    return steps


class Recording(Slapd):
    def _start(self):
        self.steps = []
        super()._start()

    def _ldif(self, tool, path_or_text, config):
        if config and isinstance(path_or_text, Path):
            self.steps.append((tool, path_or_text.name))
        super()._ldif(tool, path_or_text, config)


def test_the_stock_rig_loads_what_the_guide_says_in_its_order():
    assert guide_steps() == [("ldapadd", "pykota-ldap.ldif"), ("ldapmodify", "pykota-ldap-indexes.ldif"),
                             ("ldapmodify", "pykota-ldap-acl.ldif")]
    with Recording(profile=DEBIAN, sample_data=False) as server:
        assert server.steps == guide_steps()
