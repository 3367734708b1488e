"""Language lures in French and English: urgency, credentials, payment, wire transfer.

Matching is on the subject and the first ``_WINDOW`` characters of the visible
text, case- and accent-insensitive, with word boundaries. The phrase lists are
deliberately about what the message *asks* (act now, give your password, pay,
transfer money, keep it quiet), not about how mail of a given decade was
written. Each list names what it catches; the weights come from training.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rempart.mail.context import MailContext
from rempart.mail.model import Category, Hit, ParsedMail, SignalSpec

_WINDOW = 20_000

# Each entry is a regular expression over accent-free, lowercased text. No
# nested quantifiers: attacker text must not be able to make matching slow.
_PHRASES: dict[str, tuple[str, ...]] = {
    "language.urgency": (
        # German, Dutch, Portuguese, Spanish, Italian (lures arrive in every language)
        r"dringend",
        r"sofort",
        r"umgehend",
        r"innerhalb von (?:24|48|72) stunden",
        r"letzte (?:mahnung|warnung|erinnerung)",
        r"wird (?:gesperrt|geloscht|deaktiviert)",
        r"wurde (?:gesperrt|eingeschrankt|deaktiviert)",
        r"abgelaufen",
        r"handeln sie jetzt",
        r"dringend",
        r"onmiddellijk",
        r"binnen (?:24|48|72) uur",
        r"laatste (?:herinnering|"
        r"waarschuwing|kans)",
        r"wordt (?:geblokkeerd|verwijderd|gedeactiveerd)",
        r"is (?:geblokkeerd|opgeschort)",
        r"verlopen",
        r"urgente",
        r"imediatamente",
        r"em (?:24|48|72) horas",
        r"ultimo aviso",
        r"sera (?:bloqueado|bloqueada|"
        r"suspenso|suspensa|cancelado|cancelada)",
        r"foi (?:bloqueado|bloqueada|suspenso|"
        r"suspensa)",
        r"inmediatamente",
        r"en (?:24|48|72) horas",
        r"ultimo aviso",
        r"(?:sera|ha sido) (?:bloqueada|suspendida|cancelada)",
        r"immediatamente",
        r"entro (?:24|48|72) ore",
        r"ultimo avviso",
        r"(?:verra|e stato|e stata) "
        r"(?:bloccato|bloccata|sospeso|sospesa)",
        # English
        r"urgent(?:ly)?",
        r"immediately",
        r"right away",
        r"as soon as possible",
        r"asap",
        r"within (?:24|48|72) ?h(?:ours?|rs)?",
        r"within (?:one|two|three|1|2|3) days?",
        r"final (?:notice|warning|reminder)",
        r"last (?:notice|warning|reminder|chance)",
        r"action required",
        r"immediate action",
        r"will be (?:suspended|closed|deleted|"
        r"deactivated|terminated|blocked|locked)",
        r"has been (?:suspended|locked|limited|"
        r"restricted|blocked|disabled)",
        r"expires? (?:today|soon|in \d+)",
        r"failure to (?:comply|respond|verify|update)",
        r"avoid (?:suspension|"
        r"interruption|closure|deactivation)",
        # French
        r"urgente?",
        r"immediatement",
        r"sans delai",
        r"au plus vite",
        r"des que possible",
        r"sous (?:24|48|72) ?h(?:eures)?",
        r"dans les (?:24|48|72) ?h(?:eures)?",
        r"dernier (?:avis|rappel|avertissement)",
        r"derniere relance",
        r"action requise",
        r"sera (?:suspendu|suspendue|bloque|bloquee|supprime|supprimee|desactive|"
        r"desactivee|ferme|fermee|cloture|cloturee)",
        r"a ete (?:suspendu|suspendue|bloque|"
        r"bloquee|restreint|restreinte|desactive|desactivee)",
        r"expire (?:aujourd.hui|"
        r"bientot|dans \d+)",
        r"faute de (?:reponse|quoi|regularisation)",
        r"eviter (?:la suspension|la fermeture|le blocage|toute interruption)",
    ),
    "language.credential": (
        r"bestatigen sie (?:ihr|ihre|ihren)",
        r"verifizieren sie (?:ihr|ihre|ihren)",
        r"aktualisieren sie ihre (?:daten|kontodaten|informationen)",
        r"ihr passwort",
        r"kennwort",
        r"anmeldedaten",
        r"ungewohnliche (?:anmeldung|aktivitat)",
        r"bevestig uw (?:account|identiteit|gegevens|e-?mail)",
        r"verifieer uw",
        r"uw wachtwoord",
        r"inloggegevens",
        r"ongebruikelijke (?:aanmelding|activiteit)",
        r"confirme (?:sua|seus|seu)",
        r"verifique (?:sua|seus|seu)",
        r"atualize (?:sua|"
        r"seus|seu) (?:cadastro|dados|conta)",
        r"sua senha",
        r"confirme su (?:cuenta|"
        r"identidad|contrasena)",
        r"verifique su (?:cuenta|identidad)",
        r"su contrasena",
        r"actualice sus datos",
        r"verifica (?:il tuo|la tua)",
        r"la tua password",
        r"verify your (?:account|identity|email|mailbox|information|details|password)",
        r"confirm your (?:account|identity|email|password|credentials|details|information)",
        r"update your (?:account|password|information|details|billing|payment)",
        r"(?:reset|change|re-?enter|validate) your password",
        r"someone has your password",
        r"your password (?:has expired|expires|will expire)",
        r"password expir(?:y|ation) notice",
        r"sign[ -]in (?:attempt|activity)",
        r"unusual (?:sign[ -]in|login|activity)",
        r"log ?in to (?:your|verify|confirm|restore)",
        r"re-?activate your account",
        r"mailbox (?:is full|quota|storage|upgrade)",
        r"storage (?:is full|quota)",
        r"unlock your account",
        r"restore (?:your )?access",
        r"verifi(?:ez|er) votre (?:compte|identite|adresse|messagerie|mot de passe)",
        r"confirm(?:ez|er) votre (?:compte|identite|mot de passe|adresse|identifiant)",
        r"mett(?:ez|re) a jour vos (?:informations|coordonnees|donnees|identifiants)",
        r"(?:reinitialis|chang|modifi)(?:ez|er) votre mot de passe",
        r"votre mot de passe "
        r"(?:a expire|expire|va expirer)",
        r"identifiants? de connexion",
        r"connexion inhabituelle",
        r"activite inhabituelle",
        r"reactiv(?:ez|er) votre compte",
        r"votre (?:boite|messagerie) (?:est pleine|a atteint)",
        r"quota de stockage",
        r"debloqu(?:ez|er) votre compte",
        r"retablir (?:votre )?acces",
    ),
    "language.payment": (
        r"(?:offene|unbezahlte) rechnung",
        r"zahlung (?:fehlgeschlagen|abgelehnt|ausstehend)",
        r"zahlungsdaten",
        r"kreditkarte",
        r"ruckerstattung",
        r"zollgebuhren",
        r"openstaande (?:factuur|betaling)",
        r"betaling (?:mislukt|geweigerd)",
        r"terugbetaling",
        r"invoerrechten",
        r"verzendkosten",
        r"fatura (?:em aberto|vencida|"
        r"pendente)",
        r"pagamento (?:pendente|recusado)",
        r"cartao de credito",
        r"reembolso",
        r"taxa (?:de entrega|alfandegaria)",
        r"factura (?:pendiente|vencida)",
        r"pago (?:pendiente|rechazado)",
        r"tarjeta de credito",
        r"fattura (?:scaduta|"
        r"insoluta)",
        r"pagamento (?:non riuscito|rifiutato)",
        r"carta di credito",
        r"rimborso",
        r"(?:unpaid|overdue|outstanding|pending) (?:invoice|payment|balance|bill)",
        r"payment (?:failed|declined|was declined|could not be processed|is overdue)",
        r"update your (?:payment|billing|card)",
        r"(?:credit|debit|bank) card (?:details|"
        r"information|number)",
        r"card (?:details|number|verification)",
        r"billing "
        r"(?:problem|issue|information)",
        r"refund of",
        r"you (?:are eligible|qualify) for a "
        r"refund",
        r"tax refund",
        r"customs (?:fees|duties|charges)",
        r"delivery fee",
        r"facture (?:impayee|en attente|en retard)",
        r"impaye",
        r"paiement (?:refuse|"
        r"echoue|en attente|n.a pas pu)",
        r"mett(?:ez|re) a jour (?:vos|votre) "
        r"(?:moyen de paiement|carte|informations de paiement)",
        r"carte (?:bancaire|bleue)",
        r"remboursement (?:de|d.impot|en attente)",
        r"vous (?:etes eligible|avez droit) a un "
        r"remboursement",
        r"frais de (?:douane|livraison|port|reexpedition)",
        r"amende",
        r"regularis(?:ez|er|ation)",
    ),
    "language.wire_transfer": (
        r"wire transfer",
        r"bank transfer",
        r"(?:new|updated|change of|changed) (?:bank|"
        r"banking|account) (?:details|information|account)",
        r"transfer the (?:funds|money|"
        r"amount)",
        r"process (?:a|the) (?:payment|transfer)",
        r"send (?:the|a) (?:payment|"
        r"transfer)",
        r"iban",
        r"swift",
        r"bic code",
        r"beneficiary",
        r"virement",
        r"nouvelles? coordonnees bancaires",
        r"changement de (?:rib|"
        r"coordonnees bancaires|compte bancaire)",
        r"\brib\b",
        r"beneficiaire",
        r"effectuer (?:un|le) (?:paiement|reglement|virement)",
        r"fonds",
    ),
    "language.secrecy": (
        r"(?:strictly )?confidential",
        r"keep (?:this|it) (?:between us|confidential|quiet)",
        r"do not (?:tell|discuss|share|mention)",
        r"are you (?:available|at your desk)",
        r"i need (?:a|you to do a) (?:favou?r|quick)",
        r"discreet(?:ly|ion)?",
        r"(?:strictement )?confidentiel(?:le)?",
        r"discretion",
        r"n.en parle[sz]? (?:a "
        r"personne|pas)",
        r"ne (?:pas )?(?:en )?parler",
        r"es[- ]tu disponible",
        r"etes[- ]vous disponible",
        r"j.ai besoin (?:d.un service|que tu)",
        r"(?:gift|itunes|steam|google play|amazon) cards?",
        r"cartes? cadeaux?",
    ),
    "language.advance_fee": (
        r"business (?:proposal|partnership|proposition)",
        r"lucrative",
        r"mutual(?:ly)? "
        r"benefi\w*",
        r"next of kin",
        r"(?:huge|large|substantial) (?:sum|amount|fund)",
        r"inheritance",
        r"consignment",
        r"foreign partner",
        r"(?:deceased|late) (?:client|"
        r"husband|father)",
        r"(?:unclaimed|dormant) (?:funds?|account|inheritance)",
        r"compensation (?:fund|payment)",
        r"crude oil",
        r"(?:loan|investment) offer",
        r"(?:million|billion) (?:us )?(?:dollars|usd|euros?)",
        r"proposition d.affaires?",
        r"partenaire (?:etranger|de confiance)",
        r"heritage",
        r"somme (?:importante|de)",
        r"parceiro (?:estrangeiro|de confianca)",
        r"proposta de negocio",
        r"heranca",
        r"socio extranjero",
        r"propuesta de negocio",
        r"herencia",
    ),
    "language.crypto": (
        r"bitcoin",
        r"btc",
        r"ethereum",
        r"cryptocurrenc\w*",
        r"cryptomonnaies?",
        r"crypto (?:wallet|exchange|giveaway|airdrop|investment|trading)",
        r"airdrop",
        r"usdt",
        r"tether",
        r"(?:crypto|bitcoin|digital) wallet",
        r"seed phrase",
        r"recovery phrase",
        r"phrase de recuperation",
        r"metamask",
        r"token (?:sale|giveaway|presale)",
        r"giveaway",
    ),
    "language.gambling": (
        r"casino",
        r"free spins?",
        r"freispiele",
        r"jackpot",
        r"welcome bonus",
        r"bonus (?:de bienvenue|ohne einzahlung|sans depot)",
        r"no deposit",
        r"betting",
        r"paris sportifs",
        r"tours gratuits",
        r"giros gratis",
        r"rodadas gratis",
    ),
    "language.prize": (
        r"sie haben gewonnen",
        r"herzlichen gluckwunsch",
        r"gewinnspiel",
        r"gewinner",
        r"gutschein",
        r"freispiele",
        r"u heeft gewonnen",
        r"gefeliciteerd",
        r"winnaar",
        r"cadeaubon",
        r"voce ganhou",
        r"parabens",
        r"premio",
        r"sorteio",
        r"has ganado",
        r"felicidades",
        r"ganador",
        r"sorteo",
        r"hai vinto",
        r"congratulazioni",
        r"vincitore",
        r"you (?:have|ve) (?:won|been selected)",
        r"congratulations",
        r"winner",
        r"claim your (?:prize|reward|gift|refund)",
        r"lottery",
        r"free gift",
        r"100% free",
        r"(?:risk[- ]free|no cost|no obligation)",
        r"(?:earn|make) \$?\d",
        r"million dollars",
        r"vous avez (?:gagne|ete selectionne)",
        r"felicitations",
        r"gagnant",
        r"recuper(?:ez|er) votre (?:cadeau|gain|lot|prix|remboursement)",
        r"loterie",
        r"cadeau gratuit",
        r"tirage au sort",
    ),
}

SPECS: tuple[SignalSpec, ...] = (
    SignalSpec(
        "language.urgency",
        Category.LANGUAGE,
        "The message pressures you to act at once (deadline, suspension threat)",
        "Urgency stops people from checking: most credential lures threaten a closed "
        "account or a deadline within hours.",
        "Slow down: check the request through a channel you already know (call the person, "
        "open the service by typing its address yourself).",
        prior_weight=0.8,
    ),
    SignalSpec(
        "language.credential",
        Category.LANGUAGE,
        "The message asks you to sign in, verify or change a password",
        "Asking for a login or a password reset is how a mailbox is taken: the 2016 "
        "Podesta mail said 'Someone has your password'.",
        "Never sign in from a link in a mail: open the service yourself. Report the mail to "
        "the campaign's technician.",
        prior_weight=1.2,
    ),
    SignalSpec(
        "language.payment",
        Category.LANGUAGE,
        "The message talks about an unpaid invoice, a refund or card details",
        "Fake invoices, refunds and delivery fees are the commonest lure for card details.",
        "Check the invoice or refund in the service's own site or with the treasurer; never "
        "give card details from a mail.",
        prior_weight=0.8,
    ),
    SignalSpec(
        "language.wire_transfer",
        Category.LANGUAGE,
        "The message asks for a transfer or gives new bank details",
        "Wire fraud ('fraude au président') asks the treasurer for an urgent transfer or "
        "changes a supplier's IBAN.",
        "Never pay on a mail alone: call the requester on a number you already know, and "
        "apply the two-person rule for any new IBAN.",
        prior_weight=1.0,
    ),
    SignalSpec(
        "language.secrecy",
        Category.LANGUAGE,
        "The message asks for discretion, a quick favour or gift cards",
        "Business-email compromise isolates the victim ('keep this between us', 'are you at "
        "your desk?') so nobody checks.",
        "Any request to keep a payment or a favour secret is a reason to tell someone.",
        prior_weight=0.8,
    ),
    SignalSpec(
        "language.address_greeting",
        Category.LANGUAGE,
        "The message greets you by your e-mail address or puts it in the subject",
        "Mass phishing fills in the recipient's address where a real sender would use "
        "a name ('Hello jean.dupont@…').",
        "Treat it as a mass mailing: do not click, do not answer.",
        prior_weight=1.0,
    ),
    SignalSpec(
        "language.advance_fee",
        Category.LANGUAGE,
        "The message proposes a windfall: a partnership, an inheritance, a large sum",
        "Advance-fee ('419') fraud promises money for help, then asks for fees or papers.",
        "Do not answer; nobody shares millions with a stranger.",
        prior_weight=1.5,
    ),
    SignalSpec(
        "language.crypto",
        Category.LANGUAGE,
        "The message talks of crypto-currency, airdrops, wallets or seed phrases",
        "Crypto lures ask for a wallet's recovery phrase or a 'fee' to release a payout. "
        "Not learnt from the corpora: their legitimate mail (2002) predates crypto.",
        "Never type a recovery phrase anywhere a mail sends you; ignore payouts you did "
        "not expect.",
        prior_weight=1.2,
        learn=False,
    ),
    SignalSpec(
        "language.gambling",
        Category.LANGUAGE,
        "The message advertises casinos, bets or free spins",
        "Gambling offers are bulk spam and often lead to fraudulent sites.",
        "Delete it.",
        prior_weight=1.0,
    ),
    SignalSpec(
        "language.obfuscated_text",
        Category.LANGUAGE,
        "The subject or text is written with look-alike letters (mathematical, full-width, "
        "mixed alphabets)",
        "Writing words in mathematical, full-width or mixed-alphabet letters defeats word "
        "filters; legitimate mail has no reason to. Not learnt from the corpora (their "
        "legitimate mail predates such Unicode tricks).",
        "Treat it as a message built to evade filters.",
        prior_weight=2.0,
        learn=False,
    ),
    SignalSpec(
        "language.prize",
        Category.LANGUAGE,
        "The message promises a prize, a gain or something free",
        "Prizes and free gifts are classic spam and advance-fee lures.",
        "Ignore it; nobody gives prizes by mail.",
        prior_weight=0.5,
    ),
)


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    return {
        signal: re.compile(r"\b(?:" + "|".join(phrases) + r")\b")
        for signal, phrases in _PHRASES.items()
    }


def fold(text: str) -> str:
    """Lowercase ``text`` without accents (``Vérifiez`` → ``verifiez``)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def detect(mail: ParsedMail, ctx: MailContext) -> list[Hit]:
    """One hit per lure family found in the subject or the visible text."""
    subject = fold(mail.subject[:1000])
    body = fold(mail.body_text[:_WINDOW])
    hits = []
    for signal, pattern in _patterns().items():
        m = pattern.search(subject)
        where = "Subject"
        if m is None:
            m = pattern.search(body)
            where = "text"
        if m is not None:
            hits.append(
                Hit(signal, f'{where}: "{_context(subject if where == "Subject" else body, m)}"')
            )
    for hit in (_address_greeting(mail), _obfuscated(mail)):
        if hit is not None:
            hits.append(hit)
    return hits


# Mathematical alphanumerics (U+1D400–U+1D7FF), full-width forms (U+FF01–U+FF5E),
# enclosed/circled letters (U+24B6–U+24E9, U+1F130–U+1F189): letters dressed up as others.
_DRESSED = re.compile("[\U0001d400-\U0001d7ff\uff01-\uff5e\u24b6-\u24e9\U0001f130-\U0001f189]")
_WORD = re.compile(r"\w{3,30}")


def _obfuscated(mail: ParsedMail) -> Hit | None:
    """Words written in look-alike letters, or mixing Latin with Cyrillic/Greek letters."""
    for where, text in (("Subject", mail.subject[:500]), ("text", mail.body_text[:5000])):
        dressed = _DRESSED.findall(text)
        if len(dressed) >= 4:
            at = text.find(dressed[0])
            return Hit("language.obfuscated_text", f"{where}: {text[at : at + 60]!r}")
        for m in _WORD.finditer(text):
            word = m.group(0)
            if word.isascii():
                continue
            scripts = {_script(ch) for ch in word if ch.isalpha()}
            if "latin" in scripts and scripts & {"cyrillic", "greek"}:
                return Hit("language.obfuscated_text", f"{where}: mixed alphabets in {word!r}")
    return None


def _script(ch: str) -> str:
    if ch.isascii() or "\u00c0" <= ch <= "\u024f":
        return "latin"
    if "\u0400" <= ch <= "\u04ff":
        return "cyrillic"
    if "\u0370" <= ch <= "\u03ff":
        return "greek"
    return "other"


_GREETING = re.compile(
    r"\b(?:hello|hi|hey|dear|bonjour|bonsoir|salut|cher|chere|hallo|guten tag|liebe|lieber|"
    r"beste|geachte|ola|hola|estimado|estimada|ciao|gentile)[ \t,:]{1,3}$"
)


def _address_greeting(mail: ParsedMail) -> Hit | None:
    """The recipient's address in the subject, or right after a greeting word at the start
    of the text ("Hello jean.dupont@…"); quoted replies and signatures do not count."""
    subject = mail.subject[:500].lower()
    head = fold(mail.body_text[:300])
    for rcpt in (*mail.to, *mail.cc)[:20]:
        addr = rcpt.address.lower()
        if not addr:
            continue
        if addr in subject:
            return Hit("language.address_greeting", f"Subject contains {addr}")
        at = head.find(addr)
        if at > 0 and _GREETING.search(head[max(0, at - 20) : at]):
            return Hit("language.address_greeting", f'text: "{head[max(0, at - 20) : at]}{addr}"')
    return None


def _context(text: str, m: re.Match[str], width: int = 40) -> str:
    start = max(0, m.start() - width)
    end = min(len(text), m.end() + width)
    snippet = " ".join(text[start:end].split())
    return ("…" if start else "") + snippet + ("…" if end < len(text) else "")
