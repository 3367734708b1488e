"""Personal data on the website: exact counts on annotated samples, redaction, limits.

Every sample is built here from fake people (``.example`` domains, IBANs whose
checksum is computed by :func:`make_iban`), so the tests know each raw value and
can check that none of them leaks into the report.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date, timedelta

import pytest

from rempart.audit.site.pii import SPECS, PiiReport, iban_checksum_ok, observations, scan
from rempart.model import Severity

URL = "https://parti.example/admin/export.csv"
SITE = "parti.example"


# --- helpers: fake people -------------------------------------------------


def make_iban(country: str, bban: str) -> str:
    """A compact IBAN with correct ISO 13616 check digits (computed independently)."""
    numeric = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(numeric) % 97:02d}{bban}"


def spaced(iban: str) -> str:
    """The IBAN printed in groups of four, as on a RIB."""
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def broken(iban: str) -> str:
    """The same IBAN with one digit of the account changed: the checksum fails."""
    last = iban[-1]
    return iban[:-1] + ("0" if last != "0" else "1")


FIRST = ["Jean", "Marie", "Ahmed", "Léa", "Paul", "Inès", "Hugo", "Chloé", "Yanis", "Emma"]
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand"]


@dataclasses.dataclass
class Member:
    """One fake member and the raw values the export shows for them."""

    name: str
    email: str
    phone: str
    birth: str
    address: str
    iban: str


def members(n: int = 300) -> list[Member]:
    """``n`` fake members; one in 25 pays by direct debit (has an IBAN).

    Phones alternate between four spellings of French numbers, IBANs between
    compact and grouped, so normalisation is exercised while every value stays
    distinct.
    """
    people = []
    for i in range(n):
        first, last = FIRST[i % len(FIRST)], LAST[i % len(LAST)]
        digits = f"06{i // 100 + 10:02d}{i % 100:02d}{(i * 7) % 100:02d}{i % 97:02d}"
        phone = [
            " ".join(digits[j : j + 2] for j in range(0, 10, 2)),
            ".".join(digits[j : j + 2] for j in range(0, 10, 2)),
            digits,
            "+33 " + digits[1] + " " + " ".join(digits[j : j + 2] for j in range(2, 10, 2)),
        ][i % 4]
        born = date(1950, 1, 1) + timedelta(days=37 * i)
        iban = make_iban("FR", f"3000600001{i:011d}{i % 97:02d}") if i % 25 == 0 else ""
        people.append(
            Member(
                name=f"{first} {last}",
                email=f"{first.lower()}.{last.lower()}{i}@adherents.example",
                phone=phone,
                birth=born.strftime("%d/%m/%Y"),
                address=f"{i + 1} rue de la République, 750{i % 20 + 1:02d} Paris",
                iban=(spaced(iban) if i % 2 else iban),
            )
        )
    return people


def members_csv(people: list[Member]) -> str:
    """A members export as a careless volunteer leaves it in the web root."""
    lines = ["nom;email;telephone;date_naissance;adresse;iban"]
    lines += [f'{m.name};{m.email};{m.phone};{m.birth};"{m.address}";{m.iban}' for m in people]
    return "\n".join(lines) + "\n"


def raw_values(people: list[Member]) -> list[str]:
    """Every personal value of the export, as written and as normalised."""
    values: list[str] = []
    for m in people:
        values += [m.email, m.email.lower(), m.phone, re.sub(r"\D", "", m.phone), m.birth]
        values += [m.address, m.address.split(",")[0]]
        if m.iban:
            values += [m.iban, m.iban.replace(" ", "")]
    return values


def leaked(report: PiiReport, texts: list[str], values: list[str]) -> list[str]:
    """Raw values found verbatim in any sample or text (should be none)."""
    haystack = "\n".join([*report.samples, repr(report), *texts])
    return [v for v in values if v and v in haystack]


# --- the members' export ----------------------------------------------------


def test_members_export_counts_every_kind_exactly() -> None:
    people = members()
    report = scan(members_csv(people))
    assert (report.emails, report.phones, report.ibans) == (300, 300, 12)
    assert (report.birthdates, report.addresses) == (300, 300)
    assert report.people_estimate == 300
    assert report.total == 300 * 4 + 12
    assert not report.cut
    assert report.describe() == (
        "300 e-mail addresses, 300 phone numbers, 12 IBANs, 300 dates of birth, "
        "300 postal addresses"
    )


def test_members_export_is_exposed_critical() -> None:
    report = scan(members_csv(members()))
    [obs] = observations(URL, report, scope=SITE)
    assert obs.check == "site.pii.exposed"
    assert obs.target == URL
    params = dict(obs.params)
    assert params["count"] == "300"
    assert params["url"] == URL
    assert params["kinds"] == report.describe()
    assert report.describe() in obs.evidence
    assert all(sample in obs.evidence for sample in report.samples)


def test_duplicate_rows_and_case_do_not_inflate_counts() -> None:
    people = members(30)
    text = members_csv(people)
    again = members_csv(people).splitlines()[1:]
    text += "\n".join(line.upper().replace("@ADHERENTS.EXAMPLE", "@Adherents.Example")
                      for line in again[:10])  # fmt: skip
    report = scan(text)
    assert report.emails == 30
    assert report.birthdates == 30


def test_redaction_never_shows_a_full_value() -> None:
    people = members()
    report = scan(members_csv(people))
    [obs] = observations(URL, report, scope=SITE)
    assert 0 < len(report.samples) <= 5
    assert leaked(report, [obs.evidence, *dict(obs.params).values()], raw_values(people)) == []


def test_samples_are_redacted_in_the_documented_shapes() -> None:
    report = scan(members_csv(members()))
    shapes = {
        "email": r"[a-z0-9]\*\*\*@[a-z0-9]\*\*\*\.[a-z]+",
        "phone": r"0\d \*\* \*\* \*\* \d\d",
        "iban": r"[A-Z]{2}\*\* \*\*\*\* … [A-Z0-9]{4}",
        "birth": r"\*\*/\*\*/\d{4}",
        "address": r"\d+ rue \*\*\*",
    }
    for sample in report.samples:
        assert any(re.fullmatch(p, sample) for p in shapes.values()), sample
    assert {k for k, p in shapes.items() if any(re.fullmatch(p, s) for s in report.samples)} == (
        set(shapes)
    )
    iban_sample = next(s for s in report.samples if s.startswith("FR**"))
    assert iban_sample == "FR** **** … " + make_iban("FR", "3000600001" + "0" * 11 + "00")[-4:]


def test_report_holds_only_counts_and_redacted_samples() -> None:
    report = scan(members_csv(members(40)))
    kinds = {f.name: type(getattr(report, f.name)) for f in dataclasses.fields(report)}
    assert kinds == {
        "emails": int, "phones": int, "ibans": int, "birthdates": int, "addresses": int,
        "samples": tuple, "cut": bool,
    }  # fmt: skip
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.emails = 0  # type: ignore[misc]


# --- pages that must not be flagged ------------------------------------------

CONTACT_PAGE = """<!doctype html><html><body>
<h1>Contactez-nous</h1>
<p>Service de presse : <a href="mailto:presse@parti.example">presse@parti.example</a>,
   relations presse <a href="mailto:Relations.Presse@parti.example">
   relations.presse@parti.example</a></p>
<p>Standard : <a href="tel:+33145678900">01 45 67 89 00</a></p>
<p>Siège : 12 rue de la Paix, 75002 Paris</p>
<p>Faire un don par virement : IBAN FR76 3000 6000 0112 3456 7890 189</p>
<img src="/img/logo@2x.png" srcset="/img/logo@3x.webp 3x">
</body></html>"""


def test_contact_page_is_counted_but_not_flagged() -> None:
    report = scan(CONTACT_PAGE)
    assert (report.emails, report.phones, report.addresses, report.ibans) == (2, 1, 1, 1)
    assert report.birthdates == 0
    assert observations("https://parti.example/contact", report, scope=SITE) == []


def test_federations_directory_without_sensitive_data_is_not_some() -> None:
    page = "\n".join(
        f"<li>Fédération {n} : federation{n}@parti.example — 0{n % 5 + 1} 23 45 67 {n:02d}</li>"
        for n in range(1, 16)
    )
    report = scan(page)
    assert (report.emails, report.phones) == (15, 15)
    assert observations("https://parti.example/federations", report, scope=SITE) == []


def test_single_candidate_biography_is_not_flagged() -> None:
    bio = (
        "<p>Marie Exemple, née le 4 juillet 1971 à Nantes, conseillère régionale. "
        "Contact : marie@parti.example, equipe@parti.example, presse@parti.example, "
        "02 40 00 00 01.</p>"
    )
    report = scan(bio)
    assert (report.birthdates, report.emails) == (1, 3)
    assert observations("https://parti.example/candidats", report, scope=SITE) == []


# --- a small leak ---------------------------------------------------------------

FIVE_MEMBERS = """<html><body><h2>Bureau de la section</h2><ul>
<li>Jean Martin — né le 03/02/1961 — tél. 06 11 22 33 01</li>
<li>Léa Petit — née le 14 mars 1988 — tél. 06 11 22 33 02</li>
<li>Paul Durand — date de naissance : 1979-12-31 — tél. +33 6 11 22 33 03</li>
<li>Inès Robert — DOB 28.02.1990 — tél. 06.11.22.33.04</li>
<li>Hugo Thomas — birth date: July 4, 1966 — tél. 0611223305</li>
</ul></body></html>"""


def test_five_members_with_birthdates_and_phones_is_some() -> None:
    report = scan(FIVE_MEMBERS)
    assert (report.birthdates, report.phones, report.emails) == (5, 5, 0)
    [obs] = observations("https://parti.example/section", report, scope=SITE)
    assert obs.check == "site.pii.some"
    assert dict(obs.params)["count"] == "5"
    raws = ["03/02/1961", "14 mars 1988", "1979-12-31", "28.02.1990", "July 4, 1966"]
    assert leaked(report, [obs.evidence], [*raws, "06 11 22 33 01", "0611223305"]) == []


def test_some_needs_two_sensitive_values() -> None:
    one = PiiReport(emails=10, phones=10, ibans=1)
    assert observations(URL, one, scope=SITE) == []
    two = PiiReport(emails=3, ibans=1, birthdates=1)
    assert [o.check for o in observations(URL, two, scope=SITE)] == ["site.pii.some"]
    few_people = PiiReport(birthdates=2)
    assert observations(URL, few_people, scope=SITE) == []


def test_thresholds_of_exposed() -> None:
    assert observations(URL, PiiReport(emails=19), scope=SITE) == []
    [obs] = observations(URL, PiiReport(emails=20), scope=SITE)
    assert obs.check == "site.pii.exposed"


def test_nothing_reported_behind_a_login() -> None:
    report = scan(members_csv(members(50)))
    assert observations(URL, report, scope=SITE, login_required=True) == []
    assert observations(URL, PiiReport(birthdates=5), scope=SITE, login_required=True) == []


# --- IBANs ------------------------------------------------------------------------


def test_iban_checksum_helper_agrees_with_known_examples() -> None:
    assert iban_checksum_ok("FR7630006000011234567890189")
    assert iban_checksum_ok("DE89370400440532013000")
    assert iban_checksum_ok("GB82WEST12345698765432")
    assert not iban_checksum_ok("FR7630006000011234567890188")
    assert make_iban("DE", "370400440532013000") == "DE89370400440532013000"


def test_only_ibans_with_a_valid_checksum_and_length_count() -> None:
    good = {
        c: make_iban(c, b)
        for c, b in {
            "FR": "20041010050500013M02606", "BE": "539007547034", "DE": "370400440532013000",
            "ES": "21000418450200051332", "IT": "X0542811101000000123456",
            "NL": "ABNA0417164300", "LU": "0019400644750000", "CH": "00762011623852957",
            "GB": "WEST12345698765432", "PT": "000201231234567890154",
            "IE": "AIBK93115212345678", "AT": "1904300234573201",
        }.items()
    }  # fmt: skip
    bad = [broken(v) for v in good.values()]
    short_fr = make_iban("FR", "2004101005050001")  # valid checksum, FR needs 27 chars
    other = make_iban("VA", "001123000012345678")  # Vatican: not in the table, 22 chars
    text = "\n".join(
        [f"RIB {spaced(v)} BIC XXXXFRPP" for v in good.values()]
        + [f"IBAN: {v}" for v in bad]
        + [f"compte {short_fr}", f"IBAN {other}", "FR00 0000 0000 0000 0000 0000 000"]
    )
    report = scan(text)
    assert report.ibans == len(good) + 1


def test_grouped_iban_followed_by_a_word_is_still_found() -> None:
    be = make_iban("BE", "539007547034")
    report = scan(f"Virement sur {spaced(be)} CODE BIC GEBABEBB")
    assert report.ibans == 1


def test_same_iban_spaced_and_compact_counts_once() -> None:
    iban = make_iban("FR", "30006000011234567890189")
    assert scan(f"{iban}\n{spaced(iban)}\n{spaced(iban)}").ibans == 1


# --- dates of birth ------------------------------------------------------------


def test_events_calendar_dates_are_not_birthdates() -> None:
    start = date(2026, 1, 5)
    days = [start + timedelta(days=7 * k) for k in range(50)]
    page = "<h1>Agenda de la campagne</h1>" + "".join(
        f"<p>{d.strftime('%d/%m/%Y')} — réunion publique, salle des fêtes</p>" for d in days
    )
    report = scan(page)
    assert report.birthdates == 0
    assert report.phones == 0


def test_each_birthdate_form_next_to_each_keyword() -> None:
    text = "\n".join(
        [
            "Né le 12 mars 1985 à Lyon.",
            "née le 1er avril 1990",
            "Date de naissance : 1975-06-30",
            "DOB: 03/04/1968",
            "date of birth 5 August 1959",
            "Birthdate — September 9th, 1999",
            '{"birthDate": "2001-02-03", "created": "2024-05-06"}',
            '{"date_naissance":"14-07-1989"}',
            "naissance : 21.01.1955",
        ]
    )
    assert scan(text).birthdates == 9


def test_dates_far_from_the_keyword_or_impossible_are_not_counted() -> None:
    text = "\n".join(
        [
            "Date de naissance\n\n\n" + " " * 60 + "12/03/1985",  # > 40 chars, other line
            "naissance " + "x" * 130 + " 13/03/1985",  # same line but too far
            "birthday party of the movement on 01/09/2099",  # future date
            "né le 31/02/1980",  # no such day
            "12/03/1985 inscrit sans date de naissance connue",  # date before keyword
        ]
    )
    assert scan(text).birthdates == 0


def test_only_the_first_date_after_a_keyword_counts() -> None:
    assert scan("Né le 02/03/1970, adhérent depuis le 01/09/2015.").birthdates == 1


def test_birthdate_column_in_csv_with_other_date_columns() -> None:
    csv_text = "date_adhesion,nom,dob,ville\n" + "".join(
        f'2020-01-{k + 1:02d},"Nom, {k}",19{60 + k}-05-0{k % 9 + 1},Lyon\n' for k in range(25)
    )
    report = scan(csv_text)
    assert report.birthdates == 25


def test_birthdate_column_in_html_table() -> None:
    rows = "".join(
        f"<tr>\n  <td>Membre {k}</td>\n  <td>0{k + 1}/01/1980</td>\n"
        f"  <td>2023-01-0{k + 1}</td>\n</tr>\n"
        for k in range(9)
    )
    page = (
        "<html><table><thead><tr><th>Nom</th><th>Date de naissance</th>"
        f"<th>Adhésion</th></tr></thead>\n<tbody>{rows}</tbody></table></html>"
    )
    assert scan(page).birthdates == 9


def test_label_and_value_in_html_cells() -> None:
    page = (
        "<html><table><tr><td>Nom</td><td>Exemple</td></tr>"
        "<tr><td>Date de naissance :</td><td>12/03/1985</td></tr></table></html>"
    )
    assert scan(page).birthdates == 1


def test_birthdate_column_in_sql_dump() -> None:
    rows = ",\n".join(
        f"({k}, 'O''Exemple {k}', 'm{k}@adherents.example', '2024-01-01', '19{50 + k}-03-12')"
        for k in range(30)
    )
    dump = (
        "CREATE TABLE membres (id int, nom text, email text, adhesion date, "
        "date_naissance date);\n"
        "INSERT INTO `membres` (`id`, `nom`, `email`, `adhesion`, `date_naissance`) "
        f"VALUES\n{rows};\n"
    )
    report = scan(dump)
    assert (report.birthdates, report.emails) == (30, 30)


# --- phones ---------------------------------------------------------------------


def test_one_french_number_in_every_spelling_counts_once() -> None:
    spellings = [
        "06 12 34 56 78", "06.12.34.56.78", "06-12-34-56-78", "0612345678",
        "+33 6 12 34 56 78", "+33612345678", "0033 6 12 34 56 78", "+33 (0)6 12 34 56 78",
    ]  # fmt: skip
    report = scan(" ; ".join(spellings))
    assert report.phones == 1
    assert report.samples == ("06 ** ** ** 78",)


def test_international_numbers() -> None:
    text = "London +44 20 7946 0958, New York +1 (212) 555-0142, Berlin +49 30 12345678."
    report = scan(text)
    assert report.phones == 3
    assert "+44 ** … 58" in report.samples


def test_prices_order_numbers_ids_and_years_are_not_phones() -> None:
    text = "\n".join(
        [
            "Prix : 1 234,56 € — total 12345,67 EUR",
            "Commande n° 2024-000123, facture 20240612-0001",
            "ID 12345678901 ; SIRET 123 456 789 00012 ; ref-0612345678",
            "Années : 2019 2020 2021 2022 2023",
            "Objectif : +15 000 000 € ; +150 000 adhérents ; +1 500 000 000 $",
            "Croissance +12,5 % ; score 3.0612345678",
            "Dates : 01/02/2024, 01.02.2024, 2024-06-12, 10:30",
            "Long : 1234567890123456789012345",
            "Hash : 0a1b2c3d4e5f60718293a4b5c6d7e8f9",
        ]
    )
    assert scan(text).phones == 0


# --- e-mails and addresses ------------------------------------------------------


def test_emails_skip_image_names_and_fold_case() -> None:
    text = (
        "a@parti.example A@PARTI.EXAMPLE b.c+tag@sub.parti.test logo@2x.png "
        "icon@3x.jpg noreply@parti.example x@localhost user@host.123"
    )
    report = scan(text)
    assert report.emails == 3  # a@, b.c+tag@, noreply@ — not images, no TLD-less hosts


def test_addresses_counted_distinctly() -> None:
    text = "\n".join(
        [
            "Siège : 12 rue de la Paix, 75002 Paris",
            "12 RUE DE LA PAIX",  # same street, other case
            "Permanence : 3 bd Saint-Michel",
            "Local : 8 bis avenue Jean Jaurès 69007 Lyon",
            "Antenne : 33000 Bordeaux",
            "40 allée des Tilleuls",
        ]
    )
    assert scan(text).addresses == 5


def test_things_that_look_like_addresses_but_are_not() -> None:
    text = (
        "3 places disponibles, 2 cours de français, 10000 Euros récoltés, "
        "en 2024 Route du Rhum, 15000 Militants mobilisés"
    )
    assert scan(text).addresses == 0


# --- limits ------------------------------------------------------------------------


def test_cut_flag_when_over_the_limit() -> None:
    text = "a@parti.example " + "x" * 1000 + " b@parti.example"
    report = scan(text, limit_chars=500)
    assert report.cut
    assert report.emails == 1
    [obs] = observations(URL, dataclasses.replace(report, emails=25), scope=SITE)
    assert "only the start" in obs.evidence
    full = scan(text, limit_chars=len(text))
    assert not full.cut
    assert full.emails == 2


ADVERSARIAL = {
    "letters then at": "a" * 100_000 + "@",
    "at after at": "a@" * 100_000,
    "dots then at": "a." * 100_000 + "@x.example",
    "domain labels": "x@" + "y." * 100_000,
    "digit run": "1" * 500_000,
    "zero run": "0" * 500_000,
    "plus run": "+" * 100_000,
    "plus digits": "+1 " * 100_000,
    "iban prefixes": "FR76" * 100_000,
    "iban groups": "FR76 " + "AAAA " * 100_000,
    "keywords": "dob " * 200_000,
    "keyword cells": "dob;" * 200_000,
    "csv rows": "nom;dob\n" + "x;1/1/1980\n" * 50_000,
    "streets": "1 rue " * 100_000,
    "street names": "1 rue A " * 100_000,
    "postcodes": "75001 " * 100_000,
    "open tags": "<table " + "<" * 100_000,
    "sql parens": "INSERT INTO t (dob) VALUES " + "(" * 100_000,
    "phone separators": "06" + " 1" * 100_000,
}


@pytest.mark.timeout(10)
@pytest.mark.parametrize("text", ADVERSARIAL.values(), ids=ADVERSARIAL.keys())
def test_adversarial_inputs_finish_quickly(text: str) -> None:
    report = scan(text)
    assert report.people_estimate <= 1


@pytest.mark.timeout(10)
def test_two_megabytes_of_mixed_text() -> None:
    block = members_csv(members(300)) + CONTACT_PAGE + FIVE_MEMBERS + "x " * 5000
    text = (block * (2_000_000 // len(block) + 1))[:2_000_000]
    report = scan(text)
    assert report.emails == 300 + 2
    assert not report.cut


# --- the report and the registry entries ---------------------------------------------


def test_describe_and_totals() -> None:
    assert PiiReport().describe() == "no personal data"
    assert PiiReport().people_estimate == 0
    one = PiiReport(emails=1, phones=1, ibans=1, birthdates=1, addresses=1)
    assert one.describe() == (
        "1 e-mail address, 1 phone number, 1 IBAN, 1 date of birth, 1 postal address"
    )
    assert one.total == 5
    report = PiiReport(emails=312, phones=298, ibans=12, birthdates=300)
    assert report.describe() == (
        "312 e-mail addresses, 298 phone numbers, 12 IBANs, 300 dates of birth"
    )
    assert report.people_estimate == 312


def test_specs_say_what_to_do() -> None:
    specs = {s.id: s for s in SPECS}
    assert set(specs) == {"site.pii.exposed", "site.pii.some"}
    assert specs["site.pii.exposed"].severity is Severity.CRITICAL
    assert specs["site.pii.some"].severity is Severity.MEDIUM
    report = scan(members_csv(members(25)))
    [obs] = observations(URL, report, scope=SITE)
    for spec in SPECS:
        text = spec.remediation.format_map(dict(obs.params))
        assert URL in text and "25 people" in text and report.describe() in text
        for needed in ("authentication", "web root", "logs", "72 hours", "art. 33", "art. 9"):
            assert needed in text, (spec.id, needed)
        assert spec.references == (
            "GDPR art. 9",
            "GDPR art. 33",
            "CNIL, public warning to a political party over its website, October 2016",
        )
        assert spec.why.endswith(".") and spec.why.count(". ") == 0
