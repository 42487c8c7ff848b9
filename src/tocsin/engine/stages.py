"""Pipeline stages: plain functions over batches of mentions, with no I/O.

normalise → deduplicate → enrich (before match) → match watches → enrich (after match) → store,
and the store rolls up inside its write transaction. Language identification runs before
matching because ``lang:`` filters need it (docs/pipeline.md). The same functions run in-process
(``tocsin.engine.inprocess``) and, later, inside Spark Structured Streaming.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

from tocsin.domain import MAX_FIELD_CHARS, MAX_LIST_ITEMS, MAX_TEXT_CHARS, Mention, utc
from tocsin.enrich.base import Enricher
from tocsin.query import Document, WatchIndex
from tocsin.store.base import MatchedMention

# C0/C1 controls other than tab and newline are dropped from text.
_CONTROLS = dict.fromkeys(
    [c for c in range(0x20) if c not in (0x09, 0x0A)] + list(range(0x7F, 0xA0))
)


def _clean(text: str, limit: int) -> str:
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    text = text.translate(_CONTROLS)
    return text[:limit]


def _clean_list(items: Iterable[str], strip: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for item in items:
        item = _clean(item, MAX_FIELD_CHARS).lstrip(strip).strip()
        if item:
            seen.setdefault(item, None)
        if len(seen) >= MAX_LIST_ITEMS:
            break
    return tuple(seen)


def normalise_mention(m: Mention) -> Mention:
    """Enforce the invariants every stored mention holds, whatever importer or plugin made it."""
    changes: dict[str, object] = {}
    text = _clean(m.text, MAX_TEXT_CHARS)
    if text != m.text:
        changes["text"] = text
    if m.title is not None:
        title = _clean(m.title, MAX_FIELD_CHARS)
        if title != m.title:
            changes["title"] = title
    if m.created_at.tzinfo is None or m.created_at.utcoffset():
        changes["created_at"] = utc(m.created_at)
    if m.edited_at is not None and (m.edited_at.tzinfo is None or m.edited_at.utcoffset()):
        changes["edited_at"] = utc(m.edited_at)
    for name, strip in (("hashtags", "#"), ("mentions", "@"), ("links", "")):
        value = getattr(m, name)
        if value:
            cleaned = _clean_list(value, strip)
            if cleaned != value:
                changes[name] = cleaned
    if m.language is not None:
        lang = m.language.strip().lower().replace("_", "-")[:16] or None
        if lang != m.language:
            changes["language"] = lang
    return m.with_(**changes) if changes else m


def normalise(batch: Sequence[Mention]) -> list[Mention]:
    return [normalise_mention(m) for m in batch]


def deduplicate(batch: Sequence[Mention]) -> list[Mention]:
    """One mention per (platform, native id): the newest version, at its first position."""
    latest: dict[tuple[str, str], Mention] = {}
    for m in batch:
        seen = latest.get(m.key)
        if seen is None or m.version_time >= seen.version_time:
            latest[m.key] = m
    return list(latest.values())


def enrich(batch: Sequence[Mention], enrichers: Sequence[Enricher]) -> list[Mention]:
    out = list(batch)
    for enricher in enrichers:
        out = enricher(out)
    return out


def match(batch: Sequence[Mention], index: WatchIndex) -> list[MatchedMention]:
    out = []
    for m in batch:
        doc = Document.from_mention(m)
        out.append(MatchedMention(m, doc.norm_text, index.match(doc)))
    return out
