"""Delivery to relays that want STARTTLS, SMTPS and a login (aiosmtpd), and what happens when
the login or the certificate is wrong: the mail waits in the queue, the reason is said."""
from __future__ import annotations

import os

import pytest

from pykota_ldap.config import Config
from pykota_ldap.notify import mailer, telling
from pykota_ldap.testing.smtp import MailServer, self_signed

pytest.importorskip("aiosmtpd")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return self_signed(tmp_path_factory.mktemp("tls"))


def configured(tmp_path, smtp, extra: str = "", password: str | None = None) -> Config:
    home = tmp_path / "etc"
    home.mkdir(exist_ok=True)
    (home / "pykota.conf").write_text("[global]\nstorageserver: ldap://127.0.0.1:1\nstoragename: dc=example,dc=org\n"
                                      f"smtpserver: {getattr(smtp, 'host', '127.0.0.1')}:{smtp.port}\nsmtptimeout: 5\n"
                                      f"mailqueue: {tmp_path / 'queue'}\n{extra}")
    admin = home / "pykotadmin.conf"
    admin.write_text("[global]\nstorageadmin: cn=pykota,dc=example,dc=org\nstorageadminpw: x\n"
                     + (f"smtppassword: {password}\n" if password else ""))
    os.chmod(admin, 0o600)
    return Config(home)


def notice_mails(config: Config):
    notice = telling.Notice("WARN", "alice", "hp1", "balance is low: 0.50", "alice@example.org",
                            facts={"balance": "0.50"})
    return telling.mails(config, notice, "both")


def test_starttls_and_a_login(tmp_path, certificate):
    cert, _ = certificate
    with MailServer(tls=certificate, login=("printing", "pässwörd")) as smtp:
        config = configured(tmp_path, smtp, f"smtpsecurity: starttls\nsmtpcacert: {cert}\nsmtpuser: printing\n",
                            password="pässwörd")
        said: list[str] = []
        delivery = telling.send(config, notice_mails(config), said.append)
        assert (delivery.sent, delivery.queued, said) == (2, 0, [])
        assert sorted(r.recipients[0] for r in smtp.wait(2)) == ["alice@example.org", "root@localhost"]


def test_smtps(tmp_path, certificate):
    cert, _ = certificate
    with MailServer(tls=certificate, implicit=True) as smtp:
        config = configured(tmp_path, smtp, f"smtpsecurity: ssl\nsmtpcacert: {cert}\n")
        assert telling.send(config, notice_mails(config), print).sent == 2
        assert len(smtp.wait(2)) == 2


def test_a_wrong_password_or_an_unknown_certificate_queue_the_mail(tmp_path, certificate):
    cert, _ = certificate
    with MailServer(tls=certificate, login=("printing", "right")) as smtp:
        config = configured(tmp_path, smtp, f"smtpsecurity: starttls\nsmtpcacert: {cert}\nsmtpuser: printing\n",
                            password="wrong")
        said: list[str] = []
        delivery = telling.send(config, notice_mails(config), said.append)
        assert (delivery.sent, delivery.queued) == (0, 2)
        assert "SMTPAuthenticationError" in said[0] and "2 queued" in said[0]
        untrusted = configured(tmp_path, smtp, "smtpsecurity: starttls\n")            # the system's CAs
        said.clear()
        assert telling.send(untrusted, [], said.append).queued == 0 and "CERTIFICATE_VERIFY_FAILED" in said[0]
        assert len(mailer.MailQueue(tmp_path / "queue").waiting()) == 2
        assert smtp.received == []


def test_a_recipient_refused_for_good_is_dropped_and_never_blocks_the_queue(tmp_path):
    with MailServer() as smtp:
        config = configured(tmp_path, smtp)
        queue = mailer.MailQueue(tmp_path / "queue")
        queue.put(mailer.compose("Desk", "desk@example.org", ["gone@example.org"], "old", "queued while down"))
        smtp.unknown.add("gone@example.org")
        said: list[str] = []
        delivery = telling.send(config, notice_mails(config), said.append)
        assert (delivery.sent, delivery.queued, delivery.error) == (2, 0, "")
        assert len(said) == 1 and "refused by" in said[0] and "550" in said[0] and "dropped" in said[0]
        assert sorted(r.recipients[0] for r in smtp.wait(2)) == ["alice@example.org", "root@localhost"]
        assert queue.waiting() == []


def test_queued_mail_is_readable_by_its_owner_only_and_a_queue_others_may_write_is_not_sent(tmp_path):
    # Queued mail holds other users' quota and titles; a folder that existed before (made 0755 by
    # an admin, or 0777 in /tmp by someone else) must not leave them readable, and mail others
    # could have dropped there is not sent through the site's relay.
    folder = tmp_path / "queue"
    folder.mkdir(mode=0o755)
    queue = mailer.MailQueue(folder)
    old = os.umask(0o022)
    try:
        queue.put(mailer.compose("Desk", "desk@example.org", ["alice@example.org"], "quota", "private"))
    finally:
        os.umask(old)
    [queued] = queue.waiting()
    assert queued.stat().st_mode & 0o777 == 0o600
    os.chmod(folder, 0o777)
    with queue.claimed() as mine:
        assert mine == []
    with pytest.raises(PermissionError):
        queue.put(mailer.compose("Desk", "desk@example.org", ["bob@example.org"], "quota", "private"))
    assert len(queue.waiting()) == 1
    os.chmod(folder, 0o700)
    with queue.claimed() as mine:
        assert mine == [queued]


def _clear_text_relay(host: str):
    """A relay on `host` that offers AUTH PLAIN without TLS, and records every command it hears."""
    import socket
    import threading
    server = socket.create_server((host, 0))
    heard: list[str] = []

    def serve():
        try:
            connection, _ = server.accept()
        except OSError:
            return
        with connection, connection.makefile("rwb") as talk:
            talk.write(b"220 relay ESMTP\r\n")
            talk.flush()
            for line in talk:
                command = line.decode("ascii", "replace").strip()
                heard.append(command)
                if command.upper().startswith("EHLO"):
                    talk.write(b"250-relay\r\n250 AUTH PLAIN LOGIN\r\n")
                elif command.upper().startswith("QUIT"):
                    talk.write(b"221 bye\r\n")
                    talk.flush()
                    return
                else:
                    talk.write(b"250 ok\r\n" if not command.upper().startswith("AUTH") else b"235 ok\r\n")
                talk.flush()
    threading.Thread(target=serve, daemon=True).start()
    return server, heard


def test_the_smtp_password_never_crosses_the_network_in_clear(tmp_path):
    # smtpuser with smtpsecurity none (the default) to a relay on another machine: anyone on the way
    # would read the password. It is not sent; the mail waits, and the log says why.
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:     # no packet sent: the route's source
        try:
            probe.connect(("192.0.2.1", 9))
            address = probe.getsockname()[0]
        except OSError:
            address = "127.0.0.1"
    if address.startswith("127."):
        pytest.skip("no address but loopback")
    server, heard = _clear_text_relay(address)
    try:
        relay = type("Relay", (), {"host": address, "port": server.getsockname()[1]})
        config = configured(tmp_path, relay, "smtpuser: printing\n", password="s3cret")
        said: list[str] = []
        delivery = telling.send(config, notice_mails(config), said.append)
    finally:
        server.close()
    assert not any(command.upper().startswith("AUTH") for command in heard), heard
    assert delivery.sent == 0 and delivery.queued == 2
    assert "smtpsecurity" in said[0]
