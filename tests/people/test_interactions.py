from __future__ import annotations

from tests.factories import T0, mention
from tocsin.domain import Author
from tocsin.people import Interaction, InteractionKind, interactions_from

POSTS = {("x", "p1"): "alice", ("x", "p2"): "bob", ("x", "own"): "u1"}
HANDLES = {("x", "carol"): "carol", ("x", "bob"): "bob"}


def _interactions(**fields: object) -> list[Interaction]:
    post = mention(1, **fields)  # author u1
    return list(
        interactions_from(
            post,
            key_of=lambda author: author.id,
            post_author=lambda platform, native: POSTS.get((platform, native)),
            handle_author=lambda platform, handle: HANDLES.get((platform, handle)),
        )
    )


def test_each_kind_points_from_the_author_to_the_author_interacted_with() -> None:
    found = _interactions(repost_of="p1", quote_of="p2", mentions=("carol",))
    assert {(i.source, i.target, i.kind) for i in found} == {
        ("u1", "alice", InteractionKind.REPOST),
        ("u1", "bob", InteractionKind.QUOTE),
        ("u1", "carol", InteractionKind.MENTION),
    }
    assert {i.at for i in found} == {T0.replace(minute=1)}


def test_a_reply_that_names_its_author_counts_once_as_a_reply() -> None:
    found = _interactions(reply_to="p2", mentions=("bob", "bob"))
    assert [(i.target, i.kind) for i in found] == [("bob", InteractionKind.REPLY)]


def test_own_threads_and_unknown_posts_or_handles_are_left_out() -> None:
    assert _interactions(reply_to="own", repost_of="unknown", mentions=("nobody",)) == []


def test_the_author_key_function_decides_the_source() -> None:
    post = mention(1, repost_of="p1", author=Author("x", "42", "h"))
    [found] = interactions_from(post, lambda a: f"key-{a.id}", lambda *_: "t", lambda *_: None)
    assert found.source == "key-42"
