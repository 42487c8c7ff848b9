"""The importer contract: recognise a file, turn its records into mentions.

An importer never raises for one bad record: it yields a ``DeadLetter`` with the reason and the
record's raw bytes, and goes on. It raises ``ImportFormatError`` only when the file as a whole
cannot be read in its format.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO, ClassVar, Protocol, runtime_checkable

from tocsin.domain import DeadLetter, Mention

#: How much of a file the auto-detection looks at.
SNIFF_BYTES = 64 * 1024


@runtime_checkable
class Importer(Protocol):
    name: ClassVar[str]
    description: ClassVar[str]

    def sniff(self, head: bytes, filename: str) -> float:
        """Confidence in [0, 1] that a file starting with ``head`` is in this format."""
        ...

    def read(self, stream: BinaryIO, source: str) -> Iterator[Mention | DeadLetter]:
        """Every record of ``stream`` in file order, as a mention or a dead letter."""
        ...
