"""Watch an IMAPS folder: hand each new message to a triage callback, read-only, resumable.

``watch`` logs in over implicit TLS (IMAPS), opens the folder with EXAMINE (the
server itself then refuses any change), and fetches messages with
``UID FETCH n BODY.PEEK[]`` (never sets ``\\Seen``). It never sends STORE,
EXPUNGE, DELETE, COPY or MOVE. Progress lives in a checkpoint
``{"uidvalidity", "last_uid", "recent", "dedupe_until"}`` under the key
``imap:{user}@{host}:{port}/{folder}``, written after every message, so a crash
redoes at most the message being handled.

Choices, so that a run is predictable:

* **First run** (no checkpoint): the last ``backlog`` messages already in the
  folder (500 by default, 0 for "only new mail") are triaged once, then new mail.
* **Poison messages**: a message that cannot be fetched, or whose ``handle``
  raises, is reported (``RawMessage`` with ``error``) and the checkpoint moves
  past it; a message whose fetch keeps killing the connection is given up after
  three tries. The watcher never loops on one message.
* **Oversized messages** (``RFC822.SIZE`` above ``max_message_bytes``) are fetched
  partially (``BODY.PEEK[]<0.max>``) and handed over like ``sources`` does for a
  big file: ``data`` cut, ``size`` the true size (so the parser reports the cut).
  A server sending more than it announced is cut the same way (the excess is
  read and dropped, never kept in memory).
* **UIDVALIDITY change** (the server renumbered the folder): UIDs of the old
  numbering mean nothing any more, so the watcher re-reads the last ``backlog``
  messages of the new numbering and skips those whose content digest it already
  handled (the checkpoint keeps digests of the last messages handled). Nothing is
  counted twice, and mail that arrived while the folder was being rebuilt is
  still triaged.
* **Connection lost / server restarted**: reconnect after 1, 2, 5, 10, 30, 60,
  120, 300 s, then every 300 s, and resume from the checkpoint. A one-shot run
  (``once``), or a watcher that never managed to log in (wrong host, port...),
  gives up after the last delay with ``InputError``. A wrong password or an
  untrusted certificate is not retried: ``InputError`` at once, naming server and
  user, never the password.
* **Polling**: every ``poll_seconds`` the folder is examined again (fresh
  UIDVALIDITY and UIDNEXT) and ``UID SEARCH UID n+1:*`` lists the new messages.
"""

from __future__ import annotations

import contextlib
import hashlib
import imaplib
import json
import logging
import os
import re
import ssl
import tempfile
import threading
from base64 import b64encode
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

from rempart.errors import InputError
from rempart.mail.sources import RawMessage
from rempart.model.campaign import ImapTarget

logger = logging.getLogger(__name__)

DEFAULT_BACKLOG = 500
DEFAULT_RETRY_DELAYS: tuple[float, ...] = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
_TIMEOUT = 30.0
_MAX_FETCH_TRIES = 3
_RECENT_MIN = 100
_RECENT_MAX = 5000
_DIGEST_CHARS = 32
_DRAIN_CHUNK = 64 * 1024
_MIN_LITERAL_CAP = 64 * 1024
_TEXT_MAX = 200

_UID_RE = re.compile(rb"UID (\d{1,10})")
_SIZE_RE = re.compile(rb"RFC822\.SIZE (\d{1,15})")
_NUM_RE = re.compile(rb"\d{1,10}")


# -- checkpoints ------------------------------------------------------------------------


class Checkpoints(Protocol):
    """Where the watcher keeps its progress: small JSON-able dicts by key."""

    def get(self, key: str) -> dict[str, object] | None:
        """The value stored under *key*, or None."""
        ...

    def put(self, key: str, value: dict[str, object]) -> None:
        """Store *value* under *key* (replacing it), durably before returning."""
        ...


class MemoryCheckpoints:
    """Checkpoints in a dict (tests, one-shot runs)."""

    def __init__(self) -> None:
        """Start empty."""
        self._data: dict[str, str] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> dict[str, object] | None:
        """A copy of the value under *key*, or None."""
        with self._lock:
            text = self._data.get(key)
        return None if text is None else _as_dict(json.loads(text))

    def put(self, key: str, value: dict[str, object]) -> None:
        """Store a copy of *value*."""
        text = json.dumps(value)
        with self._lock:
            self._data[key] = text


class FileCheckpoints:
    """Checkpoints in one JSON file, rewritten atomically (temp file + rename) on each put."""

    def __init__(self, path: Path | str) -> None:
        """Use *path* (created on the first put; its directory must exist)."""
        self.path = Path(path)
        self._lock = threading.Lock()

    def get(self, key: str) -> dict[str, object] | None:
        """The value under *key*, or None; InputError if the file is not a JSON object."""
        with self._lock:
            value = self._load().get(key)
        return _as_dict(value) if isinstance(value, dict) else None

    def put(self, key: str, value: dict[str, object]) -> None:
        """Set *key* and rewrite the file atomically (fsync, then rename over the old one)."""
        with self._lock:
            data = self._load()
            data[key] = value
            _atomic_write(self.path, json.dumps(data, indent=1, sort_keys=True) + "\n")

    def _load(self) -> dict[str, object]:
        """The whole file as a dict ({} when missing)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise InputError(f"{self.path}: cannot read the checkpoint file: {exc}") from exc
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InputError(f"{self.path}: the checkpoint file is not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise InputError(f"{self.path}: the checkpoint file must hold a JSON object")
        return data


def _atomic_write(path: Path, text: str) -> None:
    """Write *text* to *path* so that readers see the old or the new file, never half."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _as_dict(value: object) -> dict[str, object] | None:
    """*value* as a str-keyed dict, or None."""
    if not isinstance(value, dict):
        return None
    return {str(k): v for k, v in value.items()}


def checkpoint_key(target: ImapTarget) -> str:
    """The checkpoint key of a folder: ``imap:{user}@{host}:{port}/{folder}``."""
    return f"imap:{target.user}@{target.host}:{target.port}/{target.folder}"


@dataclass(frozen=True)
class _Cursor:
    """Where the watcher stands in one folder numbering."""

    uidvalidity: int
    last_uid: int
    recent: tuple[str, ...] = ()
    """Digests of the last messages handled (to skip them after a renumbering)."""
    dedupe_until: int = 0
    """After a UIDVALIDITY change: UIDs up to this one are skipped if already seen."""

    def to_json(self) -> dict[str, object]:
        """The checkpoint value."""
        return {
            "uidvalidity": self.uidvalidity,
            "last_uid": self.last_uid,
            "recent": list(self.recent),
            "dedupe_until": self.dedupe_until,
        }

    @classmethod
    def from_json(cls, value: dict[str, object] | None) -> _Cursor | None:
        """The cursor in a checkpoint value, None if absent or malformed."""
        if value is None:
            return None
        validity, last = value.get("uidvalidity"), value.get("last_uid")
        if not isinstance(validity, int) or not isinstance(last, int):
            return None
        if not _is_uint(validity) or not _is_uint(last):
            return None
        recent = value.get("recent", [])
        digests = tuple(d for d in recent if isinstance(d, str)) if isinstance(recent, list) else ()
        until = value.get("dedupe_until", 0)
        until = until if isinstance(until, int) and _is_uint(until) else 0
        return cls(validity, last, digests[-_RECENT_MAX:], until)


def _is_uint(value: object) -> bool:
    """A non-negative int that is not a bool."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


# -- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WatchStats:
    """What one ``watch`` call did."""

    fetched: int
    """Messages fetched and handed to ``handle`` with their bytes (truncated ones included)."""
    errors: int
    """Messages that could not be fetched, or whose ``handle`` raised."""
    last_uid: int
    """UID of the last message handled (the checkpoint), 0 when none."""
    uidvalidity: int
    """UIDVALIDITY of the folder numbering ``last_uid`` belongs to, 0 if never connected."""


@dataclass
class _Counters:
    """Mutable tallies behind WatchStats."""

    fetched: int = 0
    errors: int = 0


@dataclass(frozen=True)
class _Folder:
    """What EXAMINE told us."""

    uidvalidity: int
    uidnext: int
    """0 when the server did not say."""
    exists: int


class _Transient(Exception):
    """A failure worth reconnecting for (the text says what happened)."""


# -- IMAP client --------------------------------------------------------------------------


class _Client(imaplib.IMAP4_SSL):
    """IMAP4_SSL whose literals are capped: bytes past ``literal_cap`` are read and dropped."""

    literal_cap: int = _MIN_LITERAL_CAP
    cut_from: int = 0
    """Size of the last literal that was cut (0: nothing cut since it was reset)."""

    def read(self, size: int) -> bytes:
        """Read a literal of *size* bytes, keeping at most ``literal_cap`` of them."""
        if size <= self.literal_cap:
            return super().read(size)
        kept = super().read(self.literal_cap)
        remaining = size - self.literal_cap
        while remaining > 0:
            chunk = super().read(min(remaining, _DRAIN_CHUNK))
            if not chunk:
                raise self.abort("connection closed inside a literal")
            remaining -= len(chunk)
        self.cut_from = size
        return kept


class _Session:
    """One logged-in IMAP connection with the folder examined (read-only)."""

    def __init__(self, client: _Client, target: ImapTarget) -> None:
        """Wrap a logged-in *client*."""
        self.client = client
        self.target = target

    def examine(self) -> _Folder:
        """EXAMINE the folder (read-only) and read UIDVALIDITY, UIDNEXT, EXISTS."""
        typ, data = self.client.select(mailbox_arg(self.target.folder), readonly=True)
        if typ != "OK":
            raise InputError(
                f"IMAP server {self.target.host}:{self.target.port} refused to open folder "
                f"{self.target.folder!r} for user {self.target.user}: {_text(data)}"
            )
        validity = _number(self.client.response("UIDVALIDITY")[1])
        uidnext = _number(self.client.response("UIDNEXT")[1])
        exists = _number(data)
        if validity is None:
            raise _Transient("the server gave no UIDVALIDITY for the folder")
        return _Folder(validity, uidnext or 0, exists or 0)

    def uid_of(self, seq: int) -> int | None:
        """The UID of message sequence number *seq*."""
        typ, data = self.client.fetch(str(seq), "(UID)")
        if typ != "OK":
            return None
        for item in data:
            if isinstance(item, bytes) and (m := _UID_RE.search(item)):
                return int(m.group(1))
        return None

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs above *last_uid*, ascending."""
        typ, data = self.client.uid("SEARCH", "UID", f"{last_uid + 1}:*")
        if typ != "OK":
            raise _Transient(f"UID SEARCH refused: {_text(data)}")
        found: set[int] = set()
        for item in data:
            if isinstance(item, bytes):
                found.update(int(n) for n in _NUM_RE.findall(item))
        return sorted(u for u in found if u > last_uid)

    def sizes(self, uids: Sequence[int]) -> dict[int, int]:
        """RFC822.SIZE of each of *uids* still present."""
        typ, data = self.client.uid("FETCH", ",".join(map(str, uids)), "(RFC822.SIZE)")
        if typ != "OK":
            return {}
        out: dict[int, int] = {}
        for item in data:
            line = item[0] if isinstance(item, tuple) else item
            if not isinstance(line, bytes):
                continue
            uid, size = _UID_RE.search(line), _SIZE_RE.search(line)
            if uid and size:
                out[int(uid.group(1))] = int(size.group(1))
        return out

    def body(self, uid: int, partial: int | None) -> tuple[bytes | None, int, str]:
        """(bytes, true size if the literal cap cut it else 0, error) of *uid*.

        Uses BODY.PEEK, which never sets ``\\Seen``.
        """
        item = "BODY.PEEK[]" if partial is None else f"BODY.PEEK[]<0.{partial}>"
        self.client.cut_from = 0
        try:
            typ, data = self.client.uid("FETCH", str(uid), f"({item})")
        except imaplib.IMAP4.abort:
            raise
        except imaplib.IMAP4.error as exc:
            return None, 0, f"the server refused to send the message: {_text([exc])}"
        if typ != "OK":
            return None, 0, f"the server refused to send the message: {_text(data)}"
        literal = _body_literal(data, uid)
        if literal is None:
            return None, 0, "the server sent no message body (deleted meanwhile?)"
        return literal, self.client.cut_from, ""

    def close(self, *, polite: bool) -> None:
        """Log out (when *polite*) and close, ignoring errors: the connection may be gone."""
        if polite:
            with contextlib.suppress(Exception):
                self.client.logout()
        with contextlib.suppress(Exception):
            self.client.shutdown()


def _body_literal(data: Sequence[object], uid: int) -> bytes | None:
    """The BODY[] literal of *uid* in a UID FETCH answer (UID before or after the literal)."""
    for i, item in enumerate(data):
        if not isinstance(item, tuple) or len(item) != 2:
            continue
        head, literal = item
        if not isinstance(head, bytes) or not isinstance(literal, bytes) or b"BODY[" not in head:
            continue
        after = data[i + 1] if i + 1 < len(data) else b""
        m = _UID_RE.search(head) or (_UID_RE.search(after) if isinstance(after, bytes) else None)
        if m is None or int(m.group(1)) == uid:
            return literal
    return None


def mailbox_arg(folder: str) -> str:
    """*folder* as an IMAP astring: modified UTF-7 (RFC 3501 5.1.3), quoted."""
    encoded = _mutf7(folder)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _mutf7(text: str) -> str:
    """Encode *text* in IMAP's modified UTF-7."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            raw = "".join(pending).encode("utf-16-be")
            out.append("&" + b64encode(raw).decode("ascii").rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for ch in text:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    return "".join(out)


def _number(data: Sequence[object] | None) -> int | None:
    """The first integer in an imaplib answer list."""
    for item in data or ():
        if isinstance(item, bytes) and (m := _NUM_RE.search(item)):
            return int(m.group(0))
    return None


def _text(data: Sequence[object] | None) -> str:
    """An imaplib answer or exception argument as one short printable line."""
    parts: list[str] = []
    for item in data or ():
        if isinstance(item, BaseException):
            item = item.args[0] if item.args else str(item)
        if isinstance(item, bytes):
            item = item.decode("utf-8", "replace")
        parts.append(str(item))
    line = " ".join(parts)
    line = "".join(ch if ch.isprintable() else " " for ch in line).strip()
    return line[:_TEXT_MAX] or "no reason given"


# -- connecting -----------------------------------------------------------------------------


def _open(
    target: ImapTarget,
    password: str,
    context: ssl.SSLContext,
    timeout: float,
    literal_cap: int,
) -> _Session:
    """Connect over TLS and log in; InputError for what retrying cannot fix."""
    where = f"{target.host}:{target.port}"
    try:
        client = _Client(target.host, target.port, ssl_context=context, timeout=timeout)
    except ssl.SSLCertVerificationError as exc:
        raise InputError(
            f"the TLS certificate of IMAP server {where} is not trusted: {exc.verify_message}"
        ) from None
    except (OSError, imaplib.IMAP4.error) as exc:
        raise _Transient(f"cannot connect to {where}: {_text([exc])}") from None
    client.literal_cap = literal_cap
    try:
        _login(client, target, password)
    except BaseException:
        with contextlib.suppress(Exception):
            client.shutdown()
        raise
    return _Session(client, target)


def _login(client: _Client, target: ImapTarget, password: str) -> None:
    """LOGIN (or AUTHENTICATE PLAIN for non-ASCII credentials or LOGINDISABLED)."""
    user = target.user
    plain = not (user.isascii() and password.isascii()) or "LOGINDISABLED" in client.capabilities
    try:
        if plain:
            token = f"\0{user}\0{password}".encode()
            client.authenticate("PLAIN", lambda _challenge: token)
        else:
            client.login(user, password)
    except imaplib.IMAP4.abort as exc:
        raise _Transient(f"connection lost while logging in: {_text([exc])}") from None
    except imaplib.IMAP4.error as exc:
        reason = _text([exc])
        if password:
            reason = reason.replace(password, "***")
        if "[UNAVAILABLE]" in reason.upper():
            raise _Transient(f"login temporarily unavailable: {reason}") from None
        raise InputError(
            f"IMAP server {target.host}:{target.port} refused the login of user {user}: "
            f"{reason} (check the password)"
        ) from None


# -- the watcher ----------------------------------------------------------------------------


@dataclass
class _Watcher:
    """One watch run: configuration, cursor and tallies."""

    target: ImapTarget
    password: str
    handle: Callable[[RawMessage], None]
    checkpoints: Checkpoints
    context: ssl.SSLContext
    once: bool
    poll_seconds: float
    stop: threading.Event
    max_message_bytes: int
    batch: int
    backlog: int
    retry_delays: tuple[float, ...]
    timeout: float
    on_status: Callable[[str], None] | None
    key: str = ""
    cursor: _Cursor | None = None
    counts: _Counters = field(default_factory=_Counters)
    fetch_failures: dict[tuple[int, int], int] = field(default_factory=dict)
    _progressed: bool = False
    _ever_connected: bool = False

    def run(self) -> WatchStats:
        """Connect, process, poll; reconnect on failures until done or stopped."""
        self.key = checkpoint_key(self.target)
        self.cursor = _Cursor.from_json(self.checkpoints.get(self.key))
        failures = 0
        while not self.stop.is_set():
            try:
                self._connected_run(reconnecting=failures > 0)
                break
            except _Transient as exc:
                if self._progressed:  # it was working: a fresh failure, not the n-th
                    failures = 0
                delay = self._retry_delay(failures, exc)
                failures += 1
                self._status(f"{exc}; reconnecting in {delay:g} s")
                self.stop.wait(delay)
        return self._stats()

    def _retry_delay(self, failures: int, exc: _Transient) -> float:
        """The wait before the next attempt; InputError when it is time to give up.

        A one-shot run, or a watcher that never got in, gives up after the last
        delay; a watcher that has been working keeps retrying at the last delay.
        """
        delays = self.retry_delays
        if failures >= len(delays) and (self.once or not self._ever_connected or not delays):
            raise InputError(
                f"IMAP server {self.target.host}:{self.target.port} (user "
                f"{self.target.user}) unreachable after {failures + 1} attempts: {exc}"
            ) from None
        return delays[min(failures, len(delays) - 1)]

    def _connected_run(self, *, reconnecting: bool) -> None:
        """One connection's life, until the run is over (once, or stopped)."""
        self._progressed = False
        session = self._connect()
        finished = False
        try:
            folder = session.examine()
            if reconnecting:
                self._status(f"reconnected to {self._where()}")
            self._progressed = self._ever_connected = True
            self._reconcile(session, folder)
            while True:
                self._drain(session, folder)
                if self.once or self.stop.wait(self.poll_seconds):
                    finished = True
                    return
                folder = session.examine()
                self._reconcile(session, folder)
        except (OSError, imaplib.IMAP4.abort) as exc:
            raise _Transient(f"connection to {self._where()} lost: {_text([exc])}") from None
        except imaplib.IMAP4.error as exc:
            raise _Transient(f"IMAP error from {self._where()}: {_text([exc])}") from None
        finally:
            session.close(polite=finished)

    def _connect(self) -> _Session:
        """A logged-in session (raises _Transient or InputError)."""
        cap = max(self.max_message_bytes, _MIN_LITERAL_CAP)
        return _open(self.target, self.password, self.context, self.timeout, cap)

    def _reconcile(self, session: _Session, folder: _Folder) -> None:
        """Set the cursor for *folder*: keep it, start a backlog, or follow a renumbering."""
        old = self.cursor
        if old is not None and old.uidvalidity == folder.uidvalidity:
            return
        start = self._backlog_start(session, folder)
        if old is None:
            self._status(
                f"first run on {self._where()}: triaging up to {self.backlog} messages "
                "already there, then new mail"
            )
            self._save(_Cursor(folder.uidvalidity, start))
            return
        top = folder.uidnext - 1 if folder.uidnext else 0
        if not folder.uidnext and folder.exists > 0:
            top = session.uid_of(folder.exists) or 0
        self._status(
            f"UIDVALIDITY of {self._where()} changed ({old.uidvalidity} -> {folder.uidvalidity}): "
            f"the server renumbered the folder; re-reading up to {self.backlog} messages and "
            "skipping those already triaged"
        )
        self._save(_Cursor(folder.uidvalidity, start, old.recent, max(top, 0)))

    def _backlog_start(self, session: _Session, folder: _Folder) -> int:
        """The last_uid from which the last ``backlog`` messages are read."""
        if folder.exists <= 0:
            return max(folder.uidnext - 1, 0)
        if self.backlog <= 0:
            newest = session.uid_of(folder.exists) or 0
            return max(folder.uidnext - 1, newest)
        first = session.uid_of(max(1, folder.exists - self.backlog + 1))
        if first is None:  # cannot locate the window: skip the backlog rather than read all
            return max(folder.uidnext - 1, 0)
        return first - 1

    def _drain(self, session: _Session, folder: _Folder) -> None:
        """Handle every message above the cursor, in batches."""
        assert self.cursor is not None
        if folder.exists <= 0:
            return
        uids = session.uids_after(self.cursor.last_uid)
        for i in range(0, len(uids), self.batch):
            chunk = uids[i : i + self.batch]
            sizes = session.sizes(chunk)
            for uid in chunk:
                if self.stop.is_set():
                    return
                self._one(session, uid, sizes.get(uid))

    def _one(self, session: _Session, uid: int, size: int | None) -> None:
        """Fetch, hand over and checkpoint message *uid*."""
        assert self.cursor is not None
        source = self._source(uid)
        if size is None:
            logger.debug("%s vanished before it could be fetched", source)
            self._advance(uid, None)
            return
        partial = self.max_message_bytes if size > self.max_message_bytes else None
        data, cut_from, error = self._fetch(session, uid, partial)
        true_size = 0
        if data is not None:
            true_size = max(len(data), cut_from, size if partial is not None else 0)
        digest = _digest(data) if data is not None else None
        if digest is not None and self._already_seen(uid, digest):
            logger.debug("%s already triaged before the renumbering: skipped", source)
            self._advance(uid, digest)
            return
        self._deliver(RawMessage(source, data, error, size=true_size))
        self._advance(uid, digest)

    def _fetch(
        self, session: _Session, uid: int, partial: int | None
    ) -> tuple[bytes | None, int, str]:
        """Fetch *uid*; after repeated connection losses on it, give it up as an error."""
        assert self.cursor is not None
        key = (self.cursor.uidvalidity, uid)
        if self.fetch_failures.get(key, 0) >= _MAX_FETCH_TRIES:
            return None, 0, f"fetching it broke the connection {_MAX_FETCH_TRIES} times"
        try:
            return session.body(uid, partial)
        except (OSError, imaplib.IMAP4.abort):
            self.fetch_failures[key] = self.fetch_failures.get(key, 0) + 1
            raise

    def _deliver(self, raw: RawMessage) -> None:
        """Call handle; if it raises, record the error and report it once as an error."""
        failed = raw.data is None
        if not failed:
            self.counts.fetched += 1
        try:
            self.handle(raw)
        except Exception as exc:
            failed = True
            reason = f"triage failed: {type(exc).__name__}: {_text([exc])}"
            logger.warning("%s: %s", raw.source, reason, exc_info=True)
            self._status(f"{raw.source}: {reason}")
            if raw.data is not None:
                with contextlib.suppress(Exception):
                    self.handle(RawMessage(raw.source, None, reason))
        if failed:
            self.counts.errors += 1

    def _already_seen(self, uid: int, digest: str) -> bool:
        """After a renumbering, is *uid* a message handled under the old numbering?"""
        assert self.cursor is not None
        return uid <= self.cursor.dedupe_until and digest in self.cursor.recent

    def _advance(self, uid: int, digest: str | None) -> None:
        """Move the checkpoint past *uid*."""
        assert self.cursor is not None
        recent = self.cursor.recent
        if digest is not None:
            keep = min(max(self.backlog, _RECENT_MIN), _RECENT_MAX)
            recent = (*recent, digest)[-keep:]
        until = self.cursor.dedupe_until if uid < self.cursor.dedupe_until else 0
        self._save(_Cursor(self.cursor.uidvalidity, uid, recent, until))

    def _save(self, cursor: _Cursor) -> None:
        """Adopt *cursor* and persist it."""
        self.cursor = cursor
        self.checkpoints.put(self.key, cursor.to_json())

    def _source(self, uid: int) -> str:
        """An RFC 5092 style IMAP URL naming message *uid*."""
        assert self.cursor is not None
        return f"{self._where()};UIDVALIDITY={self.cursor.uidvalidity}/;UID={uid}"

    def _where(self) -> str:
        """``imaps://user@host:port/FOLDER``."""
        t = self.target
        return f"imaps://{quote(t.user, safe='')}@{t.host}:{t.port}/{quote(t.folder, safe='/')}"

    def _status(self, line: str) -> None:
        """Report progress to the caller and the log."""
        logger.info("%s", line)
        if self.on_status is not None:
            self.on_status(line)

    def _stats(self) -> WatchStats:
        """The frozen result."""
        cursor = self.cursor
        return WatchStats(
            fetched=self.counts.fetched,
            errors=self.counts.errors,
            last_uid=cursor.last_uid if cursor else 0,
            uidvalidity=cursor.uidvalidity if cursor else 0,
        )


def _digest(data: bytes) -> str:
    """A short content digest (to recognise a message after a renumbering)."""
    return hashlib.sha256(data).hexdigest()[:_DIGEST_CHARS]


def watch(
    target: ImapTarget,
    password: str,
    handle: Callable[[RawMessage], None],
    checkpoints: Checkpoints,
    *,
    ssl_context: ssl.SSLContext | None = None,
    once: bool = False,
    poll_seconds: float = 60.0,
    stop: threading.Event | None = None,
    max_message_bytes: int,
    batch: int = 50,
    backlog: int = DEFAULT_BACKLOG,
    retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
    timeout: float = _TIMEOUT,
    on_status: Callable[[str], None] | None = None,
) -> WatchStats:
    """Triage the mail of an IMAPS folder as it arrives (see the module docstring).

    *handle* receives one ``RawMessage`` per message (``source`` is an
    ``imaps://…;UIDVALIDITY=v/;UID=n`` URL). With ``once=True`` the messages
    present are processed and the call returns; otherwise it polls every
    *poll_seconds* until *stop* is set. *timeout* bounds every socket operation.
    Raises InputError for a refused login, an untrusted certificate, a folder that
    cannot be opened, or a server still unreachable after *retry_delays*.
    """
    if max_message_bytes < 1 or batch < 1 or backlog < 0 or poll_seconds < 0:
        raise ValueError("max_message_bytes and batch must be >= 1, backlog and poll >= 0")
    watcher = _Watcher(
        target=target,
        password=password,
        handle=handle,
        checkpoints=checkpoints,
        context=ssl_context or ssl.create_default_context(),
        once=once,
        poll_seconds=poll_seconds,
        stop=stop or threading.Event(),
        max_message_bytes=max_message_bytes,
        batch=batch,
        backlog=backlog,
        retry_delays=tuple(retry_delays),
        timeout=timeout,
        on_status=on_status,
    )
    return watcher.run()
