"""The enricher contract: a function over a batch of mentions that returns the batch enriched.

``before_match`` enrichers run before watches are matched (language must be known for ``lang:``
filters); the others run after, on matched mentions only, so costly models see fewer posts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Protocol, runtime_checkable

from tocsin.domain import Mention


@runtime_checkable
class Enricher(Protocol):
    name: ClassVar[str]
    before_match: ClassVar[bool]

    def __call__(self, batch: Sequence[Mention]) -> list[Mention]: ...
