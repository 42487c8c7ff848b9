"""Reddit listings: /r/SUB/new.json, search.json, a user's overview, or a comments page (an
array of two listings: the post, then its comment tree). JSON lines of listings (one page per
line) are read too.

- Posts (``t3``): text is the title, a blank line and the self text; ``title`` is set too.
- Comments (``t1``): ``reply_to`` is the parent's fullname; nested ``replies`` listings are
  walked (at most ``MAX_DEPTH`` levels; deeper subtrees become one dead letter).
- Native ids are fullnames (``t3_abc``, ``t1_def``). Reddit's JSON escapes ``&``, ``<`` and
  ``>`` as HTML entities: they are decoded.
- ``raw`` is the thing re-serialised without its nested ``replies`` (they are records of
  their own).
- ``more`` stubs (comments not loaded) and other kinds are skipped and counted.
"""

from __future__ import annotations

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
    extract_links,
    first_objects,
    get_dict,
    get_list,
    head_text,
    json_units,
    make_author,
    make_mention,
    opt_str,
    parse_epoch,
    reason_of,
    share,
    type_name,
    unescape,
)

PLATFORM = "reddit"
SITE = "https://www.reddit.com"
#: Comment nesting walked at most this deep.
MAX_DEPTH = 100
DELETED = "[deleted]"


def _is_thing(obj: object) -> bool:
    return (
        isinstance(obj, dict)
        and isinstance(obj.get("kind"), str)
        and isinstance(obj.get("data"), dict)
    )


def _is_listing_or_post(obj: object) -> bool:
    return isinstance(obj, dict) and _is_thing(obj) and obj["kind"] in ("Listing", "t1", "t3")


class RedditImporter(BaseImporter):
    name = "reddit"
    description = "Reddit listings (/new.json, search.json, comment pages)"

    def sniff(self, head: bytes, filename: str) -> float:
        objs = first_objects(head)
        if objs:
            score = share(objs, _is_listing_or_post)
            return 0.55 + 0.4 * score if score else 0.0
        text = head_text(head[:16384])
        if (
            text.lstrip().startswith(("{", "["))
            and '"kind"' in text
            and ('"Listing"' in text or '"t3"' in text or '"t1"' in text)
        ):
            return 0.8
        return 0.0

    def read(self, stream: BinaryIO, source: str) -> Iterator[Mention | DeadLetter]:
        self.skipped.clear()
        for unit in json_units(stream, MAX_PAGE_BYTES):
            if unit.error is not None:
                yield self.dead(source, unit.position or "document", unit.error, unit.raw)
                continue
            tops = unit.value if isinstance(unit.value, list) else [unit.value]
            yield from self._walk(tops, unit, source)

    def _walk(self, tops: list[Any], unit: Unit, source: str) -> Iterator[Mention | DeadLetter]:
        """Every thing of ``tops`` in document order, listings and reply trees expanded."""
        stack: list[tuple[Any, int]] = [(t, 0) for t in reversed(tops)]
        index = 0
        while stack:
            thing, depth = stack.pop()
            if isinstance(thing, dict) and thing.get("kind") == "Listing":
                children = get_list(get_dict(thing, "data"), "children")
                stack.extend((c, depth) for c in reversed(children))
                continue
            position = unit.at(index)
            index += 1
            raw = dumps(_without_replies(thing))
            if not _is_thing(thing):
                what = type_name(thing)
                yield self.dead(
                    source,
                    position,
                    f"not a Reddit thing ({what} without kind and data)"
                    if what == "object"
                    else f"expected a Reddit thing, got {what}",
                    raw,
                )
                continue
            kind = thing["kind"]
            if kind not in ("t1", "t3"):
                self.skip("more (comments not loaded)" if kind == "more" else f"{kind} thing")
                continue
            try:
                yield thing_to_mention(kind, thing["data"], raw)
            except RECORD_ERRORS as e:
                yield self.dead(source, position, reason_of(e), raw)
            replies = thing["data"].get("replies")
            if isinstance(replies, dict):
                if depth + 1 > MAX_DEPTH:
                    yield self.dead(
                        source,
                        position,
                        f"replies nested deeper than {MAX_DEPTH} levels were not read",
                        raw,
                    )
                else:
                    stack.append((replies, depth + 1))


def _without_replies(thing: Any) -> Any:
    if (
        isinstance(thing, dict)
        and isinstance(thing.get("data"), dict)
        and isinstance(thing["data"].get("replies"), dict)
    ):
        return {**thing, "data": {**thing["data"], "replies": ""}}
    return thing


def _fullname(kind: str, data: dict[str, Any]) -> str:
    name = data.get("name")
    if isinstance(name, str) and name.startswith(f"{kind}_"):
        return as_id(name, "'name'")
    local = data.get("id")
    if isinstance(local, str) and local.strip():
        return as_id(f"{kind}_{local.strip()}", "'id'")
    bad("'name' and 'id' are missing")


def thing_to_mention(kind: str, data: dict[str, Any], raw: bytes) -> Mention:
    native_id = _fullname(kind, data)
    created = data.get("created_utc", data.get("created"))
    if created is None:
        bad("'created_utc' is missing")
    try:
        created_at = parse_epoch(created)
    except ValueError as e:
        bad(f"'created_utc': {e}")
    edited = data.get("edited")
    edited_at = None
    if isinstance(edited, int | float) and not isinstance(edited, bool) and edited > 0:
        try:
            edited_at = parse_epoch(edited)
        except ValueError:
            edited_at = None

    handle = opt_str(data, "author") or DELETED
    author_id = "" if handle == DELETED else (opt_str(data, "author_fullname") or handle)
    author = make_author(PLATFORM, author_id, handle)

    permalink = opt_str(data, "permalink")
    url = (SITE + permalink if permalink and permalink.startswith("/") else permalink) or None
    links: list[str] = []
    if kind == "t3":
        title = unescape(_required_text(data, "title"))
        body = unescape(opt_str(data, "selftext") or "")
        text = f"{title}\n\n{body}" if body.strip() else title
        target = opt_str(data, "url_overridden_by_dest") or opt_str(data, "url")
        if target and not data.get("is_self") and target.startswith(("http://", "https://")):
            links.append(unescape(target))
        reply_to = None
        replies = count(data.get("num_comments"))
    else:
        title = None
        text = unescape(_required_text(data, "body"))
        parent = data.get("parent_id")
        reply_to = parent if isinstance(parent, str) and parent else None
        replies = None
    links.extend(extract_links(text))
    ups = data.get("ups")
    return make_mention(
        platform=PLATFORM,
        native_id=native_id,
        author=author,
        text=text,
        created_at=created_at,
        raw=raw,
        url=url,
        title=title,
        reply_to=reply_to,
        links=links,
        metrics=Metrics(
            likes=count(ups if ups is not None else data.get("score")),
            reposts=count(data.get("num_crossposts")),
            replies=replies,
            views=count(data.get("view_count")),
        ),
        edited_at=edited_at,
        reddit=True,
    )


def _required_text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if isinstance(value, str):
        return value
    bad(
        f"{key!r} is missing"
        if value is None
        else f"{key!r} must be a string, got {type_name(value)}"
    )
