"""QR codes in pictures ("quishing"): decoding within bounds, and the link checks on them."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import struct
import zlib
from typing import Any

import pytest
import zxingcpp
from PIL import Image, ImageFile

from rempart.mail.model import Address, Attachment, ParsedMail
from rempart.mail.parse import parse_message
from rempart.mail.signals import links, qr

from .support import CTX, annotated_sample_tests, era_headers_test, sample

GROUP = "qr"


def qr_png(text: str, scale: int = 6, size: tuple[int, int] | None = None) -> bytes:
    """A PNG with a QR code of ``text`` drawn by zxing-cpp's writer (on a larger page if asked)."""
    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode)
    view = memoryview(code.to_image(scale=scale))
    img = Image.frombytes("L", (view.shape[1], view.shape[0]), bytes(view))
    page = Image.new("L", size or (img.width + 60, img.height + 60), 255)
    page.paste(img, (30, 30))
    out = io.BytesIO()
    page.save(out, "PNG")
    return out.getvalue()


def bomb_png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 4096)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _att(name: str, data: bytes, ctype: str = "image/png") -> Attachment:
    return Attachment(name, ctype, data, len(data), hashlib.sha256(data).hexdigest())


def _mail(*atts: Attachment, html: str = "", sender: str = "x@sender.example") -> ParsedMail:
    return ParsedMail(source="t", raw_size=0, headers=(), html=html, attachments=atts,
                      from_=(Address("", sender),))  # fmt: skip


# --- annotated samples -------------------------------------------------------


(
    test_every_sample_is_annotated,
    test_sample_raises_exactly_the_expected_signals,
    test_every_signal_has_a_sample,
) = annotated_sample_tests(GROUP, qr.detect, qr.SPECS, borrowed=links.SPECS)


test_verdict_does_not_depend_on_the_era_headers = era_headers_test(GROUP, qr.detect)


def test_invoice_evidence_names_the_picture_and_gives_the_url() -> None:
    hits = qr.detect(sample(GROUP, "qr_invoice_quishing"), CTX)
    url = "https://paiement-facture.pages.dev/regler?ref=F2026-0912"
    assert [(h.signal, h.evidence, h.indicators) for h in hits] == [
        ("links.qr_url", f"{url} (QR code in facture_F2026-0912.png)", (url,)),
        ("links.free_hosting", f"{url} (QR code in facture_F2026-0912.png)", (url,)),
    ]


def test_spec_fields_are_filled() -> None:
    for spec in qr.SPECS:
        assert spec.title and spec.why and spec.advice and 0 < spec.prior_weight <= 4


# --- generated in the test ---------------------------------------------------------


def test_scan_to_pay_invoice_generated_here() -> None:
    """An invoice ("scannez pour payer") built here, parsed like any received message."""
    png = base64.encodebytes(qr_png("https://bit.ly/payer-facture-77")).decode()
    raw = (
        "From: Facturation <factures@imprimeur.example>\nTo: tresorier@parti-exemple.fr\n"
        "Subject: Facture 77\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="b"\n\n--b\n'
        "Content-Type: text/plain; charset=utf-8\n\nScannez pour payer la facture 77.\n--b\n"
        'Content-Type: image/png; name="facture77.png"\nContent-Transfer-Encoding: base64\n'
        'Content-Disposition: attachment; filename="facture77.png"\n\n'
        f"{png}--b--\n"
    ).encode()
    hits = qr.detect(parse_message(raw, "generated"), CTX)
    assert [(h.signal, h.evidence) for h in hits] == [
        ("links.qr_url", "https://bit.ly/payer-facture-77 (QR code in facture77.png)"),
        ("links.shortener", "https://bit.ly/payer-facture-77 (QR code in facture77.png)"),
    ]


def test_pictures_are_found_by_content_not_by_name() -> None:
    png = qr_png("https://a.example/x")
    assert qr.image_kind(png) == "png"
    assert qr.image_kind(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "webp"
    assert qr.image_kind(b"%PDF-1.7") == ""
    mail = _mail(_att("notes.txt", png, "text/plain"), _att("photo.png", b"not a picture"))
    assert [p.name for p in qr.pictures(mail, 20)] == ["notes.txt"]


def _decoding_spies(monkeypatch: pytest.MonkeyPatch) -> tuple[list[Any], list[Any]]:
    """Spies on pixel decoding (Pillow's ``load``) and on the code reader (zxing-cpp):
    the sizes of the images each one got."""
    loaded: list[Any] = []
    read: list[Any] = []
    real_load, real_read = ImageFile.ImageFile.load, zxingcpp.read_barcodes

    def load(image: Any) -> Any:
        loaded.append(image.size)
        return real_load(image)

    def read_barcodes(image: Any, *args: Any, **kwargs: Any) -> Any:
        read.append(image.size)
        return real_read(image, *args, **kwargs)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    monkeypatch.setattr(zxingcpp, "read_barcodes", read_barcodes)
    return loaded, read


def test_decompression_bomb_header_is_refused_before_decoding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loaded, read = _decoding_spies(monkeypatch)
    for width, height in ((100_000, 100_000), (6000, 5000)):
        assert qr.decode_picture(bomb_png(width, height), 25_000_000).problem == "too large"
    assert loaded == [] and read == []  # judged from the header: no pixel was decoded


def test_corrupt_pictures_are_unreadable_not_errors() -> None:
    png = qr_png("https://a.example/x")
    assert qr.decode_picture(png[: len(png) // 2], 25_000_000).problem == "unreadable"
    assert qr.decode_picture(b"GIF89a" + b"\xff" * 100, 25_000_000).problem == "unreadable"
    assert qr.decode_picture(b"", 25_000_000).problem == "unreadable"


def test_harmless_picture_has_no_code() -> None:
    out = io.BytesIO()
    Image.effect_noise((400, 300), 60).save(out, "PNG")
    assert qr.decode_picture(out.getvalue(), 25_000_000) == qr.Decoded()


def test_big_picture_is_scaled_down_and_still_read(monkeypatch: pytest.MonkeyPatch) -> None:
    png = qr_png("https://big.example/scan", scale=40, size=(4000, 3500))
    _, read = _decoding_spies(monkeypatch)
    assert qr.decode_picture(png, 25_000_000).texts == ("https://big.example/scan",)
    # the code reader got the picture scaled down to MAX_SIDE, not 4000 x 3500
    assert len(read) == 1 and max(read[0]) == qr.MAX_SIDE


def test_picture_limits_come_from_the_context() -> None:
    atts = tuple(_att(f"q{i}.png", qr_png(f"https://q{i}.example/")) for i in range(6))
    few = dataclasses.replace(CTX, limits=dataclasses.replace(CTX.limits, max_images=2))
    urls = {h.indicators[0] for h in qr.detect(_mail(*atts), few) if h.signal == "links.qr_url"}
    assert urls == {"https://q0.example/", "https://q1.example/"}
    tiny = dataclasses.replace(CTX, limits=dataclasses.replace(CTX.limits, max_image_pixels=1000))
    assert qr.detect(_mail(*atts), tiny) == []


def test_data_uri_pictures_in_the_html() -> None:
    b64 = base64.b64encode(qr_png("http://192.0.2.1/login")).decode()
    html = f'<p>Scannez</p><img src="data:image/png;base64,{b64[:50]}\n{b64[50:]}">'
    signals = [h.signal for h in qr.detect(_mail(html=html), CTX)]
    assert signals == ["links.qr_url", "links.ip_host"]


def test_data_uri_pictures_in_an_html_attachment() -> None:
    b64 = base64.b64encode(qr_png("https://forms.gle/abc")).decode()
    page = f'<html><img src="data:image/png;base64,{b64}"></html>'.encode()
    hits = qr.detect(_mail(_att("facture.html", page, "text/html")), CTX)
    assert [(h.signal, h.evidence) for h in hits] == [
        ("links.qr_url", "https://forms.gle/abc (QR code in embedded picture 1 in facture.html)"),
        (
            "links.form_service",
            "https://forms.gle/abc (QR code in embedded picture 1 in facture.html)",
        ),
    ]


def test_decoding_time_is_budgeted() -> None:
    atts = tuple(_att(f"q{i}.png", qr_png(f"https://q{i}.example/")) for i in range(3))
    none_left = dataclasses.replace(CTX, limits=dataclasses.replace(CTX.limits, max_seconds=0.0))
    assert qr.detect(_mail(*atts), none_left) == []


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("https://a.example/x", "https://a.example/x"),
        ("  HTTP://A.example  ", "HTTP://A.example"),
        ("URLTO:https://a.example/x", "https://a.example/x"),
        ("MEBKM:TITLE:Pay;URL:https://a.example/p;;", "https://a.example/p"),
        ("www.a.example/x", "www.a.example/x"),
        ("javascript:alert(1)", "javascript:alert(1)"),
        ("BCD\n002\n1\nSCT\nBNPAFRPP\nNom\nFR76300040000312345678901", ""),
        ("WIFI:S:bureau;T:WPA;P:secret;;", ""),
        ("tel:+33100000000", ""),
        ("", ""),
    ],
)
def test_code_url(text: str, url: str) -> None:
    assert qr.code_url(text) == url


def test_own_or_sender_site_codes_are_not_flagged_unless_another_check_fires() -> None:
    own = _att("don.png", qr_png("https://www.parti-exemple.fr/don"))
    assert qr.detect(_mail(own), CTX) == []
    sender = _att("s.png", qr_png("https://pay.sender.example/p"))
    assert qr.detect(_mail(sender), CTX) == []
    short = _att("s.png", qr_png("http://198.51.100.1/p"))
    assert {h.signal for h in qr.detect(_mail(short, sender="a@198.51.100.1"), CTX)} == {
        "links.qr_url",
        "links.ip_host",
    }


def test_hostile_pictures_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    garbage = [_att(f"g{i}.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 200) for i in range(30)]
    bombs = [_att(f"b{i}.png", bomb_png(50_000, 50_000)) for i in range(30)]
    loaded, read = _decoding_spies(monkeypatch)
    problems: list[str] = []
    real = qr.decode_picture

    def decode(data: bytes, max_pixels: int) -> qr.Decoded:
        decoded = real(data, max_pixels)
        problems.append(decoded.problem)
        return decoded

    monkeypatch.setattr(qr, "decode_picture", decode)
    assert qr.detect(_mail(*garbage, *bombs, html="data:image/png;base64," * 10_000), CTX) == []
    # 60 pictures and 10,000 empty data URIs: max_images pictures tried, none decoded
    assert problems == ["unreadable"] * CTX.limits.max_images
    assert loaded == [] and read == []


def test_truncated_pictures_stay_unreadable_after_weasyprint_is_imported() -> None:
    """WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES when imported (the
    briefing imports it in the same process as mail triage in the demo)."""
    import weasyprint  # noqa: F401  (the import is the point)
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    png = qr_png("https://a.example/x")
    assert qr.decode_picture(png[: len(png) // 2], 25_000_000).problem == "unreadable"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # restored for WeasyPrint
