"""Bluesky Jetstream events, one JSON object per line, as Jetstream's WebSocket sends them.

- ``app.bsky.feed.post`` create and update commits are mentions; an update sets ``edited_at``
  to the event time (``time_us``).
- ``app.bsky.feed.repost`` create commits are repost mentions: empty text, ``repost_of`` the
  reposted post's ``at://`` URI.
- Deletions, other collections (likes, follows, profiles...) and identity/account events are
  not posts: they are skipped and counted in ``skipped``, not dead-lettered.

Jetstream does not give handles: the author id and handle are both the DID. Rich-text facets
index the text in UTF-8 bytes; a mention facet's own text (``@alice.bsky.social``) gives the
mentioned handle.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any, BinaryIO

from tocsin.domain import DeadLetter, Mention
from tocsin.importers._common import (
    MAX_RECORD_LINE_BYTES,
    RECORD_ERRORS,
    BaseImporter,
    bad,
    extract_links,
    first_objects,
    get_dict,
    get_list,
    head_text,
    iter_lines,
    loads,
    make_author,
    make_mention,
    opt_str,
    parse_epoch,
    parse_iso,
    reason_of,
    req_str,
    share,
    strings,
    time_field,
    type_name,
)

PLATFORM = "bluesky"
POST = "app.bsky.feed.post"
REPOST = "app.bsky.feed.repost"
_DID_RE = re.compile(r"^did:[a-z]+:[A-Za-z0-9._:%-]{1,2000}$")
_RKEY_RE = re.compile(r"^[A-Za-z0-9._:~-]{1,512}$")
_FACET = "app.bsky.richtext.facet#"


def _is_event(obj: dict[str, Any]) -> bool:
    return isinstance(obj.get("did"), str) and "time_us" in obj and "kind" in obj


def post_url(did: str, rkey: str) -> str:
    return f"https://bsky.app/profile/{did}/post/{rkey}"


class JetstreamImporter(BaseImporter):
    name = "bluesky_jetstream"
    description = "Bluesky Jetstream events (JSON lines: posts, reposts; the rest is skipped)"
    line_based = True  # one record per line: the parallel runner may read it in chunks

    def sniff(self, head: bytes, filename: str) -> float:
        objs = first_objects(head)
        if objs:
            score = share(objs, _is_event)
            return 0.55 + 0.4 * score if score else 0.0
        text = head_text(head[:4096])
        if text.lstrip().startswith("{") and '"time_us"' in text and '"did:' in text:
            return 0.6
        return 0.0

    def read(
        self, stream: BinaryIO, source: str, *, start_line: int = 0
    ) -> Iterator[Mention | DeadLetter]:
        """``start_line``: lines before this stream (the parallel runner reads chunks)."""
        self.skipped.clear()
        for line in iter_lines(stream, MAX_RECORD_LINE_BYTES, start=start_line):
            if line.too_long:
                yield self.dead(
                    source,
                    line.position,
                    f"line is longer than {MAX_RECORD_LINE_BYTES:,} bytes",
                    line.data,
                )
                continue
            try:
                event = loads(line.data)
                if not isinstance(event, dict):
                    bad(f"expected a Jetstream event object, got {type_name(event)}")
                mention = self.event_to_mention(event, line.data)
            except RECORD_ERRORS as e:
                yield self.dead(source, line.position, reason_of(e), line.data)
                continue
            if mention is not None:
                yield mention

    def event_to_mention(self, event: dict[str, Any], raw: bytes) -> Mention | None:
        """The mention of one event, or ``None`` (counted in ``skipped``) for other events."""
        kind = event.get("kind")
        if not isinstance(kind, str):
            bad("not a Jetstream event: 'kind' is missing")
        if kind != "commit":
            self.skip(f"{kind} event")
            return None
        commit = event.get("commit")
        if not isinstance(commit, dict):
            bad("a commit event without a 'commit' object")
        collection = req_str(commit, "collection", "'commit.collection'")
        operation = req_str(commit, "operation", "'commit.operation'")
        if collection not in (POST, REPOST):
            self.skip(f"{collection} commit")
            return None
        if operation == "delete":
            self.skip(f"{collection} delete")
            return None
        if operation not in ("create", "update"):
            bad(f"unknown commit operation {operation!r}")
        if collection == REPOST and operation != "create":
            self.skip(f"{collection} {operation}")
            return None
        did = req_str(event, "did", "'did'")
        if not _DID_RE.match(did):
            bad("'did' is not a DID")
        rkey = req_str(commit, "rkey", "'commit.rkey'")
        if not _RKEY_RE.match(rkey):
            bad("'commit.rkey' is not a record key")
        record = commit.get("record")
        if not isinstance(record, dict):
            bad("the commit has no 'record' object")
        edited_at = None
        if operation == "update":
            time_us = event.get("time_us")
            if isinstance(time_us, int) and not isinstance(time_us, bool):
                try:
                    edited_at = parse_epoch(time_us / 1_000_000)
                except ValueError:
                    bad("'time_us' is out of range")
        if collection == REPOST:
            return _repost(did, rkey, record, raw)
        return _post(did, rkey, record, raw, edited_at)


def _created_at(record: dict[str, Any]) -> datetime:
    created = time_field(record, "createdAt", parse_iso)
    assert created is not None
    return created


def _repost(did: str, rkey: str, record: dict[str, Any], raw: bytes) -> Mention:
    subject = opt_str(get_dict(record, "subject"), "uri")
    if not subject:
        bad("a repost without 'subject.uri'")
    return make_mention(
        platform=PLATFORM,
        native_id=f"at://{did}/{REPOST}/{rkey}",
        author=make_author(PLATFORM, did, did),
        text="",
        created_at=_created_at(record),
        raw=raw,
        repost_of=subject,
        hashtags=(),
        mentions=(),
        links=(),
    )


def _post(
    did: str, rkey: str, record: dict[str, Any], raw: bytes, edited_at: datetime | None
) -> Mention:
    text = req_str(record, "text", "'record.text'")
    created_at = _created_at(record)
    langs = strings(record.get("langs"))
    reply_to = opt_str(get_dict(get_dict(record, "reply"), "parent"), "uri")

    embed = get_dict(record, "embed")
    embed_type = embed.get("$type")
    quote_of = None
    external: list[str] = []
    if embed_type == "app.bsky.embed.record":
        quote_of = opt_str(get_dict(embed, "record"), "uri")
    elif embed_type == "app.bsky.embed.recordWithMedia":
        quote_of = opt_str(get_dict(get_dict(embed, "record"), "record"), "uri")
    elif embed_type == "app.bsky.embed.external":
        uri = opt_str(get_dict(embed, "external"), "uri")
        external = [uri] if uri else []

    hashtags: list[str] | None = None
    mentions: list[str] | None = None
    links: list[str] | None = None
    if "facets" in record:
        hashtags, mentions, links = _facets(text, get_list(record, "facets"))
    extra_tags = strings(record.get("tags"))
    if extra_tags:
        hashtags = [*(hashtags or []), *extra_tags]
    if external:
        links = [*(links if links is not None else extract_links(text)), *external]
    return make_mention(
        platform=PLATFORM,
        native_id=f"at://{did}/{POST}/{rkey}",
        author=make_author(PLATFORM, did, did),
        text=text,
        created_at=created_at,
        raw=raw,
        url=post_url(did, rkey),
        language=langs[0] if langs else None,
        reply_to=reply_to,
        quote_of=quote_of,
        hashtags=hashtags,
        mentions=mentions,
        links=links,
        edited_at=edited_at,
    )


def _facets(text: str, facets: list[Any]) -> tuple[list[str], list[str], list[str]]:
    """Hashtags, mentioned handles and links of a post's rich-text facets."""
    data = text.encode("utf-8")
    tags: list[str] = []
    handles: list[str] = []
    links: list[str] = []
    for facet in facets[:200]:
        if not isinstance(facet, dict):
            continue
        index = get_dict(facet, "index")
        start, end = index.get("byteStart"), index.get("byteEnd")
        span = ""
        if (
            isinstance(start, int)
            and isinstance(end, int)
            and not isinstance(start, bool)
            and 0 <= start < end <= len(data)
        ):
            span = data[start:end].decode("utf-8", "replace")
        for feature in get_list(facet, "features"):
            if not isinstance(feature, dict):
                continue
            kind = str(feature.get("$type", "")).removeprefix(_FACET)
            if kind == "tag" and isinstance(feature.get("tag"), str):
                tags.append(feature["tag"])
            elif kind == "link" and isinstance(feature.get("uri"), str):
                links.append(feature["uri"])
            elif kind == "mention":
                handle = span.strip().lstrip("@")
                if handle:
                    handles.append(handle)
                elif isinstance(feature.get("did"), str):
                    handles.append(feature["did"])
    return tags, handles, links
