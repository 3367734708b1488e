"""QR-code signals ("quishing"): links hidden in pictures, out of the filters' sight.

Attackers put the phishing link in a QR code ("scan to pay", "scan to keep your
account") so that it is opened on a phone, away from the company's protections,
and so that text-based filters never see it. Pictures attached or embedded
(``data:image`` in the HTML body or in HTML attachments), found by their content
and not their name, are decoded with zxing-cpp within bounds: at most
``max_images`` pictures, none above ``max_image_pixels`` (the size is read from
the header before anything is decoded), big ones scaled down first, and no more
than :data:`MAX_SECONDS` of decoding per message. A decoded URL is judged by the
link checks too (shortener, IP address, free hosting…).

Known limit: QR codes drawn inside PDF attachments are not read; that would need
a PDF renderer, and none is installed.
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
import re
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import zxingcpp
from PIL import Image, ImageFile

from rempart.mail.context import MailContext
from rempart.mail.model import Category, Hit, ParsedMail, SignalSpec
from rempart.mail.signals import html, links
from rempart.mail.urls import registrable

_LOG = logging.getLogger(__name__)

SPECS: tuple[SignalSpec, ...] = (
    SignalSpec(
        id="links.qr_url",
        category=Category.LINKS,
        title="A picture in the message holds a QR code with a web link",
        why="QR-code phishing ('quishing') hides the link in a picture: filters do not "
        "read it and the phone that scans it is outside the organisation's protection.",
        advice="Do not scan it. If the message seems real, reach the sender or the "
        "service by a known address or phone number.",
        prior_weight=2.0,
    ),
)

MAX_SIDE = 2500
"""Pictures larger than this (pixels on a side) are scaled down before decoding."""
MAX_DATA_URI_CHARS = 10_000_000
"""Characters of one ``data:image`` URI read from the HTML."""
MAX_SECONDS = 5.0
"""Wall time spent decoding pictures per message (half of ``max_seconds`` if less)."""

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
)
_DATA_IMAGE = re.compile(r"(?i)data:image/(?:png|jpe?g|gif|bmp|webp);base64,")
_B64_CHARS = re.compile(r"[A-Za-z0-9+/=\s]*")


def image_kind(data: bytes) -> str:
    """``png``, ``jpeg``, ``gif``, ``bmp`` or ``webp`` from the content, else ``""``."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return ""


@dataclass(frozen=True)
class Picture:
    """One picture of a message, by name and content."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Decoded:
    """What reading one picture gave: the texts of its codes, or why it was not read."""

    texts: tuple[str, ...] = ()
    problem: str = ""
    """``""``, ``too large``, ``unreadable``, ``decoder failed``."""


def pictures(
    mail: ParsedMail, max_images: int, documents: Sequence[tuple[str, str]] = ()
) -> list[Picture]:
    """Pictures of ``mail`` by content sniffing: attachments, then ``data:image`` URIs in
    the HTML body and in ``documents`` (HTML attachments, as name and text)."""
    out: list[Picture] = []
    for i, att in enumerate(mail.attachments, 1):
        if len(out) >= max_images:
            return out
        if image_kind(att.data[:16]):
            out.append(Picture(att.filename or f"picture {i}", att.data))
    for where, text in (("", mail.html), *documents):
        for i, data in enumerate(_data_images(text, max_images - len(out)), 1):
            name = f"embedded picture {i}" + (f" in {where}" if where else "")
            out.append(Picture(name, data))
    return out[:max_images]


def _data_images(html: str, room: int) -> Iterator[bytes]:
    """Pictures written as ``data:image/…;base64,`` in ``html``, ``room`` at most."""
    found = 0
    for m in _DATA_IMAGE.finditer(html):
        if found >= room:
            return
        run = _B64_CHARS.match(html, m.end(), m.end() + MAX_DATA_URI_CHARS)
        payload = "".join(run.group(0).split()) if run else ""
        try:
            data = base64.b64decode(payload + "=" * (-len(payload) % 4))
        except (binascii.Error, ValueError):
            continue
        if image_kind(data[:16]):
            found += 1
            yield data


def decode_picture(data: bytes, max_pixels: int) -> Decoded:
    """The texts of the QR (and other 2-D) codes in a picture; never raises."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DecompressionBombWarning, palette notes…
        try:
            image = Image.open(io.BytesIO(data))
            width, height = image.size
        except Image.DecompressionBombError:  # Pillow's own guard, far above ours
            return Decoded(problem="too large")
        except Exception:  # any reading error of hostile data
            return Decoded(problem="unreadable")
        if width <= 0 or height <= 0 or width * height > max_pixels:
            return Decoded(problem="too large")
        # WeasyPrint (the briefing's PDF) sets Pillow's process-wide LOAD_TRUNCATED_IMAGES
        # when imported: a cut-off picture must stay unreadable here all the same.
        lenient, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
        try:
            gray = _prepare(image)
        except Exception:  # truncated or corrupt pixel data
            return Decoded(problem="unreadable")
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = lenient
    return _read_codes(gray)


def _prepare(image: Image.Image) -> Image.Image:
    """``image`` in grey levels, at most :data:`MAX_SIDE` pixels on a side."""
    if image.format == "JPEG":
        image.draft("L", (MAX_SIDE, MAX_SIDE))
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    return image.convert("L")


def _formats() -> Any:
    """The 2-D code formats to look for, in the form the installed zxing-cpp accepts."""
    fmt = zxingcpp.BarcodeFormat
    wanted: Any = (fmt.QRCode, fmt.MicroQRCode, fmt.Aztec, fmt.DataMatrix)
    try:
        zxingcpp.read_barcodes(Image.new("L", (8, 8), 255), formats=wanted)
        return wanted
    except TypeError:  # zxing-cpp 2.x takes "QRCode | Aztec…"
        combined: Any = wanted[0]
        for f in wanted[1:]:
            combined = combined | f
        return combined


_FORMATS = _formats()


def _read_codes(gray: Image.Image) -> Decoded:
    try:
        found = zxingcpp.read_barcodes(gray, formats=_FORMATS)
    except Exception:  # the decoder raises on odd images; no codes then
        _LOG.debug("QR decoder failed", exc_info=True)
        return Decoded(problem="decoder failed")
    return Decoded(texts=tuple(str(b.text)[:4096] for b in found if b.text))


def code_url(text: str) -> str:
    """The web URL a code's text opens on a phone, or ``""``."""
    value = text.strip()
    if value[:6].upper() == "URLTO:":
        value = value[6:].strip()
    if value[:6].upper() == "MEBKM:":
        start = value.upper().find("URL:")
        value = value[start + 4 :].split(";")[0] if start >= 0 else ""
    first = value.split()[0] if value.split() else ""
    if links.dangerous_scheme(first):
        return first
    return first if links.parse_web(first) is not None else ""


def detect(mail: ParsedMail, ctx: MailContext) -> list[Hit]:
    """Hits for URLs found in QR codes of ``mail``: ``links.qr_url`` and the link checks."""
    hits: list[Hit] = []
    seen: set[str] = set()
    sender = mail.sender
    sender_site = registrable(sender.domain) if sender and sender.domain else ""
    budget = min(MAX_SECONDS, ctx.limits.max_seconds / 2)
    start = time.monotonic()
    try:
        documents = [(d.name, d.html) for d in html.html_documents(mail, ctx.limits)]
        for picture in pictures(mail, ctx.limits.max_images, documents):
            if time.monotonic() - start >= budget:
                _LOG.info("QR decoding stopped after %.1f s for %s", budget, mail.source)
                break
            decoded = decode_picture(picture.data, ctx.limits.max_image_pixels)
            for text in decoded.texts:
                url = code_url(text)
                if not url or url in seen:
                    continue
                seen.add(url)
                hits.extend(_url_hits(url, picture.name, sender_site, ctx))
    except Exception:  # hostile input must never stop the triage
        _LOG.warning("QR analysis failed for %s", mail.source, exc_info=True)
    return _bounded(hits)


def _url_hits(url: str, name: str, sender_site: str, ctx: MailContext) -> list[Hit]:
    out = links.url_hits(url, f"qr:{name}")
    web = links.parse_web(url)
    site = registrable(links.unwrap(web).final.host) if web is not None else ""
    if out or not site or (site != sender_site and not ctx.is_own(site)):
        evidence = links.evidence_for(url, f"QR code in {name}")
        out.insert(0, Hit(signal="links.qr_url", evidence=evidence, indicators=(url,)))
    return out


def _bounded(hits: list[Hit]) -> list[Hit]:
    """At most 3 hits per signal, first found first."""
    count: dict[str, int] = {}
    out = []
    for hit in hits:
        count[hit.signal] = count.get(hit.signal, 0) + 1
        if count[hit.signal] <= 3:
            out.append(hit)
    return out
