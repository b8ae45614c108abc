"""Anything a user can type wrong: one line on stderr, a non-zero status, the directory untouched.

Every case runs after the same small setup; the whole directory is read before and after.
"""
from __future__ import annotations

import pytest

from .conftest import snapshot

SETUP = [
    "pkprinters -a -c 0.05 hp4 hp5",
    "pkprinters -a pgroup",
    "pkusers -a -g admins",
    "pkusers -a jerome toto",
    "edpykota -a -S 200 -H 220 jerome",
    "pkbcodes -a projX",
]

BAD = [
    # pkprinters
    "pkprinters -a bad*name",
    "pkprinters -a bad@name",
    "pkprinters -c abc hp4",
    "pkprinters -c 1,2,3 hp4",
    "pkprinters -c 0.0001 hp4",
    "pkprinters -m -3 hp4",
    "pkprinters -m lots hp4",
    "pkprinters -g nosuchgroup hp4",
    "pkprinters -g hp4 hp4",
    "pkprinters -d nosuch",
    "pkprinters -c 1 hp4 nosuch",
    "pkprinters -a -l hp4",
    "pkprinters -p -n hp4",
    "pkprinters -r hp4",
    "pkprinters --bogus",
    "pkprinters -l nosuch*",
    # pkusers
    "pkusers -a nosuchuser",
    "pkusers -a jerome nosuchuser",
    "pkusers -a -i nosuchgroup prof2",
    "pkusers -a jer*",
    "pkusers -a -g nosuchgroup",
    "pkusers -l sometimes jerome",
    "pkusers -g -l nochange admins",
    "pkusers -b abc jerome",
    "pkusers -b 1.2345 jerome",
    "pkusers -o x jerome",
    "pkusers -e a@b@c jerome",
    "pkusers -e nodomain jerome",
    "pkusers -b 10 enseignant3",
    "pkusers -b 10 jerome enseignant3",
    "pkusers -L 'x)(uid=*'",
    "pkusers -L '*)(objectClass=*'",
    "pkusers -d",
    "pkusers -r jerome",
    "pkusers -g -b 5 admins",
    "pkusers -L -b 5",
    # edpykota
    "edpykota -a -S 10 -H 5 jerome",
    "edpykota -a -S abc jerome",
    "edpykota -a -S -5 jerome",
    "edpykota -a -P nosuch jerome",
    "edpykota -a -P hp4,nosuch jerome",
    "edpykota -a jerome nosuchuser",
    "edpykota -a prof2",
    "edpykota -g -U 5 admins",
    "edpykota -g -r admins",
    "edpykota -L -S 5",
    "edpykota -d -S 5 jerome",
    "edpykota -I -500 jerome",
    "edpykota -I x jerome",
    "edpykota -U -5 jerome",
    "edpykota -m lots jerome",
    "edpykota -n -S 5 jerome",
    "edpykota -r toto",
    "edpykota -d",
    # dumpykota
    "dumpykota",
    "dumpykota -d bogus",
    "dumpykota -d users -f bogus",
    "dumpykota -d users foo=bar",
    "dumpykota -d users start=2015",
    "dumpykota -d users novalue",
    "dumpykota -d history start=2015xx",
    "dumpykota -d history start=20151301",
    "dumpykota -d users -O +nosuchfield",
    "dumpykota -d users -O '+user name'",
    "dumpykota -d users --sum",
    "dumpykota -d users -f cups",
    "dumpykota -d all username=jerome",
    "dumpykota -d users -o /nonexistent/dir/file",
    # repykota
    "repykota -P nosuch",
    "repykota -g -i admins",
    "repykota nosuchuser",
    # pkbcodes
    "pkbcodes -a a*",
    "pkbcodes -d nosuch",
    "pkbcodes -l -r",
    # argument files
    "pkusers -A /nonexistent -L",
    "pkusers -A",
]


@pytest.mark.parametrize("line", BAD)
def test_bad_input_is_one_line_and_changes_nothing(sh, slapd, line):
    for command in SETUP:
        sh(command)
    before = snapshot(slapd)
    result = sh(line, ok=False)
    assert result.exit_code != 0, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(line.split()[0] + ": ")
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)     # an exit, not a crash
    assert result.stdout == ""
    assert snapshot(slapd) == before


def test_a_name_given_twice_counts_once(sh):
    sh("pkprinters -a hp4 hp4,HP4")
    sh("pkusers -a jerome jerome")
    assert sh("pkprinters -l").stdout.count("hp4 [") == 1
