"""Writes the QR-code samples (``*.eml`` beside this file); EXPECTED.toml says what each shows.

    .venv/bin/python tests/mail/samples/qr/make_samples.py

The QR codes are drawn with zxing-cpp's writer and saved with Pillow. Every person
is fictional; attacker hosts use reserved names (``.example``, documentation IP
ranges) that are never contacted.
"""

from __future__ import annotations

import base64
import io
import struct
import sys
import zlib
from email.message import EmailMessage
from pathlib import Path

import zxingcpp
from PIL import Image, ImageDraw

HERE = Path(__file__).parent
sys.path.append(str(HERE.parent))

from _mime import message, write_samples  # noqa: E402


def qr_image(text: str, scale: int = 6) -> Image.Image:
    """A QR code of ``text`` on a white page with a quiet zone, as a Pillow image."""
    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode)
    view = memoryview(code.to_image(scale=scale))
    img = Image.frombytes("L", (view.shape[1], view.shape[0]), bytes(view))
    page = Image.new("L", (img.width + 80, img.height + 120), 255)
    page.paste(img, (40, 40))
    ImageDraw.Draw(page).text((40, img.height + 60), "Scannez pour payer", fill=0)
    return page


def encoded(img: Image.Image, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    img.save(out, fmt)
    return out.getvalue()


def bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG whose header declares ``width`` x ``height`` pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


def image(m: EmailMessage, data: bytes, name: str, subtype: str = "png") -> EmailMessage:
    m.add_attachment(data, maintype="image", subtype=subtype, filename=name)
    return m


def qr_invoice_quishing() -> EmailMessage:
    """A French invoice: "scannez pour payer", the QR code leads to a page on pages.dev."""
    m = message(
        "Facture F2026-0912 à régler", "Comptabilité <facturation@imprimerie-exemple.example>"
    )
    m.set_content(
        "Bonjour,\nVeuillez trouver ci-joint la facture F2026-0912 (tracts et affiches).\n"
        "Pour régler, scannez le QR code avec votre téléphone.\nCordialement,\nLa comptabilité\n",
        cte="8bit",
    )
    url = "https://paiement-facture.pages.dev/regler?ref=F2026-0912"
    return image(m, encoded(qr_image(url)), "facture_F2026-0912.png")


def qr_inline_data_uri() -> EmailMessage:
    """A "renew your authentication" QR code embedded in the HTML as a data: picture."""
    m = message("Renouvellement MFA requis", "Microsoft 365 <security@m365-mfa.example>")
    png = base64.b64encode(encoded(qr_image("http://198.51.100.23/m365/mfa"))).decode()
    m.set_content("Scannez le QR code pour renouveler votre authentification.\n", cte="8bit")
    m.add_alternative(
        "<html><body><p>Votre authentification à deux facteurs expire aujourd'hui.</p>"
        "<p>Scannez ce code avec votre téléphone :</p>"
        f'<img alt="QR" src="data:image/png;base64,{png}"></body></html>',
        subtype="html",
        cte="8bit",
    )
    return m


def qr_jpeg_shortener() -> EmailMessage:
    """A JPEG QR code (attached inline) leading to a link shortener."""
    m = message("Document à signer", "DocuSign <dse@signature-docs.example>")
    m.set_content("Un document attend votre signature. Scannez le code joint.\n", cte="8bit")
    jpeg = encoded(qr_image("https://tinyurl.com/signature-doc-42", scale=8).convert("RGB"), "JPEG")
    m.add_attachment(jpeg, maintype="image", subtype="jpeg", filename="signature.jpg",
                     disposition="inline", cid="<qr1@signature-docs.example>")  # fmt: skip
    return m


def qr_named_as_pdf() -> EmailMessage:
    """A PNG QR code named scan.pdf: pictures are found by content, not by name."""
    m = message("Scan de votre courrier", "Scanner <scan@copieur-exemple.example>")
    m.set_content("Votre courrier numérisé est joint.\n", cte="8bit")
    m.add_attachment(encoded(qr_image("https://courrier-scan.example/voir?id=77")),
                     maintype="application", subtype="pdf", filename="scan.pdf")  # fmt: skip
    return m


def qr_epc_payment() -> EmailMessage:
    """A legitimate invoice with a SEPA (EPC069-12) payment QR code: bank data, no web link."""
    m = message("Facture F2026-0913", "Imprimerie Exemple <compta@imprimerie-exemple.fr>")
    m.set_content(
        "Facture jointe. Le QR code permet le virement depuis votre banque.\n", cte="8bit"
    )
    epc = (
        "BCD\n002\n1\nSCT\nBNPAFRPP\nImprimerie Exemple\nFR7630004000031234567890143\n"
        "EUR420.00\n\n\nFacture F2026-0913"
    )
    return image(m, encoded(qr_image(epc)), "facture_F2026-0913.png")


def qr_own_site() -> EmailMessage:
    """The party's own newsletter: "scannez pour donner" leads to the party's site."""
    m = message("Soutenez la campagne", "Parti Exemple <lettre@parti-exemple.fr>",
                to="Jeanne Martin <jeanne.martin@example.org>")  # fmt: skip
    m.set_content("Scannez le QR code pour faire un don.\n", cte="8bit")
    return image(m, encoded(qr_image("https://www.parti-exemple.fr/don")), "don.png")


def harmless_logo() -> EmailMessage:
    """A signature with a logo picture that holds no code."""
    m = message("Compte rendu", "Alex Durand <alex.durand@campaign-party.org>")
    m.set_content("Voici le compte rendu de la réunion.\nAlex\n", cte="8bit")
    logo = Image.new("RGB", (240, 80), (192, 57, 43))
    ImageDraw.Draw(logo).text((20, 30), "Parti Exemple", fill=(255, 255, 255))
    return image(m, encoded(logo), "logo.png")


def bomb_header() -> EmailMessage:
    """A PNG whose header claims 100,000 x 100,000 pixels: refused before decoding."""
    m = message("Photo", "Inconnu <photo@images-exemple.example>")
    m.set_content("Voir la photo.\n", cte="8bit")
    return image(m, bomb_png(), "photo.png")


def corrupt_image() -> EmailMessage:
    """A JPEG cut in the middle and a PNG with a broken header."""
    m = message("Photos", "Inconnu <photos@images-exemple.example>")
    m.set_content("Voir les photos.\n", cte="8bit")
    jpeg = encoded(qr_image("https://cut.example/").convert("RGB"), "JPEG")
    image(m, jpeg[: len(jpeg) // 3], "coupee.jpg", "jpeg")
    return image(m, b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "cassee.png")


SAMPLES = {
    "qr_invoice_quishing": qr_invoice_quishing,
    "qr_inline_data_uri": qr_inline_data_uri,
    "qr_jpeg_shortener": qr_jpeg_shortener,
    "qr_named_as_pdf": qr_named_as_pdf,
    "qr_epc_payment": qr_epc_payment,
    "qr_own_site": qr_own_site,
    "harmless_logo": harmless_logo,
    "bomb_header": bomb_header,
    "corrupt_image": corrupt_image,
}


def main() -> None:
    write_samples(HERE, SAMPLES)


if __name__ == "__main__":
    main()
