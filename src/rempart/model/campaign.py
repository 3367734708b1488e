"""The campaign file (``campaign.toml``) and its typed model.

One file describes one campaign: the organisation, its domains, websites and
people, the election calendar, where to read mail and logs, and audit
settings. Every Rempart command reads it through :func:`load_campaign`, which
either returns a valid, frozen :class:`Campaign` or raises
:class:`~rempart.errors.CampaignError` listing *every* problem at once, one
plain line each, named by its key path in TOML terms
(``domains[2].name: ...``).
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import dns.exception
import dns.name
import idna
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from rempart.errors import CampaignError
from rempart.model.findings import Severity

__all__ = [
    "MAX_CAMPAIGN_FILE_SIZE",
    "Audit",
    "CalendarEvent",
    "Campaign",
    "Domain",
    "DomainRole",
    "EventKind",
    "ImapTarget",
    "LogFormat",
    "LogSource",
    "Mailbox",
    "Organisation",
    "Person",
    "Sources",
    "Website",
    "load_campaign",
    "parse_domain_name",
    "parse_email_address",
]

MAX_CAMPAIGN_FILE_SIZE = 1024 * 1024
"""A campaign file larger than this (1 MiB) is refused: it is surely the wrong file."""

DomainRole = Literal["web", "mail", "defensive"]
"""What a domain is for; ``defensive`` is a look-alike registered for protection."""

EventKind = Literal[
    "round",
    "campaign_start",
    "campaign_end",
    "silence",
    "debate",
    "primary",
    "convention",
    "rally",
    "other",
]
"""The kinds of election calendar events."""

LogFormat = Literal["auto", "combined", "common", "jsonl"]
"""Web server log formats Rempart reads."""

_ROLES: tuple[str, ...] = get_args(DomainRole)
_LABEL_RE = re.compile(r"^[a-z0-9-]+$")
_SELECTOR_LABEL_RE = re.compile(r"^[a-z0-9_-]{1,63}$")
_ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_BARE_KEY_RE = re.compile(r"^[A-Za-z0-9_-]+$")
_TOML_POSITION_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_SECRET_KEYS = frozenset({"password", "passwd", "pass", "pwd", "secret", "token", "api_key"})
_IMAPS_PORT = 993
_TOO_BIG = "is larger than 1 MiB; a campaign file is a few kilobytes, is this the right file?"

# ISO 3166-1 alpha-2: the officially assigned codes, plus XK (Kosovo), which
# is user-assigned but used by every international body.
_COUNTRY_CODES = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL
    BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV
    CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD
    GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM
    IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK
    LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW
    MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR
    PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS
    ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY
    UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW
"""
_COUNTRIES = frozenset(_COUNTRY_CODES.split())


# --------------------------------------------------------------------------
# Plain-word errors raised by validators
# --------------------------------------------------------------------------


def _fail(message: str) -> PydanticCustomError:
    """A validation error whose message is shown to the user as is."""
    return PydanticCustomError("rempart", "{message}", {"message": message})


def _show(value: object, limit: int = 60) -> str:
    """A value as the user wrote it, quoted if text, shortened if long."""
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------
# Domain names and email addresses (public helpers)
# --------------------------------------------------------------------------


def parse_domain_name(text: str) -> str:
    """Normalise a domain name to lowercase A-label (``xn--``) form, no trailing dot.

    Accepts international names (``mouvement-été.example``) and converts them
    with IDNA 2008. Raises :class:`ValueError` whose message is the plain
    reason (``label contains a space``), meant to follow the rejected name.
    """
    name = text.strip()
    _reject_obvious_mistakes(name)
    if not name.isascii():
        name = _to_ascii_form(name)
    name = name.lower()
    if name.endswith("."):
        name = name[:-1]
    labels = name.split(".")
    for label in labels:
        _check_label(label)
    if len(labels) < 2:
        raise ValueError("needs at least two labels, like example.org")
    if len(name) > 253:
        raise ValueError("is longer than 253 characters")
    if labels[-1].isdigit():
        raise ValueError("the last label cannot be all digits (is this an IP address?)")
    try:
        dns.name.from_text(name)
    except dns.exception.DNSException as exc:
        raise ValueError(str(exc).rstrip(".")) from None
    return name


def _reject_obvious_mistakes(name: str) -> None:
    """Catch a URL, an email address or an empty string given for a domain name."""
    if not name:
        raise ValueError("it is empty")
    if "://" in name or "/" in name:
        raise ValueError("give the domain name only, without http:// or a path")
    if "@" in name:
        raise ValueError("this looks like an email address; give only the part after the @")


def _to_ascii_form(name: str) -> str:
    """Convert an international name to A-labels (IDNA 2008, UTS 46 mapping)."""
    _reject_spaces(name)
    try:
        mapped = idna.uts46_remap(name, std3_rules=False, transitional=False)
    except idna.IDNAError as exc:
        raise ValueError(f"not a valid international name: {exc}") from None
    out = []
    for label in mapped.split("."):
        if label.isascii():
            out.append(label)
            continue
        try:
            out.append(idna.alabel(label).decode("ascii"))
        except idna.IDNAError as exc:
            raise ValueError(
                f"label {_show(label)} is not a valid international name: {exc}"
            ) from None
    return ".".join(out)


def _reject_spaces(label: str) -> None:
    """Spaces are the most common typo: name them plainly."""
    if " " in label:
        raise ValueError("label contains a space")
    if any(ch.isspace() for ch in label):
        raise ValueError("label contains a tab or line break")


def _check_label(label: str) -> None:
    """One ASCII label: 1–63 letters, digits or hyphens, no hyphen at either end."""
    if not label:
        raise ValueError("has an empty label (two dots in a row, or a dot at the start)")
    _reject_spaces(label)
    if len(label) > 63:
        raise ValueError(f"label {_show(label)} is longer than 63 characters")
    if not _LABEL_RE.match(label):
        bad = next(ch for ch in label if not _LABEL_RE.match(ch))
        raise ValueError(
            f"label {_show(label)} contains {_show(bad)}; "
            "only letters, digits and hyphens are allowed"
        )
    if label.startswith("-") or label.endswith("-"):
        raise ValueError(f"label {_show(label)} starts or ends with a hyphen")
    if label.startswith("xn--"):
        try:
            idna.ulabel(label)
        except idna.IDNAError:
            raise ValueError(f"label {_show(label)} is not a valid xn-- (punycode) label") from None


def parse_email_address(text: str) -> str:
    """Check the simple shape of an email address and return it normalised.

    One ``@``, a non-empty local part without spaces, a domain accepted by
    :func:`parse_domain_name`. The result is lowercase, domain in A-label
    form. Raises :class:`ValueError` with the plain reason.
    """
    address = text.strip()
    if "<" in address or ">" in address:
        raise ValueError("give the bare address, without a name or < >")
    if address.count("@") != 1:
        raise ValueError("needs exactly one @")
    local, _, domain = address.partition("@")
    if not local:
        raise ValueError("nothing before the @")
    if any(ch.isspace() for ch in local):
        raise ValueError("contains a space before the @")
    if len(local) > 64:
        raise ValueError("the part before the @ is longer than 64 characters")
    try:
        domain = parse_domain_name(domain)
    except ValueError as exc:
        raise ValueError(f"domain part: {exc}") from None
    return f"{local.lower()}@{domain}"


# --------------------------------------------------------------------------
# Field types: each turns a ValueError into a plain message for the user
# --------------------------------------------------------------------------


def _required_text(value: str) -> str:
    text = value.strip()
    if not text:
        raise _fail("is empty; write something between the quotes")
    return text


def _optional_text(value: str | None) -> str | None:
    return (value.strip() or None) if value is not None else None


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


def _domain_field(value: str) -> str:
    try:
        return parse_domain_name(value)
    except ValueError as exc:
        raise _fail(f"{_show(value)} is not a valid domain name ({exc})") from None


def _email_field(value: str) -> str:
    try:
        return parse_email_address(value)
    except ValueError as exc:
        raise _fail(f"{_show(value)} is not a valid email address ({exc})") from None


def _country_field(value: str) -> str:
    code = value.strip().upper()
    if code not in _COUNTRIES:
        raise _fail(
            f"{_show(value)} is not an ISO 3166 country code (two letters, like FR, DE or GB)"
        )
    return code


def _selector_field(value: str) -> str:
    text = value.strip().lower()
    if "_domainkey" in text:
        raise _fail(f'{_show(value)}: give only the selector (like "s1"), without ._domainkey')
    if not all(_SELECTOR_LABEL_RE.match(label) for label in text.split(".")):
        raise _fail(
            f"{_show(value)} is not a valid DKIM selector "
            "(only letters, digits, hyphens, underscores and dots)"
        )
    return text


def _zone_field(value: str) -> str:
    name = value.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        close = difflib.get_close_matches(name, available_timezones(), n=1)
        hint = f'; did you mean "{close[0]}"?' if close else ""
        raise _fail(
            f"{_show(value)} is not a known time zone "
            f"(use an IANA name like Europe/Paris or America/Montreal){hint}"
        ) from None
    return name


def _env_name_field(value: str) -> str:
    name = value.strip()
    if not _ENV_NAME_RE.match(name):
        # Never echo the value: it may be the password itself, pasted here.
        raise _fail(
            "must be the NAME of an environment variable (letters, digits and "
            "underscores, like REMPART_IMAP_PASSWORD), never the password itself"
        )
    return name


def _path_text(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        raise _fail("is empty; give the path of a file or folder")
    return value


def _resolve_path(path: Path, info: ValidationInfo) -> Path:
    """Expand ``~`` and make a relative path relative to the campaign file's folder."""
    path = path.expanduser()
    base = (info.context or {}).get("base_dir")
    if base is not None and not path.is_absolute():
        path = Path(os.path.normpath(Path(base) / path))
    return path


def _web_url_field(value: str) -> str:
    url = value.strip()
    if any(ch.isspace() for ch in url):
        raise _fail(f"{_show(value)} is not a valid web address (it contains a space)")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise _fail(f"{_show(value)} must start with http:// or https://")
    try:
        _parse_host(parts.hostname or "")
        _ = parts.port
    except ValueError as exc:
        raise _fail(f"{_show(value)} is not a valid web address ({exc})") from None
    return url


def _parse_host(host: str) -> str:
    """An IP address or a domain name (A-label form); ValueError with the reason."""
    if not host:
        raise ValueError("it has no host name")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:
        return parse_domain_name(host)
    except ValueError as exc:
        raise ValueError(f"host name {_show(host)}: {exc}") from None


def _imap_field(value: str) -> str:
    # The URL is never echoed: a password may have been pasted into it.
    try:
        _parse_imap(value)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    return value.strip()


Text = Annotated[str, AfterValidator(_required_text)]
OptionalText = Annotated[str | None, AfterValidator(_optional_text)]
DomainName = Annotated[str, AfterValidator(_domain_field)]
EmailAddress = Annotated[str, AfterValidator(_email_field)]
CountryCode = Annotated[str, AfterValidator(_country_field)]
DkimSelector = Annotated[str, AfterValidator(_selector_field)]
ZoneName = Annotated[str, AfterValidator(_zone_field)]
EnvName = Annotated[str, AfterValidator(_env_name_field)]
LocalPath = Annotated[Path, BeforeValidator(_path_text)]
WebUrl = Annotated[str, AfterValidator(_web_url_field)]
ImapUrl = Annotated[str, AfterValidator(_imap_field)]


def _dedupe(items: Iterable[str]) -> tuple[str, ...]:
    """Items without repeats, first occurrence kept, order kept."""
    return tuple(dict.fromkeys(items))


# --------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------


class Organisation(BaseModel):
    """Who runs the campaign: the ``[organisation]`` table."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Text = Field(description="The party or campaign name, as shown in reports.")
    country: CountryCode | None = Field(
        default=None, description="ISO 3166 alpha-2 country code (FR, DE…), uppercase."
    )
    contact: EmailAddress | None = Field(
        default=None, description="Email address of the person in charge of security."
    )


class Domain(BaseModel):
    """A domain name the campaign owns: one ``[[domains]]`` entry."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: DomainName = Field(
        description="The domain, lowercase A-label form (xn--…), without trailing dot."
    )
    roles: tuple[Annotated[DomainRole, BeforeValidator(_lower)], ...] = Field(
        default=("web", "mail"),
        description=(
            'What it is used for: "web", "mail", or "defensive" (a look-alike '
            "registered for protection, which must never send mail)."
        ),
    )
    dkim_selectors: tuple[DkimSelector, ...] = Field(
        default=(), description='DKIM selectors the party uses on it, like "s1" or "google".'
    )
    note: OptionalText = Field(default=None, description="Free text for the team.")

    @field_validator("roles")
    @classmethod
    def _check_roles(cls, roles: tuple[DomainRole, ...]) -> tuple[DomainRole, ...]:
        """At least one role; "defensive" never with "mail"; repeats dropped."""
        roles = tuple(dict.fromkeys(roles))
        if not roles:
            raise _fail('give at least one role: "web", "mail" or "defensive"')
        if "defensive" in roles and "mail" in roles:
            raise _fail(
                'a "defensive" domain must never send mail, so it cannot also have the "mail" role'
            )
        return roles

    @field_validator("dkim_selectors")
    @classmethod
    def _unique_selectors(cls, selectors: tuple[str, ...]) -> tuple[str, ...]:
        return _dedupe(selectors)

    def has_role(self, role: str) -> bool:
        """True if the domain has ``role``."""
        return role in self.roles


class Website(BaseModel):
    """A website the campaign runs: one ``[[websites]]`` entry."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: WebUrl = Field(description="Full http:// or https:// address of the site.")
    name: OptionalText = Field(default=None, description="Short name shown in reports.")

    @property
    def host(self) -> str:
        """The site's host: an IP address or a domain in A-label form."""
        return _parse_host(urlsplit(self.url).hostname or "")


class Person(BaseModel):
    """Someone attackers may impersonate: one ``[[people]]`` entry."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Text = Field(description="Full name, as it appears in email headers.")
    role: Text = Field(description='Role in the campaign, like "candidate" or "treasurer".')
    addresses: tuple[EmailAddress, ...] = Field(
        default=(), description="Their real email addresses, lowercase."
    )

    @field_validator("addresses")
    @classmethod
    def _unique_addresses(cls, addresses: tuple[str, ...]) -> tuple[str, ...]:
        return _dedupe(addresses)


class CalendarEvent(BaseModel):
    """One moment or period of the election calendar: a ``[[calendar]]`` entry.

    ``start`` and ``end`` are always timezone-aware: a value written without
    an offset is read in ``zone``; a date alone means midnight in ``zone``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Text = Field(description="What happens, in plain words.")
    kind: Annotated[EventKind, BeforeValidator(_lower)] = Field(
        description="round, campaign_start, campaign_end, silence, debate, primary, "
        "convention, rally or other."
    )
    zone: ZoneName = Field(
        default="UTC",
        description="IANA time zone for start/end written without an offset.",
    )
    start: AwareDatetime = Field(description="When it starts (timezone-aware).")
    end: AwareDatetime | None = Field(
        default=None, description="When it ends (timezone-aware), never before start."
    )

    @field_validator("start", "end", mode="before")
    @classmethod
    def _make_aware(cls, value: object, info: ValidationInfo) -> object:
        """Read a date, a local date-time or an ISO string in ``zone``."""
        if value is None and info.field_name == "end":
            return None
        zone = info.data.get("zone", "UTC")
        return _to_aware(value, ZoneInfo(zone))

    @field_validator("end")
    @classmethod
    def _not_before_start(cls, end: datetime | None, info: ValidationInfo) -> datetime | None:
        start = info.data.get("start")
        if end is not None and start is not None and end < start:
            raise _fail(f"ends before it starts (start {start.isoformat()}, end {end.isoformat()})")
        return end

    def start_utc(self) -> datetime:
        """``start`` converted to UTC."""
        return self.start.astimezone(UTC)

    def end_utc(self) -> datetime | None:
        """``end`` converted to UTC, or None when the event has no end."""
        return self.end.astimezone(UTC) if self.end is not None else None


def _to_aware(value: object, zone: tzinfo) -> datetime:
    """A timezone-aware datetime from what TOML (or a string) gives."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise _fail(
                f"{_show(value)} is not a date or date-time; write it like "
                "2027-04-25T20:00:00 or 2027-04-25 (without quotes)"
            ) from None
    if isinstance(value, datetime):
        if value.tzinfo is not None and value.utcoffset() is not None:
            return value
        return _localise(value, zone)
    if isinstance(value, date):
        return _localise(datetime.combine(value, time()), zone)
    if isinstance(value, time):
        raise _fail("a time of day alone is not enough; give a date too, like 2027-04-25T20:00:00")
    raise _fail("should be a date or a date-time, like 2027-04-25T20:00:00")


def _localise(naive: datetime, zone: tzinfo) -> datetime:
    """Attach ``zone`` to a local time, refusing a time skipped by a clock change."""
    aware = naive.replace(tzinfo=zone)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise _fail(f"{naive.isoformat()} does not exist in {zone} (the clocks jump forward then)")
    return aware


@dataclass(frozen=True)
class ImapTarget:
    """The parts of an ``imaps://`` mailbox address."""

    user: str
    """Login name (URL-decoded: ``%40`` becomes ``@``)."""
    host: str
    """Server host name (A-label form) or IP address."""
    port: int
    """TCP port, 993 unless given."""
    folder: str
    """Mailbox folder, ``INBOX`` unless given."""


def _parse_imap(url: str) -> ImapTarget:
    """Split an ``imaps://user@host[:port]/FOLDER`` URL; ValueError with the reason."""
    text = url.strip()
    if any(ch.isspace() for ch in text):
        raise ValueError("the imaps:// address contains a space")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme == "imap":
        raise ValueError(
            "must start with imaps:// (IMAP over TLS); plain imap:// would send the "
            "password unencrypted"
        )
    if scheme != "imaps":
        raise ValueError("must look like imaps://user@imap.example.org/INBOX")
    if parts.password is not None:
        raise ValueError(
            "contains a password: never write a password in this file; put it in an "
            "environment variable and give that variable's name with password_env"
        )
    if parts.query or parts.fragment:
        raise ValueError("must not contain ? or # parts")
    user = unquote(parts.username or "")
    if not user:
        raise ValueError("has no user name (imaps://USER@host/FOLDER)")
    host = _parse_host(parts.hostname or "")
    try:
        port = parts.port or _IMAPS_PORT
    except ValueError:
        raise ValueError("has an invalid port number") from None
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    return ImapTarget(user=user, host=host, port=port, folder=folder)


class Mailbox(BaseModel):
    """Where reported or received mail is read: one ``[[sources.mailboxes]]`` entry."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Text = Field(description="Short name of the mailbox, unique in the file.")
    path: LocalPath | None = Field(
        default=None,
        description="An mbox file, a Maildir, or a folder of .eml files; relative "
        "paths are resolved against the campaign file's folder.",
    )
    imap: ImapUrl | None = Field(
        default=None, description="An imaps://user@host[:port]/FOLDER address (no password)."
    )
    password_env: EnvName | None = Field(
        default=None,
        description="Name of the environment variable holding the IMAP password.",
    )

    @field_validator("path")
    @classmethod
    def _resolve(cls, path: Path | None, info: ValidationInfo) -> Path | None:
        return _resolve_path(path, info) if path is not None else None

    @model_validator(mode="after")
    def _one_source(self) -> Mailbox:
        """Exactly one of path and imap; password_env only with imap."""
        if (self.path is None) == (self.imap is None):
            raise _fail("give either path (a local mailbox) or imap (a server), exactly one")
        if self.password_env is not None and self.imap is None:
            raise _fail("password_env is only used with imap")
        return self

    def imap_target(self) -> ImapTarget | None:
        """The parsed ``imap`` address, or None for a local mailbox."""
        return _parse_imap(self.imap) if self.imap is not None else None


class LogSource(BaseModel):
    """A web server access log to analyse: one ``[[sources.logs]]`` entry."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: LocalPath = Field(
        description="A log file or a folder of them; relative paths are resolved "
        "against the campaign file's folder."
    )
    format: Annotated[LogFormat, BeforeValidator(_lower)] = Field(
        default="auto", description="auto, combined, common or jsonl."
    )
    site: OptionalText = Field(default=None, description="Which website the logs belong to.")

    @field_validator("path")
    @classmethod
    def _resolve(cls, path: Path, info: ValidationInfo) -> Path:
        return _resolve_path(path, info)


class Sources(BaseModel):
    """Where Rempart reads mail and logs: the ``[sources]`` table."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mailboxes: tuple[Mailbox, ...] = Field(default=(), description="Mailboxes to analyse.")
    logs: tuple[LogSource, ...] = Field(default=(), description="Web logs to analyse.")


class Audit(BaseModel):
    """Settings of ``rempart audit``: the ``[audit]`` table."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fail_on: Annotated[Severity, BeforeValidator(_lower)] = Field(
        default=Severity.HIGH,
        description="Exit with an error when a finding is at least this severe.",
    )
    dkim_selectors: tuple[DkimSelector, ...] = Field(
        default=(), description="Extra DKIM selectors to try on every domain."
    )

    @field_validator("dkim_selectors")
    @classmethod
    def _unique_selectors(cls, selectors: tuple[str, ...]) -> tuple[str, ...]:
        return _dedupe(selectors)


MailVerdictName = Literal["phishing", "suspicious", "spam"]


def _authserv_field(value: str) -> str:
    text = value.strip().lower()
    if not text or any(ch.isspace() or ch in ';()"' for ch in text) or len(text) > 253:
        raise _fail(f"{_show(value)} is not an authserv-id (a host name like mx.example.org)")
    return text


AuthservId = Annotated[str, AfterValidator(_authserv_field)]


class MailSettings(BaseModel):
    """Settings of ``rempart mail``: the ``[mail]`` table."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    authserv_ids: tuple[AuthservId, ...] = Field(
        default=(),
        description="The authserv-id your own receiving servers write in "
        "Authentication-Results headers; only those results are trusted.",
    )
    relays: tuple[DomainName, ...] = Field(
        default=(),
        description="Host names of your own receiving mail servers (as in "
        "'Received: ... by HOST'); mail from your domains must pass them.",
    )
    fail_on: MailVerdictName = Field(
        default="suspicious",
        description='Exit with an error when a message is at least this bad: "spam", '
        '"suspicious" or "phishing".',
    )

    @field_validator("authserv_ids", "relays")
    @classmethod
    def _unique(cls, items: tuple[str, ...]) -> tuple[str, ...]:
        return _dedupe(items)


def _network_field(value: str) -> str:
    import ipaddress

    try:
        return str(ipaddress.ip_network(value.strip(), strict=False))
    except ValueError:
        raise _fail(
            f"{_show(value)} is not an IP address or network (like 203.0.113.0/24)"
        ) from None


IpNetwork = Annotated[str, AfterValidator(_network_field)]


class LogsSettings(BaseModel):
    """Settings of ``rempart logs``: the ``[logs]`` table."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    allow: tuple[IpNetwork, ...] = Field(
        default=(),
        description="Addresses and networks never blocked: the party's offices, its "
        "servers, its monitoring.",
    )
    fail_on: Annotated[Severity, BeforeValidator(_lower)] = Field(
        default=Severity.HIGH,
        description="Exit with an error when an incident is at least this severe.",
    )
    detectors: dict[str, Any] = Field(
        default_factory=dict,
        description="Thresholds by detector id (`rempart logs detectors`), e.g. "
        '[logs.detectors."scan.probing"] capacity = 20; `disabled` lists detectors '
        "to skip. Checked when the logs are read.",
    )
    json_fields: dict[str, Any] = Field(
        default_factory=dict,
        description="For JSON-lines logs: the field names of a column, tried in order, "
        'e.g. ip = ["client", "remote_addr"]. Checked when the logs are read.',
    )

    def __hash__(self) -> int:  # the two tables are dicts: hash their canonical text
        tables = json.dumps([self.detectors, self.json_fields], sort_keys=True, default=str)
        return hash((self.allow, self.fail_on, tables))

    @field_validator("allow")
    @classmethod
    def _unique(cls, items: tuple[str, ...]) -> tuple[str, ...]:
        return _dedupe(items)


class TimelineSettings(BaseModel):
    """Settings of ``rempart timeline``: the ``[timeline]`` table."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    zone: ZoneName = Field(
        default="UTC",
        description="The campaign's time zone: times are shown in it, and a time written "
        "without a zone in an imported file is read in it (the output says so).",
    )
    start: AwareDatetime | None = Field(
        default=None,
        description="Start of the study period for `rempart timeline analyze` (declare it "
        "before looking at the events).",
    )
    end: AwareDatetime | None = Field(
        default=None, description="End of the study period, after its start."
    )
    strategic: tuple[EventKind, ...] = Field(
        default=("debate", "round", "silence", "convention", "campaign_start"),
        description="Kinds of calendar moments that count as strategic for `analyze`.",
    )
    windows: tuple[str, ...] = Field(
        default=("24h before", "6h before"),
        description='Windows around strategic moments for `analyze`, like "6h before", '
        '"±12h around", "2d after end". Declared before looking at the events.',
    )

    @field_validator("start", "end", mode="before")
    @classmethod
    def _aware(cls, value: object, info: ValidationInfo) -> object:
        if value is None:
            return None
        return _to_aware(value, ZoneInfo(info.data.get("zone", "UTC")))

    @model_validator(mode="after")
    def _ordered(self) -> TimelineSettings:
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise _fail(f"end {self.end.isoformat()} is not after start {self.start.isoformat()}")
        return self


class Campaign(BaseModel):
    """One campaign, as described by its ``campaign.toml``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    organisation: Organisation = Field(description="Who runs the campaign.")
    domains: tuple[Domain, ...] = Field(default=(), description="Domains the campaign owns.")
    websites: tuple[Website, ...] = Field(default=(), description="Websites it runs.")
    people: tuple[Person, ...] = Field(default=(), description="People attackers impersonate.")
    calendar: tuple[CalendarEvent, ...] = Field(default=(), description="Election calendar.")
    sources: Sources = Field(default_factory=Sources, description="Mail and log sources.")
    audit: Audit = Field(default_factory=Audit, description="Audit settings.")
    mail: MailSettings = Field(default_factory=MailSettings, description="Mail triage settings.")
    logs: LogsSettings = Field(default_factory=LogsSettings, description="Web-log settings.")
    timeline: TimelineSettings = Field(
        default_factory=TimelineSettings, description="Timeline settings."
    )

    @model_validator(mode="after")
    def _no_duplicates(self) -> Campaign:
        """The same domain or mailbox name twice is an error."""
        lines = _duplicate_problems(
            [d.name for d in self.domains], [m.name for m in self.sources.mailboxes]
        )
        if lines:
            raise PydanticCustomError("rempart_lines", "{lines}", {"lines": "\n".join(lines)})
        return self

    def domain(self, name: str) -> Domain | None:
        """The domain called ``name`` (any accepted spelling), or None."""
        try:
            wanted = parse_domain_name(name)
        except ValueError:
            return None
        return next((d for d in self.domains if d.name == wanted), None)

    def domain_names(self) -> list[str]:
        """Every domain name, in file order."""
        return [d.name for d in self.domains]

    def domains_with_role(self, role: str) -> list[Domain]:
        """The domains having ``role`` ("web", "mail" or "defensive"), in file order."""
        if role not in _ROLES:
            raise ValueError(f"unknown domain role {role!r}; use one of {', '.join(_ROLES)}")
        return [d for d in self.domains if d.has_role(role)]

    def all_dkim_selectors(self, domain: str | Domain) -> list[str]:
        """Selectors to try on ``domain``: its own, then the ``[audit]`` ones, no repeats.

        A domain absent from the campaign gets only the ``[audit]`` selectors.
        """
        found = self.domain(domain) if isinstance(domain, str) else domain
        own = found.dkim_selectors if found is not None else ()
        return list(_dedupe([*own, *self.audit.dkim_selectors]))

    def people_addresses(self) -> list[str]:
        """Every person's addresses, in file order, without repeats."""
        return list(_dedupe(a for p in self.people for a in p.addresses))


# --------------------------------------------------------------------------
# Cross-entry checks (also run on the raw file, so they are reported even
# when other entries are invalid)
# --------------------------------------------------------------------------


def _duplicate_problems(
    domain_names: Sequence[str | None], mailbox_names: Sequence[str | None]
) -> list[str]:
    """One line per repeated domain or mailbox name."""
    return _repeats("domains", domain_names, "name") + _repeats(
        "sources.mailboxes", mailbox_names, "name"
    )


def _repeats(section: str, names: Sequence[str | None], key: str) -> list[str]:
    first: dict[str, int] = {}
    lines = []
    for index, name in enumerate(names):
        if name is None:
            continue
        if name in first:
            lines.append(
                f"{section}[{index}].{key}: {_show(name)} is listed twice "
                f"(already at {section}[{first[name]}])"
            )
        else:
            first[name] = index
    return lines


def _raw_names(items: object, normalise: Callable[[str], str]) -> list[str | None]:
    """The ``name`` of each raw table, normalised; None where unusable."""
    if not isinstance(items, list):
        return []
    names: list[str | None] = []
    for item in items:
        value = item.get("name") if isinstance(item, dict) else None
        try:
            names.append(normalise(value) if isinstance(value, str) else None)
        except ValueError:
            names.append(None)
    return names


def _raw_duplicate_problems(raw: dict[str, Any]) -> list[str]:
    sources = raw.get("sources")
    mailboxes = sources.get("mailboxes") if isinstance(sources, dict) else None
    return _duplicate_problems(
        _raw_names(raw.get("domains"), parse_domain_name),
        _raw_names(mailboxes, str.strip),
    )


# --------------------------------------------------------------------------
# Turning pydantic errors into plain lines
# --------------------------------------------------------------------------


def _key_path(loc: Sequence[int | str]) -> str:
    """``("domains", 2, "name")`` → ``domains[2].name``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            key = part if _BARE_KEY_RE.match(part) else json.dumps(part, ensure_ascii=False)
            out += f".{key}" if out else key
    return out


def _unwrap(tp: Any) -> Any:
    """``X | None`` → ``X``; ``Annotated[X, ...]`` → ``X``."""
    origin = get_origin(tp)
    if origin is Annotated:
        return _unwrap(get_args(tp)[0])
    if origin in (Union, UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return _unwrap(args[0])
    return tp


def _model_at(loc: Sequence[int | str]) -> type[BaseModel] | None:
    """The model class found at ``loc`` inside :class:`Campaign`, if any."""
    tp: Any = Campaign
    for part in loc:
        tp = _unwrap(tp)
        if isinstance(part, int) and get_origin(tp) is tuple:
            tp = get_args(tp)[0]
        elif isinstance(tp, type) and issubclass(tp, BaseModel) and part in tp.model_fields:
            tp = tp.model_fields[str(part)].annotation
        else:
            return None
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _toml_kind(value: object) -> str:
    """What the user wrote, in TOML words."""
    kinds: list[tuple[type | tuple[type, ...], str]] = [
        (bool, "true/false"),
        ((int, float), "a number"),
        (str, "text"),
        (list, "a list"),
        (dict, "a table"),
        ((date, time), "a date or time"),
    ]
    return next((word for types, word in kinds if isinstance(value, types)), "a value")


def _unknown_key(loc: Sequence[int | str]) -> str:
    key = str(loc[-1])
    if key.lower() in _SECRET_KEYS:
        return (
            "unknown key; never write a password or secret in the campaign file: put it "
            "in an environment variable and give that variable's name with password_env"
        )
    model = _model_at(loc[:-1])
    if model is None:
        return "unknown key"
    allowed = list(model.model_fields)
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f'did you mean "{close[0]}"? ' if close else ""
    return f"unknown key ({hint}allowed here: {', '.join(allowed)})"


def _describe(err: ErrorDetails) -> str:
    """What is wrong, in plain words, for one pydantic error."""
    kind, loc, value = err["type"], err["loc"], err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "rempart":
        return str(ctx.get("message", err["msg"]))
    if kind == "missing":
        return "is required but missing"
    if kind == "extra_forbidden":
        return _unknown_key(loc)
    if kind in ("literal_error", "enum"):
        return f"{_show(value)} is not allowed here; use one of {ctx.get('expected', '')}"
    if kind == "string_type":
        return f"should be text in quotes, not {_toml_kind(value)}"
    if kind in ("list_type", "tuple_type"):
        if _model_at([*loc, 0]) is not None:
            return f"should be a list of tables: write [[{_key_path(loc)}]] for each entry"
        return f'should be a list in square brackets, like ["a", "b"], not {_toml_kind(value)}'
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"should be a table (key = value lines), not {_toml_kind(value)}"
    return f"invalid value ({err['msg']})"


def _problems(exc: ValidationError) -> list[str]:
    """Every pydantic error as ``key.path: what is wrong`` lines."""
    lines: list[str] = []
    for err in exc.errors():
        if err["type"] == "rempart_lines":
            lines.extend(str((err.get("ctx") or {})["lines"]).split("\n"))
            continue
        where = _key_path(err["loc"])
        what = _describe(err)
        lines.append(f"{where}: {what}" if where else what)
    return lines


# --------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------


def load_campaign(path: str | Path) -> Campaign:
    """Read, check and return the campaign described by the TOML file at ``path``.

    Relative ``sources`` paths are resolved against the file's folder. Any
    problem raises :class:`CampaignError` listing every problem found.
    """
    file = Path(path)
    raw = _parse_toml(str(path), _read_text(str(path), file))
    try:
        return Campaign.model_validate(raw, context={"base_dir": file.absolute().parent})
    except ValidationError as exc:
        problems = _problems(exc)
        problems += [p for p in _raw_duplicate_problems(raw) if p not in problems]
        raise CampaignError(str(path), problems) from None


def _read_text(shown: str, file: Path) -> str:
    """The file's text; CampaignError with one clear problem if unusable."""
    try:
        if file.is_dir():
            raise CampaignError(shown, ["is a folder, not a campaign file"])
        if file.stat().st_size > MAX_CAMPAIGN_FILE_SIZE:
            raise CampaignError(shown, [_TOO_BIG])
        with file.open("rb") as handle:
            data = handle.read(MAX_CAMPAIGN_FILE_SIZE + 1)
    except FileNotFoundError:
        raise CampaignError(shown, ["file not found (check the path)"]) from None
    except PermissionError:
        raise CampaignError(shown, ["cannot be read (permission denied)"]) from None
    except OSError as exc:
        raise CampaignError(shown, [f"cannot be read ({exc.strerror or exc})"]) from None
    if len(data) > MAX_CAMPAIGN_FILE_SIZE:
        raise CampaignError(shown, [_TOO_BIG])
    return _decode(shown, data)


def _decode(shown: str, data: bytes) -> str:
    """UTF-8 text (a leading byte-order mark is accepted)."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CampaignError(
            shown,
            [
                f"line {line}: is not UTF-8 text (byte 0x{data[exc.start]:02x}); "
                "save the file as UTF-8 in your editor"
            ],
        ) from None


def _parse_toml(shown: str, text: str) -> dict[str, Any]:
    """The TOML document; CampaignError naming line and column on a syntax error."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CampaignError(shown, [_toml_problem(str(exc))]) from None
    except RecursionError:
        raise CampaignError(shown, ["is nested too deeply to be a campaign file"]) from None


def _toml_problem(message: str) -> str:
    """``Invalid value (at line 3, column 9)`` → ``line 3, column 9: ...``."""
    match = _TOML_POSITION_RE.search(message)
    if match:
        reason = message[: match.start()]
        where = f"line {match.group(1)}, column {match.group(2)}"
    else:
        reason = message.replace("(at end of document)", "").strip()
        where = "end of file"
        reason += "; a bracket or a quote is probably not closed"
    if reason.startswith("Cannot overwrite a value") or reason.startswith("Cannot declare"):
        reason += "; this key or table is already defined above"
    return f"{where}: TOML syntax error ({reason})"
