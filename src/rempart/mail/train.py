"""Learn the mail weights from labelled corpora: ``python -m rempart.mail.train``.

Reproducible: the same corpora and the same code give the same file. Steps:

1. unpack the corpora (``.tar.zst``) into a scratch folder, label every file by
   its folder (``phishing_pot`` → phishing, ``*ham*`` → ham, ``spam*`` → spam);
2. run every signal module on every message (no campaign: the corpora know
   nothing of one), in parallel processes;
3. fit a multinomial logistic regression (scikit-learn, L2, balanced classes)
   on the presence of each signal seen at least ``--min-support`` times;
   signals seen less often keep their documented prior;
4. choose the score thresholds on out-of-fold predictions (stratified 5-fold
   cross-validation) so that at most ``--max-ham-flagged`` of the ham would be
   called suspicious or phishing and at most ``--max-ham-spam`` spam, and
   report the cross-validated figures in the file's ``provenance``.

Only the signals' presence is used: nothing about dates, mailers or header
formats, so the weights cannot learn the era of a corpus (its ham is from 2002,
its phishing from 2022–2026).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rempart.mail.context import MailContext
from rempart.mail.parse import parse_message
from rempart.mail.registry import SIGNALS
from rempart.mail.triage import collect_hits

LABELS = ("ham", "spam", "phishing")
DEFAULT_OUT = Path(__file__).parent / "data" / "weights.json"
STRONG_PRIOR = 4.0
"""A prior weight that alone should make a message phishing (see ``SignalSpec``)."""


def label_of(path: Path) -> str | None:
    """The class of a corpus file from its folders, or None if it is not a message."""
    parts = [p.lower() for p in path.parts]
    if path.name.startswith(".") or path.name.lower() in ("cmds", "readme", "readme.md"):
        return None
    if any(p.startswith("phishing") for p in parts):
        return "phishing"
    if any("ham" in p for p in parts):
        return "ham"
    if any(p.startswith("spam-") or p == "spam" for p in parts):
        return "spam"
    return None


def unpack(corpora: Path, into: Path) -> None:
    """Unpack every ``.tar.zst`` of ``corpora`` into ``into`` (no link or absolute path)."""
    for archive in sorted(corpora.glob("*.tar.zst")):
        if shutil.which("zstd"):
            data = subprocess.run(["zstd", "-dc", str(archive)], check=True,
                                  capture_output=True).stdout  # fmt: skip
        else:  # pragma: no cover - zstd CLI missing
            import pyzstd

            data = pyzstd.decompress(archive.read_bytes())
        import io

        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(into, filter="data")


def corpus_files(root: Path) -> list[tuple[Path, str]]:
    """Every labelled message file under ``root``, sorted."""
    out = []
    for path in sorted(root.rglob("*")):
        if path.is_file():
            label = label_of(path.relative_to(root))
            if label is not None:
                out.append((path, label))
    return out


def _signals_of(path: Path) -> list[str]:
    mail = parse_message(path.read_bytes(), str(path))
    hits, _ = collect_hits(mail, MailContext())
    return sorted({h.signal for h in hits})


def extract(files: Sequence[Path], workers: int) -> list[list[str]]:
    """The signals of each file, in order."""
    if workers <= 1:
        return [_signals_of(p) for p in files]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return pool.map(_signals_of, files, chunksize=32)


def fit(
    features: list[list[str]],
    labels: list[str],
    *,
    min_support: int = 10,
    max_ham_flagged: float = 0.004,
    max_ham_spam: float = 0.005,
    c: float = 1.0,
) -> dict[str, object]:
    """The content of ``weights.json`` learned from ``features`` (signal lists) and labels."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    support = Counter(s for row in features for s in row)
    learned = sorted(
        s for s, n in support.items() if n >= min_support and s in SIGNALS and SIGNALS[s].learn
    )
    index = {s: i for i, s in enumerate(learned)}
    x = np.zeros((len(features), len(learned)), dtype=np.float64)
    for r, row in enumerate(features):
        for s in row:
            if s in index:
                x[r, index[s]] = 1.0
    y = np.array([LABELS.index(lab) for lab in labels])

    def model() -> LogisticRegression:
        return LogisticRegression(C=c, class_weight="balanced", max_iter=5000)

    oof = np.zeros((len(y), len(LABELS)))
    for train, test in StratifiedKFold(5, shuffle=True, random_state=7).split(x, y):
        oof[test] = model().fit(x[train], y[train]).predict_proba(x[test])
    final = model().fit(x, y)
    coef = final.coef_ - final.coef_[0]  # ham as the reference class
    bias = final.intercept_ - final.intercept_[0]
    risk = _risks(oof)
    phishy = oof[:, 2] >= oof[:, 1]
    ham = y == 0
    suspicious_risk = _threshold(
        risk[ham & phishy], max_ham_flagged * ham.sum() / max(1, (ham & phishy).sum())
    )
    malicious_risk = max(
        suspicious_risk + 0.5,
        _threshold(
            risk[ham & phishy], max_ham_flagged / 4 * ham.sum() / max(1, (ham & phishy).sum())
        ),
    )
    spam_risk = _threshold(
        risk[ham & ~phishy], max_ham_spam * ham.sum() / max(1, (ham & ~phishy).sum())
    )
    weights: dict[str, dict[str, float]] = {}
    for s in learned:
        j = index[s]
        weights[s] = {LABELS[k]: round(float(coef[k, j]), 4) for k in (1, 2)}
    priors = sorted(set(SIGNALS) - set(learned))
    # Priors are written on a scale where a "strong" signal (STRONG_PRIOR) alone makes a
    # message phishing: they are put on the learned model's scale.
    scale = max(1.0, (malicious_risk - float(bias[2])) / STRONG_PRIOR)
    for s in priors:
        p = SIGNALS[s].prior_weight
        weights[s] = {"spam": 0.0, "phishing": round(p * scale, 4)}
    figures = _cv_figures(oof, y, risk, suspicious_risk, malicious_risk, spam_risk)
    return {
        "bias": {LABELS[k]: round(float(bias[k]), 4) for k in (1, 2)},
        "weights": weights,
        "thresholds": {
            "suspicious_risk": round(suspicious_risk, 4),
            "malicious_risk": round(malicious_risk, 4),
            "spam_risk": round(spam_risk, 4),
            "max_ham_flagged": max_ham_flagged,
            "max_ham_spam": max_ham_spam,
        },
        "provenance": {
            "command": "python -m rempart.mail.train --corpora ../shared/corpora/mail",
            "messages": dict(Counter(labels)),
            "learned_signals": learned,
            "prior_signals": priors,
            "support": {s: support[s] for s in sorted(support)},
            "cross_validated": figures,
            "model": f"multinomial logistic regression, L2, C={c}, balanced classes",
            "prior_scale": round(scale, 4),
        },
    }


def _risks(oof: Any) -> Any:
    """Log-odds of "not ham" of each row of class probabilities."""
    import numpy as np

    p = np.clip(np.asarray(oof), 1e-12, 1.0)
    return np.log(np.clip(1.0 - p[:, 0], 1e-12, 1.0) / p[:, 0])


def _threshold(ham_risks: object, max_rate: float) -> float:
    """The lowest risk that at most ``max_rate`` of the ham reaches (just above a ham value)."""
    import numpy as np

    arr = np.sort(np.asarray(ham_risks))[::-1]
    if len(arr) == 0:
        return -50.0  # no ham on this side at all: nothing to protect
    allowed = int(max_rate * len(arr))
    if allowed >= len(arr):
        return float(arr[-1])
    return float(arr[allowed]) + 1e-6


def _cv_figures(
    oof: object,
    y: object,
    risks: object,
    suspicious_risk: float,
    malicious_risk: float,
    spam_risk: float,
) -> dict[str, float]:
    import numpy as np

    p = np.asarray(oof)
    yy = np.asarray(y)
    sc = np.asarray(risks)
    phishy = p[:, 2] >= p[:, 1]
    # 0 clean, 1 spam, 2 suspicious, 3 phishing (as rempart.mail.scoring decides)
    phish_verdict = np.where(sc >= malicious_risk, 3, np.where(sc >= suspicious_risk, 2, 0))
    verdict = np.where(phishy, phish_verdict, np.where(sc >= spam_risk, 1, 0))

    def rate(mask: object, cond: object) -> float:
        m = np.asarray(mask)
        return round(float(np.asarray(cond)[m].mean()) if m.any() else 0.0, 4)

    return {
        "phishing_recall_phishing": rate(yy == 2, verdict == 3),
        "phishing_recall_phishing_or_suspicious": rate(yy == 2, verdict >= 2),
        "phishing_recall_any_flag": rate(yy == 2, verdict >= 1),
        "ham_flagged_phishing_or_suspicious": rate(yy == 0, verdict >= 2),
        "ham_flagged_any": rate(yy == 0, verdict >= 1),
        "spam_flagged_any": rate(yy == 1, verdict >= 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", type=Path, default=Path("../shared/corpora/mail"),
                        help="folder of .tar.zst corpora, or of unpacked folders")  # fmt: skip
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--workers", type=int, default=max(1, multiprocessing.cpu_count()))
    parser.add_argument("--min-support", type=int, default=10)
    parser.add_argument("--max-ham-flagged", type=float, default=0.004,
                        help="share of ham that may be called phishing or suspicious")  # fmt: skip
    parser.add_argument("--max-ham-spam", type=float, default=0.005,
                        help="share of ham that may be called spam")  # fmt: skip
    parser.add_argument("--c", type=float, default=1.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rempart-train-") as scratch:
        root = args.corpora
        if any(root.glob("*.tar.zst")):
            print(f"unpacking {root} …", file=sys.stderr)
            unpack(root, Path(scratch))
            root = Path(scratch)
        files = corpus_files(root)
        if not files:
            print(f"error: no labelled message under {args.corpora}", file=sys.stderr)
            return 2
        print(f"{len(files)} messages: {dict(Counter(lab for _, lab in files))}", file=sys.stderr)
        features = extract([p for p, _ in files], args.workers)
    data = fit(features, [lab for _, lab in files], min_support=args.min_support,
               max_ham_flagged=args.max_ham_flagged, max_ham_spam=args.max_ham_spam,
               c=args.c)  # fmt: skip
    args.out.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", "utf-8")
    figures = data["provenance"]["cross_validated"]  # type: ignore[index]
    print(json.dumps({"thresholds": data["thresholds"], "cross_validated": figures}, indent=1))
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
