"""How the commands fail (cli.command, the one mapping) and how they reach the directory
(cli.session): every command the same way."""
from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from pykota_ldap.cli import dumpykota, edpykota, pkbcodes, pkpgcounter, pkprinters, pkschema, pksync, pkusers, repykota
from pykota_ldap.cli.command import Command
from pykota_ldap.cli.common import UserError
from pykota_ldap.cli.session import Session
from pykota_ldap.config import ConfigError
from pykota_ldap.directory import DirectoryUnavailable

EVERY_COMMAND = {"pkprinters": pkprinters.main, "pkusers": pkusers.main, "edpykota": edpykota.main,
                 "repykota": repykota.main, "dumpykota": dumpykota.main, "pkbcodes": pkbcodes.main,
                 "pkpgcounter": pkpgcounter.main, "pksync": pksync.main, "pkschema": pkschema.main}


@pytest.mark.parametrize("name", sorted(EVERY_COMMAND))
def test_a_usage_error_is_one_line_naming_the_command(name):
    result = CliRunner().invoke(EVERY_COMMAND[name], ["--no-such-option"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"{name}: No such option") and result.stderr.count("\n") == 1
    assert result.stderr.rstrip().endswith(f"(see {name} -h)")


def test_a_subcommand_usage_error_points_to_its_own_help():
    result = CliRunner().invoke(pkschema.main, ["install", "--no-such-option"])
    assert result.exit_code == 2
    assert result.stderr.startswith("pkschema: No such option")
    assert result.stderr.rstrip().endswith("(see pkschema install -h)")


def failing(error: BaseException) -> click.Command:
    @click.command("pkdemo", cls=Command)
    def main() -> None:
        raise error
    return main


@pytest.mark.parametrize("error", [UserError("no such printer 'x'"), ConfigError("no such printer 'x'"),
                                   DirectoryUnavailable("no such printer 'x'")])
def test_what_a_user_can_cause_is_one_line_and_exit_1(error):
    result = CliRunner().invoke(failing(error))
    assert (result.exit_code, result.stderr, result.stdout) == (1, "pkdemo: no such printer 'x'\n", "")


@pytest.mark.parametrize("error", [ValueError("a bug"), KeyError("a bug"), FileNotFoundError("a bug")])
def test_a_bug_keeps_its_traceback(error):
    result = CliRunner().invoke(failing(error))
    assert result.exception is error         # raised out of main: Python prints the traceback
    assert "pkdemo:" not in result.stderr


def test_ctrl_c_is_one_line_and_exit_130():
    result = CliRunner().invoke(failing(KeyboardInterrupt()))
    assert (result.exit_code, result.stderr) == (130, "pkdemo: interrupted\n")


def test_a_session_handed_in_is_used_and_left_open(sh, config, directory):
    """What a resident helper answering a user's own query would do: its session, not a new one."""
    sh("pkusers -a jerome toto")
    mine = Session(config, directory, is_admin=False, caller="jerome")
    result = CliRunner().invoke(pkusers.main, ["-L"], obj=mine)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("jerome - ") and "toto" not in result.stdout
    assert directory._conn is not None       # still bound: closing it is the owner's business
    refused = CliRunner().invoke(pkusers.main, ["-b", "10", "jerome"], obj=mine)
    assert refused.exit_code == 1 and "needs the admin credentials" in refused.stderr


def test_a_password_file_that_is_not_there_is_one_line(tmp_path):
    result = CliRunner().invoke(pkschema.main, ["install", "-y", str(tmp_path / "missing")])
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("pkschema: ") and "No such file or directory" in result.stderr
