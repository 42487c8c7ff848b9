from __future__ import annotations

import numpy as np

from tocsin.enrich.ngrams import hashed_ngrams, normalise, sparse_dot


def test_normalisation() -> None:
    assert normalise("Sooooo BAD @cafelia 👍🏽") == " sooo bad @user thumbs up "


def test_hashes_are_stable() -> None:
    # the shipped weights are indexed by these columns: a change here needs a retrain
    row, col, value = hashed_ngrams(["ab"], 1, 2, 1 << 18)
    assert row.tolist() == [0] * 6  # ' ' (twice), 'a', 'b', ' a', 'ab', 'b '
    assert col.tolist() == [65228, 106503, 125167, 178949, 212686, 233197]
    assert np.isclose(float((value**2).sum()), 1.0)


def test_texts_do_not_share_ngrams_and_rows_are_unit_norm() -> None:
    texts = ["merci beaucoup", "", "nul nul nul", "😡"]
    row, col, value = hashed_ngrams(texts, 1, 5, 1 << 16)
    norms = np.bincount(row, weights=value**2, minlength=4)
    assert np.allclose(norms, 1.0)
    alone = hashed_ngrams(["nul nul nul"], 1, 5, 1 << 16)
    assert np.array_equal(col[row == 2], alone[1]) and np.allclose(value[row == 2], alone[2])


def test_sparse_dot_matches_dense() -> None:
    texts = ["a b c", "service client nul", "top"]
    row, col, value = hashed_ngrams(texts, 2, 4, 97)
    dense = np.zeros((3, 97), dtype=np.float32)
    np.add.at(dense, (row, col), value)
    w = np.random.default_rng(0).normal(size=(97, 3)).astype(np.float32)
    assert np.allclose(sparse_dot(row, col, value, w, 3), dense @ w, atol=1e-5)


def test_control_characters_and_surrogates_cannot_split_or_break_a_batch() -> None:
    row, _, _ = hashed_ngrams(["bad\x00 good", "ok\ud800", "fine"], 1, 3, 1 << 10)
    assert set(row.tolist()) == {0, 1, 2}
