"""External commands: values from the job never reach the shell as code."""
from pykota_ldap.backend import commands

HOSTILE = ["x;touch /tmp/pk-pwned", "$(id)", "`id`", "a'b", 'a"b', "a b", "x\ny"]


def test_substituted_values_are_one_literal_word(tmp_path):
    marker = tmp_path / "pwned"
    for value in HOSTILE + [f"x;touch {marker}"]:
        command = commands.fill("printf %%s %(username)s", username=value)
        status, out = commands.run(command, {"PATH": "/usr/bin:/bin"})
        assert status == 0 and out == value
    assert not marker.exists()


def test_commands_without_placeholders_are_unchanged():
    assert commands.fill("/usr/bin/true", username="x") == "/usr/bin/true"
