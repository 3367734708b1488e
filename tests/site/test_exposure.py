"""Exposed files, back-offices and WordPress leaks, judged on annotated samples.

Every sample is a :class:`Fetched` built here: TRUE samples look like what real
servers return (a real ``.git/HEAD``, a Laravel ``.env``, a ``mysqldump`` header,
a ZIP built by :mod:`zipfile`, an Apache index, phpMyAdmin and Adminer pages…);
FALSE samples are what makes naive scanners cry wolf (the home page answered
for every path, 404s, HTML error pages, login forms).
"""

from __future__ import annotations

import gzip
import io
import random
import string
import zipfile
from collections.abc import Mapping

import pytest

from rempart.audit.site import exposure as ex
from rempart.audit.site.exposure import (
    PROBE_PATHS,
    PROBES,
    SPECS,
    WORDPRESS_PATHS,
    Baseline,
    Probe,
    is_catch_all,
    is_wordpress,
    judge,
    judge_all,
    make_baseline,
    wordpress_observations,
)
from rempart.audit.site.model import Fetched
from rempart.model import Observation, Severity

BASE = "https://parti.example"
HTML = "text/html; charset=UTF-8"
SPEC_IDS = {s.id for s in SPECS}


def resp(
    path: str,
    body: bytes | str,
    status: int = 200,
    ctype: str | None = HTML,
    headers: tuple[tuple[str, str], ...] = (),
) -> Fetched:
    """A response for ``path`` on the party's site."""
    data = body.encode() if isinstance(body, str) else body
    head = ((("content-type", ctype),) if ctype else ()) + headers
    return Fetched(url=BASE + path, status=status, headers=head, body=data)


def seen(observations: list[Observation]) -> set[tuple[str, str]]:
    """``(check, target)`` pairs."""
    return {(o.check, o.target) for o in observations}


# --- The site's ordinary pages -------------------------------------------------------

HOME = """<!DOCTYPE html>
<html lang="fr-FR">
<head>
<meta charset="UTF-8">
<title>Parti Exemple – Ensemble pour demain</title>
<link rel='stylesheet' id='wp-block-library-css'
 href='https://parti.example/wp-includes/css/dist/block-library/style.min.css?ver=6.4.2' />
<link rel='stylesheet' href='https://parti.example/wp-content/themes/parti/style.css?ver=1.2' />
</head>
<body class="home page-template-default page page-id-2">
<header><nav><a href="/actualites/">Actualités</a> <a href="/adherer/">Adhérer</a>
<a href="/espace-adherents/">Espace adhérents</a> <a href="/don/">Faire un don</a></nav>
<form role="search" method="get" action="https://parti.example/">
<input type="search" name="s" placeholder="Rechercher"></form></header>
<main><h1>Ensemble pour demain</h1>
<p>Rejoignez nos 1 200 membres et nos adhérents dans toute la région.</p>
<p>Nos propositions pour l'emploi, l'école et la santé. Télécharger le programme (PDF).</p>
</main><footer>© Parti Exemple – Mentions légales – Nous contacter</footer>
</body></html>
"""

NOT_FOUND = """<!DOCTYPE html>
<html lang="fr-FR"><head><meta charset="UTF-8">
<title>Page non trouvée – Parti Exemple</title>
<link rel='stylesheet' href='https://parti.example/wp-content/themes/parti/style.css?ver=1.2' />
</head><body class="error404">
<h1>Oups ! Cette page est introuvable.</h1>
<p>Il semble que rien n'ait été trouvé à cet emplacement. Essayez une recherche ?</p>
</body></html>
"""

RANDOM_PATHS = ("/rempart-3f9a1c7e0b5d", "/rempart-8d2e4b6a11c0.php")
BASELINE_404 = make_baseline([resp(p, NOT_FOUND, 404) for p in RANDOM_PATHS])
"""A well-behaved site: unknown paths answer 404."""
BASELINE_CATCH_ALL = make_baseline([resp(p, HOME) for p in RANDOM_PATHS])
"""A catch-all site: unknown paths answer 200 with the home page."""


# --- TRUE samples -----------------------------------------------------------------------

GIT_CONFIG = """[core]
\trepositoryformatversion = 0
\tfilemode = true
\tbare = false
\tlogallrefupdates = true
[remote "origin"]
\turl = https://deploy:ghp_R3mpartTok3nXYZ@github.com/parti-exemple/site.git
\tfetch = +refs/heads/*:refs/remotes/origin/*
[branch "main"]
\tremote = origin
\tmerge = refs/heads/main
"""

ENV = """APP_NAME="Parti Exemple"
APP_ENV=production
APP_KEY=base64:q2kZ9v0sLhT3yXb1p8Wc4mN7rD6eF5gH0jK2lQ9sT1U=
APP_DEBUG=false
APP_URL=https://parti.example

DB_CONNECTION=mysql
DB_HOST=127.0.0.1
DB_DATABASE=parti
DB_USERNAME=parti
DB_PASSWORD=S3cr3t-Militant!2024

MAIL_MAILER=smtp
MAIL_HOST=smtp.mailgun.org
MAIL_PASSWORD=mg-pass-9f8e7d6c
AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
"""
ENV_SECRETS = ("q2kZ9v0sLhT3", "S3cr3t-Militant", "mg-pass-9f8e7d6c", "wJalrXUtnFEMI")

WP_CONFIG = """<?php
/**
 * The base configuration for WordPress
 */
define( 'DB_NAME', 'parti_wp' );
define( 'DB_USER', 'parti_wp' );
define( 'DB_PASSWORD', 'Campagne2024!' );
define( 'DB_HOST', 'localhost' );
define( 'AUTH_KEY',         'x$Tq]1m@8G|y6Fv.NnK' );
$table_prefix = 'wp_';
define( 'WP_DEBUG', false );
require_once ABSPATH . 'wp-settings.php';
"""

SWAP = (
    b"b0VIM 8.2\x00\x00\x00\x00\x10\x00\x00\xf4\xd1\x8ae\x00\x00www-data\x00\x00"
    + b"\x00" * 64
    + b"/var/www/html/wp-config.php\x00"
    + b"\x00" * 200
    + b"define( 'DB_PASSWORD', 'Campagne2024!' );\x00define( 'DB_USER', 'parti_wp' );\x00"
)

JOOMLA_CONFIG = """<?php
class JConfig {
\tpublic $offline = false;
\tpublic $host = 'localhost';
\tpublic $user = 'joomla_parti';
\tpublic $password = 'Jo0mla-Parti!';
\tpublic $db = 'joomla_parti';
\tpublic $secret = 'a8Df0Lq2Zr9';
}
"""

MYSQL_DUMP = """-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)
--
-- Host: localhost    Database: parti_wp
-- ------------------------------------------------------
-- Server version\t8.0.36-0ubuntu0.22.04.1

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
DROP TABLE IF EXISTS `wp_users`;
CREATE TABLE `wp_users` (
  `ID` bigint unsigned NOT NULL AUTO_INCREMENT,
  `user_login` varchar(60) NOT NULL DEFAULT '',
  `user_pass` varchar(255) NOT NULL DEFAULT '',
  `user_email` varchar(100) NOT NULL DEFAULT '',
  PRIMARY KEY (`ID`)
) ENGINE=InnoDB;
INSERT INTO `wp_users` VALUES (1,'admin','$P$BxQ7y0Hashy/Hash1','tresorier@parti.example');
"""

PMA_DUMP = """-- phpMyAdmin SQL Dump
-- version 5.2.1
-- https://www.phpmyadmin.net/
--
-- Hôte : localhost:3306
SET SQL_MODE = "NO_AUTO_VALUE_ON_ZERO";
CREATE TABLE `adherents` (`id` int NOT NULL, `email` varchar(190) NOT NULL);
"""


def zip_head() -> bytes:
    """The first 4097 bytes of a real site backup ZIP (what a range request returns)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("wp-config.php", WP_CONFIG)
        archive.writestr("wp-content/uploads/adherents.csv", "nom,email\n" * 500)
    return buf.getvalue()[: ex.DUMP_RANGE + 1]


def targz_head() -> bytes:
    """A gzip stream whose header carries the original file name."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="site-backup.tar", fileobj=buf, mode="wb", mtime=0) as gz:
        gz.write(b"wp-config.php\x00" + WP_CONFIG.encode() * 20)
    return buf.getvalue()[: ex.DUMP_RANGE + 1]


def apache_index(path: str, entries: list[str]) -> str:
    """An Apache ``mod_autoindex`` page."""
    rows = "\n".join(
        f'<tr><td valign="top"><img src="/icons/unknown.gif" alt="[   ]"></td>'
        f'<td><a href="{e}">{e}</a></td><td align="right">2024-03-01 10:12  </td>'
        f'<td align="right">1.2M</td></tr>'
        for e in entries
    )
    return f"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">
<html>
 <head>
  <title>Index of {path}</title>
 </head>
 <body>
<h1>Index of {path}</h1>
  <table>
   <tr><th valign="top"><img src="/icons/blank.gif" alt="[ICO]"></th>
   <th><a href="?C=N;O=D">Name</a></th><th><a href="?C=M;O=A">Last modified</a></th>
   <th><a href="?C=S;O=A">Size</a></th></tr>
   <tr><td valign="top"><img src="/icons/back.gif" alt="[PARENTDIR]"></td>
   <td><a href="/wp-content/">Parent Directory</a></td><td>&nbsp;</td></tr>
{rows}
  </table>
<address>Apache/2.4.57 (Debian) Server at parti.example Port 443</address>
</body></html>
"""


NGINX_INDEX = """<html>
<head><title>Index of /wp-content/plugins/</title></head>
<body>
<h1>Index of /wp-content/plugins/</h1><hr><pre><a href="../">../</a>
<a href="contact-form-7/">contact-form-7/</a>                   01-Mar-2024 10:12       -
<a href="give/">give/</a>                                              01-Mar-2024 10:12       -
<a href="index.php">index.php</a>                                          08-Jan-2012 09:01      28
</pre><hr></body>
</html>
"""

PYTHON_INDEX = """<!DOCTYPE HTML>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Directory listing for /backup/</title>
</head>
<body>
<h1>Directory listing for /backup/</h1>
<hr>
<ul>
<li><a href="parti-2024-03-01.sql.gz">parti-2024-03-01.sql.gz</a></li>
<li><a href="uploads.tar">uploads.tar</a></li>
</ul>
<hr>
</body>
</html>
"""

WP_DEBUG_LOG = """[12-Mar-2024 10:15:01 UTC] PHP Warning:  Undefined array key "email" in \
/var/www/html/wp-content/plugins/adhesion/form.php on line 42
[12-Mar-2024 10:15:02 UTC] PHP Deprecated:  strlen(): Passing null to parameter #1 in \
/var/www/html/wp-includes/formatting.php on line 3442
[12-Mar-2024 10:16:40 UTC] PHP Fatal error:  Uncaught mysqli_sql_exception: Access denied \
for user 'parti_wp'@'localhost' (using password: YES) in \
/var/www/html/wp-includes/class-wpdb.php:2019
Stack trace:
#0 /var/www/html/wp-includes/class-wpdb.php(2019): mysqli_real_connect()
#1 {main}
  thrown in /var/www/html/wp-includes/class-wpdb.php on line 2019
"""

LARAVEL_LOG = """[2024-03-12 10:15:01] production.ERROR: SQLSTATE[HY000] [1045] Access denied for \
user 'forge'@'localhost' (using password: YES) {"exception":"[object] (PDOException(code: 1045))"}
[stacktrace]
#0 /home/forge/parti/vendor/laravel/framework/src/Illuminate/Database/Connectors/Connector.php(70)
[2024-03-12 10:15:09] production.WARNING: Mail to militant@example.org failed
"""

PHPINFO = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
 "DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head>
<style type="text/css">body {background-color: #fff; color: #222;}</style>
<title>phpinfo()</title><meta name="ROBOTS" content="NOINDEX,NOFOLLOW,NOARCHIVE" /></head>
<body><div class="center">
<table><tr class="h"><td><h1 class="p">PHP Version 8.1.2-1ubuntu2.14</h1></td></tr></table>
<table><tr><td class="e">System </td><td class="v">Linux web1 5.15.0-91-generic x86_64 </td></tr>
<tr><td class="e">Server API </td><td class="v">FPM/FastCGI </td></tr></table>
"""

PHPINFO_UNTITLED = PHPINFO.replace("<title>phpinfo()</title>", "<title>info</title>")

WP_INSTALL = """<!DOCTYPE html>
<html lang="en-US" xml:lang="en-US">
<head>
\t<meta name="viewport" content="width=device-width" />
\t<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
\t<meta name="robots" content="noindex,nofollow" />
\t<title>WordPress &rsaquo; Installation</title>
\t<link rel='stylesheet' id='install-css'
 href='https://parti.example/wp-admin/css/install.min.css?ver=6.4.2' media='all' />
</head>
<body class="wp-core-ui">
<p id="logo">WordPress</p>
<h1>Welcome</h1>
<p>Welcome to the famous five-minute WordPress installation process!</p>
<h2>Information needed</h2>
<form id="setup" method="post" action="install.php?step=2" novalidate="novalidate">
<table class="form-table" role="presentation">
<tr><th scope="row"><label for="weblog_title">Site Title</label></th>
<td><input name="weblog_title" type="text" id="weblog_title" size="25" value="" /></td></tr>
<tr><th scope="row"><label for="user_login">Username</label></th>
<td><input name="user_name" type="text" id="user_login" size="25" value="" /></td></tr>
<tr><td><input type="password" name="admin_password" id="pass1" /></td></tr>
</table></form></body></html>
"""

WP_ALREADY_INSTALLED = """<!DOCTYPE html>
<html lang="en-US"><head><title>WordPress &rsaquo; Installation</title></head>
<body class="wp-core-ui"><p id="logo">WordPress</p>
<h1>Already Installed</h1><p>You appear to have already installed WordPress. To reinstall
please clear your old database tables first.</p>
<p class="step"><a href="https://parti.example/wp-login.php" class="button">Log In</a></p>
</body></html>
"""

WP_SETUP_CONFIG = """<!DOCTYPE html>
<html lang="en-US"><head>
<title>WordPress &rsaquo; Setup Configuration File</title></head>
<body class="wp-core-ui"><p id="logo">WordPress</p>
<h1 class="screen-reader-text">Set up your database connection</h1>
<form method="post" action="setup-config.php?step=2">
<p>Below you should enter your database connection details.</p>
<table class="form-table" role="presentation">
<tr><th scope="row"><label for="dbname">Database Name</label></th>
<td><input name="dbname" id="dbname" type="text" size="25" value="wordpress" /></td></tr>
<tr><th scope="row"><label for="pwd">Password</label></th>
<td><input name="pwd" id="pwd" type="text" size="25" value="" autocomplete="off" /></td></tr>
</table></form></body></html>
"""

WP_SETUP_EXISTS = """<!DOCTYPE html>
<html lang="en-US"><head><title>WordPress &rsaquo; Setup Configuration File</title></head>
<body class="wp-core-ui"><p id="logo">WordPress</p>
<p>The file 'wp-config.php' already exists. If you need to reset any of the configuration
items in this file, please delete it first. You may try <a href="install.php">installing
now</a>.</p></body></html>
"""

JOOMLA_INSTALLER = """<!DOCTYPE html>
<html lang="en-gb" dir="ltr"><head><meta charset="utf-8">
<title>Joomla Installer</title>
<link href="/installation/template/css/template.min.css?0b8a0c" rel="stylesheet">
</head><body class="admin">
<h1>Joomla! Web Installer</h1>
<form action="index.php" method="post" id="adminForm" class="form-validate">
<label for="jform_site_name">Type the name of your Joomla site</label>
<input type="text" name="jform[site_name]" id="jform_site_name" value="" required>
</form></body></html>
"""

GENERIC_INSTALL = """<html><head><title>Installation – Espace militant</title></head>
<body><h1>Installation</h1><p>Step 1: database connection</p>
<form method="post" action="install.php?step=2">
<label>Database host</label><input name="db_host" value="localhost">
<label>Database name</label><input name="db_name">
<label>Database user</label><input name="db_user">
<input type="submit" value="Install">
</form></body></html>
"""

PMA_LOGIN = """<!DOCTYPE HTML>
<html lang="fr" dir="ltr">
<head>
  <meta charset="utf-8">
  <meta name="robots" content="noindex,nofollow,notranslate">
  <title>phpMyAdmin</title>
  <link rel="stylesheet" type="text/css" href="./themes/pmahomme/css/theme.css?v=5.2.1">
  <script data-cfasync="false" src="js/vendor/jquery/jquery.min.js?v=5.2.1"></script>
</head>
<body class="loginform">
<div class="container">
<h1>Bienvenue dans <bdo dir="ltr" lang="en">phpMyAdmin</bdo></h1>
<form method="post" id="login_form" action="index.php?route=/" name="login_form"
 class="disableAjax hide js-show">
  <input type="hidden" name="set_session" value="rbe4l0a2t2u9">
  <label for="input_username">Utilisateur :</label>
  <input type="text" name="pma_username" id="input_username" value="" size="24"
   autocomplete="username" spellcheck="false">
  <label for="input_password">Mot de passe :</label>
  <input type="password" name="pma_password" id="input_password" value="" size="24"
   autocomplete="current-password" spellcheck="false">
  <input class="btn btn-primary" value="Connexion" type="submit" id="input_go">
</form>
</div></body></html>
"""

PMA_OPEN = """<!DOCTYPE HTML>
<html lang="en" dir="ltr"><head><meta charset="utf-8">
<title>localhost / localhost | phpMyAdmin 5.2.1</title>
<link rel="stylesheet" type="text/css" href="./themes/pmahomme/css/theme.css?v=5.2.1">
</head><body>
<div id="pma_navigation"><div id="pma_navigation_tree">
<ul><li class="database"><a href="index.php?route=/database/structure&amp;db=parti_wp">parti_wp</a>
</li><li class="database">
<a href="index.php?route=/database/structure&amp;db=adherents">adherents</a>
</li></ul></div></div>
<div id="serverinfo"><a href="index.php?route=/server/databases">Server: localhost</a></div>
<h2>Databases</h2><table id="tabledatabases" class="table table-striped">
<tr><td><a href="index.php?route=/database/structure&amp;db=adherents">adherents</a></td></tr>
</table></body></html>
"""

ADMINER_LOGIN = """<!DOCTYPE html>
<html lang="en" dir="ltr">
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta name="robots" content="noindex">
<title>Login - Adminer</title>
<link rel="stylesheet" type="text/css" href="?file=default.css&amp;version=4.8.1">
<body class="ltr nojs">
<div id="content">
<h2>Login</h2>
<form action="" method="post">
<table cellspacing="0" class="layout">
<tr><th>System<td><select name='auth[driver]'><option value="server" selected>MySQL</select>
<tr><th>Server<td><input name="auth[server]" value="" title="hostname[:port]">
<tr><th>Username<td><input name="auth[username]" id="username" value="" autocomplete="username">
<tr><th>Password<td><input type="password" name="auth[password]">
</table>
<p><input type="submit" value="Login">
</form>
</div>
<div id="menu">
<h1><a href='https://www.adminer.org/' target="_blank" id="h1">Adminer</a>
<span class="version">4.8.1</span></h1>
</div>
"""

ADMINER_OPEN = """<!DOCTYPE html>
<html lang="en" dir="ltr">
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>Select database - Adminer</title>
<body class="ltr nojs">
<div id="content">
<h2>Select database</h2>
<table cellspacing="0" class="checkable"><tr><td>
<a href="?server=localhost&amp;username=root&amp;db=parti_wp">parti_wp</a></td></tr></table>
</div>
<form action="" method="post"><p class="logout">
<input type="submit" name="logout" value="Logout" id="logout"></form>
<div id="menu">
<h1><a href='https://www.adminer.org/' id="h1">Adminer</a> <span class="version">4.8.1</span></h1>
<form action=""><p id="dbs"><select name='db'><option value="parti_wp">parti_wp</select></form>
</div>
"""

MEMBERS_CSV = """email,first_name,last_name,phone,postcode,membership_paid
camille.martin@example.org,Camille,Martin,+33612345678,75011,2024-01-15
jean.dupont@example.org,Jean,Dupont,+33698765432,69003,2023-11-02
"""
MEMBERS_VALUES = ("camille.martin@example.org", "+33612345678", "Dupont")

ADHERENTS_CSV = (
    "Nom;Prénom;Email;Téléphone;Code postal;Cotisation\r\n"
    "Martin;Camille;camille.martin@example.org;0612345678;75011;30\r\n"
    "Dupont;Jean;jean.dupont@example.org;0698765432;69003;15\r\n"
)

ADMIN_DASHBOARD = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<title>Tableau de bord – Administration</title></head><body>
<nav><a href="/admin/">Tableau de bord</a> <a href="/admin/adherents">Adhérents</a>
<a href="/admin/dons">Dons</a> <a href="/admin/export">Export CSV</a>
<a href="/admin/logout">Déconnexion</a></nav>
<h1>Tableau de bord</h1><p>1 284 adhérents à jour de cotisation, 312 donateurs.</p>
</body></html>
"""

ADMIN_MEMBERS = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Members</title></head><body>
<h1>Members</h1><a class="button" href="/admin/export">Export</a>
<table><thead><tr><th>Name</th><th>Email</th><th>Phone</th><th>Town</th></tr></thead>
<tbody><tr><td>Camille Martin</td><td>camille.martin@example.org</td><td>06 12 34 56 78</td>
<td>Lyon</td></tr></tbody></table></body></html>
"""

ADMIN_LOGIN = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<title>Connexion – Administration</title></head><body>
<h1>Administration – Tableau de bord des adhérents</h1>
<form method="post" action="/admin/login">
<label>Identifiant <input type="text" name="username"></label>
<label>Mot de passe <input type="password" name="password"></label>
<button type="submit">Se connecter</button></form>
<p>Export et gestion des membres réservés aux responsables.</p>
</body></html>
"""

TRUE_SAMPLES: list[tuple[str, Fetched, set[str]]] = [
    ("git HEAD", resp("/.git/HEAD", "ref: refs/heads/main\n", ctype=None), {"site.exposed.vcs"}),
    (
        "git HEAD detached",
        resp("/.git/HEAD", "4b825dc642cb6eb9a060e54bf8d69288fbee4904\n", ctype="text/plain"),
        {"site.exposed.vcs"},
    ),
    ("git config", resp("/.git/config", GIT_CONFIG, ctype="text/plain"), {"site.exposed.vcs"}),
    ("svn entries", resp("/.svn/entries", "12\n", ctype="text/plain"), {"site.exposed.vcs"}),
    (
        "svn entries old format",
        resp("/.svn/entries", "10\n\ndir\n1842\nsvn://svn.parti.example/site\n", ctype=None),
        {"site.exposed.vcs"},
    ),
    (
        "svn wc.db range",
        resp(
            "/.svn/wc.db",
            b"SQLite format 3\x00\x10\x00\x01\x01\x00@  " + bytes(range(256)) * 15,
            206,
            "application/octet-stream",
        ),
        {"site.exposed.vcs"},
    ),
    (
        "hg requires",
        resp(
            "/.hg/requires",
            "dotencode\nfncache\ngeneraldelta\nrevlogv1\nsparserevlog\nstore\n",
            ctype="text/plain",
        ),
        {"site.exposed.vcs"},
    ),
    ("laravel .env", resp("/.env", ENV, ctype="application/octet-stream"), {"site.exposed.env"}),
    (
        ".env.production with export",
        resp(
            "/.env.production",
            "# prod\nexport DATABASE_URL=postgres://parti:Pw0rd@db/parti\nexport SECRET=abc\n",
            ctype="text/plain",
        ),
        {"site.exposed.env"},
    ),
    (
        "wp-config.php.bak",
        resp("/wp-config.php.bak", WP_CONFIG, ctype="application/x-trash"),
        {"site.exposed.config_backup"},
    ),
    (
        "wp-config.php~",
        resp("/wp-config.php~", WP_CONFIG, ctype="text/plain"),
        {"site.exposed.config_backup"},
    ),
    (
        "vim swap of wp-config",
        resp("/.wp-config.php.swp", SWAP, ctype="application/octet-stream"),
        {"site.exposed.config_backup"},
    ),
    (
        "joomla configuration.php.bak",
        resp("/configuration.php.bak", JOOMLA_CONFIG, ctype="text/plain"),
        {"site.exposed.config_backup"},
    ),
    (
        "mysqldump, range honoured",
        resp("/backup.sql", MYSQL_DUMP, 206, "application/sql"),
        {"site.exposed.dump"},
    ),
    (
        "phpMyAdmin dump, range ignored",
        resp("/wordpress.sql", PMA_DUMP, 200, "application/octet-stream"),
        {"site.exposed.dump"},
    ),
    (
        "dump in uploads",
        resp("/wp-content/uploads/backup.sql", MYSQL_DUMP, 206, "text/plain"),
        {"site.exposed.dump"},
    ),
    ("zip backup", resp("/backup.zip", zip_head(), 206, "application/zip"), {"site.exposed.dump"}),
    (
        "tar.gz backup",
        resp("/backup.tar.gz", targz_head(), 206, "application/x-gzip"),
        {"site.exposed.dump"},
    ),
    (
        "backup-db listing",
        resp(
            "/wp-content/backup-db/",
            apache_index("/wp-content/backup-db", ["parti_wp_2024-03-01.sql.gz", "index.php"]),
        ),
        {"site.exposed.dump"},
    ),
    (
        "WordPress debug.log",
        resp("/wp-content/debug.log", WP_DEBUG_LOG, 206, "text/plain"),
        {"site.exposed.debug_log"},
    ),
    (
        "Laravel log",
        resp("/storage/logs/laravel.log", LARAVEL_LOG, 200, "text/plain"),
        {"site.exposed.debug_log"},
    ),
    ("phpinfo", resp("/phpinfo.php", PHPINFO), {"site.exposed.phpinfo"}),
    ("phpinfo untitled", resp("/info.php", PHPINFO_UNTITLED), {"site.exposed.phpinfo"}),
    (
        "uploads listing",
        resp(
            "/wp-content/uploads/",
            apache_index("/wp-content/uploads", ["2024/", "adherents-export.xlsx", "tract.pdf"]),
        ),
        {"site.exposed.listing"},
    ),
    ("python listing of /backup/", resp("/backup/", PYTHON_INDEX), {"site.exposed.listing"}),
    (
        "nginx plugins listing",
        resp("/wp-content/plugins/", NGINX_INDEX),
        {"site.exposed.listing_minor"},
    ),
    ("wp install form", resp("/wp-admin/install.php", WP_INSTALL), {"site.exposed.installer"}),
    (
        "wp setup-config form",
        resp("/wp-admin/setup-config.php", WP_SETUP_CONFIG),
        {"site.exposed.installer"},
    ),
    ("joomla installer", resp("/installation/", JOOMLA_INSTALLER), {"site.exposed.installer"}),
    ("generic installer", resp("/install.php", GENERIC_INSTALL), {"site.exposed.installer"}),
    ("phpMyAdmin login", resp("/phpmyadmin/", PMA_LOGIN), {"site.backoffice.dbtool_login"}),
    ("phpMyAdmin open", resp("/pma/", PMA_OPEN), {"site.backoffice.dbtool_open"}),
    ("Adminer login", resp("/adminer.php", ADMINER_LOGIN), {"site.backoffice.dbtool_login"}),
    ("Adminer open", resp("/adminer/", ADMINER_OPEN), {"site.backoffice.dbtool_open"}),
    (
        "members export CSV",
        resp("/export.csv", MEMBERS_CSV, ctype="text/csv"),
        {"site.backoffice.open"},
    ),
    (
        "adherents CSV (Excel, latin-1)",
        resp(
            "/adherents.csv",
            ADHERENTS_CSV.encode("latin-1"),
            ctype="application/vnd.ms-excel; charset=ISO-8859-1",
        ),
        {"site.backoffice.open"},
    ),
    ("admin dashboard", resp("/admin/", ADMIN_DASHBOARD), {"site.backoffice.open"}),
    ("admin members table", resp("/admin/members", ADMIN_MEMBERS), {"site.backoffice.open"}),
]


@pytest.mark.parametrize(
    ("fetched", "checks"), [s[1:] for s in TRUE_SAMPLES], ids=[s[0] for s in TRUE_SAMPLES]
)
def test_true_sample_yields_exactly_its_finding(fetched: Fetched, checks: set[str]) -> None:
    path = fetched.url.removeprefix(BASE)
    for baseline in (BASELINE_404, BASELINE_CATCH_ALL, Baseline()):
        found = judge_all({path: fetched}, baseline)
        assert seen(found) == {(c, fetched.url) for c in checks}
        for obs in found:
            assert dict(obs.params)["url"] == fetched.url
            assert 0 < len(obs.evidence) < 400


# --- Evidence never leaks the secrets it proves ---------------------------------------------


def _evidence(path: str, body: bytes | str, ctype: str | None = "text/plain") -> str:
    found = judge_all({path: resp(path, body, ctype=ctype)}, BASELINE_404)
    assert len(found) == 1
    return found[0].evidence


def test_env_evidence_lists_key_names_never_values() -> None:
    evidence = _evidence("/.env", ENV)
    for key in ("APP_KEY", "DB_PASSWORD", "MAIL_PASSWORD", "AWS_SECRET_ACCESS_KEY"):
        assert key in evidence
    for secret in ENV_SECRETS:
        assert secret not in evidence
    assert "postgres://" not in _evidence("/.env.local", "DATABASE_URL=postgres://u:p@h/d\nX=1\n")


def test_config_backup_evidence_names_markers_not_values() -> None:
    evidence = _evidence("/wp-config.php.old", WP_CONFIG)
    assert "DB_PASSWORD" in evidence and "define(" in evidence
    assert "Campagne2024" not in evidence and "x$Tq]" not in evidence
    joomla = _evidence("/configuration.php.bak", JOOMLA_CONFIG)
    assert "class JConfig" in joomla and "Jo0mla-Parti" not in joomla
    swap = _evidence("/.wp-config.php.swp", SWAP, "application/octet-stream")
    assert "b0VIM" in swap and "Campagne2024" not in swap


def test_git_config_flags_embedded_credentials_without_showing_them() -> None:
    evidence = _evidence("/.git/config", GIT_CONFIG)
    assert "github.com" in evidence and "embeds" in evidence
    assert "ghp_R3mpart" not in evidence and "deploy:" not in evidence


def test_dump_and_archive_evidence() -> None:
    dump = _evidence("/db.sql", MYSQL_DUMP, "application/sql")
    assert "MySQL dump 10.13" in dump and "wp_users" in dump
    assert "$P$" not in dump and "tresorier@" not in dump
    assert "first file: wp-config.php" in _evidence("/site.zip", zip_head(), "application/zip")
    assert "site-backup.tar" in _evidence("/www.zip", targz_head(), None)


def test_csv_export_evidence_shows_columns_not_people() -> None:
    evidence = _evidence("/members.csv", MEMBERS_CSV, "text/csv")
    assert "6 columns" in evidence and "email" in evidence and "2 rows" in evidence
    for value in MEMBERS_VALUES:
        assert value not in evidence
    adherents = _evidence("/adherents.csv", ADHERENTS_CSV, "text/csv; charset=utf-8")
    assert "Prénom" in adherents and "camille" not in adherents.lower()


def test_logs_are_counted_not_quoted() -> None:
    evidence = _evidence("/debug.log", WP_DEBUG_LOG)
    assert "PHP error lines" in evidence and "stack traces" in evidence
    assert "parti_wp" not in evidence and "/var/www" not in evidence
    assert "Laravel" in _evidence("/storage/logs/laravel.log", LARAVEL_LOG)


def test_dbtool_evidence_names_product_and_version() -> None:
    assert "phpMyAdmin login page" in _evidence("/phpMyAdmin/", PMA_LOGIN, HTML)
    assert "5.2.1" in _evidence("/phpMyAdmin/", PMA_LOGIN, HTML)
    assert "WITHOUT login" in _evidence("/phpmyadmin/", PMA_OPEN, HTML)
    assert "Adminer" in _evidence("/adminer.php", ADMINER_LOGIN, HTML)
    assert "4.8.1" in _evidence("/adminer/", ADMINER_OPEN, HTML)


# --- FALSE samples ------------------------------------------------------------------------

FALSE_SAMPLES: list[tuple[str, Fetched]] = [
    ("admin login form", resp("/admin/", ADMIN_LOGIN)),
    ("admin login on /backoffice/", resp("/backoffice/", ADMIN_LOGIN)),
    ("git HEAD 404", resp("/.git/HEAD", NOT_FOUND, 404)),
    ("git HEAD 403", resp("/.git/HEAD", "<html><h1>403 Forbidden</h1></html>", 403)),
    (
        "backup.sql HTML error page",
        resp(
            "/backup.sql",
            "<html><head><title>Erreur</title></head><body>Fichier introuvable</body></html>",
        ),
    ),
    ("SQL served as text/html", resp("/backup.sql", MYSQL_DUMP, 206, HTML)),
    ("zip served as text/html", resp("/backup.zip", zip_head(), 206, HTML)),
    (
        ".env that is HTML",
        resp(
            "/.env",
            "<!DOCTYPE html><html><head><title>Configurer .env</title></head><body><pre>"
            "APP_KEY=\nDB_PASSWORD=\nSECRET=\n</pre></body></html>",
            ctype="text/plain",
        ),
    ),
    (".env without secrets", resp("/.env", "APP_ENV=local\nAPP_DEBUG=true\n", ctype=None)),
    ("README, not a .env", resp("/.env", "Copy .env.example to .env\nThen run make\n", ctype=None)),
    ("config.php.bak HTML", resp("/config.php.bak", HOME)),
    ("plain .bak with one marker", resp("/config.php.bak", "<?php echo 'hi';", ctype=None)),
    ("wp already installed", resp("/wp-admin/install.php", WP_ALREADY_INSTALLED)),
    ("wp-config exists", resp("/wp-admin/setup-config.php", WP_SETUP_EXISTS)),
    (
        "blog post about phpMyAdmin",
        resp(
            "/phpmyadmin/",
            HOME.replace("<h1>", "<p>Tutoriel phpMyAdmin : sauvegarder sa base</p><h1>"),
        ),
    ),
    (
        "debug.log as an HTML help page",
        resp("/debug.log", "<html><body><pre>\nPHP Warning: example\n</pre></body></html>"),
    ),
    ("empty uploads index", resp("/wp-content/uploads/", "")),
    ("export.csv that is HTML", resp("/export.csv", HOME)),
    ("export.csv without header", resp("/export.csv", "1,2,3\n4,5,6\n", ctype="text/csv")),
    ("phpinfo 500", resp("/phpinfo.php", PHPINFO, 500)),
    (".env answered 206 to a non-range probe", resp("/.env", ENV, 206, "text/plain")),
    (
        "network error",
        Fetched(url=BASE + "/.git/HEAD", status=200, body=b"ref: refs/heads/main\n", error="x"),
    ),
]


@pytest.mark.parametrize(
    "fetched", [s[1] for s in FALSE_SAMPLES], ids=[s[0] for s in FALSE_SAMPLES]
)
def test_false_sample_yields_nothing(fetched: Fetched) -> None:
    path = fetched.url.removeprefix(BASE)
    assert judge_all({path: fetched}, BASELINE_404) == []
    assert judge_all({path: fetched}, Baseline()) == []


@pytest.mark.parametrize("baseline", [BASELINE_CATCH_ALL, Baseline()], ids=["baseline", "none"])
def test_catch_all_site_yields_nothing_for_any_probe(baseline: Baseline) -> None:
    """A site answering 200 + its home page everywhere: content confirmation alone suffices."""
    responses = {p: resp(p, HOME) for p in PROBE_PATHS}
    assert judge_all(responses, baseline) == []
    ranged = {p.path: resp(p.path, HOME.encode()[:4097], 206) for p in PROBES if p.range_bytes}
    assert judge_all(ranged, baseline) == []


def test_baseline_is_the_second_defense() -> None:
    """A site serving the same directory index for every path: only the baseline catches it."""
    index = apache_index("/", ["index.php", "wp-content/", "uploads/"])
    baseline = make_baseline([resp(p, index) for p in RANDOM_PATHS])
    uploads = resp("/wp-content/uploads/", index)
    probe = next(p for p in PROBES if p.path == "/wp-content/uploads/")
    assert judge(probe, uploads, Baseline()) is not None
    assert judge(probe, uploads, baseline) is None
    assert judge(probe, uploads, BASELINE_404) is not None


def test_single_page_app_shell_is_recognised_as_catch_all() -> None:
    """An SPA answers every route with its admin-looking shell; the baseline silences it."""
    baseline = make_baseline([resp(p, ADMIN_DASHBOARD) for p in RANDOM_PATHS])
    assert judge_all({"/admin/": resp("/admin/", ADMIN_DASHBOARD)}, baseline) == []


def test_catch_all_page_echoing_the_path_is_still_the_catch_all() -> None:
    def page(path: str) -> str:
        return (
            "<html><head><title>Introuvable</title></head><body><h1>Index of /</h1>"
            f"<p>La page {path} est introuvable sur ce serveur.</p></body></html>"
        )

    baseline = make_baseline([resp(p, page(p)) for p in RANDOM_PATHS])
    listed = resp("/uploads/", page("/uploads/"))
    assert is_catch_all(listed, baseline)
    assert judge_all({"/uploads/": listed}, baseline) == []


def test_catch_all_rule_needs_both_length_and_words() -> None:
    baseline = make_baseline([resp(RANDOM_PATHS[0], HOME)])
    assert is_catch_all(resp("/x", HOME), baseline)
    longer = HOME.replace("</main>", "</main>" + "<!-- padding -->" * 200)
    assert not is_catch_all(resp("/x", longer), baseline)
    same_length = "".join(random.Random(1).choices(string.ascii_letters + " ", k=len(HOME)))
    assert not is_catch_all(resp("/x", same_length), baseline)
    assert not is_catch_all(resp("/x", HOME), Baseline())


def test_range_response_compared_with_the_baseline_prefix() -> None:
    big_home = HOME * 10
    baseline = make_baseline([resp(p, big_home) for p in RANDOM_PATHS])
    assert is_catch_all(resp("/backup.sql", big_home.encode()[:4097], 206), baseline)


def test_make_baseline_skips_failed_fetches() -> None:
    failed = Fetched(url=BASE + RANDOM_PATHS[0], error="timeout")
    baseline = make_baseline([failed, resp(RANDOM_PATHS[1], NOT_FOUND, 404)])
    assert len(baseline.samples) == 1 and baseline.samples[0].status == 404


# --- Every probe is wired to a working confirmation -----------------------------------------

CANONICAL: dict[str, tuple[bytes | str, str | None]] = {
    "confirm_git_head": ("ref: refs/heads/master\n", None),
    "confirm_git_config": (GIT_CONFIG, "text/plain"),
    "confirm_svn_entries": ("12\n", "text/plain"),
    "confirm_sqlite": (b"SQLite format 3\x00" + b"\x00" * 100, "application/octet-stream"),
    "confirm_hg_requires": ("revlogv1\nstore\nfncache\n", "text/plain"),
    "confirm_env": (ENV, "text/plain"),
    "confirm_config_backup": (WP_CONFIG, "text/plain"),
    "confirm_dump": (MYSQL_DUMP, "application/sql"),
    "confirm_backup_listing": (apache_index("/b", ["db.sql"]), HTML),
    "confirm_debug_log": (WP_DEBUG_LOG, "text/plain"),
    "confirm_phpinfo": (PHPINFO, HTML),
    "confirm_listing": (apache_index("/x", ["a.pdf"]), HTML),
    "confirm_wp_install": (WP_INSTALL, HTML),
    "confirm_wp_setup_config": (WP_SETUP_CONFIG, HTML),
    "confirm_joomla_installer": (JOOMLA_INSTALLER, HTML),
    "confirm_generic_installer": (GENERIC_INSTALL, HTML),
    "confirm_dbtool_login": (PMA_LOGIN, HTML),
    "confirm_dbtool_open": (PMA_OPEN, HTML),
    "confirm_admin": (MEMBERS_CSV, "text/csv"),
}


@pytest.mark.parametrize("probe", PROBES, ids=[f"{p.check}:{p.path}" for p in PROBES])
def test_every_probe_confirms_its_canonical_sample(probe: Probe) -> None:
    body, ctype = CANONICAL[probe.confirm.__name__]
    status = 206 if probe.range_bytes else 200
    obs = judge(probe, resp(probe.path, body, status, ctype), BASELINE_404)
    assert obs is not None and obs.check == probe.check and obs.target == BASE + probe.path
    assert judge(probe, resp(probe.path, HOME), BASELINE_CATCH_ALL) is None


def test_probe_table_shape() -> None:
    assert len(PROBES) == 65 and len(PROBE_PATHS) == 60
    for probe in PROBES:
        assert probe.path.startswith("/") and probe.method in ("GET", "HEAD")
        assert probe.check in SPEC_IDS
    by_path: dict[str, set[tuple[int | None, str]]] = {}
    for probe in PROBES:
        by_path.setdefault(probe.path, set()).add((probe.range_bytes, probe.method))
    assert all(len(v) == 1 for v in by_path.values())
    dumps = [p for p in PROBES if p.check == "site.exposed.dump" and not p.path.endswith("/")]
    assert dumps and all(p.range_bytes == 4096 for p in dumps)
    shared = {p.path for p in PROBES if p.check.startswith("site.backoffice.dbtool")}
    assert shared == {"/phpmyadmin/", "/pma/", "/phpMyAdmin/", "/adminer.php", "/adminer/"}


def test_probe_rejects_bad_definitions() -> None:
    with pytest.raises(ValueError):
        Probe("no-slash", "site.exposed.env", ex.confirm_env)
    with pytest.raises(ValueError):
        Probe("/x", "site.exposed.env", ex.confirm_env, method="POST")
    with pytest.raises(ValueError):
        Probe("/x", "site.exposed.env", ex.confirm_env, range_bytes=0)


def test_open_and_login_probes_exclude_each_other() -> None:
    for page in (PMA_LOGIN, PMA_OPEN, ADMINER_LOGIN, ADMINER_OPEN):
        found = judge_all({"/pma/": resp("/pma/", page)}, BASELINE_404)
        assert len(found) == 1


# --- Attacker-controlled bytes --------------------------------------------------------------

ODD_TYPES = (
    None,
    "text/html; charset=base64",
    "text/plain; charset=idna",
    "text/plain; charset=utf-16",
    "text/plain; charset=rot13",
    "application/octet-stream; charset=no-such-codec",
    "text/csv; charset=utf-32",
)


def test_garbage_never_raises() -> None:
    rng = random.Random(7)
    blobs = [bytes(rng.randrange(256) for _ in range(n)) for n in (0, 1, 5, 31, 300, 5000, 70_000)]
    blobs += [b"[" * 70_000, b'"slug":"' * 9000, b"PK\x03\x04\xff\xff", b"\x1f\x8b\x08\x0c"]
    blobs += [b"b0VIM" + b"\xff" * 100, b"12\n" + b"\x00" * 10, b"a,b\n\x00,\x00\n" * 100]
    for blob in blobs:
        for ctype in ODD_TYPES:
            responses = {p: resp(p, blob, 200, ctype) for p in PROBE_PATHS}
            judge_all(responses, make_baseline([resp("/r", blob, 200, ctype)]))
            extra = {p: resp(p, blob, 200, ctype) for p in WORDPRESS_PATHS}
            wordpress_observations(resp("/", blob, 200, ctype), extra)
    bad_location = (("location", "http://[::1/author/x"),)
    wordpress_observations(
        resp("/", HOME), {"/?author=1": resp("/?author=1", "", 301, None, bad_location)}
    )


def test_only_the_first_64_kib_is_read() -> None:
    padded = "<html><body>" + "x" * (70 * 1024) + PHPINFO
    assert judge_all({"/phpinfo.php": resp("/phpinfo.php", padded)}, BASELINE_404) == []
    huge = PHPINFO + "<p>row</p>" * 500_000
    assert len(judge_all({"/test.php": resp("/test.php", huge)}, BASELINE_404)) == 1


# --- WordPress ----------------------------------------------------------------------------

WP_USERS_JSON = (
    '[{"id":1,"name":"Admin","url":"","description":"","link":"https:\\/\\/parti.example'
    '\\/author\\/admin\\/","slug":"admin","avatar_urls":{"24":"https:\\/\\/secure.gravatar.com'
    '\\/avatar\\/abc?s=24"},"meta":[],"_links":{"self":[{"href":"https:\\/\\/parti.example'
    '\\/wp-json\\/wp\\/v2\\/users\\/1"}]}}]'
)
WP_README = """<!DOCTYPE html>
<html lang="en">
<head><meta name="viewport" content="width=device-width" />
<title>WordPress &#8250; ReadMe</title></head>
<body>
<h1 id="logo"><a href="https://wordpress.org/">
<img alt="WordPress" src="wp-admin/images/wordpress-logo.png" /></a>
<br /> Version 5.8.1</h1>
<p style="text-align: center">Semantic Personal Publishing Platform</p>
"""
WP_FEED = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0">
<channel><title>Parti Exemple</title>
<generator>https://wordpress.org/?v=6.4.2</generator>
</channel></rss>"""
WP_LOGIN = (
    """<!DOCTYPE html><html lang="fr-FR"><head><title>Se connecter &lsaquo; Parti Exemple</title>
<link rel='stylesheet' href='https://parti.example/wp-admin/load-styles.php?c=0&amp;dir=ltr"""
    """&amp;load%5Bchunk_0%5D=dashicons,buttons,forms,l10n,login&amp;ver=6.4.2' media='all' />
</head><body class="login">
<form name="loginform" id="loginform" action="https://parti.example/wp-login.php" method="post">
<input type="text" name="log" id="user_login" /><input type="password" name="pwd" id="user_pass" />
<input type="submit" name="wp-submit" id="wp-submit" value="Se connecter" /></form></body></html>"""
)
XMLRPC = "XML-RPC server accepts POST requests only."
HOME_URL = BASE + "/"


def wp_extra(**overrides: Fetched) -> dict[str, Fetched]:
    """WordPress extra responses; every path 404 unless overridden (keys: path)."""
    extra = {p: resp(p, NOT_FOUND, 404) for p in WORDPRESS_PATHS}
    extra.update(overrides)
    return extra


def wp(extra: Mapping[str, Fetched], home: str = HOME) -> set[tuple[str, str]]:
    return seen(wordpress_observations(resp("/", home), extra))


def test_readme_version_5_8_1_is_reported_as_old() -> None:
    extra = wp_extra(**{"/readme.html": resp("/readme.html", WP_README)})
    found = wordpress_observations(resp("/", HOME), extra)
    assert seen(found) == {("site.wp.version_old", HOME_URL)}
    assert "5.8.1" in found[0].evidence and "/readme.html" in found[0].evidence
    assert dict(found[0].params)["version"] == "5.8.1"
    newer = wordpress_observations(resp("/", HOME), extra, old_below=(5, 0))
    assert seen(newer) == {("site.wp.version", HOME_URL)}


def test_current_version_from_generator_feed_and_login_is_info() -> None:
    home = HOME.replace("</head>", '<meta name="generator" content="WordPress 6.4.2" />\n</head>')
    extra = wp_extra(
        **{"/feed/": resp("/feed/", WP_FEED, ctype="application/rss+xml; charset=UTF-8")},
        **{"/wp-login.php": resp("/wp-login.php", WP_LOGIN)},
    )
    found = wordpress_observations(resp("/", home), extra)
    assert seen(found) == {("site.wp.version", HOME_URL)}
    for where in ("generator tag", "/feed/", "/wp-login.php"):
        assert where in found[0].evidence


def test_users_json_lists_admin() -> None:
    extra = wp_extra(
        **{
            "/wp-json/wp/v2/users": resp(
                "/wp-json/wp/v2/users", WP_USERS_JSON, ctype="application/json"
            )
        }
    )
    found = wordpress_observations(resp("/", HOME), extra)
    assert seen(found) == {("site.wp.user_enum", HOME_URL)}
    assert found[0].evidence.startswith("1 user name(s)") and "admin" in found[0].evidence


def test_author_redirect_reveals_camille_and_merges_with_json() -> None:
    location = (("location", "https://parti.example/author/camille/"),)
    author = resp("/?author=1", "", 301, None, location)
    found = wordpress_observations(resp("/", HOME), wp_extra(**{"/?author=1": author}))
    assert seen(found) == {("site.wp.user_enum", HOME_URL)}
    assert "camille" in found[0].evidence
    both = wp_extra(
        **{"/?author=1": author},
        **{"/wp-json/wp/v2/users": resp("/wp-json/wp/v2/users", WP_USERS_JSON, ctype=None)},
    )
    merged = wordpress_observations(resp("/", HOME), both)
    assert merged[0].evidence.startswith("2 user name(s)")
    assert dict(merged[0].params)["users"] == "admin, camille"


def test_author_archive_page_without_redirect() -> None:
    page = HOME.replace(
        '<body class="home page-template-default page page-id-2">',
        '<body class="archive author author-camille author-2 wp-embed-responsive">',
    )
    found = wordpress_observations(
        resp("/", HOME), wp_extra(**{"/?author=1": resp("/?author=1", page)})
    )
    assert "camille" in found[0].evidence


def test_blocked_users_endpoint_is_not_a_finding() -> None:
    blocked = resp(
        "/wp-json/wp/v2/users",
        '{"code":"rest_user_cannot_view","message":"Sorry","data":{"status":401}}',
        401,
        "application/json",
    )
    assert wp(wp_extra(**{"/wp-json/wp/v2/users": blocked})) == set()


def test_xmlrpc_get_message() -> None:
    for status in (405, 200):
        xmlrpc = resp("/xmlrpc.php", XMLRPC, status, "text/plain;charset=UTF-8")
        assert wp(wp_extra(**{"/xmlrpc.php": xmlrpc})) == {("site.wp.xmlrpc", BASE + "/xmlrpc.php")}


def test_is_wordpress_signals() -> None:
    plain = "<html><head><title>Parti</title></head><body>Bienvenue</body></html>"
    assert is_wordpress(resp("/", HOME), {})
    assert not is_wordpress(resp("/", plain), {})
    link = (("link", '<https://parti.example/wp-json/>; rel="https://api.w.org/"'),)
    assert is_wordpress(resp("/", plain, headers=link), {})
    assert is_wordpress(resp("/", plain), {"/wp-login.php": resp("/wp-login.php", WP_LOGIN)})


def test_not_wordpress_catch_all_site_yields_nothing() -> None:
    plain = "<html><head><title>Parti</title></head><body>Bienvenue. Version 5.8.1</body></html>"
    extra = {p: resp(p, plain) for p in WORDPRESS_PATHS}
    assert wordpress_observations(resp("/", plain), extra) == []
    assert not is_wordpress(resp("/", plain), extra)


# --- Registry --------------------------------------------------------------------------------

TEMPLATE_PARAMS = {"domain", "target", "url", "path", "version", "sources", "users", "count"}


def test_specs_are_complete_and_formattable() -> None:
    import string as s

    assert len(SPEC_IDS) == len(SPECS) == 16
    for spec in SPECS:
        assert spec.title and spec.why.endswith(".") and spec.references
        names = {f for _, f, _, _ in s.Formatter().parse(spec.remediation) if f}
        assert names <= TEMPLATE_PARAMS, spec.id
        text = spec.remediation.format_map(dict.fromkeys(TEMPLATE_PARAMS, "X"))
        assert "{{" not in text
    vcs = next(s for s in SPECS if s.id == "site.exposed.vcs").remediation.format(url="U")
    assert "location ~ /\\.(?!well-known) { deny all; }" in vcs
    assert "RedirectMatch 404 /\\..*$" in vcs
    severities = {s.id: s.severity for s in SPECS}
    assert severities["site.exposed.vcs"] is Severity.CRITICAL
    assert severities["site.backoffice.dbtool_open"] is Severity.CRITICAL
    assert severities["site.backoffice.dbtool_login"] is Severity.HIGH
    assert severities["site.exposed.listing_minor"] is Severity.MEDIUM
    assert severities["site.wp.version"] is Severity.INFO


def test_every_spec_id_is_produced_by_some_sample() -> None:
    produced = set()
    for _, fetched, _ in TRUE_SAMPLES:
        path = fetched.url.removeprefix(BASE)
        produced |= {o.check for o in judge_all({path: fetched}, BASELINE_404)}
    wp_samples = [
        wp_extra(**{"/readme.html": resp("/readme.html", WP_README)}),
        wp_extra(**{"/feed/": resp("/feed/", WP_FEED, ctype="application/rss+xml")}),
        wp_extra(**{"/wp-json/wp/v2/users": resp("/wp-json/wp/v2/users", WP_USERS_JSON)}),
        wp_extra(**{"/xmlrpc.php": resp("/xmlrpc.php", XMLRPC, 405, "text/plain")}),
    ]
    for extra in wp_samples:
        produced |= {o.check for o in wordpress_observations(resp("/", HOME), extra)}
    assert produced == SPEC_IDS


def test_evidence_is_one_printable_bounded_line() -> None:
    """File names chosen by an attacker cannot inject lines or bidi tricks into reports."""
    names = ["a\u202etxt.exe", "b\nFAKE: critical", "c" * 500 + ".pdf"]
    listing = resp("/uploads/", apache_index("/uploads", names))
    (obs,) = judge_all({"/uploads/": listing}, BASELINE_404)
    assert obs.evidence.isprintable() and "\u202e" not in obs.evidence
    assert len(obs.evidence) < 400
