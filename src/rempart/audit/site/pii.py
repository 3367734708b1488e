"""Personal data visible on the party's website: count it, never keep it.

In October 2016 the CNIL publicly warned a French party whose website let anyone reach
a back-office listing tens of thousands of members. :func:`scan` looks through
one fetched page or file (HTML, CSV, JSON, SQL…) for e-mail addresses, phone
numbers, IBANs, dates of birth and postal addresses, and returns only *counts*
and a few *redacted* samples; :func:`observations` turns that into audit
observations. Every regular expression is precompiled and written so that it
cannot backtrack catastrophically; the text scanned is capped at
``limit_chars`` characters.
"""

from __future__ import annotations

import csv
import html
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from rempart.audit.spec import CheckSpec
from rempart.model import Observation, Severity

__all__ = ["IBAN_LENGTHS", "SPECS", "PiiReport", "iban_checksum_ok", "observations", "scan"]

MAX_SAMPLES = 5
"""At most this many redacted samples in a report."""
EXPOSED_AT = 20
"""From this many people on a public page, the page is a members' file."""
SOME_AT = 3
"""Below :data:`EXPOSED_AT`, from this many people a page may be worth a look."""
SENSITIVE_AT = 2
"""Dates of birth plus IBANs needed before a small page is reported."""

# --- e-mail addresses -----------------------------------------------------
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._+-])([A-Za-z0-9._+-]{1,64})@"
    r"([A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8})"
)
_TLD = re.compile(r"[A-Za-z]{2,24}")
_IMAGE_EXT = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "ico", "bmp"})

# --- phone numbers --------------------------------------------------------
_PHONE_FR = re.compile(
    r"(?<![\w+.,/-])(?:"
    r"(?:\+|00)33[ .-]?(?:\(0\)[ .-]?)?[1-9](?P<s1>[ .-]?)\d\d(?:(?P=s1)\d\d){3}"
    r"|0[1-9](?P<s2>[ .-]?)\d\d(?:(?P=s2)\d\d){3}"
    r")(?![\w]|[.,/-]\d)"
)
_PHONE_INTL = re.compile(r"(?<![\w+])\+[1-9](?:[ .-]?\(?\d\)?){6,14}(?![\w]|[ .,/-]?\d)")
_THOUSANDS = re.compile(r"\+\d{1,3}(?:[ .,]\d{3})+")
_MONEY_AFTER = re.compile(r"\s?(?:[€$£%]|(?i:eur(?:os?)?|usd|k)\b)")

# --- IBANs ----------------------------------------------------------------
_IBAN = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{2}\d\d"
    r"(?:(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?|[A-Z0-9]{11,30})(?![A-Za-z0-9])"
)
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
    "BH": 22, "BR": 29, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18,
    "DO": 28, "EE": 20, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22,
    "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23,
    "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LI": 21, "LT": 20,
    "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31,
    "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
    "RO": 24, "RS": 22, "SA": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TN": 24,
    "TR": 26, "UA": 29, "VG": 24, "XK": 20,
}  # fmt: skip
"""IBAN length by country (ISO 13616 registry); others must be 15–34 characters."""

# --- dates and dates of birth ---------------------------------------------
_MONTHS: dict[str, int] = {
    "janvier": 1, "janv": 1, "février": 2, "fevrier": 2, "févr": 2, "fevr": 2,
    "mars": 3, "avril": 4, "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7,
    "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12, "déc": 12,
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3,
    "april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7,
    "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9, "october": 10,
    "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip


def _trie(words: list[str]) -> str:
    """One regex alternation for ``words``, shaped as a prefix tree: at each position
    the engine tests one character class instead of every word in turn."""
    tree: dict[str, dict] = {}
    for word in words:
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        alts = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        group = "(?:" + "|".join(alts) + ")"
        return group + "?" if "" in node else group

    return emit(tree)


_MONTH = _trie(list(_MONTHS))
_DAY = r"0?[1-9]|[12]\d|3[01]"
_YEAR = r"(?:19|20)\d\d"
_DATE = re.compile(
    rf"(?<![\d/.-])(?:"
    rf"(?P<d1>{_DAY})(?P<sp>[/.-])(?P<m1>0?[1-9]|1[0-2])(?P=sp)(?P<y1>{_YEAR})"
    rf"|(?P<y2>{_YEAR})-(?P<m2>0[1-9]|1[0-2])-(?P<d2>0[1-9]|[12]\d|3[01])"
    rf"|(?P<d3>{_DAY})(?:er|st|nd|rd|th)?\s{{1,3}}(?P<n3>{_MONTH})\.?\s{{1,3}}(?P<y3>{_YEAR})"
    rf"|(?<![^\W\d_])(?P<n4>{_MONTH})\.?\s{{1,3}}(?P<d4>{_DAY})(?:st|nd|rd|th)?,?\s{{1,3}}(?P<y4>{_YEAR})"
    rf")(?!\d)",
    re.IGNORECASE,
)
_BIRTH_WORDS = (  # né(e) le, naissance, date (de) naissance, date of birth, dob, ddn,
    # birth, birthday, birth date — factored by first letter, which is much faster
    r"n(?:ée?\s+le|aissance)|d(?:ate[\s_-]*(?:(?:de[\s_-]*)?naissance|of[\s_-]*birth)|ob|dn)"
    r"|birth(?:[\s_-]*date|day)?"
)
_BIRTH_KW = re.compile(rf"\b(?:{_BIRTH_WORDS})\b", re.IGNORECASE)
_BIRTH_CELL = re.compile(rf"(?:{_BIRTH_WORDS})(?:\s*\(e\))?", re.IGNORECASE)
_BIRTH_HEADER = re.compile(
    rf"(?:^|(?<=[;,\t]))[ \"'`]*(?:{_BIRTH_WORDS})(?:\s*\(e\))?[ \"'`]*(?=[;,\t\r\n]|$)",
    re.IGNORECASE | re.MULTILINE,
)
_NEAR = 40
"""A date this many characters after a birth keyword (across lines) is a birth date."""
_SAME_LINE = 120
"""…or anywhere on the keyword's line up to this many characters after it."""
_SEPARATORS = (";", "\t", ",")
_MAX_HEADER = 4096
"""A CSV or table header line longer than this is not looked for."""

_HTML = re.compile(r"<(?:!doctype\s+html|html|body|table|tr|td|th)\b", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_LINE_END = re.compile(r"</(?:tr|p|div|li|h[1-6]|table)\s*>|<br\s*/?>", re.IGNORECASE)
_CELL_END = re.compile(r"</t[dh]\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]{0,4096}>")
_SQL_INSERT = re.compile(
    r"INSERT\s+INTO\s+[\w`\".\[\]]{1,128}\s*\(([^()]{1,4000})\)\s*VALUES\s*", re.IGNORECASE
)
_SQL_ROW = re.compile(r"\s*\(([^()]{0,8000})\)\s*(,?)")

# --- postal addresses -----------------------------------------------------
_CAP = r"[A-ZÀ-Þ][\w'’-]{0,40}"
_PARTICLE = r"(?i:de\s|du\s|des\s|la\s|le\s|les\s|aux?\s|[dl]['’]\s?)"
_STREET_TYPES = (
    r"rue|avenue|av\.|boulevard|bd|bld|place|pl\.|all[ée]e|chemin|impasse|quai|route|cours"
)
_STREET = re.compile(
    rf"(?<![\w,.])(?P<num>(?!(?:19|20)\d\d\b)\d{{1,4}})(?:\s?(?i:bis|ter)\b)?,?\s+"
    rf"(?P<type>(?i:{_STREET_TYPES}))(?![\w])\s*"
    rf"(?P<name>{_PARTICLE}{{0,3}}{_CAP}(?:[ -]{_PARTICLE}{{0,2}}{_CAP}){{0,4}})"
)
_POSTCODE = re.compile(
    rf"(?<![\w,.])(?P<cp>(?:0[1-9]|[1-8]\d|9[0-8])\d{{3}})\s+"
    rf"(?P<city>{_CAP}(?:[ -](?:{_CAP}|(?i:sur|sous|en|le|la|les|de|du)\b)){{0,4}})"
)
_NOT_CITIES = frozenset(
    {"eur", "euro", "euros", "usd", "km", "habitants", "personnes", "visiteurs", "votes",
     "voix", "adhérents", "militants", "membres", "signatures", "inscrits", "électeurs"}
)  # fmt: skip
_POSTCODE_GAP = 12
"""A postcode this close after a street address belongs to it (``, `` or ``<br>``)."""
_STREET_NAMES = {"av.": "avenue", "bd": "boulevard", "bld": "boulevard", "pl.": "place"}


@dataclass(frozen=True)
class PiiReport:
    """What personal data one page or file shows: counts and redacted samples only."""

    emails: int = 0
    """Distinct e-mail addresses (lowercased)."""
    phones: int = 0
    """Distinct phone numbers (French and international, +33 folded to 0)."""
    ibans: int = 0
    """Distinct IBANs whose ISO 13616 mod-97 checksum is valid."""
    birthdates: int = 0
    """Distinct dates next to a birth keyword or in a birth-date column."""
    addresses: int = 0
    """Distinct French postal addresses (street, or postcode and city)."""
    samples: tuple[str, ...] = ()
    """At most five redacted examples (``j***@p***.example``); never a full value."""
    cut: bool = False
    """True when the text was longer than the scan limit and only its start was read."""

    @property
    def people_estimate(self) -> int:
        """How many people the page seems to concern: a members' list has one e-mail,
        one phone, one date of birth… per person, so the largest count."""
        return max(self.emails, self.phones, self.ibans, self.birthdates, self.addresses)

    @property
    def total(self) -> int:
        """All distinct values found, every kind added up."""
        return self.emails + self.phones + self.ibans + self.birthdates + self.addresses

    def describe(self) -> str:
        """One line, e.g. ``312 e-mail addresses, 298 phone numbers, 12 IBANs``."""
        parts = [
            _plural(n, one, many)
            for n, one, many in (
                (self.emails, "e-mail address", "e-mail addresses"),
                (self.phones, "phone number", "phone numbers"),
                (self.ibans, "IBAN", "IBANs"),
                (self.birthdates, "date of birth", "dates of birth"),
                (self.addresses, "postal address", "postal addresses"),
            )
            if n
        ]
        return ", ".join(parts) if parts else "no personal data"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


# --- the scan -------------------------------------------------------------


class _Found(dict[str, str]):
    """Normalised value → its redacted form, for one kind (local to :func:`scan`)."""

    def __init__(self) -> None:
        super().__init__()
        self.today = date.today()
        """Dates of birth after this day are not dates of birth."""


def scan(text: str, *, limit_chars: int = 2_000_000) -> PiiReport:
    """Count the personal data in the first ``limit_chars`` characters of ``text``.

    Values are kept only in this call's local variables, to deduplicate them and
    redact a few samples; the report holds counts and redacted samples only.
    """
    cut = len(text) > limit_chars
    body = text[:limit_chars] if cut else text
    found = [
        _emails(body),
        _phones(body),
        _ibans(body),
        _birthdates(body),
        _addresses(body),
    ]
    emails, phones, ibans, births, addresses = (len(f) for f in found)
    return PiiReport(emails, phones, ibans, births, addresses, _samples(found), cut)


def _samples(found: list[_Found]) -> tuple[str, ...]:
    """Up to :data:`MAX_SAMPLES` redacted values, taking each kind in turn."""
    columns = [list(f.values())[:MAX_SAMPLES] for f in found]
    picked: list[str] = []
    for row in range(MAX_SAMPLES):
        picked.extend(col[row] for col in columns if row < len(col))
    return tuple(picked[:MAX_SAMPLES])


def _emails(text: str) -> _Found:
    found = _Found()
    for m in _EMAIL.finditer(text):
        local, domain = m.group(1).strip("."), m.group(2).strip("-")
        tld = domain.rsplit(".", 1)[-1]
        if not local or not _TLD.fullmatch(tld) or tld.lower() in _IMAGE_EXT:
            continue
        key = f"{local}@{domain}".lower()
        if key not in found:
            found[key] = f"{local[0]}***@{domain[0]}***.{tld}".lower()
    return found


def _phones(text: str) -> _Found:
    found = _Found()
    for m in _PHONE_FR.finditer(text):
        _add_phone(found, m.group(0))
    for m in _PHONE_INTL.finditer(text):
        raw = m.group(0)
        if _looks_like_amount(raw, text, m.end()):
            continue
        _add_phone(found, raw)
    return found


def _looks_like_amount(raw: str, text: str, end: int) -> bool:
    """``+15 000 000`` or ``+1 200 €``: a figure, not a phone number."""
    digits = sum(c.isdigit() for c in raw)
    if digits < 8:
        return True
    if _MONEY_AFTER.match(text, end):
        return True
    return digits < 11 and _THOUSANDS.fullmatch(raw) is not None


def _add_phone(found: _Found, raw: str) -> None:
    international = raw.startswith(("+", "00"))
    digits = re.sub(r"\D", "", raw.replace("(0)", ""))
    if raw.startswith("00"):
        digits = digits[2:]
    if international and digits.startswith("33") and len(digits) == 11:
        digits, international = "0" + digits[2:], False
    if international and not 8 <= len(digits) <= 15:
        return
    key = "+" + digits if international else digits
    if key not in found:
        found[key] = (
            f"+{digits[:2]} ** … {digits[-2:]}"
            if international
            else f"{digits[:2]} ** ** ** {digits[-2:]}"
        )


def _ibans(text: str) -> _Found:
    found = _Found()
    for m in _IBAN.finditer(text):
        iban = _valid_iban(m.group(0))
        if iban and iban not in found:
            found[iban] = f"{iban[:2]}** **** … {iban[-4:]}"
    return found


def _valid_iban(raw: str) -> str | None:
    """The IBAN ``raw`` starts with, if its length and checksum are right.

    Written in groups, a known country's IBAN may be followed by a word swallowed
    as one more group (``BE68 5390 0754 7034 CODE``): only whole groups up to the
    country's length are kept.
    """
    expected = IBAN_LENGTHS.get(raw[:2])
    compact = raw.replace(" ", "")
    if expected is not None and " " in raw:
        compact = ""
        for group in raw.split(" "):
            compact += group
            if len(compact) >= expected:
                break
    if expected is not None and len(compact) != expected:
        return None
    if not 15 <= len(compact) <= 34:
        return None
    return compact if iban_checksum_ok(compact) else None


def iban_checksum_ok(iban: str) -> bool:
    """ISO 13616 / ISO 7064 mod-97: move the first four characters to the end,
    letters become 10–35, and the number must leave 1 when divided by 97."""
    rearranged = iban[4:] + iban[:4]
    if not rearranged.isalnum() or not rearranged.isascii():
        return False
    remainder = 0
    for ch in rearranged.upper():
        value = int(ch, 36)
        remainder = (remainder * (100 if value > 9 else 10) + value) % 97
    return remainder == 1


# --- dates of birth -------------------------------------------------------


def _birthdates(text: str) -> _Found:
    """Dates near a birth keyword, or in a column headed by one (CSV, HTML, SQL)."""
    found = _Found()
    if not _BIRTH_KW.search(text):
        return found
    view = _table_view(text) if _HTML.search(text) else text
    done = sorted(_sql_birth_columns(view, found) + _header_columns(view, found))
    starts, ends = [a for a, _ in done], [b for _, b in done]
    keywords = [m.end() for m in _BIRTH_KW.finditer(view) if not _inside(m.start(), starts, ends)]
    if len(keywords) * _SAME_LINE <= len(view):
        for pos in keywords:
            m = _DATE.search(view, pos, _window_end(view, pos))
            if m:
                _add_date(found, m)
    else:
        _dates_after_many(view, keywords, found)
    return found


def _window_end(text: str, pos: int) -> int:
    """A date of birth starts within :data:`_NEAR` characters after a keyword ending
    at ``pos``, or further on the same line up to :data:`_SAME_LINE` characters."""
    line_end = text.find("\n", pos, pos + _SAME_LINE)
    return max(pos + _NEAR, pos + _SAME_LINE if line_end < 0 else line_end)


def _dates_after_many(text: str, keywords: list[int], found: _Found) -> None:
    """The windowed search, for texts dense with keywords: every date is found in
    one pass and each keyword takes the first one after it (linear, not n × window)."""
    dates = list(_DATE.finditer(text))
    starts = [m.start() for m in dates]
    for pos in keywords:
        i = bisect_left(starts, pos)
        if i < len(starts) and starts[i] < _window_end(text, pos):
            _add_date(found, dates[i])


def _header_columns(text: str, found: _Found) -> list[tuple[int, int]]:
    """Dates from every CSV or HTML-table column headed by a birth keyword.

    Returns the spans of those header lines, whose keywords need no other reading.
    """
    spans: list[tuple[int, int]] = []
    seen: set[int] = set()
    for kw in _BIRTH_HEADER.finditer(text):
        start = text.rfind("\n", max(0, kw.start() - _MAX_HEADER), kw.start()) + 1
        if start in seen or (start == 0 and kw.start() > _MAX_HEADER):
            continue
        seen.add(start)
        if _column_dates(text, start, found):
            end = text.find("\n", start)
            spans.append((start, len(text) if end < 0 else end))
    return spans


def _table_view(markup: str) -> str:
    """HTML as text: one line per table row or block, cells separated by tabs."""
    flat = _SPACES.sub(" ", markup)
    flat = _LINE_END.sub("\n", flat)
    flat = _CELL_END.sub("\t", flat)
    return html.unescape(_TAG.sub("", flat))


def _add_date(found: _Found, m: re.Match[str]) -> None:
    parsed = _parse_date(m)
    if parsed is not None and parsed <= found.today:
        found.setdefault(parsed.isoformat(), f"**/**/{parsed.year}")


def _parse_date(m: re.Match[str]) -> date | None:
    g = m.groupdict()
    for d, mo, y, name in (("d1", "m1", "y1", ""), ("d2", "m2", "y2", ""),
                           ("d3", "", "y3", "n3"), ("d4", "", "y4", "n4")):  # fmt: skip
        if g[y] is None:
            continue
        month = _MONTHS[g[name].lower()] if name else int(g[mo])
        try:
            return date(int(g[y]), month, int(g[d]))
        except ValueError:
            return None
    return None


def _split(line: str, sep: str, quote: str = '"') -> list[str]:
    """One CSV-like line as cells (quotes and backslash escapes honoured), stripped."""
    reader = csv.reader(
        [line], delimiter=sep, quotechar=quote, escapechar="\\", skipinitialspace=True
    )
    return [cell.strip() for cell in next(reader, [])]


def _header_column(line: str) -> tuple[str, int] | None:
    """(separator, index) when ``line`` is a header with a birth-date column.

    A line that holds a date itself (``Date de naissance;12/03/1985``) is a
    label and its value, not a header.
    """
    for sep in _SEPARATORS:
        if sep not in line:
            continue
        cells = [cell.strip("'\"`") for cell in _split(line, sep)]
        if len(cells) < 2 or any(_DATE.search(cell) for cell in cells):
            continue
        for i, cell in enumerate(cells):
            if _BIRTH_CELL.fullmatch(cell):
                return sep, i
    return None


def _lines_from(text: str, start: int) -> Iterator[str]:
    """The lines of ``text`` from offset ``start`` (lazily; no split of the whole)."""
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        yield text[start:end].rstrip("\r")
        start = end + 1


def _column_dates(text: str, start: int, found: _Found) -> bool:
    """If the line at ``start`` is a header with a birth column, collect its dates."""
    lines = _lines_from(text, start)
    first = next(lines, "")
    header = _header_column(first) if len(first) <= _MAX_HEADER else None
    if header is None:
        return False
    sep, index = header
    for line in lines:
        if sep not in line:
            break
        _cell_date(_split(line, sep), index, found)
    return True


def _cell_date(cells: list[str], index: int, found: _Found) -> None:
    if index < len(cells):
        m = _DATE.match(cells[index].strip("'\""))
        if m:
            _add_date(found, m)


def _sql_birth_columns(text: str, found: _Found) -> list[tuple[int, int]]:
    """Dates of birth from ``INSERT INTO t (…, date_naissance, …) VALUES (…), (…)``.

    Returns the spans of the column lists, so their keywords are not read again.
    """
    spans: list[tuple[int, int]] = []
    if not re.search(r"insert\s+into", text, re.IGNORECASE):
        return spans
    for m in _SQL_INSERT.finditer(text):
        columns = [c.strip('`"[] ') for c in m.group(1).split(",")]
        index = next((i for i, c in enumerate(columns) if _BIRTH_CELL.fullmatch(c)), None)
        if index is None:
            continue
        spans.append(m.span(1))
        _sql_rows(text, m.end(), index, found)
    return spans


def _sql_rows(text: str, pos: int, index: int, found: _Found) -> None:
    while (row := _SQL_ROW.match(text, pos)) is not None:
        _cell_date(_split(row.group(1), ",", "'"), index, found)
        if not row.group(2):
            return
        pos = row.end()


# --- postal addresses -----------------------------------------------------


def _addresses(text: str) -> _Found:
    """Street addresses (with the postcode after them), then lone postcode + city."""
    found = _Found()
    starts: list[int] = []
    ends: list[int] = []
    for m in _STREET.finditer(text):
        kind = m.group("type").lower()
        key = " ".join([m.group("num"), _STREET_NAMES.get(kind, kind), m.group("name").lower()])
        found.setdefault(_SPACES.sub(" ", key), f"{m.group('num')} {kind} ***")
        starts.append(m.start())
        ends.append(m.end() + _POSTCODE_GAP)
    for m in _POSTCODE.finditer(text):
        city = m.group("city")
        if city.split()[0].lower() in _NOT_CITIES or _inside(m.start(), starts, ends):
            continue
        key = f"{m.group('cp')} {_SPACES.sub(' ', city.lower())}"
        found.setdefault(key, f"{m.group('cp')[:2]}*** ***")
    return found


def _inside(pos: int, starts: list[int], ends: list[int]) -> bool:
    """Whether ``pos`` falls in one of the spans ``starts[i]``–``ends[i]`` (sorted)."""
    i = bisect_right(starts, pos)
    return i > 0 and pos < ends[i - 1]


# --- observations ---------------------------------------------------------


def observations(
    url: str, report: PiiReport, *, scope: str, login_required: bool = False
) -> list[Observation]:
    """What the audit reports about personal data seen at ``url``.

    * ``site.pii.exposed`` (critical): at least :data:`EXPOSED_AT` people on a page
      anyone can reach — a members' file, whatever its kinds of data.
    * ``site.pii.some`` (medium): from :data:`SOME_AT` to ``EXPOSED_AT - 1``
      people, *and* at least :data:`SENSITIVE_AT` dates of birth and IBANs
      together. E-mail addresses, phone numbers and postal addresses alone never
      trigger it: a party's contact, press and local-branch pages publish them on
      purpose; nor does a single IBAN (the party's own, for donations) or a
      single date of birth (a candidate's biography).
    * Nothing otherwise, and nothing when the page needs a login
      (``login_required``): data behind authentication is not exposed.

    ``scope`` is the website audited; it is passed on as the ``site`` parameter.
    """
    if login_required:
        return []
    people = report.people_estimate
    if people >= EXPOSED_AT:
        check = "site.pii.exposed"
    elif people >= SOME_AT and report.birthdates + report.ibans >= SENSITIVE_AT:
        check = "site.pii.some"
    else:
        return []
    kinds = report.describe()
    return [
        Observation(
            check=check,
            target=url,
            evidence=_evidence(report),
            params=(("count", str(people)), ("url", url), ("kinds", kinds), ("site", scope)),
        )
    ]


def _evidence(report: PiiReport) -> str:
    text = f"Seen without logging in: {report.describe()}"
    if report.samples:
        text += " — e.g. " + ", ".join(report.samples)
    if report.cut:
        text += " (only the start of the page was scanned: there may be more)"
    return text + "."


_FIX = (
    "put {url} behind authentication or remove it, and delete any member export "
    "(CSV, SQL dump, backup) from the web root. Check the web server's access logs for "
    "who downloaded it and when. If personal data was accessed, notify the CNIL within "
    "72 hours of finding out (GDPR art. 33) and, when the risk to them is high, the "
    "people concerned (art. 34). About {count} people are concerned ({kinds}); party "
    "membership reveals a political opinion, a special category of data under GDPR "
    "art. 9, which makes the breach more serious."
)
_REFERENCES = (
    "GDPR art. 9",
    "GDPR art. 33",
    "CNIL, public warning to a political party over its website, October 2016",
)

SPECS: tuple[CheckSpec, ...] = (
    CheckSpec(
        "site.pii.exposed",
        Severity.CRITICAL,
        "A public page lists personal data of many people",
        "Anyone can download a list that ties named people to the party, with their "
        "contact details, as in the party data leak the CNIL publicly warned about in 2016.",
        "Now: " + _FIX,
        _REFERENCES,
    ),
    CheckSpec(
        "site.pii.some",
        Severity.MEDIUM,
        "A public page shows dates of birth or bank details of several people",
        "Dates of birth and IBANs of members or donors have no place on a public page "
        "and help fraudsters impersonate them.",
        "Unless these people agreed to have this published: " + _FIX,
        _REFERENCES,
    ),
)
"""The website checks of this module, for the audit's registry."""
