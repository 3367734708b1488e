"""Where messages come from: message files, folders, Maildirs, mbox files, stdin, .msg.

:func:`iter_messages` turns command-line paths into :class:`RawMessage` values,
one per message, in a stable order. Reading is bounded: one message is read up
to ``MailLimits.max_message_bytes`` (its true size is recorded), an mbox is
split while streaming (a multi-GB mailbox is never loaded whole) and at most
``MailLimits.max_mbox_messages`` are taken from one mbox or folder. What cannot
be read (missing path, permissions, empty folder, broken .msg) becomes a
``RawMessage`` with ``data=None`` and a one-line ``error``; the iteration goes on.

Outlook ``.msg`` files are read through the optional ``extract-msg`` package
(GPL-3.0, so never a dependency of the core: ``pip install 'rempart[msg]'``).
"""

from __future__ import annotations

import base64
import importlib
import logging
import os
import re
import stat
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from email.utils import format_datetime
from typing import Any, BinaryIO
from urllib.parse import quote

from rempart.mail.limits import DEFAULT_LIMITS, MailLimits

log = logging.getLogger(__name__)

MSG_EXTRA_ERROR = (
    "reading .msg files needs the optional extra: pip install 'rempart[msg]' (extract-msg, GPL-3.0)"
)
LINE_BYTES = 64 * 1024
"""mbox lines are read in pieces of at most this size (no line is slurped whole)."""
CHUNK_BYTES = 1024 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_MSG_DEPTH = 3
"""Outlook messages attached to Outlook messages followed this deep."""

_ASCTIME = re.compile(rb"[A-Z][a-z]{2},? +[A-Z][a-z]{2} +\d{1,2},? +\d{1,2}:\d\d")
_BARE_ENVELOPE = re.compile(rb"From \S+[ \t]*\r?\n?")
_ESCAPED_FROM = re.compile(rb">+From ")
_MIME_TYPE = re.compile(r"[A-Za-z0-9][\w.+-]{0,63}/[A-Za-z0-9][\w.+-]{0,127}")
_SKIP_MSG_HEADERS = frozenset({"content-type", "content-transfer-encoding", "mime-version"})


@dataclass(frozen=True)
class RawMessage:
    """One message as read from a source, not yet parsed."""

    source: str
    """The file path; ``PATH#N`` for the N-th message (from 1) of an mbox; ``-`` for stdin."""
    data: bytes | None
    """The bytes read (at most ``max_message_bytes``), or None when unreadable."""
    error: str = ""
    """Why it could not be read, one line naming where (empty when ``data`` is set)."""
    size: int = 0
    """True size in bytes; larger than ``len(data)`` when the message was cut.
    Pass it on: ``parse_message(m.data, m.source, limits, raw_size=m.size)``."""


def iter_messages(
    paths: Sequence[str],
    limits: MailLimits = DEFAULT_LIMITS,
    stdin: BinaryIO | None = None,
) -> Iterator[RawMessage]:
    """Every message under ``paths`` (files, folders, Maildirs, mbox files, ``-``)."""
    for path in paths:
        if path == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            yield from _from_stream(stream, "-", limits)
        else:
            yield from _from_path(path, limits)


# ---------------------------------------------------------------- paths


def _from_path(path: str, limits: MailLimits) -> Iterator[RawMessage]:
    try:
        st = os.stat(path)
    except OSError as exc:
        yield _error(path, exc)
        return
    if stat.S_ISDIR(st.st_mode):
        yield from _from_folder(path, limits)
    elif stat.S_ISREG(st.st_mode):
        yield from _from_file(path, limits)
    else:
        yield RawMessage(path, None, f"{path}: not a regular file or folder")


def _error(path: str, exc: OSError) -> RawMessage:
    if isinstance(exc, FileNotFoundError):
        why = "no such file or folder"
    elif isinstance(exc, PermissionError):
        why = "permission denied"
    else:
        why = f"cannot read: {exc.strerror or type(exc).__name__}"
    return RawMessage(path, None, f"{path}: {why}")


def _from_file(path: str, limits: MailLimits) -> Iterator[RawMessage]:
    if path.lower().endswith(".msg"):
        yield _from_outlook(path, limits)
        return
    try:
        f = open(path, "rb")  # noqa: SIM115 -- closed below, after a generator's last use
    except OSError as exc:
        yield _error(path, exc)
        return
    with f:
        try:
            first = f.readline(LINE_BYTES)
        except OSError as exc:
            yield _error(path, exc)
            return
        if first.startswith(OLE_MAGIC):
            yield _from_outlook(path, limits)
        elif first.startswith(b"From "):
            yield from _from_mbox(f, first, path, limits)
        else:
            yield _read_rest(f, first, path, limits)


def _read_rest(f: BinaryIO, first: bytes, source: str, limits: MailLimits) -> RawMessage:
    """One message whose first bytes were already read: the rest up to the cap, then counted."""
    cap = limits.max_message_bytes
    try:
        if len(first) >= cap:
            return RawMessage(source, first[:cap], size=len(first) + _count_rest(f))
        data = first + f.read(cap - len(first))
        size = len(data) + (_count_rest(f) if len(data) >= cap else 0)
    except OSError as exc:
        return RawMessage(source, None, f"{source}: cannot read: {exc.strerror or exc}")
    return RawMessage(source, data, size=size)


def _count_rest(f: BinaryIO) -> int:
    """Bytes left in ``f``: from its size when it is a file, else read and dropped."""
    try:
        st = os.fstat(f.fileno())
        left = st.st_size - f.tell()
        if stat.S_ISREG(st.st_mode) and left >= 0:
            return left
    except (OSError, ValueError, AttributeError):  # a pipe or an in-memory stream
        pass
    total = 0
    while chunk := f.read(CHUNK_BYTES):
        total += len(chunk)
    return total


def _from_stream(stream: BinaryIO, source: str, limits: MailLimits) -> Iterator[RawMessage]:
    try:
        first = stream.readline(LINE_BYTES)
    except OSError as exc:
        yield RawMessage(source, None, f"{source}: cannot read: {exc.strerror or exc}")
        return
    if first.startswith(b"From "):
        yield from _from_mbox(stream, first, source, limits)
    else:
        yield _read_rest(stream, first, source, limits)


# ---------------------------------------------------------------- folders


def _is_maildir(path: str) -> bool:
    return os.path.isdir(os.path.join(path, "cur")) and os.path.isdir(os.path.join(path, "new"))


def _from_folder(path: str, limits: MailLimits) -> Iterator[RawMessage]:
    """Files under ``path`` (sorted, recursive, hidden ones skipped); Maildirs read as such."""
    count = 0
    cap = limits.max_mbox_messages
    for msg in _walk_folder(path, limits):
        if count >= cap:
            yield RawMessage(path, None, _too_many(path, cap))
            return
        count += 1
        yield msg
    if count == 0:
        yield RawMessage(path, None, f"{path}: no message files in this folder")


def _too_many(source: str, cap: int) -> str:
    return f"{source}: more than {cap} messages, the rest not read"


NOT_MAIL_SUFFIXES = frozenset(
    [
        ".toml",
        ".py",
        ".pyc",
        ".md",
        ".rst",
        ".json",
        ".yaml",
        ".yml",
        ".csv",
        ".html",
        ".htm",
        ".pdf",
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".zip",
        ".gz",
        ".zst",
        ".sh",
        ".js",
        ".css",
        ".ini",
        ".cfg",
        ".log",
        ".db",
        ".sqlite",
    ]
)
"""In a folder scan, files with these endings are documents beside the mail (a README, a
script, an export), not messages: they are passed over. A file given by name is always
read."""


def _not_mail(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in NOT_MAIL_SUFFIXES


def _walk_folder(root: str, limits: MailLimits) -> Iterator[RawMessage]:
    stack = [root]
    while stack:
        folder = stack.pop()
        if _is_maildir(folder):
            yield from _maildir_files(folder, limits)
            continue
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            yield _error(folder, exc)
            continue
        subfolders: list[str] = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    subfolders.append(entry.path)
                elif entry.is_file() and not _not_mail(entry.name):
                    yield from _from_file(entry.path, limits)
            except OSError as exc:
                yield _error(entry.path, exc)
        stack.extend(reversed(subfolders))


def _maildir_files(folder: str, limits: MailLimits) -> Iterator[RawMessage]:
    """``new/`` then ``cur/`` of a Maildir, then its Maildir++ subfolders (``.Junk``…)."""
    for sub in ("new", "cur"):
        where = os.path.join(folder, sub)
        try:
            names = sorted(n for n in os.listdir(where) if not n.startswith("."))
        except OSError as exc:
            yield _error(where, exc)
            continue
        for name in names:
            path = os.path.join(where, name)
            if os.path.isfile(path):
                yield from _from_file(path, limits)
    try:
        extra = sorted(n for n in os.listdir(folder) if n.startswith(".") and n not in (".", ".."))
    except OSError:
        return
    for name in extra:
        sub_path = os.path.join(folder, name)
        if not os.path.islink(sub_path) and _is_maildir(sub_path):
            yield from _maildir_files(sub_path, limits)


# ---------------------------------------------------------------- mbox


def _from_mbox(f: BinaryIO, first: bytes, source: str, limits: MailLimits) -> Iterator[RawMessage]:
    """The messages of an mbox whose first line (``From …``) was already read.

    A lone message keeps the plain source name (a saved message with an envelope
    line); otherwise they are ``SOURCE#1``, ``SOURCE#2``…
    """
    cap = limits.max_mbox_messages
    held: tuple[bytes, int] | None = None
    n = 0
    failure = ""
    try:
        for data, size in split_mbox(f, first, limits.max_message_bytes):
            n += 1
            if held is not None:
                yield RawMessage(f"{source}#{n - 1}", held[0], size=held[1])
                held = None
            if n > cap:
                yield RawMessage(
                    source, None, f"{source}: more than {cap} messages, the rest not read"
                )
                return
            held = (data, size)
    except OSError as exc:
        failure = f"{source}: cannot read: {exc.strerror or exc}"
    if held is not None:
        yield RawMessage(f"{source}#{n}" if n > 1 else source, held[0], size=held[1])
    if failure:
        yield RawMessage(source, None, failure)


def split_mbox(f: BinaryIO, first: bytes, max_bytes: int) -> Iterator[tuple[bytes, int]]:
    """Split an mbox stream into (message bytes cut at ``max_bytes``, true size).

    ``first`` is the envelope line already read. A new message starts at a line
    beginning ``From `` that carries an envelope date (``Thu Aug 22 12:36:23``),
    or is a bare ``From sender`` after a blank line; ``>From `` escapes are
    undone (mboxrd). Lines are read in pieces of :data:`LINE_BYTES`.
    """
    buf = bytearray()
    size = 0
    at_line_start = True
    prev_blank = False
    line = first
    skipping = True  # inside the envelope line
    while line:
        if skipping:
            skipping = not line.endswith(b"\n")
        elif at_line_start and line.startswith(b"From ") and _is_envelope(line, prev_blank):
            yield _finish(buf, size, prev_blank)
            buf, size, prev_blank = bytearray(), 0, False
            skipping = not line.endswith(b"\n")
        else:
            if at_line_start and line[:1] == b">" and _ESCAPED_FROM.match(line):
                line = line[1:]
            size += len(line)
            room = max_bytes - len(buf)
            if room > 0:
                buf += line[:room]
            prev_blank = at_line_start and line in (b"\n", b"\r\n")
        at_line_start = line.endswith(b"\n")
        line = f.readline(LINE_BYTES)
    yield _finish(buf, size, prev_blank)


def _is_envelope(line: bytes, prev_blank: bool) -> bool:
    if _ASCTIME.search(line, 0, 400):
        return True
    return prev_blank and _BARE_ENVELOPE.fullmatch(line) is not None


def _finish(buf: bytearray, size: int, prev_blank: bool) -> tuple[bytes, int]:
    """The message without the blank line that separates it from the next envelope."""
    data = bytes(buf)
    if prev_blank and len(data) == size:
        for ending in (b"\r\n", b"\n"):
            if data.endswith(ending):
                return data[: -len(ending)], size - len(ending)
    return data, size


# ---------------------------------------------------------------- Outlook .msg


def _from_outlook(path: str, limits: MailLimits) -> RawMessage:
    try:
        module = importlib.import_module("extract_msg")
    except ImportError:
        return RawMessage(path, None, f"{path}: {MSG_EXTRA_ERROR}")
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        return _error(path, exc)
    if size > limits.max_message_bytes:
        cap = limits.max_message_bytes
        return RawMessage(path, None, f"{path}: Outlook message of {size} bytes, over {cap}")
    try:
        msg = module.openMsg(path, strict=False, delayAttachments=False)
    except Exception as exc:  # third-party reader on hostile input: any failure is data
        return RawMessage(path, None, f"{path}: not a readable Outlook message ({_why(exc)})")
    try:
        data = msg_to_rfc822(msg, limits)
    except Exception as exc:  # same: one broken .msg must not stop the run
        log.debug("cannot convert %s", path, exc_info=True)
        return RawMessage(path, None, f"{path}: cannot convert Outlook message ({_why(exc)})")
    finally:
        _close(msg)
    return RawMessage(path, data[: limits.max_message_bytes], size=len(data))


def _why(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:200].replace("\n", " ")


def _close(msg: Any) -> None:
    try:
        msg.close()
    except Exception:  # closing a broken OLE file may fail too; nothing to do
        log.debug("closing an Outlook message failed", exc_info=True)


def msg_to_rfc822(msg: Any, limits: MailLimits = DEFAULT_LIMITS, depth: int = 0) -> bytes:
    """An ``extract_msg`` message as RFC 822 bytes: its transport headers (or headers
    rebuilt from its properties), text and HTML bodies, and attachments (attached
    Outlook messages as ``message/rfc822``, followed :data:`MAX_MSG_DEPTH` deep)."""
    boundary = f"=_rempart_mixed_{depth}"
    alt = f"=_rempart_alt_{depth}"
    out = [_msg_headers(msg)]
    out.append(b"MIME-Version: 1.0\r\n")
    out.append(f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'.encode())
    out.append(
        f'--{boundary}\r\nContent-Type: multipart/alternative; boundary="{alt}"\r\n\r\n'.encode()
    )
    body = _attr(msg, "body")
    if isinstance(body, str) and body:
        out.append(_part(alt, "text/plain; charset=utf-8", body.encode("utf-8", "replace")))
    html = _attr(msg, "htmlBody")
    if isinstance(html, bytes | str) and html:
        data = html.encode("utf-8", "replace") if isinstance(html, str) else html
        out.append(_part(alt, "text/html", data))
    out.append(f"--{alt}--\r\n".encode())
    total = sum(len(x) for x in out)
    for att in (_attr(msg, "attachments") or [])[: limits.max_parts]:
        piece = _msg_attachment(att, boundary, limits, depth)
        if piece:
            out.append(piece)
            total += len(piece)
        if total > limits.max_message_bytes:
            break
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out)


def _attr(obj: Any, name: str) -> Any:
    """An attribute of an extract_msg object, None when reading it fails."""
    try:
        return getattr(obj, name, None)
    except Exception:  # extract_msg computes properties lazily from the file
        log.debug("reading %s failed", name, exc_info=True)
        return None


def _msg_headers(msg: Any) -> bytes:
    text = _attr(msg, "headerText")
    lines: list[bytes] = []
    if isinstance(text, str) and text.strip():
        if text.startswith("Microsoft Mail Internet Headers Version 2.0"):
            text = text[43:].lstrip()
        raw = text.replace("\r\n", "\n").split("\n\n", 1)[0]
        keep = True
        for line in raw.split("\n"):
            if line[:1] in (" ", "\t"):
                if keep and lines:
                    lines.append(line.encode("utf-8", "replace") + b"\r\n")
                continue
            name = line.split(":", 1)[0].strip().lower()
            keep = ":" in line and name not in _SKIP_MSG_HEADERS
            if keep:
                lines.append(line.encode("utf-8", "replace") + b"\r\n")
    if not lines:
        date = _attr(msg, "date")
        fields = (
            ("From", _attr(msg, "sender")),
            ("To", _attr(msg, "to")),
            ("Cc", _attr(msg, "cc")),
            ("Subject", _attr(msg, "subject")),
            ("Date", _format_date(date)),
            ("Message-ID", _attr(msg, "messageId")),
        )
        for name, value in fields:
            if isinstance(value, str) and value.strip():
                flat = " ".join(value.split())
                lines.append(f"{name}: {flat}\r\n".encode("utf-8", "replace"))
    return b"".join(lines)


def _format_date(value: Any) -> str:
    try:
        return format_datetime(value) if value is not None else ""
    except (TypeError, ValueError, AttributeError):
        return ""


def _part(boundary: str, ctype: str, data: bytes, extra: str = "") -> bytes:
    head = f"--{boundary}\r\nContent-Type: {ctype}\r\nContent-Transfer-Encoding: base64\r\n"
    return (head + extra + "\r\n").encode() + base64.encodebytes(data).replace(b"\n", b"\r\n")


def _msg_attachment(att: Any, boundary: str, limits: MailLimits, depth: int) -> bytes:
    name = ""
    for attr in ("longFilename", "shortFilename", "name"):
        value = _attr(att, attr)
        if isinstance(value, str) and value.strip():
            name = " ".join(value.split())[:500]
            break
    data = _attr(att, "data")
    inline = bool(_attr(att, "hidden"))
    disposition = f"{'inline' if inline else 'attachment'}{_filename_param(name)}\r\n"
    if isinstance(data, bytes):
        mime = _attr(att, "mimetype")
        ctype = mime if isinstance(mime, str) and _MIME_TYPE.fullmatch(mime) else ""
        ctype = ctype or "application/octet-stream"
        return _part(boundary, ctype, data, f"Content-Disposition: {disposition}")
    if data is not None and hasattr(data, "attachments") and depth < MAX_MSG_DEPTH:
        inner = msg_to_rfc822(data, limits, depth + 1)
        head = (
            f"--{boundary}\r\nContent-Type: message/rfc822\r\n"
            f"Content-Disposition: {disposition}\r\n"
        )
        return head.encode() + inner + b"\r\n"
    return b""


def _filename_param(name: str) -> str:
    if not name:
        return ""
    if name.isascii() and '"' not in name and "\\" not in name:
        return f'; filename="{name}"'
    return f"; filename*=utf-8''{quote(name, safe='')}"
