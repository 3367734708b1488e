"""Attachment signals: programs, scripts, macros and the containers that smuggle them.

What each attachment *is* comes from its bytes (:mod:`rempart.mail.filetypes`),
never from its name alone; archives and disk images are listed within bounds
(:mod:`rempart.mail.archives`) and their members judged the same way, with the
member path in the evidence. Office documents go through ``oletools``:
``olevba`` for VBA and Excel 4 (XLM) macros, ``oleobj``'s OLE 1.0 parsers for
objects embedded in RTF; DDE fields and remote templates are found with small
bounded checks of the document's XML or bytes.

Nothing is ever executed, opened with an application, rendered, or written to
disk. Work is bounded by :class:`~rempart.mail.limits.MailLimits` and by the
sizes below; over them a document is reported as unanalysed rather than read.

Known limits: PowerPoint 97-2003 files are not analysed for macros, and
macros in Word 2003 XML and MHT files are detected (ActiveMime part), not read
(``olevba`` unpacks those without a size cap); VBA projects over
:data:`MAX_VBA_STREAM_BYTES` are reported without analysis; compressed RAR
members and 7z members are listed, never unpacked (the ``unrar`` program is
never run); XLM macros in ``.xlsx``/``.xlsb`` are found by their macro-sheet
parts, not read; VHD/VHDX/DMG contents are not listed; DDE is found in
WordprocessingML fields, Excel ``ddeLink`` parts, RTF ``\\fldinst`` and Word 97
field codes, not in CSV/SLK formulas.
"""

from __future__ import annotations

import logging
import re
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO

import olefile

from rempart.mail.archives import (
    CONTAINER_KINDS,
    ArchiveListing,
    Budget,
    Member,
    list_archive,
    onenote_files,
    read_zip_member,
)
from rempart.mail.context import MailContext
from rempart.mail.filetypes import (
    ARCHIVE,
    DISK_IMAGE,
    EXECUTABLE,
    IMAGE,
    OFFICE,
    ONENOTE,
    SCRIPT,
    SHORTCUT,
    FileType,
    extension,
    promised_family,
    sniff,
    zip_directory,
)
from rempart.mail.limits import MiB
from rempart.mail.model import Attachment, Category, Hit, ParsedMail, SignalSpec

log = logging.getLogger(__name__)
# oletools logs warnings about the hostile documents it reads ("VBA stomping cannot be
# detected for files in memory"); what matters reaches the user as signals instead.
for _name in ("olevba", "oleobj", "rtfobj", "olefile", "oletools"):
    logging.getLogger(_name).setLevel(logging.ERROR)

_C = Category.ATTACHMENTS
_OPEN_ADVICE = (
    "Do not open it. Check with the sender by phone or a known address; "
    "the technician can analyse it in a sandbox and block its hash."
)

SPECS: tuple[SignalSpec, ...] = (
    SignalSpec(
        id="attachments.executable",
        category=_C,
        title="An attachment is a program (Windows, Linux, macOS, Java, installer)",
        why="A program runs with the recipient's rights as soon as it is opened: it is the "
        "most direct way to install spyware or ransomware. Colleagues do not mail programs.",
        advice=_OPEN_ADVICE,
        prior_weight=3.5,
    ),
    SignalSpec(
        id="attachments.script",
        category=_C,
        title="An attachment is a script (JavaScript for Windows, VBScript, PowerShell, batch…)",
        why="Windows runs .js, .vbs, .ps1 and .bat files directly when they are opened; "
        "malware campaigns send them as 'invoices' to download the real payload.",
        advice=_OPEN_ADVICE,
        prior_weight=3.5,
    ),
    SignalSpec(
        id="attachments.hta",
        category=_C,
        title="An attachment is an HTML application (HTA)",
        why="An HTA looks like a web page but runs with full rights outside the browser "
        "(mshta.exe); it is a favourite first stage of targeted attacks.",
        advice=_OPEN_ADVICE,
        prior_weight=3.5,
    ),
    SignalSpec(
        id="attachments.shortcut",
        category=_C,
        title="An attachment is a Windows shortcut (LNK, URL or library file)",
        why="A shortcut can launch any command (PowerShell, mshta) while showing a "
        "document icon; shortcut files have no reason to travel by mail.",
        advice=_OPEN_ADVICE,
        prior_weight=3.0,
    ),
    SignalSpec(
        id="attachments.onenote",
        category=_C,
        title="An attachment is a OneNote notebook",
        why="Since 2023 OneNote files hide scripts or programs behind a fake 'double-click "
        "to view' button; real notebooks are shared by link, rarely mailed.",
        advice=_OPEN_ADVICE,
        prior_weight=2.5,
    ),
    SignalSpec(
        id="attachments.disk_image",
        category=_C,
        title="An attachment is a disk image (ISO, IMG, VHD)",
        why="Files inside a disk image lose Windows' 'downloaded from the Internet' "
        "warning (Mark-of-the-Web), so attackers wrap shortcuts and programs in them.",
        advice=_OPEN_ADVICE,
        prior_weight=2.5,
    ),
    SignalSpec(
        id="attachments.dangerous_extension",
        category=_C,
        title="An attachment's name ends with a type Windows runs (.exe, .js, .iso, .lnk…)",
        why="Whatever it contains, Windows treats the file by its extension: a .js, .scr "
        "or .iso opens in a way that can run code.",
        advice=_OPEN_ADVICE,
        prior_weight=2.5,
    ),
    SignalSpec(
        id="attachments.double_extension",
        category=_C,
        title="An attachment's name hides its real type (facture.pdf.exe, padding, RTLO)",
        why="'facture.pdf.exe', a name padded with spaces before '.js', or the "
        "right-to-left override character make a program look like a document.",
        advice=_OPEN_ADVICE,
        prior_weight=3.5,
    ),
    SignalSpec(
        id="attachments.type_mismatch",
        category=_C,
        title="An attachment is not what its name or type says (a '.pdf' that is a program)",
        why="Legitimate software names files by what they are; a document whose bytes "
        "are a program, a script or an archive was disguised on purpose.",
        advice=_OPEN_ADVICE,
        prior_weight=2.5,
    ),
    SignalSpec(
        id="attachments.archive_dangerous",
        category=_C,
        title="An archive or disk image contains a program, script or shortcut",
        why="Zipping a program gets it past filters that block .exe or .js attachments; "
        "the member is one double-click away once the archive is opened.",
        advice=_OPEN_ADVICE,
        prior_weight=3.0,
    ),
    SignalSpec(
        id="attachments.archive_password",
        category=_C,
        title="An encrypted attachment comes with its password in the message",
        why="Encrypting the attachment blinds antivirus scanners; giving the password in "
        "the same message only makes sense to get past them (Emotet, Qakbot, IcedID).",
        advice="Do not open it. Legitimate senders give passwords by another channel. "
        "The technician can open it in a sandbox with the given password.",
        prior_weight=3.0,
    ),
    SignalSpec(
        id="attachments.archive_encrypted",
        category=_C,
        title="An attachment is encrypted and cannot be checked",
        why="Encrypted archives and documents hide their content from every filter; "
        "they are sometimes legitimate, but nothing can vouch for what is inside.",
        advice="Open it only if you expected it and got the password from the sender by "
        "another channel (phone, in person).",
        prior_weight=1.0,
    ),
    SignalSpec(
        id="attachments.archive_bomb",
        category=_C,
        title="An archive is a decompression bomb or exceeds the analysis budget",
        why="Archives that unpack to gigabytes, nest archives many levels deep or "
        "overlap their members are built to crash or blind scanners.",
        advice="Do not open it; it can freeze the computer. The technician should "
        "delete it or analyse it in an isolated environment.",
        prior_weight=2.0,
    ),
    SignalSpec(
        id="attachments.macro",
        category=_C,
        title="An Office document contains macros",
        why="Macros are programs inside documents; most legitimate documents have none, "
        "and a single click on 'Enable content' runs them.",
        advice="Do not enable macros or 'content'. Ask the sender whether the macros are "
        "expected; the technician can inspect them (olevba).",
        prior_weight=1.5,
    ),
    SignalSpec(
        id="attachments.macro_suspicious",
        category=_C,
        title="An Office document has macros that run on opening and launch programs or downloads",
        why="Macros that start by themselves (AutoOpen, Workbook_Open, Auto_Open) and "
        "call Shell, PowerShell, CreateObject or URLDownloadToFile are the classic "
        "malicious document, as used against election campaigns.",
        advice="Do not open it, and never click 'Enable content'. Report it to the "
        "technician, who should block the sender and search for the same file elsewhere.",
        prior_weight=4.0,
    ),
    SignalSpec(
        id="attachments.office_object",
        category=_C,
        title="A document embeds an object used by exploits (a program package, "
        "the Equation Editor, an OLE link)",
        why="RTF and Office files can carry an embedded program or an object that "
        "exploits old Office flaws (CVE-2017-11882, CVE-2017-0199) without any macro.",
        advice=_OPEN_ADVICE,
        prior_weight=3.0,
    ),
    SignalSpec(
        id="attachments.office_dde",
        category=_C,
        title="A document contains a DDE field that can launch a command",
        why="DDE fields (DDEAUTO) run programs from Word or Excel documents without "
        "macros, after one confusing dialog box.",
        advice="Do not open it; if a dialog asks to update links or start an application, "
        "answer No. Report it to the technician.",
        prior_weight=3.0,
    ),
    SignalSpec(
        id="attachments.office_remote_template",
        category=_C,
        title="A document loads a template or object from the Internet when opened",
        why="Remote template injection fetches macros or exploits from the attacker's "
        "server at opening time, so the attachment itself looks clean (used by APT28).",
        advice="Do not open it. The technician should block the address it points to.",
        prior_weight=3.0,
    ),
)

# ---------------------------------------------------------------- bounds

MAX_ATTACHMENTS = 100
"""Attachments examined per message."""
MAX_OFFICE_DOCS = 8
"""Office documents analysed per message (attachments and archive members)."""
MAX_VBA_STREAM_BYTES = 256 * 1024
"""VBA streams larger than this are reported as macros without analysis (the
VBA decompressor of oletools is slow on crafted streams)."""
MAX_OOXML_BIN_BYTES = 8 * MiB
"""Largest part of an OOXML package olevba may read (it reads OLE parts whole)."""
MAX_XML_PART_BYTES = 8 * MiB
"""XML bytes of one OOXML part read for DDE fields and relationships."""
MAX_RTF_BYTES = 8 * MiB
"""RTF bytes parsed for embedded objects."""
RTF_SECONDS = 1.0
"""Time the RTF tokenizer may spend on one document."""
MAX_EVIDENCE = 300
_OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")

# ---------------------------------------------------------------- names


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


RISKY_EXTENSIONS = _words(
    "exe scr js jse vbs vbe wsf wsh wsc hta lnk one onepkg iso img vhd vhdx msi msix "
    "msixbundle cab cmd bat ps1 psm1 jar reg cpl chm url library-ms searchconnector-ms "
    "appx appxbundle xll dll pif com application sct scf settingcontent-ms msc msp gadget "
    "iqy slk"
)
"""Extensions that Windows opens in a way that can run code (or that wrap such files)."""
DECOY_EXTENSIONS = _words(
    "pdf doc docx xls xlsx ppt pptx odt ods odp rtf txt csv jpg jpeg png gif bmp tif tiff "
    "htm html mp3 mp4 wav avi mov ics eml msg zip"
)
"""Extensions a double-extension name pretends to have (``facture.pdf.exe``)."""
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_PAD = " \t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
_PAD += "\u200b\u202f\u205f\u2800\u3000\u3164\uffa0_"


def show_name(name: str) -> str:
    """``name`` for evidence: control and bidirectional characters made visible
    (``<U+202E>``), cut at 150 characters."""
    out = []
    for ch in name[:150]:
        if ch in _BIDI or ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0:
            out.append(f"<U+{ord(ch):04X}>")
        else:
            out.append(ch)
    return "".join(out) + ("…" if len(name) > 150 else "")


def name_trick(name: str) -> str:
    """Why ``name`` disguises its real type (``double extension .pdf.exe``), or ``""``."""
    if any(ch in _BIDI for ch in name):
        return "bidirectional control character reverses the displayed name"
    base = name.replace("\\", "/").rpartition("/")[2].rstrip(". \t")
    ext = extension(base)
    if ext not in RISKY_EXTENSIONS:
        return ""
    stem = base[: -(len(ext) + 1)]
    padded = stem.rstrip(_PAD)
    if len(stem) - len(padded) >= 3:
        return f"{len(stem) - len(padded)} blank characters hide the real .{ext} extension"
    inner = extension(padded)
    if inner in DECOY_EXTENSIONS and inner != ext:
        return f"double extension .{inner}.{ext}"
    return ""


# ---------------------------------------------------------------- passwords

_PW_KEYWORD = re.compile(
    r"(?i)\b(?:mots? de passe|mdp|passwor[dt]|passcode|pass|pwd|pw|kennwort|contrase(?:ñ|n)a|"
    r"clave|senha|code d['’]acc[eè]s)\b"
)
_PW_SEPARATORS = _words(": = - – est is ist es lautet")
_PW_CONNECTORS = _words(
    "de du des la le les l'archive l’archive archive fichier document zip pièce jointe of "
    "the for this file attachment to ouvrir open pour the"
)
_PW_STOP = _words(
    "oublié oublie forgot forgotten reset réinitialiser expire expired expiré expirera "
    "about valid invalid incorrect wrong required requis nécessaire needed ready sent "
    "envoyé envoyée suit suivra sera will changed modifié ici here below ci-dessous votre "
    "your you vous not pas par by sms separately séparément protected protégé"
)


def password_hint(text: str) -> str:
    """The phrase giving a password in ``text`` (``mot de passe : 1234``), or ``""``.

    A password keyword (FR/EN/DE/ES/PT) must be followed, within a few words,
    by a separator (``:``, ``=``, ``est``, ``is``…) and a token, or directly by
    a token containing a digit (``pwd 2024``). Common words after the keyword
    (``oublié``, ``expired``, ``sent by SMS``) are not passwords."""
    for m in _PW_KEYWORD.finditer(text[:200_000]):
        tail = text[m.end() : m.end() + 100]
        word = _password_word(tail)
        if word:
            end = tail.find(word) + len(word)
            return " ".join((text[m.start() : m.end()] + tail[:end]).split())[:120]
    return ""


def _password_word(tail: str) -> str:
    """The word (as written) holding the password after a keyword, or ``""``."""
    words = tail.replace(":", " : ").replace("=", " = ").split()[:8]
    separated = False
    for w in words:
        low = w.lower().strip(",.;!?()")
        if low in _PW_SEPARATORS or w in (":", "="):
            separated = True
            continue
        if low in _PW_CONNECTORS and not separated:
            continue
        token = w.strip("\"'«»“”‘’`,.;!?()[]")
        if not 3 <= len(token) <= 40 or token.lower() in _PW_STOP:
            return ""
        if separated or any(ch.isdigit() for ch in token):
            return w.rstrip(",.;)]") or w  # sentence punctuation is not the password
        return ""
    return ""


# ---------------------------------------------------------------- findings


@dataclass(frozen=True)
class Finding:
    """One signal raised by one attachment (collapsed into hits per message)."""

    signal: str
    evidence: str
    indicators: tuple[str, ...] = ()


@dataclass
class _State:
    """Per-message state: shared budgets and what the attachments revealed."""

    budget: Budget
    password: str
    office_left: int = MAX_OFFICE_DOCS
    findings: list[Finding] = field(default_factory=list)

    def add(self, signal: str, evidence: str, indicators: tuple[str, ...] = ()) -> None:
        self.findings.append(Finding(signal, evidence[:MAX_EVIDENCE], indicators))


def detect(mail: ParsedMail, ctx: MailContext) -> list[Hit]:
    """Attachment signals of ``mail``; never raises on hostile attachments."""
    if not mail.attachments:
        return []
    subject_hint = password_hint(mail.subject)
    state = _State(Budget(ctx.limits), subject_hint or password_hint(mail.body_text))
    for att in mail.attachments[:MAX_ATTACHMENTS]:
        if state.budget.expired():
            break
        try:
            _attachment(att, state)
        except Exception as exc:  # one odd attachment must not hide the others' signals
            log.debug("attachment analysis failed on %r: %r", att.filename, exc)
    return collapse(state.findings)


def collapse(findings: list[Finding]) -> list[Hit]:
    """One hit per signal: the distinct evidences joined (within 300 characters),
    indicators merged."""
    order: dict[str, list[Finding]] = {}
    for f in findings:
        order.setdefault(f.signal, []).append(f)
    hits = []
    for signal, group in order.items():
        evidence = ""
        for f in group:
            if f.evidence in evidence:
                continue
            candidate = f"{evidence} | {f.evidence}" if evidence else f.evidence
            if len(candidate) > MAX_EVIDENCE:
                break
            evidence = candidate
        indicators = tuple(dict.fromkeys(i for f in group for i in f.indicators))[:20]
        evidence = evidence or group[0].evidence
        hits.append(Hit(signal=signal, evidence=evidence, indicators=indicators))
    return hits


def _label(att: Attachment) -> str:
    if att.filename:
        return show_name(att.filename)
    return f"(unnamed {att.content_type} part)"


def _attachment(att: Attachment, state: _State) -> None:
    label = _label(att)
    ft = sniff(att.data, att.filename)
    _name_checks(att.filename, label, state)
    _content_checks(att.data, ft, label, state)
    promised = promised_family(att.filename, att.content_type)
    if _mismatch(promised, ft):
        what = f".{extension(att.filename)}" if extension(att.filename) else att.content_type
        state.add("attachments.type_mismatch", f"{label}: named {what} but is a {ft.label}")
    if ft.family == OFFICE:
        _office(att.data, ft, label, state)
    if ft.kind in CONTAINER_KINDS:
        listing = list_archive(att.data, ft.kind, state.budget.limits, state.budget, att.filename)
        _container(listing, ft, label, att.truncated, state)


def _name_checks(name: str, label: str, state: _State) -> None:
    if not name:
        return
    ext = extension(name)
    if ext in RISKY_EXTENSIONS:
        state.add("attachments.dangerous_extension", f"{label} (.{ext})")
    trick = name_trick(name)
    if trick:
        state.add("attachments.double_extension", f"{label}: {trick}")


def _content_checks(data: bytes, ft: FileType, label: str, state: _State) -> None:
    fam = ft.family
    shown = f"{label} ({ft.label})"
    if ft.kind == "hta":
        state.add("attachments.hta", shown)
    elif fam == SCRIPT and ft.dangerous and ft.kind != "svg_script":
        # an SVG image with script is the html module's (html.svg_script)
        state.add("attachments.script", shown)
    elif fam == EXECUTABLE:
        state.add("attachments.executable", shown)
    elif fam == SHORTCUT:
        state.add("attachments.shortcut", shown)
    elif fam == ONENOTE:
        files = onenote_files(data)
        risky = list(dict.fromkeys(t.label for t, _ in files if t.dangerous))
        if risky:
            shown += ", embedding " + ", ".join(risky)
        elif files:
            shown += f", {len(files)} embedded file(s)"
        state.add("attachments.onenote", shown)
    elif fam == DISK_IMAGE:
        state.add("attachments.disk_image", shown)


_ALARM = frozenset((EXECUTABLE, SHORTCUT, ONENOTE, ARCHIVE, DISK_IMAGE))


def _mismatch(promised: str, ft: FileType) -> bool:
    """True when the name or MIME type promises a family and the bytes are a
    program, script, shortcut, archive or disk image of another family."""
    if not promised or promised == ft.family:
        return False
    alarming = ft.family in _ALARM or (ft.family == SCRIPT and ft.dangerous)
    if promised == IMAGE and ft.kind == "svg_script":
        return False  # an SVG is an image that may hold script: the script signal says it
    return alarming


def _member_risk(m: Member) -> str:
    trick = name_trick(m.path)
    if trick:
        return trick
    ext = extension(m.path)
    if m.filetype is not None and m.filetype.dangerous:
        return m.filetype.label
    if ext in RISKY_EXTENSIONS:
        return f".{ext} file" + (" (encrypted)" if m.encrypted else "")
    return ""


def _container(listing: ArchiveListing, ft: FileType, label: str, cut: bool, state: _State) -> None:
    for m in listing.members:
        risk = _member_risk(m)
        if risk:
            hashes = (m.sha256,) if m.sha256 else ()
            state.add(
                "attachments.archive_dangerous",
                f"{label} → {show_name(m.path)} ({risk})",
                hashes,
            )
        if m.data and m.filetype is not None and m.filetype.family == OFFICE:
            _office(m.data, m.filetype, f"{label} → {show_name(m.path)}", state, (m.sha256,))
    if listing.bomb and not cut:
        state.add("attachments.archive_bomb", f"{label}: {listing.bomb}")
    if listing.encrypted:
        _encrypted(label, ft, listing, state)


def _encrypted(label: str, ft: FileType, listing: ArchiveListing | None, state: _State) -> None:
    if listing is not None and listing.headers_encrypted:
        what = f"{label} ({ft.label}, even the file names are encrypted)"
    elif listing is not None:
        names = [show_name(m.path) for m in listing.members if m.encrypted][:3]
        what = f"{label} ({ft.label}, encrypted: {', '.join(names)})"
    else:
        what = f"{label} ({ft.label})"
    if state.password:
        state.add("attachments.archive_password", f"{what}; message says «{state.password}»")
    else:
        state.add("attachments.archive_encrypted", what)


# ---------------------------------------------------------------- Office documents


@dataclass
class _Office:
    macros: list[str] = field(default_factory=list)
    autoexec: list[str] = field(default_factory=list)
    suspicious: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    objects: list[str] = field(default_factory=list)
    dde: list[str] = field(default_factory=list)
    remote: list[str] = field(default_factory=list)


def _office(
    data: bytes, ft: FileType, label: str, state: _State, extra: tuple[str, ...] = ()
) -> None:
    if ft.kind == "ole_encrypted":
        _encrypted(label, ft, None, state)
        return
    if state.office_left <= 0 or state.budget.expired():
        return
    state.office_left -= 1
    found = _Office()
    for step in _OFFICE_STEPS.get(ft.kind, ()):
        try:
            step(data, found, state)
        except Exception as exc:  # oletools and parsers raise anything on hostile files
            log.debug("office analysis %s failed on %s: %r", step.__name__, label, exc)
    _office_findings(found, label, state, tuple(h for h in extra if h))


def _office_findings(found: _Office, label: str, state: _State, extra: tuple[str, ...]) -> None:
    iocs = tuple(dict.fromkeys(found.urls))[:10] + extra
    if found.macros:
        what = " and ".join(dict.fromkeys(found.macros))
        if found.autoexec and found.suspicious:
            auto = ", ".join(dict.fromkeys(found.autoexec))
            calls = ", ".join(list(dict.fromkeys(found.suspicious))[:6])
            ev = f"{label}: {what} run on opening ({auto}) and call {calls}"
            state.add("attachments.macro_suspicious", ev, iocs)
        else:
            auto = f", run on opening ({', '.join(dict.fromkeys(found.autoexec))})"
            state.add("attachments.macro", f"{label}: {what}{auto if found.autoexec else ''}", iocs)
    for obj in dict.fromkeys(found.objects):
        state.add("attachments.office_object", f"{label}: {obj}", extra)
    for dde in dict.fromkeys(found.dde):
        state.add("attachments.office_dde", f"{label}: {dde}", extra)
    for remote in dict.fromkeys(found.remote):
        urls = tuple(u for u in remote.split() if u.startswith(("http://", "https://")))
        state.add("attachments.office_remote_template", f"{label}: {remote}", urls + extra)


# -- macros (olevba)

_STRONG = _words(
    (
        "Shell ShellExecute ShellExecuteA Shell.Application WScript.Shell Run vbHide "
        "CreateObject GetObject URLDownloadToFile URLDownloadToFileA Msxml2.XMLHTTP "
        "Microsoft.XMLHTTP MSXML2.ServerXMLHTTP WinHttp.WinHttpRequest Net.WebClient "
        "DownloadFile DownloadString PowerShell -EncodedCommand EncodedCommand "
        "Invoke-Expression Start-Process New-Object Lib CreateThread VirtualAlloc "
        "VirtualAllocEx RtlMoveMemory WriteProcessMemory CallByName ExecuteExcel4Macro "
        "ADODB.Stream SaveToFile MacScript cmd.exe mshta certutil bitsadmin regsvr32 rundll32 "
        "Win32_Process EXEC CALL REGISTER"
    ).lower()
)
"""Keywords (as ``olevba`` reports them) that run programs, download, inject or
hide calls: with an auto-run trigger they make a macro "suspicious"."""
_XLM_AUTO = re.compile(r"(?i)\bauto_(?:open|close|activate)\b")
_XLM_STRONG = re.compile(r"(?i)\b(EXEC|CALL|REGISTER|URLDownloadToFileA?|ShellExecuteA?|RUN)\s*\(")


def _macros(data: bytes, found: _Office, state: _State) -> None:
    with warnings.catch_warnings():  # oletools' pyparsing use warns at import time
        warnings.simplefilter("ignore")
        from oletools.olevba import VBA_Parser  # local: heavy import, only for Office files

    parser = VBA_Parser("attachment", data=data, relaxed=True, disable_pcode=True)
    try:
        vba = bool(parser.detect_vba_macros())
        xlm = bool(parser.detect_xlm_macros())
        if not (vba or xlm):
            return
        if vba:
            found.macros.append("VBA macros")
        if xlm:
            found.macros.append("Excel 4 (XLM) macros")
            _xlm_lines(parser.xlm_macros or [], found)
        for kind, keyword, _desc in (parser.analyze_macros() or [])[:500]:
            kw = str(keyword)
            if kind == "AutoExec":
                found.autoexec.append(kw[:40])
            elif kind == "Suspicious" and kw.lower() in _STRONG:
                found.suspicious.append(kw[:40])
            elif kind == "IOC" and kw.lower().startswith(("http://", "https://")):
                found.urls.append(kw.rstrip("'\")>;,")[:500])
    finally:
        parser.close()


def _xlm_lines(lines: list[str], found: _Office) -> None:
    for line in lines[:2000]:
        text = str(line)[:2000]
        for m in _XLM_AUTO.finditer(text):
            found.autoexec.append(m.group(0))
        for m in _XLM_STRONG.finditer(text):
            found.suspicious.append(m.group(1).upper())


def _vba_excess(ole: olefile.OleFileIO) -> str:
    """Why olevba must not run on this OLE file (``""`` when it may): a
    PowerPoint 97-2003 stream (olevba unpacks its VBA storage without a cap) or
    VBA streams above :data:`MAX_VBA_STREAM_BYTES` (its VBA decompressor is slow)."""
    paths = ole.listdir(streams=True, storages=False)[:5000]
    if any(p[-1].lower() == "powerpoint document" for p in paths):
        return "PowerPoint 97-2003"
    in_vba = [p for p in paths if any(s.lower() == "vba" for s in p[:-1])]
    size = sum(int(ole.get_size("/".join(p))) for p in in_vba)
    return f"{size // 1024} KiB" if size > MAX_VBA_STREAM_BYTES else ""


def _ole_macros(data: bytes, found: _Office, state: _State) -> None:
    """olevba on an OLE2 document once :func:`_vba_excess` allows it; embedded
    packages and Equation Editor objects are looked for too."""
    with olefile.OleFileIO(BytesIO(data)) as ole:
        excess = _vba_excess(ole)
        paths = ole.listdir(streams=True, storages=False)[:5000]
        objects = [p for p in paths if p[-1].lower() in ("\x01ole10native", "equation native")]
        natives = [ole.openstream("/".join(p)).read(64 * 1024) for p in objects[:10]]
        names = [p[-1].lower() for p in objects[:10]]
    if excess == "PowerPoint 97-2003":
        return  # not analysed (see the module docstring)
    if excess:
        found.macros.append(f"VBA macros ({excess}, too large to analyse)")
    else:
        _macros(data, found, state)
    for name, native in zip(names, natives, strict=True):
        if name == "equation native":
            found.objects.append("Equation Editor object (exploited by CVE-2017-11882)")
        else:
            _package(native, found, with_size=True)


def _ooxml_macros(data: bytes, found: _Office, state: _State) -> None:
    """olevba on an OOXML package, once every OLE part (olevba opens them all,
    whatever their name) has passed :func:`_vba_excess` and none is a bomb."""
    zd = zip_directory(data, 2000)
    names = [e.name.lower() for e in zd.entries]
    if any("/macrosheets/" in n for n in names):
        found.macros.append("Excel 4 (XLM) macro sheet")
    has_vba = any(n.endswith("vbaproject.bin") for n in names)
    limits, budget = state.budget.limits, state.budget
    excess = "unreadable directory" if zd.error else ""
    for e in zd.entries if not excess else ():
        head, _ = read_zip_member(data, e, 8, limits, budget)
        if head != _OLE_MAGIC:
            continue
        bomb = e.size > MiB and e.size > limits.max_ratio * max(e.packed, 1)
        if bomb or e.size > MAX_OOXML_BIN_BYTES:
            excess = f"{e.size // 1024} KiB part"
            break
        part, complete = read_zip_member(data, e, MAX_OOXML_BIN_BYTES, limits, budget)
        if not complete:
            excess = "unreadable part"
            break
        with olefile.OleFileIO(BytesIO(part)) as ole:
            excess = _vba_excess(ole)
        if excess:
            break
    if not excess:
        _macros(data, found, state)
    elif has_vba:
        found.macros.append(f"VBA macros ({excess}, too large to analyse)")


def _slk_macros(data: bytes, found: _Office, state: _State) -> None:
    _macros(data[: 4 * MiB], found, state)


_ACTIVEMIME = (b"QWN0aXZlTWltZQ", b"ActiveMime", b"editdata.mso")


def _xml_macros(data: bytes, found: _Office, state: _State) -> None:
    """Word 2003 XML and MHT: an ActiveMime part is where their macros live."""
    if any(marker in data for marker in _ACTIVEMIME):
        found.macros.append("macros in an ActiveMime part (not analysed)")


# -- embedded objects, DDE, remote templates

_EXPLOIT_CLASSES = {
    "equation.3": "Equation Editor object (exploited by CVE-2017-11882)",
    "equation.2": "Equation Editor object (exploited by CVE-2017-11882)",
    "ole2link": "OLE2Link object (remote content, CVE-2017-0199)",
    "htmlfile": "embedded HTML file object (CVE-2017-0199 family)",
    "script": "embedded scriptlet object",
}


def _package(native: bytes, found: _Office, with_size: bool) -> None:
    """An OLE ``Package`` (Ole10Native): flag it when it carries a risky file."""
    from oletools.oleobj import OleNativeStream

    pkg = OleNativeStream(bindata=native, package=not with_size)
    fname = str(pkg.filename or "")
    content = bytes(pkg.data or b"")[:65536]
    ft = sniff(content, fname) if content else None
    ext = extension(fname)
    if ext in RISKY_EXTENSIONS or (ft is not None and ft.dangerous):
        what = ft.label if ft is not None and ft.dangerous else f".{ext} file"
        found.objects.append(f"embedded file '{show_name(fname)}' ({what})")


def _rtf(data: bytes, found: _Office, state: _State) -> None:
    for objdata in _rtf_objdata(data[:MAX_RTF_BYTES])[:20]:
        _ole1_object(objdata, found)
    head = data[:MAX_RTF_BYTES]
    m = _RTF_TEMPLATE.search(head)
    if m:
        found.remote.append("template " + m.group(1).decode("latin-1")[:200])
    for m in _RTF_DDE.finditer(head):
        found.dde.append(_clean_field(m.group(0).decode("latin-1")))
        break


_RTF_TEMPLATE = re.compile(rb"\\\*\\template\s+((?:https?://|\\\\\\\\|file:)[^\s}]{1,300})", re.I)
_RTF_DDE = re.compile(rb"\\fldinst[^}]{0,300}?\bdde(?:auto)?\b[^}]{0,200}", re.I)


def _clean_field(text: str) -> str:
    text = re.sub(r"\\[a-z]{1,32}-?\d{0,10} ?|[{}]", " ", text)
    return "field " + " ".join(text.split())[:200]


class _RtfTimeout(Exception):
    """The RTF tokenizer ran past :data:`RTF_SECONDS`."""


def _rtf_objdata(data: bytes) -> list[bytes]:
    """The ``\\objdata`` payloads of an RTF, decoded from hex, found with rtfobj's
    tokenizer (which follows Word's tolerant parsing). Only the text of
    ``objdata`` destinations is kept (rtfobj's own parser copies all document
    text quadratically), and parsing stops after :data:`RTF_SECONDS`."""
    import binascii

    from oletools.rtfobj import RtfParser

    if b"\\objdata" not in data:
        return []
    deadline = time.monotonic() + RTF_SECONDS

    class _Collect(RtfParser):
        def __init__(self, raw: bytes) -> None:
            super().__init__(raw)
            self.found: list[bytes] = []
            self.parts: list[bytes] = []
            self.ticks = 0

        def _tick(self) -> None:
            self.ticks += 1
            if self.ticks % 4096 == 0 and time.monotonic() > deadline:
                raise _RtfTimeout

        def _text(self, matchobject: re.Match[bytes]) -> None:
            self._tick()
            if getattr(self.current_destination, "cword", None) == b"objdata":
                self.parts.append(matchobject.group())

        def open_group(self) -> None:
            self._tick()

        def control_word(self, matchobject: object, cword: bytes, param: object) -> None:
            self._tick()

        def open_destination(self, destination: object) -> None:
            if getattr(destination, "cword", None) == b"objdata":
                self.parts = []

        def close_destination(self, destination: object) -> None:
            if getattr(destination, "cword", None) == b"objdata" and len(self.found) < 20:
                hexdata = re.sub(rb"[^a-fA-F0-9]", b"", b"".join(self.parts))
                self.found.append(binascii.unhexlify(hexdata[: len(hexdata) & ~1]))
                self.parts = []

    parser = _Collect(data)
    try:
        parser.parse()
    except _RtfTimeout:
        log.debug("RTF parsing stopped after %s s", RTF_SECONDS)
    return parser.found


def _ole1_object(objdata: bytes, found: _Office) -> None:
    from oletools.oleobj import OleObject

    obj = OleObject()
    obj.parse(objdata)
    cls = bytes(obj.class_name or b"").rstrip(b"\x00").decode("latin-1").lower()
    if cls in _EXPLOIT_CLASSES:
        found.objects.append(_EXPLOIT_CLASSES[cls])
    elif cls == "package" and obj.data:
        _package(bytes(obj.data), found, with_size=False)
    elif obj.data and bytes(obj.data[:8]) == _OLE_MAGIC:
        _ole2_clsid(bytes(obj.data), cls, found)


def _ole2_clsid(data: bytes, cls: str, found: _Office) -> None:
    """Flag an embedded OLE2 object whose root CLSID oletools ties to a CVE.
    (Always hand olefile a file object: it takes short *bytes* for a path.)"""
    from oletools.common.clsid import KNOWN_CLSIDS

    with olefile.OleFileIO(BytesIO(data)) as ole:
        clsid = (ole.root.clsid or "").upper() if ole.root is not None else ""
    desc = str(KNOWN_CLSIDS.get(clsid, ""))
    if "CVE" in desc.upper():
        found.objects.append(f"embedded {cls or 'OLE'} object: {desc[:150]}")


_REL = re.compile(rb"<Relationship\b[^>]{0,2000}>", re.I)
_ATTR = re.compile(rb'(\w{1,20})\s*=\s*"([^"]{0,2000})"')
_REMOTE_TYPES = ("attachedtemplate", "oleobject", "frame", "subdocument")
_FIELD_TOKENS = re.compile(
    rb'<w:fldChar\b[^>]{0,200}?w:fldCharType="(\w{1,12})"'
    rb"|<w:instrText\b[^>]{0,200}>([^<]{0,2000})</w:instrText>"
)
_FLDSIMPLE = re.compile(rb'<w:fldSimple\b[^>]{0,200}w:instr="([^"]{0,2000})"')
_DDE_FIELD = re.compile(r"(?i)^\s*dde(?:auto)?\b")


def _ooxml_parts(data: bytes, found: _Office, state: _State) -> None:
    zd = zip_directory(data, 2000)
    for e in zd.entries[:2000]:
        low = e.name.lower()
        want = low.endswith(".rels") or (
            low.endswith(".xml") and low.startswith(("word/", "xl/externallinks/"))
        )
        embedded = "/embeddings/" in low
        if not (want or (embedded and low.endswith(".bin"))):
            continue
        cap = 256 * 1024 if embedded else MAX_XML_PART_BYTES
        part, _ = read_zip_member(data, e, cap, state.budget.limits, state.budget)
        if low.endswith(".rels"):
            _relationships(part, found)
        elif embedded:
            _embedded_ole(part, found)
        elif low.startswith("xl/externallinks/") and b"<ddeLink" in part:
            found.dde.append(f"DDE link in {e.name[:80]}")
        else:
            _word_fields(part, found)


def _relationships(part: bytes, found: _Office) -> None:
    for m in _REL.finditer(part):
        attrs = {k.lower(): v for k, v in _ATTR.findall(m.group(0))}
        target = attrs.get(b"target", b"").decode("utf-8", "replace").strip()
        rtype = attrs.get(b"type", b"").decode("utf-8", "replace").rsplit("/", 1)[-1].lower()
        external = attrs.get(b"targetmode", b"").lower() == b"external"
        low = target.lower()
        handler = low.startswith(("mhtml:", "ms-", "search-ms:"))
        unc = external and low.startswith(("\\\\", "file:"))
        if (external and rtype in _REMOTE_TYPES) or handler or unc:
            found.remote.append(f"{rtype} {target[:200]}")


def _word_fields(part: bytes, found: _Office) -> None:
    """Field instructions of a WordprocessingML part (text between a field's
    ``begin`` and its ``separate``/``end``, split runs joined), then
    ``fldSimple`` instructions; DDE/DDEAUTO ones are reported."""
    fields: list[str] = []
    current: list[bytes] | None = None
    for m in _FIELD_TOKENS.finditer(part):
        if m.group(1) is not None:
            if m.group(1) == b"begin":
                current = []
            elif current is not None:
                fields.append(b"".join(current).decode("utf-8", "replace"))
                current = None
        elif current is not None and len(current) < 200:
            current.append(m.group(2))
    fields += [v.decode("utf-8", "replace") for v in _FLDSIMPLE.findall(part)[:200]]
    for f in fields[:2000]:
        if _DDE_FIELD.search(f.replace("&quot;", '"')):
            found.dde.append("field " + " ".join(f.split())[:200])


def _embedded_ole(part: bytes, found: _Office) -> None:
    if part[:8] != _OLE_MAGIC:
        return
    with olefile.OleFileIO(BytesIO(part)) as ole:
        for p in ole.listdir(streams=True, storages=False)[:100]:
            name = p[-1].lower()
            if name == "\x01ole10native":
                _package(ole.openstream("/".join(p)).read(64 * 1024), found, with_size=True)
            elif name == "equation native":
                found.objects.append("Equation Editor object (exploited by CVE-2017-11882)")


_DOC_DDE = re.compile(rb"\x13(?:\x00|\x20){0,20}d\x00?d\x00?e(?:\x00?a\x00?u\x00?t\x00?o)?", re.I)


def _doc_dde(data: bytes, found: _Office, state: _State) -> None:
    m = _DOC_DDE.search(data)
    if m:
        snippet = data[m.start() + 1 : m.start() + 200].replace(b"\x00", b"")
        text = snippet.split(b"\x14")[0].split(b"\x15")[0].decode("latin-1", "replace")
        found.dde.append("field " + " ".join(text.split())[:200])


def _odf_macros(data: bytes, found: _Office, state: _State) -> None:
    """OpenDocument: Basic modules live in ``Basic/<library>/<module>.xml``."""
    names = [e.name.lower() for e in zip_directory(data, 2000).entries]
    if any(n.startswith("basic/") and n.count("/") >= 2 for n in names):
        found.macros.append("LibreOffice Basic macros")


def _risky_parts(data: bytes, found: _Office, state: _State) -> None:
    """Parts of an OOXML/ODF package named like programs or scripts: a document
    is no archive, so nothing else would look at them."""
    for e in zip_directory(data, 2000).entries:
        if extension(e.name) in RISKY_EXTENSIONS or name_trick(e.name):
            found.objects.append(f"embedded file '{show_name(e.name)}'")


Step = Callable[[bytes, _Office, _State], None]
_OFFICE_STEPS: dict[str, tuple[Step, ...]] = {
    "doc": (_ole_macros, _doc_dde),
    "xls": (_ole_macros,),
    "ole": (_ole_macros,),
    "ppt": (_ole_macros,),
    "ooxml": (_ooxml_macros, _ooxml_parts, _risky_parts),
    "slk": (_slk_macros,),
    "office_xml": (_xml_macros,),
    "mht": (_xml_macros,),
    "rtf": (_rtf,),
    "odf": (_odf_macros, _risky_parts),
}
