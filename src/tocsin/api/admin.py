"""For the command line: manage local users and tokens on the configured database.

with accounts(settings) as users:
    users.create_user("alice", password, "admin")
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tocsin.api.auth.accounts import Accounts
from tocsin.api.auth.schema import ensure_schema
from tocsin.bootstrap import Settings, open_store


@contextmanager
def accounts(settings: Settings) -> Iterator[Accounts]:
    """``Accounts`` on the configured store (which must be initialised), web tables ensured."""
    store = open_store(settings)
    try:
        ensure_schema(store.db)
        yield Accounts(store.db)
    finally:
        store.close()
