"""Bounds on everything a hostile message can make Rempart do.

Mail is written by attackers: every size, count, depth and duration is capped.
When a cap is hit the message still gets a verdict, with a ``malformed`` or
``truncated`` reason saying which cap and where.
"""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024


@dataclass(frozen=True)
class MailLimits:
    """Caps applied while reading and analysing one message."""

    max_message_bytes: int = 25 * MiB
    """Bytes of one message read at most; the rest is dropped (``truncated``)."""
    max_headers: int = 1000
    """Header fields kept per message or part."""
    max_header_bytes: int = 64 * 1024
    """Length of one header field kept (longer ones are cut)."""
    max_mime_depth: int = 20
    """Nesting of multipart parts (and attached messages) followed."""
    max_parts: int = 500
    """MIME parts walked per message."""
    max_part_bytes: int = 20 * MiB
    """Decoded bytes of one part kept (attachments above are hashed as cut)."""
    max_text_chars: int = 2_000_000
    """Characters of text and HTML analysed per message, all parts together."""
    max_links: int = 2000
    """Links kept per message."""
    max_archive_members: int = 1000
    """Members listed per archive."""
    max_archive_depth: int = 3
    """Archives inside archives followed."""
    max_unpacked_bytes: int = 50 * MiB
    """Total bytes decompressed per message across all archives (zip bombs)."""
    max_ratio: int = 200
    """Compression ratio above which a member is a bomb and is not unpacked."""
    max_images: int = 20
    """Images scanned for QR codes per message."""
    max_image_pixels: int = 25_000_000
    """Pixels of one image decoded at most (decompression bombs)."""
    max_seconds: float = 10.0
    """Wall time per message; analyzers still to run are skipped past it."""
    max_mbox_messages: int = 1_000_000
    """Messages read from one mbox or folder."""


DEFAULT_LIMITS = MailLimits()
