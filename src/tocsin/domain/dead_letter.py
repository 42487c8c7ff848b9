"""Records that could not become mentions: kept with their reason and raw bytes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DeadLetter:
    source: str  # file name or connector name
    format: str  # importer name, or "unknown"
    position: str  # line number, record index or byte offset, as a human would look for it
    reason: str
    raw: bytes

    @property
    def fingerprint(self) -> str:
        """Same source, position and bytes: the same dead letter (re-imports add nothing)."""
        h = hashlib.sha256()
        for part in (self.source.encode(), self.position.encode(), self.raw):
            h.update(len(part).to_bytes(8, "big"))
            h.update(part)
        return h.hexdigest()
