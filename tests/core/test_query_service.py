"""The query service's listener (pykota_ldap.query.service) bounds what a caller can cost: a
query past the time limit is killed and the caller told; more than the limits at once are
refused at once; a request it cannot read, or for a command it does not answer, is one line."""
import json
import socket
import struct
import time

import pytest

from pykota_ldap.query import service
from pykota_ldap.query.protocol import receive_reply


@pytest.fixture
def listening(tmp_path):
    started = []

    def start(**limits):
        path = str(tmp_path / "query.sock")
        pid = service.start(path, service.Limits(**limits))
        started.append(pid)
        return path
    yield start
    for pid in started:
        service.stop(pid)


def connected(path):
    conn = socket.socket(socket.AF_UNIX)
    conn.connect(path)
    return conn


def test_a_query_past_the_time_limit_is_stopped_and_the_caller_told(listening):
    path = listening(seconds=1)
    silent = connected(path)                        # never sends its request
    started = time.monotonic()
    assert receive_reply(silent) == (1, "stopped after 1 s, the query service's limit")
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("limits, refusal", [
    (dict(per_user=2, total=10), "the query service is busy: 2 of your queries are running (at most 2)"),
    (dict(per_user=10, total=2), "the query service is busy: 2 queries are running"),
])
def test_more_queries_than_the_limits_are_refused_at_once(listening, limits, refusal):
    path = listening(seconds=30, **limits)
    held = [connected(path) for _ in range(2)]
    time.sleep(0.5)                                   # both accepted and forked
    code, message = receive_reply(connected(path))
    assert (code, message) == (1, f"{refusal}: try again in a moment")
    for conn in held:
        conn.close()


def test_an_unreadable_request_and_a_command_it_does_not_answer(listening):
    path = listening(seconds=30)
    garbage = connected(path)
    garbage.sendall(b"\x00\x00\x00\x05hello")
    code, message = receive_reply(garbage)
    assert code == 1 and message.startswith("the query service could not read the request")
    conn = connected(path)
    payload = json.dumps({"command": "pksync", "args": [], "cwd": "/", "env": {}}).encode()
    socket.send_fds(conn, [struct.pack("!I", len(payload)) + payload], [0, 1, 2])
    assert receive_reply(conn) == (1, "pksync is not answered by the query service: it needs the admin credentials")
