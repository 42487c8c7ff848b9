"""Influence kept in SQLite (migration ``m009_influence``): the conversation graph and each
watch's PageRank state as pickled blobs, the checkpoint (last ``mentions.id`` folded in), and
snapshots of each watch's influence (daily, and the latest) keyed by pseudonym.

The blobs are written and read by Tocsin only, in the same trusted file as the mentions and
the pseudonym secret (unpickling a file an attacker wrote would run their code: protect the
file, as docs/people.md says). Writes belong in the caller's transaction
(``tocsin.people.stored_influence.update_influence`` makes one per chunk).
"""

from __future__ import annotations

import pickle
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tocsin.domain import Mention
from tocsin.people.graph import InteractionGraph
from tocsin.people.influence import WatchInfluence
from tocsin.store.sqlite import _mention
from tocsin.store.sqlite_people import _LEAN_COLUMNS

_TABLES = ("influence_graph", "influence_states", "influence_snapshots")
#: ("post" | "handle", platform, native id or lower-case handle) -> [(source key, kind, at in
#: seconds)]: interactions naming a post or handle not stored yet, linked when it arrives.
Pending = dict[tuple[str, str, str], list[tuple[str, str, float]]]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A watch's influence at ``at`` (microseconds, UTC) for its active authors (pseudonyms).
    ``interacted_by`` (distinct authors who interacted with each) is kept in the latest only."""

    at: int
    keys: tuple[str, ...]
    influence: npt.NDArray[np.float64]
    interacted_by: npt.NDArray[np.int64] | None


class SQLiteInfluence:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    # -- the graph and its checkpoint -----------------------------------------------------------
    def checkpoint(self) -> tuple[int, int] | None:
        """(last mention id folded in, latest created_at folded), ``None`` when never built."""
        row = self.db.execute(
            "SELECT mention_id, folded_until FROM influence_graph WHERE id = 1"
        ).fetchone()
        return (int(row[0]), int(row[1])) if row else None

    def load_graph(self) -> InteractionGraph | None:
        found = self.load_graph_and_pending()
        return found[0] if found else None

    def load_graph_and_pending(self) -> tuple[InteractionGraph, Pending] | None:
        """The graph, and the interactions waiting for the post or handle they name."""
        row = self.db.execute("SELECT graph FROM influence_graph WHERE id = 1").fetchone()
        if row is None:
            return None
        graph, pending = pickle.loads(row[0])
        if not isinstance(graph, InteractionGraph) or not isinstance(pending, dict):
            raise TypeError("influence_graph holds something else than a graph")
        return graph, pending

    def save_graph(
        self,
        graph: InteractionGraph,
        mention_id: int,
        folded_until: int,
        pending: Pending | None = None,
    ) -> None:
        self.db.execute(
            "INSERT INTO influence_graph (id, mention_id, folded_until, graph, updated_at) "
            "VALUES (1, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET mention_id=excluded.mention_id,"
            " folded_until=excluded.folded_until, graph=excluded.graph, "
            "updated_at=excluded.updated_at",
            (
                mention_id,
                folded_until,
                pickle.dumps((graph, pending or {}), protocol=pickle.HIGHEST_PROTOCOL),
                _now_us(),
            ),
        )

    # -- per watch ------------------------------------------------------------------------------
    def state_queries(self) -> dict[str, str]:
        """watch id -> its query when its state was computed."""
        return dict(self.db.execute("SELECT watch_id, query FROM influence_states").fetchall())

    def load_states(self) -> dict[str, tuple[str, WatchInfluence]]:
        out: dict[str, tuple[str, WatchInfluence]] = {}
        for watch_id, query, blob in self.db.execute(
            "SELECT watch_id, query, state FROM influence_states ORDER BY watch_id"
        ):
            state = pickle.loads(blob)
            if not isinstance(state, WatchInfluence):
                raise TypeError("influence_states holds something else than a state")
            out[watch_id] = (query, state)
        return out

    def save_state(self, watch_id: str, query: str, state: WatchInfluence) -> None:
        self.db.execute(
            "INSERT INTO influence_states (watch_id, query, state, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (watch_id) DO UPDATE SET query=excluded.query, state=excluded.state, "
            "updated_at=excluded.updated_at",
            (watch_id, query, pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL), _now_us()),
        )

    def forget_watch(self, watch_id: str) -> None:
        for table in ("influence_states", "influence_snapshots"):
            self.db.execute(f"DELETE FROM {table} WHERE watch_id = ?", (watch_id,))

    # -- snapshots ------------------------------------------------------------------------------
    def save_snapshot(self, watch_id: str, snapshot: Snapshot, *, latest: bool) -> None:
        if latest:
            self.db.execute(
                "DELETE FROM influence_snapshots WHERE watch_id = ? AND latest = 1", (watch_id,)
            )
        blob = pickle.dumps(
            (snapshot.keys, snapshot.influence, snapshot.interacted_by),
            protocol=pickle.HIGHEST_PROTOCOL,
        )
        self.db.execute(
            "INSERT OR REPLACE INTO influence_snapshots (watch_id, at, latest, authors) "
            "VALUES (?, ?, ?, ?)",
            (watch_id, snapshot.at, int(latest), blob),
        )

    def snapshot(self, watch_id: str, *, at_most: int | None = None) -> Snapshot | None:
        """The latest snapshot when ``at_most`` is ``None``, else the newest (daily or latest)
        taken at or before ``at_most``."""
        if at_most is None:
            row = self.db.execute(
                "SELECT at, authors FROM influence_snapshots WHERE watch_id = ? AND latest = 1",
                (watch_id,),
            ).fetchone()
        else:
            row = self.db.execute(
                "SELECT at, authors FROM influence_snapshots WHERE watch_id = ? AND at <= ? "
                "ORDER BY at DESC, latest DESC LIMIT 1",
                (watch_id, at_most),
            ).fetchone()
        if row is None:
            return None
        keys, influence, interacted_by = pickle.loads(row[1])
        return Snapshot(int(row[0]), tuple(keys), influence, interacted_by)

    def prune_snapshots(self, before: int) -> int:
        """Delete daily snapshots taken before ``before``; the number deleted."""
        return self.db.execute(
            "DELETE FROM influence_snapshots WHERE latest = 0 AND at < ?", (before,)
        ).rowcount

    def clear(self) -> None:
        """Forget everything: the next update rebuilds from every stored mention."""
        clear_influence(self.db)

    # -- what it reads of the mentions ----------------------------------------------------------
    def last_mention_id(self) -> int:
        row = self.db.execute("SELECT max(id) FROM mentions").fetchone()
        return int(row[0] or 0)

    def mentions_after(
        self, after_id: int, limit: int
    ) -> list[tuple[int, Mention, tuple[str, ...]]]:
        """(id, mention without its raw record, its watches) for ``id > after_id``, by id."""
        rows = self.db.execute(
            f"SELECT {_LEAN_COLUMNS} FROM mentions m WHERE m.id > ? ORDER BY m.id LIMIT ?",
            (after_id, limit),
        ).fetchall()
        if not rows:
            return []
        watches: dict[int, list[str]] = {}
        for mention_id, watch_id in self.db.execute(
            "SELECT mention_id, watch_id FROM mention_watches "
            "WHERE mention_id BETWEEN ? AND ? ORDER BY watch_id",
            (rows[0][0], rows[-1][0]),
        ):
            watches.setdefault(mention_id, []).append(watch_id)
        return [(int(r[0]), _mention(r), tuple(watches.get(r[0], ()))) for r in rows]

    def watch_authors(self, watch_id: str, up_to_id: int) -> list[tuple[str, str]]:
        """(platform, author id) of the watch's mentions with ``id <= up_to_id``."""
        return self.db.execute(
            "SELECT DISTINCT m.platform, m.author_id FROM mention_watches w "
            "JOIN mentions m ON m.id = w.mention_id WHERE w.watch_id = ? AND w.mention_id <= ? "
            "ORDER BY 1, 2",
            (watch_id, up_to_id),
        ).fetchall()


def clear_influence(db: sqlite3.Connection) -> None:
    """Delete the persisted graph, states and snapshots (erasure; ``rebuild_influence``).
    A database from before m009 has none."""
    try:
        for table in _TABLES:
            db.execute(f"DELETE FROM {table}")
    except sqlite3.OperationalError as exc:
        if "no such table" not in str(exc):
            raise


def _now_us() -> int:
    return time.time_ns() // 1000


def keys_and_values(snapshot: Snapshot | None) -> dict[str, float]:
    if snapshot is None:
        return {}
    return dict(zip(snapshot.keys, snapshot.influence.tolist(), strict=True))


__all__: Sequence[str] = ("SQLiteInfluence", "Snapshot", "clear_influence", "keys_and_values")
