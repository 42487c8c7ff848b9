from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.ambassadors.conversation import conversation
from tocsin.store.sqlite import SQLiteStore


@pytest.fixture
def store() -> Iterator[SQLiteStore]:
    """An in-memory store holding a generated conversation around the brand post."""
    s = SQLiteStore(":memory:")
    s.migrate()
    conversation(s)
    yield s
    s.close()
