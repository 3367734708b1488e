"""Message sources: files, folders, Maildirs, mbox files, stdin and Outlook .msg."""

from __future__ import annotations

import io
import os
import sys
import types
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from rempart.mail import sources
from rempart.mail.limits import MailLimits
from rempart.mail.parse import parse_message
from rempart.mail.sources import MSG_EXTRA_ERROR, RawMessage, iter_messages, split_mbox

MSG = b"From: a@parti-exemple.fr\nSubject: %s\n\nbody %s\n"
ENVELOPE = b"From sender@example.com Thu Aug 22 12:36:23 2002\n"


def message(name: str) -> bytes:
    return MSG % (name.encode(), name.encode())


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def read_all(*paths: Path | str, limits: MailLimits | None = None) -> list[RawMessage]:
    names = [str(p) for p in paths]
    return list(iter_messages(names, limits) if limits else iter_messages(names))


# ---------------------------------------------------------------- files and folders


def test_single_message_file(tmp_path: Path) -> None:
    path = write(tmp_path / "one.eml", message("one"))
    assert read_all(path) == [RawMessage(str(path), message("one"), size=len(message("one")))]


def test_folder_is_read_recursively_sorted_without_hidden_files(tmp_path: Path) -> None:
    write(tmp_path / "b.eml", message("b"))
    write(tmp_path / "a.eml", message("a"))
    write(tmp_path / "sub" / "c.eml", message("c"))
    write(tmp_path / "sub" / "deeper" / "d", message("d"))
    write(tmp_path / ".hidden.eml", message("hidden"))
    write(tmp_path / ".git" / "config", b"[core]\n")
    got = read_all(tmp_path)
    assert [Path(m.source).relative_to(tmp_path).as_posix() for m in got] == [
        "a.eml",
        "b.eml",
        "sub/c.eml",
        "sub/deeper/d",
    ]
    assert all(m.error == "" and m.data for m in got)


def test_maildir_reads_new_then_cur_and_maildirpp_folders(tmp_path: Path) -> None:
    md = tmp_path / "Maildir"
    write(md / "cur" / "2:2,S", message("seen"))
    write(md / "new" / "1", message("new"))
    write(md / "tmp" / "partial", b"half a mess")
    write(md / "dovecot-uidlist", b"3 V1 N2\n")
    write(md / ".Junk" / "new" / "4", message("junk"))
    write(md / ".Junk" / "cur" / "3:2,", message("junk-seen"))
    (md / ".Junk" / "tmp").mkdir()
    got = read_all(md)
    assert [Path(m.source).relative_to(md).as_posix() for m in got] == [
        "new/1",
        "cur/2:2,S",
        ".Junk/new/4",
        ".Junk/cur/3:2,",
    ]


def test_maildir_inside_a_folder(tmp_path: Path) -> None:
    write(tmp_path / "mail" / "cur" / "1", message("x"))
    (tmp_path / "mail" / "new").mkdir()
    write(tmp_path / "loose.eml", message("y"))
    got = read_all(tmp_path)
    assert [Path(m.source).name for m in got] == ["loose.eml", "1"]


def test_errors_are_messages_and_the_iteration_goes_on(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    ok = write(tmp_path / "ok.eml", message("ok"))
    got = read_all(tmp_path / "missing.eml", empty, fifo, ok)
    assert [(m.source, m.data, m.error) for m in got[:3]] == [
        (
            str(tmp_path / "missing.eml"),
            None,
            f"{tmp_path / 'missing.eml'}: no such file or folder",
        ),
        (str(empty), None, f"{empty}: no message files in this folder"),
        (str(fifo), None, f"{fifo}: not a regular file or folder"),
    ]
    assert got[3].data == message("ok")


def test_unreadable_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = write(tmp_path / "locked.eml", message("x"))

    def deny(path: str, mode: str = "r") -> Any:
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(sources, "open", deny, raising=False)
    assert read_all(locked) == [RawMessage(str(locked), None, f"{locked}: permission denied")]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_on_disk(tmp_path: Path) -> None:
    locked = write(tmp_path / "locked.eml", message("x"))
    locked.chmod(0)
    assert read_all(locked)[0].error == f"{locked}: permission denied"


def test_big_message_is_cut_and_its_size_kept(tmp_path: Path) -> None:
    big = write(tmp_path / "big.eml", b"Subject: big\n\n" + b"x" * 10_000)
    got = read_all(big, limits=MailLimits(max_message_bytes=1000))
    assert len(got[0].data or b"") == 1000 and got[0].size == 10_014
    mail = parse_message(got[0].data or b"", got[0].source, raw_size=got[0].size)
    assert mail.raw_size == 10_014


def test_folder_cap(tmp_path: Path) -> None:
    for i in range(4):
        write(tmp_path / f"{i}.eml", message(str(i)))
    got = read_all(tmp_path, limits=MailLimits(max_mbox_messages=2))
    assert [m.source for m in got[:2]] == [str(tmp_path / "0.eml"), str(tmp_path / "1.eml")]
    assert got[2] == RawMessage(
        str(tmp_path), None, f"{tmp_path}: more than 2 messages, the rest not read"
    )
    assert len(got) == 3


# ---------------------------------------------------------------- mbox


MBOX = (
    ENVELOPE
    + message("one")
    + b"\n"
    + b"From - Mon Jan  6 09:00:00 2025\n"
    + b"Subject: two\n\nbody\n>From the start\n>>From quoted\n\nFrom what I understand\n\n"
    + b"From someone\n"
    + message("three")
    + b"\n"
)


def test_mbox_is_split_and_unescaped(tmp_path: Path) -> None:
    path = write(tmp_path / "box", MBOX)
    got = read_all(path)
    assert [m.source for m in got] == [f"{path}#1", f"{path}#2", f"{path}#3"]
    assert got[0].data == message("one")
    assert got[1].data == (
        b"Subject: two\n\nbody\nFrom the start\n>From quoted\n\nFrom what I understand\n"
    )
    assert got[2].data == message("three")
    assert all(m.size == len(m.data or b"") for m in got)


def test_single_message_with_an_envelope_keeps_its_name(tmp_path: Path) -> None:
    path = write(tmp_path / "saved.eml", ENVELOPE + message("x"))
    assert read_all(path) == [RawMessage(str(path), message("x"), size=len(message("x")))]


def test_mbox_with_crlf_and_no_blank_lines(tmp_path: Path) -> None:
    data = (ENVELOPE + message("a") + ENVELOPE + message("b")).replace(b"\n", b"\r\n")
    got = read_all(write(tmp_path / "box", data))
    assert [m.data for m in got] == [message(n).replace(b"\n", b"\r\n") for n in "ab"]


def test_mbox_caps(tmp_path: Path) -> None:
    data = b"".join(ENVELOPE + message(str(i)) + b"x" * 5000 + b"\n\n" for i in range(5))
    path = write(tmp_path / "box", data)
    got = read_all(path, limits=MailLimits(max_message_bytes=100, max_mbox_messages=3))
    assert [m.source for m in got] == [f"{path}#1", f"{path}#2", f"{path}#3", str(path)]
    assert all(len(m.data or b"") == 100 and m.size > 5000 for m in got[:3])
    assert got[3].error == f"{path}: more than 3 messages, the rest not read"


def test_overlong_envelope_and_lines_are_streamed() -> None:
    long_line = b"x" * (3 * sources.LINE_BYTES) + b"\n"
    data = ENVELOPE[:-1] + b" " * (2 * sources.LINE_BYTES) + b"\n" + long_line + ENVELOPE + b"s\n"
    stream = io.BytesIO(data)
    first = stream.readline(sources.LINE_BYTES)
    got = list(split_mbox(stream, first, 10**9))
    assert got == [(long_line, len(long_line)), (b"s\n", 2)]


class CountingStream(io.BytesIO):
    """A stream that records how much was read (an mbox must not be slurped)."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.consumed = 0

    def readline(self, size: int | None = -1) -> bytes:
        line = super().readline(size)
        self.consumed += len(line)
        return line

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.consumed += len(data)
        return data


def test_mbox_is_read_while_streaming() -> None:
    one = ENVELOPE + message("m") + b"y" * 1000 + b"\n\n"
    stream = CountingStream(one * 20_000)  # about 21 MB
    first = next(iter_messages(["-"], stdin=stream))
    assert first.source == "-#1"
    assert stream.consumed < 10_000


def test_stdin_single_message_and_mbox() -> None:
    got = list(iter_messages(["-"], stdin=io.BytesIO(message("in"))))
    assert got == [RawMessage("-", message("in"), size=len(message("in")))]
    got = list(iter_messages(["-"], stdin=io.BytesIO(ENVELOPE + message("a") + ENVELOPE + b"x\n")))
    assert [(m.source, m.data) for m in got] == [("-#1", message("a")), ("-#2", b"x\n")]
    cut = list(iter_messages(["-"], MailLimits(max_message_bytes=10), io.BytesIO(b"A: b\n" * 100)))
    assert cut == [RawMessage("-", b"A: b\nA: b\n", size=500)]


# ---------------------------------------------------------------- Outlook .msg


def test_msg_without_the_extra_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "extract_msg", None)  # import fails
    path = write(tmp_path / "mail.msg", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    assert read_all(path) == [RawMessage(str(path), None, f"{path}: {MSG_EXTRA_ERROR}")]
    assert "pip install 'rempart[msg]'" in MSG_EXTRA_ERROR and "GPL-3.0" in MSG_EXTRA_ERROR


def test_ole_file_without_msg_extension_goes_the_msg_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "extract_msg", None)
    path = write(tmp_path / "attachment.bin", sources.OLE_MAGIC + b"\x00" * 100)
    assert read_all(path)[0].error == f"{path}: {MSG_EXTRA_ERROR}"


class FakeAttachment:
    def __init__(self, name: str, data: object, mimetype: str | None, hidden: bool = False):
        self.longFilename = name
        self.data = data
        self.mimetype = mimetype
        self.hidden = hidden


class FakeMsg:
    """The part of extract_msg's MessageBase API the converter uses."""

    def __init__(self, header_text: str | None, **props: Any) -> None:
        self.headerText = header_text
        self.sender = props.get("sender")
        self.to = props.get("to")
        self.cc = None
        self.subject = props.get("subject")
        self.date = props.get("date")
        self.messageId = None
        self.body = props.get("body")
        self.htmlBody = props.get("html")
        self.attachments = props.get("attachments", [])
        self.closed = False

    def close(self) -> None:
        self.closed = True


def fake_extract_msg(
    monkeypatch: pytest.MonkeyPatch, msg: object
) -> list[tuple[str, dict[str, Any]]]:
    calls: list[tuple[str, dict[str, Any]]] = []

    def open_msg(path: str, **kwargs: Any) -> object:
        calls.append((path, kwargs))
        if isinstance(msg, Exception):
            raise msg
        return msg

    monkeypatch.setitem(sys.modules, "extract_msg", types.SimpleNamespace(openMsg=open_msg))
    return calls


def test_msg_is_converted_to_rfc822(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inner = FakeMsg(None, sender="Banque <x@banque.example>", subject="Relevé", body="Votre relevé")
    outer = FakeMsg(
        "Microsoft Mail Internet Headers Version 2.0\r\n"
        "Received: from mx.example\r\n by mx.parti-exemple.fr\r\n"
        "From: Alex Durand <alex.durand@campaign-party.org>\r\n"
        "Subject: Dossier\r\nContent-Type: multipart/alternative; boundary=old\r\n\r\n",
        body="Voir le dossier https://cloud.parti-exemple.fr/s/1",
        html=b'<p>Voir <a href="https://cloud.parti-exemple.fr/s/1">le dossier</a></p>',
        attachments=[
            FakeAttachment("budget\r\n 2025.xlsx", b"PK\x03\x04", "application/vnd.ms-excel"),
            FakeAttachment("logo.png", b"\x89PNG", "image/png\r\nX-Evil: 1", hidden=True),
            FakeAttachment("Relevé.msg", inner, None),
            FakeAttachment("web link", None, None),
        ],
    )
    calls = fake_extract_msg(monkeypatch, outer)
    path = write(tmp_path / "mail.msg", b"whatever")
    got = read_all(path)
    assert calls == [(str(path), {"strict": False, "delayAttachments": False})]
    assert outer.closed and got[0].error == "" and got[0].data
    mail = parse_message(got[0].data, got[0].source)
    assert mail.defects == ()
    assert mail.subject == "Dossier"
    assert mail.header("Received") == "from mx.example by mx.parti-exemple.fr"
    assert mail.header("X-Evil") == ""
    assert mail.text == "Voir le dossier https://cloud.parti-exemple.fr/s/1\nVotre relevé"
    assert mail.html_text == "Voir le dossier"
    assert [(a.filename, a.content_type, a.inline) for a in mail.attachments] == [
        ("budget 2025.xlsx", "application/vnd.ms-excel", False),
        ("logo.png", "application/octet-stream", True),
        ("Relevé.msg", "message/rfc822", False),
    ]
    assert mail.attachments[0].data == b"PK\x03\x04"


def test_msg_without_transport_headers_gets_headers_from_properties(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    msg = FakeMsg(
        None,
        sender="Dominique Martin <tresorier@parti-exemple.fr>",
        to="alex.durand@campaign-party.org",
        subject="Brouillon\r\nBcc: injected@evil.example",
        date=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
        body="texte",
    )
    fake_extract_msg(monkeypatch, msg)
    got = read_all(write(tmp_path / "draft.msg", b"x"))
    mail = parse_message(got[0].data or b"", "draft")
    assert mail.sender is not None and mail.sender.address == "tresorier@parti-exemple.fr"
    assert mail.subject == "Brouillon Bcc: injected@evil.example"
    assert mail.header("Bcc") == ""
    assert mail.date == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert mail.text == "texte"


def test_broken_msg_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_extract_msg(monkeypatch, ValueError("not an OLE2 structured storage file"))
    path = write(tmp_path / "bad.msg", b"junk")
    why = "ValueError: not an OLE2 structured storage file"
    assert read_all(path) == [
        RawMessage(str(path), None, f"{path}: not a readable Outlook message ({why})")
    ]


def test_real_extract_msg_when_installed(tmp_path: Path) -> None:
    """End to end with the optional extra (skipped when it is not installed)."""
    extract_msg = pytest.importorskip("extract_msg")
    import struct

    def u(text: str) -> bytes:
        return text.encode("utf-16-le")

    def long_prop(tag: int, value: int) -> bytes:
        return struct.pack("<IIiI", tag, 6, value, 0)

    att = "__attach_version1.0_#00000000"
    writer = extract_msg.ole_writer.OleWriter()
    writer.addEntry("__nameid_version1.0", storage=True)
    for stream in ("00020102", "00030102", "00040102"):
        writer.addEntry(f"__nameid_version1.0/__substg1.0_{stream}", b"")
    top = b"\x00" * 8 + struct.pack("<IIII", 0, 1, 0, 1) + b"\x00" * 8
    writer.addEntry("__properties_version1.0", top + long_prop(0x340D0003, 0x40000))
    writer.addEntry("__substg1.0_001A001F", u("IPM.Note"))
    writer.addEntry("__substg1.0_0037001F", u("Facture impayée"))
    writer.addEntry("__substg1.0_1000001F", u("Payez ici https://pay.evil.example/x"))
    headers = "From: Compta <compta@evil.example>\r\nSubject: Facture impayée\r\n\r\n"
    writer.addEntry("__substg1.0_007D001F", u(headers))
    writer.addEntry(att, storage=True)
    writer.addEntry(f"{att}/__properties_version1.0", b"\x00" * 8 + long_prop(0x37050003, 1))
    writer.addEntry(f"{att}/__substg1.0_37010102", b"%PDF-1.4 fake")
    writer.addEntry(f"{att}/__substg1.0_3707001F", u("facture.pdf"))
    writer.addEntry(f"{att}/__substg1.0_370E001F", u("application/pdf"))
    path = tmp_path / "real.msg"
    writer.write(str(path))
    got = read_all(path)
    mail = parse_message(got[0].data or b"", got[0].source)
    assert mail.subject == "Facture impayée"
    assert "https://pay.evil.example/x" in [link.url for link in mail.links]
    assert [(a.filename, a.data) for a in mail.attachments] == [("facture.pdf", b"%PDF-1.4 fake")]
