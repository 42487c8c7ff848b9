"""Store connections for the server: each request borrows one for itself, then gives it back.

A borrowed store is used by one request at a time (it may move between worker threads, hence
``check_same_thread=False`` in ``SQLiteStore``); idle ones stay open, so their page cache stays
warm. The web tables come with the schema (migration ``m003_web_accounts``).
"""

from __future__ import annotations

import queue
from collections.abc import Iterator
from contextlib import contextmanager

from tocsin.bootstrap import Settings, open_store
from tocsin.store.sqlite import SQLiteStore


class StorePool:
    def __init__(self, settings: Settings, *, max_idle: int = 16) -> None:
        self.settings = settings
        self._idle: queue.LifoQueue[SQLiteStore] = queue.LifoQueue()
        self._max_idle = max_idle
        self._closed = False

    def _open(self) -> SQLiteStore:
        return open_store(self.settings)

    @contextmanager
    def borrow(self) -> Iterator[SQLiteStore]:
        try:
            store = self._idle.get_nowait()
        except queue.Empty:
            store = self._open()
        try:
            yield store
        finally:
            if store.db.in_transaction:  # a request that failed half-way leaves nothing open
                store.db.execute("ROLLBACK")
            if self._closed or self._idle.qsize() >= self._max_idle:
                store.close()
            else:
                self._idle.put(store)

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return
