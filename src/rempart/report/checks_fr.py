"""The audit checks in French, for the leadership briefing's "things to fix first".

The audit registries (:data:`rempart.audit.registry.CHECKS`) speak English and
write fixes for the person at the keyboard (records, config lines). The French
briefing is read by a party's leadership: for each check id it shows a short
title and one plain sentence saying what to ask for and from whom. Those
sentences carry no per-finding values (the domains and sites concerned are
listed next to them). A test checks that every registered check id is here.
"""

from __future__ import annotations

UNTRANSLATED = "(en anglais)"
"""Put before a fix's English text when its check id has no French words."""

CHECKS_FR: dict[str, tuple[str, str]] = {
    # --- Domain names (DNS) --------------------------------------------------
    "dns.resolve.failed": (
        "Les serveurs DNS du domaine ne répondent pas correctement",
        "Demander au gestionnaire du domaine de vérifier sans attendre ses serveurs de noms, "
        "car le site et la messagerie en dépendent.",
    ),
    "dns.ns.missing": (
        "Aucun serveur de noms n'est publié pour le domaine",
        "Demander au bureau d'enregistrement de publier les serveurs de noms de l'hébergeur DNS "
        "du domaine.",
    ),
    "dns.ns.single": (
        "Le domaine n'a qu'un seul serveur de noms",
        "Demander au gestionnaire du domaine d'ajouter au moins un second serveur de noms, "
        "de préférence chez un autre prestataire.",
    ),
    "dns.ns.same_network": (
        "Tous les serveurs de noms sont sur le même réseau",
        "Demander au gestionnaire du domaine d'ajouter un serveur de noms situé sur un autre "
        "réseau, idéalement chez un autre prestataire.",
    ),
    "dns.ns.unresolvable": (
        "Le nom d'un serveur de noms du domaine n'existe plus",
        "Demander au bureau d'enregistrement de retirer sans délai ce serveur de noms du "
        "domaine, car n'importe qui pourrait s'en emparer.",
    ),
    "dns.soa.missing": (
        "Le domaine ne publie pas d'enregistrement SOA",
        "Demander à l'hébergeur DNS de réparer la zone du domaine, qui doit commencer par un "
        "enregistrement SOA.",
    ),
    "dns.soa.timers": (
        "Les délais de l'enregistrement SOA sont hors des valeurs recommandées",
        "Demander à l'hébergeur DNS de ramener les délais de l'enregistrement SOA dans les "
        "valeurs recommandées (RFC 1912).",
    ),
    "dns.dnssec.unsigned": (
        "Le domaine n'est pas signé avec DNSSEC",
        "Demander à l'hébergeur DNS d'activer la signature DNSSEC, puis au bureau "
        "d'enregistrement de publier l'enregistrement DS qu'il fournit.",
    ),
    "dns.dnssec.no_ds": (
        "Des clés DNSSEC existent mais la zone parente n'a pas d'enregistrement DS",
        "Demander au bureau d'enregistrement de publier l'enregistrement DS de la clé DNSSEC "
        "fourni par l'hébergeur DNS.",
    ),
    "dns.dnssec.ds_mismatch": (
        "L'enregistrement DS ne correspond à aucune clé DNSSEC",
        "Demander d'urgence au bureau d'enregistrement de remplacer l'enregistrement DS par "
        "celui de la clé actuelle, car le domaine est inaccessible pour beaucoup d'internautes.",
    ),
    "dns.dnssec.invalid": (
        "Les signatures DNSSEC ne sont pas valides",
        "Demander d'urgence à l'hébergeur DNS de signer à nouveau la zone, car des signatures "
        "expirées ou fausses rendent le domaine inaccessible à beaucoup d'internautes.",
    ),
    "dns.caa.missing": (
        "Aucun enregistrement CAA ne limite qui peut délivrer des certificats",
        "Demander au gestionnaire du domaine de publier un enregistrement CAA qui nomme la "
        "seule autorité de certification utilisée.",
    ),
    "dns.cname.dangling": (
        "Un nom pointe (CNAME) vers un nom qui n'existe plus",
        "Demander au gestionnaire du domaine de supprimer cet alias CNAME, ou de recréer le "
        "service visé, avant qu'un tiers ne s'en empare.",
    ),
    "dns.cname.loop": (
        "Des enregistrements CNAME forment une boucle",
        "Demander au gestionnaire du domaine de corriger la chaîne d'alias CNAME pour qu'elle "
        "aboutisse à une vraie adresse.",
    ),
    "dns.wildcard": (
        "La zone contient un enregistrement générique (joker)",
        "Demander au gestionnaire du domaine de supprimer l'enregistrement générique, sauf si "
        "un service en a réellement besoin.",
    ),
    # --- Mail -----------------------------------------------------------------
    "mail.mx.missing": (
        "Le domaine de messagerie n'a pas d'enregistrement MX",
        "Demander à l'administrateur de la messagerie de publier les enregistrements MX du "
        "domaine, ou un MX nul s'il ne reçoit aucun courriel.",
    ),
    "mail.mx.unresolvable": (
        "Le nom d'un serveur de messagerie (MX) n'existe pas",
        "Demander à l'administrateur de la messagerie de corriger ou de retirer "
        "l'enregistrement MX qui pointe vers ce serveur.",
    ),
    "mail.spf.missing": (
        "Aucun enregistrement SPF",
        "Demander à l'administrateur de la messagerie de publier un enregistrement SPF qui "
        "liste les services autorisés à envoyer des courriels au nom du parti.",
    ),
    "mail.spf.multiple": (
        "Plusieurs enregistrements SPF sont publiés",
        "Demander à l'administrateur de la messagerie de les fusionner en un seul "
        "enregistrement SPF.",
    ),
    "mail.spf.invalid": (
        "L'enregistrement SPF n'est pas valide",
        "Demander à l'administrateur de la messagerie de corriger l'erreur de l'enregistrement "
        "SPF.",
    ),
    "mail.spf.too_many_lookups": (
        "L'enregistrement SPF demande plus de 10 requêtes DNS",
        "Demander à l'administrateur de la messagerie de simplifier l'enregistrement SPF pour "
        "rester sous la limite de 10 requêtes DNS.",
    ),
    "mail.spf.void_lookups": (
        "L'enregistrement SPF renvoie plus de deux fois vers des noms inexistants",
        "Demander à l'administrateur de la messagerie de retirer de l'enregistrement SPF les "
        "noms qui n'existent plus.",
    ),
    "mail.spf.plus_all": (
        "Le SPF autorise tout Internet à écrire au nom du parti (+all)",
        "Demander d'urgence à l'administrateur de la messagerie de remplacer « +all » par "
        "« -all » dans l'enregistrement SPF.",
    ),
    "mail.spf.neutral_all": (
        "Le SPF se termine par ?all : les courriels usurpés ne sont pas jugés",
        "Demander à l'administrateur de la messagerie de terminer l'enregistrement SPF par "
        "« -all ».",
    ),
    "mail.spf.softfail_all": (
        "Le SPF se termine par ~all (échec « doux »)",
        "Demander à l'administrateur de la messagerie de terminer l'enregistrement SPF par "
        "« -all » une fois tous les services d'envoi listés.",
    ),
    "mail.spf.no_all": (
        "Le SPF n'a pas de mécanisme « all »",
        "Demander à l'administrateur de la messagerie d'ajouter « -all » à la fin de "
        "l'enregistrement SPF.",
    ),
    "mail.dmarc.missing": (
        "Aucune politique DMARC",
        "Demander à l'administrateur de la messagerie de publier une politique DMARC avec des "
        "rapports, puis de la durcir jusqu'à « reject » en quelques semaines.",
    ),
    "mail.dmarc.invalid": (
        "L'enregistrement DMARC n'est pas valide",
        "Demander à l'administrateur de la messagerie de corriger l'erreur de l'enregistrement "
        "DMARC.",
    ),
    "mail.dmarc.p_none": (
        "La politique DMARC ne protège pas encore le domaine",
        "Demander à l'administrateur de la messagerie de passer la politique DMARC à "
        "« quarantine » puis « reject » après deux semaines de rapports propres.",
    ),
    "mail.dmarc.p_quarantine": (
        "La politique DMARC met les courriels usurpés en quarantaine au lieu de les rejeter",
        "Demander à l'administrateur de la messagerie de passer la politique DMARC de "
        "« quarantine » à « reject ».",
    ),
    "mail.dmarc.pct": (
        "DMARC ne s'applique qu'à une partie des courriels (pct < 100)",
        "Demander à l'administrateur de la messagerie d'appliquer la politique DMARC à tous "
        "les courriels en retirant le paramètre pct.",
    ),
    "mail.dmarc.sp_weak": (
        "Les sous-domaines ont une politique DMARC plus faible (sp=)",
        "Demander à l'administrateur de la messagerie de passer la politique DMARC des "
        "sous-domaines à « reject ».",
    ),
    "mail.dmarc.no_rua": (
        "Aucun rapport DMARC n'est demandé",
        "Demander à l'administrateur de la messagerie d'ajouter à la politique DMARC une "
        "adresse qui recevra les rapports quotidiens.",
    ),
    "mail.dmarc.rua_unauthorized": (
        "Les rapports DMARC partent vers un autre domaine qui ne les a pas acceptés",
        "Demander au responsable du domaine qui reçoit les rapports de publier son accord, "
        "ou à l'administrateur de la messagerie de les envoyer à une adresse du parti.",
    ),
    "mail.dmarc.inherited": (
        "Ce domaine s'appuie sur la politique DMARC de son domaine parent",
        "Rien à faire, sauf si ce domaine a besoin de sa propre politique DMARC : la demander "
        "alors à l'administrateur de la messagerie.",
    ),
    "mail.dkim.missing": (
        "Aucune clé DKIM trouvée",
        "Demander à l'administrateur de la messagerie d'activer la signature DKIM et "
        "d'indiquer ses sélecteurs dans le fichier de campagne.",
    ),
    "mail.dkim.weak_key": (
        "Une clé DKIM est trop courte",
        "Demander à l'administrateur de la messagerie de créer une clé DKIM de 2048 bits et de "
        "révoquer l'ancienne.",
    ),
    "mail.dkim.short_key": (
        "Une clé DKIM ne fait que 1024 bits",
        "Demander à l'administrateur de la messagerie de remplacer cette clé DKIM par une clé "
        "de 2048 bits.",
    ),
    "mail.mta_sts.missing": (
        "Aucune politique MTA-STS",
        "Demander à l'administrateur de la messagerie de publier une politique MTA-STS, "
        "d'abord en mode test, pour imposer le chiffrement des courriels reçus.",
    ),
    "mail.mta_sts.invalid": (
        "L'enregistrement ou la politique MTA-STS n'est pas valide",
        "Demander à l'administrateur de la messagerie de corriger l'erreur de l'enregistrement "
        "ou du fichier de politique MTA-STS.",
    ),
    "mail.mta_sts.policy_unreachable": (
        "La politique MTA-STS ne peut pas être téléchargée",
        "Demander à l'administrateur de la messagerie de servir le fichier de politique "
        "MTA-STS en HTTPS, avec un certificat valide et sans redirection.",
    ),
    "mail.mta_sts.testing": (
        "MTA-STS est en mode test",
        "Demander à l'administrateur de la messagerie de passer MTA-STS en mode « enforce » "
        "après deux semaines de rapports TLS propres.",
    ),
    "mail.mta_sts.mx_mismatch": (
        "Un serveur de messagerie n'est pas couvert par la politique MTA-STS",
        "Demander à l'administrateur de la messagerie d'ajouter ce serveur à la politique "
        "MTA-STS, ou de corriger l'enregistrement MX.",
    ),
    "mail.tlsrpt.missing": (
        "Aucune adresse pour les rapports TLS (TLS-RPT)",
        "Demander à l'administrateur de la messagerie de publier un enregistrement TLS-RPT "
        "avec une adresse qui recevra les rapports de chiffrement.",
    ),
    "mail.tlsrpt.invalid": (
        "L'enregistrement TLS-RPT n'est pas valide",
        "Demander à l'administrateur de la messagerie de corriger l'erreur de l'enregistrement "
        "TLS-RPT.",
    ),
    "mail.starttls.missing": (
        "Un serveur de messagerie ne propose pas de chiffrement (STARTTLS)",
        "Demander à l'administrateur de la messagerie d'activer STARTTLS sur ce serveur, avec "
        "un certificat à son nom.",
    ),
    "mail.starttls.old_tls": (
        "Un serveur de messagerie utilise une version de TLS dépassée",
        "Demander à l'administrateur de la messagerie d'activer TLS 1.2 et 1.3 sur ce serveur.",
    ),
    "mail.starttls.cert_invalid": (
        "Le certificat d'un serveur de messagerie n'est pas valide",
        "Demander à l'administrateur de la messagerie d'installer sur ce serveur un certificat "
        "délivré par une autorité publique.",
    ),
    "mail.bimi.missing": (
        "Aucun enregistrement BIMI (pour information)",
        "Facultatif : demander à l'administrateur de la messagerie de publier un "
        "enregistrement BIMI pour afficher le logo du parti.",
    ),
    "mail.bimi.invalid": (
        "L'enregistrement BIMI n'est pas valide",
        "Demander à l'administrateur de la messagerie de corriger l'erreur de l'enregistrement "
        "BIMI.",
    ),
    "mail.nonsending.spf": (
        "Un domaine qui n'envoie aucun courriel ne l'indique pas dans son SPF",
        "Demander au gestionnaire du domaine de publier l'enregistrement SPF « v=spf1 -all », "
        "qui interdit tout envoi.",
    ),
    "mail.nonsending.dmarc": (
        "Un domaine qui n'envoie aucun courriel n'a pas de politique DMARC « reject »",
        "Demander au gestionnaire du domaine de publier une politique DMARC « reject » pour que "
        "tout courriel usurpant ce domaine soit refusé.",
    ),
    "mail.nonsending.null_mx": (
        "Un domaine qui ne reçoit aucun courriel n'a pas de MX nul",
        "Demander au gestionnaire du domaine de publier un MX nul, qui annonce que ce domaine "
        "ne reçoit aucun courriel.",
    ),
    "mail.nonsending.receives": (
        "Un domaine de protection reçoit des courriels",
        "Demander au gestionnaire du domaine de remplacer ses enregistrements MX par un MX nul, "
        "pour que les réponses aux faux courriels n'arrivent chez personne.",
    ),
    # --- Websites -------------------------------------------------------------
    "site.dns.missing": (
        "Le nom du site ne correspond à aucune adresse",
        "Demander au gestionnaire du domaine de vérifier les enregistrements DNS du site, et "
        "de les supprimer si le site n'existe plus.",
    ),
    "site.https.unavailable": (
        "Le site n'est pas joignable en HTTPS",
        "Demander à l'hébergeur du site d'activer HTTPS avec un certificat gratuit et de "
        "rediriger tout le trafic HTTP vers HTTPS.",
    ),
    "site.https.no_redirect": (
        "Le site en HTTP ne redirige pas vers HTTPS",
        "Demander à l'hébergeur du site de rediriger chaque adresse en http:// vers la même "
        "adresse en https://.",
    ),
    "site.tls.cert_invalid": (
        "Le certificat du site n'est pas valide",
        "Demander à l'hébergeur du site d'installer un certificat délivré par une autorité "
        "publique, avec sa chaîne complète.",
    ),
    "site.tls.cert_expiring": (
        "Le certificat du site expire bientôt",
        "Demander à l'hébergeur du site de renouveler le certificat dès maintenant et "
        "d'automatiser son renouvellement.",
    ),
    "site.tls.weak_key": (
        "La clé du certificat est trop courte",
        "Demander à l'hébergeur du site un nouveau certificat avec une clé RSA d'au moins "
        "2048 bits ou ECDSA P-256.",
    ),
    "site.tls.weak_signature": (
        "Le certificat est signé avec un algorithme faible",
        "Demander à l'hébergeur du site un nouveau certificat signé en SHA-256 ou mieux.",
    ),
    "site.tls.old_protocols": (
        "Le site accepte encore des versions de TLS dépassées",
        "Demander à l'hébergeur du site de n'autoriser que TLS 1.2 et 1.3.",
    ),
    "site.tls.no_tls13": (
        "Le site ne propose pas TLS 1.3",
        "Demander à l'hébergeur du site d'activer TLS 1.3 sur le serveur web.",
    ),
    "site.grade": (
        "Note des en-têtes de sécurité",
        "Demander à l'hébergeur du site de corriger les en-têtes de sécurité signalés, ce qui "
        "relèvera la note.",
    ),
    "site.headers.csp_missing": (
        "Le site n'envoie pas de politique de sécurité du contenu (CSP)",
        "Demander à l'hébergeur du site d'ajouter une politique de sécurité du contenu (CSP), "
        "d'abord en mode test, pour bloquer les scripts injectés.",
    ),
    "site.headers.csp_unsafe": (
        "La politique de sécurité du contenu (CSP) laisse s'exécuter des scripts injectés",
        "Demander à l'hébergeur du site de retirer de la politique CSP les options « unsafe » "
        "qui autorisent les scripts injectés.",
    ),
    "site.headers.frame_missing": (
        "D'autres sites peuvent afficher les pages du parti dans un cadre",
        "Demander à l'hébergeur du site d'interdire aux autres sites d'afficher ses pages dans "
        "un cadre (frame-ancestors, X-Frame-Options).",
    ),
    "site.headers.nosniff_missing": (
        "L'en-tête « X-Content-Type-Options: nosniff » n'est pas envoyé",
        "Demander à l'hébergeur du site d'envoyer l'en-tête « X-Content-Type-Options: "
        "nosniff » sur chaque réponse.",
    ),
    "site.headers.referrer_missing": (
        "Aucune politique Referrer-Policy sûre",
        "Demander à l'hébergeur du site d'envoyer l'en-tête « Referrer-Policy: "
        "strict-origin-when-cross-origin » sur chaque page.",
    ),
    "site.cookies.insecure": (
        "Un cookie est envoyé sans l'attribut Secure",
        "Demander à l'hébergeur du site de poser les attributs Secure, HttpOnly et "
        "SameSite=Lax sur ce cookie.",
    ),
    "site.cookies.httponly": (
        "Un cookie de session est lisible par les scripts (pas de HttpOnly)",
        "Demander à l'hébergeur du site de poser les attributs HttpOnly, Secure et "
        "SameSite=Lax sur ce cookie de session.",
    ),
    "site.cookies.samesite": (
        "Un cookie n'a pas d'attribut SameSite sûr",
        "Demander à l'hébergeur du site de poser l'attribut SameSite=Lax, avec Secure et "
        "HttpOnly, sur ce cookie.",
    ),
    "site.disclosure.version": (
        "Le site révèle les versions de ses logiciels",
        "Demander à l'hébergeur du site de masquer les numéros de version affichés et de tenir "
        "ces logiciels à jour.",
    ),
    "site.hsts.missing": (
        "Le site n'impose pas HTTPS (pas de HSTS)",
        "Demander à l'hébergeur du site d'envoyer l'en-tête HSTS sur chaque réponse, pour que "
        "les navigateurs n'utilisent plus que HTTPS.",
    ),
    "site.hsts.short": (
        "HSTS est mémorisé moins d'un an",
        "Demander à l'hébergeur du site de porter la durée HSTS (max-age) à deux ans.",
    ),
    "site.hsts.no_subdomains": (
        "HSTS ne couvre pas les sous-domaines",
        "Demander à l'hébergeur du site d'étendre HSTS aux sous-domaines (includeSubDomains) "
        "une fois qu'ils sont tous en HTTPS.",
    ),
    "site.securitytxt.missing": (
        "Aucun fichier security.txt n'indique comment signaler une faille",
        "Demander à l'hébergeur du site de publier un fichier security.txt avec l'adresse du "
        "référent sécurité et une date d'expiration.",
    ),
    "site.securitytxt.expired": (
        "Le fichier security.txt a expiré",
        "Demander à l'hébergeur du site de mettre à jour le fichier security.txt avec une "
        "nouvelle date d'expiration.",
    ),
    "site.exposed.vcs": (
        "Le dossier de gestion de versions du site (.git, .svn, .hg) est téléchargeable",
        "Demander d'urgence à l'hébergeur du site de supprimer ce dossier, de bloquer les "
        "fichiers cachés et de changer tous les mots de passe et clés du code.",
    ),
    "site.exposed.env": (
        "Un fichier de configuration (.env) contenant des secrets est téléchargeable",
        "Demander d'urgence à l'hébergeur du site de supprimer ce fichier, de bloquer les "
        "fichiers cachés et de changer tous les secrets qu'il contenait.",
    ),
    "site.exposed.config_backup": (
        "Une copie de sauvegarde de la configuration du site est lisible",
        "Demander d'urgence à l'hébergeur du site de supprimer cette copie, de bloquer ce type "
        "de fichiers et de changer le mot de passe de la base de données.",
    ),
    "site.exposed.dump": (
        "Une copie de la base de données ou une archive du site est téléchargeable",
        "Demander d'urgence à l'hébergeur du site de supprimer ce fichier et de chercher qui "
        "l'a téléchargé, puis prévenir la CNIL sous 72 heures s'il contenait des données "
        "personnelles.",
    ),
    "site.exposed.debug_log": (
        "Un journal de débogage ou d'erreurs est lisible",
        "Demander à l'hébergeur du site de supprimer ce journal, d'en bloquer l'accès et de ne "
        "plus écrire de journaux dans le dossier public.",
    ),
    "site.exposed.phpinfo": (
        "Une page phpinfo() est publique",
        "Demander à l'hébergeur du site de supprimer cette page de test, qui dévoile la "
        "configuration du serveur.",
    ),
    "site.exposed.listing": (
        "Un dossier de fichiers déposés ou de sauvegardes affiche la liste de son contenu",
        "Demander à l'hébergeur du site de désactiver l'affichage des listes de fichiers et de "
        "supprimer ceux qui ne doivent pas être publics.",
    ),
    "site.exposed.listing_minor": (
        "Un dossier du site affiche la liste de ses fichiers",
        "Demander à l'hébergeur du site de désactiver l'affichage des listes de fichiers et de "
        "vérifier qu'aucun fichier privé n'y figure.",
    ),
    "site.exposed.installer": (
        "Une page d'installation ou de configuration est encore accessible",
        "Demander d'urgence à l'hébergeur du site de terminer ou de supprimer l'installation, "
        "pour que personne ne puisse prendre la main sur le site.",
    ),
    "site.backoffice.dbtool_login": (
        "La page de connexion d'un outil de base de données (phpMyAdmin, Adminer) est "
        "ouverte sur Internet",
        "Demander à l'hébergeur du site de réserver cet outil aux locaux du parti ou à un VPN, "
        "ou de le supprimer, avec un mot de passe long et unique.",
    ),
    "site.backoffice.dbtool_open": (
        "Un outil de base de données est utilisable sans aucune connexion",
        "Demander d'urgence à l'hébergeur du site de couper l'accès à cet outil, de changer "
        "les mots de passe de la base et de chercher toute modification suspecte.",
    ),
    "site.backoffice.open": (
        "Une page d'administration ou d'export des adhérents est accessible sans connexion",
        "Demander d'urgence à l'hébergeur du site de protéger cette page par un mot de passe "
        "et de chercher qui l'a consultée, puis prévenir la CNIL sous 72 heures si des "
        "données ont fuité.",
    ),
    "site.wp.version": (
        "La version de WordPress est visible",
        "Demander à l'hébergeur du site de mettre à jour WordPress, ses extensions et ses "
        "thèmes, et de ne plus afficher la version.",
    ),
    "site.wp.version_old": (
        "WordPress a plusieurs versions majeures de retard",
        "Demander à l'hébergeur du site de sauvegarder le site, puis de mettre à jour "
        "WordPress, ses extensions et ses thèmes, et d'activer les mises à jour automatiques.",
    ),
    "site.wp.user_enum": (
        "WordPress affiche la liste de ses noms d'utilisateurs",
        "Demander à l'hébergeur du site de bloquer cette liste et d'imposer aux comptes "
        "concernés des mots de passe longs et la double authentification.",
    ),
    "site.wp.xmlrpc": (
        "L'interface XML-RPC de WordPress est activée",
        "Demander à l'hébergeur du site de bloquer XML-RPC, sauf si une application du parti "
        "(Jetpack, application mobile) en a besoin.",
    ),
    "site.pii.exposed": (
        "Une page publique affiche les données personnelles de nombreuses personnes",
        "Demander d'urgence à l'hébergeur du site de retirer cette page et tout export "
        "d'adhérents, puis prévenir la CNIL sous 72 heures : l'adhésion à un parti est une "
        "donnée sensible.",
    ),
    "site.pii.some": (
        "Une page publique affiche les dates de naissance ou les coordonnées bancaires de "
        "plusieurs personnes",
        "Sauf accord des personnes, demander à l'hébergeur du site de protéger ou de retirer "
        "cette page, puis prévenir la CNIL sous 72 heures si ces données ont été consultées.",
    ),
}
"""Audit check id → (short French title, one plain sentence: what to ask for and from whom)."""
