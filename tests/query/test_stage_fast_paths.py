"""The matching-side pipeline stages (``tocsin.engine.stages``) against their obvious versions.

``normalise_mention`` checks each field before cleaning it and ``deduplicate`` inlines
``version_time``: both must give exactly what the straightforward code gives, including
returning the very same object for a mention that needs no change.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from tocsin.domain import MAX_FIELD_CHARS, MAX_LIST_ITEMS, MAX_TEXT_CHARS, Author, Mention, utc
from tocsin.engine.stages import deduplicate, normalise_mention

_CONTROLS = dict.fromkeys(
    [c for c in range(0x20) if c not in (0x09, 0x0A)] + list(range(0x7F, 0xA0))
)


def ref_clean(text: str, limit: int) -> str:
    return unicodedata.normalize("NFC", text).translate(_CONTROLS)[:limit]


def ref_clean_list(items: Iterable[str], strip: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for item in items:
        item = ref_clean(item, MAX_FIELD_CHARS).lstrip(strip).strip()
        if item:
            seen.setdefault(item, None)
        if len(seen) >= MAX_LIST_ITEMS:
            break
    return tuple(seen)


def ref_normalise_mention(m: Mention) -> Mention:
    changes: dict[str, object] = {}
    text = ref_clean(m.text, MAX_TEXT_CHARS)
    if text != m.text:
        changes["text"] = text
    if m.title is not None:
        title = ref_clean(m.title, MAX_FIELD_CHARS)
        if title != m.title:
            changes["title"] = title
    if m.created_at.tzinfo is None or m.created_at.utcoffset():
        changes["created_at"] = utc(m.created_at)
    if m.edited_at is not None and (m.edited_at.tzinfo is None or m.edited_at.utcoffset()):
        changes["edited_at"] = utc(m.edited_at)
    for name, strip in (("hashtags", "#"), ("mentions", "@"), ("links", "")):
        value = getattr(m, name)
        if value:
            cleaned = ref_clean_list(value, strip)
            if cleaned != value:
                changes[name] = cleaned
    if m.language is not None:
        lang = m.language.strip().lower().replace("_", "-")[:16] or None
        if lang != m.language:
            changes["language"] = lang
    return m.with_(**changes) if changes else m


def ref_deduplicate(batch: Sequence[Mention]) -> list[Mention]:
    latest: dict[tuple[str, str], Mention] = {}
    for m in batch:
        seen = latest.get(m.key)
        if seen is None or m.version_time >= seen.version_time:
            latest[m.key] = m
    return list(latest.values())


# Mostly clean pieces, and each way of being dirty: controls, decomposed accents, spaces
# around items, signs to strip, duplicates, Unicode spaces, astral characters.
pieces = st.sampled_from(
    ("Cafélia", "cafe\u0301", "ok", " ", "\n", "\t", "\r", "\x00", "\x1b", "\x7f", "\x85",
     "\u00a0", "\u200b", "😡", "☕️", "#", "@", "é", "Å", "A\u030a", "\U00020000", "_")
)  # fmt: skip
texts = st.one_of(st.lists(pieces, max_size=8).map("".join), st.text(max_size=12))
items = st.lists(texts, max_size=4).map(tuple)
times = st.one_of(
    st.just(datetime(2024, 5, 1, 9, tzinfo=UTC)),
    st.just(datetime(2024, 5, 1, 9)),
    st.just(datetime(2024, 5, 1, 10, tzinfo=timezone(timedelta(hours=1)))),
    st.just(datetime(2024, 5, 1, 9, tzinfo=timezone(timedelta(0)))),
    st.just(datetime(2024, 5, 1, 8, tzinfo=UTC)),
)


@st.composite
def mentions(draw: st.DrawFn, native_ids: Sequence[str] = ("1",)) -> Mention:
    platform = draw(st.sampled_from(("x", "bluesky")))
    return Mention(
        platform=platform,
        native_id=draw(st.sampled_from(native_ids)),
        author=Author(platform=platform, id="1", handle="someone"),
        text=draw(texts),
        created_at=draw(times),
        title=draw(st.one_of(st.none(), texts)),
        language=draw(st.sampled_from((None, "fr", "FR_ca ", " ", "en-GB", "x" * 20))),
        hashtags=draw(items),
        mentions=draw(items),
        links=draw(items),
        edited_at=draw(st.one_of(st.none(), times)),
    )


@given(mentions())
@settings(max_examples=500, deadline=None)
def test_normalise_mention_equals_the_reference(m: Mention) -> None:
    got, expected = normalise_mention(m), ref_normalise_mention(m)
    assert got == expected
    assert (got is m) == (expected is m)
    again = normalise_mention(got)  # not always idempotent: ' #' -> '#' -> dropped
    assert again == ref_normalise_mention(got)
    assert (again is got) == (ref_normalise_mention(got) is got)


def test_long_fields_are_cut() -> None:
    tags = tuple(f"t{i}" for i in range(MAX_LIST_ITEMS + 1))
    text = "a" * (MAX_TEXT_CHARS + 1)
    m = ref_normalise_mention(
        Mention("x", "1", Author("x", "1"), text, datetime.now(UTC), hashtags=tags)
    )
    assert normalise_mention(m) is m
    long = m.with_(text=m.text + "b", hashtags=(*m.hashtags, "extra"))
    assert normalise_mention(long) == ref_normalise_mention(long) == m


@given(st.lists(mentions(native_ids=("1", "2", "3")), max_size=8))
@settings(max_examples=300, deadline=None)
def test_deduplicate_equals_the_reference(batch: list[Mention]) -> None:
    clean = [normalise_mention(m) for m in batch]
    got = deduplicate(clean)
    expected = ref_deduplicate(clean)
    assert len(got) == len(expected)
    assert all(a is b for a, b in zip(got, expected, strict=True))
