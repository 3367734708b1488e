"""TLS contexts shared by the SMTP and HTTPS clients."""

from __future__ import annotations

import ssl
import warnings


def client_context(
    ca_file: str | None, *, verify: bool = True, legacy: bool = False
) -> ssl.SSLContext:
    """A client context trusting the system's CAs, or ``ca_file`` when given.

    ``verify=False`` is only used to read what a server offers after its
    certificate already failed verification. ``legacy=True`` also accepts
    TLS 1.0/1.1 so that a probe can *report* an outdated server instead of
    failing to talk to it; nothing but EHLO/STARTTLS/QUIT is sent over it.
    """
    if verify:
        ctx = ssl.create_default_context(cafile=ca_file)
    else:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if legacy:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    return ctx
