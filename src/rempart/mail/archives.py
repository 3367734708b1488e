"""Archive and disk-image listings, within bounds, never extracting to disk.

:func:`list_archive` reads what an attachment contains: zip (own bounded reader
of the central directory, streaming decompression with caps), 7z (``py7zr``:
names, sizes, encryption; members are not unpacked), RAR 4/5 (``rarfile``'s
pure-Python header parser: names, sizes, encryption flags; only *stored*
members are read, since the ``unrar`` program is never run), ISO 9660 / UDF
(``pycdlib``), gzip/bzip2/xz (one member, decompressed under the budget), tar,
and CAB (names from the header, nothing decompressed). VHD/VHDX, raw disk
images and DMG are recognised but not listed.

Every cap comes from :class:`~rempart.mail.limits.MailLimits`: members listed
per attachment (nested members included), nesting depth, bytes unpacked per
message (a :class:`Budget` shared by all attachments), compression ratio, and a
time budget. A zip member whose declared ratio exceeds ``max_ratio`` is never
decompressed; streaming decompression stops as soon as the observed ratio or
the byte budget is exceeded. Identical members (same CRC and sizes, as in
``42.zip``) are read once. Results are frozen; problems are one-line strings.
"""

from __future__ import annotations

import bz2
import hashlib
import itertools
import logging
import lzma
import struct
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO
from typing import Protocol

from rempart.mail.filetypes import HEAD, OFFICE, FileType, ZipEntry, sniff, zip_directory
from rempart.mail.limits import DEFAULT_LIMITS, MailLimits, MiB

log = logging.getLogger(__name__)

CONTAINER_KINDS = frozenset(
    {"zip", "7z", "rar", "gzip", "bzip2", "xz", "zstd", "tar", "cab"}
    | {"iso", "udf", "vhd", "vhdx", "img", "dmg"}
)
"""Kinds (from :func:`~rempart.mail.filetypes.sniff`) that :func:`list_archive` opens."""
RATIO_FLOOR = 1 * MiB
"""Members smaller than this are never called bombs, whatever their ratio."""
_CHUNK = 64 * 1024
_MAX_LZMA_DICT = 64 * MiB


@dataclass(frozen=True)
class Member:
    """One file inside an archive (or inside an archive inside it)."""

    path: str
    """Path inside the attachment; nested archives are path segments
    (``lot.zip/facture.js``)."""
    size: int
    """Declared uncompressed size in bytes (-1 when unknown; may lie)."""
    packed: int
    """Compressed size in bytes (-1 when unknown)."""
    encrypted: bool
    depth: int
    """0 for members of the attachment itself, 1 inside a nested archive…"""
    filetype: FileType | None = None
    """What the first bytes are; None when the member was not read."""
    sha256: str = ""
    """SHA-256 of the whole member when it was read entirely, else ``""``."""
    truncated: bool = False
    """Only the beginning was read (over the size budget)."""
    data: bytes = field(default=b"", repr=False, compare=False)
    """The bytes read, kept only for Office documents (macro analysis)."""


@dataclass(frozen=True)
class ArchiveListing:
    """What an archive or disk image holds, as far as the bounds allowed."""

    kind: str
    members: tuple[Member, ...] = ()
    encrypted: bool = False
    """Some members (or the whole listing) are password-protected."""
    headers_encrypted: bool = False
    """Even the member names are encrypted (7z ``-mhe``, RAR ``-hp``)."""
    errors: tuple[str, ...] = ()
    """One line each: ``zip: member 3 ratio 1000:1, not unpacked (zip bomb)``."""
    truncated: bool = False
    """Not every member was listed or read (caps, time budget, cut attachment)."""
    bomb: str = ""
    """Why this looks like a decompression bomb or is over budget, ``""`` otherwise."""


class Budget:
    """What the archives of one message may still cost: bytes unpacked and time."""

    def __init__(self, limits: MailLimits = DEFAULT_LIMITS, seconds: float | None = None) -> None:
        self.limits = limits
        self.bytes_left = limits.max_unpacked_bytes
        self.seconds = limits.max_seconds / 2 if seconds is None else seconds
        self._end = time.monotonic() + self.seconds

    def expired(self) -> bool:
        return time.monotonic() > self._end

    def spend(self, n: int) -> None:
        self.bytes_left = max(0, self.bytes_left - n)


@dataclass(frozen=True)
class _Read:
    data: bytes
    complete: bool
    problem: str = ""
    bomb: bool = False


Reader = Callable[[int], _Read]


class _Walk:
    """Mutable state of one :func:`list_archive` call (frozen into the listing)."""

    def __init__(self, limits: MailLimits, budget: Budget) -> None:
        self.limits = limits
        self.budget = budget
        self.members: list[Member] = []
        self.errors: list[str] = []
        self.encrypted = False
        self.headers_encrypted = False
        self.truncated = False
        self.bomb = ""
        self.seen: dict[tuple[int, ...], Member] = {}
        self.copies = 0

    def error(self, msg: str) -> None:
        if len(self.errors) < 50 and msg not in self.errors:
            self.errors.append(msg[:300])

    def flag_bomb(self, msg: str) -> None:
        self.error(msg)
        if not self.bomb:
            self.bomb = msg[:300]

    def room(self, kind: str) -> bool:
        if self.budget.expired():
            self.truncated = True
            self.error(f"{kind}: time budget spent, the rest not listed")
            return False
        if len(self.members) >= self.limits.max_archive_members:
            self.truncated = True
            self.error(
                f"{kind}: more than {self.limits.max_archive_members} members, the rest not listed"
            )
            return False
        return True


def list_archive(
    data: bytes,
    kind: str,
    limits: MailLimits = DEFAULT_LIMITS,
    budget: Budget | None = None,
    name: str = "",
) -> ArchiveListing:
    """List the container ``data`` whose sniffed kind is ``kind`` (see
    :data:`CONTAINER_KINDS`). ``name`` is the attachment's name (gives the
    member name of a single-file gzip). Never raises."""
    walk = _Walk(limits, budget or Budget(limits))
    _list(walk, kind, data, "", 0, name)
    if walk.copies:
        walk.error(f"{kind}: {walk.copies} identical nested archives not listed again")
    return ArchiveListing(
        kind=kind,
        members=tuple(walk.members),
        encrypted=walk.encrypted,
        headers_encrypted=walk.headers_encrypted,
        errors=tuple(walk.errors),
        truncated=walk.truncated,
        bomb=walk.bomb,
    )


def _list(walk: _Walk, kind: str, data: bytes, prefix: str, depth: int, name: str) -> None:
    lister = _LISTERS.get(kind)
    if lister is None:
        walk.error(f"{kind}: contents not listed")
        return
    try:
        lister(walk, data, prefix, depth, name)
    except Exception as exc:  # third-party parsers raise anything on hostile input
        log.debug("%s listing failed: %r", kind, exc)
        walk.truncated = True
        walk.error(f"{kind}: unreadable ({type(exc).__name__}: {str(exc)[:120]})")


def _member(
    walk: _Walk,
    kind: str,
    path: str,
    depth: int,
    size: int,
    packed: int,
    encrypted: bool,
    read: Reader | None,
    key: tuple[int, ...] | None = None,
) -> None:
    """Record one member, reading it (head or whole) when allowed, and follow
    it when it is itself an archive."""
    if encrypted:
        walk.encrypted = True
    base = Member(path=path, size=size, packed=packed, encrypted=encrypted, depth=depth)
    if read is None or encrypted:
        walk.members.append(base)
        return
    if key is not None and key in walk.seen:
        prev = walk.seen[key]
        walk.members.append(
            Member(path, size, packed, encrypted, depth, prev.filetype, prev.sha256, prev.truncated)
        )
        if prev.filetype is not None and prev.filetype.kind in CONTAINER_KINDS:
            walk.copies += 1
        return
    whole_cap = min(walk.budget.bytes_left, walk.limits.max_part_bytes)
    # declared size: read that much (one byte more shows a lie); unknown (-1): up
    # to the budget; declared too big: only the head, for the type
    cap = min(HEAD, whole_cap) if size > whole_cap else (whole_cap if size < 0 else size)
    if whole_cap <= 0:
        walk.truncated = True
        walk.error(f"{kind}: unpack budget spent, {path[-120:]} not read")
        walk.members.append(base)
        return
    try:
        got = read(cap)
    except Exception as exc:  # zlib/bz2/lzma and library errors on corrupt members
        got = _Read(b"", False, f"unreadable ({type(exc).__name__})")
    walk.budget.spend(len(got.data))
    if got.problem:
        (walk.flag_bomb if got.bomb else walk.error)(f"{kind}: {path[-120:]}: {got.problem}")
    elif 0 <= size <= whole_cap and not got.complete:
        walk.flag_bomb(
            f"{kind}: {path[-120:]} unpacks to more than its declared {size} bytes "
            "(falsified size), not unpacked"
        )
    ft = sniff(got.data, path) if got.data else None
    digest = hashlib.sha256(got.data).hexdigest() if got.complete else ""
    keep = got.data if (got.complete and ft is not None and ft.family == OFFICE) else b""
    m = Member(path, size, packed, encrypted, depth, ft, digest, not got.complete, keep)
    walk.members.append(m)
    if key is not None:
        walk.seen[key] = m
    if not got.complete:
        walk.truncated = True
    if ft is not None and ft.kind in CONTAINER_KINDS and got.complete:
        if depth + 1 > walk.limits.max_archive_depth:
            walk.truncated = True
            walk.flag_bomb(
                f"{kind}: {path[-120:]} nests archives deeper than "
                f"{walk.limits.max_archive_depth} levels, not followed"
            )
        else:
            _list(walk, ft.kind, got.data, path + "/", depth + 1, path)


# ---------------------------------------------------------------- streaming decompression


class _Decoder(Protocol):
    @property
    def eof(self) -> bool: ...

    @property
    def needs_input(self) -> bool: ...

    def decompress(self, data: bytes, max_length: int = -1) -> bytes: ...


class _Zlib:
    """zlib's decompressobj behind the bz2/lzma decompressor interface."""

    def __init__(self, wbits: int) -> None:
        self._d = zlib.decompressobj(wbits)
        self._tail = b""

    @property
    def eof(self) -> bool:
        return self._d.eof

    @property
    def needs_input(self) -> bool:
        return not self._tail

    def decompress(self, data: bytes, max_length: int = -1) -> bytes:
        src = self._tail + data if self._tail else data
        out = self._d.decompress(src, max(1, max_length))
        self._tail = self._d.unconsumed_tail
        return out


def _stream(dec: _Decoder, raw: memoryview, cap: int, max_ratio: int, budget: Budget) -> _Read:
    """Decompress ``raw`` into at most ``cap`` bytes, stopping early on a ratio
    above ``max_ratio`` (past :data:`RATIO_FLOOR`) or when time runs out."""
    out = bytearray()
    pos = 0
    while not dec.eof:
        if dec.needs_input:
            if pos >= len(raw):
                return _Read(bytes(out), False, "compressed data ends early")
            inp = bytes(raw[pos : pos + _CHUNK])
            pos += len(inp)
        else:
            inp = b""
        out += dec.decompress(inp, min(cap + 1 - len(out), MiB))
        if len(out) > RATIO_FLOOR and len(out) > max_ratio * max(pos, 1):
            ratio = len(out) // max(pos, 1)
            msg = f"ratio over {ratio}:1 after {len(out) // MiB} MiB, not unpacked (bomb)"
            return _Read(bytes(out[:HEAD]), False, msg, True)
        if len(out) > cap:
            return _Read(bytes(out[:cap]), False)
        if budget.expired():
            return _Read(bytes(out), False, "time budget spent while unpacking")
    return _Read(bytes(out), True)


# ---------------------------------------------------------------- zip


def _list_zip(walk: _Walk, data: bytes, prefix: str, depth: int, name: str) -> None:
    zd = zip_directory(data, walk.limits.max_archive_members + 1)
    if zd.error:
        walk.truncated = True
        walk.error(f"zip: {zd.error}")
    if _overlapping(zd.entries):
        walk.flag_bomb("zip: members overlap in the file (overlapping-entries zip bomb)")
        return
    _zip_members(walk, data, zd.entries, prefix, depth)
    _local_only(walk, data, {e.name for e in zd.entries}, prefix, depth)
    declared = sum(max(e.size, 0) for e in zd.entries)
    if declared > walk.limits.max_unpacked_bytes:
        walk.flag_bomb(
            f"zip: declares {declared // MiB} MiB unpacked, over the "
            f"{walk.limits.max_unpacked_bytes // MiB} MiB budget"
        )


def _zip_members(
    walk: _Walk, data: bytes, entries: tuple[ZipEntry, ...], prefix: str, depth: int
) -> None:
    for i, e in enumerate(entries, 1):
        if not walk.room("zip"):
            return
        if e.name.endswith("/") and e.size == 0:
            continue
        path = prefix + e.name
        ratio = e.size / e.packed if e.packed else float("inf")
        if e.size > RATIO_FLOOR and ratio > walk.limits.max_ratio:
            shown = "∞" if e.packed == 0 else f"{int(ratio)}"
            walk.flag_bomb(f"zip: member {i} ratio {shown}:1, not unpacked (zip bomb)")
            walk.members.append(Member(path, e.size, e.packed, e.encrypted, depth))
            walk.encrypted = walk.encrypted or e.encrypted
            continue
        key = (e.crc, e.packed, e.size, e.method)
        read = _zip_reader(walk, data, e)
        _member(walk, "zip", path, depth, e.size, e.packed, e.encrypted, read, key)


def _local_only(walk: _Walk, data: bytes, listed: set[str], prefix: str, depth: int) -> None:
    """Members present only as local headers: a cut attachment, or a second zip
    concatenated to the first (some unzip tools show one, some the other)."""
    found = 0
    at = data.find(b"PK\x03\x04")
    while at >= 0 and at + 30 <= len(data) and walk.room("zip"):
        flags, _, _, _, _, packed, size, nlen, xlen = struct.unpack_from("<4H3I2H", data, at + 6)
        name = data[at + 30 : at + 30 + nlen].decode(
            "utf-8" if flags & 0x800 else "cp437", "replace"
        )
        if name and name not in listed and not name.endswith("/"):
            listed.add(name)
            found += 1
            walk.members.append(Member(prefix + name, size, packed, bool(flags & 1), depth))
            walk.encrypted = walk.encrypted or bool(flags & 1)
        skip = 30 + nlen + xlen + (0 if flags & 0x08 else packed)
        at = data.find(b"PK\x03\x04", at + max(skip, 4))
    if found:
        walk.error(f"zip: {found} member(s) only in local headers (cut or concatenated zip)")


def _overlapping(entries: tuple[ZipEntry, ...]) -> bool:
    spans = sorted((e.offset, e.offset + 30 + e.packed) for e in entries if e.packed >= 0)
    return any(nxt[0] < cur[1] for cur, nxt in itertools.pairwise(spans))


def _zip_reader(walk: _Walk, data: bytes, e: ZipEntry) -> Reader:
    def read(cap: int) -> _Read:
        return _zip_read(data, e, cap, walk.limits.max_ratio, walk.budget)

    return read


def read_zip_member(
    data: bytes, entry: ZipEntry, cap: int, limits: MailLimits, budget: Budget
) -> tuple[bytes, bool]:
    """At most ``cap`` bytes of one zip member (streaming, ratio-capped, charged
    to ``budget``): (bytes, complete). Never raises."""
    try:
        got = _zip_read(data, entry, min(cap, budget.bytes_left), limits.max_ratio, budget)
    except Exception as exc:  # zlib/bz2/lzma errors on corrupt data
        log.debug("zip member read failed: %r", exc)
        return b"", False
    budget.spend(len(got.data))
    return got.data, got.complete and not got.problem


def _zip_read(data: bytes, e: ZipEntry, cap: int, max_ratio: int, budget: Budget) -> _Read:
    at = e.offset
    if data[at : at + 4] != b"PK\x03\x04":
        return _Read(b"", False, "local header missing")
    nlen, xlen = struct.unpack_from("<2H", data, at + 26)
    start = at + 30 + nlen + xlen
    raw = memoryview(data)[start : start + e.packed]
    if len(raw) < e.packed:
        return _Read(b"", False, "member cut (attachment truncated?)")
    if e.encrypted:
        return _Read(b"", False, "encrypted")
    if e.method == 0:
        return _Read(bytes(raw[:cap]), len(raw) <= cap)
    if e.method == 8:
        return _stream(_Zlib(-15), raw, cap, max_ratio, budget)
    if e.method == 12:
        return _stream(bz2.BZ2Decompressor(), raw, cap, max_ratio, budget)
    if e.method == 14:
        dec = _zip_lzma(raw)
        if isinstance(dec, str):
            return _Read(b"", False, dec)
        return _stream(dec, raw[4 + 5 :], cap, max_ratio, budget)
    return _Read(b"", False, f"compression method {e.method} not supported, not read")


def _zip_lzma(raw: memoryview) -> lzma.LZMADecompressor | str:
    if len(raw) < 9:
        return "lzma header cut"
    props = bytes(raw[4:9])
    d, dict_size = props[0], struct.unpack_from("<I", props, 1)[0]
    if d >= 9 * 5 * 5 or dict_size > _MAX_LZMA_DICT:
        return "lzma parameters refused"
    lc, rest = d % 9, d // 9
    filt = {"id": lzma.FILTER_LZMA1, "lc": lc, "lp": rest % 5, "pb": rest // 5}
    filt["dict_size"] = max(dict_size, 4096)
    return lzma.LZMADecompressor(format=lzma.FORMAT_RAW, filters=[filt])


# ---------------------------------------------------------------- single-file compressors


def _single_name(kind: str, data: bytes, name: str) -> str:
    base = name.replace("\\", "/").rpartition("/")[2] or "data"
    if kind == "gzip" and len(data) > 10 and data[3] & 0x08:
        at = 10
        if data[3] & 0x04 and len(data) > 12:
            at += 2 + struct.unpack_from("<H", data, 10)[0]
        end = data.find(b"\x00", at, at + 1024)
        if end > at:
            return data[at:end].decode("latin-1")
    low = base.lower()
    for ext, repl in ((".tgz", ".tar"), (".gz", ""), (".bz2", ""), (".xz", ""), (".z", "")):
        if low.endswith(ext) and len(base) > len(ext):
            return base[: -len(ext)] + repl
    return base + ".out"


def _list_single(walk: _Walk, data: bytes, prefix: str, depth: int, name: str) -> None:
    kind = sniff(data[:16]).kind
    inner = _single_name(kind, data, name)
    if kind == "gzip" and len(data) >= 18:
        (isize,) = struct.unpack_from("<I", data, len(data) - 4)
        if isize > RATIO_FLOOR and isize > walk.limits.max_ratio * len(data):
            walk.flag_bomb(f"gzip: ratio {isize // len(data)}:1, not unpacked (bomb)")
            walk.members.append(Member(prefix + inner, isize, len(data), False, depth))
            return
    dec: _Decoder
    if kind == "gzip":
        dec = _Zlib(16 + 15)
    elif kind == "bzip2":
        dec = bz2.BZ2Decompressor()
    else:
        dec = lzma.LZMADecompressor(format=lzma.FORMAT_XZ, memlimit=256 * MiB)
    raw = memoryview(data)

    def read(cap: int) -> _Read:
        return _stream(dec, raw, cap, walk.limits.max_ratio, walk.budget)

    if walk.room(kind):
        _member(walk, kind, prefix + inner, depth, -1, len(data), False, read)


# ---------------------------------------------------------------- 7z, rar


def _list_7z(walk: _Walk, data: bytes, prefix: str, depth: int, name: str) -> None:
    import py7zr  # local: heavy import, only for 7z attachments

    try:
        archive = py7zr.SevenZipFile(BytesIO(data))
    except py7zr.exceptions.PasswordRequired:
        walk.encrypted = walk.headers_encrypted = True
        walk.error("7z: names encrypted (password-protected headers)")
        return
    with archive:
        encrypted = bool(archive.needs_password())
        infos = archive.list()
    total = 0
    for info in infos:
        if info.is_directory:
            continue
        if not walk.room("7z"):
            return
        total += max(info.uncompressed or 0, 0)
        packed = info.compressed if info.compressed is not None else -1
        _member(
            walk, "7z", prefix + info.filename, depth, info.uncompressed, packed, encrypted, None
        )
    walk.encrypted = walk.encrypted or encrypted
    _declared_check(walk, "7z", total, len(data))


def _declared_check(walk: _Walk, kind: str, total: int, packed: int) -> None:
    budget = walk.limits.max_unpacked_bytes
    if total > RATIO_FLOOR and total > walk.limits.max_ratio * max(packed, 1):
        walk.flag_bomb(f"{kind}: declares {total // MiB} MiB from {packed} bytes (bomb)")
    elif total > budget:
        walk.flag_bomb(f"{kind}: declares {total // MiB} MiB unpacked, over the budget")


def _list_rar(walk: _Walk, data: bytes, prefix: str, depth: int, name: str) -> None:
    import rarfile  # local: only for RAR attachments; the unrar tool is never run

    rf = rarfile.RarFile(BytesIO(data))
    infos = rf.infolist()
    if rf.needs_password() and not infos:
        walk.encrypted = walk.headers_encrypted = True
        walk.error("rar: names encrypted (password-protected headers)")
        return
    total = 0
    for info in infos:
        if info.is_dir():
            continue
        if not walk.room("rar"):
            return
        size = int(info.file_size or 0)
        total += size
        enc = bool(info.needs_password())
        stored = info.compress_type == rarfile.RAR_M0 and info.file_redir is None
        read = _rar_reader(rf, info) if stored and not enc else None
        _member(
            walk, "rar", prefix + info.filename, depth, size, int(info.compress_size), enc, read
        )
    _declared_check(walk, "rar", total, len(data))


def _rar_reader(rf: object, info: object) -> Reader:
    def read(cap: int) -> _Read:
        with rf.open(info) as f:  # type: ignore[attr-defined]
            got = f.read(cap + 1)
        return _Read(got[:cap], len(got) <= cap)

    return read


# ---------------------------------------------------------------- tar, cab


def _list_tar(walk: _Walk, data: bytes, prefix: str, depth: int, name: str) -> None:
    import tarfile

    with tarfile.open(fileobj=BytesIO(data), mode="r:") as tf:
        while walk.room("tar"):
            info = tf.next()
            if info is None:
                return
            if not info.isfile():
                continue

            def read(cap: int, info: tarfile.TarInfo = info) -> _Read:
                f = tf.extractfile(info)
                got = f.read(cap + 1) if f is not None else b""
                return _Read(got[:cap], len(got) <= cap)

            _member(walk, "tar", prefix + info.name, depth, info.size, info.size, False, read)


def _list_cab(walk: _Walk, data: bytes, prefix: str, depth: int, name: str) -> None:
    if len(data) < 36:
        walk.error("cab: header cut")
        return
    (coff_files,) = struct.unpack_from("<I", data, 16)
    (n_files,) = struct.unpack_from("<H", data, 28)
    at = coff_files
    total = 0
    for _ in range(n_files):
        if not walk.room("cab"):
            return
        if at + 16 > len(data):
            walk.error("cab: file list cut")
            return
        size, _, _, _, _, attribs = struct.unpack_from("<2I4H", data, at)
        end = data.find(b"\x00", at + 16, at + 16 + 512)
        if end < 0:
            walk.error("cab: unterminated file name")
            return
        raw = data[at + 16 : end]
        fname = raw.decode("utf-8" if attribs & 0x80 else "cp1252", "replace")
        total += size
        _member(walk, "cab", prefix + fname.replace("\\", "/"), depth, size, -1, False, None)
        at = end + 1
    _declared_check(walk, "cab", total, len(data))


# ---------------------------------------------------------------- disk images


def _list_iso(walk: _Walk, data: bytes, prefix: str, depth: int, name: str) -> None:
    import pycdlib  # local: only for disk images

    iso = pycdlib.PyCdlib()
    iso.open_fp(BytesIO(data))
    try:
        if iso.has_udf():
            facade = "udf_path"
        elif iso.has_joliet():
            facade = "joliet_path"
        elif iso.has_rock_ridge():
            facade = "rr_path"
        else:
            facade = "iso_path"
        for root, _dirs, files in iso.walk(**{facade: "/"}):
            for fname in files:
                if not walk.room("iso"):
                    return
                full = root.rstrip("/") + "/" + fname
                shown = fname[:-2] if facade == "iso_path" and fname.endswith(";1") else fname
                rec = iso.get_record(**{facade: full})
                size = int(rec.get_data_length())
                path = prefix + (root.rstrip("/") + "/" + shown).lstrip("/")
                _member(walk, "iso", path, depth, size, size, False, _iso_reader(iso, facade, full))
    finally:
        iso.close()


def _iso_reader(iso: object, facade: str, full: str) -> Reader:
    def read(cap: int) -> _Read:
        with iso.open_file_from_iso(**{facade: full}) as f:  # type: ignore[attr-defined]
            got = f.read(cap + 1)
        return _Read(got[:cap], len(got) <= cap)

    return read


def _not_listed(walk: _Walk, data: bytes, prefix: str, depth: int, name: str) -> None:
    walk.truncated = True
    walk.error("disk image: contents not listed (VHD/VHDX/DMG/raw images are not opened)")


def _no_decoder(walk: _Walk, data: bytes, prefix: str, depth: int, name: str) -> None:
    walk.truncated = True
    walk.error("zstd: not unpacked (no decoder)")


_LISTERS: dict[str, Callable[[_Walk, bytes, str, int, str], None]] = {
    "zip": _list_zip,
    "gzip": _list_single,
    "bzip2": _list_single,
    "xz": _list_single,
    "7z": _list_7z,
    "rar": _list_rar,
    "tar": _list_tar,
    "cab": _list_cab,
    "iso": _list_iso,
    "udf": _list_iso,
    "vhd": _not_listed,
    "vhdx": _not_listed,
    "img": _not_listed,
    "dmg": _not_listed,
    "zstd": _no_decoder,
}


# ---------------------------------------------------------------- OneNote

_FDSO = bytes.fromhex("e716e3bd65261145a4c48d4d0b7a9eac")
"""[MS-ONESTORE] FileDataStoreObject header GUID: an embedded file follows."""


def onenote_files(data: bytes, limit: int = 50) -> tuple[tuple[FileType, int], ...]:
    """The embedded files of a OneNote notebook: (type of their first bytes,
    declared size), at most ``limit``. Nothing is extracted."""
    out: list[tuple[FileType, int]] = []
    at = data.find(_FDSO)
    while at >= 0 and len(out) < limit:
        if at + 36 > len(data):
            break
        (size,) = struct.unpack_from("<Q", data, at + 16)
        start = at + 36
        out.append((sniff(data[start : start + min(size, HEAD)]), int(size)))
        at = data.find(_FDSO, start)
    return tuple(out)
