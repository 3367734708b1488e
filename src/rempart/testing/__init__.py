"""Real local servers (DNS, SMTP, HTTPS) and a local CA for offline tests and the demo.

Everything here listens on loopback only and runs in daemon threads, so tests,
benchmarks and the bundled demo can audit realistic infrastructure without network.
"""

from rempart.testing.dns_server import LocalDNSServer, SignedZone, ds_record_text, sign_zone
from rempart.testing.https_server import LocalHTTPSServer, Route
from rempart.testing.pki import IssuedCert, LocalCA
from rempart.testing.smtp_server import LocalSMTPServer

__all__ = [
    "IssuedCert",
    "LocalCA",
    "LocalDNSServer",
    "LocalHTTPSServer",
    "LocalSMTPServer",
    "Route",
    "SignedZone",
    "ds_record_text",
    "sign_zone",
]
