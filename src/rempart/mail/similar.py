"""Look-alike domains: does a domain imitate one of the campaign's or a known brand's?

The candidate's registrable domain (``campaign-partty.org``) is compared with
*protected* domains: the campaign's own domains and the legitimate domains of
the brands listed in ``data/brands.json``. Techniques recognised:

* ``homoglyph``: foreign letters that look like Latin ones (Cyrillic ``р``, IDN
  ``xn--`` names decoded), compared through a confusable *skeleton* built from
  the Unicode confusables table (UTS #39) shipped in ``confusable-homoglyphs``;
* ``ascii_lookalike``: ``rn`` for ``m``, ``vv`` for ``w``, ``cl`` for ``d``,
  ``0`` for ``o``, ``1``/``i`` for ``l``;
* ``hyphen``: hyphen removed or added (``partiexemple.fr``);
* ``tld_swap``: same name, another ending (``campaign-party.net``);
* ``edit``: a letter doubled, missing, added, changed or two swapped (Damerau
  OSA distance, threshold growing with the length of the name);
* ``added_words``: the name inside a longer one (``campaign-party-secure.org``,
  ``secure-campaignparty.org``); for brands only next to a lure word
  (``paypal-secure-login.com`` but not ``apple-pie-recipes.com``);
* ``embedded_domain``: the whole protected domain inside another host name
  (``campaign-party.org.evil.com``, ``google.com-login.xyz``);
* ``subdomain``: the name used as a subdomain label (``paypal.login-check.com``);
* ``shared_word``: one word of a campaign domain with a security word and the
  same ending (``mail-party-secure.org`` for ``campaign-party.org``).

False-positive traps, each tested: an exact match or a subdomain of a
protected domain is never a look-alike; a brand's other domains are its own
(``google.de``, ``googlemail.com``); well-known legitimate neighbours are
listed (``mail.com`` is not ``gmail.com``); names of four letters or fewer
(``ing``, ``sfr``, ``ups``) are only matched as a whole word next to a lure
word or through look-alike letters; brand names that are ordinary words
(``free``, ``orange``, ``meta``) only through look-alike letters.

Speed: everything per protected domain is precomputed once per campaign; a
candidate costs a few dictionary look-ups plus one ``rapidfuzz`` pass over the
names of similar length (tens of microseconds).
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from types import MappingProxyType

from rapidfuzz import process
from rapidfuzz.distance import OSA, Levenshtein

from rempart.mail.urls import idna_ascii, idna_unicode, is_ip, registrable

log = logging.getLogger(__name__)

CAMPAIGN = "campaign"
"""Owner name of the campaign's own domains."""

MAX_HOST = 253
"""Host names are cut to this many characters before comparison."""

CACHE_SIZE = 16_384
"""Answers kept per engine (link hosts repeat across messages)."""

TECHNIQUES = (
    "homoglyph",
    "ascii_lookalike",
    "embedded_domain",
    "hyphen",
    "tld_swap",
    "edit",
    "added_words",
    "subdomain",
    "shared_word",
)
"""Every technique, strongest evidence first (used to rank matches)."""


# --- catalogue of brands (data/brands.json) ---------------------------------------


@dataclass(frozen=True)
class Brand:
    """A brand attackers imitate."""

    name: str
    category: str
    """``tech``, ``bank``, ``delivery``, ``government``…"""
    keywords: tuple[tuple[str, ...], ...]
    """Word sequences (normalised, skeleton form) naming it anywhere in a display name."""
    exact: tuple[tuple[str, ...], ...]
    """Word sequences naming it only when they are the whole display name."""
    domains: tuple[str, ...]
    """Its legitimate registrable domains, the main one first."""
    compared: tuple[str, ...]
    """Those that look-alikes are compared with (not the ``other_domains``)."""
    any_tld: frozenset[str]
    """Labels it holds under most country endings (``google`` → ``google.pl`` is
    Google's, but not ``google.tk``: see :func:`country_ending`)."""

    def owns(self, domain: str) -> bool:
        """True if ``domain`` (any host) is one of the brand's."""
        reg = registrable(domain)
        label, _, suffix = reg.partition(".")
        return reg in self.domains or (label in self.any_tld and country_ending(suffix))


@dataclass(frozen=True, eq=False)
class Catalog:
    """The contents of ``data/brands.json``, normalised (hashed by identity)."""

    brands: tuple[Brand, ...]
    helpdesk: Phrases
    """Names of the generic "IT department" class."""
    claims: Phrases
    """Words by which a name speaks for an organisation (service, support…)."""
    filler: frozenset[str]
    lure_words: frozenset[str]
    security_words: frozenset[str]
    freemail: frozenset[str]
    freemail_labels: frozenset[str]
    esp_domains: frozenset[str]
    esp_hosts: tuple[str, ...]
    """Bulk-mail entries below a registrable domain (``bounces.google.com``)."""
    known_domains: frozenset[str]
    generic_labels: frozenset[str]
    by_domain: Mapping[str, Brand]
    """Registrable domain → the brand owning it."""
    by_label: Mapping[str, Brand]
    """Label held under any ending (``google``) → the brand."""

    def brand_of(self, domain: str) -> Brand | None:
        """The brand owning ``domain`` (any host), or None."""
        reg = registrable(domain)
        label, _, suffix = reg.partition(".")
        brand = self.by_domain.get(reg)
        if brand is None and country_ending(suffix):
            brand = self.by_label.get(label)
        return brand

    def is_freemail(self, domain: str) -> bool:
        """True for a mailbox provider anyone can sign up to (gmail.com, yahoo.*)."""
        reg = registrable(domain)
        return reg in self.freemail or reg.partition(".")[0] in self.freemail_labels

    def is_esp(self, domain: str) -> bool:
        """True for a bulk-mail service (bounce addresses differ from From)."""
        d = domain.lower()
        if registrable(d) in self.esp_domains:
            return True
        return any(d == e or d.endswith("." + e) for e in self.esp_hosts)


FREE_CCTLDS = frozenset({"tk", "ml", "ga", "cf", "gq"})
"""Country endings once given away for free and flooded with phishing (Freenom)."""


def country_ending(suffix: str) -> bool:
    """A country-code ending (``de``, ``co.uk``, ``com.br``) other than the free ones:
    the endings big brands register defensively."""
    last = suffix.rpartition(".")[2]
    return len(last) == 2 and last.isalpha() and last not in FREE_CCTLDS


def _phrases(items: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    return tuple(t for t in (words(s) for s in items) if t)


@cache
def catalog() -> Catalog:
    """The brand catalogue, loaded once from the package data."""
    ref = resources.files("rempart").joinpath("mail", "data", "brands.json")
    data = json.loads(ref.read_text("utf-8"))
    brands = tuple(
        Brand(
            name=b["name"],
            category=b.get("category", ""),
            keywords=_phrases(b.get("keywords", ())),
            exact=_phrases(b.get("exact", ())),
            domains=tuple(
                dict.fromkeys(registrable(d) for d in [*b["domains"], *b.get("other_domains", ())])
            ),
            compared=tuple(dict.fromkeys(registrable(d) for d in b["domains"])),
            any_tld=frozenset(b.get("any_tld", ())),
        )
        for b in data["brands"]
    )
    return Catalog(
        brands=brands,
        helpdesk=Phrases(_phrases(data["helpdesk"]["keywords"])),
        claims=Phrases(_phrases(data["claims"]["keywords"])),
        filler=frozenset(skeleton(w) for w in data["filler"]),
        lure_words=frozenset(data["lure_words"]),
        security_words=frozenset(data["security_words"]),
        freemail=frozenset(data["freemail"]),
        freemail_labels=frozenset(data["freemail_labels"]),
        esp_domains=frozenset(data["esp_domains"]),
        esp_hosts=tuple(e for e in data["esp_domains"] if registrable(e) != e),
        known_domains=frozenset(data["known_domains"]),
        generic_labels=frozenset(data["generic_labels"]),
        by_domain=MappingProxyType({d: b for b in brands for d in b.domains}),
        by_label=MappingProxyType({label: b for b in brands for label in b.any_tld}),
    )


# --- skeletons and words -----------------------------------------------------------

_ASCII_SEQUENCES = (("rn", "m"), ("vv", "w"), ("cl", "d"))
_ASCII_FOLD = str.maketrans({"0": "o", "1": "l", "i": "l", "|": "l"})


@cache
def _confusable_map() -> dict[int, str]:
    """Non-ASCII character → the ASCII letters it is confusable with (UTS #39 data)."""
    from confusable_homoglyphs.utils import load

    table: dict[int, str] = {}
    for char, entries in load("confusables.json").items():
        if len(char) != 1 or char.isascii():
            continue
        for entry in entries:
            target = entry["c"].strip("\u200e\u200f")
            if target and len(target) <= 3 and target.isascii() and target.isalnum():
                table[ord(char)] = target.lower()
                break
    return table


def skeleton(text: str) -> str:
    """A form where look-alike spellings coincide: ``раураl`` (Cyrillic), ``paypa1``,
    ``paypaI`` and ``paypal`` all give the same string. Accents are dropped."""
    s = text.lower()
    if not s.isascii():
        s = s.translate(_confusable_map())
        s = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
        s = s.lower()
    for seq, rep in _ASCII_SEQUENCES:
        if seq in s:
            s = s.replace(seq, rep)
    return s.translate(_ASCII_FOLD)


_NOT_WORD = re.compile(r"[\W_]+")


def words(text: str, limit: int = 300) -> tuple[str, ...]:
    """Normalised words of a display name: accents, case, punctuation and
    look-alike letters removed (``"Société Générale"`` → ``societe generale``);
    only the first ``limit`` characters are read."""
    return _words(text[:limit])


@lru_cache(maxsize=8192)
def _words(s: str) -> tuple[str, ...]:
    if not s.isascii():
        s = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
    return tuple(skeleton(w) for w in _NOT_WORD.sub(" ", s.lower()).split())


def contains_phrase(tokens: Sequence[str], phrase: Sequence[str]) -> bool:
    """True if ``phrase`` occurs in ``tokens`` as consecutive words."""
    n = len(phrase)
    if not n or n > len(tokens):
        return False
    first = phrase[0]
    return any(
        tokens[i] == first and tuple(tokens[i : i + n]) == tuple(phrase)
        for i in range(len(tokens) - n + 1)
    )


class Phrases:
    """A set of word sequences, found in a text's words by their first word."""

    def __init__(self, phrases: Iterable[tuple[str, ...]]) -> None:
        self.phrases = tuple(p for p in phrases if p)
        self._by_first: dict[str, list[tuple[str, ...]]] = {}
        for p in self.phrases:
            self._by_first.setdefault(p[0], []).append(p)

    def find(self, tokens: Sequence[str]) -> tuple[str, ...] | None:
        """The first phrase occurring in ``tokens`` (at most 60 words looked at)."""
        for i, tok in enumerate(tokens[:60]):
            for p in self._by_first.get(tok, ()):
                if tuple(tokens[i : i + len(p)]) == p:
                    return p
        return None


# --- results -----------------------------------------------------------------------


@dataclass(frozen=True)
class Protected:
    """A domain worth imitating, precomputed for comparison."""

    domain: str
    """Registrable domain (A-label)."""
    owner: str
    """``campaign`` or the brand's name."""
    label: str
    """The name before the public suffix, Unicode (``campaign-party``)."""
    suffix: str
    """The public suffix (``org``, ``gouv.fr``)."""
    skel: str
    """Skeleton of the label without hyphens."""
    generic: bool
    """An ordinary word (``free``): only look-alike letters count."""

    @property
    def own(self) -> bool:
        return self.owner == CAMPAIGN

    @property
    def short(self) -> bool:
        """Four letters or fewer: matched as a whole word only."""
        return len(self.skel) <= 4


@dataclass(frozen=True)
class Lookalike:
    """A candidate domain found to imitate a protected one."""

    host: str
    """The host examined (A-label)."""
    registrable: str
    """Its registrable domain."""
    protected: str
    """The protected domain it imitates."""
    owner: str
    """``campaign`` or the brand's name."""
    techniques: tuple[str, ...]
    """Techniques seen, strongest first (values of :data:`TECHNIQUES`)."""
    distance: int = 0
    """Edit distance between the names (0 when not an edit)."""
    detail: str = ""
    """Plain words: ``one letter doubled ('t')``."""

    @property
    def own(self) -> bool:
        """True when it imitates one of the campaign's own domains."""
        return self.owner == CAMPAIGN

    def rank(self) -> tuple[int, int, int, int]:
        """Sort key: the campaign's first, then the strongest technique, the fewest."""
        first = TECHNIQUES.index(self.techniques[0])
        return (0 if self.own else 1, first, len(self.techniques), self.distance)


def max_edits(length: int) -> int:
    """Edits allowed for a name of ``length`` letters: 0 up to 4, 1 up to 8, else 2
    (5-letter names only tolerate a swap or a doubled letter)."""
    if length <= 4:
        return 0
    if length <= 8:
        return 1
    return 2


def describe_edit(real: str, fake: str) -> str:
    """Plain words for a small edit turning ``real`` into ``fake``."""
    lev = Levenshtein.distance(real, fake)
    if lev == 2 and OSA.distance(real, fake) == 1:
        return "two letters swapped"
    if lev != 1:
        return f"{lev} letters changed"
    op = next(iter(Levenshtein.editops(real, fake)))
    if op.tag == "insert":
        ch, i = fake[op.dest_pos], op.dest_pos
        around = fake[max(0, i - 1) : i] + fake[i + 1 : i + 2]
        return f"one letter doubled ('{ch}')" if ch in around else f"one letter added ('{ch}')"
    if op.tag == "delete":
        ch, i = real[op.src_pos], op.src_pos
        around = real[max(0, i - 1) : i] + real[i + 1 : i + 2]
        return "a double letter made single" if ch in around else f"one letter missing ('{ch}')"
    return f"one letter changed ('{real[op.src_pos]}' → '{fake[op.dest_pos]}')"


def _is_doubling_or_swap(real: str, fake: str) -> bool:
    detail = describe_edit(real, fake)
    return detail.startswith(("one letter doubled", "two letters swapped"))


def _script_letters(label: str) -> str:
    from confusable_homoglyphs.categories import alias

    odd = [c for c in dict.fromkeys(label) if not c.isascii()][:4]
    return ", ".join(f"{alias(c).title()} {c}" for c in odd)


# --- the engine --------------------------------------------------------------------


def _split(reg: str) -> tuple[str, str]:
    label, _, suffix = reg.partition(".")
    return idna_unicode(label), suffix


def protected_entry(domain: str, owner: str, generic_labels: frozenset[str]) -> Protected | None:
    """The precomputed form of ``domain`` (None for names too short to compare)."""
    reg = registrable(idna_ascii(domain))
    label, suffix = _split(reg)
    compact = label.replace("-", "")
    if len(compact) < 3 or not suffix:
        return None
    generic = label in generic_labels or compact in generic_labels
    return Protected(reg, owner, label, suffix, skeleton(compact), generic)


class Similarity:
    """Compares candidate hosts with a fixed set of protected domains."""

    def __init__(
        self, entries: Iterable[Protected], cat: Catalog, legit: Iterable[str] = ()
    ) -> None:
        self.entries = tuple(dict.fromkeys(entries))
        self.catalog = cat
        self.known = frozenset(e.domain for e in self.entries) | frozenset(legit)
        self._by_skel: dict[str, list[Protected]] = {}
        self._by_len: dict[int, list[Protected]] = {}
        self._by_domain: dict[str, Protected] = {}
        self._tri: dict[str, list[Protected]] = {}
        self._own_words: dict[str, list[Protected]] = {}
        for e in self.entries:
            self._index(e)
        self._len_choices = {n: [e.skel for e in es] for n, es in self._by_len.items()}
        self._cached = lru_cache(maxsize=CACHE_SIZE)(self._check)

    def _index(self, e: Protected) -> None:
        self._by_skel.setdefault(e.skel, []).append(e)
        if e.generic:
            return
        self._by_domain.setdefault(e.domain, e)
        if not e.short:
            self._by_len.setdefault(len(e.skel), []).append(e)
            self._tri.setdefault(e.skel[:3], []).append(e)
        if e.own:
            for word in _alpha_words(e.label):
                if len(word) >= 5:
                    self._own_words.setdefault(word, []).append(e)

    def is_known(self, reg: str) -> bool:
        """A protected or otherwise known legitimate registrable domain."""
        return reg in self.known or self.catalog.brand_of(reg) is not None

    def check(self, host: str) -> Lookalike | None:
        """The strongest imitation ``host`` makes of a protected domain, or None
        (answers are cached: link hosts repeat across messages)."""
        return self._cached(host[: MAX_HOST + 8])

    def _check(self, host: str) -> Lookalike | None:
        h = idna_ascii(host)[:MAX_HOST].strip(".")
        if not h or "." not in h or (_looks_numeric(h) and is_ip(h)):
            return None
        reg = registrable(h)
        if "." not in reg or self.is_known(reg):
            return None
        c = _candidate(h, reg)
        found = [
            *self._same_skeleton(c),
            *self._edits(c),
            *self._embedded(c),
            *self._added_words(c),
            *self._shared_word(c),
        ]
        return min(found, key=Lookalike.rank) if found else None

    # techniques -------------------------------------------------------------------

    def _same_skeleton(self, c: _Candidate) -> list[Lookalike]:
        label, suffix, compact = c.label, c.suffix, c.compact
        out = []
        for e in self._by_skel.get(c.skel, ()):
            techniques = []
            real = e.label.replace("-", "")
            if not label.isascii():
                techniques.append("homoglyph")
            elif compact != real:
                techniques.append("ascii_lookalike")
            visual = bool(techniques)
            if label != e.label and compact == real:
                techniques.append("hyphen")
            if suffix != e.suffix:
                techniques.append("tld_swap")
            if not techniques or (not visual and (e.generic or e.short)):
                continue
            detail = _detail(techniques, label, suffix, e)
            out.append(Lookalike(c.host, c.reg, e.domain, e.owner, tuple(techniques), 0, detail))
        return out

    def _edits(self, c: _Candidate) -> list[Lookalike]:
        sk, n = c.skel, len(c.skel)
        if n < 5 or n > 64:
            return []
        out = []
        for size in range(n - 2, n + 3):
            choices = self._len_choices.get(size)
            if not choices:
                continue
            for _choice, dist, idx in process.extract(
                sk, choices, scorer=OSA.distance, score_cutoff=2, limit=None
            ):
                e = self._by_len[size][idx]
                if not 0 < dist <= max_edits(len(e.skel)):
                    continue
                if len(e.skel) == 5 and not _is_doubling_or_swap(e.skel, sk):
                    continue
                out.append(self._edit_hit(c, e, int(dist)))
        return out

    def _edit_hit(self, c: _Candidate, e: Protected, dist: int) -> Lookalike:
        real = e.label.replace("-", "")
        techniques = ("edit",) + (("homoglyph",) if not c.label.isascii() else ())
        techniques += ("tld_swap",) if c.suffix != e.suffix else ()
        detail = describe_edit(real, c.compact) if c.compact.isascii() else "letters changed"
        if c.suffix != e.suffix:
            detail += f", ending .{c.suffix} instead of .{e.suffix}"
        return Lookalike(c.host, c.reg, e.domain, e.owner, techniques, dist, detail)

    def _embedded(self, c: _Candidate) -> list[Lookalike]:
        """The whole protected domain written inside another host name."""
        h, reg = c.host, c.reg
        starts = [0, *[i + 1 for i, ch in enumerate(h) if ch == "."][:15]]
        ends = [*[i for i, ch in enumerate(h) if ch in ".-"][:64], len(h)]
        for s in starts:
            for end in ends:
                e = self._by_domain.get(h[s:end]) if end > s else None
                if e is not None and not reg.endswith(e.domain):
                    detail = f"{e.domain} written inside the host name of {reg}"
                    return [Lookalike(h, reg, e.domain, e.owner, ("embedded_domain",), 0, detail)]
        return []

    def _added_words(self, c: _Candidate) -> list[Lookalike]:
        """The protected name inside a longer label, or as a subdomain label."""
        h, reg = c.host, c.reg
        labels = h[: len(h) - len(reg)].rstrip(".").split(".") if h != reg else []
        out = []
        for label in [*labels[-8:], None]:
            technique = "subdomain" if label is not None else "added_words"
            for e, extra in self._names_in(idna_unicode(label) if label else c.label):
                if technique == "added_words" and not extra:
                    continue
                others = [t for t in c.tokens if e.skel not in skeleton(t)]
                if not e.own and not self._lured(extra, others):
                    continue
                detail = (
                    f"{e.label} with added words ({', '.join(extra)})"
                    if technique == "added_words"
                    else f"{e.label} used as a subdomain of {reg}"
                )
                out.append(Lookalike(h, reg, e.domain, e.owner, (technique,), 0, detail))
        return out

    def _names_in(self, label: str) -> list[tuple[Protected, list[str]]]:
        """Protected names found in ``label``, with the other words around them."""
        parts = [p for p in label.split("-") if p]
        compact = "".join(parts)
        sk = skeleton(compact)
        found: list[tuple[Protected, list[str]]] = []
        seen: set[str] = set()
        for part in parts:
            for e in self._by_skel.get(skeleton(part), ()):
                if not e.generic and e.domain not in seen:
                    seen.add(e.domain)
                    found.append((e, [p for p in parts if p != part]))
        for i in range(max(0, len(sk) - 2)):
            for e in self._tri.get(sk[i : i + 3], ()):
                if e.domain in seen or not sk.startswith(e.skel, i):
                    continue
                seen.add(e.domain)
                rest = [sk[:i], sk[i + len(e.skel) :]]
                found.append((e, [r for r in rest if r]))
        return found

    def _lured(self, extra: Sequence[str], tokens: Sequence[str]) -> bool:
        lure = self.catalog.lure_words
        pieces = [*extra, *tokens]
        return any(p in lure or any(len(w) >= 5 and w in p for w in lure) for p in pieces[:32])

    def _shared_word(self, c: _Candidate) -> list[Lookalike]:
        """One word of a campaign domain next to a security word, same ending."""
        if not self._own_words:
            return []
        security = [t for t in c.tokens if t in self.catalog.security_words]
        if not security:
            return []
        for t in c.tokens:
            for e in self._own_words.get(t, ()):
                if e.suffix == c.suffix:
                    detail = f"the word '{t}' of {e.domain} with '{security[0]}'"
                    techniques = ("shared_word",)
                    return [Lookalike(c.host, c.reg, e.domain, e.owner, techniques, 0, detail)]
        return []


@dataclass(frozen=True)
class _Candidate:
    host: str
    reg: str
    label: str
    """Registrable label, Unicode."""
    suffix: str
    compact: str
    """``label`` without hyphens."""
    skel: str
    """Skeleton of ``compact``."""
    tokens: tuple[str, ...]
    """Words of the host before the public suffix."""


def _candidate(h: str, reg: str) -> _Candidate:
    label, suffix = _split(reg)
    compact = label.replace("-", "")
    return _Candidate(h, reg, label, suffix, compact, skeleton(compact), _host_tokens(h, reg))


def _looks_numeric(h: str) -> bool:
    """Could be an IP literal (ends with a digit, or holds ``:``)."""
    return h[-1].isdigit() or ":" in h or h.startswith("[")


def _alpha_words(label: str) -> list[str]:
    out, cur = [], []
    for c in label:
        if c.isalpha():
            cur.append(c)
        elif cur:
            out.append("".join(cur))
            cur = []
    if cur:
        out.append("".join(cur))
    return out


def _host_tokens(h: str, reg: str) -> tuple[str, ...]:
    """Words of the host name before its public suffix (``secure``, ``login``…)."""
    suffix = reg.partition(".")[2]
    head = h[: len(h) - len(suffix) - 1] if suffix and h.endswith("." + suffix) else h
    return tuple(w for w in head.replace("-", ".").split(".") if w)[:32]


def _detail(techniques: Sequence[str], label: str, suffix: str, e: Protected) -> str:
    parts = []
    if "homoglyph" in techniques:
        parts.append(f"foreign letters that look like Latin ones ({_script_letters(label)})")
    if "ascii_lookalike" in techniques:
        parts.append(f"look-alike letters ('{label}' for '{e.label}')")
    if "hyphen" in techniques:
        parts.append("hyphen removed" if label.count("-") < e.label.count("-") else "hyphen added")
    if "tld_swap" in techniques:
        parts.append(f"ending .{suffix} instead of .{e.suffix}")
    return ", ".join(parts)


@lru_cache(maxsize=16)
def engine_for(own_domains: tuple[str, ...]) -> Similarity:
    """The engine for a campaign's own domains plus every brand domain (cached)."""
    cat = catalog()
    generic = cat.generic_labels
    entries: list[Protected] = []
    for d in own_domains:
        e = protected_entry(d, CAMPAIGN, frozenset())
        if e is not None:
            entries.append(e)
    for brand in cat.brands:
        for d in brand.compared:
            e = protected_entry(d, brand.name, generic)
            if e is not None:
                entries.append(e)
    legit = {registrable(idna_ascii(d)) for d in own_domains}
    legit |= cat.freemail | cat.esp_domains | cat.known_domains
    return Similarity(entries, cat, legit)


def related(a: str, b: str, own_domains: Sequence[str] = ()) -> bool:
    """True when domains ``a`` and ``b`` plausibly belong to the same sender:
    same registrable domain, both the campaign's, the same brand, the same name
    under another ending (``lemonde.fr``/``lemonde.com``), or one name inside the
    other (``lemonde.fr``/``lemonde-info.fr``)."""
    ra, rb = registrable(a), registrable(b)
    if not ra or not rb:
        return False
    if ra == rb:
        return True
    own = {registrable(d) for d in own_domains}
    if ra in own and rb in own:
        return True
    cat = catalog()
    ba, bb = cat.brand_of(ra), cat.brand_of(rb)
    if ba is not None and ba is bb:
        return True
    la, lb = ra.partition(".")[0].replace("-", ""), rb.partition(".")[0].replace("-", "")
    if la == lb:
        return True
    short, long_ = sorted((la, lb), key=len)
    return len(short) >= 5 and short in long_
