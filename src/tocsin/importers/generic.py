"""Tocsin's own formats: JSON lines and CSV with the documented column set (docs/formats.md).

``to_record`` is the inverse of the JSON-lines reader: ``JsonlImporter`` reads back exactly the
mentions ``to_record`` wrote (``raw`` aside, which becomes the line read).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import PurePath
from typing import Any, BinaryIO

from tocsin.domain import (
    MAX_FIELD_CHARS,
    MAX_RAW_BYTES,
    MAX_TEXT_CHARS,
    DeadLetter,
    Mention,
    Metrics,
)
from tocsin.errors import ImportFormatError
from tocsin.importers._common import (
    CONTROL_RE,
    MAX_RECORD_LINE_BYTES,
    RECORD_ERRORS,
    BaseImporter,
    as_id,
    bad,
    build_author,
    build_mention,
    build_metrics,
    clean_list,
    count,
    extract_hashtags,
    extract_links,
    extract_mentions,
    first_objects,
    head_text,
    iter_lines,
    loads,
    make_author,
    make_mention,
    normalize_lang,
    numbered_lines,
    parse_time,
    reason_of,
    share,
    show,
    type_name,
)

#: The columns of Tocsin's JSON lines and CSV formats, in order.
COLUMNS: tuple[str, ...] = (
    "platform",
    "id",
    "url",
    "author_id",
    "author_handle",
    "author_name",
    "author_followers",
    "author_verified",
    "text",
    "title",
    "lang",
    "created_at",
    "edited_at",
    "reply_to",
    "repost_of",
    "quote_of",
    "hashtags",
    "mentions",
    "links",
    "likes",
    "reposts",
    "replies",
    "views",
)
REQUIRED: tuple[str, ...] = ("platform", "id", "text", "created_at")
LIST_COLUMNS: tuple[str, ...] = ("hashtags", "mentions", "links")
COUNT_COLUMNS: tuple[str, ...] = ("likes", "reposts", "replies", "views")
#: The CSV header line, as written by ``to_csv_row`` users.
CSV_HEADER = ",".join(COLUMNS)


def to_record(m: Mention) -> dict[str, Any]:
    """A mention as a record of the JSON-lines format (orjson-serialisable; times in ISO 8601
    UTC, lists as arrays, unknown values as null)."""
    a = m.author
    return {
        "platform": m.platform,
        "id": m.native_id,
        "url": m.url,
        "author_id": a.id,
        "author_handle": a.handle,
        "author_name": a.display_name,
        "author_followers": a.followers,
        "author_verified": a.verified,
        "text": m.text,
        "title": m.title,
        "lang": m.language,
        "created_at": m.created_at.isoformat(),
        "edited_at": m.edited_at.isoformat() if m.edited_at else None,
        "reply_to": m.reply_to,
        "repost_of": m.repost_of,
        "quote_of": m.quote_of,
        "hashtags": list(m.hashtags),
        "mentions": list(m.mentions),
        "links": list(m.links),
        "likes": m.metrics.likes,
        "reposts": m.metrics.reposts,
        "replies": m.metrics.replies,
        "views": m.metrics.views,
    }


def to_csv_row(m: Mention) -> list[str]:
    """A mention as a CSV row in ``COLUMNS`` order (lists space-separated, unknown empty)."""
    row: list[str] = []
    for value in to_record(m).values():
        if value is None:
            row.append("")
        elif isinstance(value, bool):
            row.append("true" if value else "false")
        elif isinstance(value, list):
            row.append(" ".join(value))
        else:
            row.append(str(value))
    return row


# --- one record (JSON object or CSV row as a dict) to a mention ------------------------------

_SPLIT_RE = re.compile(r"[\s,]+")


def _text_field(rec: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = rec.get(key)
    if value is None:
        if required:
            bad(f"{key!r} is missing")
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and key != "text":
        return str(value)
    bad(f"{key!r} must be a string, got {type_name(value)}")


def _list_field(rec: dict[str, Any], key: str, csv_cell: bool) -> list[str] | None:
    """A list column: ``None`` (absent, null or an empty CSV cell) means "extract from text"."""
    value = rec.get(key)
    if value is None or (csv_cell and value == ""):
        return None
    if isinstance(value, str):
        return [v for v in _SPLIT_RE.split(value) if v] if key != "links" else value.split()
    if isinstance(value, list):
        for item in value:
            if not isinstance(item, str):
                bad(f"{key!r} must be an array of strings, found {type_name(item)}")
        return value
    bad(f"{key!r} must be an array of strings, got {type_name(value)}")


def _count_field(rec: dict[str, Any], key: str) -> int | None:
    value = rec.get(key)
    if value is None or value == "":
        return None
    n = count(value)
    if n is None:
        bad(f"{key!r} must be a non-negative integer, got {show(value)}")
    return n


_TRUE = frozenset({"true", "1", "yes", "y", "oui", "vrai", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "non", "faux", "f"})


def _bool_field(rec: dict[str, Any], key: str) -> bool | None:
    value = rec.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        v = value.strip().lower()
        if v in _TRUE:
            return True
        if v in _FALSE:
            return False
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    bad(f"{key!r} must be true or false, got {show(value)}")


def _time_field(rec: dict[str, Any], key: str, required: bool) -> datetime | None:
    value = rec.get(key)
    if value is None or value == "":
        if required:
            bad(f"{key!r} is missing")
        return None
    try:
        return parse_time(value)
    except ValueError as e:
        bad(f"{key!r}: {e}")


def record_to_mention(rec: dict[str, Any], raw: bytes, *, csv_cells: bool = False) -> Mention:
    """One record of Tocsin's format as a mention; ``MalformedRecord`` when it cannot be."""
    platform = as_id(rec.get("platform"), "'platform'")
    native_id = as_id(rec.get("id"), "'id'")
    text = _text_field(rec, "text", required=True) or ""
    created_at = _time_field(rec, "created_at", required=True)
    assert created_at is not None
    handle = (_text_field(rec, "author_handle") or "").strip()
    author_id = (_text_field(rec, "author_id") or "").strip() or handle
    author = make_author(
        platform,
        author_id,
        handle,
        _text_field(rec, "author_name") or "",
        _count_field(rec, "author_followers"),
        _bool_field(rec, "author_verified"),
    )
    return make_mention(
        platform=platform,
        native_id=native_id,
        author=author,
        text=text,
        created_at=created_at,
        raw=raw,
        url=_text_field(rec, "url"),
        title=_text_field(rec, "title"),
        language=_text_field(rec, "lang"),
        reply_to=_text_field(rec, "reply_to"),
        repost_of=_text_field(rec, "repost_of"),
        quote_of=_text_field(rec, "quote_of"),
        hashtags=_list_field(rec, "hashtags", csv_cells),
        mentions=_list_field(rec, "mentions", csv_cells),
        links=_list_field(rec, "links", csv_cells),
        metrics=Metrics(*(_count_field(rec, k) for k in COUNT_COLUMNS)),
        edited_at=_time_field(rec, "edited_at", required=False),
    )


# --- the fast path: a well-formed JSON-lines record -------------------------------------------
#
# ``fast_record_to_mention`` gives exactly what ``record_to_mention`` gives, for the records
# Tocsin itself writes (``to_record``) and most others: every field of the expected JSON type,
# no control characters. For anything else it gives ``None`` and the caller takes the careful
# path, which also words the errors. It never raises.
#
# Why cleaning can be skipped: orjson refuses raw control bytes in strings, invalid UTF-8 and
# encoded surrogates, so a decoded string can only hold what ``clean`` removes through an
# escape that can make one (``\uXXXX``, ``\b``, ``\f``) or through a raw DEL byte. A line
# without those holds no control character; a line with them has its strings searched.

_MAX_COUNT = 2**63 - 1
_NO_METRICS = Metrics()
_UTC_SUFFIX = "+00:00"
_fromisoformat = datetime.fromisoformat
#: ``normalize_lang`` of the language codes seen (short keys only, bounded).
_LANGS: dict[str, str | None] = {}
_MAX_LANGS = 512
_MISSING: Any = object()
_DEL = 0x7F
_BACKSLASH = 0x5C


def _holds_controls(rec: dict[str, Any]) -> bool:
    """Whether a string of ``rec`` (or of one of its arrays) has a character ``clean``
    removes."""
    search = CONTROL_RE.search
    for value in rec.values():
        if type(value) is str:
            if search(value):
                return True
        elif type(value) is list:
            for item in value:
                if type(item) is str and search(item):
                    return True
    return False


def _fast_time(value: Any) -> datetime | None:
    """``parse_time(value)`` (UTC), ``None`` for what it refuses and for no value."""
    if type(value) is str and value.endswith(_UTC_SUFFIX) and len(value) <= 64:
        # The form ``datetime.isoformat`` writes for UTC. ``fromisoformat`` accepts no
        # surrounding space, so when it accepts the value ``parse_time`` gives the same, and
        # a zero offset gives the ``UTC`` singleton.
        try:
            dt = _fromisoformat(value)
        except ValueError:
            pass
        else:
            if dt.tzinfo is UTC:
                return dt
    if value is None or value == "":
        return None
    try:
        return parse_time(value)
    except (ValueError, TypeError, OverflowError):
        return None


def _fast_list(value: list[Any], strip: str = "") -> tuple[str, ...] | None:
    """``clean_list`` of a non-empty array given in a record; ``None`` if an item is not a
    string."""
    for item in value:
        if type(item) is not str:
            return None
    return clean_list(value, strip)


def fast_record_to_mention(rec: dict[str, Any], raw: bytes) -> Mention | None:
    """``record_to_mention(rec, raw)`` for a well-formed record decoded from the JSON text
    ``raw``, or ``None``: then call ``record_to_mention``. Never raises."""
    if len(raw) > MAX_RAW_BYTES:
        return None
    # An int operand makes ``in`` a memchr: 8 times faster than a one-byte bytes.
    if (
        _DEL in raw or (_BACKSLASH in raw and (b"\\u" in raw or b"\\b" in raw or b"\\f" in raw))
    ) and _holds_controls(rec):
        return None
    # Without control characters ``clean(s, limit)`` is ``s[:limit]``.
    get = rec.get
    platform = get("platform")
    native_id = get("id")
    text = get("text")
    if type(platform) is not str or type(native_id) is not str or type(text) is not str:
        return None
    platform = platform.strip()
    native_id = native_id.strip()
    if not (0 < len(platform) <= MAX_FIELD_CHARS and 0 < len(native_id) <= MAX_FIELD_CHARS):
        return None
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS]
    created_at = _fast_time(get("created_at"))
    if created_at is None:
        return None
    edited_at = get("edited_at")
    if edited_at is not None and edited_at != "":
        edited_at = _fast_time(edited_at)
        if edited_at is None:
            return None
    else:
        edited_at = None

    # The author.
    handle = get("author_handle")
    if handle is None:
        handle = ""
    elif type(handle) is str:
        handle = handle.strip()
    else:
        return None
    author_id = get("author_id")
    if author_id is None:
        author_id = handle
    elif type(author_id) is str:
        author_id = author_id.strip() or handle
    else:
        return None
    name = get("author_name")
    if name is None:
        name = ""
    elif type(name) is not str:
        return None
    followers = get("author_followers")
    if followers is not None and not (type(followers) is int and 0 <= followers <= _MAX_COUNT):
        return None
    verified = get("author_verified")
    if verified is not None and verified is not True and verified is not False:
        return None

    # Optional strings: stripped (but the title), ``None`` when empty.
    url = get("url")
    if url is not None:
        if type(url) is not str:
            return None
        url = url.strip()[:MAX_FIELD_CHARS] or None
    title = get("title")
    if title is not None:
        if type(title) is not str:
            return None
        title = title[:MAX_FIELD_CHARS] or None
    reply_to = get("reply_to")
    if reply_to is not None:
        if type(reply_to) is not str:
            return None
        reply_to = reply_to.strip()[:MAX_FIELD_CHARS] or None
    repost_of = get("repost_of")
    if repost_of is not None:
        if type(repost_of) is not str:
            return None
        repost_of = repost_of.strip()[:MAX_FIELD_CHARS] or None
    quote_of = get("quote_of")
    if quote_of is not None:
        if type(quote_of) is not str:
            return None
        quote_of = quote_of.strip()[:MAX_FIELD_CHARS] or None
    lang = get("lang")
    if lang is not None:
        if type(lang) is not str:
            return None
        language = _LANGS.get(lang, _MISSING)
        if language is _MISSING:
            language = normalize_lang(lang)
            if len(lang) <= 16 and len(_LANGS) < _MAX_LANGS:
                _LANGS[lang] = language
    else:
        language = None

    # Arrays given are cleaned; absent ones are extracted from the text.
    hashtags: Any = get("hashtags")
    if hashtags is None:
        hashtags = extract_hashtags(text)
    elif type(hashtags) is not list:
        return None
    elif not hashtags:
        hashtags = ()
    elif (hashtags := _fast_list(hashtags, "#＃")) is None:
        return None
    mentions: Any = get("mentions")
    if mentions is None:
        mentions = extract_mentions(text)
    elif type(mentions) is not list:
        return None
    elif not mentions:
        mentions = ()
    elif (mentions := _fast_list(mentions, "@")) is None:
        return None
    links: Any = get("links")
    if links is None:
        links = extract_links(text)
    elif type(links) is not list:
        return None
    elif not links:
        links = ()
    elif (links := _fast_list(links)) is None:
        return None

    likes = get("likes")
    reposts = get("reposts")
    replies = get("replies")
    views = get("views")
    if likes is None and reposts is None and replies is None and views is None:
        metrics = _NO_METRICS
    else:
        for n in (likes, reposts, replies, views):
            if n is not None and not (type(n) is int and 0 <= n <= _MAX_COUNT):
                return None
        metrics = build_metrics(likes, reposts, replies, views)

    author = build_author(
        platform,
        author_id[:MAX_FIELD_CHARS],
        handle[:MAX_FIELD_CHARS],
        name[:MAX_FIELD_CHARS],
        followers,
        verified,
    )
    return build_mention(
        platform,
        native_id,
        author,
        text,
        created_at,
        url,
        title,
        language,
        reply_to,
        repost_of,
        quote_of,
        hashtags,
        mentions,
        links,
        metrics,
        edited_at,
        raw,
    )


def _is_tocsin_record(obj: dict[str, Any]) -> bool:
    return all(k in obj for k in REQUIRED)


def _suffix(filename: str) -> str:
    return PurePath(filename).suffix.lower()


class JsonlImporter(BaseImporter):
    """Tocsin's JSON lines: one object per line with the documented columns."""

    name = "jsonl"
    description = "Tocsin JSON lines (one mention per line, documented column set)"
    line_based = True  # one record per line: the parallel runner may read it in chunks

    def sniff(self, head: bytes, filename: str) -> float:
        objs = first_objects(head)
        if objs:
            score = share(objs, _is_tocsin_record)
            if score:
                return 0.55 + 0.4 * score
            return 0.0
        # A first line too long to parse from the head: look at its keys.
        text = head_text(head).lstrip()
        start = text[:4096]
        if (
            start.startswith("{")
            and '"platform"' in start
            and '"id"' in start
            and ('"text"' in text or '"created_at"' in text)
        ):
            return 0.6
        return 0.1 if _suffix(filename) in (".jsonl", ".ndjson") else 0.0

    def read(
        self, stream: BinaryIO, source: str, *, start_line: int = 0
    ) -> Iterator[Mention | DeadLetter]:
        """``start_line``: lines before this stream (the parallel runner reads chunks)."""
        self.skipped.clear()
        fast = fast_record_to_mention
        for number, data, too_long in numbered_lines(
            stream, MAX_RECORD_LINE_BYTES, start=start_line
        ):
            if too_long:
                yield self.dead(
                    source,
                    f"line {number}",
                    f"line is longer than {MAX_RECORD_LINE_BYTES:,} bytes",
                    data,
                )
                continue
            try:
                rec = loads(data)
                if not isinstance(rec, dict):
                    bad(f"expected a JSON object, got {type_name(rec)}")
                mention = fast(rec, data)
                yield mention if mention is not None else record_to_mention(rec, data)
            except RECORD_ERRORS as e:
                yield self.dead(source, f"line {number}", reason_of(e), data)


# --- CSV --------------------------------------------------------------------------------------

_DELIMITERS = (",", ";", "\t")


def _header_columns(line: str) -> tuple[str, list[str]] | None:
    """The delimiter and normalised column names of a header line, if it is Tocsin's."""
    best: tuple[str, list[str]] | None = None
    for delimiter in _DELIMITERS:
        try:
            cells = next(csv.reader([line], delimiter=delimiter))
        except (csv.Error, StopIteration):
            continue
        names = [c.strip().lower() for c in cells]
        if all(r in names for r in REQUIRED) and (best is None or len(names) > len(best[1])):
            best = (delimiter, names)
    return best


class CsvImporter(BaseImporter):
    """Tocsin's CSV: a header row naming columns of the documented set, in any order.

    Comma, semicolon (French spreadsheets) and tab delimiters are recognised from the header.
    List cells are space-separated. An empty cell is an unknown value."""

    name = "csv"
    description = "Tocsin CSV (header row with the documented column set)"

    def sniff(self, head: bytes, filename: str) -> float:
        text = head_text(head)
        first = text.split("\n", 1)[0].rstrip("\r")
        found = _header_columns(first)
        if found is not None:
            known = sum(1 for n in found[1] if n in COLUMNS)
            return 0.8 + 0.15 * known / len(found[1])
        return 0.1 if _suffix(filename) in (".csv", ".tsv") else 0.0

    def read(self, stream: BinaryIO, source: str) -> Iterator[Mention | DeadLetter]:
        self.skipped.clear()
        lines = iter_lines(stream, MAX_RECORD_LINE_BYTES, skip_blank=False)
        header_line = next(lines, None)
        while header_line is not None and not header_line.data.strip():
            header_line = next(lines, None)
        if header_line is None:
            raise ImportFormatError("empty CSV file: expected a header row")
        try:
            header_text = header_line.data.decode("utf-8")
        except UnicodeDecodeError:
            raise ImportFormatError("CSV header is not valid UTF-8") from None
        found = _header_columns(header_text)
        if found is None:
            raise ImportFormatError("CSV header lacks the required columns " + ", ".join(REQUIRED))
        delimiter, names = found
        yield from self._rows(lines, delimiter, names, source)

    def _rows(
        self, lines: Iterator[Any], delimiter: str, names: list[str], source: str
    ) -> Iterator[Mention | DeadLetter]:
        # The csv module pulls physical lines from ``feed`` only as it needs them: what it
        # pulled since the previous row is the raw record.
        pending: list[bytes] = []
        problems: list[str] = []
        start = [0]

        def feed() -> Iterator[str]:
            for line in lines:
                if not pending:
                    start[0] = line.number
                if sum(len(p) for p in pending) <= MAX_RECORD_LINE_BYTES:
                    pending.append(line.data)
                if line.too_long:
                    problems.append(f"line is longer than {MAX_RECORD_LINE_BYTES:,} bytes")
                try:
                    text = line.data.decode("utf-8")
                except UnicodeDecodeError as e:
                    problems.append(f"not valid UTF-8 (byte {e.start + 1} of line {line.number})")
                    text = line.data.decode("utf-8", "replace")
                yield text + "\n"

        reader = csv.reader(feed(), delimiter=delimiter, strict=False)
        while True:
            try:
                row = next(reader)
                error: str | None = None
            except StopIteration:
                break
            except csv.Error as e:
                row, error = [], f"CSV error: {e}"
            raw = b"\n".join(pending)
            position = f"line {start[0]}"
            pending.clear()
            issues, problems[:] = list(problems), []
            if error is None and not issues and not any(cell.strip() for cell in row):
                continue  # a blank line
            if error is not None or issues:
                yield self.dead(source, position, issues[0] if issues else str(error), raw)
                continue
            if len(row) > len(names):
                yield self.dead(
                    source, position, f"row has {len(row)} cells, the header {len(names)}", raw
                )
                continue
            rec: dict[str, Any] = {}
            for name, cell in zip(names, row, strict=False):
                if name in COLUMNS and (cell != "" or name == "text"):
                    rec[name] = cell
            try:
                yield record_to_mention(rec, raw, csv_cells=True)
            except RECORD_ERRORS as e:
                yield self.dead(source, position, reason_of(e), raw)
