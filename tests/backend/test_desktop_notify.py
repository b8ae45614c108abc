"""The seed's lines as typed (pknotify at /usr/local/bin there, the installed one here), against a
PyKotIcon-protocol listener on the port they name, through the real cupsd and backend: a CANCEL
answer cancels the job, OK prints it, the refusal's text pops up as text; a billing code typed
in a form is the one the job is charged to."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pykota_ldap.directory import accounts, history, printers, quotas
from pykota_ldap.testing.pykoticon_peer import PeerListener

PKNOTIFY = str(Path(sys.executable).parent / "pknotify")
SEED_ASK = ("askconfirmation: /usr/local/bin/pknotify -destination $PYKOTAJOBORIGINATINGHOSTNAME:7654 "
            "--timeout 120 --confirm \"Message avec état du quota de l'utilisateur\"")
SEED_MAILTO = ("mailto : external(/usr/local/bin/pknotify --destination $PYKOTAJOBORIGINATINGHOSTNAME:7654 "
               "--notify \"%(message)s\" 2>&1 > /dev/null)")


def as_here(line: str) -> str:
    return line.replace("/usr/local/bin/pknotify", PKNOTIFY)


@pytest.fixture(scope="module")
def desktop():
    try:
        listener = PeerListener("127.0.0.1", 7654)
    except OSError as exc:
        pytest.fail(f"port 7654 (the seed's) is taken: {exc}")
    with listener:
        yield listener


@pytest.fixture
def peer(desktop):
    desktop.reset()
    return desktop


def _queue(rig, hard=100):
    queue = rig.queue()
    printers.add_printer(rig.d, queue)
    accounts.attach_user(rig.d, "alice")
    quotas.add_user_quota(rig.d, "alice", queue, hard=hard)
    return queue


def test_the_seed_s_askconfirmation_line_as_typed(rig, peer):
    queue = _queue(rig)
    rig.configure(**{queue: as_here(SEED_ASK)})
    before = rig.received()
    peer.answer = "CANCEL"
    cancelled = rig.print(queue, 1)
    assert cancelled.state == "canceled" and rig.received() == before
    [asked] = peer.questions
    assert asked.message == "Message avec état du quota de l'utilisateur" and asked.yesno is True
    peer.answer = "OK"
    printed = rig.print(queue, 2)
    assert printed.state == "completed" and rig.received() == before + 1
    assert rig.counter("alice", queue) == 2
    actions = sorted(job["pkAction"] for job in rig.jobs(queue))
    assert actions == ["ALLOW", "CANCEL"]


def test_the_seed_s_lines_on_several_lines_as_in_the_talk(rig, peer):
    """In pykota.conf the talk's backslash-continued lines are indented continuations."""
    queue = _queue(rig)
    ask = as_here("askconfirmation: /usr/local/bin/pknotify \\\n"
                  "    -destination $PYKOTAJOBORIGINATINGHOSTNAME:7654 \\\n"
                  "    --timeout 120 --confirm \"Message avec état du quota de l'utilisateur\"")
    rig.configure(**{queue: ask})
    peer.answer = "CANCEL"
    assert rig.print(queue, 1).state == "canceled"
    assert [q.message for q in peer.questions] == ["Message avec état du quota de l'utilisateur"]


def test_the_seed_s_mailto_line_as_typed_pops_the_refusal_up(rig, peer):
    queue = _queue(rig, hard=0)
    rig.configure(as_here(SEED_MAILTO) + "\n")
    refused = rig.print(queue, 3, title="rapport; $(id)")
    assert refused.state == "canceled"
    [told] = peer.questions
    assert told.yesno is False
    assert told.message.startswith("Hello alice,\n\nYour jobs on") and "hard limit of 0 pages reached" in told.message
    assert not told.message.startswith(("'", '"'))


def test_a_listener_that_is_gone_lets_the_job_print_with_noremote_continue(rig, peer):
    queue = _queue(rig)
    rig.configure(**{queue: f"askconfirmation: {PKNOTIFY} -d 127.0.0.1:9 --noremote CONTINUE --confirm ok?"})
    assert rig.print(queue, 1).state == "completed"
    rig.configure(**{queue: f"askconfirmation: {PKNOTIFY} -d 127.0.0.1:9 --confirm ok?"})
    assert rig.print(queue, 1).state == "canceled"                 # noremote CANCEL, the default


def test_a_billing_code_typed_in_a_form_is_the_one_charged(rig, peer):
    queue = _queue(rig)
    history.add_billing_code(rig.d, "projX")
    rig.configure(**{queue: f"overwrite_jobticket: {PKNOTIFY} -d $PYKOTAJOBORIGINATINGHOSTNAME:7654 --timeout 60 "
                            f"--ask \"Code de facturation:billingcode:%(jobbilling)s\"\n"
                            f"unknown_billingcode: deny({PKNOTIFY} -d $PYKOTAJOBORIGINATINGHOSTNAME:7654 "
                            f"--notify \"Code %(jobbilling)s inconnu\")\n"})
    peer.form = {"billingcode": "projX"}
    job = rig.print(queue, 2, options={"job-billing": "draft"})
    assert job.state == "completed", rig.log(job.id)[-1500:]
    [form] = peer.questions
    assert form.labels == ["Code de facturation"] and form.defaults == {"billingcode": "draft"}
    code = history.get_billing_code(rig.d, "projX")
    assert code is not None and code.page_counter == 2
    peer.reset()
    peer.form = {"billingcode": "nope; $(id)"}
    refused = rig.print(queue, 1)
    assert refused.state == "canceled"
    assert [q.message for q in peer.questions if q.method == "showDialog"] == ["Code nope; $(id) inconnu"]
    peer.reset()
    peer.form = None                                                 # the user closes the form
    assert rig.print(queue, 1).state == "canceled"
