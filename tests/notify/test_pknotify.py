"""pknotify against a PyKotIcon-protocol listener: its options (PyKota's, one-dash long ones
too), its output, the protocol's types, and a listener that is not there or never answers."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from pykota_ldap.testing.pykoticon_peer import PeerListener

PKNOTIFY = str(Path(sys.executable).parent / "pknotify")


@pytest.fixture(scope="module")
def listener():
    with PeerListener() as peer:
        yield peer


@pytest.fixture
def peer(listener):
    listener.reset()
    return listener


def pknotify(*args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([PKNOTIFY, *args], capture_output=True, text=True, timeout=timeout)


def test_confirm_prints_the_user_s_answer_and_the_message_arrives_as_typed(peer):
    message = "Imprimer 3 pages ? état: $(id) `id` ;|& 'q' \"dq\"\\nSecond line"
    done = pknotify("-destination", f"127.0.0.1:{peer.port}", "--timeout", "10", "--confirm", message)
    assert (done.returncode, done.stdout) == (0, "OK\n")
    [asked] = peer.questions
    assert asked.method == "showDialog" and asked.yesno is True
    assert asked.message == "Imprimer 3 pages ? état: $(id) `id` ;|& 'q' \"dq\"\nSecond line"
    peer.answer = "CANCEL"
    assert pknotify("-d", f"127.0.0.1:{peer.port}", "-c", "again?").stdout == "CANCEL\n"


def test_notify_shows_a_message_without_a_question(peer):
    done = pknotify("--destination", f"localhost:{peer.port}", "--notify", "Quota bas")
    assert (done.returncode, done.stdout) == (0, "OK\n")
    assert [(q.method, q.message, q.yesno) for q in peer.questions] == [("showDialog", "Quota bas", False)]


def test_ask_prints_the_answers_but_never_the_password(peer):
    peer.form = {"billingcode": "projX", "username": "alice", "password": "s3cret"}
    done = pknotify("-d", f"127.0.0.1:{peer.port}", "-a", "Code de facturation:billingcode:", "-a",
                    "Login:username:alice", "-a", "Mot de passe:password:")
    assert done.returncode == 0
    assert done.stdout.splitlines() == ["BILLINGCODE=projX", "USERNAME=alice"]
    [asked] = peer.questions
    assert asked.labels == ["Code de facturation", "Login", "Mot de passe"]
    assert asked.varnames == ["billingcode", "username", "password"]
    assert asked.defaults == {"billingcode": "", "username": "alice", "password": ""}
    peer.form = None
    assert pknotify("-d", f"127.0.0.1:{peer.port}", "-a", "Code:billingcode:").stdout == "CANCEL\n"


def test_a_wrong_password_is_asked_again_then_denied(peer):
    peer.form = {"username": "nosuchuser-pk", "password": "wrong"}
    done = pknotify("-d", f"127.0.0.1:{peer.port}", "-a", "Login:username:", "-a", "Password:password:",
                    "--checkauth", "--denyafter", "2")
    assert done.returncode == 0
    assert done.stdout.splitlines() in (["AUTH=NO", "DENY"], ["AUTH=IMPOSSIBLE"])
    if done.stdout.startswith("AUTH=NO"):
        assert len(peer.questions) == 2                               # asked twice, then denied


def test_a_listener_that_never_answers_is_cancelled_at_the_timeout(peer):
    peer.hang = True
    started = time.monotonic()
    done = pknotify("-d", f"127.0.0.1:{peer.port}", "--timeout", "2", "--confirm", "anyone?")
    waited = time.monotonic() - started
    assert (done.returncode, done.stdout) == (0, "CANCEL\n")
    assert "no answer within 2 s" in done.stderr
    assert 1.8 < waited < 6


def test_no_listener_prints_the_noremote_word(peer):
    closed = PeerListener()
    port = closed.port
    closed.server.server_close()                                      # nobody listens there now
    assert pknotify("-d", f"127.0.0.1:{port}", "--confirm", "x").stdout == "CANCEL\n"
    done = pknotify("-d", f"127.0.0.1:{port}", "--noremote", "CONTINUE", "--confirm", "x")
    assert (done.returncode, done.stdout) == (0, "CONTINUE\n")
    assert "Connection refused" in done.stderr


@pytest.mark.parametrize("args, said", [
    ((), "Missing option"),
    (("-d", "h"), "give one of --ask, --confirm, --notify, --quit"),
    (("-d", "h", "-c", "x", "-n", "y"), "--confirm and --notify do not go together"),
    (("-d", "$(id):77", "-n", "x"), "not a host"),
    (("-d", "h:99999", "-n", "x"), "not a port"),
    (("-d", "h", "-a", "nolabel"), 'write "label:varname:default"'),
    (("-d", "h", "-N", "MAYBE", "-n", "x"), "MAYBE"),
])
def test_bad_input_is_one_line_and_status_2(args, said):
    done = pknotify(*args)
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and said in done.stderr, done.stderr


def test_an_answer_cannot_add_lines_that_change_the_ticket(peer):
    # The listener is the printing user's own machine: an answer holding a line break (or any
    # separator str.splitlines knows) must not become a USERNAME= line that overwrite_jobticket
    # reads, which would charge the job to someone else.
    peer.form = {"billingcode": "projX\nUSERNAME=victim\rAUTH=YES\x85DENY\u2028REASON=x"}
    done = pknotify("-d", f"127.0.0.1:{peer.port}", "-a", "Code:billingcode:")
    assert done.stdout.splitlines() == ["BILLINGCODE=projX USERNAME=victim AUTH=YES DENY REASON=x"]


def _dripping_listener():
    """A hostile listener: reads the question, then sends one byte of headers every 0.2 s, forever."""
    import socket
    import threading
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve():
        connection, _ = server.accept()
        connection.recv(65536)
        connection.sendall(b"HTTP/1.0 200 OK\r\n")
        while not stop.wait(0.2):
            try:
                connection.sendall(b"X")
            except OSError:
                return
        connection.close()
    threading.Thread(target=serve, daemon=True).start()
    return server, stop


def test_a_listener_that_drips_bytes_is_cancelled_at_the_timeout():
    server, stop = _dripping_listener()
    try:
        started = time.monotonic()
        done = pknotify("-d", f"127.0.0.1:{server.getsockname()[1]}", "--timeout", "2", "--confirm", "?",
                        timeout=20)
        waited = time.monotonic() - started
    finally:
        stop.set()
        server.close()
    assert (done.returncode, done.stdout) == (0, "CANCEL\n")
    assert waited < 5, waited


def test_a_huge_answer_is_refused_not_read_into_memory():
    import socket
    import threading
    server = socket.create_server(("127.0.0.1", 0))

    def serve():
        connection, _ = server.accept()
        connection.recv(65536)
        body = b"<?xml version='1.0'?><methodResponse><params><param><value><string>" + b"A" * (8 << 20)
        try:
            connection.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/xml\r\n\r\n" + body)
        except OSError:
            pass
        connection.close()
    threading.Thread(target=serve, daemon=True).start()
    try:
        done = pknotify("-d", f"127.0.0.1:{server.getsockname()[1]}", "--timeout", "10", "--confirm", "?")
    finally:
        server.close()
    assert done.stdout == "CANCEL\n"
    assert "larger than" in done.stderr
