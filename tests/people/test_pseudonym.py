from __future__ import annotations

import re

import pytest

from tocsin.people.pseudonym import author_key, new_secret

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
