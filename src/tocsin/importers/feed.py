"""RSS 2.0, RSS 1.0 (RDF) and Atom feeds: blogs and news sites.

Parsing is hardened the way defusedxml does it, with the standard library only: a document
that declares entities (billion laughs, external entities) is refused as a whole, external
DTDs and entities are never fetched, and the file is bounded (``MAX_FEED_BYTES``).

Each item or entry is a mention on platform ``web``:

- native id: the guid (RSS) or id (Atom) when it is absolute (a URL, ``tag:`` or ``urn:``),
  else ``host/guid``; the item link when there is no guid;
- text: the title, a blank line, then the content (``content:encoded`` or Atom ``content``,
  else the description or summary) as plain text; ``title`` is set too;
- author: ``handle`` is the feed's host; ``display_name`` the item's author (``dc:creator``,
  ``author``) or else the feed's title; ``id`` is the host, or ``host/author name`` when the
  item names its author;
- created at: ``pubDate`` (RFC 822), ``dc:date``, Atom ``published`` or ``updated``;
  ``edited_at`` is Atom's ``updated`` when later than ``published``;
- categories are not hashtags (they are editorial sections, often several words): hashtags
  come from the text only.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO
from xml.parsers import expat

from tocsin.domain import DeadLetter, Mention, Metrics
from tocsin.errors import ImportFormatError
from tocsin.importers._common import (
    RECORD_ERRORS,
    BaseImporter,
    as_id,
    bad,
    count,
    extract_links,
    head_text,
    host_of,
    html_to_text,
    make_author,
    make_mention,
    parse_iso,
    parse_rfc822,
    read_bounded,
    reason_of,
)

PLATFORM = "web"
MAX_FEED_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 256

ATOM = "{http://www.w3.org/2005/Atom}"
RSS1 = "{http://purl.org/rss/1.0/}"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
DC = "{http://purl.org/dc/elements/1.1/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
SLASH = "{http://purl.org/rss/1.0/modules/slash/}"
XHTML = "{http://www.w3.org/1999/xhtml}"


class _Refused(Exception):
    pass


@dataclass
class _Item:
    element: ET.Element
    raw: bytes
    index: int


class _Builder:
    """An ElementTree builder on expat that refuses DTD entities and records each item's
    exact bytes."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.tree = ET.TreeBuilder()
        self.items: list[_Item] = []
        self.depth = 0
        self.item_start: int | None = None
        self.item_depth = 0
        p = expat.ParserCreate(namespace_separator="}")
        p.buffer_text = True
        p.ordered_attributes = False
        p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        p.StartElementHandler = self._start
        p.EndElementHandler = self._end
        p.CharacterDataHandler = self.tree.data
        p.EntityDeclHandler = self._refuse_entity
        p.UnparsedEntityDeclHandler = self._refuse_unparsed
        p.ExternalEntityRefHandler = self._refuse_external
        self.parser = p

    @staticmethod
    def _name(name: str) -> str:
        return "{" + name if "}" in name else name

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Refused(f"elements nested deeper than {MAX_DEPTH}")
        tag = self._name(name)
        self.tree.start(tag, {self._name(k): v for k, v in attrs.items()})
        if self.item_start is None and tag in ("item", ATOM + "entry", RSS1 + "item"):
            self.item_start = self.parser.CurrentByteIndex
            self.item_depth = self.depth

    def _end(self, name: str) -> None:
        element = self.tree.end(self._name(name))
        if self.item_start is not None and self.depth == self.item_depth:
            at = self.parser.CurrentByteIndex
            close = self.data.find(b">", at)
            raw = self.data[self.item_start : close + 1] if at >= 0 and close >= 0 else b""
            self.items.append(_Item(element, raw or ET.tostring(element), len(self.items)))
            self.item_start = None
        self.depth -= 1

    def _refuse_entity(self, *args: object) -> None:
        raise _Refused("the document declares entities (refused: entity expansion attacks)")

    def _refuse_unparsed(self, *args: object) -> None:
        raise _Refused("the document declares unparsed entities")

    def _refuse_external(self, *args: object) -> int:
        raise _Refused("the document references external entities")

    def parse(self) -> ET.Element:
        try:
            self.parser.Parse(self.data, True)
        except _Refused as e:
            raise ImportFormatError(f"unsafe XML refused: {e}") from None
        except expat.ExpatError as e:
            raise ImportFormatError(
                f"not well-formed XML: {expat.ErrorString(e.code)} "
                f"(line {e.lineno}, column {e.offset + 1})"
            ) from None
        return self.tree.close()


def _text(element: ET.Element | None) -> str:
    if element is None:
        return ""
    return "".join(element.itertext()).strip()


def _find_text(parent: ET.Element, *tags: str) -> str:
    for tag in tags:
        value = _text(parent.find(tag))
        if value:
            return value
    return ""


def _atom_text(element: ET.Element | None) -> tuple[str, bool]:
    """An Atom text construct's content, and whether it is HTML."""
    if element is None:
        return "", False
    kind = element.get("type", "text")
    if kind == "xhtml":
        div = element.find(XHTML + "div")
        node = div if div is not None else element
        for el in node.iter():  # serialise as plain HTML: local names, no prefixes
            if isinstance(el.tag, str):
                el.tag = el.tag.rsplit("}", 1)[-1]
        markup = "".join(ET.tostring(child, encoding="unicode") for child in node)
        return (node.text or "") + markup, True
    return "".join(element.itertext()), kind in ("html", "text/html")


@dataclass(frozen=True)
class _Feed:
    title: str
    link: str
    host: str
    language: str | None
    author: str


class FeedImporter(BaseImporter):
    name = "feed"
    description = "RSS 2.0, RSS 1.0 and Atom feeds (blogs, news)"

    def sniff(self, head: bytes, filename: str) -> float:
        text = head_text(head[:8192]).lstrip("\ufeff \t\r\n")
        if not text.startswith("<"):
            return 0.0
        lower = text[:4096].lower()
        if "<rss" in lower:
            return 0.95
        if "<feed" in lower and "http://www.w3.org/2005/atom" in lower:
            return 0.95
        if "<rdf:rdf" in lower and "http://purl.org/rss/1.0/" in lower:
            return 0.9
        if "<channel" in lower or "<feed" in lower:
            return 0.5
        return 0.1 if text.startswith("<?xml") else 0.0

    def read(self, stream: BinaryIO, source: str) -> Iterator[Mention | DeadLetter]:
        self.skipped.clear()
        data = read_bounded(stream, MAX_FEED_BYTES, what="feed")
        builder = _Builder(data)
        root = builder.parse()
        feed = _describe(root)
        if feed is None:
            raise ImportFormatError(
                f"XML root <{root.tag}> is not an RSS or Atom feed (rss, feed or rdf:RDF)"
            )
        for item in builder.items:
            position = f"item {item.index + 1}"
            try:
                if item.element.tag == ATOM + "entry":
                    yield _atom_entry(item.element, feed, item.raw)
                else:
                    yield _rss_item(item.element, feed, item.raw)
            except RECORD_ERRORS as e:
                yield self.dead(source, position, reason_of(e), item.raw)


def _describe(root: ET.Element) -> _Feed | None:
    if root.tag == "rss":
        channel = root.find("channel")
        if channel is None:
            return None
        link = _find_text(channel, "link")
        return _Feed(
            title=_find_text(channel, "title"),
            link=link,
            host=host_of(link),
            language=_find_text(channel, "language", DC + "language") or None,
            author=_find_text(channel, DC + "creator", "managingEditor"),
        )
    if root.tag == ATOM + "feed":
        link = _atom_link(root)
        return _Feed(
            title=_text(root.find(ATOM + "title")),
            link=link,
            host=host_of(link),
            language=root.get("{http://www.w3.org/XML/1998/namespace}lang"),
            author=_find_text(root, f"{ATOM}author/{ATOM}name"),
        )
    if root.tag == RDF + "RDF":
        channel = root.find(RSS1 + "channel")
        if channel is None:
            channel = ET.Element(RSS1 + "channel")
        link = _find_text(channel, RSS1 + "link")
        return _Feed(
            title=_find_text(channel, RSS1 + "title"),
            link=link,
            host=host_of(link),
            language=_find_text(channel, DC + "language") or None,
            author=_find_text(channel, DC + "creator"),
        )
    return None


def _atom_link(element: ET.Element) -> str:
    fallback = ""
    for link in element.findall(ATOM + "link"):
        href = (link.get("href") or "").strip()
        rel = link.get("rel", "alternate")
        if href and rel == "alternate":
            return href
        if href and not fallback and rel != "self":
            fallback = href
    return fallback


def _person(raw_author: str) -> str:
    """``jeff@example.com (Jeff Jarvis)`` -> ``Jeff Jarvis``; plain names unchanged."""
    raw_author = raw_author.strip()
    if raw_author.endswith(")") and "(" in raw_author:
        name = raw_author[raw_author.rfind("(") + 1 : -1].strip()
        if name:
            return name
    return raw_author


def _is_absolute(identifier: str) -> bool:
    return "://" in identifier or identifier.lower().startswith(("tag:", "urn:"))


def _build(
    feed: _Feed,
    *,
    guid: str,
    link: str,
    title: str,
    body_html: str,
    body_is_html: bool,
    author_name: str,
    created_at: datetime,
    edited_at: datetime | None,
    language: str | None,
    replies: int | None,
    raw: bytes,
) -> Mention:
    host = feed.host or host_of(link) or host_of(guid)
    if guid and not _is_absolute(guid):
        guid = f"{host}/{guid}" if host else guid
    native_id = as_id(guid or link or None, "the guid (or link)")
    if body_is_html:
        body, links = html_to_text(body_html, link or feed.link or None)
    else:
        body, links = body_html.strip(), []
    title_text = html_to_text(title)[0] if "<" in title or "&" in title else title.strip()
    if body and title_text and not body.startswith(title_text):
        text = f"{title_text}\n\n{body}"
    else:
        text = body or title_text
    name = _person(author_name) if author_name else ""
    author_id = f"{host}/{name}" if name and host else (host or name or feed.title)
    author = make_author(PLATFORM, author_id, host, name or feed.title)
    return make_mention(
        platform=PLATFORM,
        native_id=native_id,
        author=author,
        text=text,
        created_at=created_at,
        raw=raw,
        url=link or (guid if guid.startswith(("http://", "https://")) else None),
        title=title_text or None,
        language=language or feed.language,
        links=[*links, *extract_links(text)],
        metrics=Metrics(replies=replies),
        edited_at=edited_at,
    )


def _time(value: str, what: str, rfc822: bool = False) -> datetime:
    try:
        return parse_rfc822(value) if rfc822 else parse_iso(value)
    except ValueError as e:
        bad(f"{what}: {e}")


def _rss_item(item: ET.Element, feed: _Feed, raw: bytes) -> Mention:
    rss1 = item.tag == RSS1 + "item"
    ns = RSS1 if rss1 else ""
    link = _find_text(item, ns + "link")
    guid = _find_text(item, "guid") or (item.get(RDF + "about", "") if rss1 else "")
    pub = _find_text(item, "pubDate")
    dc_date = _find_text(item, DC + "date")
    if pub:
        created_at = _time(pub, "pubDate", rfc822=True)
    elif dc_date:
        created_at = _time(dc_date, "dc:date")
    else:
        bad("the item has no pubDate (nor dc:date)")
    updated = _find_text(item, ATOM + "updated")
    edited_at = _time(updated, "atom:updated") if updated else None
    body = _find_text(item, CONTENT + "encoded") or _find_text(item, ns + "description")
    return _build(
        feed,
        guid=guid,
        link=link,
        title=_find_text(item, ns + "title"),
        body_html=body,
        body_is_html=True,
        author_name=_find_text(item, DC + "creator", "author") or feed.author,
        created_at=created_at,
        edited_at=edited_at if edited_at and edited_at > created_at else None,
        language=_find_text(item, DC + "language") or None,
        replies=count(_find_text(item, SLASH + "comments") or None),
        raw=raw,
    )


def _atom_entry(entry: ET.Element, feed: _Feed, raw: bytes) -> Mention:
    published = _find_text(entry, ATOM + "published")
    updated = _find_text(entry, ATOM + "updated")
    if not published and not updated:
        bad("the entry has no published (nor updated) date")
    created_at = _time(published or updated, "published" if published else "updated")
    edited_at = None
    if published and updated:
        later = _time(updated, "updated")
        edited_at = later if later > created_at else None
    content, is_html = _atom_text(entry.find(ATOM + "content"))
    if not content.strip():
        content, is_html = _atom_text(entry.find(ATOM + "summary"))
    title, title_html = _atom_text(entry.find(ATOM + "title"))
    if title_html:
        title = html_to_text(title)[0]
    return _build(
        feed,
        guid=_find_text(entry, ATOM + "id"),
        link=_atom_link(entry),
        title=title.strip(),
        body_html=content,
        body_is_html=is_html,
        author_name=_find_text(entry, f"{ATOM}author/{ATOM}name") or feed.author,
        created_at=created_at,
        edited_at=edited_at,
        language=entry.get("{http://www.w3.org/XML/1998/namespace}lang"),
        replies=None,
        raw=raw,
    )
