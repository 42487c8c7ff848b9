"""Authors are people: their identities are pseudonymised before they are stored.

``author_key`` turns a platform's author id into a keyed hash (HMAC-SHA256). The same secret
always gives the same key, so an author's posts stay linked; without the secret the key cannot
be linked back to the account. A plain hash would not do: handles and numeric ids are guessable,
so anyone could hash a list of candidates and match them. See docs/privacy.md.
"""

from __future__ import annotations

import base64
import hmac
import secrets
from collections.abc import Callable

from tocsin.domain.mention import Author

#: Bytes of randomness in a new secret; also the shortest secret ``author_key`` accepts.
SECRET_BYTES = 32
MIN_SECRET_BYTES = 16
#: 128 bits: collisions are negligible (~1e-20 for a billion authors), keys stay short.
KEY_BYTES = 16


def new_secret() -> bytes:
    """A fresh random secret for ``author_key``. Keep it out of the database it protects."""
    return secrets.token_bytes(SECRET_BYTES)


def author_key(secret: bytes, platform: str, author_id: str) -> str:
    """The pseudonym of ``(platform, author_id)``: 26 lowercase base32 characters.

    Both parts are length-prefixed before hashing, so ``("ab", "c")`` and ``("a", "bc")``
    cannot produce the same key.
    """
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"the pseudonym secret must hold at least {MIN_SECRET_BYTES} bytes")
    message = b"".join(_length_prefixed(part.encode("utf-8")) for part in (platform, author_id))
    digest = hmac.digest(secret, message, "sha256")[:KEY_BYTES]
    return base64.b32encode(digest).decode("ascii").rstrip("=").lower()


def pseudonymiser(secret: bytes) -> Callable[[Author], str]:
    """``author -> author_key(secret, author.platform, author.id)``, the secret checked once."""
    author_key(secret, "", "")

    def key_of(author: Author) -> str:
        return author_key(secret, author.platform, author.id)

    return key_of


def _length_prefixed(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data
