"""The helpers every importer relies on: bounds, times, HTML, extraction, bounded reading."""

from __future__ import annotations

import io
import pickle
import time
from dataclasses import FrozenInstanceError, dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tocsin.domain import (
    MAX_FIELD_CHARS,
    MAX_LIST_ITEMS,
    MAX_RAW_BYTES,
    MAX_TEXT_CHARS,
    Author,
    Mention,
    Metrics,
)
from tocsin.errors import ImportFormatError, MalformedRecord
from tocsin.importers import _common as c


def dt(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- cleaning and bounds ----------------------------------------------------------------------


def test_clean_removes_control_characters_and_bounds() -> None:
    assert c.clean("a\x00b\x07c\td\ne\r") == "abc\td\ne\r"
    assert c.clean("x" * 5000) == "x" * MAX_FIELD_CHARS
    assert c.clean_text("é" * (MAX_TEXT_CHARS + 10)) == "é" * MAX_TEXT_CHARS
    assert c.clean("lone \ud800 surrogate") == "lone  surrogate"


def test_clean_list_strips_dedupes_and_bounds() -> None:
    assert c.clean_list(["#Café", "café", " #x ", "", "#"], "#") == ("Café", "x")
    many = [f"tag{i}" for i in range(500)]
    assert len(c.clean_list(many)) == MAX_LIST_ITEMS


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("fr", "fr"),
        ("fr-FR", "fr"),
        ("EN_us", "en"),
        ("und", None),
        ("zxx", None),
        ("qme", None),
        ("", None),
        ("français", None),
        (None, None),
        (3, None),
        ("kab", "kab"),
    ],
)
def test_normalize_lang(tag: object, expected: str | None) -> None:
    assert c.normalize_lang(tag) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, 3),
        ("42", 42),
        (" 7 ", 7),
        (3.0, 3),
        (3.5, None),
        ("1_000", 1000),
        (True, None),
        (None, None),
        ("beaucoup", None),
        ("1e3", None),
        (float("nan"), None),
        (2**70, None),
        ("9" * 30, None),
        ([], None),
    ],
)
def test_safe_int(value: object, expected: int | None) -> None:
    assert c.safe_int(value) == expected


def test_count_refuses_negative() -> None:
    assert c.count(-1) is None
    assert c.count("12") == 12


def test_one_line_reason() -> None:
    assert c.one_line("a\nb\r\n  c") == "a b c"
    long = c.one_line("x" * 1000)
    assert len(long) == c.MAX_REASON_CHARS and long.endswith("…")


# --- times ------------------------------------------------------------------------------------


def test_parse_iso_variants() -> None:
    assert c.parse_iso("2024-03-04T08:15:00Z") == dt(2024, 3, 4, 8, 15)
    assert c.parse_iso("2024-03-04T08:15:00.123Z").microsecond == 123000
    assert c.parse_iso("2024-03-04T09:15:00+01:00") == dt(2024, 3, 4, 8, 15)
    naive = c.parse_iso("2024-03-04 08:15:00")
    assert naive == dt(2024, 3, 4, 8, 15) and naive.tzinfo is UTC
    for bad in ("le 4 mars", "", "2024-13-01T00:00:00Z", "x" * 100):
        with pytest.raises(ValueError):
            c.parse_iso(bad)


def test_parse_time_epoch_and_text() -> None:
    assert c.parse_time(1709540100) == dt(2024, 3, 4, 8, 15)
    assert c.parse_time("1709540100") == dt(2024, 3, 4, 8, 15)
    assert c.parse_time(1709540100.5).microsecond == 500000
    assert c.parse_time("2024-03-04T08:15:00Z") == dt(2024, 3, 4, 8, 15)
    for bad in (True, None, [], float("inf"), 10**20, "1" * 15):
        with pytest.raises(ValueError):
            c.parse_time(bad)


def test_parse_rfc822() -> None:
    assert c.parse_rfc822("Tue, 21 Jun 2005 13:15:00 -0400") == dt(2005, 6, 21, 17, 15)
    assert c.parse_rfc822("Sun, 26 Jun 2005 09:00:00 GMT") == dt(2005, 6, 26, 9, 0)
    assert c.parse_rfc822("2005-06-26T09:00:00Z") == dt(2005, 6, 26, 9, 0)  # seen in the wild
    with pytest.raises(ValueError):
        c.parse_rfc822("the 30th of June")


def test_parse_twitter_time() -> None:
    assert c.parse_twitter_time("Wed Oct 10 20:19:24 +0000 2018") == dt(2018, 10, 10, 20, 19, 24)
    assert c.parse_twitter_time("Wed Oct 10 22:19:24 +0200 2018") == dt(2018, 10, 10, 20, 19, 24)
    for bad in (
        "lundi 4 mars 2024",
        "Wed Foo 10 20:19:24 +0000 2018",
        "Wed Feb 30 20:19:24 +0000 2018",
    ):
        with pytest.raises(ValueError):
            c.parse_twitter_time(bad)


def test_snowflake_time() -> None:
    assert c.snowflake_time("1764565190046646272") == dt(2024, 3, 4, 8, 15)
    assert c.snowflake_time("12345") is None  # pre-snowflake id
    assert c.snowflake_time("abc") is None


# --- HTML -------------------------------------------------------------------------------------


def test_html_to_text_paragraphs_breaks_entities() -> None:
    text, links = c.html_to_text(
        "<p>Salut &amp; bienvenue&nbsp;! <a href='https://x.fr/a'>lien</a></p>"
        "<p>Ligne<br>deux<br/><br>trois</p> <ul><li>a</li><li>b</li></ul>"
        "<script>alert(1)</script><style>p{}</style>fin &#x1F600; &eacute;"
    )
    assert text == "Salut & bienvenue\xa0! lien\n\nLigne\ndeux\n\ntrois\n\na\nb\n\nfin 😀 é"
    assert links == ["https://x.fr/a"]


def test_html_to_text_mastodon_links() -> None:
    html = (
        '<p><span class="h-card"><a href="https://m.social/@bob" class="u-url mention">@<span>'
        'bob</span></a></span> <a href="https://m.social/tags/Boycott" class="mention hashtag" '
        'rel="tag">#<span>Boycott</span></a> <a href="https://example.com/long/path" '
        'rel="nofollow noopener"><span class="invisible">https://</span><span class="ellipsis">'
        'example.com/long</span><span class="invisible">/path</span></a></p>'
    )
    assert c.html_to_text(html) == (
        "@bob #Boycott https://example.com/long/path",
        ["https://example.com/long/path"],
    )


def test_html_to_text_relative_links_and_no_javascript() -> None:
    _, links = c.html_to_text(
        '<a href="/a">a</a><a href="javascript:alert(1)">b</a><a href="mailto:x@y">c</a>',
        "https://blog.example.fr/post/",
    )
    assert links == ["https://blog.example.fr/a"]


def test_html_to_text_plain_and_hostile() -> None:
    assert c.html_to_text("  just   text \n here ") == ("just text here", [])
    started = time.perf_counter()
    for hostile in ("<" * 300_000, "<div>" * 100_000, "<!--" + "x" * 300_000, "&#" * 200_000):
        text, _ = c.html_to_text(hostile)
        assert len(text) <= c.MAX_HTML_CHARS
    assert time.perf_counter() - started < 5


def test_unescape() -> None:
    assert c.unescape("a &amp; b &lt;3 &gt;") == "a & b <3 >"
    assert c.unescape("no entities") == "no entities"


# --- extraction -------------------------------------------------------------------------------


def test_extract_hashtags() -> None:
    text = "#Dell #1 #été https://a.b/#frag &#39; #Café_noir #dell mot#pas ＃全角"
    assert c.extract_hashtags(text) == ("Dell", "été", "Café_noir", "全角")


def test_extract_mentions() -> None:
    text = "hi @bob @alice@m.social @x.bsky.social. mail a@b.com, again @Bob"
    assert c.extract_mentions(text) == ("bob", "alice@m.social", "x.bsky.social")
    assert c.extract_mentions("merci u/cafeinomane et /u/Pierre_L", reddit=True) == (
        "cafeinomane",
        "Pierre_L",
    )


def test_extract_links_trims_punctuation_keeps_balanced_parens() -> None:
    text = (
        "voir https://fr.wikipedia.org/wiki/Dell_(entreprise)). et (https://a.com/x). "
        "« https://b.fr/c » fin: https://d.org/e?f=1&g=2, ok… http://"
    )
    assert c.extract_links(text) == (
        "https://fr.wikipedia.org/wiki/Dell_(entreprise)",
        "https://a.com/x",
        "https://b.fr/c",
        "https://d.org/e?f=1&g=2",
    )


def test_host_of() -> None:
    assert c.host_of("https://Piaille.FR/@alice") == "piaille.fr"
    assert c.host_of("not a url") == ""
    assert c.host_of("http://[::1") == ""
    assert c.host_of(None) == ""


# --- building mentions ------------------------------------------------------------------------


def _mention(**kw: Any) -> Mention:
    fields: dict[str, Any] = {
        "platform": "x",
        "native_id": "1",
        "author": c.make_author("x", "1", "a"),
        "text": "t",
        "created_at": dt(2024, 1, 1),
        "raw": b"{}",
    }
    fields.update(kw)
    return c.make_mention(**fields)


def test_make_mention_bounds_everything() -> None:
    m = _mention(
        text="a\x00" * (MAX_TEXT_CHARS + 5),
        title="t" * 5000,
        url=" https://x.com/a ",
        hashtags=[f"#t{i}" for i in range(300)],
        language="fr-CA",
    )
    assert len(m.text) == MAX_TEXT_CHARS and "\x00" not in m.text
    assert len(m.title) == MAX_FIELD_CHARS
    assert m.url == "https://x.com/a"
    assert len(m.hashtags) == MAX_LIST_ITEMS and m.hashtags[0] == "t0"
    assert m.language == "fr"


def test_make_mention_extracts_missing_lists() -> None:
    m = _mention(text="#Cafélia @bob https://cafelia.fr/aide.")
    assert m.hashtags == ("Cafélia",)
    assert m.mentions == ("bob",)
    assert m.links == ("https://cafelia.fr/aide",)
    empty = _mention(text="#Cafélia", hashtags=[])
    assert empty.hashtags == ()


def test_make_mention_refuses_oversized_records_and_ids() -> None:
    with pytest.raises(MalformedRecord, match="larger than"):
        _mention(raw=b"x" * (MAX_RAW_BYTES + 1))
    with pytest.raises(MalformedRecord, match="longer than"):
        _mention(native_id="9" * (MAX_FIELD_CHARS + 1))
    with pytest.raises(MalformedRecord, match="empty"):
        _mention(native_id="  ")


def test_dead_letter_is_one_line_and_bounded() -> None:
    class Imp(c.BaseImporter):
        name = "t"

    d = Imp().dead("src", "line 3", "bad\nthing", b"x" * (MAX_RAW_BYTES + 10))
    assert d.reason == "bad thing" and len(d.raw) == MAX_RAW_BYTES and d.format == "t"


# --- reading ----------------------------------------------------------------------------------


def test_iter_lines_numbers_bom_blank_and_crlf() -> None:
    data = b"\xef\xbb\xbfone\r\n\n  \ntwo\nthree"
    lines = list(c.iter_lines(io.BytesIO(data)))
    assert [(x.number, x.data) for x in lines] == [(1, b"one"), (4, b"two"), (5, b"three")]


def test_iter_lines_too_long_is_cut_and_skipped() -> None:
    data = b"a\n" + b"x" * 5000 + b"\nb\n" + b"y" * 3000
    lines = list(c.iter_lines(io.BytesIO(data), 1000))
    assert [(x.number, len(x.data), x.too_long) for x in lines] == [
        (1, 1, False),
        (2, 1000, True),
        (3, 1, False),
        (4, 1000, True),
    ]


class _Trickle(io.RawIOBase):
    """A raw stream giving at most ``step`` bytes a read (a pipe, a socket)."""

    def __init__(self, data: bytes, step: int) -> None:
        super().__init__()
        self.data, self.step = data, step

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self.step, len(self.data))
        buffer[:n] = self.data[:n]
        self.data = self.data[n:]
        return n


_LINE_BYTES = st.lists(
    st.sampled_from(
        [b"a", b"{}", b" ", b"\t", b"\n", b"\r", b"\r\n", b"\n\n", b"\xef\xbb\xbf", b"0123456789"]
    ),
    max_size=40,
).map(b"".join)


@settings(max_examples=600, deadline=None)
@given(
    _LINE_BYTES,
    st.integers(1, 14),
    st.integers(1, 20),
    st.sampled_from([0, 0, 7]),
    st.booleans(),
    st.integers(1, 6),
)
def test_numbered_lines_gives_what_iter_lines_gives(
    data: bytes, max_bytes: int, block: int, start: int, skip_blank: bool, step: int
) -> None:
    want = [
        (x.number, x.data, x.too_long)
        for x in c.iter_lines(io.BytesIO(data), max_bytes, start=start, skip_blank=skip_blank)
    ]
    for stream in (io.BytesIO(data), _Trickle(data, step)):
        got = c.numbered_lines(
            stream,
            max_bytes,
            start=start,
            skip_blank=skip_blank,  # type: ignore[arg-type]
            block_bytes=block,
        )
        assert list(got) == want


def test_numbered_lines_too_long_is_cut_and_skipped() -> None:
    data = b"a\n" + b"x" * 5000 + b"\r\nb\r\n" + b"y" * 3000
    lines = list(c.numbered_lines(io.BytesIO(data), 1000, block_bytes=64))
    assert [(n, len(d), long) for n, d, long in lines] == [
        (1, 1, False),
        (2, 1000, True),
        (3, 1, False),
        (4, 1000, True),
    ]


def test_builders_build_what_the_classes_build() -> None:
    assert c.FAST_BUILDERS  # Mention, Author and Metrics are as the builders expect
    author = c.build_author("x", "1", "h", "Name", 3, None)
    assert author == Author("x", "1", "h", "Name", 3, None)
    metrics = c.build_metrics(1, None, 0, 9)
    assert metrics == Metrics(1, None, 0, 9)
    fields = (
        "x",
        "1",
        author,
        "t",
        dt(2024, 1, 1),
        "https://x.com/1",
        None,
        "fr",
        None,
        "2",
        None,
        ("a",),
        (),
        ("https://a.fr",),
        metrics,
        dt(2024, 1, 2),
        b"{}",
    )
    built = c.build_mention(*fields)
    made = Mention(*fields)
    assert built == made and repr(built) == repr(made) and hash(built) == hash(made)
    assert pickle.loads(pickle.dumps(built)) == made
    with pytest.raises(FrozenInstanceError):
        built.text = "changed"  # type: ignore[misc]


def test_builders_fall_back_to_the_class_when_it_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    @dataclass(frozen=True)  # no slots
    class Plain:
        likes: int | None = None
        reposts: int | None = None
        replies: int | None = None
        views: int | None = None

    @dataclass(frozen=True, slots=True)
    class Checked:
        likes: int | None = None
        reposts: int | None = None
        replies: int | None = None
        views: int | None = None

        def __post_init__(self) -> None:
            if self.likes is not None and self.likes < 0:
                raise ValueError("negative")

    @dataclass(frozen=True, slots=True)
    class Grown:
        likes: int | None = None
        reposts: int | None = None
        replies: int | None = None
        views: int | None = None
        bookmarks: int | None = None

    names = ("likes", "reposts", "replies", "views")
    assert c._slot_setters(Metrics, names) is not None
    for cls in (Plain, Checked, Grown, int):
        assert c._slot_setters(cls, names) is None
        monkeypatch.setattr(c, "Metrics", cls)
        if cls is not int:
            assert c._metrics_builder()(1, 2, 3, 4) == cls(1, 2, 3, 4)
    monkeypatch.setattr(c, "Metrics", Checked)
    with pytest.raises(ValueError, match="negative"):
        c._metrics_builder()(-1, None, None, None)


@given(st.text(max_size=60), st.integers(0, 70))
def test_clean_is_the_control_characters_removed_then_cut(value: str, limit: int) -> None:
    assert c.clean(value, limit) == c.CONTROL_RE.sub("", value)[:limit]


def test_json_units_lines_and_documents() -> None:
    lines = list(c.json_units(io.BytesIO(b'{"a": 1}\n{bad\n[2]\n')))
    assert [(u.position, u.value, u.error is None) for u in lines] == [
        ("line 1", {"a": 1}, True),
        ("line 2", None, False),
        ("line 3", [2], True),
    ]
    doc = list(c.json_units(io.BytesIO(b'{\n  "a": [\n    1\n  ]\n}\n')))
    assert len(doc) == 1 and doc[0].position == "" and doc[0].value == {"a": [1]}
    # A bad first line followed by good lines is still JSON lines.
    bad_first = list(c.json_units(io.BytesIO(b'{"cut\n{"a": 1}\n')))
    assert [u.error is None for u in bad_first] == [False, True]
    assert list(c.json_units(io.BytesIO(b""))) == []


def test_json_units_invalid_document_raises() -> None:
    with pytest.raises(ImportFormatError, match="not a valid JSON document"):
        list(c.json_units(io.BytesIO(b'{\n  "a": [1,\n  oops\n}\n')))


def test_read_bounded_refuses_large(monkeypatch: pytest.MonkeyPatch) -> None:
    assert c.read_bounded(io.BytesIO(b"\xef\xbb\xbf{}"), 10) == b"{}"
    with pytest.raises(ImportFormatError, match="larger than"):
        c.read_bounded(io.BytesIO(b"x" * 100), 50)
    monkeypatch.setattr(c, "MAX_DOCUMENT_BYTES", 64)
    with pytest.raises(ImportFormatError, match="larger than"):
        list(c.json_units(io.BytesIO(b"[\n" + b"1,\n" * 100 + b"1]\n")))


def test_peek_head_rereads_from_start() -> None:
    head, stream = c.peek_head(io.BytesIO(b"abcdef" * 1000), 10)
    assert head == b"abcdefabcd"
    assert stream.read() == b"abcdef" * 1000


def test_loads_readable_errors() -> None:
    with pytest.raises(c.InvalidJson, match="at column 5"):
        c.loads(b'{"a"')
    with pytest.raises(c.InvalidJson, match="depth"):
        c.loads(b"[" * 5000)
    with pytest.raises(c.InvalidJson, match="UTF-8"):
        c.loads(b'"\xff"')


def test_head_values() -> None:
    assert c.head_values(b'{"a": 1}') == ({"a": 1},)
    assert c.head_values(b'{"a": 1}\n{"b": 2}\n{"c": ') == ({"a": 1}, {"b": 2})
    assert c.head_values(b"<rss>") == ()
    assert c.first_objects(b'[{"a": 1}, 2, {"b": 2}]') == [{"a": 1}, {"b": 2}]
