from __future__ import annotations

import re

import pytest

from tocsin.domain import Author
from tocsin.people.pseudonym import author_key, new_secret, pseudonymiser

SECRET = b"0123456789abcdef0123456789abcdef"


def test_the_same_secret_gives_the_same_key() -> None:
    assert author_key(SECRET, "x", "12345") == author_key(bytes(SECRET), "x", "12345")
    assert re.fullmatch(r"[a-z2-7]{26}", author_key(SECRET, "x", "12345"))


def test_different_secrets_give_different_keys() -> None:
    assert author_key(SECRET, "x", "12345") != author_key(new_secret(), "x", "12345")
    assert new_secret() != new_secret()


def test_platform_and_id_are_both_part_of_the_key() -> None:
    assert author_key(SECRET, "x", "1") != author_key(SECRET, "mastodon", "1")
    assert author_key(SECRET, "ab", "c") != author_key(SECRET, "a", "bc")


def test_no_collision_on_100k_ids() -> None:
    keys = {author_key(SECRET, "x", str(n)) for n in range(100_000)}
    assert len(keys) == 100_000


@pytest.mark.parametrize("secret", [b"", b"short"])
def test_an_empty_or_short_secret_is_refused(secret: bytes) -> None:
    with pytest.raises(ValueError, match="secret"):
        author_key(secret, "x", "1")


def test_the_pseudonymiser_keys_authors_by_platform_and_id_not_handle() -> None:
    key_of = pseudonymiser(SECRET)
    assert key_of(Author("x", "42", "old_handle")) == author_key(SECRET, "x", "42")
    assert key_of(Author("x", "42", "new_handle")) == key_of(Author("x", "42", "old_handle"))
    with pytest.raises(ValueError, match="secret"):
        pseudonymiser(b"")
