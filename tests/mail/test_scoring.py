"""Scoring: softmax over signal weights, thresholds, reasons with their weights."""

from __future__ import annotations

import json
import math

import pytest

from rempart.mail.model import Category, Hit, SignalSpec, Verdict
from rempart.mail.scoring import Model, model_from_dict, prior_model, score, score_of

MODEL = Model(
    bias={"spam": -2.0, "phishing": -3.0},
    weights={
        "links.shortener": {"phishing": 2.0, "spam": 0.5},
        "language.credential": {"phishing": 3.5, "spam": 0.0},
        "language.prize": {"phishing": 0.0, "spam": 3.0},
        "identity.free_mail": {"phishing": -0.5, "spam": -0.5},
    },
    suspicious_risk=0.0,
    malicious_risk=2.0,
)


def _hits(*signals: str) -> list[Hit]:
    return [Hit(s, f"evidence of {s}") for s in signals]


def test_no_signal_is_clean_with_the_bias_score() -> None:
    out = score([], MODEL)
    assert out.verdict is Verdict.CLEAN
    assert out.reasons == ()
    risk = math.log(math.exp(-2.0) + math.exp(-3.0))  # log-odds of "not ham"
    assert out.score == math.floor(100 / (1 + math.exp(-risk))) == 15


@pytest.mark.parametrize(
    ("signals", "verdict"),
    [
        (("links.shortener",), Verdict.CLEAN),
        (("links.shortener", "language.credential"), Verdict.PHISHING),
        (("language.prize",), Verdict.SPAM),
        (("language.credential",), Verdict.SUSPICIOUS),
    ],
)
def test_verdicts(signals: tuple[str, ...], verdict: Verdict) -> None:
    assert score(_hits(*signals), MODEL).verdict is verdict


def test_reasons_carry_weight_toward_the_verdict_class_best_first() -> None:
    out = score(_hits("identity.free_mail", "links.shortener", "language.credential",
                      "links.shortener"), MODEL, {"links.shortener": "A short link"})  # fmt: skip
    assert out.verdict is Verdict.PHISHING
    assert [(r.signal, r.weight) for r in out.reasons] == [
        ("language.credential", 3.5), ("links.shortener", 2.0), ("identity.free_mail", -0.5)
    ]  # fmt: skip
    assert out.reasons[1].title == "A short link"
    assert out.reasons[1].evidence == "evidence of links.shortener"
    spam = score(_hits("language.prize", "links.shortener"), MODEL)
    assert spam.verdict is Verdict.SPAM
    assert [(r.signal, r.weight) for r in spam.reasons] == [
        ("language.prize", 3.0), ("links.shortener", 0.5)
    ]  # fmt: skip


def test_unknown_signal_counts_nothing() -> None:
    assert score(_hits("nope.unknown"), MODEL).score == score([], MODEL).score


def test_model_from_dict_fills_priors_and_reads_thresholds() -> None:
    specs = [SignalSpec("x.a", Category.LINKS, "t", "w", "a", prior_weight=3.0),
             SignalSpec("x.b", Category.LINKS, "t", "w", "a", prior_weight=1.0)]  # fmt: skip
    data = json.loads(json.dumps({
        "bias": {"spam": -1, "phishing": -2},
        "weights": {"x.a": {"phishing": 0.25, "spam": 0.5}},
        "thresholds": {"suspicious_risk": 1.5, "malicious_risk": 3.0},
    }))  # fmt: skip
    model = model_from_dict(data, specs)
    assert model.weight("x.a", "phishing") == 0.25  # learned beats prior
    assert model.weight("x.b", "phishing") == 1.0  # prior
    assert (model.suspicious_risk, model.malicious_risk) == (1.5, 3.0)
    assert prior_model(specs).weight("x.a", "spam") == 1.5


def test_score_scale_puts_the_thresholds_at_50_and_80_and_is_monotone() -> None:
    model = Model(bias={}, weights={}, suspicious_risk=3.0, malicious_risk=5.0)
    assert score_of(3.0, model) == 50
    assert score_of(2.999, model) == 49  # floored: just below the line stays below
    assert score_of(5.0, model) == 80
    assert score_of(4.0, model) == 65
    assert score_of(-800.0, model) == 0 and score_of(800.0, model) == 100
    values = [score_of(r / 10, model) for r in range(-100, 200)]
    assert values == sorted(values)


def test_spam_has_its_own_threshold() -> None:
    strict = Model(bias=MODEL.bias, weights=MODEL.weights, suspicious_risk=0.0,
                   malicious_risk=2.0, spam_risk=1.5)  # fmt: skip
    # "prize" alone leans to spam with risk ≈ 1.02: spam at spam_risk 0, clean at 1.5
    assert score(_hits("language.prize"), MODEL).verdict is Verdict.SPAM
    prize = score(_hits("language.prize"), strict)
    assert (prize.verdict, prize.score < 50) == (Verdict.CLEAN, True)
    # phishing-leaning messages are not affected by the spam threshold
    assert score(_hits("language.credential"), strict).verdict is Verdict.SUSPICIOUS
