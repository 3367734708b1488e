"""A local IMAPS server (implicit TLS) built on pymap's in-memory backend, for offline tests.

pymap is a real asyncio IMAP4rev1 server; this module runs its ``dict`` backend in a
daemon thread with its own event loop, behind a TLS listener on loopback (IMAPS,
port 993 style: TLS from the first byte, no STARTTLS). The test gives users and
folders, appends messages while the server runs (new mail arriving), can change
a folder's UIDVALIDITY, drop every connection or restart the listener on the same
port, and observes what clients did: every command they sent (``commands``) and
the flags of every message (``flags``), so it can assert that a client stayed
read-only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import socket
import threading
from argparse import Namespace
from collections.abc import Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from proxyprotocol.reader import ProxyProtocolReader
from proxyprotocol.sock import SocketInfo
from pymap.backend.dict import Config, DictBackend, Login
from pymap.backend.dict.filter import FilterSet
from pymap.backend.dict.mailbox import MailboxData, MailboxSet
from pymap.concurrent import Subsystem
from pymap.context import connection_exit
from pymap.imap import IMAPConnection, IMAPServer
from pymap.imap.state import ConnectionState
from pymap.mailbox import MailboxSnapshot
from pymap.parsing.command import Command
from pymap.parsing.command.auth import CommandMailboxArg
from pymap.parsing.command.nonauth import AuthenticateCommand, LoginCommand
from pymap.parsing.command.select import FetchCommand
from pymap.parsing.message import AppendMessage
from pymap.parsing.specials import FetchAttribute
from pymap.parsing.specials.flag import Flag
from pymap.user import UserMetadata
from pysasl.hashing import Cleartext

from rempart.testing._service import Service
from rempart.testing.pki import IssuedCert, LocalCA

logger = logging.getLogger(__name__)

_T = TypeVar("_T")
_CALL_TIMEOUT = 10.0
_HANDSHAKE_TIMEOUT = 10.0
_SEEN_MAX = 10_000


@dataclass(frozen=True)
class SeenCommand:
    """One command a client sent (the last ``10000`` are kept, oldest first)."""

    user: str
    """Who was logged in when it was sent ("" before login)."""
    name: str
    """The command as named by IMAP, upper case: ``EXAMINE``, ``UID FETCH``, ``STORE``."""
    detail: str
    """The mailbox for mailbox commands; the fetch items as the client wrote them
    (``BODY.PEEK[]<0.100>``) for FETCH; empty otherwise (never a password)."""


class _Plain(Cleartext):
    """Passwords kept as given, compared as UTF-8 bytes (Cleartext refuses non-ASCII)."""

    def verify(self, secret: str, hash: str) -> bool:
        """Constant-time comparison of the UTF-8 bytes."""
        return secrets.compare_digest(secret.encode("utf-8"), hash.encode("utf-8"))


class _Config(Config):
    """The dict backend's config with a fixed greeting (no reverse DNS lookup)."""

    hostname = "imap.test"

    @property
    def greeting(self) -> bytes:
        """The server greeting text."""
        return b"Server ready " + self.hostname.encode("ascii", "replace")


class _Recorder:
    """Thread-safe record of commands and open connections."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.commands: list[SeenCommand] = []
        self.writers: set[asyncio.StreamWriter] = set()
        self.connections = 0

    def command(self, seen: SeenCommand) -> None:
        """Keep one command, dropping the oldest past the cap."""
        with self.lock:
            self.commands.append(seen)
            del self.commands[:-_SEEN_MAX]


class _Connection(IMAPConnection):
    """A pymap connection that reports each parsed command to the recorder."""

    recorder: _Recorder

    async def read_command(self, state: ConnectionState) -> Command:
        """Parse the next command and record it."""
        cmd = await super().read_command(state)
        self.recorder.command(SeenCommand(_user_of(state), _name_of(cmd), _detail_of(cmd)))
        return cmd


class _Server(IMAPServer):
    """pymap's per-connection callable, using the recording connection class."""

    def __init__(self, backend: DictBackend, config: _Config, recorder: _Recorder) -> None:
        super().__init__(backend.login, config)
        self._recorder_ref = recorder

    async def __call__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, sock_info: SocketInfo
    ) -> None:
        """Run one connection from greeting to logout, tracking its writer."""
        recorder = self._recorder_ref
        _no_delay(writer)
        with recorder.lock:
            recorder.writers.add(writer)
            recorder.connections += 1
        conn = _Connection(self.commands, self._config, reader, writer, sock_info)
        conn.recorder = recorder
        state = ConnectionState(self._login, self._config)
        try:
            async with contextlib.AsyncExitStack() as stack:
                connection_exit.set(stack)
                stack.enter_context(contextlib.closing(conn))
                await conn.run(state)
        except Exception:  # a dropped connection ends here; never kill the loop
            logger.debug("IMAP connection ended with an error", exc_info=True)
        finally:
            with recorder.lock:
                recorder.writers.discard(writer)


def _no_delay(writer: asyncio.StreamWriter) -> None:
    """Disable Nagle: pymap writes a response in several small TLS records, and
    Nagle plus the client's delayed ACK would add 40 ms to every command."""
    sock = writer.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _user_of(state: ConnectionState) -> str:
    """The logged-in user of a connection, "" before login."""
    try:
        return str(state.session.owner)
    except AttributeError:
        return ""


def _name_of(cmd: Command) -> str:
    """The IMAP command name, upper case."""
    return cmd.command.decode("ascii", "replace").upper()


def _detail_of(cmd: Command) -> str:
    """Mailbox or fetch items of a command; never credentials."""
    if isinstance(cmd, LoginCommand | AuthenticateCommand):
        return ""
    if isinstance(cmd, FetchCommand):
        return " ".join(_request_form(attr) for attr in cmd.attributes)
    if isinstance(cmd, CommandMailboxArg):
        return str(cmd.mailbox)
    return ""


def _request_form(attr: FetchAttribute) -> str:
    """A fetch item as the client wrote it: ``BODY.PEEK[]<0.10>`` keeps its ``.PEEK``."""
    raw = attr.raw
    value = attr.value
    if value.endswith(b".PEEK"):
        base = value[: -len(b".PEEK")]
        raw = value + raw[len(base) :]
    return raw.decode("ascii", "replace")


class LocalIMAPServer(Service):
    """An IMAPS server on loopback with in-memory users, folders and messages.

    ``users`` maps login names to passwords; every user gets the ``folders``
    (``INBOX`` always exists). UIDs of a fresh folder start at 101. All methods
    are thread-safe and may be called from the test while clients are connected.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        users: Mapping[str, str] | None = None,
        folders: Sequence[str] = ("INBOX",),
        cert: IssuedCert | None = None,
        hostname: str = "imap.test",
    ) -> None:
        """Configure the server; without *cert* a self-signed one for *hostname* is made."""
        self.host = host
        self._port = port
        self.hostname = hostname
        self.users = dict(users if users is not None else {"user": "password"})
        self.folders = tuple(dict.fromkeys(("INBOX", *folders)))
        if cert is None:
            cert = LocalCA.create().issue([hostname, host], sign_with_ca=False)
        self._tls = cert.server_context()
        self._recorder = _Recorder()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._config: _Config | None = None
        self._backend: DictBackend | None = None
        self._listener: asyncio.Server | None = None

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> LocalIMAPServer:
        """Start the event loop thread, create users and folders, and listen."""
        if self._loop is not None:
            raise RuntimeError("server already started")
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        thread = threading.Thread(
            target=self._run_loop, args=(loop, ready), name="imap-server", daemon=True
        )
        thread.start()
        ready.wait()
        self._loop, self._thread = loop, thread
        try:
            self._call(self._setup())
            self._call(self._listen())
        except BaseException:
            self.stop()
            raise
        logger.debug("IMAP server %s listening on %s:%d", self.hostname, self.host, self._port)
        return self

    def stop(self) -> None:
        """Close the listener and every connection, stop the loop thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        with contextlib.suppress(Exception):
            self._call(self._close())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=_CALL_TIMEOUT)
        if not thread.is_alive():
            loop.close()
        self._loop = self._thread = None
        logger.debug("IMAP server on port %d stopped", self._port)

    def restart(self, downtime: float = 0.0) -> None:
        """Drop every connection and the listener, wait *downtime* s, listen again (same port).

        The mailboxes survive, like a real server restarting on its disk.
        """
        self._call(self._close())
        if downtime > 0:
            threading.Event().wait(downtime)
        self._call(self._listen())

    def drop_connections(self) -> int:
        """Abort every open client connection (the network failing); return how many."""
        return self._call(self._abort_all())

    # -- content -----------------------------------------------------------------------

    def append(
        self,
        user: str,
        folder: str,
        message: bytes,
        *,
        flags: Iterable[str] = (),
        when: datetime | None = None,
    ) -> int:
        """Deliver *message* into *folder* of *user*; return its UID."""
        return self._call(self._append(user, folder, message, flags, when))

    def uids(self, user: str, folder: str = "INBOX") -> list[int]:
        """UIDs of the messages in *folder*, ascending."""
        return sorted(self.flags(user, folder))

    def flags(self, user: str, folder: str = "INBOX") -> dict[int, frozenset[str]]:
        """Permanent flags of every message in *folder*, by UID (``\\Seen`` etc.)."""
        return self._call(self._flags(user, folder))

    def uidvalidity(self, user: str, folder: str = "INBOX") -> int:
        """The current UIDVALIDITY of *folder*."""
        return self._call(self._uidvalidity(user, folder))

    def reset_uidvalidity(self, user: str, folder: str = "INBOX") -> int:
        """Renumber *folder* like a server rebuilding its index; return the new UIDVALIDITY.

        The folder gets a new UIDVALIDITY and its messages new UIDs from 101 (so old
        UIDs now name other messages); every connection is dropped, as real servers do.
        """
        value = self._call(self._reset(user, folder))
        self.drop_connections()
        return value

    # -- observation -------------------------------------------------------------------

    @property
    def commands(self) -> list[SeenCommand]:
        """Every command clients sent, oldest first."""
        with self._recorder.lock:
            return list(self._recorder.commands)

    def command_names(self) -> set[str]:
        """The distinct command names clients sent."""
        return {c.name for c in self.commands}

    @property
    def connections(self) -> int:
        """How many client connections were accepted since the start."""
        with self._recorder.lock:
            return self._recorder.connections

    def clear_commands(self) -> None:
        """Forget the commands recorded so far."""
        with self._recorder.lock:
            self._recorder.commands.clear()

    # -- inside the loop ---------------------------------------------------------------

    @staticmethod
    def _run_loop(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
        """Thread body: run the server's event loop until stop()."""
        asyncio.set_event_loop(loop)
        loop.call_soon(ready.set)
        loop.run_forever()
        with contextlib.suppress(Exception):
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))

    def _call(self, coro: Coroutine[Any, Any, _T]) -> _T:
        """Run *coro* on the server loop from any other thread and return its result."""
        if self._loop is None:
            coro.close()
            raise RuntimeError("server not started")
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(timeout=_CALL_TIMEOUT)

    async def _setup(self) -> None:
        """Build the pymap config, backend, users and folders."""
        args = Namespace(passlib_cfg=None, proxy_protocol=None, debug=False)
        _Config.hostname = self.hostname
        config = _Config(
            args,
            host=self.host,
            port=self._port,
            demo_data=False,
            demo_user="",
            demo_password="",
            ssl_context=self._tls,
            tls_enabled=False,  # TLS is implicit on the listener: no STARTTLS
            hash_context=_Plain(),
            cpu_subsystem=Subsystem.for_asyncio(),
            invalid_user_sleep=0.0,
            reject_dnsbl=False,
            bad_command_limit=None,
        )
        backend = DictBackend(Login(config), config)
        for name, password in self.users.items():
            backend.login.users_dict[name] = UserMetadata(config, name, password=password)
            mailbox_set = MailboxSet()
            for folder in self.folders:
                if folder.upper() != "INBOX":
                    await mailbox_set.add_mailbox(folder)
            config.set_cache[name] = (mailbox_set, FilterSet())
        self._config, self._backend = config, backend

    async def _listen(self) -> None:
        """Bind the port (the same one after a restart) and serve TLS connections."""
        assert self._config is not None and self._backend is not None
        sock = _listening_socket(self.host, self._port)
        self._port = sock.getsockname()[1]
        server = _Server(self._backend, self._config, self._recorder)
        callback = ProxyProtocolReader(self._config.proxy_protocol).get_callback(server)
        self._listener = await asyncio.start_server(
            callback, sock=sock, ssl=self._tls, ssl_handshake_timeout=_HANDSHAKE_TIMEOUT
        )

    async def _close(self) -> None:
        """Stop listening and abort every connection."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        await self._abort_all()
        if listener is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(listener.wait_closed(), 2.0)

    async def _abort_all(self) -> int:
        """Abort every open connection's transport."""
        with self._recorder.lock:
            writers = list(self._recorder.writers)
            self._recorder.writers.clear()
        for writer in writers:
            writer.transport.abort()
        await asyncio.sleep(0)
        return len(writers)

    async def _mailbox(self, user: str, folder: str) -> MailboxData:
        """The folder's data; KeyError for an unknown user or folder."""
        assert self._config is not None
        mailbox_set, _ = self._config.set_cache[user]
        return await mailbox_set.get_mailbox(folder)

    async def _append(
        self,
        user: str,
        folder: str,
        message: bytes,
        flags: Iterable[str],
        when: datetime | None,
    ) -> int:
        """Append one message (as pymap's APPEND does) and return its UID."""
        mbx = await self._mailbox(user, folder)
        flag_set = frozenset(Flag(f.encode("ascii")) for f in flags)
        stamp = when or datetime.now(UTC)
        msg = await mbx.append(AppendMessage(message, stamp, flag_set), recent=True)
        return msg.uid

    async def _flags(self, user: str, folder: str) -> dict[int, frozenset[str]]:
        """Permanent flags by UID."""
        mbx = await self._mailbox(user, folder)
        out: dict[int, frozenset[str]] = {}
        async for msg in mbx.messages():
            out[msg.uid] = frozenset(bytes(f).decode("ascii") for f in msg.permanent_flags)
        return out

    async def _uidvalidity(self, user: str, folder: str) -> int:
        """The folder's UIDVALIDITY."""
        return (await self._mailbox(user, folder)).uid_validity

    async def _reset(self, user: str, folder: str) -> int:
        """Give the folder a new UIDVALIDITY and renumber its messages from 101."""
        mbx = await self._mailbox(user, folder)
        old = mbx.uid_validity
        new = old
        while new == old:
            new = MailboxSnapshot.new_uid_validity()
        messages = [m async for m in mbx.messages()]
        async with mbx.messages_lock.write_lock():
            mbx._messages.clear()
            mbx._max_uid = 100
            mbx._uid_validity = new
        for msg in messages:
            content = msg._content
            if content is None:
                continue
            literal = bytes(content)
            await mbx.append(AppendMessage(literal, msg.internal_date, msg.permanent_flags))
        return new


def _listening_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on (host, port); port 0 picks a free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


__all__ = ["LocalIMAPServer", "SeenCommand"]
