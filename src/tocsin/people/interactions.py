"""Who interacts with whom: reposts, quotes, replies and mentions, read from mentions.

A mention names the *post* it replies to, reposts or quotes, and the *handles* it mentions, never
their authors: the caller resolves them (the store knows every post's author), so this module
stays free of I/O.

Kind weights (how much one interaction says "this author is worth listening to"):

- repost 1.0: passes the post on unchanged, the strongest endorsement of reach;
- quote 0.8: passes it on, with the quoter's own words (often a disagreement);
- reply 0.6: engages the author in their thread, without spreading the post;
- mention 0.4: names the author, often in passing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tocsin.domain.mention import Author, Mention


class InteractionKind(StrEnum):
    REPOST = "repost"
    QUOTE = "quote"
    REPLY = "reply"
    MENTION = "mention"


KIND_WEIGHTS: dict[InteractionKind, float] = {
    InteractionKind.REPOST: 1.0,
    InteractionKind.QUOTE: 0.8,
    InteractionKind.REPLY: 0.6,
    InteractionKind.MENTION: 0.4,
}


@dataclass(frozen=True, slots=True)
class Interaction:
    """``source`` interacted with ``target`` (both author keys) at ``at`` (aware UTC)."""

    source: str
    target: str
    kind: InteractionKind
    at: datetime


#: ``(platform, native_id) -> author key`` of a post, ``None`` if unknown.
PostAuthor = Callable[[str, str], "str | None"]
#: ``(platform, handle) -> author key``, ``None`` if unknown.
HandleAuthor = Callable[[str, str], "str | None"]


def interactions_from(
    mention: Mention,
    key_of: Callable[[Author], str],
    post_author: PostAuthor,
    handle_author: HandleAuthor,
) -> Iterator[Interaction]:
    """The interactions one mention records, at most one per author interacted with.

    Self-interactions (own threads) are left out. A reply on X also names the author it answers:
    that author gets the reply only, the strongest kind, not a reply and a mention.
    """
    source = key_of(mention.author)
    targets: list[tuple[InteractionKind, str | None]] = []
    for kind, post in (
        (InteractionKind.REPOST, mention.repost_of),
        (InteractionKind.QUOTE, mention.quote_of),
        (InteractionKind.REPLY, mention.reply_to),
    ):
        if post:
            targets.append((kind, post_author(mention.platform, post)))
    for handle in dict.fromkeys(mention.mentions):  # a handle named twice counts once
        targets.append((InteractionKind.MENTION, handle_author(mention.platform, handle)))
    strongest: dict[str, InteractionKind] = {}
    for kind, target in targets:
        if target is None or target == source:
            continue
        if target not in strongest or KIND_WEIGHTS[kind] > KIND_WEIGHTS[strongest[target]]:
            strongest[target] = kind
    for target, kind in strongest.items():
        yield Interaction(source, target, kind, mention.created_at)
