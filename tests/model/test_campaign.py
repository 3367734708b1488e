"""The campaign file: loading, validation rules, and plain-word error messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from rempart.errors import CampaignError
from rempart.model import campaign as campaign_module
from rempart.model.campaign import (
    MAX_CAMPAIGN_FILE_SIZE,
    Campaign,
    Domain,
    Mailbox,
    load_campaign,
    parse_domain_name,
    parse_email_address,
)
from rempart.model.findings import Severity

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "campaign.toml"
HEADER = '[organisation]\nname = "Mouvement Exemple"\n\n'


def write(tmp_path: Path, body: str, *, header: bool = True, name: str = "c.toml") -> Path:
    """Write a campaign file (with a valid [organisation] unless told not to)."""
    path = tmp_path / name
    path.write_text((HEADER if header else "") + body, encoding="utf-8")
    return path


def problems_of(tmp_path: Path, body: str, *, header: bool = True) -> list[str]:
    """The problems reported for a campaign file that must be refused."""
    path = write(tmp_path, body, header=header)
    with pytest.raises(CampaignError) as info:
        load_campaign(path)
    assert info.value.path == str(path)
    return info.value.problems


def load(tmp_path: Path, body: str) -> Campaign:
    """Load a campaign file that must be valid."""
    return load_campaign(write(tmp_path, body))


# --------------------------------------------------------------------------
# The example file
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def example() -> Campaign:
    return load_campaign(EXAMPLE)


def test_example_validates(example: Campaign) -> None:
    assert example.organisation.name == "Mouvement Exemple"
    assert example.organisation.country == "FR"
    assert example.domain_names()[:2] == ["mouvement-exemple.example", "mouvement-exemple.test"]
    assert len(example.people) == 3
    assert {p.role for p in example.people} == {"candidate", "treasurer", "campaign director"}
    assert example.audit.fail_on is Severity.HIGH


def test_example_uses_reserved_names_only(example: Campaign) -> None:
    hosts = [*example.domain_names(), *(w.host for w in example.websites)]
    hosts += [a.partition("@")[2] for a in example.people_addresses()]
    assert all(h.endswith((".example", ".test")) for h in hosts), hosts


def test_example_has_a_defensive_look_alike(example: Campaign) -> None:
    defensive = example.domains_with_role("defensive")
    assert "mouvernent-exemple.example" in [d.name for d in defensive]
    assert all(not d.has_role("mail") for d in defensive)


def test_example_silence_runs_friday_midnight_to_sunday_20h(example: Campaign) -> None:
    silences = [e for e in example.calendar if e.kind == "silence"]
    rounds = [e for e in example.calendar if e.kind == "round"]
    assert len(silences) == len(rounds) == 2
    for silence, voting in zip(silences, rounds, strict=True):
        assert silence.end is not None
        assert silence.start.weekday() == 5 and silence.start.hour == 0  # Saturday 00:00
        assert silence.end.weekday() == 6 and silence.end.hour == 20  # Sunday 20:00
        assert silence.end == voting.end
    assert any(e.kind == "debate" for e in example.calendar)
    assert any(e.kind == "rally" for e in example.calendar)
    assert any(e.kind == "campaign_start" for e in example.calendar)


def test_example_sources_are_resolved_against_its_folder(example: Campaign) -> None:
    local = example.sources.mailboxes[0]
    assert local.path == EXAMPLE.parent / "mail" / "reported"
    assert example.sources.logs[0].path == EXAMPLE.parent / "logs" / "access.log"
    target = example.sources.mailboxes[1].imap_target()
    assert target is not None
    assert target.user == "securite@mouvement-exemple.example"
    assert (target.host, target.port, target.folder) == (
        "imap.mouvement-exemple.example",
        993,
        "Reported",
    )
    assert example.sources.mailboxes[1].password_env == "REMPART_IMAP_PASSWORD"


# --------------------------------------------------------------------------
# Times and zones
# --------------------------------------------------------------------------


def event(body_lines: str) -> str:
    return f'[[calendar]]\nname = "E"\nkind = "silence"\n{body_lines}\n'


def test_local_time_in_zone_converts_to_utc(tmp_path: Path) -> None:
    c = load(tmp_path, event('start = 2027-04-23T00:00:00\nzone = "Europe/Paris"'))
    ev = c.calendar[0]
    assert ev.start.tzinfo is not None
    assert ev.start.utcoffset() == timedelta(hours=2)
    assert ev.start_utc() == datetime(2027, 4, 22, 22, 0, tzinfo=UTC)
    assert ev.start_utc().tzinfo is UTC
    assert ev.end is None and ev.end_utc() is None


def test_date_alone_means_midnight_in_zone(tmp_path: Path) -> None:
    c = load(tmp_path, event('start = 2027-01-16\nend = 2027-01-17\nzone = "Europe/Paris"'))
    assert c.calendar[0].start_utc() == datetime(2027, 1, 15, 23, 0, tzinfo=UTC)
    assert c.calendar[0].end_utc() == datetime(2027, 1, 16, 23, 0, tzinfo=UTC)


def test_offset_wins_over_zone_and_default_zone_is_utc(tmp_path: Path) -> None:
    body = event('start = 2027-05-05T21:00:00+02:00\nzone = "America/Montreal"')
    body += event("start = 2027-05-05T21:00:00")
    c = load(tmp_path, body)
    assert c.calendar[0].start_utc() == datetime(2027, 5, 5, 19, 0, tzinfo=UTC)
    assert c.calendar[1].zone == "UTC"
    assert c.calendar[1].start_utc() == datetime(2027, 5, 5, 21, 0, tzinfo=UTC)


def test_quoted_iso_date_time_is_accepted(tmp_path: Path) -> None:
    c = load(tmp_path, event('start = "2027-04-23T00:00:00"\nzone = "Europe/Paris"'))
    assert c.calendar[0].start_utc() == datetime(2027, 4, 22, 22, 0, tzinfo=UTC)


def test_end_equal_to_start_is_allowed(tmp_path: Path) -> None:
    c = load(tmp_path, event("start = 2027-04-23T10:00:00\nend = 2027-04-23T10:00:00"))
    assert c.calendar[0].end == c.calendar[0].start


def test_end_before_start(tmp_path: Path) -> None:
    body = event('start = 2027-04-25T20:00:00\nend = 2027-04-25T08:00:00\nzone = "Europe/Paris"')
    problems = problems_of(tmp_path, body)
    assert len(problems) == 1
    assert problems[0].startswith("calendar[0].end: ends before it starts")


def test_end_before_start_compares_instants_not_wall_clocks(tmp_path: Path) -> None:
    # Start 20:00 Paris = 18:00 UTC. An end at 19:00+00:00 reads "earlier" but is later...
    later = event(
        'start = 2027-04-25T20:00:00\nend = 2027-04-25T19:00:00+00:00\nzone = "Europe/Paris"'
    )
    assert load(tmp_path, later).calendar[0].end_utc() == datetime(2027, 4, 25, 19, tzinfo=UTC)
    # ...and an end at 21:00+05:00 (16:00 UTC) reads "later" but is earlier.
    earlier = event(
        'start = 2027-04-25T20:00:00\nend = 2027-04-25T21:00:00+05:00\nzone = "Europe/Paris"'
    )
    assert problems_of(tmp_path, earlier)[0].startswith("calendar[0].end: ends before it starts")


def test_bad_zone(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, event('start = 2027-04-25\nzone = "Europe/Pariss"'))
    assert problems == [
        'calendar[0].zone: "Europe/Pariss" is not a known time zone (use an IANA name '
        'like Europe/Paris or America/Montreal); did you mean "Europe/Paris"?'
    ]


def test_time_skipped_by_clock_change_is_refused(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, event('start = 2027-03-28T02:30:00\nzone = "Europe/Paris"'))
    assert problems == [
        "calendar[0].start: 2027-03-28T02:30:00 does not exist in Europe/Paris "
        "(the clocks jump forward then)"
    ]


def test_time_of_day_alone_is_refused(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, event("start = 20:00:00"))
    assert problems == [
        "calendar[0].start: a time of day alone is not enough; give a date too, "
        "like 2027-04-25T20:00:00"
    ]


def test_bad_kind_and_missing_start(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, '[[calendar]]\nname = "E"\nkind = "party"\n')
    assert problems == [
        "calendar[0].kind: \"party\" is not allowed here; use one of 'round', "
        "'campaign_start', 'campaign_end', 'silence', 'debate', 'primary', 'convention', "
        "'rally' or 'other'",
        "calendar[0].start: is required but missing",
    ]


# --------------------------------------------------------------------------
# Domains
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mouvement-exemple.example", "mouvement-exemple.example"),
        ("  Mouvement-Exemple.EXAMPLE.  ", "mouvement-exemple.example"),
        ("mouvement-été.example", "xn--mouvement-t-kbbb.example"),
        ("MOUVEMENT-ÉTÉ.example", "xn--mouvement-t-kbbb.example"),
        ("straße.example", "xn--strae-oqa.example"),  # IDNA 2008, not "strasse"
        ("xn--strae-oqa.example", "xn--strae-oqa.example"),
        ("a." * 123 + "example", "a." * 123 + "example"),  # 253 characters
    ],
)
def test_parse_domain_name_normalises(text: str, expected: str) -> None:
    assert parse_domain_name(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("exa mple.org", "label contains a space"),
        ("", "it is empty"),
        ("example", "needs at least two labels, like example.org"),
        ("exa..mple.org", "has an empty label (two dots in a row, or a dot at the start)"),
        (".example.org", "has an empty label (two dots in a row, or a dot at the start)"),
        (
            "a_b.example",
            'label "a_b" contains "_"; only letters, digits and hyphens are allowed',
        ),
        ("-ab.example", 'label "-ab" starts or ends with a hyphen'),
        ("a" * 64 + ".example", "longer than 63 characters"),
        ("a." * 124 + "example", "is longer than 253 characters"),
        ("https://mouvement-exemple.example/", "without http:// or a path"),
        ("jean@mouvement-exemple.example", "looks like an email address"),
        ("192.0.2.1", "cannot be all digits"),
        ("xn--zz.example", 'label "xn--zz" is not a valid xn-- (punycode) label'),
        ("caf€.example", "not a valid international name"),
    ],
)
def test_parse_domain_name_refuses(text: str, reason: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_domain_name(text)
    assert reason in str(info.value)


def test_bad_domain_in_file(tmp_path: Path) -> None:
    body = '[[domains]]\nname = "ok.example"\n'
    body += '[[domains]]\nname = "also-ok.example"\n[[domains]]\nname = "exa mple.org"\n'
    assert problems_of(tmp_path, body) == [
        'domains[2].name: "exa mple.org" is not a valid domain name (label contains a space)'
    ]


def test_idn_domain_is_stored_as_a_label(tmp_path: Path) -> None:
    body = '[[domains]]\nname = "mouvement-été.example"\n'
    body += '[[people]]\nname = "C"\nrole = "candidate"\naddresses = ["Camille@Été.example"]\n'
    c = load(tmp_path, body)
    assert c.domain_names() == ["xn--mouvement-t-kbbb.example"]
    assert c.people_addresses() == ["camille@xn--t-9fab.example"]
    assert c.domain("MOUVEMENT-été.example.") is c.domains[0]


def test_duplicate_domain_even_when_spelled_differently(tmp_path: Path) -> None:
    body = '[[domains]]\nname = "mouvement-exemple.example"\n'
    body += '[[domains]]\nname = "other.example"\n'
    body += '[[domains]]\nname = "Mouvement-Exemple.example."\n'
    assert problems_of(tmp_path, body) == [
        'domains[2].name: "mouvement-exemple.example" is listed twice (already at domains[0])'
    ]


def test_duplicate_domain_reported_alongside_other_errors(tmp_path: Path) -> None:
    body = '[[domains]]\nname = "a.example"\n[[domains]]\nname = "a.example"\n'
    body += '[[domains]]\nname = "bad_name.example"\n'
    problems = problems_of(tmp_path, body)
    assert problems[0].startswith('domains[2].name: "bad_name.example" is not a valid domain')
    assert 'domains[1].name: "a.example" is listed twice (already at domains[0])' in problems
    assert len(problems) == 2


def test_defensive_with_mail(tmp_path: Path) -> None:
    body = '[[domains]]\nname = "mouvernent-exemple.example"\nroles = ["defensive", "mail"]\n'
    assert problems_of(tmp_path, body) == [
        'domains[0].roles: a "defensive" domain must never send mail, so it cannot also '
        'have the "mail" role'
    ]


def test_defensive_with_web_is_fine_and_roles_default(tmp_path: Path) -> None:
    body = '[[domains]]\nname = "a.example"\n'
    body += '[[domains]]\nname = "b.example"\nroles = ["Defensive", "web", "web"]\n'
    c = load(tmp_path, body)
    assert c.domains[0].roles == ("web", "mail")
    assert c.domains[1].roles == ("defensive", "web")


def test_bad_role(tmp_path: Path) -> None:
    body = '[[domains]]\nname = "a.example"\nroles = ["web", "mial"]\n'
    assert problems_of(tmp_path, body) == [
        "domains[0].roles[1]: \"mial\" is not allowed here; use one of 'web', 'mail' or 'defensive'"
    ]


def test_empty_roles(tmp_path: Path) -> None:
    body = '[[domains]]\nname = "a.example"\nroles = []\n'
    assert problems_of(tmp_path, body) == [
        'domains[0].roles: give at least one role: "web", "mail" or "defensive"'
    ]


def test_roles_as_text_instead_of_list(tmp_path: Path) -> None:
    body = '[[domains]]\nname = "a.example"\nroles = "web"\n'
    assert problems_of(tmp_path, body) == [
        'domains[0].roles: should be a list in square brackets, like ["a", "b"], not text'
    ]


def test_domains_as_single_table(tmp_path: Path) -> None:
    assert problems_of(tmp_path, '[domains]\nname = "a.example"\n') == [
        "domains: should be a list of tables: write [[domains]] for each entry"
    ]


def test_bad_dkim_selectors(tmp_path: Path) -> None:
    body = '[[domains]]\nname = "a.example"\ndkim_selectors = ["s1", "s1._domainkey", "a b"]\n'
    assert problems_of(tmp_path, body) == [
        'domains[0].dkim_selectors[1]: "s1._domainkey": give only the selector (like "s1"), '
        "without ._domainkey",
        'domains[0].dkim_selectors[2]: "a b" is not a valid DKIM selector (only letters, '
        "digits, hyphens, underscores and dots)",
    ]


# --------------------------------------------------------------------------
# Organisation, websites, people
# --------------------------------------------------------------------------


def test_organisation_rules(tmp_path: Path) -> None:
    body = '[organisation]\nname = "  "\ncountry = "XX"\ncontact = "securite"\n'
    assert problems_of(tmp_path, body, header=False) == [
        "organisation.name: is empty; write something between the quotes",
        'organisation.country: "XX" is not an ISO 3166 country code (two letters, like '
        "FR, DE or GB)",
        'organisation.contact: "securite" is not a valid email address (needs exactly one @)',
    ]


def test_organisation_is_required(tmp_path: Path) -> None:
    assert problems_of(tmp_path, "", header=False) == ["organisation: is required but missing"]


def test_organisation_normalised(tmp_path: Path) -> None:
    body = '[organisation]\nname = " Mouvement "\ncountry = "fr"\ncontact = "S@Exemple.TEST"\n'
    org = load_campaign(write(tmp_path, body, header=False)).organisation
    assert (org.name, org.country, org.contact) == ("Mouvement", "FR", "s@exemple.test")


def test_websites(tmp_path: Path) -> None:
    body = '[[websites]]\nurl = "https://Dons.Mouvement-Exemple.example:8443/don"\n'
    body += '[[websites]]\nurl = "http://192.0.2.10/"\nname = "Old server"\n'
    c = load(tmp_path, body)
    assert [w.host for w in c.websites] == ["dons.mouvement-exemple.example", "192.0.2.10"]
    assert c.websites[0].name is None


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://a.example/", '"ftp://a.example/" must start with http:// or https://'),
        ("mouvement-exemple.example", "must start with http:// or https://"),
        ("https:///path", "(it has no host name)"),
        ("https://exa mple.example/", "(it contains a space)"),
        ("https://a_b.example/", 'host name "a_b.example": label "a_b" contains "_"'),
        ("https://a.example:99999/", "is not a valid web address"),
    ],
)
def test_bad_website_url(tmp_path: Path, url: str, message: str) -> None:
    problems = problems_of(tmp_path, f'[[websites]]\nurl = "{url}"\n')
    assert len(problems) == 1
    assert problems[0].startswith("websites[0].url: ")
    assert message in problems[0]


def test_people_addresses(tmp_path: Path) -> None:
    body = '[[people]]\nname = "Camille"\nrole = "candidate"\n'
    body += (
        'addresses = ["Camille@Mouvement-Exemple.example", "camille@mouvement-exemple.example"]\n'
    )
    body += '[[people]]\nname = "Dominique"\nrole = "treasurer"\n'
    body += (
        'addresses = ["tresor@mouvement-exemple.example", "camille@mouvement-exemple.example"]\n'
    )
    c = load(tmp_path, body)
    assert c.people[0].addresses == ("camille@mouvement-exemple.example",)
    assert c.people_addresses() == [
        "camille@mouvement-exemple.example",
        "tresor@mouvement-exemple.example",
    ]


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("camille", "needs exactly one @"),
        ("a@b@c.example", "needs exactly one @"),
        ("@mouvement-exemple.example", "nothing before the @"),
        ("ca mille@mouvement-exemple.example", "contains a space before the @"),
        ("Camille <c@mouvement-exemple.example>", "give the bare address, without a name or < >"),
        ("c@exa mple.org", "domain part: label contains a space"),
        ("c@localhost", "domain part: needs at least two labels"),
    ],
)
def test_bad_person_address(tmp_path: Path, address: str, reason: str) -> None:
    body = f'[[people]]\nname = "C"\nrole = "candidate"\naddresses = ["{address}"]\n'
    problems = problems_of(tmp_path, body)
    assert len(problems) == 1
    assert problems[0].startswith(f'people[0].addresses[0]: "{address}" is not a valid email')
    assert reason in problems[0]
    with pytest.raises(ValueError):
        parse_email_address(address)


def test_person_needs_name_and_role(tmp_path: Path) -> None:
    assert problems_of(tmp_path, '[[people]]\naddresses = ["c@a.example"]\n') == [
        "people[0].name: is required but missing",
        "people[0].role: is required but missing",
    ]


# --------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------


def test_relative_paths_resolve_against_the_file_folder(tmp_path: Path) -> None:
    absolute = tmp_path / "elsewhere" / "mbox"
    body = '[[sources.mailboxes]]\nname = "a"\npath = "../mail/a.mbox"\n'
    body += f'[[sources.mailboxes]]\nname = "b"\npath = "{absolute}"\n'
    body += '[[sources.mailboxes]]\nname = "c"\npath = "~/mail"\n'
    body += '[[sources.logs]]\npath = "logs/access.log"\nformat = "JSONL"\n'
    folder = tmp_path / "campaign"
    folder.mkdir()
    c = load_campaign(write(folder, body))
    paths = [m.path for m in c.sources.mailboxes]
    assert paths == [tmp_path / "mail" / "a.mbox", absolute, Path.home() / "mail"]
    assert c.sources.logs[0].path == folder / "logs" / "access.log"
    assert c.sources.logs[0].format == "jsonl"
    assert c.sources.mailboxes[0].imap_target() is None


def test_relative_path_kept_when_built_in_python() -> None:
    box = Mailbox(name="a", path=Path("mail"))
    assert box.path == Path("mail")


def test_imap_mailbox(tmp_path: Path) -> None:
    body = '[[sources.mailboxes]]\nname = "desk"\n'
    body += 'imap = "imaps://securite@imap.exemple.test:1993/Reported%20mail"\n'
    body += 'password_env = "REMPART_IMAP_PASSWORD"\n'
    target = load(tmp_path, body).sources.mailboxes[0].imap_target()
    assert target is not None
    assert (target.user, target.host, target.port, target.folder) == (
        "securite",
        "imap.exemple.test",
        1993,
        "Reported mail",
    )


def test_imap_without_folder_means_inbox(tmp_path: Path) -> None:
    body = '[[sources.mailboxes]]\nname = "desk"\nimap = "imaps://u@192.0.2.1"\n'
    target = load(tmp_path, body).sources.mailboxes[0].imap_target()
    assert target is not None
    assert (target.host, target.port, target.folder) == ("192.0.2.1", 993, "INBOX")


def test_password_is_never_accepted_nor_echoed(tmp_path: Path) -> None:
    body = '[[sources.mailboxes]]\nname = "desk"\n'
    body += 'imap = "imaps://u:S3cretPass@imap.exemple.test/INBOX"\n'
    body += 'password = "S3cretPass"\n'
    body += '[[sources.mailboxes]]\nname = "desk2"\nimap = "imaps://u@imap.exemple.test/"\n'
    body += 'password_env = "S3cret Pass!"\n'
    problems = problems_of(tmp_path, body)
    assert [p.split(":")[0] for p in problems] == [
        "sources.mailboxes[0].imap",
        "sources.mailboxes[0].password",
        "sources.mailboxes[1].password_env",
    ]
    assert "contains a password" in problems[0]
    assert problems[1].startswith("sources.mailboxes[0].password: unknown key; never write")
    assert "environment variable" in problems[2]
    assert not any("S3cret" in p for p in problems)


def test_plain_imap_is_refused(tmp_path: Path) -> None:
    body = '[[sources.mailboxes]]\nname = "desk"\nimap = "imap://u@imap.exemple.test/INBOX"\n'
    assert problems_of(tmp_path, body) == [
        "sources.mailboxes[0].imap: must start with imaps:// (IMAP over TLS); plain imap:// "
        "would send the password unencrypted"
    ]


def test_imap_needs_a_user(tmp_path: Path) -> None:
    body = '[[sources.mailboxes]]\nname = "desk"\nimap = "imaps://imap.exemple.test/INBOX"\n'
    assert problems_of(tmp_path, body) == [
        "sources.mailboxes[0].imap: has no user name (imaps://USER@host/FOLDER)"
    ]


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ('path = "m"\nimap = "imaps://u@h.example/"', "give either path"),
        ("", "give either path"),
        ('path = "m"\npassword_env = "P"', "password_env is only used with imap"),
    ],
)
def test_mailbox_structure(tmp_path: Path, keys: str, message: str) -> None:
    problems = problems_of(tmp_path, f'[[sources.mailboxes]]\nname = "m"\n{keys}\n')
    assert len(problems) == 1
    assert problems[0].startswith(f"sources.mailboxes[0]: {message}")


def test_duplicate_mailbox_names(tmp_path: Path) -> None:
    body = '[[sources.mailboxes]]\nname = "m"\npath = "a"\n'
    body += '[[sources.mailboxes]]\nname = "m"\npath = "b"\n'
    assert problems_of(tmp_path, body) == [
        'sources.mailboxes[1].name: "m" is listed twice (already at sources.mailboxes[0])'
    ]


def test_log_rules(tmp_path: Path) -> None:
    body = '[[sources.logs]]\npath = ""\nformat = "apache"\n[[sources.logs]]\nsite = "x"\n'
    assert problems_of(tmp_path, body) == [
        "sources.logs[0].path: is empty; give the path of a file or folder",
        "sources.logs[0].format: \"apache\" is not allowed here; use one of 'auto', "
        "'combined', 'common' or 'jsonl'",
        "sources.logs[1].path: is required but missing",
    ]


# --------------------------------------------------------------------------
# Audit settings and Campaign methods
# --------------------------------------------------------------------------


def test_audit_defaults(tmp_path: Path) -> None:
    c = load(tmp_path, "")
    assert c.audit.fail_on is Severity.HIGH
    assert c.audit.dkim_selectors == ()
    assert c.domains == () and c.sources.mailboxes == ()


def test_audit_fail_on(tmp_path: Path) -> None:
    assert load(tmp_path, '[audit]\nfail_on = "Medium"\n').audit.fail_on is Severity.MEDIUM
    assert problems_of(tmp_path, '[audit]\nfail_on = "severe"\n') == [
        "audit.fail_on: \"severe\" is not allowed here; use one of 'info', 'low', 'medium', "
        "'high' or 'critical'"
    ]


def test_all_dkim_selectors(tmp_path: Path) -> None:
    body = '[[domains]]\nname = "a.example"\ndkim_selectors = ["s1", "Google", "s1"]\n'
    body += '[[domains]]\nname = "b.example"\n'
    body += '[audit]\ndkim_selectors = ["default", "google", "selector1"]\n'
    c = load(tmp_path, body)
    assert c.domains[0].dkim_selectors == ("s1", "google")
    assert c.all_dkim_selectors("a.example") == ["s1", "google", "default", "selector1"]
    assert c.all_dkim_selectors(c.domains[0]) == ["s1", "google", "default", "selector1"]
    assert c.all_dkim_selectors("B.example.") == ["default", "google", "selector1"]
    assert c.all_dkim_selectors("not-ours.example") == ["default", "google", "selector1"]


def test_domains_with_role(example: Campaign) -> None:
    assert [d.name for d in example.domains_with_role("mail")] == [
        "mouvement-exemple.example",
        "mouvement-exemple.test",
    ]
    assert "exemple2027.example" in [d.name for d in example.domains_with_role("web")]
    with pytest.raises(ValueError, match="unknown domain role"):
        example.domains_with_role("mial")


def test_models_are_frozen(example: Campaign) -> None:
    with pytest.raises(ValidationError):
        example.domains[0].name = "other.example"
    with pytest.raises(ValidationError):
        Domain(name="a.example", colour="blue")  # type: ignore[call-arg]
    assert hash(example) == hash(load_campaign(EXAMPLE))


def test_python_construction_checks_duplicates() -> None:
    with pytest.raises(ValidationError, match="listed twice"):
        Campaign(
            organisation={"name": "x"},  # type: ignore[arg-type]
            domains=[Domain(name="a.example"), Domain(name="A.example")],  # type: ignore[arg-type]
        )


def test_every_field_has_a_description() -> None:
    models = [
        v
        for v in vars(campaign_module).values()
        if isinstance(v, type)
        and issubclass(v, BaseModel)
        and v.__module__ == campaign_module.__name__
    ]
    assert len(models) == 13
    for model in models:
        assert model.model_config.get("frozen") is True, model
        assert model.model_config.get("extra") == "forbid", model
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name}"


# --------------------------------------------------------------------------
# Unknown keys, many errors at once, plain messages
# --------------------------------------------------------------------------


def test_unknown_keys(tmp_path: Path) -> None:
    body = '[[domains]]\nnmae = "a.example"\n[domain]\nname = "b.example"\n'
    assert problems_of(tmp_path, body) == [
        "domains[0].name: is required but missing",
        'domains[0].nmae: unknown key (did you mean "name"? allowed here: name, roles, '
        "dkim_selectors, note)",
        'domain: unknown key (did you mean "domains"? allowed here: organisation, domains, '
        "websites, people, calendar, sources, audit, mail, logs, timeline)",
    ]


def test_unknown_key_with_odd_name_is_quoted(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, '[audit]\n"fail on" = "high"\n')
    assert problems[0].startswith('audit."fail on": unknown key')


def test_several_errors_reported_at_once(tmp_path: Path) -> None:
    body = "\n".join(
        [
            '[[domains]]\nname = "exa mple.org"',
            '[[domains]]\nname = "b.example"\nroles = ["defensive", "mail"]',
            '[[calendar]]\nname = "E"\nkind = "vote"\nstart = 2027-04-25',
            '[[calendar]]\nname = "F"\nkind = "round"\nstart = 2027-04-25\nend = 2027-04-24',
            '[audit]\nfail_on = "loud"\ncolour = "red"',
        ]
    )
    problems = problems_of(tmp_path, body)
    assert [p.split(":")[0] for p in problems] == [
        "domains[0].name",
        "domains[1].roles",
        "calendar[0].kind",
        "calendar[1].end",
        "audit.fail_on",
        "audit.colour",
    ]
    path = tmp_path / "c.toml"
    with pytest.raises(CampaignError) as info:
        load_campaign(path)
    message = str(info.value)
    assert message.splitlines()[0] == (
        f'{path}: domains[0].name: "exa mple.org" is not a valid domain name '
        "(label contains a space)"
    )
    assert len(message.splitlines()) == 6
    for word in ("pydantic", "Traceback", "Input should", "errors.pydantic.dev"):
        assert word not in message


def test_wrong_value_types_in_plain_words(tmp_path: Path) -> None:
    body = '[[domains]]\nname = 5\nnote = ["x"]\n[[websites]]\n"url" = true\n'
    body += '[sources]\nmailboxes = "inbox"\n'
    assert problems_of(tmp_path, body) == [
        "domains[0].name: should be text in quotes, not a number",
        "domains[0].note: should be text in quotes, not a list",
        "websites[0].url: should be text in quotes, not true/false",
        "sources.mailboxes: should be a list of tables: write [[sources.mailboxes]] for each entry",
    ]


def test_section_as_value(tmp_path: Path) -> None:
    assert problems_of(tmp_path, 'organisation = "Mouvement"\n', header=False) == [
        "organisation: should be a table (key = value lines), not text"
    ]


# --------------------------------------------------------------------------
# Reading the file
# --------------------------------------------------------------------------


def test_toml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, '[[domains]]\nname = "a.example\nroles = ["web"]\n')
    assert problems == ["line 5, column 18: TOML syntax error (Illegal character '\\n')"]


def test_toml_invalid_value_line(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, "[[domains]]\nname = a.example\n")
    assert len(problems) == 1
    assert problems[0].startswith("line 5, column 8: TOML syntax error (Invalid value")


def test_toml_duplicate_key(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, '[[domains]]\nname = "a.example"\nname = "b.example"\n')
    assert problems == [
        "line 6, column 19: TOML syntax error (Cannot overwrite a value; this key or table is "
        "already defined above)"
    ]


def test_toml_unclosed_at_end(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, '[[domains]]\nname = "a.example"\nroles = ["web",\n')
    assert len(problems) == 1
    assert problems[0].startswith("end of file: TOML syntax error (")
    assert "not closed" in problems[0]


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(CampaignError) as info:
        load_campaign(path)
    assert info.value.problems == ["file not found (check the path)"]
    assert str(info.value) == f"{path}: file not found (check the path)"


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(CampaignError) as info:
        load_campaign(str(tmp_path))
    assert info.value.path == str(tmp_path)
    assert info.value.problems == ["is a folder, not a campaign file"]


def test_oversized_file(tmp_path: Path) -> None:
    path = write(tmp_path, "#" * MAX_CAMPAIGN_FILE_SIZE + "\n")
    with pytest.raises(CampaignError) as info:
        load_campaign(path)
    assert len(info.value.problems) == 1
    assert info.value.problems[0].startswith("is larger than 1 MiB")


def test_file_just_under_the_limit_loads(tmp_path: Path) -> None:
    padding = "#" * (MAX_CAMPAIGN_FILE_SIZE - len(HEADER) - 1) + "\n"
    path = write(tmp_path, padding)
    assert path.stat().st_size == MAX_CAMPAIGN_FILE_SIZE
    assert load_campaign(path).organisation.name == "Mouvement Exemple"


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes(b'[organisation]\nname = "Mouvement \xe9t\xe9"\n')
    with pytest.raises(CampaignError) as info:
        load_campaign(path)
    assert info.value.problems == [
        "line 2: is not UTF-8 text (byte 0xe9); save the file as UTF-8 in your editor"
    ]


def test_utf8_with_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes(b"\xef\xbb\xbf" + HEADER.encode())
    assert load_campaign(path).organisation.name == "Mouvement Exemple"


def test_calendar_times_are_aware(example: Campaign) -> None:
    for ev in example.calendar:
        assert isinstance(ev.start, datetime) and ev.start.tzinfo is not None
        assert ev.end is None or ev.end.tzinfo is not None


def test_absurdly_nested_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("a = " + "[" * 50_000 + "\n", encoding="utf-8")
    with pytest.raises(CampaignError) as info:
        load_campaign(path)
    assert info.value.problems == ["is nested too deeply to be a campaign file"]


def test_mail_section(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[organisation]\nname = "P"\n[mail]\nauthserv_ids = ["MX.Example.org", "mx.example.org"]'
        '\nrelays = ["mx.example.org"]\nfail_on = "phishing"\n'
    )
    mail = load_campaign(path).mail
    assert mail.authserv_ids == ("mx.example.org",)
    assert (mail.relays, mail.fail_on) == (("mx.example.org",), "phishing")
    path.write_text('[organisation]\nname = "P"\n[mail]\nauthserv_ids = ["a b"]\nfail_on = "x"\n')
    with pytest.raises(CampaignError) as info:
        load_campaign(path)
    problems = info.value.problems
    assert any(p.startswith("mail.authserv_ids[0]:") for p in problems), problems
    assert any(p.startswith("mail.fail_on:") for p in problems), problems


def test_logs_section(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[organisation]\nname = "P"\n[logs]\nallow = ["192.0.2.10", "10.1.2.3/8", '
                    '"2001:db8::1/64"]\nfail_on = "Medium"\n')  # fmt: skip
    logs = load_campaign(path).logs
    assert logs.allow == ("192.0.2.10/32", "10.0.0.0/8", "2001:db8::/64")
    assert logs.fail_on is Severity.MEDIUM
    path.write_text('[organisation]\nname = "P"\n[logs]\nallow = ["monitoring.example"]\n')
    with pytest.raises(CampaignError) as info:
        load_campaign(path)
    assert info.value.problems == [
        'logs.allow[0]: "monitoring.example" is not an IP address or network (like 203.0.113.0/24)'
    ]
