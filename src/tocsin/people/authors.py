"""Opaque author keys (pseudonyms) and the dense ids the numeric code uses instead."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

Ids = npt.NDArray[np.int64]


class AuthorIndex:
    """Author key <-> id, ids dense from 0 and never reused, so arrays indexed by id only grow."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._keys: list[str] = []

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._ids

    def id_of(self, key: str) -> int:
        """The author's id, registering a new author if needed."""
        found = self._ids.get(key)
        if found is None:
            found = self._ids[key] = len(self._keys)
            self._keys.append(key)
        return found

    def ids_of(self, keys: Iterable[str]) -> Ids:
        return np.fromiter((self.id_of(k) for k in keys), dtype=np.int64)

    def get(self, key: str) -> int | None:
        return self._ids.get(key)

    def key(self, author_id: int) -> str:
        return self._keys[author_id]

    def keys_of(self, ids: Sequence[int] | Ids) -> list[str]:
        return [self._keys[int(i)] for i in ids]
