"""Sentiment: negative / neutral / positive with a score, for French, English and more.

The model is ``tocsin/models/sentiment.npz``, built by ``scripts/train_models.py`` (model card:
``docs/models/sentiment.md``). Inference needs numpy only. Three heads are summed in logit space
(a geometric mean of their probabilities), then divided by a temperature fitted on validation so
the score reads as a probability:

- a linear head on the USE embedding (two logistic regressions folded into one: French and
  English only; all eight XLM-T languages with a French and an English correction added to the
  shared weights when the post's language is known, ``fr``, ``en``, ``fr-CA`` …);
- a one-hidden-layer MLP on the same embedding (five seeds averaged, stored as one wider MLP);
- a linear head on hashed character n-grams (``ngrams.py``): spelling, slang, emoji.

The fast mode (``embeddings=None``) uses the n-gram head alone (its own temperature): no
encoder, tens of thousands of posts a second, but 5 (French) to 13 (English) points of
validation macro-F1 less (see the model card).

The enricher that fills ``Mention.sentiment`` is ``tocsin.enrich.analysis.AnalysisEnricher``: it
runs this model with the emotion, toxicity and complaint heads on one embedding per batch.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tocsin.enrich.ngrams import hashed_ngrams, sparse_dot
from tocsin.models import artifact_path

LABELS = ("negative", "neutral", "positive")
ARTIFACT = "sentiment.npz"


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _base_language(lang: str | None) -> str:
    return (lang or "").split("-")[0].split("_")[0].lower()


class SentimentModel:
    """The arrays of ``sentiment.npz`` and the arithmetic over them."""

    def __init__(self, arrays: Mapping[str, np.ndarray]) -> None:
        a = {k: np.asarray(v) for k, v in arrays.items()}
        self.meta: dict[str, Any] = json.loads(str(a["meta"]))
        self.labels = tuple(str(x) for x in a["labels"])
        self.lin_w = a["lin.w"].astype(np.float32)
        self.lin_b = a["lin.b"].astype(np.float32)
        self.lin_lang = {
            k.removeprefix("lin.w."): v.astype(np.float32)
            for k, v in a.items()
            if k.startswith("lin.w.")
        }
        self.mlp = [
            (a[f"mlp.w{i}"].astype(np.float32), a[f"mlp.b{i}"].astype(np.float32))
            for i in range(int(a["mlp.layers"]))
        ]
        self.ng_w = a["ng.w"].astype(np.float32)
        self.ng_b = a["ng.b"].astype(np.float32)
        self.ng_min, self.ng_max, self.ng_buckets = (int(x) for x in a["ng.config"])
        self.temperature = float(a["ensemble.temperature"])
        self.fast_temperature = float(a["fast.temperature"])

    @classmethod
    def load(cls, path: str | Path | None = None) -> SentimentModel:
        with np.load(path or artifact_path(ARTIFACT), allow_pickle=False) as z:
            return cls({k: z[k] for k in z.files})

    # -- the heads, as logits --------------------------------------------------------------------

    def linear_logits(self, emb: np.ndarray, languages: Sequence[str | None]) -> np.ndarray:
        out = emb @ self.lin_w + self.lin_b
        for lang, w in self.lin_lang.items():
            rows = [i for i, x in enumerate(languages) if _base_language(x) == lang]
            if rows:
                out[rows] += emb[rows] @ w
        return out

    def mlp_logits(self, emb: np.ndarray) -> np.ndarray:
        h = emb
        for i, (w, b) in enumerate(self.mlp):
            h = h @ w + b
            if i < len(self.mlp) - 1:
                h = np.maximum(h, 0.0)
        return h

    def ngram_logits(self, texts: Sequence[str]) -> np.ndarray:
        row, col, value = hashed_ngrams(texts, self.ng_min, self.ng_max, self.ng_buckets)
        return sparse_dot(row, col, value, self.ng_w, len(texts)) + self.ng_b

    @property
    def ng_config(self) -> tuple[int, int, int]:
        return (self.ng_min, self.ng_max, self.ng_buckets)

    # -- probabilities ---------------------------------------------------------------------------

    def probabilities(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray | None,
        languages: Sequence[str | None] | None = None,
        ngram_part: np.ndarray | None = None,
    ) -> np.ndarray:
        """``(n, 3)`` probabilities in ``labels`` order; ``embeddings=None`` is the fast mode.

        ``ngram_part``: ``X @ ng.w`` for the batch's n-grams when the caller computed them
        (``heads.NgramFeatures``, shared with the other heads); else computed here.
        """
        if len(texts) == 0:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        ng = self.ngram_logits(texts) if ngram_part is None else ngram_part + self.ng_b
        if embeddings is None:
            return _softmax(ng / self.fast_temperature)
        langs = list(languages) if languages is not None else [None] * len(texts)
        emb = np.asarray(embeddings, dtype=np.float32)
        total = self.linear_logits(emb, langs) + self.mlp_logits(emb) + ng
        return _softmax(total / self.temperature)


def as_results(labels: Sequence[str], probs: np.ndarray) -> list[dict[str, Any]]:
    """``{"sentiment": {"label", "score"}}`` per row; the score is the label's probability."""
    best = probs.argmax(axis=1)
    return [
        {"sentiment": {"label": labels[k], "score": round(float(p[k]), 4)}}
        for k, p in zip(best, probs, strict=True)
    ]
