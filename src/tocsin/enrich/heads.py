"""Scores 0–1 from small trained heads: toxicity, emotions, complaint.

One ``.npz`` per model (``toxicity.npz``, ``emotions.npz``, ``complaint.npz``, built by
``scripts/train_models.py``; model cards in ``docs/models/``). A model has ``k`` named outputs,
each an independent score (``emotions`` has four: a post can be angry *and* sad). Inference needs
numpy only. For each output the logit is the sum of the heads present in the file:

- a linear head on the USE embedding (``lin.w`` ``(512, k)``, ``lin.b``);
- optionally a one-hidden-layer ReLU MLP on the embedding (``mlp.*``, seeds side by side);
- optionally a linear head on hashed character n-grams (``ng.w``, ``ng.b``, same features as
  ``ngrams.py``);

then ``sigmoid(cal.a * logit + cal.b)`` (Platt scaling fitted on tuning data, see the cards).
The **fast mode** has its own n-gram head (``fast.w``, ``fast.b``) and calibration
(``fast.cal.a``, ``fast.cal.b``): no encoder at all.

N-gram features are computed once per batch by the caller (``NgramFeatures``) and shared by
every model, sentiment included, since they all use the same ``ng.config``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tocsin.enrich.ngrams import hashed_ngrams, sparse_dot
from tocsin.models import artifact_path


@dataclass(frozen=True, slots=True)
class NgramFeatures:
    """A batch's hashed n-grams, as ``hashed_ngrams`` returns them, and the shape they have."""

    row: np.ndarray
    col: np.ndarray
    value: np.ndarray
    n_rows: int
    config: tuple[int, int, int]

    @classmethod
    def of(cls, texts: Sequence[str], config: tuple[int, int, int]) -> NgramFeatures:
        n_min, n_max, buckets = config
        row, col, value = hashed_ngrams(texts, n_min, n_max, buckets)
        return cls(row, col, value, len(texts), config)

    def dot(self, weights: np.ndarray) -> np.ndarray:
        """``X @ weights``: ``(n_rows, k)`` float32."""
        return sparse_dot(self.row, self.col, self.value, weights, self.n_rows)


def sigmoid(z: np.ndarray) -> np.ndarray:
    out: np.ndarray = 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=np.float32)))
    return out


class HeadsModel:
    """The arrays of one heads ``.npz`` and the arithmetic over them."""

    def __init__(self, arrays: Mapping[str, np.ndarray]) -> None:
        a = {k: np.asarray(v) for k, v in arrays.items()}
        self.meta: dict[str, Any] = json.loads(str(a["meta"]))
        self.labels = tuple(str(x) for x in a["labels"])
        self.lin_w = a["lin.w"].astype(np.float32)
        self.lin_b = a["lin.b"].astype(np.float32)
        self.mlp = [
            (a[f"mlp.w{i}"].astype(np.float32), a[f"mlp.b{i}"].astype(np.float32))
            for i in range(int(a.get("mlp.layers", np.array(0))))
        ]
        self.ng_w = a["ng.w"].astype(np.float32) if "ng.w" in a else None
        self.ng_b = a["ng.b"].astype(np.float32) if "ng.b" in a else None
        self.fast_w = a["fast.w"].astype(np.float32)
        self.fast_b = a["fast.b"].astype(np.float32)
        n_min, n_max, buckets = (int(x) for x in a["ng.config"])
        self.ng_config = (n_min, n_max, buckets)
        self.cal_a = a["cal.a"].astype(np.float32)
        self.cal_b = a["cal.b"].astype(np.float32)
        self.fast_cal_a = a["fast.cal.a"].astype(np.float32)
        self.fast_cal_b = a["fast.cal.b"].astype(np.float32)
        k = len(self.labels)
        if self.lin_w.shape[1:] != (k,) or self.fast_w.shape[1:] != (k,):
            raise ValueError(f"heads of {self.labels}: weights do not have {k} outputs")

    @classmethod
    def load(cls, name: str | Path) -> HeadsModel:
        """``name``: a file shipped in ``tocsin/models`` (``"toxicity.npz"``) or a path."""
        path = Path(name) if Path(name).is_absolute() else artifact_path(str(name))
        with np.load(path, allow_pickle=False) as z:
            return cls({k: z[k] for k in z.files})

    # -- logits ----------------------------------------------------------------------------------

    def embedding_logits(self, emb: np.ndarray) -> np.ndarray:
        """The linear head plus the MLP (if any): ``(n, k)``."""
        emb = np.asarray(emb, dtype=np.float32)
        out = emb @ self.lin_w + self.lin_b
        h = emb
        for i, (w, b) in enumerate(self.mlp):
            h = h @ w + b
            if i < len(self.mlp) - 1:
                h = np.maximum(h, 0.0)
        if self.mlp:
            out = out + h
        return np.asarray(out, dtype=np.float32)

    def logits(self, emb: np.ndarray, ngram_part: np.ndarray | None = None) -> np.ndarray:
        """The full ensemble's logits (before calibration). ``ngram_part`` is ``X @ ng.w`` for
        the batch's n-grams ``X`` (``NgramFeatures.dot``); required when the model has one."""
        out = self.embedding_logits(emb)
        if self.ng_w is not None and self.ng_b is not None:
            if ngram_part is None:
                raise ValueError("this model has an n-gram head: pass the batch's n-gram part")
            out = out + ngram_part + self.ng_b
        return out

    def fast_logits(self, ngram_part: np.ndarray) -> np.ndarray:
        """The fast head's logits from ``X @ fast.w``."""
        return np.asarray(ngram_part + self.fast_b, dtype=np.float32)

    # -- scores ----------------------------------------------------------------------------------

    def full_scores(self, emb: np.ndarray, ngram_part: np.ndarray | None = None) -> np.ndarray:
        """``(n, k)`` scores in ``[0, 1]`` (``labels`` order) from embeddings."""
        return sigmoid(self.cal_a * self.logits(emb, ngram_part) + self.cal_b)

    def fast_scores(self, ngram_part: np.ndarray) -> np.ndarray:
        """``(n, k)`` scores of the fast mode from ``X @ fast.w``."""
        return sigmoid(self.fast_cal_a * self.fast_logits(ngram_part) + self.fast_cal_b)

    def scores(self, emb: np.ndarray | None, ngrams: NgramFeatures) -> np.ndarray:
        """``(n, k)`` scores from the batch's n-grams; ``emb=None`` is the fast mode."""
        if emb is None:
            return self.fast_scores(ngrams.dot(self.fast_w))
        part = ngrams.dot(self.ng_w) if self.ng_w is not None else None
        return self.full_scores(emb, part)

    def score_texts(self, texts: Sequence[str], emb: np.ndarray | None) -> np.ndarray:
        """``scores`` from the texts (n-grams computed here): for tests and one-off use."""
        if len(texts) == 0:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        return self.scores(emb, NgramFeatures.of(texts, self.ng_config))
