"""The briefing's chart is drawn in the briefing's language."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from rempart.model.campaign import Campaign, load_campaign
from rempart.model.findings import Event, Severity, event_id
from rempart.report import write_briefing
from rempart.store import Store
from rempart.timeline import chart

NOW = datetime(2027, 4, 20, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)
SVG_TEXT = "{http://www.w3.org/2000/svg}text"

CAMPAIGN = """
[organisation]
name = "Parti Exemple"
country = "FR"

[[calendar]]
name = "Electoral silence"
kind = "silence"
start = 2027-04-24T00:00:00
end = 2027-04-25T20:00:00
zone = "Europe/Paris"

[[calendar]]
name = "First round"
kind = "round"
start = 2027-04-25T08:00:00
end = 2027-04-25T20:00:00
zone = "Europe/Paris"

[timeline]
zone = "Europe/Paris"
"""


def _event(kind: str, at: datetime, summary: str, severity: Severity) -> Event:
    return Event(
        id=event_id("test", kind, at, summary),
        time=at,
        kind=kind,
        source=kind.split(".")[0],
        summary=summary,
        severity=severity,
    )


@pytest.fixture
def campaign(tmp_path: Path) -> Campaign:
    path = tmp_path / "campaign.toml"
    path.write_text(CAMPAIGN, encoding="utf-8")
    return load_campaign(path)


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = str(tmp_path / "s.db")
    with Store.open(url) as store:
        store.add_events([
            _event("mail.phishing", NOW - 10 * DAY, "Fake invoice", Severity.HIGH),
            _event("logs.flood.ip", NOW - 4 * DAY, "Flood of the home page", Severity.HIGH),
            _event("logs.probe.sqli", NOW - DAY, "SQL injection attempts", Severity.CRITICAL),
        ])  # fmt: skip
    return url


class Spy:
    """Stands in for ``chart.render``: records each call, draws the PNG for real and,
    from the same arguments, an SVG whose texts the test can read."""

    def __init__(self, real: Any, folder: Path) -> None:
        self.real = real
        self.folder = folder
        self.calls: list[dict[str, Any]] = []
        self.texts: list[list[str]] = []
        self.images: list[bytes] = []

    def __call__(self, timeline: Any, path: Any, **kwargs: Any) -> Path:
        self.calls.append(kwargs)
        svg = self.real(timeline, self.folder / f"seen-{len(self.calls)}.svg", **kwargs)
        root = ET.parse(svg).getroot()
        self.texts.append(["".join(t.itertext()) for t in root.iter(SVG_TEXT)])
        out: Path = self.real(timeline, path, **kwargs)
        self.images.append(out.read_bytes())
        return out


def _briefing(db: str, campaign: Campaign, tmp_path: Path, lang: str) -> str:
    out = write_briefing(db, campaign, tmp_path / f"b-{lang}.html", lang=lang, now=NOW)
    return out.read_text(encoding="utf-8")


def _embedded_png(page: str) -> bytes:
    found = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert found is not None, "no chart in the briefing"
    return base64.b64decode(found.group(1))


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_briefing_draws_its_chart_in_its_language(
    db: str, campaign: Campaign, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    spy = Spy(chart.render, tmp_path)
    monkeypatch.setattr(chart, "render", spy)
    page = _briefing(db, campaign, tmp_path, lang)
    assert [call["lang"] for call in spy.calls] == [lang]
    assert _embedded_png(page) == spy.images[0]  # the chart embedded is the one drawn
    texts = set(spy.texts[0])
    french = {"hameçonnage", "saturation / journaux web", "période de réserve", "avr."}
    english = {"phishing", "dos / web logs", "silence period", "Apr"}
    shown, absent = (french, english) if lang == "fr" else (english, french)
    assert shown <= texts and not absent & texts
    assert "Parti Exemple" in texts and "First round" in texts


def test_french_and_english_briefings_embed_different_charts(
    db: str, campaign: Campaign, tmp_path: Path
) -> None:
    french = _embedded_png(_briefing(db, campaign, tmp_path, "fr"))
    english = _embedded_png(_briefing(db, campaign, tmp_path, "en"))
    assert french[:8] == english[:8] == b"\x89PNG\r\n\x1a\n"
    assert french != english
