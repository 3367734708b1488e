"""``rempart timeline show --lang``: the chart's own texts in English or French."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from rempart.cli.app import app

runner = CliRunner()


def run(*args: str):  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["timeline", "show", "--case", "fr-2017", *args],
                           env={"COLUMNS": "240"})  # fmt: skip
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_french_chart_has_french_lanes_and_months(tmp_path: Path) -> None:
    svg, page = tmp_path / "fr.svg", tmp_path / "fr.html"
    result = run("--lang", "fr", "--out", str(svg), "--out", str(page))
    assert result.exit_code == 0, result.stderr
    text = svg.read_text(encoding="utf-8")
    assert ">fuites<" in text and ">attribution / presse<" in text  # lanes
    assert ">avr.<" in text and ">mai 2017<" in text and "Apr" not in text  # month ticks
    assert ">élevée<" in text  # legend
    html = page.read_text(encoding="utf-8")
    assert '<html lang="fr">' in html and "Événements" in html


def test_english_by_default(tmp_path: Path) -> None:
    svg = tmp_path / "en.svg"
    result = run("--out", str(svg))
    assert result.exit_code == 0, result.stderr
    text = svg.read_text(encoding="utf-8")
    assert ">leaks<" in text and ">Apr<" in text and ">2017-May<" in text
    assert "fuites" not in text and "avr." not in text


def test_an_unknown_language_is_a_usage_error(tmp_path: Path) -> None:
    svg = tmp_path / "de.svg"
    result = run("--lang", "de", "--out", str(svg))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines == ["error: --lang 'de': the chart is written in en or fr"]
    assert result.stdout == "" and not svg.exists()
