"""What one check id means: its severity, words and fix (the registry's row type)."""

from __future__ import annotations

from dataclasses import dataclass

from rempart.model import Severity


@dataclass(frozen=True)
class CheckSpec:
    """What one check id means."""

    id: str
    """Stable check id (``mail.dmarc.missing``)."""
    severity: Severity
    """How bad it is when seen."""
    title: str
    """One line, plain words."""
    why: str
    """Why it matters, one plain sentence."""
    remediation: str
    """What to do; a ``str.format`` template."""
    references: tuple[str, ...] = ()
    """Standards and guides."""
