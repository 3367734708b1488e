"""LocalIMAPServer: a real IMAPS server (pymap) on loopback, observable by the test."""

from __future__ import annotations

import contextlib
import imaplib
import ssl
from collections.abc import Callable, Iterator

import pytest

from rempart.testing.imap_server import LocalIMAPServer, SeenCommand
from rempart.testing.pki import IssuedCert, LocalCA

Connect = Callable[[], imaplib.IMAP4_SSL]
MSG = b"From: a@exemple.test\r\nTo: b@exemple.test\r\nSubject: un\r\n\r\nbonjour\r\n"


@pytest.fixture(scope="module")
def cert(ca: LocalCA) -> IssuedCert:
    """A certificate for the loopback address, signed by the session CA."""
    return ca.issue(["imap.test", "127.0.0.1"])


@pytest.fixture
def server(cert: IssuedCert) -> Iterator[LocalIMAPServer]:
    """A started server with one user and two folders."""
    with LocalIMAPServer(
        users={"alice": "s3cret", "bob": "mot-de-passe"}, folders=["Signalés"], cert=cert
    ) as srv:
        yield srv


@pytest.fixture
def connect(server: LocalIMAPServer, ca: LocalCA) -> Iterator[Callable[[], imaplib.IMAP4_SSL]]:
    """Open clients trusting the session CA; all are closed after the test."""
    opened: list[imaplib.IMAP4_SSL] = []

    def open_one() -> imaplib.IMAP4_SSL:
        client = imaplib.IMAP4_SSL(
            "127.0.0.1", server.port, ssl_context=ca.client_context(), timeout=5
        )
        opened.append(client)
        return client

    yield open_one
    for client in opened:
        with contextlib.suppress(OSError):  # some were cut by the server
            client.shutdown()
        client.sock.close()


def test_tls_login_examine_fetch(server: LocalIMAPServer, connect: Connect) -> None:
    uid = server.append("alice", "INBOX", MSG)
    assert uid == 101
    c = connect()
    assert "STARTTLS" not in c.capabilities  # implicit TLS, nothing to upgrade
    c.login("alice", "s3cret")
    typ, data = c.select("INBOX", readonly=True)
    assert (typ, data) == ("OK", [b"1"])
    assert c.response("UIDVALIDITY")[1] == [str(server.uidvalidity("alice")).encode()]
    typ, fetched = c.uid("FETCH", "101", "(BODY.PEEK[])")
    assert typ == "OK"
    assert isinstance(fetched[0], tuple) and fetched[0][1] == MSG
    c.logout()
    assert SeenCommand("alice", "EXAMINE", "INBOX") in server.commands
    assert SeenCommand("alice", "UID FETCH", "BODY.PEEK[] UID") in server.commands
    assert all(c.detail == "" for c in server.commands if c.name == "LOGIN")


def test_untrusted_client_fails_handshake(server: LocalIMAPServer) -> None:
    other = LocalCA.create("Other CA")
    with pytest.raises(ssl.SSLCertVerificationError):
        imaplib.IMAP4_SSL("127.0.0.1", server.port, ssl_context=other.client_context(), timeout=5)


def test_wrong_password_refused(server: LocalIMAPServer, connect: Connect) -> None:
    c = connect()
    with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        c.login("alice", "nope")


def test_users_have_separate_folders(server: LocalIMAPServer, connect: Connect) -> None:
    server.append("bob", "Signalés", MSG)
    assert server.uids("bob", "Signalés") == [101]
    assert server.uids("alice", "Signalés") == []
    c = connect()
    c.login("bob", "mot-de-passe")
    typ, data = c.select('"Signal&AOk-s"', readonly=True)  # modified UTF-7
    assert (typ, data) == ("OK", [b"1"])


def test_append_while_connected_is_seen(server: LocalIMAPServer, connect: Connect) -> None:
    c = connect()
    c.login("alice", "s3cret")
    c.select("INBOX", readonly=True)
    server.append("alice", "INBOX", MSG)
    server.append("alice", "INBOX", MSG + b"2")
    c.noop()
    assert c.uid("SEARCH", "UID", "1:*") == ("OK", [b"101 102"])


def test_writes_are_observable(server: LocalIMAPServer, connect: Connect) -> None:
    """A client that marks a message read is caught by commands and flags."""
    server.append("alice", "INBOX", MSG)
    c = connect()
    c.login("alice", "s3cret")
    c.select("INBOX")
    c.uid("FETCH", "101", "(BODY[])")
    assert server.flags("alice") == {101: frozenset({"\\Seen"})}
    c.uid("STORE", "101", "+FLAGS", "(\\Flagged)")
    assert {"SELECT", "UID FETCH", "UID STORE"} <= server.command_names()
    assert "\\Flagged" in server.flags("alice")[101]


def test_restart_keeps_port_and_mail(server: LocalIMAPServer, connect: Connect) -> None:
    server.append("alice", "INBOX", MSG)
    c = connect()
    c.login("alice", "s3cret")
    c.select("INBOX", readonly=True)
    port = server.port
    server.restart(downtime=0.05)
    with pytest.raises((imaplib.IMAP4.abort, OSError)):
        c.noop()
    assert server.port == port
    c = connect()
    c.login("alice", "s3cret")
    assert c.select("INBOX", readonly=True) == ("OK", [b"1"])
    assert server.connections == 2


def test_reset_uidvalidity_renumbers(server: LocalIMAPServer, connect: Connect) -> None:
    for i in range(3):
        server.append("alice", "INBOX", MSG + str(i).encode())
    before = server.uidvalidity("alice")
    c = connect()
    c.login("alice", "s3cret")
    c.select("INBOX", readonly=True)
    after = server.reset_uidvalidity("alice")
    assert after != before
    assert server.uids("alice") == [101, 102, 103]
    with pytest.raises((imaplib.IMAP4.abort, OSError)):
        c.noop()
    c = connect()
    c.login("alice", "s3cret")
    c.select("INBOX", readonly=True)
    assert c.response("UIDVALIDITY")[1] == [str(after).encode()]
    typ, fetched = c.uid("FETCH", "103", "(BODY.PEEK[])")
    assert typ == "OK"
    assert isinstance(fetched[0], tuple) and fetched[0][1] == MSG + b"2"


def test_stop_is_idempotent_and_releases_port(cert: IssuedCert) -> None:
    srv = LocalIMAPServer(users={"u": "p"}, cert=cert).start()
    port = srv.port
    srv.stop()
    srv.stop()
    with LocalIMAPServer(port=port, users={"u": "p"}, cert=cert) as again:
        assert again.port == port
