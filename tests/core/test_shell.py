"""Placeholders of pykota.conf's commands become quoted references to environment variables."""
import pytest

from pykota_ldap import shell


@pytest.mark.parametrize("command, script", [
    ("logger %(message)s", 'logger "${PYKOTAMESSAGE}"'),
    ('logger "%(message)s"', 'logger "${PYKOTAMESSAGE}"'),
    ("logger '%(message)s'", "logger ''\"${PYKOTAMESSAGE}\"''"),
    ("logger 'user %(username)s on %(printername)s'",
     "logger 'user '\"${PYKOTAUSERNAME}\"' on '\"${PYKOTAPRINTERNAME}\"''"),
    ('echo "$(id %(username)s)"', 'echo "$(id "${PYKOTAUSERNAME}")"'),
    ("echo `id %(username)s`", 'echo `id "${PYKOTAUSERNAME}"`'),
    ("printf '100%%' # %(title)s isn't used", "printf '100%' # %(title)s isn't used"),
    ("date +%s", "date +%s"),
    ('echo "it\'s %(title)s"', 'echo "it\'s ${PYKOTATITLE}"'),
    (r'echo \"%(title)s', r'echo \""${PYKOTATITLE}"'),
])
def test_references_follow_the_quoting(command, script):
    assert shell.with_references(command) == script


def test_the_seed_lines_are_valid():
    mailto = '/usr/local/bin/pknotify --destination $PYKOTAJOBORIGINATINGHOSTNAME:7654 --notify "%(message)s" ' \
             '2>&1 > /dev/null'
    assert shell.problem(mailto) is None
    assert shell.with_references(mailto).endswith('--notify "${PYKOTAMESSAGE}" 2>&1 > /dev/null')
    ask = ("/usr/local/bin/pknotify -destination $PYKOTAJOBORIGINATINGHOSTNAME:7654 --timeout 120 "
           "--confirm \"Message avec état du quota de l'utilisateur\"")
    assert shell.problem(ask) is None


@pytest.mark.parametrize("command, problem", [
    ("logger %(mesage)s", "unknown placeholder %(mesage)s"),
    ("logger %(message)d", "'%(message)d' is not a placeholder"),
    ('logger "%(message)s', 'a " quote is never closed'),
    ("logger '%(message)s", "a ' quote is never closed"),
    ("echo $(id", "a $( ... ) is never closed"),
    ("   ", "an empty command"),
])
def test_problems_are_named(command, problem):
    assert problem in shell.problem(command)


def test_every_placeholder_names_a_variable_of_the_backend():
    from pykota_ldap.backend.commands import job_env
    from pykota_ldap.backend.jobinfo import from_argv
    job = from_argv(["1", "alice", "t", "1", ""], {"PRINTER": "q", "DEVICE_URI": "cupspykota:socket://h"})
    env = job_env(job)
    assert [name for name in shell.PLACEHOLDERS if shell.variable(name) not in env] == []
