from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tocsin.enrich.analysis import AnalysisEnricher, AnalysisModels
from tocsin.enrich.embedding import Embedder
from tocsin.enrich.sentiment import LABELS, SentimentModel
from tocsin.models import artifact_path

CLEAR = [
    ("fr", "Je déteste ce service, c'est une honte, remboursez-moi !", "negative"),
    ("fr", "J'adore ce café, merci pour tout, c'est génial ❤️", "positive"),
    ("fr", "Nouvelle collection disponible en magasin le 3 mars.", "neutral"),
    ("en", "Horrible customer service, I want my money back. Never again.", "negative"),
    ("en", "I love this, best coffee ever! 😍", "positive"),
    ("en", "The store opens at 9am tomorrow.", "neutral"),
]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a model tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield


def test_models_load_and_run_with_the_network_disabled(no_network: None) -> None:
    """Every head (sentiment, emotions, toxicity, complaint), loaded and run from scratch."""
    enricher = AnalysisEnricher(
        "full", models=AnalysisModels.load(), embedder=Embedder(threads=1, cache_size=0)
    )
    calm, insult = enricher.analyse_texts(
        ["Service client au top, merci !", "Ferme ta gueule, espèce de connard"], ["fr", "fr"]
    )
    assert calm is not None and insult is not None
    assert calm.sentiment.label == "positive"
    assert insult.toxicity > calm.toxicity
    assert dict(calm.emotions)["joy"] > dict(insult.emotions)["joy"]
    fast = AnalysisEnricher("fast", models=AnalysisModels.load())
    [result] = fast.analyse_texts(["Service client au top, merci !"])
    assert result is not None and 0.0 <= result.complaint <= 1.0


def labels(enricher: AnalysisEnricher, texts: list[str], langs: list[str | None]) -> list[str]:
    results = enricher.analyse_texts(texts, langs)
    return [r.sentiment.label for r in results if r is not None]


def test_clear_french_and_english_posts(analysis: AnalysisEnricher) -> None:
    results = analysis.analyse_texts([t for _, t, _ in CLEAR], [lang for lang, _, _ in CLEAR])
    assert [r.sentiment.label for r in results if r] == [label for _, _, label in CLEAR]
    assert all(r is not None and 0.5 < r.sentiment.score <= 1.0 for r in results)


def test_probabilities_shapes_and_determinism(
    sentiment_model: SentimentModel, embedder: Embedder
) -> None:
    texts = [t for _, t, _ in CLEAR]
    emb = embedder.encode(texts)
    p = sentiment_model.probabilities(texts, emb)
    assert p.shape == (6, 3) and np.allclose(p.sum(axis=1), 1.0)
    assert np.array_equal(p, sentiment_model.probabilities(texts, emb))
    assert sentiment_model.probabilities([], None).shape == (0, 3)
    # a language the model has no correction for gets the shared weights, like no language
    assert np.allclose(sentiment_model.probabilities(texts[:1], emb[:1], ["de"]), p[:1])
    # the French correction applies to regional tags too
    assert np.allclose(
        sentiment_model.probabilities(texts[:1], emb[:1], ["fr-CA"]),
        sentiment_model.probabilities(texts[:1], emb[:1], ["fr"]),
    )


def test_fast_mode_needs_no_encoder(models: AnalysisModels) -> None:
    class NoEncoder(Embedder):
        def encode_prepared(self, texts: object) -> np.ndarray:
            raise AssertionError("fast mode must not embed")

    fast = AnalysisEnricher("fast", models=models, embedder=NoEncoder())
    got = labels(fast, ["I love this, best coffee ever! 😍", "ok"], [None, None])
    assert got[0] == "positive" and set(got) <= set(LABELS)


def test_artifacts_are_small_and_documented() -> None:
    folder = artifact_path("sentiment.npz").parent
    files = [*folder.glob("*.npz"), *folder.glob("*.onnx")]
    assert len(files) >= 5 and sum(p.stat().st_size for p in files) <= 60_000_000
    with np.load(artifact_path("sentiment.npz")) as z:
        meta = json.loads(str(z["meta"]))
    assert set(meta["validation"]) == {"french", "english"}
    card = Path(__file__).resolve().parents[2] / "docs" / "models" / "sentiment.md"
    text = card.read_text(encoding="utf-8")
    for lang in ("french", "english"):
        assert f"{meta['validation'][lang]['macro_f1']['ensemble (shipped)']:.3f}" in text
