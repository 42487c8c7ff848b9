"""One enricher for what a post says: sentiment, emotions, toxicity and complaint.

``AnalysisEnricher`` fills ``Mention.sentiment``, ``Mention.emotions`` (anger, fear, sadness,
joy), ``Mention.toxicity`` and ``Mention.complaint``. Every head reads the **same** embedding of
the batch (the encoder is by far the largest cost) and the same hashed character n-grams,
computed once:

======= ================================================================= ========================
mode    what runs                                                         cost
======= ================================================================= ========================
full    USE embedding + every head (linear, MLP, n-gram parts)            the encoder's pace
fast    the n-gram heads alone, no encoder (weaker: see the model cards); tens of thousands/s
        pages get the full analysis
off     nothing: the fields stay ``None`` / empty ("not analysed")        free
======= ================================================================= ========================

*Pages* — posts with a title and their own address, not reposts (articles, blog posts, forum
threads) — get the full analysis in the fast mode too: they are few, long (where the n-gram
heads are weakest), and a critical page is what the shared-link detector hears first in a
slow-burn crisis ("Dell Hell": the fast heads alone rang 9–10 buckets late on the demo's blog).
The encoder then loads at the first page. (The pipeline's enricher only: ``analyse_texts`` and
``tocsin enrich --fast`` read texts, not posts.)

``mode=None`` reads ``$TOCSIN_ANALYSIS`` (default ``full``). Models: ``sentiment.npz``
(``sentiment.py``), ``toxicity.npz``, ``emotions.npz``, ``complaint.npz`` (``heads.py``); cards
in ``docs/models/``. The models and the encoder load on first use, so ``AnalysisEnricher()`` is
cheap to build (plugins are built as ``cls()``, worker processes included).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from tocsin.domain import Mention, Sentiment
from tocsin.enrich.embedding import Embedder, blas_threads, default_threads, shared_embedder
from tocsin.enrich.heads import HeadsModel, NgramFeatures
from tocsin.enrich.sentiment import SentimentModel
from tocsin.errors import UsageError

MODES = ("full", "fast", "off")
MODE_ENV = "TOCSIN_ANALYSIS"
EMOTIONS = ("anger", "fear", "sadness", "joy")


class AnalysisModeError(UsageError):
    """An analysis mode other than full, fast or off."""


def resolve_mode(mode: str | None) -> str:
    """``mode``, or ``$TOCSIN_ANALYSIS`` when ``None`` (default ``full``), checked."""
    source = "mode" if mode is not None else f"${MODE_ENV}"
    value = mode if mode is not None else os.environ.get(MODE_ENV, "") or "full"
    cleaned = value.strip().lower()
    if cleaned not in MODES:
        raise AnalysisModeError(
            f"analysis {source} must be one of {', '.join(MODES)}, not {value!r}"
        )
    return cleaned


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the heads say about one post. Scores are in ``[0, 1]``, rounded to 4 decimals."""

    sentiment: Sentiment
    emotions: tuple[tuple[str, float], ...]
    toxicity: float
    complaint: float

    def as_dict(self) -> dict[str, Any]:
        """The JSON form ``tocsin enrich`` writes."""
        return {
            "sentiment": {"label": self.sentiment.label, "score": self.sentiment.score},
            "emotions": dict(self.emotions),
            "toxicity": self.toxicity,
            "complaint": self.complaint,
        }


class AnalysisModels:
    """The four models, and their n-gram weights side by side so a batch's n-grams are read
    once (one gather, not four)."""

    def __init__(
        self,
        sentiment: SentimentModel,
        toxicity: HeadsModel,
        emotions: HeadsModel,
        complaint: HeadsModel,
    ) -> None:
        self.sentiment = sentiment
        self.toxicity = toxicity
        self.emotions = emotions
        self.complaint = complaint
        heads = (toxicity, emotions, complaint)
        configs = {sentiment.ng_config, *(h.ng_config for h in heads)}
        if len(configs) != 1:
            raise ValueError(f"the models disagree on their n-gram features: {configs}")
        self.ng_config = sentiment.ng_config
        if emotions.labels != EMOTIONS or toxicity.labels != ("toxicity",):
            raise ValueError(f"unexpected outputs: {emotions.labels}, {toxicity.labels}")
        # full mode: sentiment's n-gram head and any head's n-gram part; fast: the fast heads
        full = [("sentiment", sentiment.ng_w)] + [
            (name, h.ng_w)
            for name, h in zip(("toxicity", "emotions", "complaint"), heads, strict=True)
            if h.ng_w is not None
        ]
        fast = [("sentiment", sentiment.ng_w)] + [
            (name, h.fast_w)
            for name, h in zip(("toxicity", "emotions", "complaint"), heads, strict=True)
        ]
        self._full = _stack(full)
        self._fast = _stack(fast)

    @classmethod
    def load(cls) -> AnalysisModels:
        return cls(
            SentimentModel.load(),
            HeadsModel.load("toxicity.npz"),
            HeadsModel.load("emotions.npz"),
            HeadsModel.load("complaint.npz"),
        )

    def thresholds(self, fast: bool = False) -> dict[str, float]:
        """Decision thresholds tuned with the models (see the cards): ``toxicity`` for "hide
        abusive content" (macro-F1's best on TweetEval offensive validation) and ``complaint``
        for "needs an answer" (macro-F1's best on the complaints corpus's train split)."""
        tox, comp = self.toxicity.meta, self.complaint.meta
        return {
            "toxicity": float(tox["fast_hide_threshold" if fast else "hide_threshold"]),
            "complaint": float(comp["answer_threshold"]["fast" if fast else "full"]),
        }

    def analyse(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray | None,
        languages: Sequence[str | None] | None = None,
    ) -> list[Analysis]:
        """One ``Analysis`` per text; ``embeddings=None`` is the fast mode."""
        if len(texts) == 0:
            return []
        feats = NgramFeatures.of(texts, self.ng_config)
        weights, spans = self._fast if embeddings is None else self._full
        part = feats.dot(weights)
        cols = {name: part[:, a:b] for name, (a, b) in spans.items()}
        sent = self.sentiment.probabilities(texts, embeddings, languages, cols["sentiment"])
        if embeddings is None:
            tox = self.toxicity.fast_scores(cols["toxicity"])
            emo = self.emotions.fast_scores(cols["emotions"])
            comp = self.complaint.fast_scores(cols["complaint"])
        else:
            tox = self.toxicity.full_scores(embeddings, cols.get("toxicity"))
            emo = self.emotions.full_scores(embeddings, cols.get("emotions"))
            comp = self.complaint.full_scores(embeddings, cols.get("complaint"))
        labels = self.sentiment.labels
        best = sent.argmax(axis=1)
        sent_score = _rounded(sent[np.arange(len(best)), best])
        emo_rows = _rounded(emo)
        tox_list = _rounded(tox[:, 0])
        comp_list = _rounded(comp[:, 0])
        return [
            Analysis(
                sentiment=Sentiment(labels[k], s),
                emotions=tuple(zip(EMOTIONS, e, strict=True)),
                toxicity=t,
                complaint=c,
            )
            for k, s, e, t, c in zip(
                best.tolist(), sent_score, emo_rows, tox_list, comp_list, strict=True
            )
        ]


def _rounded(x: np.ndarray) -> Any:
    """Nested lists of Python floats rounded to 4 decimals (in float64: ``0.6953``, not the
    float32 ``0.6952999830…``)."""
    return np.round(np.asarray(x, dtype=np.float64), 4).tolist()


def _stack(
    parts: list[tuple[str, np.ndarray]],
) -> tuple[np.ndarray, dict[str, tuple[int, int]]]:
    spans, start = {}, 0
    for name, w in parts:
        spans[name] = (start, start + w.shape[1])
        start += w.shape[1]
    return np.hstack([w for _, w in parts]).astype(np.float32), spans


class AnalysisEnricher:
    """Sentiment, emotions, toxicity and complaint of posts, after matching (costly).

    ``mode``: ``"full"``, ``"fast"``, ``"off"`` or ``None`` (``$TOCSIN_ANALYSIS``, default
    ``full``); anything else raises ``AnalysisModeError`` here, at construction.
    """

    name: ClassVar[str] = "analysis"
    before_match: ClassVar[bool] = False

    def __init__(
        self,
        mode: str | None = None,
        *,
        models: AnalysisModels | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        self.mode = resolve_mode(mode)
        self._models = models
        self._embedder = embedder

    @property
    def active(self) -> bool:
        """Whether it changes anything (the pipeline leaves an inactive enricher out)."""
        return self.mode != "off"

    @property
    def models(self) -> AnalysisModels:
        if self._models is None:
            self._models = AnalysisModels.load()
        return self._models

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = shared_embedder()
        return self._embedder

    def analyse_texts(
        self, texts: Sequence[str], languages: Sequence[str | None] | None = None
    ) -> list[Analysis | None]:
        """One ``Analysis`` per text (``None`` for each in ``off`` mode).

        ``languages`` (``"fr"``, ``"en"``, ``None`` …, one per text) lets sentiment's French and
        English corrections apply.
        """
        if self.mode == "off":
            return [None] * len(texts)
        return self._analyse(texts, languages, full=self.mode == "full")

    def _analyse(
        self, texts: Sequence[str], languages: Sequence[str | None] | None, full: bool
    ) -> list[Analysis | None]:
        if not full:
            with blas_threads(default_threads()):
                return list(self.models.analyse(texts, None, languages))
        emb = self.embedder.encode(texts) if texts else None
        with blas_threads(self.embedder.threads):
            return list(self.models.analyse(texts, emb, languages))

    def __call__(self, batch: Sequence[Mention]) -> list[Mention]:
        if self.mode == "off":
            return list(batch)
        texts = [m.text for m in batch]
        languages = [m.language for m in batch]
        if self.mode == "full":
            results = self._analyse(texts, languages, full=True)
        else:  # fast: pages get the full analysis (see the module's docstring), once each
            results = [None] * len(batch)
            pages = [i for i, m in enumerate(batch) if m.is_page]
            others = [i for i, m in enumerate(batch) if not m.is_page]
            for full, chosen in ((True, pages), (False, others)):
                if not chosen:
                    continue
                found = self._analyse(
                    [texts[i] for i in chosen], [languages[i] for i in chosen], full
                )
                for i, r in zip(chosen, found, strict=True):
                    results[i] = r
        return [
            m.with_(
                sentiment=r.sentiment,
                emotions=r.emotions,
                toxicity=r.toxicity,
                complaint=r.complaint,
            )
            if r is not None
            else m
            for m, r in zip(batch, results, strict=True)
        ]
