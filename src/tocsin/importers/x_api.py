"""X API v2 responses (GET /2/tweets/search/recent, /2/tweets, /2/users/:id/tweets...).

A file is one response, a JSON array of responses, or JSON lines with one response (page) per
line. Lines holding a bare tweet object (``id``, ``text``, ``edit_history_tweet_ids``, with an
optional inline ``author`` user as twarc's flattened output writes) are read too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, BinaryIO

from tocsin.domain import DeadLetter, Mention, Metrics
from tocsin.importers._common import (
    MAX_PAGE_BYTES,
    RECORD_ERRORS,
    BaseImporter,
    Unit,
    as_id,
    bad,
    count,
    dumps,
    first_objects,
    get_dict,
    get_list,
    head_text,
    item_strings,
    json_units,
    make_author,
    make_mention,
    opt_str,
    parse_iso,
    reason_of,
    req_str,
    share,
    snowflake_time,
    strings,
    time_field,
    type_name,
    unescape,
)

PLATFORM = "x"


def tweet_url(username: str, tweet_id: str) -> str:
    if username:
        return f"https://x.com/{username}/status/{tweet_id}"
    return f"https://x.com/i/web/status/{tweet_id}"


def _is_tweet(obj: object) -> bool:
    return isinstance(obj, dict) and "id" in obj and "text" in obj


def _is_page(obj: object) -> bool:
    if not isinstance(obj, dict):
        return False
    if "data" in obj:
        data = obj["data"]
        return _is_tweet(data) or (
            isinstance(data, list) and (not data or any(_is_tweet(t) for t in data[:5]))
        )
    errors = obj.get("errors")
    meta = obj.get("meta")
    return (isinstance(errors, list) and any(isinstance(e, dict) for e in errors[:5])) or (
        isinstance(meta, dict) and "result_count" in meta
    )


def _looks_like_v2_tweet(obj: dict[str, Any]) -> bool:
    return (
        _is_tweet(obj)
        and "platform" not in obj
        and ("edit_history_tweet_ids" in obj or "author_id" in obj or "public_metrics" in obj)
    )


_HEAD_RE = re.compile(r'"(edit_history_tweet_ids|result_count|newest_id|public_metrics)"')


class XApiV2Importer(BaseImporter):
    name = "x_api_v2"
    description = "X API v2 responses (data + includes), one JSON or JSON lines of pages"

    def sniff(self, head: bytes, filename: str) -> float:
        objs = first_objects(head)
        if objs:
            pages = share(objs, _is_page)
            if pages:
                return 0.6 + 0.35 * pages
            tweets = share(objs, _looks_like_v2_tweet)
            return 0.5 + 0.35 * tweets if tweets else 0.0
        text = head_text(head[:16384])
        if text.lstrip().startswith(("{", "[")):
            keys = set(_HEAD_RE.findall(text))
            if '"data"' in text and keys:
                return 0.5 + 0.1 * len(keys)
        return 0.0

    def read(self, stream: BinaryIO, source: str) -> Iterator[Mention | DeadLetter]:
        self.skipped.clear()
        for unit in json_units(stream, MAX_PAGE_BYTES):
            if unit.error is not None:
                yield self.dead(source, unit.position or "document", unit.error, unit.raw)
                continue
            value = unit.value
            if isinstance(value, list) and not unit.position:
                # A document holding an array of responses, or of tweets.
                for i, item in enumerate(value):
                    if _is_page(item):
                        yield from self._page(item, Unit(f"page {i + 1}", b""), source)
                    else:
                        yield from self._tweets([item], {}, {}, unit, source, offset=i)
            elif _is_page(value) or (isinstance(value, dict) and "data" in value):
                yield from self._page(value, unit, source)
            elif isinstance(value, dict) and _is_tweet(value):
                # A bare tweet: the line (or document) is the record.
                yield from self._tweets([value], {}, {}, unit, source, whole=True)
            else:
                what = type_name(value)
                reason = (
                    "not an X API response (no data, errors or meta)"
                    if what == "object"
                    else f"expected an X API response object, got {what}"
                )
                yield self.dead(source, unit.position or "document", reason, unit.raw)

    def _page(
        self, page: dict[str, Any], unit: Unit, source: str
    ) -> Iterator[Mention | DeadLetter]:
        includes = get_dict(page, "includes")
        users = {
            str(u["id"]): u
            for u in get_list(includes, "users")
            if isinstance(u, dict) and isinstance(u.get("id"), str | int)
        }
        included = {
            str(t["id"]): t
            for t in get_list(includes, "tweets")
            if isinstance(t, dict) and isinstance(t.get("id"), str | int)
        }
        data = page.get("data")
        tweets = [data] if isinstance(data, dict) else data if isinstance(data, list) else []
        if data is not None and not isinstance(data, dict | list):
            yield self.dead(
                source,
                unit.position or "document",
                f"'data' must be an array or an object, got {type_name(data)}",
                dumps(data),
            )
        yield from self._tweets(tweets, users, included, unit, source)
        for i, error in enumerate(get_list(page, "errors")):
            yield self.dead(source, unit.at(i, "error"), _error_reason(error), dumps(error))

    def _tweets(
        self,
        tweets: list[Any],
        users: dict[str, Any],
        included: dict[str, Any],
        unit: Unit,
        source: str,
        offset: int = 0,
        whole: bool = False,
    ) -> Iterator[Mention | DeadLetter]:
        for i, tweet in enumerate(tweets):
            raw = unit.raw if whole else dumps(tweet)
            position = (unit.position or "record 1") if whole else unit.at(i + offset)
            try:
                if not isinstance(tweet, dict):
                    bad(f"a tweet must be an object, got {type_name(tweet)}")
                yield tweet_to_mention(tweet, users, included, raw)
            except RECORD_ERRORS as e:
                yield self.dead(source, position, reason_of(e), raw)


def _error_reason(error: object) -> str:
    if not isinstance(error, dict):
        return f"API error: {error!r}"
    title = error.get("title") or error.get("type") or "API error"
    detail = error.get("detail") or error.get("message") or ""
    value = error.get("value") or error.get("resource_id")
    text = f"{title}: {detail}" if detail else str(title)
    if value and str(value) not in text:
        text += f" ({value})"
    return f"X API error: {text}"


def _user(tweet: dict[str, Any], users: dict[str, Any]) -> dict[str, Any]:
    author = tweet.get("author")  # twarc's flattened output
    if isinstance(author, dict):
        return author
    author_id = tweet.get("author_id")
    found = users.get(str(author_id)) if author_id is not None else None
    return found if isinstance(found, dict) else {}


def _long_text(tweet: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The full text and its entities: a long post's ``note_tweet`` if present."""
    note = get_dict(tweet, "note_tweet")
    if isinstance(note.get("text"), str) and note["text"]:
        text, entities = note["text"], get_dict(note, "entities") or get_dict(tweet, "entities")
    else:
        text, entities = req_str(tweet, "text"), get_dict(tweet, "entities")
    return unescape(text), entities  # X escapes &, < and > as HTML entities


def tweet_to_mention(
    tweet: dict[str, Any], users: dict[str, Any], included: dict[str, Any], raw: bytes
) -> Mention:
    tweet_id = as_id(tweet.get("id"), "'id'")
    text, entities = _long_text(tweet)
    created_at = time_field(tweet, "created_at", parse_iso)
    assert created_at is not None
    user = _user(tweet, users)
    username = opt_str(user, "username") or ""
    author_id = str(tweet.get("author_id") or user.get("id") or "")
    author = make_author(
        PLATFORM,
        author_id or username,
        username,
        opt_str(user, "name") or "",
        count(get_dict(user, "public_metrics").get("followers_count")),
        user.get("verified") if isinstance(user.get("verified"), bool) else None,
    )

    refs: dict[str, str] = {}
    for ref in get_list(tweet, "referenced_tweets"):
        if isinstance(ref, dict) and isinstance(ref.get("type"), str) and ref.get("id"):
            refs.setdefault(ref["type"], str(ref["id"]))

    # A retweet's text is cut by the API: use the original's full text when it is included.
    original = included.get(refs.get("retweeted", ""))
    if isinstance(original, dict) and text.startswith("RT @"):
        try:
            full, _ = _long_text(original)
            handle = text[4:].split(":", 1)[0]
            text = f"RT @{handle}: {full}"
        except RECORD_ERRORS:
            pass

    # Edits: every version has its own id; the first one is the post's identity, later
    # versions carry the time of the edit in ``edited_at``.
    native_id, edited_at = tweet_id, None
    history = strings(tweet.get("edit_history_tweet_ids"))
    if history and history[0] != tweet_id:
        native_id = as_id(history[0], "edit_history_tweet_ids[0]")
        edited_at = created_at
        created_at = snowflake_time(native_id) or created_at

    metrics = get_dict(tweet, "public_metrics")
    hashtags: list[str] | None = None
    mentions: list[str] | None = None
    links: list[str] | None = None
    if entities:
        hashtags = item_strings(entities, "hashtags", "tag")
        mentions = item_strings(entities, "mentions", "username")
        found = [
            u.get("unwound_url") or u.get("expanded_url") or u.get("url")
            for u in get_list(entities, "urls")
            if isinstance(u, dict)
        ]
        links = [link for link in found if isinstance(link, str)]
    return make_mention(
        platform=PLATFORM,
        native_id=native_id,
        author=author,
        text=text,
        created_at=created_at,
        raw=raw,
        url=tweet_url(username, tweet_id),
        language=opt_str(tweet, "lang"),
        reply_to=refs.get("replied_to"),
        repost_of=refs.get("retweeted"),
        quote_of=refs.get("quoted"),
        hashtags=hashtags,
        mentions=mentions,
        links=links,
        metrics=Metrics(
            likes=count(metrics.get("like_count")),
            reposts=count(metrics.get("retweet_count")),
            replies=count(metrics.get("reply_count")),
            views=count(metrics.get("impression_count")),
        ),
        edited_at=edited_at,
    )
