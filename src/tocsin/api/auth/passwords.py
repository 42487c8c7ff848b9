"""Password hashes: stdlib scrypt, a random salt per user, parameters stored in the hash.

Format: ``scrypt$<log2 n>$<r>$<p>$<salt, base64>$<hash, base64>``, so the cost can rise later
without breaking stored hashes (``needs_rehash`` says when to upgrade one at the next login).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

LOG2_N = 15  # n = 32768, r = 8: 32 MiB and about 0.1 s per hash (OWASP minimum is 2^17 / 1)
R = 8
P = 1
SALT_BYTES = 16
KEY_BYTES = 32
MAX_PASSWORD_CHARS = 1024  # a hash of a megabyte-long password is a denial of service
MIN_PASSWORD_CHARS = 10


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _scrypt(password: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    n = 1 << log2_n
    return hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=r, p=p, maxmem=256 * n * r + (1 << 20), dklen=KEY_BYTES
    )


def hash_password(password: str, *, log2_n: int = LOG2_N) -> str:
    if len(password) > MAX_PASSWORD_CHARS:
        raise ValueError(f"passwords are at most {MAX_PASSWORD_CHARS} characters")
    salt = secrets.token_bytes(SALT_BYTES)
    key = _scrypt(password, salt, log2_n, R, P)
    return f"scrypt${log2_n}${R}${P}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str) -> bool:
    """Constant time in the password; any malformed hash is simply a mismatch."""
    if len(password) > MAX_PASSWORD_CHARS:
        return False
    try:
        scheme, log2_n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(key)
        actual = _scrypt(password, base64.b64decode(salt), int(log2_n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def needs_rehash(stored: str, *, log2_n: int = LOG2_N) -> bool:
    parts = stored.split("$")
    return len(parts) != 6 or parts[0] != "scrypt" or parts[1:4] != [str(log2_n), str(R), str(P)]


@functools.cache
def dummy_hash() -> str:
    """Verified against when a user name is unknown, so both cases take the same time."""
    return hash_password(secrets.token_urlsafe(16))
