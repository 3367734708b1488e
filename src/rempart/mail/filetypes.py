"""What a file really is, from its bytes, never from its name.

Attackers name a program ``facture.pdf`` and label it ``application/pdf``: the
attachment signals ask :func:`sniff` what the bytes are. Every decision about a
dangerous type is explicit here (magic numbers, container members, a few
careful text heuristics); ``puremagic`` only names unknown binaries.

Nothing is executed, rendered or extracted to disk. Only a bounded prefix
(:data:`HEAD`) is read for text heuristics; containers (zip, OLE2) read their
directory, bounded by :data:`MAX_ZIP_ENTRIES` entries.

Text heuristics for scripts (on the first 64 KiB, lowercased):

* shell script: starts with ``#!`` followed by a path;
* encoded Windows script (VBE/JSE): the ``#@~^`` marker;
* PowerShell: at least two distinct markers among ``invoke-expression``,
  ``iex(``, ``-encodedcommand``, ``frombase64string(``, ``net.webclient``,
  ``downloadstring(``, ``downloadfile(``, ``invoke-webrequest``,
  ``start-process``, ``-executionpolicy``, ``-windowstyle hidden``, ``$env:``…
  (one mention in prose is not enough);
* JScript for Windows Script Host: ``activexobject``, or ``wscript.`` /
  ``getobject(`` together with JavaScript syntax (``var``, ``function``, ``;``);
* VBScript: ``createobject(`` / ``getobject(`` / ``wscript.`` together with
  VBScript syntax (``dim``, ``set x =``, ``end sub``, ``on error resume next``…);
* batch: a line ``@echo off``, or two markers among ``%comspec%``, ``%~dp0``,
  ``cmd /c``, ``goto :eof``, ``setlocal``, ``%temp%\\``, ``start ""``;
* plain JavaScript (web code, ``function``/``var``/``=>``…) is recognised but
  not dangerous by content: only a ``.js`` name makes Windows run it.

HTML is an HTA when it holds ``<hta:application`` or when named ``.hta``
(the only use of the name). SVG is dangerous when it carries script
(``<script``, ``javascript:`` or ``on…=`` event handlers).
"""

from __future__ import annotations

import logging
import re
import struct
from dataclasses import dataclass
from io import BytesIO

log = logging.getLogger(__name__)

HEAD = 64 * 1024
"""Bytes of a file examined by the text heuristics."""
MAX_ZIP_ENTRIES = 5000
"""Central-directory entries read to classify a zip container."""

# Families: what a kind is, for the signals (an .exe named .pdf is an
# "executable" where a "document" was promised).
EXECUTABLE = "executable"
SCRIPT = "script"
SHORTCUT = "shortcut"
ONENOTE = "onenote"
OFFICE = "office"
DOCUMENT = "document"
ARCHIVE = "archive"
DISK_IMAGE = "disk_image"
IMAGE = "image"
HTML = "html"
TEXT = "text"
MEDIA = "media"
OTHER = "other"


def _each(words: str, family: str) -> dict[str, str]:
    return dict.fromkeys(words.split(), family)


FAMILY: dict[str, str] = {
    **_each("pe dos elf macho java_class jar apk appx msi chm", EXECUTABLE),
    **_each(
        "shebang powershell vbscript jscript javascript batch encoded_script wsf sct reg hta "
        "svg_script",
        SCRIPT,
    ),
    **_each("lnk url_shortcut library_ms search_connector", SHORTCUT),
    "onenote": ONENOTE,
    **_each("ole doc xls ppt msg ole_encrypted ooxml odf rtf slk office_xml mht", OFFICE),
    "pdf": DOCUMENT,
    **_each("zip 7z rar gzip bzip2 xz zstd cab tar", ARCHIVE),
    **_each("iso udf vhd vhdx img dmg", DISK_IMAGE),
    **_each("png jpeg gif bmp webp tiff ico svg", IMAGE),
    "html": HTML,
    **_each("text calendar vcard email xml", TEXT),
    **_each("mp3 mp4 wav ogg", MEDIA),
}
"""The family of each kind :func:`sniff` returns (``binary``, ``empty``: other)."""


@dataclass(frozen=True)
class FileType:
    """What the bytes of a file are."""

    kind: str
    """Stable machine name: ``pe``, ``zip``, ``ooxml``, ``lnk``, ``text``, ``binary``…"""
    label: str
    """Plain words for people: ``Windows program (PE, .NET)``."""
    dangerous: bool
    """True when opening such a file can run code on the recipient's computer."""
    reason: str
    """How it was recognised, or why it is dangerous (one line)."""

    @property
    def family(self) -> str:
        """``executable``, ``script``, ``shortcut``, ``office``, ``archive``… or ``other``."""
        return FAMILY.get(self.kind, OTHER)


def _ft(kind: str, label: str, reason: str, dangerous: bool = False) -> FileType:
    return FileType(kind=kind, label=label, dangerous=dangerous, reason=reason)


# ---------------------------------------------------------------- names


def extension(name: str) -> str:
    """The last extension of ``name``, lowercased, as Windows sees it
    (trailing dots and spaces dropped): ``"a.PDF. "`` → ``"pdf"``."""
    base = name.replace("\\", "/").rpartition("/")[2].rstrip(". \t")
    if "." not in base:
        return ""
    ext = base.rpartition(".")[2].strip().lower()
    return ext if 0 < len(ext) <= 24 else ""


EXT_FAMILY: dict[str, str] = {
    **_each(
        "exe scr com pif dll cpl xll msi msix msixbundle appx appxbundle jar apk application chm",
        EXECUTABLE,
    ),
    **_each("js jse vbs vbe wsf wsh wsc sct hta cmd bat ps1 psm1 reg sh", SCRIPT),
    **_each("lnk url library-ms searchconnector-ms scf", SHORTCUT),
    **_each("one onepkg", ONENOTE),
    **_each(
        "doc docx docm dot dotx dotm xls xlsx xlsm xlsb xlt xltx xltm ppt pptx pptm pps ppsx "
        "potx odt ods odp rtf slk msg",
        OFFICE,
    ),
    "pdf": DOCUMENT,
    **_each("zip 7z rar gz tgz bz2 xz tar cab zst z lz", ARCHIVE),
    **_each("iso img vhd vhdx dmg udf", DISK_IMAGE),
    **_each("jpg jpeg png gif bmp webp tif tiff ico heic svg", IMAGE),
    **_each("htm html", HTML),
    **_each("txt csv log md ics vcf eml xml json", TEXT),
    **_each("mp3 mp4 wav ogg m4a mov avi", MEDIA),
}
"""The family a file name promises, by its last extension."""

_MIME_FAMILY: tuple[tuple[str, str], ...] = (
    ("application/pdf", DOCUMENT),
    ("image/", IMAGE),
    ("text/html", HTML),
    ("text/rtf", OFFICE),
    ("application/rtf", OFFICE),
    ("text/", TEXT),
    ("application/msword", OFFICE),
    ("application/vnd.ms-excel", OFFICE),
    ("application/vnd.ms-powerpoint", OFFICE),
    ("application/vnd.openxmlformats-officedocument.", OFFICE),
    ("application/vnd.oasis.opendocument.", OFFICE),
    ("application/zip", ARCHIVE),
    ("application/x-zip", ARCHIVE),
    ("application/x-7z", ARCHIVE),
    ("application/x-rar", ARCHIVE),
    ("application/vnd.rar", ARCHIVE),
    ("application/gzip", ARCHIVE),
    ("application/x-gzip", ARCHIVE),
    ("application/x-tar", ARCHIVE),
    ("audio/", MEDIA),
    ("video/", MEDIA),
)


def promised_family(name: str, content_type: str) -> str:
    """The family the file name (or, without a known extension, the declared MIME
    type) promises; ``""`` when neither says anything."""
    fam = EXT_FAMILY.get(extension(name), "")
    if fam:
        return fam
    ctype = content_type.lower().strip()
    for prefix, family in _MIME_FAMILY:
        if ctype.startswith(prefix):
            return family
    return ""


# ---------------------------------------------------------------- zip directory


@dataclass(frozen=True)
class ZipEntry:
    """One central-directory record of a zip file (nothing decompressed)."""

    name: str
    flags: int
    """General-purpose flags; bit 0 = encrypted."""
    method: int
    """Compression method: 0 stored, 8 deflate, 12 bzip2, 14 lzma, 99 AES…"""
    crc: int
    packed: int
    """Compressed size (bytes)."""
    size: int
    """Declared uncompressed size (bytes, may lie)."""
    offset: int
    """Offset of the local header in the file (after any prepended data)."""

    @property
    def encrypted(self) -> bool:
        return bool(self.flags & 0x1) or self.method == 99


@dataclass(frozen=True)
class ZipDirectory:
    """The central directory of a zip, read within bounds."""

    entries: tuple[ZipEntry, ...]
    declared: int
    """Entries the end-of-directory record announces."""
    error: str = ""
    """Why it could not be (fully) read, ``""`` when fine."""


_EOCD = b"PK\x05\x06"
_CDH = struct.Struct("<4s4H2H3I5H2I")  # central directory header, 46 bytes


def zip_directory(data: bytes, limit: int = MAX_ZIP_ENTRIES) -> ZipDirectory:
    """The central directory of the zip in ``data``, at most ``limit`` entries.
    Never raises; never decompresses anything."""
    pos = data.rfind(_EOCD, max(0, len(data) - 65557))
    if pos < 0 or pos + 22 > len(data):
        return ZipDirectory((), 0, "no end-of-directory record (not a zip, or cut)")
    (_, _, _, _, total, cd_size, cd_offset, _) = struct.unpack_from("<4s4H2IH", data, pos)
    if 0xFFFF in (total,) or 0xFFFFFFFF in (cd_size, cd_offset):
        z64 = _zip64_end(data, pos)
        if z64 is not None:
            total, cd_size, cd_offset = z64
    shift = 0
    if data[cd_offset : cd_offset + 4] != b"PK\x01\x02":
        # data prepended (self-extracting archives): the directory sits before the end record
        shift = pos - cd_size - cd_offset
        if shift < 0 or data[cd_offset + shift : cd_offset + shift + 4] != b"PK\x01\x02":
            if total == 0:
                return ZipDirectory((), 0)
            return ZipDirectory((), total, "central directory not found")
    entries: list[ZipEntry] = []
    at = cd_offset + shift
    error = ""
    while len(entries) < min(total, limit):
        if at + 46 > len(data) or data[at : at + 4] != b"PK\x01\x02":
            error = f"central directory cut after {len(entries)} of {total} entries"
            break
        rec = _CDH.unpack_from(data, at)
        flags, method, crc, packed, size = rec[3], rec[4], rec[7], rec[8], rec[9]
        nlen, xlen, clen, offset = rec[10], rec[11], rec[12], rec[16]
        raw_name = data[at + 46 : at + 46 + nlen]
        name = raw_name.decode("utf-8" if flags & 0x800 else "cp437", "replace")
        extra = data[at + 46 + nlen : at + 46 + nlen + xlen]
        if 0xFFFFFFFF in (packed, size, offset):
            size, packed, offset = _zip64_extra(extra, size, packed, offset)
        entries.append(ZipEntry(name, flags, method, crc, packed, size, offset + shift))
        at += 46 + nlen + xlen + clen
    return ZipDirectory(tuple(entries), total, error)


def _zip64_end(data: bytes, eocd: int) -> tuple[int, int, int] | None:
    loc = eocd - 20
    if loc < 0 or data[loc : loc + 4] != b"PK\x06\x07":
        return None
    (rec_at,) = struct.unpack_from("<Q", data, loc + 8)
    if rec_at + 56 > len(data) or data[rec_at : rec_at + 4] != b"PK\x06\x06":
        return None
    total, cd_size, cd_offset = struct.unpack_from("<3Q", data, rec_at + 32)
    return int(total), int(cd_size), int(cd_offset)


def _zip64_extra(extra: bytes, size: int, packed: int, offset: int) -> tuple[int, int, int]:
    at = 0
    while at + 4 <= len(extra):
        tag, ln = struct.unpack_from("<2H", extra, at)
        if tag == 0x0001:
            body = extra[at + 4 : at + 4 + ln]
            vals = [struct.unpack_from("<Q", body, i)[0] for i in range(0, len(body) - 7, 8)]
            if size == 0xFFFFFFFF and vals:
                size = vals.pop(0)
            if packed == 0xFFFFFFFF and vals:
                packed = vals.pop(0)
            if offset == 0xFFFFFFFF and vals:
                offset = vals.pop(0)
            break
        at += 4 + ln
    return size, packed, offset


# ---------------------------------------------------------------- binary formats

_MACHO = (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe")
_LNK = bytes.fromhex("4c0000000114020000000000c000000000000046")
ONENOTE_GUID = bytes.fromhex("e4525c7b8cd8a74daeb15378d02996d3")
"""[MS-ONESTORE] file header GUID {7B5C52E4-D88C-4DA7-AEB1-5378D02996D3} as stored."""
_OLE = bytes.fromhex("d0cf11e0a1b11ae1")
_MSI_CLSIDS = {
    "000C1084-0000-0000-C000-000000000046": "Windows Installer package (MSI)",
    "000C1086-0000-0000-C000-000000000046": "Windows Installer patch (MSP)",
    "000C1082-0000-0000-C000-000000000046": "Windows Installer transform (MST)",
}


def sniff(data: bytes, name: str = "") -> FileType:
    """What ``data`` is. ``name`` is only used to call HTML named ``.hta`` an HTA.
    Never raises."""
    try:
        return _sniff(data, name)
    except Exception as exc:  # hostile bytes: a parser bug must not stop triage
        log.debug("sniff failed: %r", exc)
        return _ft("binary", "unrecognised data", f"analysis failed ({type(exc).__name__})")


def _sniff(data: bytes, name: str) -> FileType:
    if not data:
        return _ft("empty", "empty file", "no bytes")
    for check in (_executable, _windows_containers, _documents, _archives, _disk_images, _media):
        found = check(data)
        if found is not None:
            return found
    return _text_or_binary(data, name)


def _executable(data: bytes) -> FileType | None:
    if data[:2] == b"MZ":
        return _pe(data)
    if data[:4] == b"\x7fELF":
        return _ft("elf", "Linux/Unix program (ELF)", "ELF header", True)
    if data[:4] in (
        b"\xfe\xed\xfa\xce",
        b"\xfe\xed\xfa\xcf",
        b"\xce\xfa\xed\xfe",
        b"\xcf\xfa\xed\xfe",
    ):
        return _ft("macho", "macOS program (Mach-O)", "Mach-O header", True)
    if data[:4] == b"\xca\xfe\xba\xbe" and len(data) >= 8:
        (count,) = struct.unpack_from(">I", data, 4)
        if 0 < count < 20:
            return _ft("macho", "macOS universal program (Mach-O)", "fat Mach-O header", True)
        return _ft("java_class", "Java class file", "CAFEBABE header", True)
    return None


def _pe(data: bytes) -> FileType:
    lfanew = struct.unpack_from("<I", data, 0x3C)[0] if len(data) >= 0x40 else 0
    if not (0x40 <= lfanew <= len(data) - 24) or data[lfanew : lfanew + 4] != b"PE\x00\x00":
        return _ft("dos", "DOS/Windows program (MZ)", "MZ header without PE signature", True)
    machine, _, _, _, _, opt_size, chars = struct.unpack_from("<2H3I2H", data, lfanew + 4)
    opt = lfanew + 24
    dotnet = False
    if opt_size >= 2 and opt + 2 <= len(data):
        (magic,) = struct.unpack_from("<H", data, opt)
        dirs = opt + (96 if magic == 0x10B else 112)
        clr = dirs + 14 * 8
        if clr + 8 <= min(len(data), opt + opt_size):
            rva, size = struct.unpack_from("<2I", data, clr)
            dotnet = rva != 0 and size != 0
    what = "library (DLL)" if chars & 0x2000 else "program"
    extra = ", .NET" if dotnet else ""
    return _ft(
        "pe",
        f"Windows {what} (PE{extra})",
        f"MZ header and PE signature at {lfanew:#x} (machine {machine:#06x})",
        True,
    )


def _windows_containers(data: bytes) -> FileType | None:
    if data[:20] == _LNK:
        return _ft(
            "lnk", "Windows shortcut (LNK)", "shell link header 4C 00 00 00 01 14 02 00", True
        )
    if data[:10] == ONENOTE_GUID[:10]:
        return _ft(
            "onenote",
            "OneNote notebook (.one)",
            "OneNote file GUID; used since 2023 to smuggle scripts and programs",
            True,
        )
    if data[:8] == _OLE:
        return _ole(data)
    if data[:4] == b"ITSF":
        return _ft("chm", "Compiled HTML Help (CHM)", "ITSF header; CHM files run scripts", True)
    return None


def _ole(data: bytes) -> FileType:
    import olefile  # local: heavy import, only for OLE2 files

    try:
        ole = olefile.OleFileIO(BytesIO(data))
    except Exception as exc:  # olefile raises many types on hostile input
        return _ft("ole", "OLE2 compound file (unreadable)", f"OLE2 header; {type(exc).__name__}")
    try:
        clsid = (ole.root.clsid or "").upper() if ole.root is not None else ""
        if clsid in _MSI_CLSIDS:
            return _ft("msi", _MSI_CLSIDS[clsid], f"OLE2 root CLSID {{{clsid}}}", True)
        streams = {"/".join(p).lower() for p in ole.listdir(streams=True, storages=False)[:2000]}
    finally:
        ole.close()
    if "encryptedpackage" in streams:
        return _ft("ole_encrypted", "password-protected Office document", "EncryptedPackage stream")
    if "worddocument" in streams:
        return _ft("doc", "Word 97-2003 document", "OLE2 with WordDocument stream")
    if "workbook" in streams or "book" in streams:
        return _ft("xls", "Excel 97-2003 workbook", "OLE2 with Workbook stream")
    if "powerpoint document" in streams:
        return _ft("ppt", "PowerPoint 97-2003 presentation", "OLE2 with PowerPoint stream")
    if any(s.startswith("__substg1.0_") for s in streams):
        return _ft("msg", "Outlook message (.msg)", "OLE2 with __substg1.0_ streams")
    if any(s.endswith("vba/dir") for s in streams):
        return _ft("ole", "OLE2 file with a VBA project", "OLE2 with VBA/dir stream")
    return _ft("ole", "OLE2 compound file", "D0 CF 11 E0 header")


def _documents(data: bytes) -> FileType | None:
    if b"%PDF-" in data[:1024]:
        return _ft("pdf", "PDF document", "%PDF- header")
    if data[:4] == b"{\\rt":
        return _ft("rtf", "Rich Text Format document", "{\\rt header")
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        return _zip_kind(data)
    return None


def _zip_kind(data: bytes) -> FileType:
    zd = zip_directory(data)
    names = [e.name for e in zd.entries]
    low = {n.lower() for n in names}
    if "[content_types].xml" in low:
        return _ooxml(low)
    if "mimetype" in low and "meta-inf/manifest.xml" in low:
        return _ft("odf", "OpenDocument file (ODF)", "mimetype and META-INF/manifest.xml members")
    if "appxmanifest.xml" in low or "appxmetadata/appxbundlemanifest.xml" in low:
        return _ft("appx", "Windows app package (APPX/MSIX)", "AppxManifest.xml member", True)
    if "androidmanifest.xml" in low and "classes.dex" in low:
        return _ft("apk", "Android app (APK)", "AndroidManifest.xml and classes.dex", True)
    if "meta-inf/manifest.mf" in low and any(n.endswith(".class") for n in low):
        return _ft("jar", "Java program (JAR)", "META-INF/MANIFEST.MF and .class members", True)
    enc = " (encrypted)" if any(e.encrypted for e in zd.entries) else ""
    return _ft("zip", f"zip archive{enc}", f"PK header, {zd.declared} entries")


def _ooxml(low: set[str]) -> FileType:
    macro = any(n.endswith("vbaproject.bin") for n in low)
    m = " with macros" if macro else ""
    if any(n.startswith("word/") for n in low):
        return _ft("ooxml", f"Word document{m} (OOXML)", "[Content_Types].xml and word/ part")
    if any(n.startswith("xl/") for n in low):
        return _ft("ooxml", f"Excel workbook{m} (OOXML)", "[Content_Types].xml and xl/ part")
    if any(n.startswith("ppt/") for n in low):
        return _ft("ooxml", f"PowerPoint presentation{m} (OOXML)", "[Content_Types].xml, ppt/")
    return _ft("ooxml", f"Office Open XML package{m}", "[Content_Types].xml member")


_ARCHIVE_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"7z\xbc\xaf\x27\x1c", "7z", "7-Zip archive"),
    (b"Rar!\x1a\x07\x01\x00", "rar", "RAR 5 archive"),
    (b"Rar!\x1a\x07\x00", "rar", "RAR 4 archive"),
    (b"\x1f\x8b", "gzip", "gzip-compressed file"),
    (b"BZh", "bzip2", "bzip2-compressed file"),
    (b"\xfd7zXZ\x00", "xz", "xz-compressed file"),
    (b"\x28\xb5\x2f\xfd", "zstd", "zstd-compressed file"),
    (b"MSCF\x00\x00\x00\x00", "cab", "Windows cabinet (CAB)"),
)


def _archives(data: bytes) -> FileType | None:
    for magic, kind, label in _ARCHIVE_MAGIC:
        if data.startswith(magic):
            return _ft(kind, label, f"{magic[:4]!r} header")
    if data[257:262] == b"ustar":
        return _ft("tar", "tar archive", "ustar header")
    return None


_ISO_OFFSETS = (0x8001, 0x8801, 0x9001)


def _disk_images(data: bytes) -> FileType | None:
    motw = "disk images bypass Windows' Mark-of-the-Web warnings"
    for off in _ISO_OFFSETS:
        tag = data[off : off + 5]
        if tag == b"CD001":
            return _ft("iso", "ISO 9660 disk image", f"CD001 at {off:#x}; {motw}", True)
        if tag in (b"BEA01", b"NSR02", b"NSR03"):
            return _ft("udf", "UDF disk image", f"{tag.decode()} at {off:#x}; {motw}", True)
    if data[:8] == b"vhdxfile":
        return _ft("vhdx", "virtual hard disk (VHDX)", f"vhdxfile header; {motw}", True)
    if data[:8] == b"conectix" or data[-512:-504] == b"conectix":
        return _ft("vhd", "virtual hard disk (VHD)", f"conectix cookie; {motw}", True)
    if len(data) >= 512 and data[-512:-508] == b"koly":
        return _ft("dmg", "macOS disk image (DMG)", f"koly trailer; {motw}", True)
    if len(data) >= 512 and data[510:512] == b"\x55\xaa" and data[:1] in (b"\xeb", b"\xe9"):
        fs = data[54:62] + data[82:90] + data[3:11]
        for tag in (b"FAT12", b"FAT16", b"FAT32", b"NTFS", b"EXFAT"):
            if tag in fs.upper():
                label = f"disk image ({tag.decode()} file system)"
                return _ft("img", label, f"boot sector with {tag.decode()}; {motw}", True)
    return None


_MEDIA_MAGIC: tuple[tuple[int, bytes, str, str], ...] = (
    (0, b"\x89PNG\r\n\x1a\n", "png", "PNG image"),
    (0, b"\xff\xd8\xff", "jpeg", "JPEG image"),
    (0, b"GIF87a", "gif", "GIF image"),
    (0, b"GIF89a", "gif", "GIF image"),
    (0, b"II*\x00", "tiff", "TIFF image"),
    (0, b"MM\x00*", "tiff", "TIFF image"),
    (0, b"ID3", "mp3", "MP3 audio"),
    (0, b"OggS", "ogg", "Ogg audio/video"),
    (4, b"ftyp", "mp4", "MP4/QuickTime media"),
)


def _media(data: bytes) -> FileType | None:
    for off, magic, kind, label in _MEDIA_MAGIC:
        if data[off : off + len(magic)] == magic:
            return _ft(kind, label, f"{label} header")
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _ft("webp", "WebP image", "RIFF WEBP header")
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return _ft("wav", "WAV audio", "RIFF WAVE header")
    if data[:2] == b"BM" and len(data) >= 26 and data[6:10] == b"\x00\x00\x00\x00":
        return _ft("bmp", "BMP image", "BM header")
    if data[:4] == b"\x00\x00\x01\x00" and len(data) >= 22 and data[4] > 0 and data[5] == 0:
        return _ft("ico", "icon image", "ICO header")
    return None


# ---------------------------------------------------------------- text


def decode_text(data: bytes) -> str | None:
    """The first :data:`HEAD` bytes as text, or None when they look binary
    (NUL bytes or control characters, once BOMs are accounted for)."""
    head = data[:HEAD]
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if head.startswith(bom):
            return head[len(bom) :].decode(codec, "replace")
    sample = head[:8192]
    half = len(sample) // 2
    if len(sample) >= 8 and sample[1::2].count(0) > 0.9 * half > sample[0::2].count(0) * 9:
        return head.decode("utf-16-le", "replace")
    if b"\x00" in sample:
        return None
    controls = sum(1 for b in sample if b < 9 or (13 < b < 32 and b != 27))
    if controls > 0.05 * len(sample):
        return None
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 4:  # a character cut by the HEAD limit
            return head[: exc.start].decode("utf-8", "replace")
        return head.decode("cp1252", "replace")


def _text_or_binary(data: bytes, name: str) -> FileType:
    text = decode_text(data)
    if text is None:
        return _binary(data)
    low = text.lower()
    stripped = low.lstrip()
    for check in (_text_markers, _markup, _scripts):
        found = check(text, low, stripped, name)
        if found is not None:
            return found
    if stripped.startswith("<?xml"):
        return _ft("xml", "XML document", "<?xml prolog")
    return _ft("text", "plain text", "printable text")


def _text_markers(text: str, low: str, stripped: str, name: str) -> FileType | None:
    if text.startswith("ID;"):
        return _ft("slk", "SYLK spreadsheet (may hold Excel 4 macros)", "ID; header")
    if "http://schemas.microsoft.com/office/word/2003/wordml" in low[:8192]:
        return _ft("office_xml", "Word 2003 XML document", "WordprocessingML 2003 namespace")
    if "http://schemas.microsoft.com/office/2006/xmlpackage" in low[:8192]:
        return _ft("office_xml", "Office flat XML package", "Flat OPC namespace")
    if stripped.startswith("#!") and stripped[2:4].lstrip()[:1] == "/":
        return _ft("shebang", "Unix shell script", "#! interpreter line", True)
    if "#@~^" in text:
        return _ft("encoded_script", "encoded Windows script (VBE/JSE)", "#@~^ marker", True)
    if stripped.startswith("[internetshortcut]"):
        return _ft("url_shortcut", "Internet shortcut (.url)", "[InternetShortcut] section", True)
    if stripped.startswith(("windows registry editor version", "regedit4")):
        return _ft("reg", "Windows registry file (.reg)", "registry editor header", True)
    if stripped.startswith("begin:vcalendar"):
        return _ft("calendar", "calendar invitation (iCalendar)", "BEGIN:VCALENDAR")
    if stripped.startswith("begin:vcard"):
        return _ft("vcard", "contact card (vCard)", "BEGIN:VCARD")
    head = low[:4096]
    if "multipart/related" in head and "content-location:" in head and "mime-version" in head:
        return _ft("mht", "single-file web page (MHT)", "multipart/related with Content-Location")
    if _is_email(stripped):
        return _ft("email", "e-mail message", "mail header fields")
    return None


_MAIL_HEADERS = ("received:", "return-path:", "delivered-to:", "from:", "message-id:")


def _is_email(stripped: str) -> bool:
    first = stripped[:2000].splitlines()[:30]
    hits = sum(1 for line in first if line.startswith((*_MAIL_HEADERS, "subject:", "date:")))
    return bool(first) and first[0].startswith(_MAIL_HEADERS) and hits >= 2


_SVG_SCRIPT = re.compile(r"<script|javascript:|\son[a-z]{3,20}\s*=")


def _markup(text: str, low: str, stripped: str, name: str) -> FileType | None:
    if "<hta:application" in low:
        return _ft("hta", "HTML application (HTA)", "<hta:application> element", True)
    if "<libraryDescription".lower() in low[:4096]:
        return _ft("library_ms", "Windows library file (.library-ms)", "libraryDescription", True)
    if "<searchconnectordescription" in low[:4096]:
        return _ft("search_connector", "search connector (.searchConnector-ms)", "XML root", True)
    if "<job" in low and "<script" in low and ("language=" in low or "<package" in low):
        return _ft("wsf", "Windows Script File (WSF)", "<job> with <script language=…>", True)
    if "<scriptlet" in low and "<registration" in low:
        return _ft("sct", "Windows scriptlet (SCT)", "<scriptlet> with <registration>", True)
    svg_at = low.find("<svg", 0, 4096)
    if svg_at >= 0 and not any(t in low[:svg_at] for t in ("<html", "<body")):
        if _SVG_SCRIPT.search(low):
            return _ft("svg_script", "SVG image with embedded script", "<svg> with script", True)
        return _ft("svg", "SVG image", "<svg> root")
    head = stripped[:2048]
    if head.startswith(("<!doctype html", "<html")) or any(
        t in head for t in ("<html", "<head>", "<body", "<meta ", "<title>")
    ):
        if extension(name) == "hta":
            return _ft("hta", "HTML application (HTA)", "HTML named .hta", True)
        return _ft("html", "HTML page", "HTML markup")
    return None


_PS_MARKERS = (
    "invoke-expression",
    "iex(",
    "iex (",
    "-encodedcommand",
    "-enc ",
    "frombase64string(",
    "net.webclient",
    "downloadstring(",
    "downloadfile(",
    "invoke-webrequest",
    "invoke-restmethod",
    "start-process",
    "-executionpolicy",
    "set-executionpolicy",
    "-windowstyle hidden",
    "$env:",
    "[system.reflection.assembly]",
    "add-type ",
    "new-object ",
    "get-wmiobject",
)
_VBS_OBJECTS = ("createobject(", "getobject(", "wscript.")
_VBS_SYNTAX = ("dim ", "set ", "end sub", "end function", "on error resume next", "& chr(", "sub ")
_JS_SYNTAX = ("var ", "function", "let ", "const ", "=>", ";")
_BATCH_MARKERS = (
    "%comspec%",
    "%~dp0",
    "cmd /c",
    "cmd.exe /c",
    "goto :eof",
    "setlocal",
    "%temp%\\",
    'start ""',
)
_ECHO_OFF = re.compile(r"(?m)^[ \t]*@?echo[ \t]+off\b")
_JS_WEB = ("function", "var ", "=>", "document.", "window.", "const ", "let ")


def _scripts(text: str, low: str, stripped: str, name: str) -> FileType | None:
    ps = [m for m in _PS_MARKERS if m in low]
    if len(ps) >= 2:
        return _ft(
            "powershell", "PowerShell script", "PowerShell markers: " + ", ".join(ps[:4]), True
        )
    if "activexobject" in low:
        return _ft("jscript", "JScript for Windows Script Host", "ActiveXObject", True)
    objects = [m for m in _VBS_OBJECTS if m in low]
    if objects:
        if any(m in low for m in _VBS_SYNTAX) and not _looks_js(low):
            return _ft("vbscript", "VBScript", "VBScript with " + objects[0].rstrip("("), True)
        if ("wscript." in low or "getobject(" in low) and _looks_js(low):
            return _ft("jscript", "JScript for Windows Script Host", "JScript with WScript", True)
    if _ECHO_OFF.search(low[:HEAD]):
        return _ft("batch", "Windows batch script", "@echo off line", True)
    bm = [m for m in _BATCH_MARKERS if m in low]
    if len(bm) >= 2:
        return _ft("batch", "Windows batch script", "batch markers: " + ", ".join(bm[:3]), True)
    if sum(1 for m in _JS_WEB if m in low) >= 2 and ("{" in low and "}" in low):
        return _ft("javascript", "JavaScript code", "JavaScript syntax")
    return None


def _looks_js(low: str) -> bool:
    return sum(1 for m in _JS_SYNTAX if m in low) >= 2 and "{" in low


def _binary(data: bytes) -> FileType:
    label = "unrecognised binary data"
    try:
        import puremagic  # local: only for naming what we do not recognise

        matches = puremagic.magic_string(data[:HEAD])
        if matches:
            best = max(matches, key=lambda m: m.confidence)
            if best.name:
                label = f"binary data ({str(best.name)[:60]})"
    except Exception:  # puremagic raises when nothing matches; never fatal
        pass
    return _ft("binary", label, "no known signature")
