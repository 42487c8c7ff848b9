"""Auto-detection: every importer sniffs, the most confident wins."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, ClassVar

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tocsin.importers as importers_pkg
from tests.importers.helpers import SAMPLES, read_all, sample
from tocsin.domain import DeadLetter, Mention
from tocsin.errors import ImportFormatError, UsageError
from tocsin.importers import SNIFF_BYTES, detect, open_importer, sniff_all
from tocsin.importers.base import Importer
from tocsin.importers.generic import to_record
from tocsin.plugins import importers

NAMES = ["bluesky_jetstream", "csv", "feed", "jsonl", "mastodon", "reddit", "x_api_v2", "x_archive"]


def _detect(path: Path) -> str:
    with path.open("rb") as f:
        return detect(f.read(SNIFF_BYTES), path.name).name


def test_registry_holds_every_builtin() -> None:
    found = importers()
    assert sorted(found) == NAMES
    for name, cls in found.items():
        importer = cls()
        assert isinstance(importer, Importer)
        assert importer.name == name and importer.description


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("tocsin.jsonl", "jsonl"),
        ("tocsin.csv", "csv"),
        ("tocsin_semicolon.csv", "csv"),
        ("x_api_search.json", "x_api_v2"),
        ("x_api_pages.jsonl", "x_api_v2"),
        ("x_archive/data/tweets.js", "x_archive"),
        ("mastodon_tag.json", "mastodon"),
        ("mastodon_stream.txt", "mastodon"),
        ("mastodon_ws.jsonl", "mastodon"),
        ("bluesky_jetstream.jsonl", "bluesky_jetstream"),
        ("reddit_new.json", "reddit"),
        ("reddit_comments.json", "reddit"),
        ("buzzmachine_rss.xml", "feed"),
        ("atom_feed.xml", "feed"),
    ],
)
def test_every_sample_is_detected(name: str, expected: str) -> None:
    assert _detect(sample(name)) == expected
    # Not by its file name: the same bytes under a neutral name.
    head = sample(name).read_bytes()[:SNIFF_BYTES]
    assert detect(head, "upload.bin").name == expected
    scores = sniff_all(head, "upload.bin")
    assert scores[0][1] == expected and scores[0][0] - scores[1][0] >= 0.2


def test_all_samples_are_covered() -> None:
    files = {p.relative_to(SAMPLES).as_posix() for p in SAMPLES.rglob("*") if p.is_file()}
    assert files == {
        "tocsin.jsonl",
        "tocsin.csv",
        "tocsin_semicolon.csv",
        "x_api_search.json",
        "x_api_pages.jsonl",
        "x_archive/data/tweets.js",
        "x_archive/data/account.js",
        "mastodon_tag.json",
        "mastodon_stream.txt",
        "mastodon_ws.jsonl",
        "bluesky_jetstream.jsonl",
        "reddit_new.json",
        "reddit_comments.json",
        "buzzmachine_rss.xml",
        "atom_feed.xml",
    }


def _first_line(name: str) -> bytes:
    return sample(name).read_bytes().split(b"\n")[0] + b"\n"


def test_json_lines_are_told_apart_line_by_line() -> None:
    tocsin_line = _first_line("tocsin.jsonl")
    jetstream_line = _first_line("bluesky_jetstream.jsonl")
    x_page_line = _first_line("x_api_pages.jsonl")
    masto_ws_line = _first_line("mastodon_ws.jsonl")
    statuses = json.loads(sample("mastodon_tag.json").read_text())
    masto_line = json.dumps(statuses[0]).encode() + b"\n"
    listing_line = json.dumps(json.loads(sample("reddit_new.json").read_text())).encode() + b"\n"
    for line, expected in [
        (tocsin_line, "jsonl"),
        (jetstream_line, "bluesky_jetstream"),
        (x_page_line, "x_api_v2"),
        (masto_line, "mastodon"),
        (masto_ws_line, "mastodon"),
        (listing_line, "reddit"),
    ]:
        assert detect(line * 3, "data.jsonl").name == expected, expected


def test_large_documents_cut_by_the_head() -> None:
    """Detection sees only SNIFF_BYTES: a big pretty-printed document is cut mid-way."""
    search = json.loads(sample("x_api_search.json").read_text())
    search["data"] = search["data"][:6] * 60
    statuses = json.loads(sample("mastodon_tag.json").read_text())[:4] * 60
    listing = json.loads(sample("reddit_comments.json").read_text())
    listing[1]["data"]["children"] *= 60
    for doc, expected in [(search, "x_api_v2"), (statuses, "mastodon"), (listing, "reddit")]:
        data = json.dumps(doc, indent=2, ensure_ascii=False).encode()
        assert len(data) > SNIFF_BYTES
        assert detect(data[:SNIFF_BYTES], "big.json").name == expected
        compact = json.dumps(doc, ensure_ascii=False).encode()  # one huge line
        assert detect(compact[:SNIFF_BYTES], "big.json").name == expected


def test_first_line_longer_than_the_head() -> None:
    [m], _ = read_all(open_importer("jsonl"), _first_line("tocsin.jsonl"))
    long_line = orjson.dumps(to_record(m.with_(text="é" * 70_000))) + b"\n"
    assert detect(long_line[:SNIFF_BYTES], "x.jsonl").name == "jsonl"
    event = json.loads(_first_line("bluesky_jetstream.jsonl"))
    event["commit"]["record"]["text"] = "é" * 70_000
    assert detect(json.dumps(event).encode()[:SNIFF_BYTES], "x").name == "bluesky_jetstream"


def test_xml_kinds() -> None:
    assert detect(b"<?xml version='1.0'?>\n<rss version='2.0'><channel>", "f").name == "feed"
    atom = b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
    assert detect(atom, "f").name == "feed"
    with pytest.raises(ImportFormatError):
        detect(b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'/>", "a.svg")


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"   \n\n",
        b"\x00\x01\x02\xff\xfe" * 1000,
        b"\xff\xfe<\x00r\x00s\x00s\x00",
        b"Bonjour, ceci est un texte brut sur Caf\xc3\xa9lia.\n",
        b'{"foo": 1, "bar": [1, 2]}\n',
        b"[1, 2, 3]",
        b"name,age\nbob,3\n",
        b"[" * SNIFF_BYTES,
        b"{" * SNIFF_BYTES,
        b'{"a": "' + b"\xff" * 1000 + b'"}\n',
        b"9" * SNIFF_BYTES,
        b"<" * SNIFF_BYTES,
    ],
)
def test_unknown_or_hostile_input_is_refused_cleanly(head: bytes) -> None:
    with pytest.raises(ImportFormatError) as info:
        detect(head, "mystery.dat")
    message = str(info.value)
    assert "\n" not in message
    for name in NAMES:
        assert name in message


def test_open_importer() -> None:
    assert open_importer("reddit").name == "reddit"
    assert open_importer("x_archive") is not open_importer("x_archive")  # a fresh instance
    with pytest.raises(UsageError, match=r"unknown format 'tiktok'.*jsonl"):
        open_importer("tiktok")


def test_a_broken_plugin_does_not_break_detection(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        name: ClassVar[str] = "broken"
        description: ClassVar[str] = "raises"

        def sniff(self, head: bytes, filename: str) -> float:
            raise RuntimeError("boom")

        def read(self, stream: Any, source: str) -> Any:
            raise NotImplementedError

    class Greedy(Broken):
        name: ClassVar[str] = "greedy"

        def sniff(self, head: bytes, filename: str) -> float:
            return float("nan")

    registry = {**importers(), "broken": Broken, "greedy": Greedy}
    monkeypatch.setattr("tocsin.plugins.importers", lambda: registry)
    assert detect(_first_line("tocsin.jsonl"), "x").name == "jsonl"
    assert {"broken", "greedy"} <= {name for _, name in sniff_all(b"", "x")}


def test_detection_then_read_end_to_end() -> None:
    path = sample("reddit_comments.json")
    with path.open("rb") as f:
        importer = detect(f.read(SNIFF_BYTES), path.name)
        f.seek(0)
        items = list(importer.read(f, str(path)))
    assert len(items) == 6
    assert importers_pkg.MIN_CONFIDENCE == 0.3


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "text",
                    "data",
                    "kind",
                    "did",
                    "commit",
                    "account",
                    "created_at",
                    "platform",
                    "uri",
                    "content",
                    "children",
                    "replies",
                    "includes",
                    "x",
                ]
            ),
            inner,
            max_size=6,
        )
    ),
    max_leaves=25,
)


def _fail_cleanly(data: bytes) -> None:
    for name, cls in importers().items():
        importer = cls()
        try:
            for item in importer.read(io.BytesIO(data), "fuzz"):
                assert isinstance(item, Mention | DeadLetter), name
                if isinstance(item, DeadLetter):
                    assert item.reason and "\n" not in item.reason
        except ImportFormatError as e:
            assert "\n" not in str(e)
    sniff_all(data[:SNIFF_BYTES], "fuzz")


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=600))
def test_any_bytes_fail_cleanly(data: bytes) -> None:
    _fail_cleanly(data)


@settings(max_examples=150, deadline=None)
@given(st.lists(_JSON, min_size=1, max_size=4), st.booleans())
def test_any_json_fails_cleanly(values: list[Any], as_lines: bool) -> None:
    if as_lines:
        data = b"\n".join(orjson.dumps(v) for v in values)
    else:
        data = orjson.dumps(values, option=orjson.OPT_INDENT_2)
    _fail_cleanly(data)


_SAMPLE_BYTES = [p.read_bytes() for p in sorted(SAMPLES.rglob("*")) if p.is_file()]


@settings(max_examples=120, deadline=None)
@given(
    st.sampled_from(_SAMPLE_BYTES),
    st.integers(0, 10_000),
    st.integers(0, 10_000),
    st.binary(max_size=8),
)
def test_corrupted_samples_fail_cleanly(data: bytes, cut: int, at: int, junk: bytes) -> None:
    cut %= len(data) + 1
    at %= cut + 1
    _fail_cleanly(data[:at] + junk + data[at:cut])
