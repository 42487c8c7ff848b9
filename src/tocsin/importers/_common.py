"""Helpers shared by the built-in importers.

Everything here treats its input as hostile: strings are cleaned and bounded, numbers are
checked, times are made UTC-aware, lines and documents are read with a size limit. A record
that cannot be mapped raises ``MalformedRecord`` with one readable line; the importers turn it
into a ``DeadLetter`` and go on.
"""

from __future__ import annotations

import email.utils
import html
import io
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from html.parser import HTMLParser
from types import MemberDescriptorType
from typing import Any, BinaryIO, ClassVar, NoReturn
from urllib.parse import urljoin, urlsplit

import orjson

from tocsin.domain import (
    MAX_FIELD_CHARS,
    MAX_LIST_ITEMS,
    MAX_RAW_BYTES,
    MAX_TEXT_CHARS,
    Author,
    DeadLetter,
    Mention,
    Metrics,
)
from tocsin.errors import ImportFormatError, MalformedRecord

#: A JSON document (not JSON lines) is read whole: refuse anything larger.
MAX_DOCUMENT_BYTES = 512 * 1024 * 1024
#: One line of a JSON-lines file whose lines are pages (X API responses, Reddit listings).
MAX_PAGE_BYTES = 64 * 1024 * 1024
#: One line whose line is one record: a record is never larger than its raw bytes may be.
MAX_RECORD_LINE_BYTES = MAX_RAW_BYTES
#: A dead letter's reason stays on one short line.
MAX_REASON_CHARS = 300

_UTF8_BOM = b"\xef\xbb\xbf"

# ---------------------------------------------------------------------------------------------
# Cleaning and bounds
# ---------------------------------------------------------------------------------------------

# C0 controls but tab, newline and carriage return; DEL; lone surrogates (cannot be stored).
CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean(value: str, limit: int = MAX_FIELD_CHARS) -> str:
    """``value`` without control characters, cut to ``limit`` characters."""
    # A printable string has no control character nor surrogate (categories Cc, Cs): the
    # common case, checked twice as fast as the search.
    if not value.isprintable() and CONTROL_RE.search(value):
        value = CONTROL_RE.sub("", value)
    return value[:limit] if len(value) > limit else value


def clean_text(value: str) -> str:
    return clean(value, MAX_TEXT_CHARS)


def clean_opt(value: str | None, limit: int = MAX_FIELD_CHARS) -> str | None:
    """Cleaned and bounded, or ``None`` for ``None`` and the empty string."""
    if value is None:
        return None
    value = clean(value, limit)
    return value or None


def clean_list(items: Iterable[str], strip: str = "") -> tuple[str, ...]:
    """Stripped items without the leading ``strip`` characters, without empty ones and
    case-insensitive duplicates (the first spelling wins), at most ``MAX_LIST_ITEMS``."""
    out: list[str] = []
    seen: set[str] = set()
    for item in items:
        s = clean(item.strip().lstrip(strip).strip())
        if not s:
            continue
        key = s.casefold()
        if key in seen:
            continue
        seen.add(key)
        out.append(s)
        if len(out) >= MAX_LIST_ITEMS:
            break
    return tuple(out)


_LANG_RE = re.compile(r"^[a-z]{2,3}$")
_NO_LANGUAGE = frozenset({"und", "zxx", "mul", "mis"})


def normalize_lang(value: object) -> str | None:
    """The primary subtag of a language tag, lower-case: ``"fr-FR"`` -> ``"fr"``.

    Codes that say "no language" (``und``, ``zxx``, X's ``qme``/``qht``-style private codes)
    and anything that is not a 2-3 letter code give ``None``: the language enricher decides."""
    if not isinstance(value, str):
        return None
    primary = value.strip().replace("_", "-").split("-", 1)[0].lower()
    if not _LANG_RE.match(primary) or primary in _NO_LANGUAGE:
        return None
    if len(primary) == 3 and "qaa" <= primary <= "qtz":
        return None
    return primary


def one_line(message: str, limit: int = MAX_REASON_CHARS) -> str:
    """A message on one line, at most ``limit`` characters."""
    message = " ".join(clean(message, limit * 2).split())
    return message if len(message) <= limit else message[: limit - 1] + "…"


def show(value: object, limit: int = 40) -> str:
    """A short printable rendering of a bad value, for reasons."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def bad(reason: str) -> NoReturn:
    raise MalformedRecord(reason)


# ---------------------------------------------------------------------------------------------
# Typed access to decoded JSON
# ---------------------------------------------------------------------------------------------


def get_dict(obj: dict[str, Any], key: str) -> dict[str, Any]:
    """``obj[key]`` if it is an object, else an empty dict (absent or wrong type)."""
    value = obj.get(key)
    return value if isinstance(value, dict) else {}


def get_list(obj: dict[str, Any], key: str) -> list[Any]:
    value = obj.get(key)
    return value if isinstance(value, list) else []


def item_strings(obj: dict[str, Any], key: str, field: str) -> list[str]:
    """The string ``field`` of each object in the list ``obj[key]``: entities such as
    ``{"hashtags": [{"tag": "x"}, ...]}``; items of another shape are skipped."""
    return [
        item[field]
        for item in get_list(obj, key)
        if isinstance(item, dict) and isinstance(item.get(field), str)
    ]


def opt_str(obj: dict[str, Any], key: str) -> str | None:
    """``obj[key]`` if it is a string, ``None`` if absent or null; a malformed record if it
    has another type."""
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    bad(f"{key!r} must be a string, got {type_name(value)}")


def req_str(obj: dict[str, Any], key: str, what: str | None = None) -> str:
    value = obj.get(key)
    if isinstance(value, str):
        return value
    if value is None:
        bad(f"{what or repr(key)} is missing")
    bad(f"{what or repr(key)} must be a string, got {type_name(value)}")


def as_id(value: object, what: str = "id") -> str:
    """A native id: a non-blank string (or an integer, written in decimal), bounded."""
    if isinstance(value, bool) or value is None:
        bad(f"{what} is missing" if value is None else f"{what} must be a string, got boolean")
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        bad(f"{what} must be a string, got {type_name(value)}")
    value = clean(value.strip(), MAX_FIELD_CHARS + 1)
    if not value:
        bad(f"{what} is empty")
    if len(value) > MAX_FIELD_CHARS:
        bad(f"{what} is longer than {MAX_FIELD_CHARS} characters")
    return value


def strings(value: object) -> list[str]:
    """The strings of a JSON array (other items ignored); ``[]`` for anything else."""
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, str)]


# ---------------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------------

_INT_RE = re.compile(r"^[+-]?\d{1,19}$")
_MAX_INT = 2**63 - 1


def safe_int(value: object) -> int | None:
    """An integer from an int, an integral float or a decimal string; ``None`` otherwise
    (booleans, fractions, garbage, values beyond 64 bits)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        result = value
    elif isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            return None
        result = int(value)
    elif isinstance(value, str):
        s = value.strip().replace("_", "")
        if not _INT_RE.match(s):
            return None
        result = int(s)
    else:
        return None
    return result if -_MAX_INT <= result <= _MAX_INT else None


def count(value: object) -> int | None:
    """A count: a non-negative ``safe_int``, else ``None`` (unknown)."""
    n = safe_int(value)
    return n if n is not None and n >= 0 else None


# ---------------------------------------------------------------------------------------------
# Times
# ---------------------------------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Digits only: epoch seconds (never a compact ISO date, which fromisoformat would accept).
_NUMERIC_RE = re.compile(r"^[+-]?(\d{1,20}(\.\d*)?|\.\d+)$")


def _as_utc(dt: datetime) -> datetime:
    try:
        return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    except (OverflowError, ValueError) as e:
        raise ValueError(f"time out of range: {dt.isoformat()}") from e


def parse_iso(value: str) -> datetime:
    """ISO 8601 / RFC 3339 (``Z`` or an offset; naive is UTC). ValueError if not one."""
    s = value.strip()
    if not s or len(s) > 64:
        raise ValueError(f"not an ISO 8601 time: {show(value)}")
    if s[-1] in "zZ":
        s = s[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        raise ValueError(f"not an ISO 8601 time: {show(value)}") from None
    return _as_utc(dt)


def parse_epoch(value: float) -> datetime:
    """Seconds since 1970-01-01 UTC (an int or a float)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"not a number of seconds: {show(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"not a finite number of seconds: {show(value)}")
    try:
        return _EPOCH + timedelta(seconds=value)
    except (OverflowError, ValueError):
        raise ValueError(f"timestamp out of range: {show(value)}") from None


def parse_time(value: object) -> datetime:
    """ISO 8601 text or epoch seconds (a number or a numeric string)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return parse_epoch(value)
    if isinstance(value, str):
        s = value.strip()
        if _NUMERIC_RE.match(s):
            return parse_epoch(float(s) if "." in s else int(s))
        return parse_iso(s)
    raise ValueError(f"not a time: {show(value)}")


def parse_rfc822(value: str) -> datetime:
    """An RFC 822 / RFC 2822 date as in RSS ``pubDate``; ISO 8601 is accepted too, as feeds in
    the wild use both."""
    s = value.strip()
    if len(s) > 64:
        raise ValueError(f"not a date: {show(value)}")
    try:
        dt = email.utils.parsedate_to_datetime(s)
    except (TypeError, ValueError, IndexError, OverflowError):
        try:
            return parse_iso(s)
        except ValueError:
            raise ValueError(f"not an RFC 822 date: {show(value)}") from None
    return _as_utc(dt)


_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_TWITTER_TIME_RE = re.compile(
    r"^[A-Za-z]{3} ([A-Za-z]{3}) (\d{1,2}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2}) (\d{4})$"
)


def parse_twitter_time(value: str) -> datetime:
    """Twitter's legacy format, ``Wed Oct 10 20:19:24 +0000 2018`` (locale-independent)."""
    m = _TWITTER_TIME_RE.match(value.strip())
    month = _MONTHS.get(m.group(1).lower()) if m else None
    if m is None or month is None:
        raise ValueError(f"not a Twitter time: {show(value)}")
    try:
        dt = datetime(
            int(m.group(9)),
            month,
            int(m.group(2)),
            int(m.group(3)),
            int(m.group(4)),
            int(m.group(5)),
            tzinfo=UTC,
        )
    except ValueError:
        raise ValueError(f"not a Twitter time: {show(value)}") from None
    offset = timedelta(hours=int(m.group(7)), minutes=int(m.group(8)))
    return dt - offset if m.group(6) == "+" else dt + offset


#: X's snowflake ids carry their creation time in milliseconds since this epoch.
_TWITTER_EPOCH_MS = 1_288_834_974_657


def snowflake_time(native_id: str) -> datetime | None:
    """The creation time encoded in an X snowflake id, or ``None`` for an older id."""
    n = safe_int(native_id)
    if n is None or n < (1 << 32):
        return None
    return _EPOCH + timedelta(milliseconds=(n >> 22) + _TWITTER_EPOCH_MS)


def time_field(
    obj: dict[str, Any], key: str, parse: Any = parse_time, *, required: bool = True
) -> datetime | None:
    """``parse(obj[key])`` with the field named in the error; missing -> malformed (or None)."""
    value = obj.get(key)
    if value is None or value == "":
        if required:
            bad(f"{key!r} is missing")
        return None
    if parse is not parse_time and not isinstance(value, str):
        bad(f"{key!r} must be a string, got {type_name(value)}")
    try:
        result: datetime = parse(value)
    except ValueError as e:
        bad(f"{key!r}: {e}")
    return result


# ---------------------------------------------------------------------------------------------
# HTML to text
# ---------------------------------------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
_SKIP_TAGS = frozenset({"script", "style", "template", "head", "title", "noscript", "svg"})
_SOFT_TAGS = frozenset({"li", "tr", "dt", "dd"})  # one line each, not a paragraph
_WS_RE = re.compile(r"[ \t\r\n\f\v]+")
# Break markers, in text where NUL cannot occur (removed before parsing).
_PARA = "\x00P"  # a paragraph break: blank line
_BR = "\x00B"  # <br>: one more newline
_SOFT = "\x00S"  # a list item or row: at least a newline
_MARK_RE = re.compile("(\x00[PBS])")
_SPACES_RE = re.compile(r" {2,}")
_AROUND_NL_RE = re.compile(r" *\n *")
#: HTML larger than this is cut before parsing: the text would be cut anyway.
MAX_HTML_CHARS = 4 * MAX_TEXT_CHARS


class _TextExtractor(HTMLParser):
    def __init__(self, base_url: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self.base_url = base_url
        self.skip_depth = 0
        self.pre_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skip_depth += 1
        elif tag == "br":
            self.parts.append(_BR)
        elif tag in _BLOCK_TAGS:
            self.parts.append(_SOFT if tag in _SOFT_TAGS else _PARA)
            if tag == "pre":
                self.pre_depth += 1
        elif tag == "a":
            self._link(dict(attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            return
        self.handle_starttag(tag, attrs)
        if tag in _BLOCK_TAGS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in _BLOCK_TAGS and tag not in _SOFT_TAGS:
            self.parts.append(_PARA)
            if tag == "pre":
                self.pre_depth = max(0, self.pre_depth - 1)

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        if self.pre_depth:
            self.parts.append(data.replace("\r\n", "\n").replace("\n", _BR))
        else:
            self.parts.append(_WS_RE.sub(" ", data))

    def _link(self, attrs: dict[str, str | None]) -> None:
        href = (attrs.get("href") or "").strip()
        classes = (attrs.get("class") or "").split()
        rel = (attrs.get("rel") or "").split()
        # Mastodon (and others) mark mention and hashtag links: those are not outbound links.
        if not href or "mention" in classes or "hashtag" in classes or "tag" in rel:
            return
        if self.base_url:
            try:
                href = urljoin(self.base_url, href)
            except ValueError:
                return
        if href.startswith(("http://", "https://")) and len(self.links) < MAX_LIST_ITEMS:
            self.links.append(href)


def html_to_text(markup: str, base_url: str | None = None) -> tuple[str, list[str]]:
    """Visible text of an HTML fragment, and the outbound links it contains.

    Tags are stripped, entities decoded, whitespace collapsed as a browser would; ``<br>``
    gives a newline and paragraphs (``</p><p>``, other blocks) a blank line. Link text is
    kept. Scripts and styles are dropped. Nothing is ever evaluated or fetched."""
    if len(markup) > MAX_HTML_CHARS:
        markup = markup[:MAX_HTML_CHARS]
    if "<" not in markup and "&" not in markup:
        return _WS_RE.sub(" ", markup).strip(), []
    parser = _TextExtractor(base_url)
    markup = markup.replace("\x00", "")
    try:
        parser.feed(markup)
        parser.close()
    except (AssertionError, ValueError):  # pragma: no cover - the stdlib parser is lenient
        pass
    return _assemble(parser.parts), parser.links


def _assemble(parts: list[str]) -> str:
    out: list[str] = []
    pending = 0  # newlines owed before the next text
    for chunk in _MARK_RE.split("".join(parts)):
        if chunk == _PARA:
            pending = 2
        elif chunk == _BR:
            pending = min(2, pending + 1)
        elif chunk == _SOFT:
            pending = max(pending, 1)
        elif chunk.strip():
            if out and pending:
                out.append("\n" * pending)
            out.append(chunk)
            pending = 0
        elif chunk and out and not pending:
            out.append(" ")
    text = _SPACES_RE.sub(" ", "".join(out))
    return _AROUND_NL_RE.sub("\n", text).strip()


def unescape(text: str) -> str:
    """HTML entities decoded (for sources that escape plain text, like Reddit)."""
    return html.unescape(text) if "&" in text else text


# ---------------------------------------------------------------------------------------------
# Hashtags, handles and links found in text
# ---------------------------------------------------------------------------------------------

# A hashtag has at least one letter (``#1`` is not a tag); not inside a word, URL or entity.
_HASHTAG_RE = re.compile(r"(?<![\w&#/])[#＃](\w*[^\W\d_]\w*)")
# @user, @user@instance.example (fediverse), @handle.bsky.social; not inside an e-mail address.
_MENTION_RE = re.compile(
    r"(?<![\w@/.+-])@([A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?"
    r"(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)"
)
_REDDIT_USER_RE = re.compile(r"(?<![\w/])/?u/([A-Za-z0-9_-]{3,20})\b")
_LINK_RE = re.compile(r"\bhttps?://[^\s<>\"'`\x00-\x1f\u00a0\u2000-\u200b\u3000]+", re.IGNORECASE)
_LINK_TRAILING = ".,;:!?'\"»…›*_"
_PAIRS = {")": "(", "]": "[", "}": "{", ">": "<"}


def extract_hashtags(text: str) -> tuple[str, ...]:
    """Hashtags in ``text``, without the ``#``, in order of appearance."""
    if "#" not in text and "＃" not in text:
        return ()
    return clean_list(m.group(1) for m in _HASHTAG_RE.finditer(text))


def extract_mentions(text: str, reddit: bool = False) -> tuple[str, ...]:
    """Handles mentioned in ``text``, without the ``@``; ``reddit`` adds ``u/name`` forms."""
    found: list[str] = []
    if "@" in text:
        found.extend(m.group(1) for m in _MENTION_RE.finditer(text))
    if reddit and "u/" in text:
        found.extend(m.group(1) for m in _REDDIT_USER_RE.finditer(text))
    return clean_list(found)


def _trim_link(url: str) -> str:
    while url:
        last = url[-1]
        unbalanced = last in _PAIRS and url.count(_PAIRS[last]) < url.count(last)
        if last in _LINK_TRAILING or unbalanced:
            url = url[:-1]
        else:
            break
    return url


def extract_links(text: str) -> tuple[str, ...]:
    """``http(s)://`` links in ``text``, without trailing punctuation or unbalanced brackets."""
    if "://" not in text:
        return ()
    links = [_trim_link(m.group(0)) for m in _LINK_RE.finditer(text)]
    return clean_list(link for link in links if "://" in link and len(link) > 8)


def host_of(url: str | None) -> str:
    """The lower-case host of ``url``, or ``""``."""
    if not url:
        return ""
    try:
        return (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""


# ---------------------------------------------------------------------------------------------
# Building mentions and dead letters
# ---------------------------------------------------------------------------------------------


def make_author(
    platform: str,
    author_id: str,
    handle: str = "",
    display_name: str = "",
    followers: int | None = None,
    verified: bool | None = None,
) -> Author:
    return Author(
        platform=platform,
        id=clean(author_id.strip()),
        handle=clean(handle.strip()),
        display_name=clean(display_name),
        followers=followers,
        verified=verified,
    )


def make_mention(
    *,
    platform: str,
    native_id: str,
    author: Author,
    text: str,
    created_at: datetime,
    raw: bytes,
    url: str | None = None,
    title: str | None = None,
    language: str | None = None,
    reply_to: str | None = None,
    repost_of: str | None = None,
    quote_of: str | None = None,
    hashtags: Iterable[str] | None = None,
    mentions: Iterable[str] | None = None,
    links: Iterable[str] | None = None,
    metrics: Metrics | None = None,
    edited_at: datetime | None = None,
    reddit: bool = False,
) -> Mention:
    """A ``Mention`` with every bound applied. Lists left as ``None`` are extracted from the
    text. A record too large to keep whole is malformed (its raw bytes are kept cut, in the
    dead letter)."""
    if len(raw) > MAX_RAW_BYTES:
        bad(f"record is larger than {MAX_RAW_BYTES:,} bytes")
    text = clean_text(text)
    return Mention(
        platform=clean(platform.strip()),
        native_id=as_id(native_id),
        author=author,
        text=text,
        created_at=_as_utc(created_at),
        url=clean_opt(url.strip() if url else None),
        title=clean_opt(title),
        language=normalize_lang(language),
        reply_to=clean_opt(reply_to.strip() if reply_to else None),
        repost_of=clean_opt(repost_of.strip() if repost_of else None),
        quote_of=clean_opt(quote_of.strip() if quote_of else None),
        hashtags=clean_list(hashtags, "#＃") if hashtags is not None else extract_hashtags(text),
        mentions=(
            clean_list(mentions, "@")
            if mentions is not None
            else extract_mentions(text, reddit=reddit)
        ),
        links=clean_list(links) if links is not None else extract_links(text),
        metrics=metrics or Metrics(),
        edited_at=_as_utc(edited_at) if edited_at is not None else None,
        raw=raw,
    )


# Hot readers build thousands of mentions a second. The ``__init__`` a frozen dataclass gets
# sets each field through ``object.__setattr__``; setting the slots directly gives the same
# object 2-3 times faster. Only while the class is exactly what these builders were written
# for (checked at import): otherwise they call the class, by keyword.

#: What importers give, in order; the analysis fields after them start empty (enrichers fill them).
_MENTION_ARGS = (
    "platform",
    "native_id",
    "author",
    "text",
    "created_at",
    "url",
    "title",
    "language",
    "reply_to",
    "repost_of",
    "quote_of",
    "hashtags",
    "mentions",
    "links",
    "metrics",
    "edited_at",
    "raw",
)
_MENTION_FIELDS = (*_MENTION_ARGS, "sentiment", "emotions", "toxicity", "complaint")
_AUTHOR_FIELDS = ("platform", "id", "handle", "display_name", "followers", "verified")
_METRICS_FIELDS = ("likes", "reposts", "replies", "views")


def _slot_setters(cls: type, names: tuple[str, ...]) -> list[Any] | None:
    """The slot setters of ``names`` if ``cls`` is a frozen slotted dataclass with exactly
    these fields, in this order, all set by ``__init__``, and nothing run after it."""
    params = getattr(cls, "__dataclass_params__", None)
    if (
        params is None
        or not params.frozen
        or tuple(f.name for f in dataclass_fields(cls)) != names
        or not all(f.init for f in dataclass_fields(cls))
        or hasattr(cls, "__post_init__")
        or "__slots__" not in cls.__dict__
        or not all(isinstance(cls.__dict__.get(n), MemberDescriptorType) for n in names)
    ):
        return None
    return [cls.__dict__[n].__set__ for n in names]


def _mention_builder() -> Callable[..., Mention]:
    setters = _slot_setters(Mention, _MENTION_FIELDS)
    if setters is None:

        def by_keyword(*values: Any) -> Mention:
            return Mention(**dict(zip(_MENTION_ARGS, values, strict=True)))

        return by_keyword
    (
        s_platform,
        s_native_id,
        s_author,
        s_text,
        s_created_at,
        s_url,
        s_title,
        s_language,
        s_reply_to,
        s_repost_of,
        s_quote_of,
        s_hashtags,
        s_mentions,
        s_links,
        s_metrics,
        s_edited_at,
        s_raw,
        s_sentiment,
        s_emotions,
        s_toxicity,
        s_complaint,
    ) = setters
    new = object.__new__

    def build(
        platform: str,
        native_id: str,
        author: Author,
        text: str,
        created_at: datetime,
        url: str | None,
        title: str | None,
        language: str | None,
        reply_to: str | None,
        repost_of: str | None,
        quote_of: str | None,
        hashtags: tuple[str, ...],
        mentions: tuple[str, ...],
        links: tuple[str, ...],
        metrics: Metrics,
        edited_at: datetime | None,
        raw: bytes,
    ) -> Mention:
        m = new(Mention)
        s_platform(m, platform)
        s_native_id(m, native_id)
        s_author(m, author)
        s_text(m, text)
        s_created_at(m, created_at)
        s_url(m, url)
        s_title(m, title)
        s_language(m, language)
        s_reply_to(m, reply_to)
        s_repost_of(m, repost_of)
        s_quote_of(m, quote_of)
        s_hashtags(m, hashtags)
        s_mentions(m, mentions)
        s_links(m, links)
        s_metrics(m, metrics)
        s_edited_at(m, edited_at)
        s_raw(m, raw)
        s_sentiment(m, None)
        s_emotions(m, ())
        s_toxicity(m, None)
        s_complaint(m, None)
        return m

    return build


def _author_builder() -> Callable[..., Author]:
    setters = _slot_setters(Author, _AUTHOR_FIELDS)
    if setters is None:

        def by_keyword(*values: Any) -> Author:
            return Author(**dict(zip(_AUTHOR_FIELDS, values, strict=True)))

        return by_keyword
    s_platform, s_id, s_handle, s_display_name, s_followers, s_verified = setters
    new = object.__new__

    def build(
        platform: str,
        id: str,
        handle: str,
        display_name: str,
        followers: int | None,
        verified: bool | None,
    ) -> Author:
        a = new(Author)
        s_platform(a, platform)
        s_id(a, id)
        s_handle(a, handle)
        s_display_name(a, display_name)
        s_followers(a, followers)
        s_verified(a, verified)
        return a

    return build


def _metrics_builder() -> Callable[..., Metrics]:
    setters = _slot_setters(Metrics, _METRICS_FIELDS)
    if setters is None:

        def by_keyword(*values: Any) -> Metrics:
            return Metrics(**dict(zip(_METRICS_FIELDS, values, strict=True)))

        return by_keyword
    s_likes, s_reposts, s_replies, s_views = setters
    new = object.__new__

    def build(
        likes: int | None, reposts: int | None, replies: int | None, views: int | None
    ) -> Metrics:
        m = new(Metrics)
        s_likes(m, likes)
        s_reposts(m, reposts)
        s_replies(m, replies)
        s_views(m, views)
        return m

    return build


#: ``Mention(*fields)``, ``Author(*fields)``, ``Metrics(*counts)`` with every field given, in
#: the order the classes declare them: the same objects, built faster.
build_mention = _mention_builder()
build_author = _author_builder()
build_metrics = _metrics_builder()
#: Whether the fast builders are in use (the classes are as expected).
FAST_BUILDERS = all(
    _slot_setters(cls, names) is not None
    for cls, names in (
        (Mention, _MENTION_FIELDS),
        (Author, _AUTHOR_FIELDS),
        (Metrics, _METRICS_FIELDS),
    )
)


def dumps(obj: Any) -> bytes:
    """Raw bytes for a record found inside a JSON document."""
    try:
        return orjson.dumps(obj)
    except (TypeError, orjson.JSONEncodeError):  # pragma: no cover - decoded JSON re-encodes
        return repr(obj).encode("utf-8", "replace")


class BaseImporter:
    """What every built-in importer shares: its name, a per-read ``skipped`` counter of the
    events that are neither mentions nor dead letters (deletions, likes, identity events...)
    and the construction of dead letters."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def __init__(self) -> None:
        self.skipped: Counter[str] = Counter()

    def dead(self, source: str, position: str, reason: str, raw: bytes) -> DeadLetter:
        return DeadLetter(
            source=source,
            format=self.name,
            position=position,
            reason=one_line(reason) or "malformed record",
            raw=raw[:MAX_RAW_BYTES],
        )

    def skip(self, reason: str) -> None:
        self.skipped[reason] += 1


#: Exceptions a mapping may raise on a hostile record; each becomes a dead letter.
RECORD_ERRORS = (
    MalformedRecord,
    TypeError,
    ValueError,
    KeyError,
    IndexError,
    AttributeError,
    OverflowError,
    RecursionError,
)


def reason_of(error: BaseException) -> str:
    if isinstance(error, MalformedRecord):
        return str(error)
    return f"unexpected structure ({type(error).__name__}: {error})"


# ---------------------------------------------------------------------------------------------
# Reading: lines, documents, JSON
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Line:
    number: int  # 1-based
    data: bytes  # without the line terminator; cut to the limit when ``too_long``
    too_long: bool = False

    @property
    def position(self) -> str:
        return f"line {self.number}"


def iter_lines(
    stream: BinaryIO,
    max_bytes: int = MAX_RECORD_LINE_BYTES,
    *,
    start: int = 0,
    skip_blank: bool = True,
) -> Iterator[Line]:
    """The lines of ``stream`` with their numbers, one at a time. A line longer than
    ``max_bytes`` is yielded cut, flagged ``too_long``, and the rest of it is skipped without
    being held in memory. A UTF-8 byte order mark on the first line is dropped."""
    number = start
    readline = stream.readline
    while True:
        chunk = readline(max_bytes + 1)
        if not chunk:
            return
        number += 1
        too_long = False
        if len(chunk) > max_bytes and not chunk.endswith(b"\n"):
            too_long = True
            chunk = chunk[:max_bytes]
            while True:
                rest = readline(1 << 20)
                if not rest or rest.endswith(b"\n"):
                    break
        if number == 1 and chunk.startswith(_UTF8_BOM):
            chunk = chunk[3:]
        data = chunk.rstrip(b"\r\n") if not too_long else chunk
        if skip_blank and not too_long and not data.strip():
            continue
        yield Line(number, data, too_long)


#: Bytes read at a time by ``numbered_lines``.
LINE_BLOCK_BYTES = 1 << 17


def numbered_lines(
    stream: BinaryIO,
    max_bytes: int = MAX_RECORD_LINE_BYTES,
    *,
    start: int = 0,
    skip_blank: bool = True,
    block_bytes: int = LINE_BLOCK_BYTES,
) -> Iterator[tuple[int, bytes, bool]]:
    """The lines ``iter_lines`` gives, as plain ``(number, data, too_long)`` tuples, for
    readers that consume the whole stream through it (hot loops).

    The stream is read in blocks that are split in C, so it is read ahead: unlike with
    ``iter_lines``, the caller must not read the stream itself afterwards. At most
    ``max_bytes`` of an unfinished line plus one block are held in memory. A line is too long
    when it has more than ``max_bytes`` bytes before its newline (a carriage return counts)."""
    number = start
    read = stream.read
    tail = b""  # the unfinished line at the end of the blocks read so far
    skipping = False  # in the rest of a too-long line, already yielded
    while True:
        block = read(block_bytes)
        if not block:
            break
        if skipping:
            end = block.find(b"\n")
            if end < 0:
                continue
            block = block[end + 1 :]
            skipping = False
        # The usual block: no line can be too long, none ends with a carriage return, none is
        # the first (which may start with a byte order mark).
        usual = (
            number > 0
            and len(tail) + len(block) <= max_bytes
            and b"\r" not in block
            and b"\r" not in tail
        )
        lines = block.split(b"\n")
        if tail:
            lines[0] = tail + lines[0]
        tail = lines.pop()
        if usual:
            for data in lines:
                number += 1
                if data.strip() or not skip_blank:
                    yield number, data, False
        else:
            for data in lines:
                number += 1
                if len(data) > max_bytes:
                    data = data[:max_bytes]
                    if number == 1 and data.startswith(_UTF8_BOM):
                        data = data[3:]
                    yield number, data, True
                    continue
                if number == 1 and data.startswith(_UTF8_BOM):
                    data = data[3:]
                data = data.rstrip(b"\r")
                if data.strip() or not skip_blank:
                    yield number, data, False
        if len(tail) > max_bytes:
            number += 1
            data = tail[:max_bytes]
            if number == 1 and data.startswith(_UTF8_BOM):
                data = data[3:]
            yield number, data, True
            tail = b""
            skipping = True
    if tail:
        number += 1
        if number == 1 and tail.startswith(_UTF8_BOM):
            tail = tail[3:]
        tail = tail.rstrip(b"\r")
        if not skip_blank or tail.strip():
            yield number, tail, False


class _Prefixed(io.RawIOBase):
    """``prefix`` then the rest of ``stream``, as a raw stream."""

    def __init__(self, prefix: bytes, stream: BinaryIO) -> None:
        super().__init__()
        self._prefix = prefix
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._prefix:
            n = min(len(view), len(self._prefix))
            view[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        data = self._stream.read(len(view))
        view[: len(data)] = data
        return len(data)


def peek_head(stream: BinaryIO, size: int = 64 * 1024) -> tuple[bytes, BinaryIO]:
    """The first ``size`` bytes of ``stream``, and a stream that reads from the start again
    (any ``BinaryIO``: no ``seek`` or ``peek`` needed)."""
    parts: list[bytes] = []
    got = 0
    while got < size:
        chunk = stream.read(size - got)
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    head = b"".join(parts)
    return head, io.BufferedReader(_Prefixed(head, stream), 1 << 16)


def read_bounded(
    stream: BinaryIO, limit: int | None = None, *, what: str = "file", prefix: bytes = b""
) -> bytes:
    """The whole stream (after ``prefix``, already read), refusing more than ``limit`` bytes
    (``MAX_DOCUMENT_BYTES`` by default)."""
    if limit is None:
        limit = MAX_DOCUMENT_BYTES
    parts = [prefix]
    size = len(prefix)
    while size <= limit:
        chunk = stream.read(min(1 << 24, limit + 1 - size))
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    if size > limit:
        size_text = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit} bytes"
        raise ImportFormatError(
            f"{what} is larger than {size_text}: split it, or convert it to JSON lines"
        )
    data = b"".join(parts)
    return data[3:] if data.startswith(_UTF8_BOM) else data


_JSON_POS_RE = re.compile(r":? line (\d+) column (\d+) \(char \d+\)$")


def json_error(e: Exception) -> str:
    """orjson's message on one line; its position as "column N" (or "line L, column N")."""
    msg = str(e).splitlines()[0] if str(e) else type(e).__name__
    m = _JSON_POS_RE.search(msg)
    if m:
        where = (
            f"column {m.group(2)}"
            if m.group(1) == "1"
            else (f"line {m.group(1)}, column {m.group(2)}")
        )
        msg = f"{msg[: m.start()]} at {where}"
    return one_line(msg, 160)


class InvalidJson(MalformedRecord, ValueError):
    """A record that is not valid JSON."""


def loads(data: bytes) -> Any:
    """orjson.loads; ``InvalidJson`` with a readable message (orjson refuses invalid UTF-8,
    lone surrogates and nesting deeper than 1024)."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as e:
        raise InvalidJson(f"invalid JSON: {json_error(e)}") from None


@dataclass(frozen=True, slots=True)
class Unit:
    """One JSON value read from a file: a whole document or one line of JSON lines."""

    position: str  # "line 12", or "" for a whole document
    raw: bytes
    value: Any = None
    error: str | None = None

    def at(self, index: int, noun: str = "record") -> str:
        """Position of the ``index``-th (0-based) record inside this unit."""
        inner = f"{noun} {index + 1}"
        return f"{self.position}, {inner}" if self.position else inner


def _parses(data: bytes) -> bool:
    try:
        orjson.loads(data)
    except orjson.JSONDecodeError:
        return False
    return True


def json_units(stream: BinaryIO, max_line_bytes: int = MAX_PAGE_BYTES) -> Iterator[Unit]:
    """A JSON file read as either one document or JSON lines, whichever it is.

    JSON lines when the first line is a complete JSON value (or too long to be the first line
    of a pretty-printed document, or the second line is one): then every line is a unit and a
    bad line is a unit with an ``error``. Otherwise the file is one document, read whole
    (bounded) and an invalid document raises ``ImportFormatError``."""
    lines = iter_lines(stream, max_line_bytes)
    first = next(lines, None)
    if first is None:
        return
    lines_mode = first.too_long or _parses(first.data)
    second: Line | None = None
    if not lines_mode:
        second = next(lines, None)
        lines_mode = second is not None and (
            second.too_long or (second.data.lstrip()[:1] in (b"{", b"[") and _parses(second.data))
        )
    if lines_mode:
        for line in _chain(first, second, lines):
            if line.too_long:
                yield Unit(
                    line.position, line.data, error=f"line is longer than {max_line_bytes:,} bytes"
                )
                continue
            try:
                yield Unit(line.position, line.data, loads(line.data))
            except ValueError as e:
                yield Unit(line.position, line.data, error=str(e))
        return
    # A document: what was read so far, and the rest.
    head = first.data + b"\n" + (second.data + b"\n" if second is not None else b"")
    data = read_bounded(stream, prefix=head, what="JSON document")
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as e:
        raise ImportFormatError(f"not a valid JSON document: {json_error(e)}") from None
    yield Unit("", data, value)


def _chain(first: Line, second: Line | None, rest: Iterator[Line]) -> Iterator[Line]:
    yield first
    if second is not None:
        yield second
    yield from rest


# ---------------------------------------------------------------------------------------------
# Sniffing
# ---------------------------------------------------------------------------------------------


def head_text(head: bytes) -> str:
    """The head as text (a cut multi-byte character at the end is replaced)."""
    if head.startswith(_UTF8_BOM):
        head = head[3:]
    return head.decode("utf-8", "replace")


@lru_cache(maxsize=8)
def head_values(head: bytes) -> tuple[Any, ...]:
    """JSON values found at the start of a file: the whole head if it is one JSON document,
    else its first complete lines that parse (at most 20). Empty when neither works (a large
    pretty-printed document cut by the head; sniffers then look at the text)."""
    if head.startswith(_UTF8_BOM):
        head = head[3:]
    stripped = head.strip()
    if not stripped or stripped[:1] not in (b"{", b"["):
        return ()
    try:
        return (orjson.loads(stripped),)
    except orjson.JSONDecodeError:
        pass
    lines = head.split(b"\n")
    if not head.endswith(b"\n"):
        lines = lines[:-1]  # the last line may be cut
    values: list[Any] = []
    for line in lines[:50]:
        if not line.strip():
            continue
        try:
            values.append(orjson.loads(line))
        except orjson.JSONDecodeError:
            continue
        if len(values) >= 20:
            break
    return tuple(values)


def first_objects(head: bytes) -> list[dict[str, Any]]:
    """The JSON objects at the start of a file: the first values, and for a JSON array the
    objects it starts with."""
    out: list[dict[str, Any]] = []
    for value in head_values(head):
        if isinstance(value, dict):
            out.append(value)
        elif isinstance(value, list):
            out.extend(v for v in value[:20] if isinstance(v, dict))
    return out


def share(objs: list[dict[str, Any]], test: Any) -> float:
    """The share of ``objs`` for which ``test`` holds (0 when there are none)."""
    if not objs:
        return 0.0
    return sum(1 for o in objs if test(o)) / len(objs)
