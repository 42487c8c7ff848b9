"""Store connections for the server: each request borrows one for itself, then gives it back.

A borrowed store is used by one request at a time (it may move between worker threads, hence
``check_same_thread=False`` in ``SQLiteStore``); idle ones stay open, so their page cache stays
warm. The first connection also creates the web tables (``ensure_schema``).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from tocsin.api.auth.schema import ensure_schema
from tocsin.bootstrap import Settings, open_store
from tocsin.store.sqlite import SQLiteStore


class StorePool:
    def __init__(self, settings: Settings, *, max_idle: int = 16) -> None:
        self.settings = settings
        self._idle: queue.LifoQueue[SQLiteStore] = queue.LifoQueue()
        self._max_idle = max_idle
        self._lock = threading.Lock()
        self._ready = False
        self._closed = False

    def _open(self) -> SQLiteStore:
        store = open_store(self.settings)
        if not self._ready:
            with self._lock:
                if not self._ready:
                    ensure_schema(store.db)
                    self._ready = True
        return store

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
