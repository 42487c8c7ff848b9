"""The inbox through the API: a case from opening to closing, approvals, escalation,
moderation and the audit log, each with the role that may (and may not) do it."""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.api.fixtures import Signed, World
from tests.api.inbox_fixtures import inbox_app, inbox_world, team
from tocsin.api.auth import Role

__all__ = ["inbox_app", "inbox_world", "team"]


def call(who: Signed, method: str, url: str, **kw: Any) -> Any:
    return who.client.request(method, url, headers={"x-csrf-token": who.csrf}, **kw)


def test_a_case_from_opening_to_closing(team: dict[Role, Signed]) -> None:
    agent, manager, viewer = team[Role.AGENT], team[Role.MANAGER], team[Role.VIEWER]
    opened = call(agent, "POST", "/api/cases", json={"platform": "x", "native_id": "parent"})
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert (case["status"], case["reason"], case["sla"]) == ("new", "manual", "ok")
    assert 0 <= case["priority"] <= 100
    opened_at, due_at = (datetime.fromisoformat(case[k]) for k in ("opened_at", "due_at"))
    assert due_at - opened_at == timedelta(hours=24)  # TOCSIN_SLA_HOURS
    again = call(agent, "POST", "/api/cases", json={"platform": "x", "native_id": "parent"})
    assert again.status_code == 409
    assert again.json()["ok"] is False
    missing = call(agent, "POST", "/api/cases", json={"platform": "x", "native_id": "nope"})
    assert missing.status_code == 404
    cid = case["id"]

    # viewers read, never act
    assert viewer.client.get(f"/api/cases/{cid}").status_code == 200
    assert call(viewer, "POST", f"/api/cases/{cid}/notes", json={"body": "x"}).status_code == 403

    assigned = call(agent, "POST", f"/api/cases/{cid}/assign", json={})  # round-robin
    assert assigned.json()["assignee"] == "agent"
    assert (
        call(agent, "POST", f"/api/cases/{cid}/assign", json={"assignee": "viewer"}).status_code
        == 409
    )
    assert (
        call(agent, "POST", f"/api/cases/{cid}/assign", json={"assignee": "ghost"}).status_code
        == 404
    )
    note = call(agent, "POST", f"/api/cases/{cid}/notes", json={"body": "client régulier"})
    assert note.status_code == 201

    draft = call(
        agent, "POST", f"/api/cases/{cid}/replies", json={"lang": "fr", "template": "answer"}
    )
    assert draft.status_code == 201, draft.text
    reply = draft.json()
    assert reply["status"] == "draft" and reply["warnings"] == []
    assert reply["body"].startswith("Bonjour @user0") and reply["posted"] is False
    rid = reply["id"]
    # an agent needs approval, and may not approve
    assert call(agent, "POST", f"/api/replies/{rid}/send").status_code == 409
    assert call(agent, "POST", f"/api/replies/{rid}/approve").status_code == 403
    assert call(manager, "POST", f"/api/replies/{rid}/approve").json()["status"] == "approved"
    sent = call(agent, "POST", f"/api/replies/{rid}/send")
    assert sent.status_code == 200 and sent.json()["approved_by"] == "manager"

    detail = viewer.client.get(f"/api/cases/{cid}").json()
    assert detail["status"] == "answered"
    assert detail["mention"]["native_id"] == "parent"
    assert [n["body"] for n in detail["notes"]] == ["client régulier"]
    assert [r["status"] for r in detail["replies"]] == ["sent"]
    assert "closed" in detail["next_statuses"]

    closed = call(agent, "POST", f"/api/cases/{cid}/status", json={"status": "closed"})
    assert closed.json()["status"] == "closed"
    assert call(
        agent, "POST", f"/api/cases/{cid}/status", json={"status": "answered"}
    ).status_code in (400, 409)
    assert cid not in [c["id"] for c in viewer.client.get("/api/cases").json()["data"]]
    assert cid in [c["id"] for c in viewer.client.get("/api/cases?status=closed").json()["data"]]

    trail = manager.client.get("/api/audit", params={"target": f"case:{cid}", "limit": 50}).json()
    actions = [e["action"] for e in reversed(trail["data"])]
    assert actions == [
        "case.open",
        "case.assign",
        "case.note",
        "reply.draft",
        "reply.approve",
        "reply.send",
        "case.status",
        "case.status",
    ]
    assert {e["actor"] for e in trail["data"]} == {"agent", "manager"}


def test_escalation_is_for_managers_with_a_reason(team: dict[Role, Signed]) -> None:
    agent, manager = team[Role.AGENT], team[Role.MANAGER]
    cid = call(agent, "POST", "/api/cases", json={"platform": "x", "native_id": "1003"}).json()[
        "id"
    ]
    body = {"role": "legal", "reason": "menace de procès"}
    assert call(agent, "POST", f"/api/cases/{cid}/escalate", json=body).status_code == 403
    assert (
        call(
            manager, "POST", f"/api/cases/{cid}/escalate", json={"role": "ceo", "reason": "x"}
        ).status_code
        == 400
    )
    assert (
        call(
            manager, "POST", f"/api/cases/{cid}/escalate", json={"role": "pr", "reason": ""}
        ).status_code
        == 400
    )
    done = call(manager, "POST", f"/api/cases/{cid}/escalate", json=body).json()
    assert (done["status"], done["escalated_to"], done["escalation_reason"]) == (
        "escalated",
        "legal",
        "menace de procès",
    )


def test_managers_send_without_approval_and_edit_templates(team: dict[Role, Signed]) -> None:
    agent, manager = team[Role.AGENT], team[Role.MANAGER]
    cid = call(agent, "POST", "/api/cases", json={"platform": "x", "native_id": "1004"}).json()[
        "id"
    ]
    call(agent, "POST", f"/api/cases/{cid}/assign", json={"assignee": "agent"})
    rid = call(
        agent, "POST", f"/api/cases/{cid}/replies", json={"lang": "en", "body": "We'll refund you"}
    ).json()["id"]
    reply = call(agent, "PUT", f"/api/replies/{rid}", json={"body": "We will refund you"}).json()
    assert reply["warnings"] == ["compensation", "no_private_channel"]
    assert call(manager, "POST", f"/api/replies/{rid}/send").json()["status"] == "sent"
    body = {"body": "Hi @{handle}, sorry! Please DM us. {agent}"}
    assert call(agent, "PUT", "/api/templates/acknowledge/en", json=body).status_code == 403
    assert call(manager, "PUT", "/api/templates/acknowledge/en", json=body).json()["edited"] is True
    bad = call(manager, "PUT", "/api/templates/acknowledge/en", json={"body": "{secret}"})
    assert bad.status_code == 409
    templates = team[Role.VIEWER].client.get("/api/templates").json()["data"]
    assert {"key": "acknowledge", "lang": "en", "body": body["body"], "edited": True} in templates


def test_moderation_hides_abuse_never_criticism(team: dict[Role, Signed]) -> None:
    agent, manager, viewer = team[Role.AGENT], team[Role.MANAGER], team[Role.VIEWER]
    key = {"platform": "x", "native_id": "hostile-script"}
    assert (
        call(agent, "POST", "/api/moderation/hide", json={**key, "reason": "insult"}).status_code
        == 403
    )
    refused = call(manager, "POST", "/api/moderation/hide", json={**key, "reason": "criticism"})
    assert refused.status_code == 400
    hidden = call(
        manager, "POST", "/api/moderation/hide", json={**key, "reason": "insult", "note": "n"}
    )
    assert hidden.status_code == 200 and hidden.json()["hidden"] is True

    shown = viewer.client.get("/api/mentions/x/hostile-script").json()
    assert shown["hidden"] == {
        "reason": "insult",
        "note": None,
        "decided_by": None,
        "decided_at": None,
    }
    assert shown["text"] == "" and shown["links"] == []
    full = manager.client.get("/api/mentions/x/hostile-script").json()
    assert full["hidden"]["note"] == "n" and "<script>" in full["text"]
    found = viewer.client.get("/api/mentions", params={"q": "cafélia", "limit": 500}).json()["data"]
    marked = {m["native_id"]: m["hidden"] for m in found}
    assert marked["hostile-script"]["reason"] == "insult"
    assert marked["hostile-handlers"] is None
    assert [d["native_id"] for d in manager.client.get("/api/moderation").json()] == [
        "hostile-script"
    ]

    assert call(manager, "POST", "/api/moderation/unhide", json=key).json()["hidden"] is False
    assert call(manager, "POST", "/api/moderation/unhide", json=key).status_code == 409
    assert viewer.client.get("/api/mentions/x/hostile-script").json()["hidden"] is None


def test_audit_log_is_for_managers_and_exports_as_csv(
    team: dict[Role, Signed], inbox_world: World
) -> None:
    manager = team[Role.MANAGER]
    call(
        manager,
        "POST",
        "/api/moderation/hide",
        json={"platform": "x", "native_id": "hostile-formula", "reason": "spam", "note": "=1+1"},
    )
    for role in (Role.AGENT, Role.VIEWER):
        assert team[role].client.get("/api/audit").status_code == 403
        assert team[role].client.get("/api/audit.csv").status_code == 403
    page = manager.client.get("/api/audit", params={"limit": 1}).json()
    assert page["count"] == 1 and page["next_before"] == page["data"][0]["id"]
    exported = team[Role.ADMIN].client.get("/api/audit.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0] == ["id", "at", "actor", "action", "target", "details"]
    assert any(r[3] == "mention.hide" for r in rows[1:])
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)
    # the table refuses changes whoever asks
    db = sqlite3.connect(inbox_world.db)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("UPDATE audit_log SET actor = 'nobody'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("DELETE FROM audit_log")
    finally:
        db.close()


def test_inbox_lists_by_priority(team: dict[Role, Signed]) -> None:
    data = team[Role.VIEWER].client.get("/api/cases").json()["data"]
    done = [c["status"] in ("answered", "closed") for c in data]
    assert done == sorted(done)  # still to handle first
    todo = [c["priority"] for c in data if c["status"] not in ("answered", "closed")]
    assert todo == sorted(todo, reverse=True)
    mine = team[Role.AGENT].client.get("/api/cases?mine=true").json()["data"]
    assert mine and all(c["assignee"] == "agent" for c in mine)


def test_triage_opens_cases_by_the_rule_once(team: dict[Role, Signed]) -> None:
    agent = team[Role.AGENT]
    first = call(agent, "POST", "/api/cases/triage", json={"since": "2000-01-01"})
    assert first.status_code == 201, first.text
    opened = first.json()["data"]
    assert opened and {c["reason"] for c in opened} <= {"question", "complaint", "negative_reach"}
    assert "1006" not in {c["native_id"] for c in opened}  # "rien à voir": nothing to answer
    again = call(agent, "POST", "/api/cases/triage", json={"since": "2000-01-01"})
    assert again.json()["count"] == 0
    assert call(agent, "POST", "/api/cases/triage", json={"watch": "nope"}).status_code == 404
    assert call(agent, "POST", "/api/cases/triage", json={"since": "soon"}).status_code == 400
    assert (
        team[Role.VIEWER]
        .client.post("/api/cases/triage", json={}, headers={"x-csrf-token": team[Role.VIEWER].csrf})
        .status_code
        == 403
    )


def test_ids_out_of_range_are_400s(team: dict[Role, Signed]) -> None:
    viewer = team[Role.VIEWER].client
    assert viewer.get(f"/api/cases/{2**70}").status_code == 400
    assert viewer.get("/api/cases/0").status_code == 400
    assert team[Role.MANAGER].client.get(f"/api/audit?before={2**70}").status_code == 400
    assert viewer.get(f"/cases/{2**70}").status_code == 400


def test_triage_leaves_posts_only_about_a_competitor_or_a_topic(tmp_path: Any) -> None:
    from tests.factories import mention
    from tocsin.api.routes.inbox import triage_recent
    from tocsin.domain import Watch, WatchKind
    from tocsin.engine.pipeline import Pipeline
    from tocsin.store.sqlite import SQLiteStore

    store = SQLiteStore(tmp_path / "t.db")
    store.migrate()
    watches = [
        Watch("acme", "acme"),
        Watch("rival", "rival", kind=WatchKind.COMPETITOR),
        Watch("coffee", "coffee", kind=WatchKind.TOPIC),
    ]
    for w in watches:
        store.put_watch(w)
    posts = [
        mention(1, "has anyone tried the new rival app?"),
        mention(2, "best coffee in town?"),
        mention(3, "acme or rival, which coffee?"),  # ours too: we answer
        mention(4, "is acme open on sunday?"),
    ]
    store.write(Pipeline(store.list_watches()).process(posts))
    opened = triage_recent(store, "cm", "2000-01-01", None, 100)
    assert sorted(c.native_id for c in opened) == ["1003", "1004"]
    store.close()
