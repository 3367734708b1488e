"""Who may use the dashboard: the password, the sessions, CSRF tokens, the login limiter.

On loopback (the default) the dashboard needs no login; bound to any other address
it requires one. The password is never stored: only an argon2 hash of it, read from
the environment variable :data:`HASH_ENV` or a file (``--password-file``). Make one
with::

    python -c "from argon2 import PasswordHasher; print(PasswordHasher().hash(input()))"

Sessions are kept in the store (a restart of the server logs nobody out), known by
the SHA-256 of their cookie token only; each carries its own CSRF token. Without
login, one token per server process protects the forms.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import os
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from rempart.errors import InputError, StoreError
from rempart.store.store import WebSession

logger = logging.getLogger(__name__)

HASH_ENV = "REMPART_PASSWORD_HASH"
"""Environment variable holding the argon2 hash of the dashboard password."""
MAX_HASH_FILE = 4096
"""A password file larger than this is refused (a hash is about 100 bytes)."""
SESSION_TTL = 12 * 3600.0
"""A session lasts at most this many seconds (a working day), then one logs in again."""
MAX_SESSIONS = 1000
"""Sessions kept at most; the oldest go first."""
MAX_TOKEN = 128
"""A session cookie longer than this is refused unread (ours are 43 characters)."""
LOGIN_FAILURES = 5
"""Failed logins allowed per client within :data:`LOGIN_WINDOW`; more get HTTP 429."""
LOGIN_WINDOW = 300.0
"""The login limiter's window, in seconds."""
MAX_CLIENTS = 10_000
"""Clients the login limiter remembers at most."""
MAX_PASSWORD = 1024
"""Longer passwords are refused before hashing (argon2 on megabytes is a denial of service)."""

Clock = Callable[[], float]


@dataclass(frozen=True)
class AuthConfig:
    """The dashboard's login: one password, known by its argon2 hash."""

    password_hash: str
    """An argon2 hash (``$argon2id$v=19$…``)."""
    user: str = "admin"
    """The name shown as logged in (and the default ``by`` of decisions)."""


def load_auth(
    password_file: Path | None = None, env: Mapping[str, str] | None = None
) -> AuthConfig | None:
    """The login from ``password_file`` (preferred) or :data:`HASH_ENV`, None when neither.

    A file that cannot be read, or content that is not an argon2 hash, is an
    :class:`InputError` naming where it came from.
    """
    environ = os.environ if env is None else env
    if password_file is not None:
        return AuthConfig(_check_hash(_read_hash_file(password_file), str(password_file)))
    value = environ.get(HASH_ENV, "").strip()
    return AuthConfig(_check_hash(value, HASH_ENV)) if value else None


def _read_hash_file(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_HASH_FILE + 1)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the password file: {exc.strerror or exc}") from exc
    if len(data) > MAX_HASH_FILE:
        raise InputError(f"{path}: too large for a password hash (over {MAX_HASH_FILE} bytes)")
    return data.decode("utf-8", errors="replace").strip()


def _check_hash(value: str, where: str) -> str:
    if not value.startswith("$argon2"):
        raise InputError(
            f"{where}: not an argon2 hash (it should start with $argon2id$); "
            "make one with argon2's PasswordHasher().hash(password)"
        )
    return value


def verify_password(config: AuthConfig, password: str) -> bool:
    """True when ``password`` matches the configured hash (never raises)."""
    if not password or len(password) > MAX_PASSWORD:
        return False
    try:
        return PasswordHasher().verify(config.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def is_loopback(host: str | None) -> bool:
    """True for ``localhost`` and loopback addresses (``127.0.0.0/8``, ``::1``)."""
    if not host:
        return False
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Session:
    """One logged-in browser."""

    token: str
    """The cookie's token (only its SHA-256 is stored)."""
    csrf: str
    user: str
    created: datetime
    """When it was made (UTC)."""


class SessionStore(Protocol):
    """Where sessions are kept: the store (:class:`rempart.store.Store`), or memory."""

    def add_session(self, session: WebSession, *, now: datetime, keep: int) -> None: ...

    def session(self, token_hash: str, *, now: datetime) -> WebSession | None: ...

    def drop_session(self, token_hash: str) -> None: ...


@dataclass
class MemorySessionStore:
    """Sessions in this process only (lost on restart): for tests and tools."""

    _rows: dict[str, WebSession] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add_session(self, session: WebSession, *, now: datetime, keep: int) -> None:
        with self._lock:
            self._rows[session.token_hash] = session
            live = sorted(
                (s for s in self._rows.values() if s.expires_at > now),
                key=lambda s: (s.expires_at, s.token_hash),
            )
            self._rows = {s.token_hash: s for s in live[-keep:]} if keep > 0 else {}

    def session(self, token_hash: str, *, now: datetime) -> WebSession | None:
        found = self._rows.get(token_hash)
        return found if found is not None and found.expires_at > now else None

    def drop_session(self, token_hash: str) -> None:
        with self._lock:
            self._rows.pop(token_hash, None)


def token_hash(token: str) -> str:
    """What the store keys a session by: the SHA-256 (hex) of its cookie token."""
    return hashlib.sha256(token.encode("utf-8", errors="replace")).hexdigest()


@dataclass
class Sessions:
    """Sessions by cookie token, kept in ``store`` (default: memory), bounded, expiring.

    Only the SHA-256 of a token is stored. Expired sessions are never returned and
    are pruned at each login; beyond :data:`MAX_SESSIONS`, the oldest go.
    """

    store: SessionStore = field(default_factory=MemorySessionStore)
    clock: Clock = time.time
    """Seconds since the epoch (wall-clock time: sessions outlive the process)."""
    ttl: float = SESSION_TTL

    def create(self, user: str) -> Session:
        """A new session for ``user``, saved (raises :class:`StoreError` when the store
        cannot be written)."""
        now = self._now()
        made = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), user, now)
        row = WebSession(token_hash(made.token), user, made.csrf, now, now + self._ttl())
        self.store.add_session(row, now=now, keep=MAX_SESSIONS)
        return made

    def get(self, token: str | None) -> Session | None:
        """The live session of ``token``, or None (also when the store cannot be read:
        the request is refused, and a warning logged)."""
        if not token or len(token) > MAX_TOKEN:
            return None
        try:
            found = self.store.session(token_hash(token), now=self._now())
        except StoreError as exc:
            logger.warning("dashboard: session refused, the store cannot be read: %s", exc)
            return None
        return None if found is None else Session(token, found.csrf, found.user, found.created_at)

    def drop(self, token: str | None) -> None:
        """Forget the session of ``token`` (logout; raises :class:`StoreError` when the
        store cannot be written)."""
        if token and len(token) <= MAX_TOKEN:
            self.store.drop_session(token_hash(token))

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def _ttl(self) -> timedelta:
        return timedelta(seconds=self.ttl)


@dataclass
class LoginLimiter:
    """At most :data:`LOGIN_FAILURES` failed logins per client per :data:`LOGIN_WINDOW`."""

    clock: Clock = time.monotonic
    failures: int = LOGIN_FAILURES
    window: float = LOGIN_WINDOW
    _seen: OrderedDict[str, deque[float]] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def blocked(self, client: str) -> bool:
        """True when ``client`` used up its failures in the current window."""
        with self._lock:
            return len(self._recent(client)) >= self.failures

    def fail(self, client: str) -> None:
        """Count one failed login of ``client``."""
        with self._lock:
            self._recent(client).append(self.clock())
            self._seen.move_to_end(client)
            while len(self._seen) > MAX_CLIENTS:
                self._seen.popitem(last=False)

    def _recent(self, client: str) -> deque[float]:
        stamps = self._seen.setdefault(client, deque())
        horizon = self.clock() - self.window
        while stamps and stamps[0] <= horizon:
            stamps.popleft()
        return stamps


def same_token(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a submitted CSRF token with the expected one."""
    return bool(given) and secrets.compare_digest(str(given), expected)
