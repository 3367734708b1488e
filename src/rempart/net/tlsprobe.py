"""What a site's TLS looks like: protocol versions offered and certificate facts.

Built on the standard library's :mod:`ssl` and :mod:`cryptography` only. Each
protocol version is tried on its own (``minimum_version = maximum_version``) with
a legacy, non-verifying context, from the newest down; the certificate is read
from the best handshake (``getpeercert(binary_form=True)`` works even without
verification), then one verifying handshake says whether browsers would accept
it. At most six handshakes, each bounded by ``timeout``; nothing is sent over
the connections.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import logging
import socket
import ssl
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

from rempart.net.web import verify_context

log = logging.getLogger(__name__)

VERSIONS: tuple[tuple[str, ssl.TLSVersion, bool], ...] = (
    ("TLSv1.3", ssl.TLSVersion.TLSv1_3, ssl.HAS_TLSv1_3),
    ("TLSv1.2", ssl.TLSVersion.TLSv1_2, ssl.HAS_TLSv1_2),
    ("TLSv1.1", ssl.TLSVersion.TLSv1_1, ssl.HAS_TLSv1_1),
    ("TLSv1", ssl.TLSVersion.TLSv1, ssl.HAS_TLSv1),
    ("SSLv3", ssl.TLSVersion.SSLv3, ssl.HAS_SSLv3),
)
"""(name as :meth:`ssl.SSLSocket.version` says it, version, this OpenSSL can speak it),
newest first. Modern OpenSSL builds have no SSLv3: it is then noted, never guessed."""

_SCAN_CIPHERS = "ALL:!aNULL:!eNULL:@SECLEVEL=0"
"""Every cipher that comes with a certificate, however weak: the scan asks what the
server accepts, not what is safe."""

_ORDER = [name for name, _, _ in reversed(VERSIONS)]

_LOCAL_REFUSALS = ("NO_PROTOCOLS_AVAILABLE", "UNSUPPORTED_PROTOCOL", "NO_CIPHERS_AVAILABLE")
"""OpenSSL reasons meaning *our* side cannot speak that version (not the server)."""


@dataclass(frozen=True)
class TlsReport:
    """What one HTTPS endpoint offered, or why nothing could be learned."""

    host: str
    """The name sent in SNI and checked against the certificate."""
    address: str
    """The IP address connected to."""
    port: int
    """The TCP port."""
    versions: tuple[str, ...] = ()
    """Protocol versions the server accepted, oldest first (``"TLSv1"``, ``"TLSv1.1"``,
    ``"TLSv1.2"``, ``"TLSv1.3"``; ``"SSLv3"`` only if this OpenSSL can still test it)."""
    cert_valid: bool = False
    """The chain verifies against the system CAs plus ``ca_file`` and the certificate
    matches :attr:`host` (what a browser would accept)."""
    cert_error: str = ""
    """Why the certificate is not valid, in OpenSSL's words (``certificate has expired``,
    ``self-signed certificate``, ``Hostname mismatch, …``); '' when valid."""
    hostname_match: bool = False
    """A subjectAltName of the certificate covers :attr:`host` (RFC 6125, no CN fallback)."""
    not_after: datetime | None = None
    """End of the certificate's validity (UTC)."""
    days_left: int | None = None
    """Whole days until :attr:`not_after` (negative once expired)."""
    key_type: str = ""
    """The certificate's public key: ``RSA``, ``EC``, ``Ed25519``, ``Ed448``, ``DSA``."""
    key_bits: int | None = None
    """Key size in bits (RSA modulus, EC curve size)."""
    signature_algorithm: str = ""
    """How the issuer signed it (``sha256WithRSAEncryption``, ``ecdsa-with-SHA256``)."""
    issuer: str = ""
    """The issuer's distinguished name (RFC 4514)."""
    subject: str = ""
    """The subject's distinguished name (RFC 4514)."""
    sans: tuple[str, ...] = ()
    """DNS names and IP addresses of the subjectAltName extension."""
    negotiated: str = ""
    """The version of the handshake the certificate was read from (the best offered)."""
    notes: tuple[str, ...] = ()
    """What could not be tested, and why (``SSLv3 not testable: …``)."""
    error: str = ""
    """Why nothing (or not everything) could be learned: connection refused, timeout,
    no handshake succeeded."""


def probe_tls(
    host: str,
    address: str,
    port: int = 443,
    *,
    ca_file: str | None = None,
    timeout: float = 10.0,
) -> TlsReport:
    """Probe ``address:port`` as ``host``; failures come back in the report, never raised."""
    offered: list[str] = []
    notes: list[str] = []
    der: bytes | None = None
    negotiated = ""
    last_error = ""
    attempts = 0
    silent = 0
    for name, version, available in VERSIONS:
        if not available:
            notes.append(f"{name} not testable: this OpenSSL build cannot speak it")
            continue
        attempts += 1
        outcome = _handshake(host, address, port, _scan_context(version), timeout)
        if outcome.connect_error:
            if attempts == 1:  # the very first TCP connection failed: nothing answers
                return TlsReport(host, address, port, error=outcome.connect_error)
            notes.append(f"{name} not tested: {outcome.connect_error}")
            continue
        if outcome.local_refusal:
            notes.append(f"{name} not testable with this OpenSSL ({outcome.error})")
            continue
        if outcome.error:
            last_error = outcome.error
            silent += outcome.timed_out
            if silent >= 2 and not offered:
                # A tarpit (accepts, never answers): do not wait once more per version.
                notes.append(f"{name} and older not tested: handshakes time out")
                break
            continue
        offered.append(name)
        if der is None:
            der, negotiated = outcome.der, outcome.version or name
    versions = tuple(sorted(offered, key=_ORDER.index))
    if not versions:
        reason = last_error or "no protocol version could be tested"
        return TlsReport(
            host, address, port, notes=tuple(notes), error=f"no TLS handshake succeeded: {reason}"
        )
    verified = _handshake(host, address, port, _verifying_context(ca_file), timeout)
    if verified.connect_error or (verified.error and not verified.cert_error):
        cert_error = f"could not verify: {verified.connect_error or verified.error}"
    else:
        cert_error = verified.cert_error
    report = TlsReport(
        host,
        address,
        port,
        versions=versions,
        cert_valid=not cert_error,
        cert_error=cert_error,
        negotiated=negotiated,
        notes=tuple(notes),
    )
    return dataclasses.replace(report, **_certificate_facts(der, host))


@dataclass(frozen=True)
class _Outcome:
    """One handshake: what was negotiated, or how it failed."""

    version: str = ""
    der: bytes | None = None
    connect_error: str = ""
    """The TCP connection itself failed (refused, unreachable, timeout)."""
    cert_error: str = ""
    """Verification failed (verifying context only)."""
    local_refusal: bool = False
    """Our OpenSSL cannot even offer the version."""
    error: str = ""
    """The handshake failed (the server refused the version, or worse)."""
    timed_out: bool = False
    """The server accepted the connection but did not complete the handshake in time."""


def _handshake(
    host: str, address: str, port: int, context: ssl.SSLContext, timeout: float
) -> _Outcome:
    try:
        raw = socket.create_connection((address, port), timeout=timeout)
    except OSError as exc:
        return _Outcome(connect_error=f"cannot connect: {_one_line(exc)}")
    try:
        raw.settimeout(timeout)  # CPython bounds the whole handshake by it
        with context.wrap_socket(raw, server_hostname=host) as tls:
            return _Outcome(version=tls.version() or "", der=tls.getpeercert(binary_form=True))
    except ssl.SSLCertVerificationError as exc:
        return _Outcome(cert_error=exc.verify_message or _one_line(exc))
    except ssl.SSLError as exc:
        reason = exc.reason or ""
        local = reason in _LOCAL_REFUSALS
        text = reason.lower().replace("_", " ")
        return _Outcome(local_refusal=local, error=text or _one_line(exc))
    except TimeoutError:
        return _Outcome(error=f"handshake timed out after {timeout:g} s", timed_out=True)
    except OSError as exc:
        return _Outcome(error=f"handshake failed: {_one_line(exc)}")
    finally:
        raw.close()


def _scan_context(version: ssl.TLSVersion) -> ssl.SSLContext:
    """Non-verifying, every cipher allowed, exactly ``version``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_ciphers(_SCAN_CIPHERS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            context.minimum_version = version
            context.maximum_version = version
        except ValueError:  # unsupported by this build: the handshake will say so
            pass
    return context


def _verifying_context(ca_file: str | None) -> ssl.SSLContext:
    """System CAs plus ``ca_file``, hostname checked, TLS 1.0+ and weak keys allowed.

    Old protocols and short keys are reported as such by the version scan and
    :attr:`TlsReport.key_bits`; they must not hide whether the chain is trusted.
    """
    context = verify_context(ca_file)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = ssl.TLSVersion.TLSv1
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    return context


def _certificate_facts(der: bytes | None, host: str) -> dict[str, Any]:
    """The TlsReport fields read from the leaf certificate (empty when unreadable)."""
    if not der:
        return {}
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError as exc:
        log.debug("unparseable certificate from %s: %s", host, exc)
        return {}
    not_after = cert.not_valid_after_utc.astimezone(UTC)
    key_type, key_bits = _key(cert)
    sans = _sans(cert)
    return {
        "hostname_match": _matches(host, sans),
        "not_after": not_after,
        "days_left": (not_after - datetime.now(UTC)).days,
        "key_type": key_type,
        "key_bits": key_bits,
        "signature_algorithm": _signature(cert),
        "issuer": cert.issuer.rfc4514_string(),
        "subject": cert.subject.rfc4514_string(),
        "sans": sans,
    }


def _key(cert: x509.Certificate) -> tuple[str, int | None]:
    try:
        key = cert.public_key()
    except (ValueError, TypeError):  # unsupported key type
        return "unknown", None
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "EC", key.curve.key_size
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448", 456
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size
    return type(key).__name__, None


def _signature(cert: x509.Certificate) -> str:
    oid = cert.signature_algorithm_oid
    name = getattr(oid, "_name", "")
    if name and name != "Unknown OID":
        return str(name)
    try:
        hash_algorithm = cert.signature_hash_algorithm
    except UnsupportedAlgorithm:
        hash_algorithm = None
    return hash_algorithm.name if hash_algorithm is not None else oid.dotted_string


def _sans(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        extension = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except (x509.ExtensionNotFound, ValueError):
        return ()
    names = [str(n) for n in extension.value.get_values_for_type(x509.DNSName)]
    names += [str(ip) for ip in extension.value.get_values_for_type(x509.IPAddress)]
    return tuple(names)


def _matches(host: str, sans: tuple[str, ...]) -> bool:
    """RFC 6125 matching: exact, or a ``*`` left-most label standing for one label."""
    host = host.rstrip(".").lower()
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    for san in sans:
        if ip is not None:
            try:
                if ipaddress.ip_address(san) == ip:
                    return True
            except ValueError:
                pass
            continue
        pattern = san.rstrip(".").lower()
        if pattern == host:
            return True
        if pattern.startswith("*.") and "." in host:
            label, rest = host.split(".", 1)
            if label and rest == pattern[2:] and "." in rest:
                return True
    return False


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]
