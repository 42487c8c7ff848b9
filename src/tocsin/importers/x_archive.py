"""The X (Twitter) account archive: ``data/tweets.js`` (or ``tweets-part1.js``, older
``tweet.js``), ``window.YTD.tweets.part0 = [ {"tweet": {...}}, ... ]``, tweets in the legacy
v1.1 shape.

The archive owner is not named in ``tweets.js``. When the stream comes from a file (``source``
is its path), the sibling ``account.js`` of the same archive gives the owner's id, handle and
display name; without it every tweet's author id is ``archive-owner`` and the handle is empty.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from tocsin.domain import Author, DeadLetter, Mention, Metrics
from tocsin.errors import ImportFormatError
from tocsin.importers._common import (
    RECORD_ERRORS,
    BaseImporter,
    as_id,
    bad,
    count,
    dumps,
    get_dict,
    get_list,
    head_text,
    item_strings,
    json_error,
    make_author,
    make_mention,
    opt_str,
    parse_twitter_time,
    read_bounded,
    reason_of,
    req_str,
    snowflake_time,
    time_field,
    type_name,
    unescape,
)
from tocsin.importers.x_api import PLATFORM, tweet_url

OWNER_ID = "archive-owner"
#: The assignment that opens every data file of the archive.
_PREFIX_RE = re.compile(rb"^\s*window\.YTD\.([A-Za-z0-9_]+)\.part(\d+)\s*=\s*")
_TWEET_PARTS = (b"tweets", b"tweet")
MAX_ACCOUNT_BYTES = 1024 * 1024
#: A quoted tweet shows as a link to its status in the tweet's URLs.
_STATUS_URL_RE = re.compile(r"^https?://(?:mobile\.)?(?:twitter|x)\.com/[^/]+/status(?:es)?/(\d+)")
#: "RT @someone: ..." marks a retweet in an archive (the original's id is not given).
_RT_RE = re.compile(r"^RT @([A-Za-z0-9_]{1,15}):")
#: ``repost_of`` of an archived retweet: the original's id is not in the archive.
UNKNOWN_ORIGINAL = "unknown"


def _strip_assignment(data: bytes) -> tuple[bytes, bytes] | None:
    """(part name, JSON text) of an archive data file, or ``None``."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    m = _PREFIX_RE.match(data)
    if m is None:
        return None
    return m.group(1), data[m.end() :]


def load_account(source: str) -> Author | None:
    """The archive owner from ``account.js`` beside ``source``, if there is a readable one."""
    try:
        path = Path(source).parent / "account.js"
        if not path.is_file() or path.stat().st_size > MAX_ACCOUNT_BYTES:
            return None
        stripped = _strip_assignment(path.read_bytes())
        if stripped is None:
            return None
        value = orjson.loads(stripped[1])
    except (OSError, ValueError):
        return None
    items = value if isinstance(value, list) else [value]
    for item in items:
        account = get_dict(item, "account") if isinstance(item, dict) else {}
        username = account.get("username")
        if isinstance(username, str) and username.strip():
            account_id = account.get("accountId")
            display = account.get("accountDisplayName")
            return make_author(
                PLATFORM,
                str(account_id) if isinstance(account_id, str | int) else username,
                username,
                display if isinstance(display, str) else "",
            )
    return None


class XArchiveImporter(BaseImporter):
    name = "x_archive"
    description = "X account archive tweets.js (window.YTD.tweets.part0 = [...])"

    def sniff(self, head: bytes, filename: str) -> float:
        m = _PREFIX_RE.match(head[3:] if head.startswith(b"\xef\xbb\xbf") else head)
        if m is not None:
            return 0.99 if m.group(1) in _TWEET_PARTS else 0.35
        if Path(filename).name.lower().startswith("tweet") and filename.endswith(".js"):
            return 0.2 if "window.YTD" in head_text(head[:512]) else 0.1
        return 0.0

    def read(self, stream: BinaryIO, source: str) -> Iterator[Mention | DeadLetter]:
        self.skipped.clear()
        data = read_bounded(stream, what="X archive file")
        stripped = _strip_assignment(data)
        if stripped is None:
            raise ImportFormatError(
                "not an X archive data file: expected 'window.YTD.tweets.part0 = [...]'"
            )
        part, body = stripped
        if part not in _TWEET_PARTS:
            raise ImportFormatError(
                f"this is the archive's {part.decode('ascii')} file, not tweets.js"
            )
        try:
            value = orjson.loads(body.rstrip().rstrip(b";"))
        except orjson.JSONDecodeError as e:
            raise ImportFormatError(f"tweets.js is not valid JSON: {json_error(e)}") from None
        if not isinstance(value, list):
            raise ImportFormatError(f"tweets.js holds {type_name(value)}, expected an array")
        owner = load_account(source) or make_author(PLATFORM, OWNER_ID)
        for i, item in enumerate(value):
            raw = dumps(item)
            try:
                tweet = item.get("tweet", item) if isinstance(item, dict) else item
                if not isinstance(tweet, dict):
                    bad(f"expected a tweet object, got {type_name(tweet)}")
                yield archived_tweet_to_mention(tweet, owner, raw)
            except RECORD_ERRORS as e:
                yield self.dead(source, f"record {i + 1}", reason_of(e), raw)


def archived_tweet_to_mention(tweet: dict[str, Any], owner: Author, raw: bytes) -> Mention:
    tweet_id = as_id(tweet.get("id_str") or tweet.get("id"), "'id_str'")
    text = req_str(tweet, "full_text" if "full_text" in tweet else "text", "'full_text'")
    text = unescape(text)  # the archive escapes &, < and > as HTML entities
    created_at = time_field(tweet, "created_at", parse_twitter_time)
    assert created_at is not None
    entities = get_dict(tweet, "entities")

    # Edits: the first version's id is the post's identity (as with the X API importer).
    native_id, edited_at = tweet_id, None
    edit = get_dict(get_dict(tweet, "edit_info"), "edit")
    initial = edit.get("initialTweetId")
    if isinstance(initial, str | int) and str(initial) != tweet_id:
        native_id = as_id(initial, "edit_info.edit.initialTweetId")
        edited_at = created_at
        created_at = snowflake_time(native_id) or created_at

    found = [
        u.get("expanded_url") or u.get("url")
        for u in get_list(entities, "urls")
        if isinstance(u, dict)
    ]
    links = [link for link in found if isinstance(link, str)]
    quote_of = None
    for link in links:
        m = _STATUS_URL_RE.match(link)
        if m and m.group(1) != tweet_id:
            quote_of = m.group(1)
            break
    repost_of = UNKNOWN_ORIGINAL if _RT_RE.match(text) else None
    if repost_of:
        quote_of = None
    return make_mention(
        platform=PLATFORM,
        native_id=native_id,
        author=owner,
        text=text,
        created_at=created_at,
        raw=raw,
        url=tweet_url(owner.handle, tweet_id),
        language=opt_str(tweet, "lang"),
        reply_to=opt_str(tweet, "in_reply_to_status_id_str"),
        repost_of=repost_of,
        quote_of=quote_of,
        hashtags=item_strings(entities, "hashtags", "text"),
        mentions=item_strings(entities, "user_mentions", "screen_name"),
        links=links,
        metrics=Metrics(
            likes=count(tweet.get("favorite_count")),
            reposts=count(tweet.get("retweet_count")),
        ),
        edited_at=edited_at,
    )
