"""``watch``: triage an IMAPS folder as mail arrives, against a real local IMAPS server.

Every test ends by checking that the server saw a read-only client: EXAMINE, never
SELECT; BODY.PEEK, never BODY[]; no STORE, EXPUNGE, DELETE, COPY, MOVE, APPEND; and
no message carrying ``\\Seen``.
"""

from __future__ import annotations

import imaplib
import io
import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from rempart.errors import InputError
from rempart.mail import watch as watch_module
from rempart.mail.sources import RawMessage
from rempart.mail.watch import (
    Checkpoints,
    FileCheckpoints,
    MemoryCheckpoints,
    WatchStats,
    checkpoint_key,
    mailbox_arg,
    watch,
)
from rempart.model.campaign import ImapTarget
from rempart.testing.imap_server import LocalIMAPServer
from rempart.testing.pki import IssuedCert, LocalCA

USER, PASSWORD = "veille@parti-exemple.fr", "Tr3s-secret!"
FAST_RETRY = (0.05, 0.1, 0.2, 0.4, 0.8)
WRITE_COMMANDS = {
    "STORE",
    "UID STORE",
    "EXPUNGE",
    "UID EXPUNGE",
    "DELETE",
    "COPY",
    "UID COPY",
    "MOVE",
    "UID MOVE",
    "APPEND",
    "CREATE",
    "RENAME",
    "SELECT",
    "CLOSE",
}


def mail(n: int, body_bytes: int = 0) -> bytes:
    """A small distinct message number *n* (optionally padded to *body_bytes*)."""
    body = f"Message numéro {n}.\r\n".encode() + b"x" * body_bytes
    return (
        f"From: Camille Exemple <camille@parti-exemple.fr>\r\n"
        f"To: veille@parti-exemple.fr\r\nSubject: essai {n}\r\n"
        f"Message-ID: <{n}@parti-exemple.fr>\r\n\r\n"
    ).encode() + body


@pytest.fixture(scope="module")
def ca() -> LocalCA:
    """One CA for the module."""
    return LocalCA.create()


@pytest.fixture(scope="module")
def cert(ca: LocalCA) -> IssuedCert:
    """The server certificate (valid for 127.0.0.1)."""
    return ca.issue(["imap.parti-exemple.fr", "127.0.0.1"])


@pytest.fixture
def server(cert: IssuedCert) -> Iterator[LocalIMAPServer]:
    """A fresh server; after the test, it must have seen only read-only commands."""
    with LocalIMAPServer(
        users={USER: PASSWORD}, folders=["Signalements suspects"], cert=cert
    ) as srv:
        yield srv
        assert_read_only(srv)


def assert_read_only(srv: LocalIMAPServer) -> None:
    """No write command, only EXAMINE and BODY.PEEK, and no message marked \\Seen."""
    names = srv.command_names()
    assert not names & WRITE_COMMANDS, names & WRITE_COMMANDS
    for cmd in srv.commands:
        if "FETCH" in cmd.name and "BODY" in cmd.detail:
            assert "BODY.PEEK[" in cmd.detail and "BODY[" not in cmd.detail, cmd
    for folder in ("INBOX", "Signalements suspects"):
        for uid, flags in srv.flags(USER, folder).items():
            assert "\\Seen" not in flags, (folder, uid)


def target(srv: LocalIMAPServer, folder: str = "INBOX") -> ImapTarget:
    """The ImapTarget of the local server."""
    return ImapTarget(user=USER, host="127.0.0.1", port=srv.port, folder=folder)


class Inbox:
    """A handle() that records what it receives."""

    def __init__(self, fail_on: bytes | None = None) -> None:
        self.got: list[RawMessage] = []
        self.fail_on = fail_on
        self.lock = threading.Lock()

    def __call__(self, raw: RawMessage) -> None:
        with self.lock:
            self.got.append(raw)
        if self.fail_on is not None and raw.data is not None and self.fail_on in raw.data:
            raise RuntimeError("triage exploded")

    @property
    def data(self) -> list[bytes | None]:
        with self.lock:
            return [r.data for r in self.got]


def run_once(
    srv: LocalIMAPServer,
    ca: LocalCA,
    inbox: Inbox,
    checkpoints: Checkpoints,
    **kw: object,
) -> WatchStats:
    """watch(once=True) against *srv*."""
    options: dict[str, object] = {"max_message_bytes": 1_000_000, "retry_delays": FAST_RETRY}
    options.update(kw)
    return watch(
        target(srv, str(options.pop("folder", "INBOX"))),
        PASSWORD,
        inbox,
        checkpoints,
        ssl_context=ca.client_context(),
        once=True,
        **options,  # type: ignore[arg-type]
    )


class Background:
    """watch() running in a thread, stopped at the end."""

    def __init__(self, srv: LocalIMAPServer, ca: LocalCA, inbox: Inbox, cps: Checkpoints) -> None:
        self.stop = threading.Event()
        self.status: list[str] = []
        self.result: list[WatchStats | BaseException] = []
        self.thread = threading.Thread(target=self._run, args=(srv, ca, inbox, cps), daemon=True)

    def _run(self, srv: LocalIMAPServer, ca: LocalCA, inbox: Inbox, cps: Checkpoints) -> None:
        try:
            self.result.append(
                watch(
                    target(srv),
                    PASSWORD,
                    inbox,
                    cps,
                    ssl_context=ca.client_context(),
                    poll_seconds=0.05,
                    stop=self.stop,
                    max_message_bytes=1_000_000,
                    retry_delays=FAST_RETRY,
                    timeout=5.0,
                    on_status=self.status.append,
                )
            )
        except BaseException as exc:  # reported to the test
            self.result.append(exc)

    def __enter__(self) -> Background:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(10)
        assert not self.thread.is_alive()

    def stats(self) -> WatchStats:
        self.__exit__()
        (result,) = self.result
        assert isinstance(result, WatchStats), result
        return result


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll *predicate* until true (fail after *timeout* s)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


# -- backlog, resume ------------------------------------------------------------------------


def test_backlog_then_resume_without_double_or_miss(server: LocalIMAPServer, ca: LocalCA) -> None:
    for n in range(3):
        server.append(USER, "INBOX", mail(n))
    cps = MemoryCheckpoints()
    inbox = Inbox()
    stats = run_once(server, ca, inbox, cps)
    assert inbox.data == [mail(0), mail(1), mail(2)]
    assert stats.fetched == 3 and stats.errors == 0 and stats.last_uid == 103
    assert stats.uidvalidity == server.uidvalidity(USER)
    validity = server.uidvalidity(USER)
    assert inbox.got[0].source == (
        f"imaps://veille%40parti-exemple.fr@127.0.0.1:{server.port}/INBOX"
        f";UIDVALIDITY={validity}/;UID=101"
    )
    assert all(r.error == "" for r in inbox.got)
    key = checkpoint_key(target(server))
    assert key == f"imap:{USER}@127.0.0.1:{server.port}/INBOX"
    assert cps.get(key) is not None and cps.get(key)["last_uid"] == 103  # type: ignore[index]

    again = Inbox()  # the watcher restarts: nothing new, nothing redone
    assert run_once(server, ca, again, cps).fetched == 0
    assert again.got == []

    server.append(USER, "INBOX", mail(3))
    server.append(USER, "INBOX", mail(4))
    later = Inbox()
    stats = run_once(server, ca, later, cps)
    assert later.data == [mail(3), mail(4)]
    assert stats.last_uid == 105


def test_backlog_is_bounded(server: LocalIMAPServer, ca: LocalCA) -> None:
    for n in range(6):
        server.append(USER, "INBOX", mail(n))
    inbox = Inbox()
    run_once(server, ca, inbox, MemoryCheckpoints(), backlog=2, batch=1)
    assert inbox.data == [mail(4), mail(5)]

    only_new, cps = Inbox(), MemoryCheckpoints()
    stats = run_once(server, ca, only_new, cps, backlog=0)
    assert only_new.got == [] and stats.last_uid == 106
    server.append(USER, "INBOX", mail(6))
    run_once(server, ca, only_new, cps, backlog=0)
    assert only_new.data == [mail(6)]


def test_empty_folder_with_spaces_and_accents(server: LocalIMAPServer, ca: LocalCA) -> None:
    inbox, cps = Inbox(), MemoryCheckpoints()
    folder = "Signalements suspects"
    assert run_once(server, ca, inbox, cps, folder=folder).fetched == 0
    server.append(USER, folder, mail(1))
    run_once(server, ca, inbox, cps, folder=folder)
    assert inbox.data == [mail(1)]
    assert "Signalements%20suspects;UIDVALIDITY=" in inbox.got[0].source


def test_file_checkpoints_resume(server: LocalIMAPServer, ca: LocalCA, tmp_path: Path) -> None:
    path = tmp_path / "watch.json"
    server.append(USER, "INBOX", mail(1))
    run_once(server, ca, Inbox(), FileCheckpoints(path))
    saved = json.loads(path.read_text())
    assert saved[checkpoint_key(target(server))]["last_uid"] == 101
    assert [p.name for p in tmp_path.iterdir()] == ["watch.json"]  # no temp file left
    server.append(USER, "INBOX", mail(2))
    inbox = Inbox()
    run_once(server, ca, inbox, FileCheckpoints(path))
    assert inbox.data == [mail(2)]


def test_malformed_checkpoint_is_a_first_run(server: LocalIMAPServer, ca: LocalCA) -> None:
    server.append(USER, "INBOX", mail(1))
    cps = MemoryCheckpoints()
    cps.put(checkpoint_key(target(server)), {"uidvalidity": "x", "last_uid": True})
    inbox = Inbox()
    run_once(server, ca, inbox, cps)
    assert inbox.data == [mail(1)]


# -- live watching --------------------------------------------------------------------------


def test_new_mail_while_watching_is_handled_once(server: LocalIMAPServer, ca: LocalCA) -> None:
    server.append(USER, "INBOX", mail(0))
    inbox = Inbox()
    with Background(server, ca, inbox, MemoryCheckpoints()) as bg:
        wait_until(lambda: len(inbox.got) == 1)
        for n in (1, 2, 3):
            server.append(USER, "INBOX", mail(n))
            time.sleep(0.03)
        wait_until(lambda: len(inbox.got) == 4)
        time.sleep(0.2)  # a few more polls: nothing handled twice
        stats = bg.stats()
    assert inbox.data == [mail(0), mail(1), mail(2), mail(3)]
    assert stats.fetched == 4 and stats.last_uid == 104


def test_server_restart_while_watching(server: LocalIMAPServer, ca: LocalCA) -> None:
    server.append(USER, "INBOX", mail(0))
    inbox = Inbox()
    with Background(server, ca, inbox, MemoryCheckpoints()) as bg:
        wait_until(lambda: len(inbox.got) == 1)
        server.restart(downtime=0.3)
        server.append(USER, "INBOX", mail(1))
        wait_until(lambda: len(inbox.got) == 2)
        server.drop_connections()  # the network drops
        server.append(USER, "INBOX", mail(2))
        wait_until(lambda: len(inbox.got) == 3)
        stats = bg.stats()
    assert inbox.data == [mail(0), mail(1), mail(2)]
    assert stats.last_uid == 103
    assert any("lost" in s and "reconnecting" in s for s in bg.status)
    assert any(s.startswith("reconnected to imaps://") for s in bg.status)
    assert server.connections >= 3


def test_unreachable_server_gives_up_with_a_clear_error(cert: IssuedCert, ca: LocalCA) -> None:
    with LocalIMAPServer(users={USER: PASSWORD}, cert=cert) as srv:
        gone = target(srv)
    status: list[str] = []
    with pytest.raises(InputError) as err:
        watch(
            gone,
            PASSWORD,
            Inbox(),
            MemoryCheckpoints(),
            ssl_context=ca.client_context(),
            once=True,
            max_message_bytes=1000,
            retry_delays=(0.01, 0.01),
            on_status=status.append,
        )
    assert f"127.0.0.1:{gone.port}" in str(err.value) and "3 attempts" in str(err.value)
    assert len(status) == 2


# -- UIDVALIDITY ------------------------------------------------------------------------------


def test_uidvalidity_change_restarts_without_double_counting(
    server: LocalIMAPServer, ca: LocalCA
) -> None:
    for n in range(3):
        server.append(USER, "INBOX", mail(n))
    cps, status = MemoryCheckpoints(), list[str]()
    first = run_once(server, ca, Inbox(), cps)
    new_validity = server.reset_uidvalidity(USER)
    assert new_validity != first.uidvalidity
    server.append(USER, "INBOX", mail(3))  # arrived while the folder was rebuilt
    inbox = Inbox()
    stats = run_once(server, ca, inbox, cps, on_status=status.append)
    assert inbox.data == [mail(3)]  # the three old ones are recognised, not redone
    assert stats.uidvalidity == new_validity and stats.last_uid == 104
    assert any("UIDVALIDITY of imaps://" in s and "changed" in s for s in status)

    server.append(USER, "INBOX", mail(4))
    server.append(USER, "INBOX", mail(1))  # same bytes again, but new mail: handled
    later = Inbox()
    run_once(server, ca, later, cps)
    assert later.data == [mail(4), mail(1)]


def test_uidvalidity_change_while_watching(server: LocalIMAPServer, ca: LocalCA) -> None:
    server.append(USER, "INBOX", mail(0))
    server.append(USER, "INBOX", mail(1))
    inbox = Inbox()
    with Background(server, ca, inbox, MemoryCheckpoints()) as bg:
        wait_until(lambda: len(inbox.got) == 2)
        server.reset_uidvalidity(USER)
        server.append(USER, "INBOX", mail(2))
        wait_until(lambda: len(inbox.got) == 3)
        time.sleep(0.2)
        stats = bg.stats()
    assert inbox.data == [mail(0), mail(1), mail(2)]
    assert stats.uidvalidity == server.uidvalidity(USER)
    assert any("changed" in s for s in bg.status)


# -- errors -------------------------------------------------------------------------------------


def test_wrong_password_is_one_clear_error(server: LocalIMAPServer, ca: LocalCA) -> None:
    wrong = "Mauvais-mot-de-passe-42"
    with pytest.raises(InputError) as err:
        watch(
            target(server),
            wrong,
            Inbox(),
            MemoryCheckpoints(),
            ssl_context=ca.client_context(),
            max_message_bytes=1000,
            retry_delays=FAST_RETRY,
        )
    text = str(err.value)
    assert "\n" not in text
    assert f"127.0.0.1:{server.port}" in text and USER in text and "refused" in text
    assert wrong not in text and PASSWORD not in text
    assert server.connections == 1  # not retried


def test_untrusted_certificate_is_an_input_error(server: LocalIMAPServer) -> None:
    with pytest.raises(InputError, match="not trusted"):
        watch(
            target(server),
            PASSWORD,
            Inbox(),
            MemoryCheckpoints(),
            ssl_context=LocalCA.create("Autre CA").client_context(),
            once=True,
            max_message_bytes=1000,
        )


def test_unknown_folder_is_an_input_error(server: LocalIMAPServer, ca: LocalCA) -> None:
    with pytest.raises(InputError, match="Nulle part"):
        run_once(server, ca, Inbox(), MemoryCheckpoints(), folder="Nulle part")


def test_non_ascii_password_logs_in(cert: IssuedCert, ca: LocalCA) -> None:
    with LocalIMAPServer(users={"élu": "mot-de-passe-été"}, cert=cert) as srv:
        srv.append("élu", "INBOX", mail(1))
        inbox = Inbox()
        where = ImapTarget(user="élu", host="127.0.0.1", port=srv.port, folder="INBOX")
        watch(
            where,
            "mot-de-passe-été",
            inbox,
            MemoryCheckpoints(),
            ssl_context=ca.client_context(),
            once=True,
            max_message_bytes=1000,
        )
        assert inbox.data == [mail(1)]
        assert "AUTHENTICATE" in srv.command_names()


def test_oversized_message_is_fetched_partially(server: LocalIMAPServer, ca: LocalCA) -> None:
    big, small = mail(1, body_bytes=5000), mail(2)
    server.append(USER, "INBOX", big)
    server.append(USER, "INBOX", small)
    inbox = Inbox()
    stats = run_once(server, ca, inbox, MemoryCheckpoints(), max_message_bytes=1000)
    first, second = inbox.got
    assert (first.data, first.size, first.error) == (big[:1000], len(big), "")
    assert (second.data, second.size, second.error) == (small, len(small), "")
    assert stats.fetched == 2 and stats.errors == 0
    details = [c.detail for c in server.commands if c.name == "UID FETCH"]
    assert "BODY.PEEK[]<0.1000> UID" in details and "BODY.PEEK[] UID" in details


def test_handle_error_does_not_stop_the_others(server: LocalIMAPServer, ca: LocalCA) -> None:
    for n in range(3):
        server.append(USER, "INBOX", mail(n))
    inbox, cps, status = Inbox(fail_on=b"essai 1"), MemoryCheckpoints(), list[str]()
    stats = run_once(server, ca, inbox, cps, on_status=status.append)
    assert [r.data for r in inbox.got] == [mail(0), mail(1), None, mail(2)]
    failed = inbox.got[2]
    assert failed.source.endswith(";UID=102")
    assert failed.error == "triage failed: RuntimeError: triage exploded"
    assert stats.fetched == 3 and stats.errors == 1 and stats.last_uid == 103
    assert any("UID=102: triage failed" in s for s in status)
    assert run_once(server, ca, Inbox(), cps).fetched == 0  # the checkpoint moved past it


# -- helpers ---------------------------------------------------------------------------------------


def test_mailbox_arg_modified_utf7() -> None:
    assert mailbox_arg("INBOX") == '"INBOX"'
    assert mailbox_arg("Signalés & co") == '"Signal&AOk-s &- co"'
    assert mailbox_arg("台北") == '"&U,BTFw-"'  # RFC 3501 example
    assert mailbox_arg('a"b\\c') == '"a\\"b\\\\c"'


def test_checkpoint_stores_are_copies(tmp_path: Path) -> None:
    for cps in (MemoryCheckpoints(), FileCheckpoints(tmp_path / "c.json")):
        value: dict[str, object] = {"last_uid": 1, "recent": ["a"]}
        cps.put("k", value)
        value["last_uid"] = 2
        assert cps.get("k") == {"last_uid": 1, "recent": ["a"]}
        assert cps.get("other") is None


def test_corrupt_checkpoint_file_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text("{not json")
    with pytest.raises(InputError, match=r"c\.json"):
        FileCheckpoints(path).get("k")


def test_bad_arguments_are_refused(server: LocalIMAPServer, ca: LocalCA) -> None:
    with pytest.raises(ValueError):
        run_once(server, ca, Inbox(), MemoryCheckpoints(), max_message_bytes=0)


def test_message_that_kills_the_connection_is_given_up(
    server: LocalIMAPServer, ca: LocalCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fetch that breaks the connection every time is tried 3 times, then reported."""
    for n in range(3):
        server.append(USER, "INBOX", mail(n))
    real_body = watch_module._Session.body
    tries: list[int] = []

    def body(self: object, uid: int, partial: int | None) -> tuple[bytes | None, int, str]:
        if uid == 102:
            tries.append(uid)
            raise imaplib.IMAP4.abort("socket error: EOF")
        return real_body(self, uid, partial)  # type: ignore[arg-type]

    monkeypatch.setattr(watch_module._Session, "body", body)
    inbox = Inbox()
    stats = run_once(server, ca, inbox, MemoryCheckpoints())
    assert len(tries) == 3
    assert [r.data for r in inbox.got] == [mail(0), None, mail(2)]
    assert "broke the connection 3 times" in inbox.got[1].error
    assert stats.errors == 1 and stats.last_uid == 103


def test_literal_cap_reads_and_drops_the_excess() -> None:
    client = object.__new__(watch_module._Client)
    client.file = io.BytesIO(b"a" * 10 + b"b" * 200_000 + b"REST")
    client.literal_cap = 10
    assert client.read(200_010) == b"a" * 10
    assert client.cut_from == 200_010
    assert client.file.read() == b"REST"  # the stream stays in step


def test_body_literal_finds_uid_before_or_after() -> None:
    find = watch_module._body_literal
    assert find([(b"1 (BODY[] {2}", b"hi"), b" UID 7)"], 7) == b"hi"
    assert find([(b"1 (UID 7 BODY[]<0> {2}", b"hi"), b")"], 7) == b"hi"
    assert find([(b"3 (UID 9 BODY[] {2}", b"no"), b")", (b"1 (BODY[] {2}", b"ok")], 7) == b"ok"
    assert find([b"1 (FLAGS (\\Seen) UID 7)"], 7) is None
