"""Byte-exact builders for the attachment fixtures (no binary is downloaded).

Every builder writes a real, minimal file of its format from the published
specifications, so the detectors meet the same bytes an attacker would send:

* :func:`cfb` — [MS-CFB] compound file (OLE2), version 3, with a mini stream;
* :func:`ovba_compress` — [MS-OVBA] 2.4.1 compression (with copy tokens);
* :func:`vba_streams` — a VBA project (``PROJECT``, ``PROJECTwm``, ``VBA/dir``,
  ``VBA/_VBA_PROJECT`` and one module stream) as Word/Excel store it; used in an
  OLE ``.doc`` (``Macros/``) and in ``word/vbaProject.bin`` of a ``.docm``;
* :func:`zip_file` — zip writer taking raw (pre-compressed) members, with
  optional ZipCrypto encryption (PKWARE APPNOTE 6.1);
* :func:`rar5` — RAR 5.0 archive with stored members (optionally flagged
  encrypted), headers CRC-checked as ``rarfile`` expects;
* :func:`pe` — a minimal PE32 header (never a working program: no code);
* :func:`lnk`, :func:`onenote`, :func:`ole1_package`, :func:`rtf_object`…

Bombs are generated small: a deflate stream of zeros is a repeated block, so
1 GiB of zeros costs 1 MiB and a few milliseconds (:func:`zero_deflate`).
"""

from __future__ import annotations

import binascii
import io
import struct
import zlib
from dataclasses import dataclass, field

# ---------------------------------------------------------------- MS-CFB (OLE2)

_FREE, _END, _FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
_NOSTREAM = 0xFFFFFFFF


@dataclass(eq=False)
class _Node:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: dict[str, _Node] = field(default_factory=dict)
    sid: int = 0
    start: int = _END


def cfb(files: dict[str, bytes], root_clsid: bytes = bytes(16)) -> bytes:
    """A compound file holding ``files`` (``"Macros/VBA/dir"`` → bytes)."""
    root = _Node("Root Entry", 5)
    for path, data in files.items():
        parts = path.split("/")
        cur = root
        for p in parts[:-1]:
            cur = cur.children.setdefault(p, _Node(p, 1))
        cur.children[parts[-1]] = _Node(parts[-1], 2, data)
    nodes: list[_Node] = []

    def number(n: _Node) -> None:
        n.sid = len(nodes)
        nodes.append(n)
        for c in n.children.values():
            number(c)

    number(root)
    # mini stream for streams under 4096 bytes
    mini = bytearray()
    minifat: list[int] = []
    for n in nodes:
        if n.kind == 2 and 0 < len(n.data) < 4096:
            count = -(-len(n.data) // 64)
            n.start = len(minifat)
            minifat.extend(range(n.start + 1, n.start + count))
            minifat.append(_END)
            mini += n.data.ljust(count * 64, b"\x00")
    sectors: list[bytes] = []
    fat: list[int] = []

    def alloc(blob: bytes) -> int:
        if not blob:
            return _END
        first = len(sectors)
        count = -(-len(blob) // 512)
        for i in range(count):
            sectors.append(blob[i * 512 : (i + 1) * 512].ljust(512, b"\x00"))
            fat.append(first + i + 1 if i < count - 1 else _END)
        return first

    minifat_blob = b"".join(struct.pack("<I", x) for x in minifat)
    minifat_start = alloc(minifat_blob)
    root.start = alloc(bytes(mini))
    root.data = bytes(mini)
    for n in nodes:
        if n.kind == 2 and len(n.data) >= 4096:
            n.start = alloc(n.data)
    dir_blob = b"".join(_direntry(n, nodes, root_clsid) for n in nodes)
    dir_start = alloc(dir_blob.ljust(-(-len(dir_blob) // 512) * 512, b"\x00"))
    n_fat = 1
    while (len(sectors) + n_fat) > n_fat * 128:
        n_fat += 1
    fat_first = len(sectors)
    fat.extend([_FATSECT] * n_fat)
    fat.extend([_FREE] * (n_fat * 128 - len(fat)))
    fat_blob = b"".join(struct.pack("<I", x) for x in fat)
    for i in range(n_fat):
        sectors.append(fat_blob[i * 512 : (i + 1) * 512])
    difat = [fat_first + i for i in range(n_fat)] + [_FREE] * (109 - n_fat)
    n_minifat = -(-len(minifat_blob) // 512)
    header = struct.pack(
        "<8s16s5H6s9I",
        bytes.fromhex("d0cf11e0a1b11ae1"),
        bytes(16),
        0x3E,  # minor version
        3,  # major version (512-byte sectors)
        0xFFFE,  # byte order
        9,  # sector shift
        6,  # mini sector shift
        bytes(6),
        0,  # directory sectors (always 0 in version 3)
        n_fat,
        dir_start,
        0,  # transaction signature
        4096,  # mini stream cutoff
        minifat_start,
        n_minifat,
        _END,  # first DIFAT sector: none
        0,
    )
    header += b"".join(struct.pack("<I", x) for x in difat)
    return header + b"".join(sectors)


def _direntry(n: _Node, nodes: list[_Node], root_clsid: bytes) -> bytes:
    name = n.name.encode("utf-16-le") + b"\x00\x00"
    kids = sorted(n.children.values(), key=lambda c: (len(c.name), c.name.upper()))
    child = _tree(kids)
    left = right = _NOSTREAM
    for parent in nodes:
        siblings = sorted(parent.children.values(), key=lambda c: (len(c.name), c.name.upper()))
        if any(s is n for s in siblings):
            left, right = _links(siblings, n)
    size = len(n.data) if n.kind in (2, 5) else 0
    clsid = root_clsid if n.kind == 5 else bytes(16)
    return struct.pack(
        "<64sHBB3I16sI16sIQ",
        name,
        len(name),
        n.kind,
        1,
        left,
        right,
        child,
        clsid,
        0,
        bytes(16),
        n.start if n.kind != 1 else 0,
        size,
    )


def _tree(kids: list[_Node]) -> int:
    """Root sid of a balanced binary tree over sorted siblings."""
    if not kids:
        return _NOSTREAM
    return kids[len(kids) // 2].sid


def _links(kids: list[_Node], n: _Node) -> tuple[int, int]:
    lo, hi = 0, len(kids)
    while lo < hi:
        mid = (lo + hi) // 2
        if kids[mid] is n:
            left_part, right_part = kids[lo:mid], kids[mid + 1 : hi]
            return _tree(left_part), _tree(right_part)
        if (len(n.name), n.name.upper()) < (len(kids[mid].name), kids[mid].name.upper()):
            hi = mid
        else:
            lo = mid + 1
    return _NOSTREAM, _NOSTREAM


# ---------------------------------------------------------------- MS-OVBA


def ovba_compress(data: bytes) -> bytes:
    """[MS-OVBA] 2.4.1.3.6 compression: literal and copy tokens per 4096-byte chunk."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), 4096):
        chunk = data[start : start + 4096]
        body = _compress_chunk(chunk)
        if len(body) > 4096:  # incompressible: raw chunk of exactly 4096 bytes
            out += struct.pack("<H", 0x3FFF) + chunk.ljust(4096, b"\x00")
        else:
            out += struct.pack("<H", (len(body) + 2 - 3) | 0xB000) + body
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    body = bytearray()
    pos = 0
    while pos < len(chunk):
        flag_at = len(body)
        body.append(0)
        flags = 0
        for bit in range(8):
            if pos >= len(chunk):
                break
            bit_count = max((pos - 1).bit_length(), 4) if pos > 0 else 4
            max_len = (0xFFFF >> bit_count) + 3
            best_len, best_off = 0, 0
            for cand in range(pos - 1, max(-1, pos - (1 << bit_count) - 1), -1):
                ln = 0
                while (
                    ln < max_len and pos + ln < len(chunk) and chunk[cand + ln] == chunk[pos + ln]
                ):
                    ln += 1
                if ln > best_len:
                    best_len, best_off = ln, pos - cand
            if best_len >= 3:
                token = ((best_off - 1) << (16 - bit_count)) | (best_len - 3)
                body += struct.pack("<H", token)
                flags |= 1 << bit
                pos += best_len
            else:
                body.append(chunk[pos])
                pos += 1
        body[flag_at] = flags
    return bytes(body)


def _rec(rid: int, payload: bytes) -> bytes:
    return struct.pack("<HI", rid, len(payload)) + payload


def vba_dir(modules: list[tuple[str, bool]]) -> bytes:
    """The uncompressed ``dir`` stream for ``modules`` (name, is_document_module)."""
    out = bytearray()
    out += _rec(0x0001, struct.pack("<I", 1))  # PROJECTSYSKIND: 32-bit Windows
    out += _rec(0x0002, struct.pack("<I", 0x409))  # PROJECTLCID
    out += _rec(0x0014, struct.pack("<I", 0x409))  # PROJECTLCIDINVOKE
    out += _rec(0x0003, struct.pack("<H", 1252))  # PROJECTCODEPAGE
    out += _rec(0x0004, b"Project")  # PROJECTNAME
    out += _rec(0x0005, b"") + _rec(0x0040, b"")  # PROJECTDOCSTRING
    out += _rec(0x0006, b"") + _rec(0x003D, b"")  # PROJECTHELPFILEPATH
    out += _rec(0x0007, struct.pack("<I", 0))  # PROJECTHELPCONTEXT
    out += _rec(0x0008, struct.pack("<I", 0))  # PROJECTLIBFLAGS
    out += struct.pack("<HIIH", 0x0009, 4, 1, 0)  # PROJECTVERSION
    out += _rec(0x000C, b"") + _rec(0x003C, b"")  # PROJECTCONSTANTS
    out += _rec(0x000F, struct.pack("<H", len(modules)))  # PROJECTMODULES
    out += _rec(0x0013, struct.pack("<H", 0xFFFF))  # PROJECTCOOKIE
    for name, document in modules:
        raw, uni = name.encode("cp1252"), name.encode("utf-16-le")
        out += _rec(0x0019, raw) + _rec(0x0047, uni)  # MODULENAME, MODULENAMEUNICODE
        out += _rec(0x001A, raw) + _rec(0x0032, uni)  # MODULESTREAMNAME
        out += _rec(0x001C, b"") + _rec(0x0048, b"")  # MODULEDOCSTRING
        out += _rec(0x0031, struct.pack("<I", 0))  # MODULEOFFSET: source at 0
        out += _rec(0x001E, struct.pack("<I", 0))  # MODULEHELPCONTEXT
        out += _rec(0x002C, struct.pack("<H", 0xFFFF))  # MODULECOOKIE
        out += struct.pack("<HI", 0x0022 if document else 0x0021, 0)  # MODULETYPE
        out += struct.pack("<HI", 0x002B, 0)  # TERMINATOR
    out += struct.pack("<HI", 0x0010, 0)  # dir terminator
    return bytes(out)


def vba_streams(code: str, module: str, document: bool, prefix: str = "") -> dict[str, bytes]:
    """The streams of a VBA project holding one module with ``code``."""
    kind = f"Document={module}/&H00000000" if document else f"Module={module}"
    project = (
        'ID="{4E3D2D34-9C1B-4C58-9E5E-2B0F2C0A7D11}"\r\n'
        f"{kind}\r\n"
        'Name="Project"\r\nHelpContextID="0"\r\nVersionCompatible32="393222000"\r\n'
        "\r\n[Host Extender Info]\r\n"
        "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000\r\n"
        f"\r\n[Workspace]\r\n{module}=0, 0, 0, 0, C\r\n"
    ).encode("cp1252")
    wm = module.encode("cp1252") + b"\x00" + module.encode("utf-16-le") + b"\x00\x00" + b"\x00\x00"
    source = f'Attribute VB_Name = "{module}"\r\n{code}'.encode("cp1252")
    return {
        prefix + "PROJECT": project,
        prefix + "PROJECTwm": wm,
        prefix + "VBA/_VBA_PROJECT": b"\xcc\x61\xff\xff\x00\x00\x00",
        prefix + "VBA/dir": ovba_compress(vba_dir([(module, document)])),
        prefix + "VBA/" + module: ovba_compress(source),
    }


def word97_doc(code: str | None, text: str = "Document") -> bytes:
    """A Word 97-2003 ``.doc`` (OLE2) with a VBA project in ``Macros/`` when
    ``code`` is given. The WordDocument stream is a stub FIB (not renderable)."""
    fib = struct.pack("<HH", 0xA5EC, 0x00C1) + bytes(4096 - 4)
    files = {"WordDocument": fib + text.encode("cp1252"), "1Table": bytes(4096)}
    if code is not None:
        files.update(vba_streams(code, "ThisDocument", True, "Macros/"))
    return cfb(files)


# ---------------------------------------------------------------- zip


_DOS_TIME = (12 << 11) | (0 << 5), (46 << 9) | (3 << 5) | 14  # 2026-03-14 12:00


@dataclass
class ZipMember:
    name: str
    data: bytes = b""
    """Uncompressed content (compressed here unless ``raw`` is given)."""
    raw: bytes | None = None
    """Already-deflated bytes (with ``size`` and ``crc``)."""
    size: int = -1
    crc: int = -1
    stored: bool = False
    password: bytes | None = None


def zip_file(members: list[ZipMember]) -> bytes:
    """A zip archive; members with ``password`` use ZipCrypto."""
    out = bytearray()
    central = bytearray()
    for m in members:
        if m.raw is not None:
            payload, size, crc, method = m.raw, m.size, m.crc, 8
        elif m.stored:
            payload, size, crc, method = m.data, len(m.data), zlib.crc32(m.data), 0
        else:
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            payload = c.compress(m.data) + c.flush()
            size, crc, method = len(m.data), zlib.crc32(m.data), 8
        flags = 0x800
        if m.password is not None:
            flags |= 1
            payload = _zipcrypto(payload, m.password, crc)
        name = m.name.encode("utf-8")
        t, d = _DOS_TIME
        local = struct.pack(
            "<4s5H3I2H",
            b"PK\x03\x04",
            20,
            flags,
            method,
            t,
            d,
            crc,
            len(payload),
            size,
            len(name),
            0,
        )
        central += struct.pack(
            "<4s6H3I5H2I",
            b"PK\x01\x02",
            20,
            20,
            flags,
            method,
            t,
            d,
            crc,
            len(payload),
            size,
            len(name),
            0,
            0,
            0,
            0,
            0,
            len(out),
        )
        central += name
        out += local + name + payload
    end = struct.pack(
        "<4s4H2IH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central), len(out), 0
    )
    return bytes(out + central + end)


def _zipcrypto(payload: bytes, password: bytes, crc: int) -> bytes:
    keys = [0x12345678, 0x23456789, 0x34567890]

    def update(c: int) -> None:
        keys[0] = zlib.crc32(bytes([c]), keys[0] ^ 0xFFFFFFFF) ^ 0xFFFFFFFF
        keys[1] = (keys[1] + (keys[0] & 0xFF)) & 0xFFFFFFFF
        keys[1] = (keys[1] * 134775813 + 1) & 0xFFFFFFFF
        keys[2] = zlib.crc32(bytes([keys[1] >> 24]), keys[2] ^ 0xFFFFFFFF) ^ 0xFFFFFFFF

    for ch in password:
        update(ch)
    header = bytes(range(11)) + bytes([crc >> 24 & 0xFF])
    out = bytearray()
    for b in header + payload:
        k = keys[2] | 2
        out.append(b ^ (((k * (k ^ 1)) >> 8) & 0xFF))
        update(b)
    return bytes(out)


def zero_deflate(mib: int) -> tuple[bytes, int]:
    """A raw deflate stream of ``mib`` MiB of zeros, built from one repeated
    block (full flush makes every block identical): (stream, crc32)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(bytes(1 << 20)) + c.flush(zlib.Z_FULL_FLUSH)
    stream = block * mib + b"\x03\x00"  # final empty fixed-Huffman block
    crc = 0
    zeros = bytes(1 << 20)
    for _ in range(mib):
        crc = zlib.crc32(zeros, crc)
    return stream, crc


def zero_bomb_zip(mib: int, name: str = "zeros.bin") -> bytes:
    """A zip with one member of ``mib`` MiB of zeros (ratio about 1000:1)."""
    stream, crc = zero_deflate(mib)
    return zip_file([ZipMember(name, raw=stream, size=mib << 20, crc=crc)])


def nested_bomb(levels: int = 5, copies: int = 16, leaf_mib: int = 16) -> bytes:
    """A 42.zip-style recursive bomb: ``copies`` identical zips per level."""
    stream, crc = zero_deflate(leaf_mib)
    leaf = [ZipMember(f"{i}.bin", raw=stream, size=leaf_mib << 20, crc=crc) for i in range(copies)]
    inner = zip_file(leaf)
    for level in range(levels - 1):
        inner = zip_file([ZipMember(f"lvl{level}-{i}.zip", inner) for i in range(copies)])
    return inner


# ---------------------------------------------------------------- RAR 5


def _vint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _rar_block(body: bytes, data: bytes = b"") -> bytes:
    size = _vint(len(body))
    crc = struct.pack("<I", binascii.crc32(size + body))
    return crc + size + body + data


def rar5(members: list[tuple[str, bytes]], encrypted: bool = False) -> bytes:
    """A RAR 5.0 archive with stored members; ``encrypted`` adds the file
    encryption record (the data is then not really encrypted: enough for a
    listing, which is all Rempart does)."""
    out = bytearray(b"Rar!\x1a\x07\x01\x00")
    out += _rar_block(_vint(1) + _vint(0) + _vint(0))  # main header
    for name, data in members:
        extra = b""
        if encrypted:
            rec = _vint(1) + _vint(0) + _vint(0) + bytes([15]) + bytes(16) + bytes(16)
            extra = _vint(len(rec)) + rec
        nm = name.encode("utf-8")
        body = _vint(2) + _vint(0x01 | 0x02 if extra else 0x02)
        if extra:
            body += _vint(len(extra))
        body += _vint(len(data))
        body += _vint(0x04) + _vint(len(data)) + _vint(0x20)  # flags: CRC; size; attrs
        body += struct.pack("<I", binascii.crc32(data))
        body += _vint(0) + _vint(0) + _vint(len(nm)) + nm + extra  # stored, Windows
        out += _rar_block(body, data)
    out += _rar_block(_vint(5) + _vint(0) + _vint(0))  # end of archive
    return bytes(out)


# ---------------------------------------------------------------- Windows formats


def pe(dll: bool = False, dotnet: bool = False) -> bytes:
    """A PE32 header with no code (recognisable, never runnable)."""
    dos = bytearray(b"MZ" + bytes(0x3A) + struct.pack("<I", 0x80))
    dos += b"This program cannot be run in DOS mode.\r\r\n$".ljust(0x80 - len(dos), b"\x00")
    coff = struct.pack("<4s2H3I2H", b"PE\x00\x00", 0x14C, 0, 0, 0, 0, 224, 0x2102 if dll else 0x102)
    opt = bytearray(224)
    struct.pack_into("<H", opt, 0, 0x10B)
    struct.pack_into("<I", opt, 92, 16)  # NumberOfRvaAndSizes
    if dotnet:
        struct.pack_into("<2I", opt, 96 + 14 * 8, 0x2008, 0x48)
    return bytes(dos) + coff + bytes(opt) + bytes(512)


def lnk(target: str = r"C:\Windows\System32\cmd.exe") -> bytes:
    """A shell link header ([MS-SHLLINK]) followed by a relative-path string."""
    header = bytes.fromhex("4c0000000114020000000000c000000000000046")
    header += struct.pack("<I", 0x08 | 0x80)  # HasRelativePath, IsUnicode
    header += bytes(76 - len(header))
    rel = target.encode("utf-16-le")
    return header + struct.pack("<H", len(target)) + rel


def onenote(embedded: bytes) -> bytes:
    """A OneNote header GUID and one FileDataStoreObject holding ``embedded``."""
    head = bytes.fromhex("e4525c7b8cd8a74daeb15378d02996d3") + bytes(1024 - 16)
    fdso = bytes.fromhex("e716e3bd65261145a4c48d4d0b7a9eac")
    obj = fdso + struct.pack("<QI", len(embedded), 0) + bytes(8) + embedded
    return head + obj + bytes(64)


def ole1_package(filename: str, data: bytes) -> bytes:
    """An OLE 1.0 embedded ``Package`` object (as in RTF ``\\objdata``)."""
    path = ("C:\\Users\\Public\\" + filename).encode("cp1252") + b"\x00"
    native = struct.pack("<H", 2) + filename.encode("cp1252") + b"\x00" + path
    native += struct.pack("<HH", 0, 3) + struct.pack("<I", len(path)) + path
    native += struct.pack("<I", len(data)) + data
    return _ole1(b"Package\x00", native)


def _ole1(class_name: bytes, native: bytes) -> bytes:
    head = struct.pack("<II", 0x00000501, 2)  # OLEVersion, FormatID embedded
    head += struct.pack("<I", len(class_name)) + class_name
    head += struct.pack("<I", 0) + struct.pack("<I", 0)  # topic, item
    return head + struct.pack("<I", len(native)) + native


def equation_object() -> bytes:
    """An OLE 1.0 ``Equation.3`` object (the Equation Editor, CVE-2017-11882 target)."""
    return _ole1(b"Equation.3\x00", bytes(64))


def rtf_document(objects: list[tuple[bytes, str]]) -> bytes:
    """An RTF document embedding each (OLE 1.0 object, class name) in ``\\object\\objemb``."""
    parts = ["{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times;}}\n{\\pard Convocation\\par}\n"]
    for objdata, classname in objects:
        hexdata = objdata.hex()
        lines = "\n".join(hexdata[i : i + 128] for i in range(0, len(hexdata), 128))
        parts.append(
            f"{{\\object\\objemb{{\\*\\objclass {classname}}}\\objw100\\objh100"
            f"{{\\*\\objdata\n{lines}\n}}}}\n"
        )
    parts.append("}")
    return "".join(parts).encode("ascii")


def ooxml(parts: dict[str, bytes | str]) -> bytes:
    """An OOXML package (a zip) from part names to contents."""
    members = [
        ZipMember(name, data.encode("utf-8") if isinstance(data, str) else data)
        for name, data in parts.items()
    ]
    return zip_file(members)


CT_DOCX = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="{main}"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def word_xml(body: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:document xmlns:w="{W}" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f"<w:body>{body}</w:body></w:document>"
    )


def paragraph(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def docx(
    body: str,
    doc_rels: str = "",
    settings_rels: str = "",
    vba: bytes | None = None,
) -> bytes:
    """A Word document; ``vba`` (a vbaProject.bin) makes it a ``.docm``."""
    main = (
        "application/vnd.ms-word.document.macroEnabled.main+xml"
        if vba
        else "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    )
    parts: dict[str, bytes | str] = {
        "[Content_Types].xml": CT_DOCX.replace("{main}", main),
        "_rels/.rels": ROOT_RELS,
        "word/document.xml": word_xml(body),
    }
    rels = doc_rels
    if vba is not None:
        rels += (
            '<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/'
            'relationships/vbaProject" Target="vbaProject.bin"/>'
        )
        parts["word/vbaProject.bin"] = vba
    if rels:
        parts["word/_rels/document.xml.rels"] = _rels(rels)
    if settings_rels:
        parts["word/settings.xml"] = f'<w:settings xmlns:w="{W}"/>'
        parts["word/_rels/settings.xml.rels"] = _rels(settings_rels)
    return ooxml(parts)


def _rels(inner: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{inner}</Relationships>"
    )


def vba_project_bin(code: str, module: str = "ThisDocument") -> bytes:
    """``vbaProject.bin`` of a ``.docm``/``.xlsm``: the VBA project at the root."""
    return cfb(vba_streams(code, module, module in ("ThisDocument", "ThisWorkbook")))


def png(width: int = 4, height: int = 4) -> bytes:
    """A real (tiny, grey) PNG image."""

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    ihdr = struct.pack(">2I5B", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def pdf(text: str) -> bytes:
    """A small valid PDF with one page of text."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    )
    return out.getvalue()


def iso(files: dict[str, bytes]) -> bytes:
    """An ISO 9660 image with Joliet names (pycdlib)."""
    import pycdlib

    img = pycdlib.PyCdlib()
    img.new(interchange_level=4, joliet=3, vol_ident="DOCS")
    for i, (name, data) in enumerate(files.items()):
        img.add_fp(io.BytesIO(data), len(data), iso_path=f"/F{i}.;1", joliet_path="/" + name)
    out = io.BytesIO()
    img.write_fp(out)
    img.close()
    return out.getvalue()


def seven_zip(files: dict[str, bytes], password: str | None, header_encryption: bool) -> bytes:
    import py7zr

    buf = io.BytesIO()
    with py7zr.SevenZipFile(buf, "w", password=password, header_encryption=header_encryption) as z:
        for name, data in files.items():
            z.writestr(data, name)
    return buf.getvalue()


def cab(files: dict[str, bytes]) -> bytes:
    """A Microsoft cabinet with one uncompressed folder ([MS-CAB])."""
    names = [n.encode("cp1252") + b"\x00" for n in files]
    header_size, folder_size = 36, 8
    coff_files = header_size + folder_size
    file_entries = b""
    offset = 0
    for (_, data), raw in zip(files.items(), names, strict=True):
        file_entries += struct.pack("<2I4H", len(data), offset, 0, 0x5C8E, 0x6000, 0x20) + raw
        offset += len(data)
    payload = b"".join(files.values())
    data_start = coff_files + len(file_entries)
    cfdata = struct.pack("<I2H", 0, len(payload), len(payload)) + payload
    total = data_start + len(cfdata)
    header = struct.pack(
        "<4sIIIIIBBHHHHH", b"MSCF", 0, total, 0, coff_files, 0, 3, 1, 1, len(files), 0, 0x1234, 0
    )
    folder = struct.pack("<IHH", data_start, 1, 0)
    return header + folder + file_entries + cfdata


def gzip_zero_bomb(mib: int) -> bytes:
    """gzip of ``mib`` MiB of zeros (header, repeated deflate block, trailer)."""
    stream, crc = zero_deflate(mib)
    return (
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
        + stream
        + struct.pack("<2I", crc, (mib << 20) & 0xFFFFFFFF)
    )


def fat_image() -> bytes:
    """The boot sector of a FAT12 floppy image (the rest zeros)."""
    boot = bytearray(512)
    boot[0:3] = b"\xeb\x3c\x90"
    boot[3:11] = b"MSDOS5.0"
    boot[54:62] = b"FAT12   "
    boot[510:512] = b"\x55\xaa"
    return bytes(boot) + bytes(8192)
