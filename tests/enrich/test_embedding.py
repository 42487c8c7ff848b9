from __future__ import annotations

import numpy as np
import pytest

from tocsin.enrich import embedding
from tocsin.enrich.embedding import (
    Embedder,
    dequantize_int8,
    from_blob,
    quantize_int8,
    to_blob,
    to_float16,
)
from tocsin.enrich.textprep import MAX_MODEL_CHARS, prepare

TEXTS = [
    "Le service client de @cafelia ne répond jamais 😡 https://t.co/abc",
    "ok",
    "Best coffee in town, the new seasonal blend is great " * 3,
    "",
]


def test_shape_norm_and_input_order(embedder: Embedder) -> None:
    vectors = embedder.encode(TEXTS)
    assert vectors.shape == (4, 512) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    # texts are encoded shortest first; each row still belongs to its own text
    for text, vector in zip(TEXTS, vectors, strict=True):
        assert np.allclose(embedder.encode([text])[0], vector, atol=1e-5)


def test_deterministic_and_meaningful(embedder: Embedder) -> None:
    a = embedder.encode(["Je suis très déçu par ma commande", "I am very disappointed"])
    b = Embedder(threads=2, cache_size=0).encode(
        ["Je suis très déçu par ma commande", "I am very disappointed"]
    )
    assert np.allclose(a, b, atol=1e-5)
    far = embedder.encode(["Le train part à 8 heures"])[0]
    assert a[0] @ a[1] > a[0] @ far + 0.2  # cross-lingual: same meaning, nearer


def test_handles_and_links_do_not_change_the_vector(embedder: Embedder) -> None:
    a, b = embedder.encode(
        ["@alice merci, super https://a.example/x", "@bob merci, super http://b"]
    )
    assert np.allclose(a, b)


def test_cache_encodes_each_distinct_text_once() -> None:
    e = Embedder(threads=1, cache_size=3)
    e.encode(["repost", "repost", "other", "repost"])
    assert (e.encoded, e.cache_hits) == (2, 0)
    e.encode(["repost", "third"])
    assert (e.encoded, e.cache_hits) == (3, 1)
    e.encode(["a fourth", "a fifth"])  # the cache keeps the 3 most recently used
    assert len(e._cache) == 3 and "repost" not in e._cache
    e.encode(["repost"])
    assert e.encoded == 6
    # entries own their memory: a cached row must not keep its batch's array alive
    assert all(v.base is None and v.shape == (512,) for v in e._cache.values())


def test_storage_formats_keep_the_vector(embedder: Embedder) -> None:
    v = embedder.encode(TEXTS)
    codes, scales = quantize_int8(v)
    assert codes.dtype == np.int8 and scales.shape == (4,)
    back = dequantize_int8(codes, scales)
    cos = (back * v).sum(1) / np.linalg.norm(back, axis=1)
    assert cos.min() > 0.999
    assert np.abs(to_float16(v).astype(np.float32) - v).max() < 1e-3
    blob = to_blob(v[0])
    assert len(blob) == 516
    assert np.allclose(from_blob(blob), back[0])
    zero_codes, zero_scales = quantize_int8(np.zeros(512, dtype=np.float32))
    assert not zero_codes.any() and zero_scales[0] == 1.0


def test_long_posts_are_cut() -> None:
    assert len(prepare("é" * 50_000)) == MAX_MODEL_CHARS
    assert prepare("  a\n\tb  @x.y www.example.com ") == "a b @user http"


def test_emoji_become_words(embedder: Embedder) -> None:
    # the encoder reads most emoji as one unknown piece: words keep them apart
    assert prepare("Service 😡😡 nul ❤️👍🏽 ☕") == (
        "Service enraged face enraged face nul red heart thumbs up hot beverage"
    )
    angry, love = embedder.encode(["I am 😡", "I am 😍"])
    assert angry @ love < 0.9


def test_thread_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(embedding.THREADS_ENV, "1")
    assert Embedder().threads == 1
    monkeypatch.setenv(embedding.THREADS_ENV, "lots")
    assert 1 <= Embedder().threads <= 2


def test_the_shared_encoder_serves_every_consumer_of_a_process() -> None:
    from tocsin.enrich.analysis import AnalysisEnricher
    from tocsin.enrich.embedding import shared_embedder

    assert shared_embedder() is shared_embedder()
    assert AnalysisEnricher("full").embedder is shared_embedder()


def test_detectors_reuse_the_embeddings_the_analysis_computed() -> None:
    from tests.factories import mention
    from tocsin.enrich.analysis import AnalysisEnricher
    from tocsin.enrich.embedding import shared_embedder
    from tocsin.incidents.sources import _embeddings

    posts = [mention(i, text=f"Cafélia, commande numéro {i} jamais arrivée") for i in range(5)]
    AnalysisEnricher("full")(posts)
    encoder = shared_embedder()
    encoded, hits = encoder.encoded, encoder.cache_hits
    _embeddings(posts)
    assert encoder.encoded == encoded  # nothing went through the encoder again
    assert encoder.cache_hits == hits + 5


def test_forget_shared_cache_empties_it_without_loading_the_encoder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(embedding, "_SHARED", None)
    embedding.forget_shared_cache()
    assert embedding._SHARED is None  # not loaded for this
    shared = embedding.Embedder(threads=1, cache_size=10)
    shared._cache["a text"] = np.zeros(embedding.DIM, np.float32)
    monkeypatch.setattr(embedding, "_SHARED", shared)
    embedding.forget_shared_cache()
    assert len(shared._cache) == 0
