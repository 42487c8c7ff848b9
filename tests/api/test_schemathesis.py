"""Schemathesis against the OpenAPI document: every operation, valid and invalid requests
generated from the schema, as a signed-in admin (session cookie and CSRF header, which no
generated request can revoke). No answer may be a 5xx.

Bounded: a few dozen examples per operation and mode, no example database, no deadline
(the machine is shared)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable

from tests.api.fixtures import Signed, World, fill_store, settings_for
from tests.factories import T0
from tocsin.ambassadors import enrolment, missions, points
from tocsin.api.auth import Accounts, Role, csrf
from tocsin.domain import Signal
from tocsin.domain.incident import Incident
from tocsin.respond import cases, replies
from tocsin.store.sqlite import SQLiteStore
from tocsin.store.sqlite_incidents import SQLiteIncidents
from tocsin.web import create_app

EXAMPLES = {"positive": 15, "negative": 10}
#: Ids of rows that exist, so the generated bodies also reach the code behind the 404s.
KNOWN = 8


@dataclass
class Fuzzed:
    world: World
    app: FastAPI
    admin: Signed
    known: dict[str, Any]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Fuzzed:
    tmp = tmp_path_factory.mktemp("schemathesis")
    db = tmp / "tocsin.db"
    fill_store(db, tmp)
    world = World(db, settings_for(db))
    store = SQLiteStore(db)
    try:
        item = store.get_mention("x", "1001")
        assert item is not None
        case = cases.open_case(store.db, item.mention, "admin")
        reply = replies.draft(store.db, case.id, "admin", lang="fr", template_key="acknowledge")
        accounts = Accounts(store.db)
        admin = accounts.find_user("admin")
        assert admin is not None
        token, _ = accounts.create_token(admin.id, "fuzzed")
        incident = _incident()
        SQLiteIncidents(store.db).put(incident)
        SQLiteIncidents(store.db).add_signals(
            incident.id,
            [Signal("cafelia", "volume_surge", T0, 0.97, expected=2.0, observed=12.0)],
        )
        # the ambassador programme: one of each, so pinned ids reach the code behind the 404s
        author = item.mention.author
        ambassador = enrolment.invite(store.db, "x", author.id, "admin", country="FR")
        enrolment.enrol(store.db, ambassador.id, "I agree", "v1", "admin")
        mission = missions.add(
            store.db,
            "share",
            "admin",
            title="Share",
            instructions="Share it, with #ad",
            deadline=datetime.now(UTC) + timedelta(days=3),
            points=5,
            watch_id="cafelia",
            hashtag="cafelia",
        )
        reward = points.add_reward(store.db, "Mug", 10, "admin", stock=3)
    finally:
        store.close()
    known = {
        "case_id": case.id,
        "reply_id": reply.id,
        "token_id": token.id,
        "incident_id": incident.id,
        "platform": "x",
        "native_id": "1002",
        "watch_id": "cafelia",
        "key": "acknowledge",
        "lang": "fr",
        "author_id": author.id,
        "ambassador_id": ambassador.id,
        "mission_id": mission.id,
        "reward_id": reward.id,
        "country": "FR",
    }
    app = create_app(world.settings)
    return Fuzzed(world, app, Signed(app, world, Role.ADMIN), known)


def _incident() -> Incident:
    return Incident(
        id="cafelia-fuzzed",
        watch_id="cafelia",
        story="",
        status="open",
        onset=T0,
        opened_at=T0 + timedelta(hours=1),
        last_signal_at=T0 + timedelta(hours=2),
        severity=8,
        peak_severity=9,
        resolved_at=None,
        kinds=("volume_surge",),
        signal_count=1,
        buckets=2,
        max_score=0.97,
    )


def _schema(app: FastAPI) -> Any:
    import schemathesis  # here, not at collection: it takes seconds to import

    return schemathesis.openapi.from_asgi("/api/openapi.json", app)


def _server_errors(
    fuzzed: Fuzzed, operation: Any, mode: Any, examples: int, *, pinned: bool = False
) -> list[str]:
    found: list[str] = []
    path = {p.name: fuzzed.known[p.name] for p in operation.path_parameters} if pinned else None
    auth = {
        "cookies": {csrf.SESSION_COOKIE: fuzzed.admin.secret},
        "headers": {csrf.CSRF_HEADER: fuzzed.admin.csrf},
    }

    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(operation.as_strategy(generation_mode=mode, path_parameters=path))
    def run(case: Any) -> None:
        try:
            response = case.call(**auth)
        except Exception as exc:  # a crash that escaped every handler
            found.append(f"{operation.label}: {type(exc).__name__}: {exc}")
            return
        if response.status_code >= 500:
            found.append(
                f"{operation.label} -> {response.status_code}: {case.as_curl_command()[:600]}"
            )

    try:
        run()
    except Unsatisfiable:
        # nothing to get wrong: an operation without parameters has no invalid request
        assert mode.value == "negative", operation.label
    return found


def test_the_openapi_document_lists_every_operation(fuzzed: Fuzzed) -> None:
    labels = {r.ok().label for r in _schema(fuzzed.app).get_all_operations()}
    assert "GET /api/mentions" in labels
    assert "POST /api/cases/{case_id}/replies" in labels
    assert len(labels) >= 25


@pytest.mark.slow  # about 20 s on the shared two-core machine
def test_no_operation_answers_a_server_error(fuzzed: Fuzzed) -> None:
    import schemathesis

    schema = _schema(fuzzed.app)
    found: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in schemathesis.GenerationMode:
            found += _server_errors(fuzzed, operation, mode, EXAMPLES[mode.value])
        names = {p.name for p in operation.path_parameters}
        if names and names <= set(fuzzed.known):
            positive = schemathesis.GenerationMode.POSITIVE
            found += _server_errors(fuzzed, operation, positive, KNOWN, pinned=True)
    assert found == [], "\n".join(found)
