"""Every word of the leadership briefing, in English and French.

The briefing is read by people who do not work in IT: each string says what
happened or what to do in plain words. Keys are the same in every language (a
test checks it), so adding a language is adding one dictionary per table.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

LANGS = ("en", "fr")
"""The languages a briefing can be written in."""

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Security briefing",
        "generated": "Written on {date} from Rempart's findings and events",
        "period": "Attacks seen from {start} to {end}; times in {zone}.",
        "open_summary": "Open security problems: {counts}.",
        "open_none": "No open security problem is recorded.",
        "count_item": "{label}: {n}",
        "fixes_heading": "The five things to fix first",
        "fixes_intro": "Most serious first; among equals, the one touching most of "
        "your domains and sites first.",
        "who": "Who:",
        "what_to_do": "What to do:",
        "concerns": "Concerns:",
        "and_more": "and {n} more",
        "no_fixes": "Nothing to fix: no open problem is recorded. Run the audit regularly.",
        "attacks_heading": "What was attacked, and when",
        "attack_what": "What",
        "attack_count": "How many",
        "attack_dates": "Days",
        "no_attacks": "No attack was recorded in this period.",
        "notable_heading": "The most serious incidents",
        "chart_alt": "Timeline of the attacks and of the election calendar",
        "chart_failed": "The timeline chart could not be drawn: {reason}",
        "risks_heading": "The risk windows ahead (next {days} days)",
        "risks_intro": "Periods when an attack or a leak would hurt most, and how to be ready.",
        "no_risks": "No risk window in the next {days} days.",
        "no_calendar": "No election calendar was given (the campaign file's [[calendar]]): "
        "the risk windows cannot be computed.",
        "from_moment": "because of: {moment}",
        "on_call": "On call:",
        "statement": "Ready to publish:",
        "in_progress": "now",
        "risks_more": "{n} more window(s) in this period: the command rempart timeline risk "
        "lists them all.",
        "limits_heading": "What this briefing cannot see",
        "blind_spot": "Rempart only sees what it is given: your domains and websites, the "
        "mail the team reported, the web server logs. It does not see personal phones and "
        "mailboxes, messaging apps, social media accounts, or an attacker already inside a "
        "computer.",
        "severity_critical": "critical",
        "severity_high": "high",
        "severity_medium": "medium",
        "severity_low": "low",
        "severity_info": "info",
        "more_days": "+{n} more",
    },
    "fr": {
        "title": "Note de sécurité",
        "generated": "Rédigée le {date} à partir des constats et événements de Rempart",
        "period": "Attaques vues du {start} au {end} ; heures de {zone}.",
        "open_summary": "Problèmes de sécurité ouverts : {counts}.",
        "open_none": "Aucun problème de sécurité ouvert n'est enregistré.",
        "count_item": "{label} : {n}",
        "fixes_heading": "Les cinq choses à corriger d'abord",
        "fixes_intro": "Les plus graves d'abord ; à gravité égale, celle qui touche le plus "
        "de vos domaines et sites.",
        "who": "Qui :",
        "what_to_do": "Que faire :",
        "concerns": "Concerne :",
        "and_more": "et {n} autre(s)",
        "no_fixes": "Rien à corriger : aucun problème ouvert n'est enregistré. Lancez "
        "l'audit régulièrement.",
        "attacks_heading": "Ce qui a été attaqué, et quand",
        "attack_what": "Quoi",
        "attack_count": "Combien",
        "attack_dates": "Jours",
        "no_attacks": "Aucune attaque n'a été enregistrée sur cette période.",
        "notable_heading": "Les incidents les plus graves",
        "chart_alt": "Chronologie des attaques et du calendrier électoral",
        "chart_failed": "La chronologie n'a pas pu être dessinée : {reason}",
        "risks_heading": "Les périodes à risque à venir ({days} prochains jours)",
        "risks_intro": "Les moments où une attaque ou une fuite ferait le plus de mal, et "
        "comment s'y préparer.",
        "no_risks": "Aucune période à risque dans les {days} prochains jours.",
        "no_calendar": "Aucun calendrier électoral n'a été donné ([[calendar]] du fichier "
        "de campagne) : les périodes à risque ne peuvent pas être calculées.",
        "from_moment": "à cause de : {moment}",
        "on_call": "De garde :",
        "statement": "Prêt à publier :",
        "in_progress": "en cours",
        "risks_more": "{n} autre(s) période(s) sur cette durée : la commande rempart "
        "timeline risk les liste toutes.",
        "limits_heading": "Ce que cette note ne voit pas",
        "blind_spot": "Rempart ne voit que ce qu'on lui donne : vos domaines et sites, les "
        "courriels signalés par l'équipe, les journaux des serveurs web. Il ne voit pas les "
        "téléphones et messageries personnels, les applications de messagerie, les comptes "
        "de réseaux sociaux, ni un attaquant déjà présent dans un ordinateur.",
        "severity_critical": "critique",
        "severity_high": "élevée",
        "severity_medium": "moyenne",
        "severity_low": "faible",
        "severity_info": "info",
        "more_days": "+{n} autres",
    },
}
"""Fixed sentences and labels; ``{name}`` fields are filled by the builder."""

ROLES: dict[str, dict[str, str]] = {
    "registrar": {
        "en": "the person who manages the domain names (registrar account)",
        "fr": "la personne qui gère les noms de domaine (compte chez le bureau d'enregistrement)",
    },
    "web": {
        "en": "the web host / site administrator",
        "fr": "l'hébergeur / l'administrateur du site",
    },
    "mail": {
        "en": "the mail administrator",
        "fr": "l'administrateur de la messagerie",
    },
    "staff": {
        "en": "everyone: staff training",
        "fr": "tout le monde : formation de l'équipe",
    },
    "security": {
        "en": "the campaign's security contact",
        "fr": "le référent sécurité de la campagne",
    },
}
"""Who should do a fix, by role id (see ``build.role_of``)."""

AREAS: dict[str, dict[str, str]] = {
    "dns": {"en": "Domain names (DNS)", "fr": "Noms de domaine (DNS)"},
    "dns.dnssec": {"en": "Domain name signatures (DNSSEC)", "fr": "Signature des noms (DNSSEC)"},
    "mail": {"en": "Mail", "fr": "Messagerie"},
    "mail.spf": {
        "en": "Mail: who may send in the party's name (SPF)",
        "fr": "Messagerie : qui peut envoyer au nom du parti (SPF)",
    },
    "mail.dmarc": {
        "en": "Mail: refusing forged mail (DMARC)",
        "fr": "Messagerie : refus des courriels usurpés (DMARC)",
    },
    "mail.dkim": {
        "en": "Mail: signatures (DKIM)",
        "fr": "Messagerie : signatures (DKIM)",
    },
    "mail.nonsending": {
        "en": "Look-alike domains that must never send mail",
        "fr": "Domaines sosies qui ne doivent jamais envoyer de courriel",
    },
    "site": {"en": "Websites", "fr": "Sites web"},
    "site.exposed": {
        "en": "Websites: files left open to anyone",
        "fr": "Sites web : fichiers accessibles à tous",
    },
    "site.pii": {
        "en": "Websites: personal data exposed",
        "fr": "Sites web : données personnelles exposées",
    },
    "site.backoffice": {
        "en": "Websites: administration pages open",
        "fr": "Sites web : pages d'administration ouvertes",
    },
    "site.tls": {
        "en": "Websites: encryption (HTTPS)",
        "fr": "Sites web : chiffrement (HTTPS)",
    },
    "site.https": {
        "en": "Websites: encryption (HTTPS)",
        "fr": "Sites web : chiffrement (HTTPS)",
    },
    "site.headers": {
        "en": "Websites: browser protections",
        "fr": "Sites web : protections du navigateur",
    },
    "logs": {"en": "Web server logs", "fr": "Journaux des serveurs web"},
}
"""Plain-words area of a check, by the longest matching check id prefix."""

ATTACKS: dict[str, dict[str, str]] = {
    "mail.phishing": {"en": "Phishing mails", "fr": "Courriels d'hameçonnage"},
    "mail.suspicious": {"en": "Suspicious mails", "fr": "Courriels suspects"},
    "mail.wave": {
        "en": "Phishing waves (several mails, same lure)",
        "fr": "Vagues d'hameçonnage (plusieurs courriels, même piège)",
    },
    "logs.flood": {
        "en": "Floods of the websites (denial of service)",
        "fr": "Saturations des sites (déni de service)",
    },
    "logs.bruteforce": {
        "en": "Password guessing on the websites",
        "fr": "Tentatives de deviner des mots de passe sur les sites",
    },
    "logs.probe": {
        "en": "Break-in attempts on the websites",
        "fr": "Tentatives d'intrusion sur les sites",
    },
    "logs.scan": {
        "en": "Scans of the websites looking for weak spots",
        "fr": "Balayages des sites à la recherche de failles",
    },
    "logs.other": {"en": "Other incidents on the websites", "fr": "Autres incidents sur les sites"},
    "finding.new": {"en": "New security problems found", "fr": "Nouveaux problèmes trouvés"},
    "finding.fixed": {"en": "Security problems fixed", "fr": "Problèmes corrigés"},
}
"""Plain-words label of each attack family (see ``build.family_of``)."""

RISKS: dict[str, dict[str, dict[str, str]]] = {
    "risk.campaign_open": {
        "title": {
            "en": "First hours of the official campaign",
            "fr": "Premières heures de la campagne officielle",
        },
        "on_call": {
            "en": "the technical lead and the communications lead",
            "fr": "le responsable technique et le responsable de la communication",
        },
        "statement": {
            "en": "a short notice if a site is down or defaced",
            "fr": "un court message si un site est en panne ou défiguré",
        },
    },
    "risk.friday_afternoon": {
        "title": {
            "en": "Friday afternoon and evening during the campaign",
            "fr": "Vendredi après-midi et soir pendant la campagne",
        },
        "on_call": {
            "en": "the technical lead, reachable until midnight",
            "fr": "le responsable technique, joignable jusqu'à minuit",
        },
        "statement": {
            "en": "a holding statement on a leak or a forgery",
            "fr": "une déclaration d'attente en cas de fuite ou de faux",
        },
    },
    "risk.debate": {
        "title": {"en": "Debate night", "fr": "Soirée du débat"},
        "on_call": {
            "en": "the technical lead and the communications lead",
            "fr": "le responsable technique et le responsable de la communication",
        },
        "statement": {
            "en": "a denial template for rumours and fake documents",
            "fr": "un modèle de démenti pour les rumeurs et faux documents",
        },
    },
    "risk.convention_eve": {
        "title": {"en": "Days before a convention", "fr": "Jours précédant une convention"},
        "on_call": {
            "en": "the technical lead and the campaign director",
            "fr": "le responsable technique et le directeur de campagne",
        },
        "statement": {
            "en": "a holding statement on a leak",
            "fr": "une déclaration d'attente en cas de fuite",
        },
    },
    "risk.convention": {
        "title": {"en": "During a convention", "fr": "Pendant une convention"},
        "on_call": {
            "en": "the technical lead, on site or reachable",
            "fr": "le responsable technique, sur place ou joignable",
        },
        "statement": {
            "en": "a short notice if a site or a stream is down",
            "fr": "un court message si un site ou une diffusion est en panne",
        },
    },
    "risk.round_eve": {
        "title": {"en": "Days before the vote", "fr": "Jours précédant le vote"},
        "on_call": {
            "en": "the technical lead and the campaign director, day and night",
            "fr": "le responsable technique et le directeur de campagne, jour et nuit",
        },
        "statement": {
            "en": "a holding statement on a leak or a forgery, approved in advance",
            "fr": "une déclaration d'attente en cas de fuite ou de faux, validée à l'avance",
        },
    },
    "risk.silence_eve": {
        "title": {
            "en": "Hours before the pre-election silence",
            "fr": "Heures précédant la période de réserve électorale",
        },
        "on_call": {
            "en": "the technical lead, the campaign director and a lawyer",
            "fr": "le responsable technique, le directeur de campagne et un avocat",
        },
        "statement": {
            "en": "a holding statement to publish within the hour, before the silence",
            "fr": "une déclaration d'attente à publier dans l'heure, avant la réserve",
        },
    },
    "risk.silence": {
        "title": {
            "en": "Pre-election silence: no public answer possible",
            "fr": "Période de réserve : aucune réponse publique possible",
        },
        "on_call": {
            "en": "the technical lead, the campaign director and a lawyer",
            "fr": "le responsable technique, le directeur de campagne et un avocat",
        },
        "statement": {
            "en": "no public statement: complaints to the election commission and the "
            "prosecutor drafted in advance",
            "fr": "aucune déclaration publique : saisines de la commission de contrôle et du "
            "procureur rédigées à l'avance",
        },
    },
    "risk.results_night": {
        "title": {
            "en": "Polling day and results night",
            "fr": "Jour du vote et soirée des résultats",
        },
        "on_call": {
            "en": "the technical lead, the web host's support, the communications lead",
            "fr": "le responsable technique, le support de l'hébergeur, le responsable de la "
            "communication",
        },
        "statement": {
            "en": "an outage notice and a denial template for fake results",
            "fr": "un message de panne et un modèle de démenti pour de faux résultats",
        },
    },
}
"""Short title and posture of each risk rule, by rule id (a rule missing here is shown
with its own English words, shortened)."""

_MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "fr": ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
           "nov.", "déc."),
}  # fmt: skip
_DAYS = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "fr": ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."),
}


def text(lang: str, key: str, **fields: object) -> str:
    """The sentence ``key`` in ``lang``, its ``{fields}`` filled."""
    return TEXTS[lang][key].format(**fields)


def day(when: datetime, zone: tzinfo, lang: str, year: bool = False) -> str:
    """``3 Mar`` / ``3 mars`` (with the year when asked), in ``zone``; no locale needed."""
    local = when.astimezone(zone)
    shown = f"{local.day} {_MONTHS[lang][local.month - 1]}"
    return f"{shown} {local.year}" if year else shown


def moment(when: datetime, zone: tzinfo, lang: str) -> str:
    """``Fri 23 Apr 14:00`` / ``ven. 23 avr. 14:00``, in ``zone``."""
    local = when.astimezone(zone)
    return f"{_DAYS[lang][local.weekday()]} {day(local, zone, lang)} {local:%H:%M}"
