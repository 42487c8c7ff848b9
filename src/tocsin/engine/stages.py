"""Pipeline stages: plain functions over batches of mentions, with no I/O.

normalise → deduplicate → enrich (before match) → match watches → enrich (after match) → store,
and the store rolls up inside its write transaction. Language identification runs before
matching because ``lang:`` filters need it (docs/pipeline.md). The same functions run in-process
(``tocsin.engine.inprocess``) and, later, inside Spark Structured Streaming.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import UTC

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


#: The same characters, found rather than translated: most texts have none.
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_is_nfc = unicodedata.is_normalized


def _is_clean(text: str, limit: int) -> bool:
    """``_clean(text, limit) == text``, checked without building anything (C-level scans)."""
    return (
        len(text) <= limit
        and (text.isascii() or _is_nfc("NFC", text))
        and (text.isprintable() or _CONTROL_RE.search(text) is None)
    )


def _is_clean_list(items: tuple[str, ...], strip: str) -> bool:
    """``_clean_list(items, strip) == items``: distinct, clean, trimmed items, few enough."""
    if type(items) is not tuple or len(items) > MAX_LIST_ITEMS:
        return False
    for item in items:
        if not item or item[0] in strip or not _is_clean(item, MAX_FIELD_CHARS):
            return False
        if item[0].isspace() or item[-1].isspace():
            return False
    return len(items) == 1 or len(set(items)) == len(items)


_LANGUAGES: dict[str, str | None] = {}


def _clean_language(language: str) -> str | None:
    """Languages take few distinct values: clean each once."""
    out = _LANGUAGES.get(language, "")
    if out == "":
        if len(_LANGUAGES) > 4096:
            _LANGUAGES.clear()
        out = _LANGUAGES[language] = language.strip().lower().replace("_", "-")[:16] or None
    return out


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
    """Enforce the invariants every stored mention holds, whatever importer or plugin made it.

    Most mentions already hold them: each field is first checked with C-level scans (ASCII,
    NFC, printable) and only cleaned, and compared, when the check fails.
    """
    changes: dict[str, object] = {}
    if not _is_clean(m.text, MAX_TEXT_CHARS):
        text = _clean(m.text, MAX_TEXT_CHARS)
        if text != m.text:
            changes["text"] = text
    if m.title is not None and not _is_clean(m.title, MAX_FIELD_CHARS):
        title = _clean(m.title, MAX_FIELD_CHARS)
        if title != m.title:
            changes["title"] = title
    created_at = m.created_at
    if created_at.tzinfo is not UTC and (created_at.tzinfo is None or created_at.utcoffset()):
        changes["created_at"] = utc(created_at)
    edited_at = m.edited_at
    if (
        edited_at is not None
        and edited_at.tzinfo is not UTC
        and (edited_at.tzinfo is None or edited_at.utcoffset())
    ):
        changes["edited_at"] = utc(edited_at)
    if m.hashtags and not _is_clean_list(m.hashtags, "#"):
        cleaned = _clean_list(m.hashtags, "#")
        if cleaned != m.hashtags:
            changes["hashtags"] = cleaned
    if m.mentions and not _is_clean_list(m.mentions, "@"):
        cleaned = _clean_list(m.mentions, "@")
        if cleaned != m.mentions:
            changes["mentions"] = cleaned
    if m.links and not _is_clean_list(m.links, ""):
        cleaned = _clean_list(m.links, "")
        if cleaned != m.links:
            changes["links"] = cleaned
    if m.language is not None:
        lang = _clean_language(m.language)
        if lang != m.language:
            changes["language"] = lang
    return m.with_(**changes) if changes else m


def normalise(batch: Sequence[Mention]) -> list[Mention]:
    return [normalise_mention(m) for m in batch]


def deduplicate(batch: Sequence[Mention]) -> list[Mention]:
    """One mention per (platform, native id): the newest version, at its first position."""
    latest: dict[tuple[str, str], Mention] = {}
    for m in batch:
        key = (m.platform, m.native_id)
        seen = latest.get(key)
        if seen is None:
            latest[key] = m
        elif (m.edited_at or m.created_at) >= (seen.edited_at or seen.created_at):
            latest[key] = m  # Mention.version_time, inlined
    return list(latest.values())


def enrich(batch: Sequence[Mention], enrichers: Sequence[Enricher]) -> list[Mention]:
    out = list(batch)
    for enricher in enrichers:
        out = enricher(out)
    return out


def match(batch: Sequence[Mention], index: WatchIndex) -> list[MatchedMention]:
    from_mention, match_doc = Document.from_mention, index.match
    out = []
    for m in batch:
        doc = from_mention(m)
        out.append(MatchedMention(m, doc.norm_text, match_doc(doc)))
    return out
