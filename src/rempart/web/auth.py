"""Who may use the dashboard: the password, the sessions, CSRF tokens, the login limiter.

On loopback (the default) the dashboard needs no login; bound to any other address
it requires one. The password is never stored: only an argon2 hash of it, read from
the environment variable :data:`HASH_ENV` or a file (``--password-file``). Make one
with::

    python -c "from argon2 import PasswordHasher; print(PasswordHasher().hash(input()))"

Sessions live in memory (restarting the server logs everyone out); each carries its
own CSRF token. Without login, one token per server process protects the forms.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from rempart.errors import InputError

logger = logging.getLogger(__name__)

HASH_ENV = "REMPART_PASSWORD_HASH"
"""Environment variable holding the argon2 hash of the dashboard password."""
MAX_HASH_FILE = 4096
"""A password file larger than this is refused (a hash is about 100 bytes)."""
SESSION_TTL = 12 * 3600.0
"""A session lasts at most this many seconds (a working day), then one logs in again."""
MAX_SESSIONS = 1000
"""Sessions kept at most; the oldest go first."""
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
    csrf: str
    user: str
    created: float


@dataclass
class Sessions:
    """Sessions by cookie token, in memory, bounded and expiring."""

    clock: Clock = time.monotonic
    ttl: float = SESSION_TTL
    _by_token: OrderedDict[str, Session] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def create(self, user: str) -> Session:
        """A new session for ``user`` (the oldest is dropped beyond :data:`MAX_SESSIONS`)."""
        made = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), user, self.clock())
        with self._lock:
            self._by_token[made.token] = made
            while len(self._by_token) > MAX_SESSIONS:
                self._by_token.popitem(last=False)
        return made

    def get(self, token: str | None) -> Session | None:
        """The live session of ``token``, or None (an expired one is forgotten)."""
        if not token:
            return None
        with self._lock:
            found = self._by_token.get(token)
            if found is not None and self.clock() - found.created > self.ttl:
                del self._by_token[token]
                found = None
        return found

    def drop(self, token: str | None) -> None:
        """Forget the session of ``token`` (logout)."""
        if token:
            with self._lock:
                self._by_token.pop(token, None)


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
