"""Writes the link samples (``*.eml`` beside this file); EXPECTED.toml says what each shows.

    .venv/bin/python tests/mail/samples/links/make_samples.py

Lures are modelled on public cases; every person is fictional and attacker hosts
use reserved names (``.example``, ``.invalid``, documentation IP ranges) or
look-alikes that are never contacted.
"""

from __future__ import annotations

import sys
from email.message import EmailMessage
from pathlib import Path

HERE = Path(__file__).parent
sys.path.append(str(HERE.parent))

from _mime import both, message, write_samples  # noqa: E402


def podesta_lure() -> EmailMessage:
    """The March 2016 lure: a Google look-alike alert whose CHANGE PASSWORD button
    shows a Google address and leads to bit.ly (as published in 2016)."""
    m = message("*Someone has your password*", "Google <no-reply@accounts.googlemail.com>",
                auth="spf=fail dmarc=fail")  # fmt: skip
    return both(
        m,
        "Someone has your password\nHi Camille\nSomeone just used your password to try to "
        "sign in to your Google Account.\nGoogle stopped this sign-in attempt. You should "
        "change your password immediately.\nCHANGE PASSWORD <https://bit.ly/1PibSU0>\n",
        """<html><body><p>Hi Camille,</p>
<p>Someone just used your password to try to sign in to your Google Account
camille.exemple@parti-exemple.fr.</p>
<p>Details: Saturday, 19 March, 8:34:30 UTC. IP Address: 134.249.139.239. Location: Ukraine.</p>
<p>Google stopped this sign-in attempt. You should change your password immediately.</p>
<p><a href="https://bit.ly/1PibSU0" style="background:#4184F3;color:#fff;padding:10px">
https://myaccount.google.com/security</a></p>
<p>Best,<br>The Gmail Team</p></body></html>""",
    )


def newsletter_tracking() -> EmailMessage:
    """A real-world shaped newsletter: every link goes through click tracking, texts are
    words, the footer says "Gérer mon compte"."""
    m = message("La lettre du dimanche", "Le Quotidien Exemple <lettre@quotidien-exemple.fr>")
    track = "https://quotidien-exemple.us12.list-manage.com/track/click?u=8a1f2b&id="
    items = [
        ("Budget 2027 : ce que prévoit le texte", "c01"),
        ("Municipales : les alliances se dessinent", "c02"),
        ("Le portrait de la semaine", "c03"),
        ("Lire la suite", "c04"),
        ("Voir dans le navigateur", "c05"),
        ("Gérer mon compte", "c06"),
        ("Se désinscrire", "c07"),
        ("Twitter", "c08"),
        ("Facebook", "c09"),
    ]
    links = "\n".join(f'<p><a href="{track}{i}&e=4f2">{t}</a></p>' for t, i in items)
    return both(
        m,
        "La lettre du dimanche\nBudget 2027, municipales et le portrait de la semaine.\n",
        f"""<html><body><h1>La lettre du dimanche</h1>
<p>Chaque dimanche, l'essentiel de la semaine politique.</p>
{links}
<p>Vous recevez cette lettre car vous êtes abonné. Pour gérer vos préférences ou votre compte,
utilisez les liens ci-dessus.</p></body></html>""",
    )


def google_form_harvest() -> EmailMessage:
    """Mailbox-quota lure sending to a Google Form that asks for the password."""
    m = message(
        "Votre messagerie sera désactivée",
        "Service informatique <support@parti-exemple-helpdesk.com>",
    )
    form = "https://docs.google.com/forms/d/e/1FAIpQLSd3Xm0fakeExampleForm/viewform"
    return both(
        m,
        f"Votre boîte mail a atteint son quota. Votre compte sera suspendu sous 24 h.\n"
        f"Vérifiez votre compte ici : {form}\n",
        f"""<html><body><p>Bonjour,</p>
<p>Votre boîte mail a atteint son quota de stockage. Votre compte sera suspendu sous 24 h.</p>
<p><a href="{form}">Vérifier mon compte</a></p>
<p>Le service informatique</p></body></html>""",
    )


def safelinks_benign() -> EmailMessage:
    """A colleague's mail as Microsoft 365 Safe Links rewrote it: the wrapper is unwrapped and
    the destination is the party's own site."""
    m = message("Agenda de la semaine", "Alex Durand <alex.durand@campaign-party.org>")
    dest = "https%3A%2F%2Fwww.parti-exemple.fr%2Fagenda%2Fsemaine-38"
    wrapped = (
        f"https://eur02.safelinks.protection.outlook.com/?url={dest}"
        "&data=05%7C02%7Ccamille.exemple%40parti-exemple.fr%7C9f1c%7C0&sdata=Zm9v&reserved=0"
    )
    return both(
        m,
        f"Bonjour Camille,\nl'agenda de la semaine est en ligne : {wrapped}\nAlex\n",
        f"""<html><body><p>Bonjour Camille,</p>
<p>L'agenda de la semaine est en ligne :
<a href="{wrapped}">https://www.parti-exemple.fr/agenda/semaine-38</a></p>
<p>Alex</p></body></html>""",
    )


def donation_receipt() -> EmailMessage:
    """The party's own receipt: links to its site, with "se connecter" beside them."""
    m = message("Votre reçu fiscal", "Parti Exemple <dons@parti-exemple.fr>",
                to="Jeanne Martin <jeanne.martin@example.org>")  # fmt: skip
    return both(
        m,
        "Merci pour votre don de 50 euros.\nVotre reçu fiscal : "
        "https://www.parti-exemple.fr/dons/recu/2026-0912\n",
        """<html><body><p>Merci pour votre don de 50 euros.</p>
<p>Votre reçu fiscal est disponible dans votre espace donateur :
<a href="https://www.parti-exemple.fr/dons/recu/2026-0912">télécharger le reçu</a>.</p>
<p>Pour retrouver tous vos reçus, connectez-vous à
<a href="https://www.parti-exemple.fr/mon-espace">votre espace donateur</a>.</p>
</body></html>""",
    )


def google_alert_real() -> EmailMessage:
    """A genuine Google security notice: from google.com, links to google.com."""
    m = message("Alerte de sécurité", "Google <no-reply@accounts.google.com>",
                auth="spf=pass dkim=pass dmarc=pass")  # fmt: skip
    return both(
        m,
        "Nouvelle connexion sur Windows\nSi vous n'êtes pas à l'origine de cette connexion, "
        "vérifiez l'activité : https://accounts.google.com/AccountChooser?Email=x&continue=y\n",
        """<html><body><p>Nouvelle connexion sur Windows</p>
<p>Votre compte Google camille.exemple@parti-exemple.fr vient d'être utilisé pour se connecter
sur un nouvel appareil Windows.</p>
<p><a href="https://accounts.google.com/AccountChooser?Email=camille&amp;continue=\
https://myaccount.google.com/alert/nt/1">Vérifier l'activité</a></p>
<p>Vous pouvez aussi voir l'activité de sécurité sur
<a href="https://myaccount.google.com/notifications">https://myaccount.google.com/notifications</a></p>
</body></html>""",
    )


def press_request_gmail() -> EmailMessage:
    """A journalist writing from a Gmail address, with links to their paper and profile."""
    m = message("Demande d'interview", "Léa Moreau <lea.moreau.journaliste@gmail.com>")
    m.set_content(
        "Bonjour,\nJe prépare un article sur la campagne pour Le Quotidien Exemple "
        "(mon dernier papier : https://www.quotidien-exemple.fr/politique/2026/09/budget).\n"
        "Seriez-vous disponible jeudi ? Mon profil : https://www.linkedin.com/in/lea-moreau\n"
        "Léa Moreau\n",
        cte="8bit",
    )
    return m


def bank_ip_userinfo() -> EmailMessage:
    """Bank lure with a link to a decimal IP and another hiding its host after an '@'."""
    m = message("Compte bloqué", "Banque Exemple <alerte@banque-exemple-secure.com>")
    return both(
        m,
        "Votre compte est bloqué. Débloquer : http://3325256838/banque/\n",
        """<html><body><p>Votre compte est bloqué suite à une activité inhabituelle.</p>
<p><a href="http://3325256838/banque/">Débloquer mon accès</a></p>
<p>Ou : <a href="https://www.banque-exemple.fr@198.51.100.7/connexion">espace client</a></p>
</body></html>""",
    )


def redirector_google() -> EmailMessage:
    """A Google open redirect (google.com/url?q=) hiding a page on Cloudflare Pages."""
    m = message("Document partagé : compte rendu", "Secrétariat <secretariat@cr-reunion.example>")
    url = "https://www.google.com/url?q=https://compte-rendu-reunion.pages.dev/cr.html&sa=D"
    return both(
        m,
        f"Le compte rendu de la réunion est disponible : {url}\n",
        f"<html><body><p>Le compte rendu de la réunion est disponible.</p>"
        f'<p><a href="{url}">Ouvrir le document</a></p></body></html>',
    )


def script_links() -> EmailMessage:
    """Links that run code or carry a whole page: javascript: and data:text/html."""
    m = message("Votre colis", "Livraison <info@colis-suivi.example>")
    return both(
        m,
        "Votre colis est en attente.\n",
        """<html><body><p>Votre colis est en attente.</p>
<p><a href="javascript:window.location='https://colis-suivi.example/p'">Suivre le colis</a></p>
<p><a href="data:text/html;base64,PGgxPkNvbGlzPC9oMT4=">Voir le bordereau</a></p>
</body></html>""",
    )


def punycode_port() -> EmailMessage:
    """An internationalised look-alike of the party's domain, on port 8443."""
    m = message("Réunion du bureau", "Bureau <bureau@campagne-info.example>")
    url = "https://xn--parti-exmple-zck.fr:8443/documents/bureau"
    return both(
        m,
        f"Les documents du bureau : {url}\n",
        f"<html><body><p>Les documents du bureau sont en ligne.</p>"
        f'<p><a href="{url}">Documents</a></p></body></html>',
    )


def spam_many_domains() -> EmailMessage:
    """Pharmacy spam spreading its links over 22 throwaway domains."""
    m = message("Offres du jour", "Offres <promo@deals-du-jour.example>")
    domains = [f"https://pharma-{i:02d}-deal.example/offre" for i in range(22)]
    links = "\n".join(f'<a href="{d}">offre {i}</a>' for i, d in enumerate(domains))
    return both(m, "Offres du jour.\n", f"<html><body><p>Offres du jour</p>{links}</body></html>")


def ipfs_login() -> EmailMessage:
    """A "shared document" sign-in page on an IPFS gateway, with a rewritten text domain."""
    m = message("Camille vous a partagé un fichier", "OneDrive <partage@onedrive-share.example>")
    url = "https://ipfs.io/ipfs/bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/o.html"
    return both(
        m,
        f"Connectez-vous pour voir le document : {url}\n",
        f"""<html><body><p>Un fichier vous a été partagé.</p>
<p>Connectez-vous avec votre mot de passe pour le voir :
<a href="{url}">onedrive.live.com</a></p></body></html>""",
    )


SAMPLES = {
    "podesta_lure": podesta_lure,
    "newsletter_tracking": newsletter_tracking,
    "google_form_harvest": google_form_harvest,
    "safelinks_benign": safelinks_benign,
    "donation_receipt": donation_receipt,
    "google_alert_real": google_alert_real,
    "press_request_gmail": press_request_gmail,
    "bank_ip_userinfo": bank_ip_userinfo,
    "redirector_google": redirector_google,
    "script_links": script_links,
    "punycode_port": punycode_port,
    "spam_many_domains": spam_many_domains,
    "ipfs_login": ipfs_login,
}


def main() -> None:
    write_samples(HERE, SAMPLES)


if __name__ == "__main__":
    main()
