"""Tocsin's own formats: JSON lines and CSV with the documented column set (docs/formats.md).

``to_record`` is the inverse of the JSON-lines reader: ``JsonlImporter`` reads back exactly the
mentions ``to_record`` wrote (``raw`` aside, which becomes the line read).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import PurePath
from typing import Any, BinaryIO

from tocsin.domain import DeadLetter, Mention, Metrics
from tocsin.errors import ImportFormatError
from tocsin.importers._common import (
    MAX_RECORD_LINE_BYTES,
    RECORD_ERRORS,
    BaseImporter,
    as_id,
    bad,
    count,
    first_objects,
    head_text,
    iter_lines,
    loads,
    make_author,
    make_mention,
    parse_time,
    reason_of,
    share,
    show,
    type_name,
)

#: The columns of Tocsin's JSON lines and CSV formats, in order.
COLUMNS: tuple[str, ...] = (
    "platform", "id", "url", "author_id", "author_handle", "author_name", "author_followers",
    "author_verified", "text", "title", "lang", "created_at", "edited_at", "reply_to",
    "repost_of", "quote_of", "hashtags", "mentions", "links", "likes", "reposts", "replies",
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
        if start.startswith("{") and '"platform"' in start and '"id"' in start and (
            '"text"' in text or '"created_at"' in text
        ):
            return 0.6
        return 0.1 if _suffix(filename) in (".jsonl", ".ndjson") else 0.0

    def read(
        self, stream: BinaryIO, source: str, *, start_line: int = 0
    ) -> Iterator[Mention | DeadLetter]:
        """``start_line``: lines before this stream (the parallel runner reads chunks)."""
        self.skipped.clear()
        for line in iter_lines(stream, MAX_RECORD_LINE_BYTES, start=start_line):
            if line.too_long:
                yield self.dead(source, line.position,
                                f"line is longer than {MAX_RECORD_LINE_BYTES:,} bytes", line.data)
                continue
            try:
                rec = loads(line.data)
                if not isinstance(rec, dict):
                    bad(f"expected a JSON object, got {type_name(rec)}")
                yield record_to_mention(rec, line.data)
            except RECORD_ERRORS as e:
                yield self.dead(source, line.position, reason_of(e), line.data)


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
            raise ImportFormatError(
                "CSV header lacks the required columns " + ", ".join(REQUIRED)
            )
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
