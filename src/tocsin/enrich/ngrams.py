"""Hashed character n-grams, computed for a whole batch at once in numpy.

The same function builds the training matrix (``scripts/train_models.py``) and scores posts at
run time, so the features cannot drift apart. Texts go through ``textprep.prepare``, are lower
cased, letters repeated more than three times are cut to three (``soooooo`` → ``sooo``) and each
text is framed by spaces, so word starts and ends are n-grams of their own. Emoji are characters:
``😡`` and ``😡😡`` are n-grams like any other.

An n-gram of code points ``c0 … c(n-1)`` hashes to ``mix(salt_n + Σ ck·P^(n-1-k)) mod buckets``
with 64-bit wrap-around arithmetic: deterministic on every machine and every run (Python's
``hash`` is salted per process and would not be). Each text's counts are weighted ``1 + log(tf)``
and L2-normalised.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from tocsin.enrich.textprep import prepare

_REPEAT = re.compile(r"(.)\1{3,}", re.DOTALL)
_P = np.uint64(1_000_003)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_SEP = 0  # code point 0 never survives normalisation, so it separates texts


def normalise(text: str) -> str:
    return " " + _REPEAT.sub(r"\1\1\1", prepare(text).lower()) + " "


def hashed_ngrams(
    texts: Sequence[str], n_min: int, n_max: int, buckets: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sparse features of a batch: ``(row, column, value)`` arrays, rows sorted.

    ``row`` indexes ``texts``; ``column`` is in ``[0, buckets)``; values are ``1 + log(count)``,
    L2-normalised per text. A text without any n-gram has no entry.
    """
    joined = "\x00".join(normalise(t) for t in texts) + "\x00"
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    seps = np.zeros(len(codes) + 1, dtype=np.int64)
    np.cumsum(codes == _SEP, out=seps[1:])  # seps[i]: separators before position i
    doc = seps[:-1]  # the text each position belongs to
    keys: list[np.ndarray] = []
    h = np.zeros(len(codes), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for n in range(1, n_max + 1):
            # h[i] is the hash of codes[i : i + n]: extend the previous order by one code point
            m = len(codes) - n + 1
            h = h[:m] * _P + codes[n - 1 :]
            if n < n_min:
                continue
            valid = seps[n : n + m] == seps[:m]  # no separator inside the n-gram
            x = (h[valid] + np.uint64(n) * _MIX) * _MIX
            x ^= x >> np.uint64(29)
            col = (x % np.uint64(buckets)).astype(np.int64)
            keys.append(doc[:m][valid] * buckets + col)
    if not keys:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.float32)
    key, count = np.unique(np.concatenate(keys), return_counts=True)
    row, col = np.divmod(key, buckets)
    value = (1.0 + np.log(count)).astype(np.float32)
    norm = np.sqrt(np.bincount(row, weights=value * value, minlength=len(texts)))
    value /= norm[row].astype(np.float32)
    return row, col, value


def sparse_dot(
    row: np.ndarray, col: np.ndarray, value: np.ndarray, weights: np.ndarray, n_rows: int
) -> np.ndarray:
    """``X @ weights`` for the sparse ``X`` given as ``(row, col, value)``: ``(n_rows, k)``.

    ``row`` must be sorted (``hashed_ngrams`` returns it so): each text's n-grams are one run,
    summed in one pass over every column (``np.add.reduceat``).
    """
    out = np.zeros((n_rows, weights.shape[1]), dtype=np.float32)
    if len(row) == 0:
        return out
    contrib = np.asarray(weights[col], dtype=np.float32)
    contrib *= value[:, None]
    starts = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
    out[row[starts]] = np.add.reduceat(contrib, starts, axis=0)
    return out
