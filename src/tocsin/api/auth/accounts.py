"""Local users, browser sessions and API tokens, over the store's SQLite connection.

Session cookies and API tokens are random 256-bit secrets shown once; only their SHA-256 is
stored, so a copy of the database opens no account. Passwords: see ``passwords``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tocsin.api.auth.passwords import (
    MAX_PASSWORD_CHARS,
    MIN_PASSWORD_CHARS,
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_password,
)
from tocsin.api.auth.permissions import Role
from tocsin.errors import UsageError

TOKEN_PREFIX = "tocsin_"
_USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: ``last_seen_at`` / ``last_used_at`` are written at most this often (microseconds).
_TOUCH_EVERY_US = 60_000_000


def _us(dt: datetime) -> int:
    return (dt - _EPOCH) // timedelta(microseconds=1)


def _dt(us: int | None) -> datetime | None:
    return None if us is None else _EPOCH + timedelta(microseconds=us)


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    role: Role
    active: bool = True


@dataclass(frozen=True, slots=True)
class TokenInfo:
    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


def check_username(username: str) -> str:
    name = username.strip().lower()
    if not _USERNAME_RE.match(name):
        raise UsageError(
            "a user name is 1-64 characters: letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise UsageError(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise UsageError(f"a password has at most {MAX_PASSWORD_CHARS} characters")


_USER_COLUMNS = "id, username, role, active"


def _user(row: tuple[int, str, str, int]) -> User:
    return User(row[0], row[1], Role(row[2]), bool(row[3]))


class Accounts:
    """Users, sessions and tokens on one connection (autocommit: each call commits)."""

    def __init__(self, db: sqlite3.Connection, *, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self._clock = clock

    def _now(self) -> int:
        return int(self._clock() * 1_000_000)

    # -- users ---------------------------------------------------------------------------------

    def create_user(self, username: str, password: str, role: Role | str) -> User:
        name = check_username(username)
        check_password(password)
        role = Role(role)
        now = self._now()
        try:
            cur = self.db.execute(
                "INSERT INTO users (username, password_hash, role, created_at, "
                "password_changed_at) VALUES (?, ?, ?, ?, ?)",
                (name, hash_password(password), role.value, now, now),
            )
        except sqlite3.IntegrityError:
            raise UsageError(f"the user {name!r} exists already") from None
        return User(int(cur.lastrowid or 0), name, role)

    def get_user(self, user_id: int) -> User | None:
        row = self.db.execute(
            f"SELECT {_USER_COLUMNS} FROM users WHERE id = ?", (user_id,)
        ).fetchone()
        return _user(row) if row else None

    def find_user(self, username: str) -> User | None:
        row = self.db.execute(
            f"SELECT {_USER_COLUMNS} FROM users WHERE username = ?", (username.strip().lower(),)
        ).fetchone()
        return _user(row) if row else None

    def list_users(self) -> list[User]:
        return [_user(r) for r in self.db.execute(f"SELECT {_USER_COLUMNS} FROM users ORDER BY id")]

    def set_password(self, user_id: int, password: str) -> None:
        """Change a password; every session and token of the user stops working."""
        check_password(password)
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute(
                "UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?",
                (hash_password(password), self._now(), user_id),
            )
            self.db.execute("DELETE FROM web_sessions WHERE user_id = ?", (user_id,))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def set_role(self, user_id: int, role: Role | str) -> None:
        self.db.execute("UPDATE users SET role = ? WHERE id = ?", (Role(role).value, user_id))

    def set_active(self, user_id: int, active: bool) -> None:
        self.db.execute("UPDATE users SET active = ? WHERE id = ?", (int(active), user_id))
        if not active:
            self.db.execute("DELETE FROM web_sessions WHERE user_id = ?", (user_id,))

    def authenticate(self, username: str, password: str) -> User | None:
        """The active user with this name and password, else ``None``. Takes as long for an
        unknown name as for a wrong password."""
        row = self.db.execute(
            f"SELECT {_USER_COLUMNS}, password_hash FROM users WHERE username = ?",
            (username.strip().lower(),),
        ).fetchone()
        if row is None:
            verify_password(password, dummy_hash())
            return None
        if not verify_password(password, row[4]) or not row[3]:
            return None
        if needs_rehash(row[4]):
            self.db.execute(
                "UPDATE users SET password_hash = ? WHERE id = ?", (hash_password(password), row[0])
            )
        return _user(row[:4])

    # -- sessions ------------------------------------------------------------------------------

    def open_session(self, user_id: int, ttl: timedelta) -> str:
        """A new session; returns the secret to put in the cookie."""
        secret = secrets.token_urlsafe(32)
        now = self._now()
        self.db.execute(
            "INSERT INTO web_sessions (token_hash, user_id, created_at, expires_at, last_seen_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (_digest(secret), user_id, now, now + ttl // timedelta(microseconds=1), now),
        )
        return secret

    def session_user(self, secret: str) -> User | None:
        if not secret or len(secret) > 128:
            return None
        digest = _digest(secret)
        row = self.db.execute(
            "SELECT u.id, u.username, u.role, u.active, s.expires_at, s.last_seen_at "
            "FROM web_sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?",
            (digest,),
        ).fetchone()
        now = self._now()
        if row is None or not row[3] or row[4] <= now:
            return None
        if now - row[5] > _TOUCH_EVERY_US:
            self.db.execute(
                "UPDATE web_sessions SET last_seen_at = ? WHERE token_hash = ?", (now, digest)
            )
        return _user(row[:4])

    def close_session(self, secret: str) -> None:
        self.db.execute("DELETE FROM web_sessions WHERE token_hash = ?", (_digest(secret),))

    def purge_expired_sessions(self) -> int:
        cur = self.db.execute("DELETE FROM web_sessions WHERE expires_at <= ?", (self._now(),))
        return cur.rowcount

    # -- API tokens ----------------------------------------------------------------------------

    def create_token(
        self, user_id: int, name: str, expires_at: datetime | None = None
    ) -> tuple[TokenInfo, str]:
        """A new token; the secret is returned once and never stored."""
        name = " ".join(name.split())[:100] or "token"
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self._now()
        expires = None if expires_at is None else _us(expires_at)
        cur = self.db.execute(
            "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (user_id, name, _digest(secret), secret[: len(TOKEN_PREFIX) + 4], now, expires),
        )
        info = self.get_token(int(cur.lastrowid or 0))
        assert info is not None
        return info, secret

    def get_token(self, token_id: int) -> TokenInfo | None:
        row = self.db.execute(
            "SELECT id, user_id, name, prefix, created_at, expires_at, last_used_at, revoked_at "
            "FROM api_tokens WHERE id = ?",
            (token_id,),
        ).fetchone()
        return _token(row) if row else None

    def list_tokens(self, user_id: int) -> list[TokenInfo]:
        rows = self.db.execute(
            "SELECT id, user_id, name, prefix, created_at, expires_at, last_used_at, revoked_at "
            "FROM api_tokens WHERE user_id = ? ORDER BY id",
            (user_id,),
        )
        return [_token(r) for r in rows]

    def revoke_token(self, user_id: int, token_id: int) -> bool:
        cur = self.db.execute(
            "UPDATE api_tokens SET revoked_at = ? "
            "WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
            (self._now(), token_id, user_id),
        )
        return cur.rowcount > 0

    def token_user(self, secret: str) -> User | None:
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > 128:
            return None
        row = self.db.execute(
            "SELECT u.id, u.username, u.role, u.active, t.id, t.expires_at, t.revoked_at, "
            "t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id "
            "WHERE t.token_hash = ?",
            (_digest(secret),),
        ).fetchone()
        now = self._now()
        if row is None or not row[3] or row[6] is not None:
            return None
        if row[5] is not None and row[5] <= now:
            return None
        if row[7] is None or now - row[7] > _TOUCH_EVERY_US:
            self.db.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (now, row[4]))
        return _user(row[:4])


def _token(row: tuple[int, int, str, str, int, int | None, int | None, int | None]) -> TokenInfo:
    created = _dt(row[4])
    assert created is not None
    return TokenInfo(row[0], row[1], row[2], row[3], created, _dt(row[5]), _dt(row[6]), _dt(row[7]))


class LoginThrottle:
    """At most ``attempts`` failed logins per user name within ``window`` seconds (in memory,
    per server process): slows password guessing without locking anyone out for long."""

    def __init__(
        self, attempts: int, window: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.attempts = attempts
        self.window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str) -> deque[float]:
        now = self._clock()
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    @staticmethod
    def _key(username: str) -> str:
        return username.strip().lower()[:64]

    def blocked(self, username: str) -> bool:
        with self._lock:
            return len(self._recent(self._key(username))) >= self.attempts

    def failed(self, username: str) -> None:
        with self._lock:
            self._recent(self._key(username)).append(self._clock())
            if len(self._failures) > 10_000:  # bounded memory under a spray of names
                self._failures = {k: v for k, v in self._failures.items() if v}

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(self._key(username), None)
