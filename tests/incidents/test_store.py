"""The incident tables of migration m006 (store/sqlite_incidents.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tocsin.domain import Incident, Signal
from tocsin.store.sqlite import SQLiteStore
from tocsin.store.sqlite_incidents import SQLiteIncidents

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)


def incident(i: int, watch: str = "acme", status: str = "open") -> Incident:
    onset = T0 + timedelta(hours=i)
    return Incident(
        id=f"{watch}-{i}",
        watch_id=watch,
        story="",
        status=status,
        onset=onset,
        opened_at=onset + timedelta(minutes=10),
        last_signal_at=onset,
        severity=1 if status == "resolved" else 4,
        peak_severity=5,
        alerted_severity=4,
        resolved_at=onset + timedelta(hours=6) if status == "resolved" else None,
        kinds=("volume_surge",),
        signal_count=1,
        buckets=1,
        max_score=0.55,
    )


def test_incidents_round_trip_and_filter() -> None:
    store = SQLiteStore(":memory:")
    store.migrate()
    assert "m006_incidents" in store.applied_migrations()
    box = SQLiteIncidents(store.db)
    box.put(incident(1))
    box.put(incident(2, status="resolved"))
    box.put(incident(3, watch="other"))
    assert box.get("acme-2") == incident(2, status="resolved")
    assert box.get("nope") is None
    assert [i.id for i in box.find()] == ["other-3", "acme-2", "acme-1"]  # newest onset first
    assert [i.id for i in box.find(status="open", watch_id="acme")] == ["acme-1"]
    assert [i.id for i in box.find(limit=1)] == ["other-3"]
    grown = incident(1).with_(severity=5, signal_count=2)
    box.put(grown)
    assert box.get("acme-1") == grown


def test_signals_keep_the_strongest_per_bucket_and_state_is_per_watch_and_detector() -> None:
    store = SQLiteStore(":memory:")
    store.migrate()
    box = SQLiteIncidents(store.db)
    box.put(incident(1))
    weak = Signal("acme", "volume_surge", T0, 0.45, expected=3.0, observed=9.0)
    strong = Signal(
        "acme", "volume_surge", T0, 0.7, observed=14.0, mention_keys=(("x", "1"),), details={"a": 1}
    )
    box.add_signals("acme-1", [weak])
    box.add_signals("acme-1", [strong])
    box.add_signals("acme-1", [weak])  # seen again, lower: kept the strong one
    assert box.signals("acme-1") == [strong]
    assert box.load_state("acme", "volume_surge") is None
    box.save_state("acme", "volume_surge", 7, b"state")
    box.save_state("acme", "volume_surge", 8, b"later")
    box.save_state("other", "volume_surge", 3, b"x")
    assert box.load_state("acme", "volume_surge") == (8, b"later")
    box.forget_state("acme")
    assert box.load_state("acme", "volume_surge") is None
    assert box.load_state("other", "volume_surge") == (3, b"x")
