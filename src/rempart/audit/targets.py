"""Which domains to audit: command-line names, the campaign file, a targets file.

Bad entries never stop the others: each becomes a one-line problem naming
where it came from (``targets.txt:12: …``).
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from rempart.audit.config import AuditTarget, Role, SiteTarget
from rempart.errors import InputError
from rempart.model.campaign import Campaign, parse_domain_name

log = logging.getLogger(__name__)

MAX_TARGETS_FILE = 64 * 1024 * 1024
"""A targets file larger than this is refused (a million domains is ~20 MB)."""

MAX_LINE = 1024
"""Longer lines are reported, not parsed."""

_ROLES = {"mail": Role.MAIL, "nonsending": Role.NONSENDING, "web": Role.NONSENDING,
          "defensive": Role.DEFENSIVE, "auto": Role.AUTO}  # fmt: skip


Target = AuditTarget | SiteTarget
"""A domain or a website."""


@dataclass(frozen=True)
class TargetList:
    """Domains to audit, and the entries that could not be used."""

    targets: tuple[Target, ...]
    """Unique domains and websites, in the order first given."""
    problems: tuple[str, ...]
    """One line per unusable entry, naming where it came from."""


def from_campaign(campaign: Campaign) -> list[Target]:
    """The campaign's domains with their declared roles and known hostnames."""
    hosts = [w.host for w in campaign.websites]
    out = []
    for domain in campaign.domains:
        if domain.has_role("defensive"):
            role = Role.DEFENSIVE
        elif domain.has_role("mail"):
            role = Role.MAIL
        else:
            role = Role.NONSENDING
        own = tuple(h for h in hosts if h == domain.name or h.endswith("." + domain.name))
        selectors = tuple(campaign.all_dkim_selectors(domain.name))
        out.append(AuditTarget(domain.name, role, selectors, own))
    return [*out, *(parse_site(w.url, "websites") for w in campaign.websites)]


def parse_site(text: str, where: str) -> SiteTarget:
    """``https://host[:port]/…`` → a website (its origin); raises naming ``where``."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError as exc:
        raise InputError(f"{where}: {_show(text)} is not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"{where}: {_show(text)} is not an http(s):// URL with a host")
    host = parts.hostname
    try:
        host = str(ipaddress.ip_address(host))
    except ValueError:
        try:
            host = parse_domain_name(host)
        except ValueError as exc:
            raise InputError(f"{where}: {exc}") from None
    shown = f"[{host}]" if ":" in host else host
    origin = f"https://{shown}" + (f":{port}" if port else "") + "/"
    return SiteTarget(origin, host, port)


def parse_entry(text: str, where: str) -> Target:
    """``domain [role]`` or a website URL → a target; raises :class:`InputError`."""
    parts = text.replace(",", " ").split()
    if len(parts) == 1 and "://" in parts[0]:
        return parse_site(parts[0], where)
    if len(parts) > 2:
        raise InputError(f"{where}: expected 'DOMAIN [ROLE]' or a URL, got {_show(text)}")
    try:
        name = parse_domain_name(parts[0])
    except ValueError as exc:
        raise InputError(f"{where}: {exc}") from None
    role = Role.AUTO
    if len(parts) == 2:
        if parts[1].lower() not in _ROLES:
            choices = ", ".join(_ROLES)
            raise InputError(f"{where}: unknown role {_show(parts[1])} (use one of {choices})")
        role = _ROLES[parts[1].lower()]
    return AuditTarget(name, role)


def read_targets_file(path: Path) -> tuple[list[Target], list[str]]:
    """One domain per line (``#`` comments, blank lines skipped), optional role."""
    try:
        size = path.stat().st_size
        if size > MAX_TARGETS_FILE:
            raise InputError(f"{path}: {size} bytes is over the {MAX_TARGETS_FILE} byte limit")
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    targets: list[Target] = []
    problems: list[str] = []
    for number, line in enumerate(raw.decode("utf-8", "replace").splitlines(), start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        where = f"{path.name}:{number}"
        if len(text) > MAX_LINE:
            problems.append(f"{where}: line longer than {MAX_LINE} characters")
            continue
        try:
            targets.append(parse_entry(text, where))
        except InputError as exc:
            problems.append(str(exc))
    return targets, problems


def gather(
    names: Iterable[str], campaign: Campaign | None, targets_file: Path | None
) -> TargetList:
    """All targets from every source, deduplicated (the campaign's roles win)."""
    found: list[Target] = []
    problems: list[str] = []
    if campaign is not None:
        found.extend(from_campaign(campaign))
    for index, name in enumerate(names, start=1):
        try:
            found.append(parse_entry(name, f"argument {index}"))
        except InputError as exc:
            problems.append(str(exc))
    if targets_file is not None:
        more, bad = read_targets_file(targets_file)
        found.extend(more)
        problems.extend(bad)
    unique: dict[str, Target] = {}
    for target in found:
        unique.setdefault(target.scope, target)
    return TargetList(tuple(unique.values()), tuple(problems))


def _show(text: str, limit: int = 60) -> str:
    clean = "".join(c if c.isprintable() else "?" for c in text)
    return repr(clean if len(clean) <= limit else clean[:limit] + "…")
