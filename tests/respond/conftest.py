from __future__ import annotations

from collections.abc import Iterator

import pytest

from tocsin.api.auth import Accounts, Role
from tocsin.store.sqlite import SQLiteStore


@pytest.fixture
def store() -> Iterator[SQLiteStore]:
    """An in-memory store with its schema and one user per role (two agents)."""
    s = SQLiteStore(":memory:")
    s.migrate()
    accounts = Accounts(s.db)
    for name, role in (
        ("admin", Role.ADMIN),
        ("manager", Role.MANAGER),
        ("agent1", Role.AGENT),
        ("viewer", Role.VIEWER),
        ("agent2", Role.AGENT),
    ):
        s.db.execute(
            "INSERT INTO users (username, password_hash, role, created_at, password_changed_at) "
            "VALUES (?, 'x', ?, 0, 0)",
            (name, role.value),
        )
    assert accounts.find_user("agent1") is not None
    yield s
    s.close()
