"""The matching fast paths give exactly what the obvious code gives.

Token regexes written literal-first, lazily computed ``Document`` attributes, memoised field
tokens: each is checked against a straightforward reference.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from tocsin.domain import Author, Mention
from tocsin.query import Document, normalise
from tocsin.query.document import (
    HANDLE_RE,
    HANDLE_TOKEN_RE,
    TAG_RE,
    TAG_TOKEN_RE,
    WORD_RE,
    norm_handle,
    norm_language,
    norm_platform,
)

from .strategies import HANDLES, VOCAB, post_texts

#: The patterns as first written: look-behind first.
REF_TAG_RE = re.compile(r"(?<![\w&])#(\w+)")
REF_HANDLE_RE = re.compile(r"(?<![\w@])@(\w+(?:[.\-]\w+)*)")

tricky_texts = st.one_of(
    post_texts(),
    st.text(alphabet="#@&.-_ aé1\u00b2x\n'", max_size=40),
    st.text(max_size=30),
)


@given(tricky_texts)
@settings(max_examples=400, deadline=None)
def test_literal_first_regexes_find_the_same_matches(text: str) -> None:
    for regex, ref in ((TAG_RE, REF_TAG_RE), (HANDLE_RE, REF_HANDLE_RE)):
        got = [(m.span(), m.span(1), m.group(1)) for m in regex.finditer(text)]
        assert got == [(m.span(), m.span(1), m.group(1)) for m in ref.finditer(text)]
    assert TAG_TOKEN_RE.findall(text) == ["#" + t for t in REF_TAG_RE.findall(text)]
    assert HANDLE_TOKEN_RE.findall(text) == ["@" + h for h in REF_HANDLE_RE.findall(text)]


def reference_tokens(norm_text: str, field: set[str]) -> frozenset[str]:
    words = set(WORD_RE.findall(norm_text))
    tags = {"#" + t for t in REF_TAG_RE.findall(norm_text)}
    handles = {"@" + h for h in REF_HANDLE_RE.findall(norm_text)}
    return frozenset(words | tags | handles | field)


def reference_field(hashtags: list[str], mentions: list[str]) -> set[str]:
    out = set()
    for tag in hashtags:
        t = normalise(tag).strip().removeprefix("#")
        if t:
            out.add("#" + t)
    for m in mentions:
        h = norm_handle(m)
        if h:
            out.add("@" + h)
            local = h.split("@", 1)[0]
            if local and local != h:
                out.add("@" + local)
    return out


field_values = st.lists(
    st.one_of(
        st.sampled_from(VOCAB),
        st.sampled_from(HANDLES),
        st.sampled_from(("#Grève", " @Sncf ", "user@instance.social", "@", "", "CaféliaMoments")),
    ),
    max_size=3,
)


@given(
    tricky_texts,
    field_values,
    field_values,
    st.sampled_from(("", "@Jean.bsky.social", "Brand_FR", " user@piaille.fr")),
    st.sampled_from((None, "", "fr", "FR_ca ", "en")),
    st.sampled_from(("x", "Bluesky", "")),
)
@settings(max_examples=300, deadline=None)
def test_from_mention_equals_the_reference_analysis(
    text: str,
    hashtags: list[str],
    mentions: list[str],
    handle: str,
    language: str | None,
    platform: str,
) -> None:
    m = Mention(
        platform=platform,
        native_id="1",
        author=Author(platform=platform, id="1", handle=handle),
        text=text,
        created_at=datetime(2024, 5, 1, tzinfo=UTC),
        language=language,
        hashtags=tuple(hashtags),
        mentions=tuple(mentions),
    )
    for _ in range(2):  # the second time through the memos
        d = Document.from_mention(m)
        field = reference_field(hashtags, mentions)
        assert d.norm_text == normalise(text)
        assert d.words == WORD_RE.findall(d.norm_text)
        assert d.word_set == frozenset(d.words)
        assert d.tokens == reference_tokens(d.norm_text, field)
        assert d.author == norm_handle(handle)
        assert d.language == norm_language(language)
        assert d.platform == norm_platform(platform)
        expected_fts = d.norm_text + ("\n" + " ".join(sorted(field)) if field else "")
        assert d.fts_text == expected_fts
    # Fields that are lists (a careless plugin) are analysed the same way.
    listed = Mention(
        platform=platform,
        native_id="1",
        author=Author(platform=platform, id="1", handle=handle),
        text=text,
        created_at=datetime(2024, 5, 1, tzinfo=UTC),
        hashtags=hashtags,  # type: ignore[arg-type]
        mentions=mentions,  # type: ignore[arg-type]
    )
    assert Document.from_mention(listed).tokens == d.tokens


def test_author_given_or_lazy() -> None:
    d = Document("x", "x", "", "", "brand")
    assert d.author == "brand"
    lazy = Document("x", "x", "", "", "ignored", handle="@Brand")
    assert lazy.author == "brand"
    assert Document("x", "x", "", "", "", handle="").author == ""
