"""Tocsin's exceptions. Every one carries a message a user can read on one line.

TocsinError
├── UsageError            bad option, missing file, unknown name
├── QueryError            invalid watch query; ``position`` points at the fault
├── ImportFormatError     a file whose format cannot be recognised
├── MalformedRecord       one record that cannot become a mention (goes to dead letters)
└── StoreError            the database refused or is not initialised
"""

from __future__ import annotations


class TocsinError(Exception):
    """Base class: the CLI prints ``error: <message>`` and exits 1, never a traceback."""


class UsageError(TocsinError):
    pass


class QueryError(TocsinError):
    def __init__(self, message: str, query: str, position: int) -> None:
        self.query = query
        self.position = position
        self.reason = message
        super().__init__(f"{message} at position {position + 1}")

    def pointer(self) -> str:
        """The query with a caret under the fault, for terminals."""
        return f"{self.query}\n{' ' * self.position}^"


class ImportFormatError(TocsinError):
    pass


class MalformedRecord(TocsinError):
    """Raised by an importer for one record; the runner sends it to the dead-letter table."""


class StoreError(TocsinError):
    pass
