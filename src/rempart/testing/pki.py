"""A throw-away local certificate authority for tests, benchmarks and the demo.

The CA issues leaf certificates for any hostname (or IP address) so that the local
HTTPS and SMTP servers can present certificates that verify against a CA file the
client trusts, and it can also produce deliberately broken certificates (expired,
not yet valid, self-signed) to exercise the failure paths of the auditors.
"""

from __future__ import annotations

import ipaddress
import logging
import ssl
import tempfile
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

logger = logging.getLogger(__name__)

_DEFAULT_BACKDATE = timedelta(days=1)
_DEFAULT_VALIDITY = timedelta(days=365)

_SigningKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


@dataclass(frozen=True)
class IssuedCert:
    """A PEM certificate and its unencrypted PEM private key."""

    cert_pem: bytes
    key_pem: bytes

    def write(self, dir: Path, stem: str) -> tuple[Path, Path]:
        """Write ``<stem>.crt`` and ``<stem>.key`` into *dir*; return (cert path, key path)."""
        dir.mkdir(parents=True, exist_ok=True)
        cert_path = dir / f"{stem}.crt"
        key_path = dir / f"{stem}.key"
        cert_path.write_bytes(self.cert_pem)
        key_path.write_bytes(self.key_pem)
        key_path.chmod(0o600)
        return cert_path, key_path

    @property
    def certificate(self) -> x509.Certificate:
        """The parsed leaf certificate."""
        return x509.load_pem_x509_certificate(self.cert_pem)

    def server_context(
        self,
        *,
        min_version: ssl.TLSVersion | None = None,
        max_version: ssl.TLSVersion | None = None,
    ) -> ssl.SSLContext:
        """Build a server-side ``SSLContext`` presenting this certificate."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        if min_version is not None:
            context.minimum_version = min_version
        if max_version is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                context.maximum_version = max_version
            if max_version < ssl.TLSVersion.TLSv1_2:
                # OpenSSL 3 refuses TLS 1.0/1.1 at its default security level;
                # an outdated server is what this is for, so allow them.
                context.set_ciphers("DEFAULT:@SECLEVEL=0")
                if min_version is None:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", DeprecationWarning)
                        context.minimum_version = ssl.TLSVersion.TLSv1
        if _weak_rsa_key(self.certificate):
            # OpenSSL 3 refuses to load an RSA key under 2048 bits at its default
            # security level ("ee key too small"); a weak-key site is what this is for.
            context.set_ciphers("DEFAULT:@SECLEVEL=0")
        # ssl.load_cert_chain only reads files: stage them in a private temp dir.
        with tempfile.TemporaryDirectory(prefix="rempart-tls-") as tmp:
            cert_path, key_path = self.write(Path(tmp), "server")
            context.load_cert_chain(cert_path, key_path)
        return context


class LocalCA:
    """An in-memory certificate authority (EC P-256 key, ``CA:TRUE``)."""

    def __init__(self, key: ec.EllipticCurvePrivateKey, certificate: x509.Certificate) -> None:
        """Wrap an existing CA key and self-signed CA certificate."""
        self._key = key
        self._cert = certificate

    @classmethod
    def create(cls, common_name: str = "Rempart Test CA") -> LocalCA:
        """Generate a fresh CA key and a self-signed CA certificate valid for ten years."""
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        now = datetime.now(UTC)
        public_key = key.public_key()
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _DEFAULT_BACKDATE)
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_ca_key_usage(), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        )
        logger.debug("created local CA %r", common_name)
        return cls(key, builder.sign(key, hashes.SHA256()))

    @property
    def certificate(self) -> x509.Certificate:
        """The CA certificate."""
        return self._cert

    @property
    def ca_pem(self) -> bytes:
        """The CA certificate in PEM form (what clients must trust)."""
        return self._cert.public_bytes(serialization.Encoding.PEM)

    def write_ca(self, path: Path | str) -> Path:
        """Write the CA certificate PEM to *path* and return it as a ``Path``."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(self.ca_pem)
        return target

    def client_context(self) -> ssl.SSLContext:
        """A client ``SSLContext`` that trusts only this CA and checks hostnames."""
        return ssl.create_default_context(cadata=self.ca_pem.decode("ascii"))

    def issue(
        self,
        hostnames: list[str],
        *,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        key_size: int = 2048,
        sign_with_ca: bool = True,
    ) -> IssuedCert:
        """Issue a TLS server certificate (RSA key of *key_size* bits) for *hostnames*.

        The first hostname becomes the subject CN; every hostname becomes a SAN (an IP
        SAN when it parses as an IP address). Validity defaults to now-1 day ..
        now+365 days; pass a past *not_after* for an expired certificate. With
        ``sign_with_ca=False`` the leaf is self-signed (an untrusted certificate).
        """
        if not hostnames:
            raise ValueError("at least one hostname is required")
        key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
        start, end = _validity(not_before, not_after)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostnames[0])])
        issuer = self._cert.subject if sign_with_ca else subject
        signer: _SigningKey = self._key if sign_with_ca else key
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
        )
        builder = _add_leaf_extensions(builder, hostnames, key, signer)
        certificate = builder.sign(signer, hashes.SHA256())
        logger.debug("issued certificate for %s (ca-signed=%s)", hostnames, sign_with_ca)
        return IssuedCert(
            cert_pem=certificate.public_bytes(serialization.Encoding.PEM),
            key_pem=_key_pem(key),
        )


def _ca_key_usage() -> x509.KeyUsage:
    """Key usage of a CA: certificate and CRL signing only."""
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def _leaf_key_usage() -> x509.KeyUsage:
    """Key usage of a TLS server leaf certificate."""
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=True,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def _add_leaf_extensions(
    builder: x509.CertificateBuilder,
    hostnames: list[str],
    key: rsa.RSAPrivateKey,
    signer: _SigningKey,
) -> x509.CertificateBuilder:
    """Add SAN, constraints, usages and key identifiers to a leaf certificate builder."""
    return (
        builder.add_extension(x509.SubjectAlternativeName(_sans(hostnames)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_leaf_key_usage(), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()),
            critical=False,
        )
    )


def _sans(hostnames: list[str]) -> list[x509.GeneralName]:
    """Turn hostnames into SAN entries: IP addresses become IP SANs, the rest DNS SANs."""
    names: list[x509.GeneralName] = []
    for host in hostnames:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host.rstrip(".")))
    return names


def _validity(not_before: datetime | None, not_after: datetime | None) -> tuple[datetime, datetime]:
    """Resolve the validity window, keeping not_before <= not_after for past dates."""
    now = datetime.now(UTC)
    end = not_after if not_after is not None else now + _DEFAULT_VALIDITY
    if not_before is None:
        not_before = min(now, end) - _DEFAULT_BACKDATE
    return not_before, end


def _weak_rsa_key(certificate: x509.Certificate) -> bool:
    """The certificate holds an RSA key shorter than 2048 bits."""
    key = certificate.public_key()
    return isinstance(key, rsa.RSAPublicKey) and key.key_size < 2048


def _key_pem(key: rsa.RSAPrivateKey) -> bytes:
    """Serialise a private key as unencrypted PKCS#8 PEM."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
