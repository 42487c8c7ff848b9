"""For the command line: manage local users and tokens on the configured database.

with accounts(settings) as users:
    users.create_user("alice", password, "admin")
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tocsin.api.auth.accounts import Accounts
from tocsin.bootstrap import Settings, open_store


@contextmanager
def accounts(settings: Settings) -> Iterator[Accounts]:
    """``Accounts`` on the configured store (which must be initialised: `tocsin init`)."""
    store = open_store(settings)
    try:
        yield Accounts(store.db)
    finally:
        store.close()
