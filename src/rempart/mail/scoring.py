"""Explainable scoring: a linear model over signals, with its weights in a small file.

Three classes (ham, spam, phishing), ham as reference: each class has a bias
and one weight per signal; a message's probabilities are the softmax of the
sums over the signals it shows. Its *risk* is the log-odds of "not ham",
``log((P(spam) + P(phishing)) / P(ham))``. A message leaning to phishing
(P(phishing) ≥ P(spam)) is suspicious from one risk threshold and phishing
from a second; one leaning to spam is spam from a third. The thresholds are
chosen at training time from the false-positive rates wanted on legitimate
mail, and the 0–100 score is a monotone scale of the risk that puts them at 50
(suspicious, or spam) and 80 (phishing) whatever the model: a score means the
same thing after retraining. Every reason shown to the user is a signal with its weight
toward the verdict's class.

Weights are learned by ``python -m rempart.mail.train`` from the shared corpora
and shipped in ``data/weights.json``. Signals the corpora cannot teach (the
campaign's own people and domains never appear there) keep the prior weight
their documentation states, and the file says which ones those are.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from rempart.mail.model import Hit, Reason, SignalSpec, Verdict

CLASSES = ("ham", "spam", "phishing")
WEIGHTS_FILE = "weights.json"


@dataclass(frozen=True)
class Model:
    """Biases, weights and thresholds; see the module documentation."""

    bias: Mapping[str, float]
    """Per class but ham (its bias is 0)."""
    weights: Mapping[str, Mapping[str, float]]
    """signal id → class → weight (log-odds against ham)."""
    suspicious_risk: float = 0.0
    """Risk (log-odds of not ham) from which a message is suspicious (or spam): score 50."""
    malicious_risk: float = 2.0
    """Risk from which a message leaning to phishing is phishing: score 80."""
    spam_risk: float = 0.0
    """Risk from which a message leaning to spam is spam: score 50."""
    provenance: Mapping[str, object] = field(default_factory=dict)
    """How the weights were made (command, corpora, counts, cross-validated figures)."""

    def weight(self, signal: str, cls: str) -> float:
        return self.weights.get(signal, {}).get(cls, 0.0)


@dataclass(frozen=True)
class Scored:
    """The outcome of scoring one message's hits."""

    score: int
    verdict: Verdict
    reasons: tuple[Reason, ...]
    probabilities: Mapping[str, float]


def prior_model(specs: Iterable[SignalSpec]) -> Model:
    """A model from the documented priors alone (used when no weights file exists)."""
    weights = {s.id: {"phishing": s.prior_weight, "spam": s.prior_weight / 2} for s in specs}
    return Model(bias={"spam": -3.0, "phishing": -3.0}, weights=weights,
                 provenance={"source": "priors only"})  # fmt: skip


def model_from_dict(data: Mapping[str, object], specs: Iterable[SignalSpec]) -> Model:
    """A model from the JSON structure of ``weights.json``; priors fill unknown signals."""
    bias = {c: float(v) for c, v in dict(data["bias"]).items()}  # type: ignore[call-overload]
    raw = dict(data["weights"])  # type: ignore[call-overload]
    weights: dict[str, dict[str, float]] = {
        sig: {c: float(w) for c, w in dict(per).items()} for sig, per in raw.items()
    }
    for spec in specs:
        weights.setdefault(spec.id, {"phishing": spec.prior_weight, "spam": spec.prior_weight / 2})
    thresholds = dict(data.get("thresholds", {}))  # type: ignore[call-overload]
    return Model(
        bias=bias,
        weights=weights,
        suspicious_risk=float(thresholds.get("suspicious_risk", 0.0)),
        malicious_risk=float(thresholds.get("malicious_risk", 2.0)),
        spam_risk=float(thresholds.get("spam_risk", thresholds.get("suspicious_risk", 0.0))),
        provenance=dict(data.get("provenance", {})),  # type: ignore[call-overload]
    )


def load_model(path: str | Path | None = None) -> Model:
    """The model in ``path``, or the one shipped with the package."""
    if path is not None:
        return _load(Path(path).read_text("utf-8"))
    return _default_model()


@lru_cache(maxsize=1)
def _default_model() -> Model:
    from rempart.mail.registry import SIGNALS

    ref = resources.files("rempart.mail") / "data" / WEIGHTS_FILE
    if not ref.is_file():
        return prior_model(SIGNALS.values())
    return _load(ref.read_text("utf-8"))


def _load(text: str) -> Model:
    from rempart.mail.registry import SIGNALS

    return model_from_dict(json.loads(text), SIGNALS.values())


def score(
    hits: Iterable[Hit],
    model: Model,
    titles: Mapping[str, str] | None = None,
    advice: Mapping[str, str] | None = None,
) -> Scored:
    """Score the signals in ``hits`` (each signal counts once, with its first evidence)."""
    first: dict[str, Hit] = {}
    for hit in hits:
        first.setdefault(hit.signal, hit)
    logits = {"ham": 0.0}
    for cls in CLASSES[1:]:
        logits[cls] = model.bias.get(cls, 0.0) + sum(model.weight(s, cls) for s in first)
    probs = _softmax(logits)
    risk = _risk(probs)
    if probs["phishing"] >= probs["spam"]:
        value = score_of(risk, model)
        if value >= MALICIOUS_SCORE:
            verdict = Verdict.PHISHING
        elif value >= SUSPICIOUS_SCORE:
            verdict = Verdict.SUSPICIOUS
        else:
            verdict = Verdict.CLEAN
    else:
        shift = model.spam_risk - model.suspicious_risk
        value = score_of(risk - shift, model)
        verdict = Verdict.SPAM if value >= SUSPICIOUS_SCORE else Verdict.CLEAN
    toward = "spam" if verdict is Verdict.SPAM else "phishing"
    titles = titles or {}
    advice = advice or {}
    reasons = sorted(
        (
            Reason(s, model.weight(s, toward), h.evidence, titles.get(s, ""), advice.get(s, ""))
            for s, h in first.items()
        ),
        key=lambda r: (-r.weight, r.signal),
    )
    return Scored(value, verdict, tuple(reasons), probs)


SUSPICIOUS_SCORE = 50
MALICIOUS_SCORE = 80


def _risk(probs: Mapping[str, float]) -> float:
    bad = probs["spam"] + probs["phishing"]
    return math.log(max(bad, 1e-300) / max(probs["ham"], 1e-300))


def score_of(risk: float, model: Model) -> int:
    """The 0–100 score of a risk: 50 at ``suspicious_risk``, 80 at ``malicious_risk``,
    monotone in between and beyond (floored, so 49 is always below the threshold).
    Spam-leaning messages are scored with their risk shifted so that ``spam_risk``
    lands on 50."""
    lo, hi = model.suspicious_risk, max(model.malicious_risk, model.suspicious_risk + 1e-6)
    if risk < lo:
        value = 100.0 / (1.0 + math.exp(lo - risk)) if risk > lo - 700 else 0.0
    elif risk < hi:
        value = 50.0 + 30.0 * (risk - lo) / (hi - lo)
    else:
        value = 100.0 - 20.0 * math.exp(hi - risk) if risk < hi + 700 else 100.0
    return max(0, min(100, math.floor(value)))


def _softmax(logits: Mapping[str, float]) -> dict[str, float]:
    top = max(logits.values())
    exps = {k: math.exp(v - top) for k, v in logits.items()}
    total = sum(exps.values())
    return {k: v / total for k, v in exps.items()}
