"""An in-process DNS server on loopback, built on dnspython, for offline tests.

:class:`LocalDNSServer` serves a fixed set of zones over UDP and TCP on the same port
and answers like a recursive resolver that only knows those zones (RA and AA set,
CNAMEs chased, NODATA vs NXDOMAIN, wildcards, DNSSEC records on DO, truncation
over UDP). Names can be given hostile behaviours (timeouts, SERVFAIL, garbage
replies, ...) to exercise error handling. :func:`sign_zone` produces DNSSEC-signed
zones and the DS record to publish in the parent.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import socket
import struct
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import dns.dnssec
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rdtypes.ANY.DNSKEY
import dns.rdtypes.ANY.DS
import dns.zone
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from rempart.testing._dns_engine import Engine, absolute_copy, ancestors, load_zone
from rempart.testing._service import Service

logger = logging.getLogger(__name__)

BEHAVIOURS = frozenset(
    {"timeout", "servfail", "refused", "garbage", "truncated-garbage", "wrong-id"}
)
_UDP_WORKERS = 2
_POLL_SECONDS = 0.5
_TCP_IDLE_SECONDS = 30.0
_UDP_DEFAULT_PAYLOAD = 512
_TCP_MAX_MESSAGE = 65535
_BIND_ATTEMPTS = 50

_PrivateKey = (
    ec.EllipticCurvePrivateKey
    | rsa.RSAPrivateKey
    | ed25519.Ed25519PrivateKey
    | ed448.Ed448PrivateKey
)


class LocalDNSServer(Service):
    """A threaded UDP+TCP DNS server answering from in-memory zones on one port."""

    def __init__(
        self,
        zones: Mapping[str, str | dns.zone.Zone],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        behaviours: Mapping[str, str] | None = None,
        unknown: str = "nxdomain",
    ) -> None:
        """Load *zones* (origin -> master-file text or Zone); nothing listens until start()."""
        loaded = {dns.name.from_text(o): load_zone(o, z) for o, z in zones.items()}
        self._engine = Engine(loaded, unknown)
        self._behaviours = _parse_behaviours(behaviours or {})
        self.host = host
        self._port = port
        self.queries: collections.Counter[tuple[str, str]] = collections.Counter()
        self._count_lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._udp: socket.socket | None = None
        self._tcp: socket.socket | None = None
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> LocalDNSServer:
        """Bind UDP and TCP on the same port and start the daemon serving threads."""
        if self._udp is not None:
            raise RuntimeError("server already started")
        self._stopping.clear()
        self._udp, self._tcp = _bind_pair(self.host, self._port)
        self._port = self._udp.getsockname()[1]
        for index in range(_UDP_WORKERS):
            self._spawn(self._udp_loop, f"dns-udp-{self._port}-{index}")
        self._spawn(self._accept_loop, f"dns-tcp-{self._port}")
        logger.debug("DNS server listening on %s:%d", self.host, self._port)
        return self

    def stop(self) -> None:
        """Stop serving: wake and join the threads, close every socket."""
        if self._udp is None or self._tcp is None:
            return
        self._stopping.set()
        self._wake_threads()
        with self._conn_lock:
            for conn in list(self._connections):
                _quiet_shutdown(conn)
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()
        self._udp.close()
        self._tcp.close()
        self._udp = self._tcp = None
        logger.debug("DNS server on port %d stopped", self._port)

    def reset_counts(self) -> None:
        """Forget the per-(name, type) query counts."""
        with self._count_lock:
            self.queries.clear()

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        """Start a daemon thread and remember it for joining."""
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _wake_threads(self) -> None:
        """Unblock threads sitting in recvfrom()/accept() so they see the stop flag."""
        family = _family(self.host)
        with socket.socket(family, socket.SOCK_DGRAM) as poke:
            for _ in range(_UDP_WORKERS):
                try:
                    poke.sendto(b"", (self.host, self._port))
                except OSError:
                    logger.debug("could not wake UDP workers", exc_info=True)
        try:
            socket.create_connection((self.host, self._port), timeout=1).close()
        except OSError:
            logger.debug("could not wake TCP acceptor", exc_info=True)

    # -- transports ------------------------------------------------------------------

    def _udp_loop(self) -> None:
        """Receive datagrams and answer them until stopped."""
        assert self._udp is not None
        sock = self._udp
        while not self._stopping.is_set():
            try:
                data, peer = sock.recvfrom(65535)
            except (TimeoutError, InterruptedError):
                continue
            except OSError:
                if self._stopping.is_set():
                    return
                logger.debug("UDP receive failed", exc_info=True)
                continue
            if data:
                self._answer_udp(sock, data, peer)

    def _answer_udp(self, sock: socket.socket, data: bytes, peer: tuple[str, int]) -> None:
        """Compute and send the reply to one datagram, never raising."""
        reply = self._safe_handle(data, tcp=False)
        if reply is None:
            return
        try:
            sock.sendto(reply, peer)
        except OSError:
            logger.debug("UDP send to %s failed", peer, exc_info=True)

    def _accept_loop(self) -> None:
        """Accept TCP connections, one daemon thread each."""
        assert self._tcp is not None
        while not self._stopping.is_set():
            try:
                conn, _peer = self._tcp.accept()
            except (TimeoutError, InterruptedError):
                continue
            except OSError:
                if self._stopping.is_set():
                    return
                logger.debug("TCP accept failed", exc_info=True)
                continue
            if self._stopping.is_set():
                conn.close()
                return
            self._start_connection(conn)

    def _start_connection(self, conn: socket.socket) -> None:
        """Register *conn* and serve it in its own daemon thread."""
        conn.settimeout(_TCP_IDLE_SECONDS)
        with self._conn_lock:
            self._connections.add(conn)
        thread = threading.Thread(
            target=self._serve_connection, args=(conn,), name="dns-tcp-conn", daemon=True
        )
        thread.start()

    def _serve_connection(self, conn: socket.socket) -> None:
        """Answer length-prefixed queries on one TCP connection until EOF or stop."""
        try:
            while not self._stopping.is_set():
                data = _recv_message(conn)
                if data is None:
                    return
                reply = self._safe_handle(data, tcp=True)
                if reply is not None:
                    conn.sendall(struct.pack("!H", len(reply)) + reply)
        except OSError:
            logger.debug("TCP connection ended with an error", exc_info=True)
        finally:
            with self._conn_lock:
                self._connections.discard(conn)
            conn.close()

    # -- query handling --------------------------------------------------------------

    def _safe_handle(self, data: bytes, *, tcp: bool) -> bytes | None:
        """Handle one raw query; bugs are logged, never allowed to kill a thread."""
        try:
            return self._handle(data, tcp=tcp)
        except Exception:
            logger.exception("unexpected error while answering a DNS query")
            return None

    def _handle(self, data: bytes, *, tcp: bool) -> bytes | None:
        """Parse *data*, apply behaviours, and return the wire reply (or None)."""
        try:
            query = dns.message.from_wire(data)
        except Exception as exc:
            logger.debug("ignoring unparseable query (%d bytes): %s", len(data), exc)
            return None
        if query.flags & dns.flags.QR:
            logger.debug("ignoring a DNS response sent to the server")
            return None
        self._count(query)
        behaviour = self._behaviour_for(query)
        if behaviour is not None:
            return _hostile_reply(behaviour, query, self._engine)
        response = self._engine.respond(query)
        return _render(query, response, _max_size(query, tcp))

    def _count(self, query: dns.message.Message) -> None:
        """Record the (name, type) of *query* in :attr:`queries`."""
        if not query.question:
            return
        question = query.question[0]
        key = (question.name.to_text().lower(), dns.rdatatype.to_text(question.rdtype))
        with self._count_lock:
            self.queries[key] += 1

    def _behaviour_for(self, query: dns.message.Message) -> str | None:
        """The hostile behaviour configured for the query name or a parent, if any."""
        if not self._behaviours or not query.question:
            return None
        for name in ancestors(query.question[0].name):
            behaviour = self._behaviours.get(name)
            if behaviour is not None:
                return behaviour
        return None


# -- helpers: sockets ------------------------------------------------------------------


def _family(host: str) -> socket.AddressFamily:
    """AF_INET6 for IPv6 literals, AF_INET otherwise."""
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _bind_pair(host: str, port: int) -> tuple[socket.socket, socket.socket]:
    """Bind a UDP and a listening TCP socket to the same (possibly random) port."""
    attempts = _BIND_ATTEMPTS if port == 0 else 1
    last_error: OSError | None = None
    for _ in range(attempts):
        udp = socket.socket(_family(host), socket.SOCK_DGRAM)
        try:
            udp.bind((host, port))
            tcp = _listen_tcp(host, udp.getsockname()[1])
        except OSError as exc:
            udp.close()
            last_error = exc
            continue
        _tune(udp, tcp)
        return udp, tcp
    raise OSError(f"could not bind UDP+TCP on {host}:{port}") from last_error


def _listen_tcp(host: str, port: int) -> socket.socket:
    """A listening TCP socket on (host, port)."""
    tcp = socket.socket(_family(host), socket.SOCK_STREAM)
    try:
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        tcp.bind((host, port))
        tcp.listen(128)
    except OSError:
        tcp.close()
        raise
    return tcp


def _tune(udp: socket.socket, tcp: socket.socket) -> None:
    """Large UDP buffers for bursts; a poll timeout so threads notice stop()."""
    for option in (socket.SO_RCVBUF, socket.SO_SNDBUF):
        try:
            udp.setsockopt(socket.SOL_SOCKET, option, 4 * 1024 * 1024)
        except OSError:
            logger.debug("could not enlarge UDP buffer", exc_info=True)
    udp.settimeout(_POLL_SECONDS)
    tcp.settimeout(_POLL_SECONDS)


def _recv_exact(conn: socket.socket, size: int) -> bytes | None:
    """Read exactly *size* bytes, or None on EOF."""
    chunks = bytearray()
    while len(chunks) < size:
        chunk = conn.recv(size - len(chunks))
        if not chunk:
            return None
        chunks += chunk
    return bytes(chunks)


def _recv_message(conn: socket.socket) -> bytes | None:
    """Read one RFC 1035 length-prefixed message, or None on EOF."""
    prefix = _recv_exact(conn, 2)
    if prefix is None:
        return None
    (length,) = struct.unpack("!H", prefix)
    return _recv_exact(conn, length)


def _quiet_shutdown(conn: socket.socket) -> None:
    """shutdown() a socket, ignoring errors (it may already be closed)."""
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_RDWR)


# -- helpers: answers ------------------------------------------------------------------


def _parse_behaviours(behaviours: Mapping[str, str]) -> dict[dns.name.Name, str]:
    """Validate behaviours and key them by absolute Name."""
    parsed: dict[dns.name.Name, str] = {}
    for name, behaviour in behaviours.items():
        if behaviour not in BEHAVIOURS:
            raise ValueError(f"unknown behaviour {behaviour!r} for {name}")
        parsed[dns.name.from_text(name)] = behaviour
    return parsed


def _max_size(query: dns.message.Message, tcp: bool) -> int:
    """The largest reply the client accepts: 65535 on TCP, else its EDNS payload."""
    if tcp:
        return _TCP_MAX_MESSAGE
    if query.edns >= 0:
        return max(_UDP_DEFAULT_PAYLOAD, min(query.payload, _TCP_MAX_MESSAGE))
    return _UDP_DEFAULT_PAYLOAD


def _render(query: dns.message.Message, response: dns.message.Message, max_size: int) -> bytes:
    """Wire form of *response*, or header+question with TC when it does not fit."""
    try:
        return response.to_wire(max_size=max_size)
    except dns.exception.TooBig:
        truncated = dns.message.make_response(query, recursion_available=True)
        truncated.flags |= response.flags | dns.flags.TC
        truncated.set_rcode(response.rcode())
        return truncated.to_wire(max_size=max_size)


def _hostile_reply(behaviour: str, query: dns.message.Message, engine: Engine) -> bytes | None:
    """The wire reply for a hostile *behaviour* (None means: never answer)."""
    if behaviour == "timeout":
        return None
    if behaviour == "garbage":
        return _garbage()
    if behaviour == "truncated-garbage":
        return _truncated_garbage(query)
    response = dns.message.make_response(query, recursion_available=True)
    if behaviour == "servfail":
        response.set_rcode(dns.rcode.SERVFAIL)
    elif behaviour == "refused":
        response.set_rcode(dns.rcode.REFUSED)
    else:  # wrong-id: a perfectly good answer, but to another query id
        response = engine.respond(query)
        response.id = (query.id + 1) & 0xFFFF
    return response.to_wire()


def _garbage() -> bytes:
    """Random bytes that are guaranteed not to parse as a DNS message."""
    while True:
        # Claim 65535 records in every section: parsing must run out of data.
        blob = os.urandom(4) + b"\xff" * 8 + os.urandom(36)
        try:
            dns.message.from_wire(blob)
        except Exception:
            return blob


def _truncated_garbage(query: dns.message.Message) -> bytes:
    """A valid header claiming five answers, the question, then a cut-off record."""
    stub = dns.message.make_response(query, recursion_available=True)
    stub.use_edns(False)
    wire = bytearray(stub.to_wire())
    wire[6:8] = struct.pack("!H", 5)
    return bytes(wire) + b"\xc0\x0c\x00\x01\x00"


# -- DNSSEC ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedZone:
    """A DNSSEC-signed copy of a zone, its key-signing DNSKEY and the matching DS."""

    zone: dns.zone.Zone
    dnskey: dns.rdtypes.ANY.DNSKEY.DNSKEY
    ds: dns.rdtypes.ANY.DS.DS


def sign_zone(
    zone: dns.zone.Zone,
    *,
    ksk_algorithm: dns.dnssec.Algorithm = dns.dnssec.Algorithm.ECDSAP256SHA256,
    inception: datetime | None = None,
    expiration: datetime | None = None,
) -> SignedZone:
    """Sign a copy of *zone* with one fresh SEP key (used as CSK), adding NSEC records.

    The input zone is not modified; it must have an SOA at its origin. Inception
    defaults to one hour ago and expiration to thirty days after inception; pass an
    *expiration* in the past to get expired signatures.
    """
    if zone.origin is None:
        raise ValueError("zone has no origin")
    signed = absolute_copy(zone)
    key = _generate_key(ksk_algorithm)
    dnskey = dns.dnssec.make_dnskey(
        key.public_key(), ksk_algorithm, flags=dns.dnssec.Flag.ZONE | dns.dnssec.Flag.SEP
    )
    start, end = _signature_window(inception, expiration)
    dns.dnssec.sign_zone(signed, keys=[(key, dnskey)], inception=start, expiration=end)
    ds = dns.dnssec.make_ds(zone.origin, dnskey, dns.dnssec.DSDigest.SHA256)
    logger.debug("signed zone %s (key tag %d)", zone.origin, dns.dnssec.key_id(dnskey))
    return SignedZone(zone=signed, dnskey=dnskey, ds=ds)


def ds_record_text(owner: str | dns.name.Name, ds: dns.rdtypes.ANY.DS.DS, ttl: int = 3600) -> str:
    """A master-file line publishing *ds* at *owner*, for pasting into the parent zone."""
    name = dns.name.from_text(owner) if isinstance(owner, str) else owner
    return f"{name.to_text()} {ttl} IN DS {ds.to_text()}"


def _generate_key(algorithm: dns.dnssec.Algorithm) -> _PrivateKey:
    """Generate a private key suitable for the DNSSEC *algorithm*."""
    algorithm = dns.dnssec.Algorithm.make(algorithm)
    curves = {
        dns.dnssec.Algorithm.ECDSAP256SHA256: ec.SECP256R1(),
        dns.dnssec.Algorithm.ECDSAP384SHA384: ec.SECP384R1(),
    }
    if algorithm in curves:
        return ec.generate_private_key(curves[algorithm])
    if algorithm == dns.dnssec.Algorithm.ED25519:
        return ed25519.Ed25519PrivateKey.generate()
    if algorithm == dns.dnssec.Algorithm.ED448:
        return ed448.Ed448PrivateKey.generate()
    if algorithm.name.startswith("RSA"):
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    raise ValueError(f"unsupported DNSSEC algorithm {algorithm!r}")


def _signature_window(
    inception: datetime | None, expiration: datetime | None
) -> tuple[datetime, datetime]:
    """Resolve defaults so that inception < expiration, also for past expirations."""
    now = datetime.now(UTC)
    if inception is None:
        inception = now - timedelta(hours=1)
        if expiration is not None and expiration <= inception:
            inception = expiration - timedelta(days=30)
    if expiration is None:
        expiration = inception + timedelta(days=30)
    return inception, expiration
