"""External commands: values from the job never reach the shell as code."""
from pykota_ldap.backend import commands

HOSTILE = ["x;touch /tmp/pk-pwned", "$(id)", "`id`", "a'b", 'a"b', "a b", "x\ny", "*", "\\", "%(title)s", ""]


def test_placeholders_in_every_quoting_give_the_literal_value(tmp_path):
    marker = tmp_path / "pwned"
    for value in HOSTILE + [f"x;touch {marker}", f'";touch {marker};"', f"';touch {marker};'"]:
        for form in ("%(username)s", '"%(username)s"', "'%(username)s'", "'<%(username)s>'", '"<%(username)s>"'):
            status, out = commands.run(f"printf %%s {form}", {"PATH": "/usr/bin:/bin", "PYKOTAUSERNAME": value})
            expected = f"<{value}>" if "<" in form else value
            assert (status, out) == (0, expected), (form, value)
    assert not marker.exists()


def test_commands_without_placeholders_run_as_written():
    assert commands.run("printf '%s|' a 'b c' \"$X\"", {"PATH": "/usr/bin:/bin", "X": "d e"}) == (0, "a|b c|d e|")
