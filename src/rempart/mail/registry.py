"""The one registry of mail signals: every module, every documented signal id.

A signal module exports ``SPECS`` (what each of its signals means) and
``detect(mail, ctx)`` (which of them a message shows). Adding a module here is
all it takes for triage, training, documentation and ``rempart mail signals``
to know it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from rempart.mail.context import MailContext
from rempart.mail.model import Hit, ParsedMail, SignalSpec
from rempart.mail.signals import (
    attachments,
    auth,
    envelope,
    html,
    identity,
    language,
    links,
    lookalike,
    qr,
    structure,
)

Detect = Callable[[ParsedMail, MailContext], list[Hit]]


@dataclass(frozen=True)
class Detector:
    """One signal module as the triage loop runs it."""

    name: str
    """Short module name (``links``), used in error lines."""
    detect: Detect
    specs: tuple[SignalSpec, ...]


MODULES: tuple[ModuleType, ...] = (
    structure, envelope, identity, lookalike, auth, links, html, qr, attachments, language,
)  # fmt: skip
"""In running order: cheap header signals first, image decoding late."""

DETECTORS: tuple[Detector, ...] = tuple(
    Detector(m.__name__.rsplit(".", 1)[1], m.detect, tuple(m.SPECS)) for m in MODULES
)

SIGNALS: dict[str, SignalSpec] = {spec.id: spec for d in DETECTORS for spec in d.specs}
"""Every signal id → its documentation."""


def _check_unique() -> None:
    seen: dict[str, str] = {}
    for d in DETECTORS:
        for spec in d.specs:
            if spec.id in seen:
                raise RuntimeError(f"signal {spec.id} defined by {seen[spec.id]} and {d.name}")
            seen[spec.id] = d.name


_check_unique()
