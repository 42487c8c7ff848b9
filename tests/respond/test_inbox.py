"""Cases, replies, moderation and the audit log over a real (in-memory) store."""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import mention
from tocsin.domain import Author, Metrics
from tocsin.engine.pipeline import Pipeline
from tocsin.respond import Conflict, NotFound, audit, cases, moderation, replies
from tocsin.respond.rules import Status, playbook_warnings
from tocsin.store.sqlite import SQLiteStore

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _uid(store: SQLiteStore, name: str) -> int:
    return int(store.db.execute("SELECT id FROM users WHERE username = ?", (name,)).fetchone()[0])


def _open(store: SQLiteStore, n: int = 1, **kw: object) -> cases.Case:
    m = mention(n, **kw)  # type: ignore[arg-type]
    return cases.open_case(store.db, m, "manager", now=NOW)


def _actions(store: SQLiteStore) -> list[str]:
    return [e.action for e in reversed(audit.entries(store.db, limit=1000))]


# -- audit ------------------------------------------------------------------------------------


def test_audit_log_refuses_update_and_delete(store: SQLiteStore) -> None:
    entry_id = audit.record(store.db, "admin", "test.action", "thing:1", {"a": 1})
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.db.execute("UPDATE audit_log SET actor = 'someone else' WHERE id = ?", (entry_id,))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.db.execute("DELETE FROM audit_log")
    [entry] = audit.entries(store.db)
    assert (entry.actor, entry.action, entry.target, entry.details) == (
        "admin",
        "test.action",
        "thing:1",
        {"a": 1},
    )
    assert not hasattr(audit, "delete") and not hasattr(audit, "update")


def test_audit_csv_is_formula_safe(store: SQLiteStore) -> None:
    audit.record(store.db, "=cmd|' /C calc'!A0", "x", "+1", {"note": "@SUM(1)"})
    rows = list(csv.reader(io.StringIO(audit.csv_text(audit.entries(store.db)))))
    assert rows[0] == list(audit.CSV_COLUMNS)
    assert rows[1][2].startswith("'=") and rows[1][4].startswith("'+")


def test_audit_pages_newest_first(store: SQLiteStore) -> None:
    ids = [audit.record(store.db, "a", "x", f"t:{i}") for i in range(5)]
    first = audit.entries(store.db, limit=2)
    assert [e.id for e in first] == ids[:-3:-1]
    second = audit.entries(store.db, limit=2, before_id=first[-1].id)
    assert [e.id for e in second] == [ids[2], ids[1]]
    assert [e.target for e in audit.entries(store.db, target="t:0")] == ["t:0"]


# -- cases ------------------------------------------------------------------------------------


def test_open_case_once_per_mention_and_audited(store: SQLiteStore) -> None:
    case = _open(store, 1)
    assert case.status is Status.NEW
    assert case.due_at - case.opened_at == timedelta(hours=24)
    with pytest.raises(Conflict):
        _open(store, 1)
    assert _actions(store) == ["case.open"]


def test_triage_opens_cases_for_what_needs_an_answer(store: SQLiteStore) -> None:
    posts = [
        mention(1, text="Remboursez-moi !"),
        mention(2, text="Super café"),
        mention(3, text="Vous ouvrez quand ?"),
    ]
    opened = cases.triage(store.db, posts, now=NOW)
    assert [(c.native_id, c.reason) for c in opened] == [
        ("1001", "complaint"),
        ("1003", "question"),
    ]
    assert cases.triage(store.db, posts, now=NOW) == []  # idempotent


def test_inbox_is_sorted_by_priority(store: SQLiteStore) -> None:
    low = _open(store, 1, author=Author("x", "a", "a", "A", 10, False))
    high = _open(store, 2, author=Author("x", "b", "b", "B", 500_000, False))
    viral = _open(store, 3, metrics=Metrics(reposts=1_000), author=Author("x", "c", "c", "C", 10))
    order = [c.id for c in cases.list_cases(store.db, NOW)]
    assert order == [high.id, viral.id, low.id]
    cases.transition(store.db, viral.id, "closed", "manager", now=NOW)
    assert [c.id for c in cases.list_cases(store.db, NOW)] == [high.id, low.id]
    assert [c.id for c in cases.list_cases(store.db, NOW, statuses=(Status.CLOSED,))] == [viral.id]


def test_answered_cases_come_after_those_still_to_handle(store: SQLiteStore) -> None:
    big = _open(store, 1, author=Author("x", "b", "b", "B", 500_000, False))
    small = _open(store, 2, author=Author("x", "a", "a", "A", 10, False))
    cases.assign(store.db, big.id, _uid(store, "agent1"), "manager", now=NOW)
    cases.transition(store.db, big.id, "answered", "agent1", now=NOW)
    later = NOW + timedelta(days=3)
    assert [c.id for c in cases.list_cases(store.db, later)] == [small.id, big.id]
    answered = cases.get(store.db, big.id)
    assert answered.priority(later) == answered.priority(NOW)  # its clock stopped


def test_transitions_are_checked_and_audited(store: SQLiteStore) -> None:
    case = _open(store)
    with pytest.raises(Conflict):
        cases.transition(store.db, case.id, "answered", "agent1")  # new -> answered: no
    with pytest.raises(Conflict):
        cases.transition(store.db, case.id, "assigned", "agent1")  # needs an assignee
    case = cases.assign(store.db, case.id, _uid(store, "agent1"), "manager")
    assert (case.status, case.assignee) == (Status.ASSIGNED, "agent1")
    case = cases.transition(store.db, case.id, "waiting", "agent1")
    case = cases.transition(store.db, case.id, "answered", "agent1")
    case = cases.transition(store.db, case.id, "closed", "agent1")
    case = cases.transition(store.db, case.id, "assigned", "agent1")  # reopened
    assert case.status is Status.ASSIGNED
    with pytest.raises(Conflict):
        cases.transition(store.db, case.id, "assigned", "agent1")
    with pytest.raises(NotFound):
        cases.transition(store.db, 999, "closed", "agent1")
    assert _actions(store) == ["case.open", "case.assign"] + ["case.status"] * 4


def test_assignment_refuses_viewers_and_inactive_users(store: SQLiteStore) -> None:
    case = _open(store)
    with pytest.raises(Conflict):
        cases.assign(store.db, case.id, _uid(store, "viewer"), "manager")
    store.db.execute("UPDATE users SET active = 0 WHERE username = 'agent2'")
    with pytest.raises(NotFound):
        cases.assign(store.db, case.id, _uid(store, "agent2"), "manager")


def test_round_robin_cycles_through_active_agents(store: SQLiteStore) -> None:
    got = [
        cases.assign_round_robin(store.db, _open(store, n).id, "manager").assignee for n in range(4)
    ]
    assert got == ["agent1", "agent2", "agent1", "agent2"]
    store.db.execute("UPDATE users SET active = 0 WHERE username = 'agent1'")
    assert cases.assign_round_robin(store.db, _open(store, 9).id, "manager").assignee == "agent2"
    store.db.execute("UPDATE users SET active = 0 WHERE role = 'agent'")
    with pytest.raises(NotFound):
        cases.assign_round_robin(store.db, _open(store, 10).id, "manager")
    details = [e.details for e in audit.entries(store.db) if e.action == "case.assign"]
    assert {d["how"] for d in details} == {"round-robin"}


def test_escalation_needs_a_named_role_and_a_reason(store: SQLiteStore) -> None:
    case = _open(store)
    with pytest.raises(Conflict):
        cases.escalate(store.db, case.id, "pr", "   ", "manager")
    with pytest.raises(ValueError):
        cases.escalate(store.db, case.id, "ceo", "why not", "manager")
    case = cases.escalate(store.db, case.id, "legal", "threat of a lawsuit", "manager")
    assert (case.status, case.escalated_to, case.escalation_reason) == (
        Status.ESCALATED,
        "legal",
        "threat of a lawsuit",
    )
    with pytest.raises(Conflict):
        cases.transition(store.db, case.id, "escalated", "manager")
    assert audit.entries(store.db)[0].details["role"] == "legal"


def test_notes_are_internal_and_audited(store: SQLiteStore) -> None:
    case = _open(store)
    cases.add_note(store.db, case.id, "client fidèle depuis 2019", "agent1")
    with pytest.raises(Conflict):
        cases.add_note(store.db, case.id, "  ", "agent1")
    assert [n.body for n in cases.notes(store.db, case.id)] == ["client fidèle depuis 2019"]
    assert _actions(store)[-1] == "case.note"


def test_sla_of_a_case(store: SQLiteStore) -> None:
    case = _open(store)
    assert case.sla(NOW) == "ok"
    assert case.sla(NOW + timedelta(hours=20)) == "warning"
    assert case.sla(NOW + timedelta(hours=25)) == "breached"


def test_a_failed_action_leaves_no_trace(store: SQLiteStore) -> None:
    case = _open(store)
    before = _actions(store)
    store.db.execute(
        "CREATE TRIGGER fail_notes BEFORE INSERT ON audit_log WHEN NEW.action = 'case.note' "
        "BEGIN SELECT RAISE(ABORT, 'boom'); END"
    )
    with pytest.raises(sqlite3.IntegrityError):
        cases.add_note(store.db, case.id, "lost", "agent1")
    assert cases.notes(store.db, case.id) == []
    assert _actions(store) == before


# -- replies ----------------------------------------------------------------------------------


def test_reply_from_a_template_needs_approval_for_agents(store: SQLiteStore) -> None:
    case = cases.assign(store.db, _open(store).id, _uid(store, "agent1"), "manager")
    reply = replies.draft(
        store.db, case.id, "agent1", lang="fr", template_key="acknowledge", handle="client"
    )
    assert reply.status == "draft"
    assert "@client" in reply.body and "message privé" in reply.body
    assert reply.warnings == []
    with pytest.raises(Conflict, match="approval"):
        replies.send(store.db, reply.id, "agent1", may_approve=False)
    reply = replies.approve(store.db, reply.id, "manager")
    assert (reply.status, reply.approved_by) == ("approved", "manager")
    reply = replies.send(store.db, reply.id, "agent1", may_approve=False)
    assert reply.status == "sent" and reply.sent_at is not None
    assert cases.get(store.db, case.id).status is Status.ANSWERED
    with pytest.raises(Conflict):
        replies.send(store.db, reply.id, "agent1", may_approve=True)
    with pytest.raises(Conflict):
        replies.edit(store.db, reply.id, "changed", "agent1")
    assert _actions(store)[-4:] == ["reply.draft", "reply.approve", "reply.send", "case.status"]


def test_managers_send_directly_and_edits_void_approval(store: SQLiteStore) -> None:
    case = cases.assign(store.db, _open(store).id, _uid(store, "agent1"), "manager")
    reply = replies.draft(store.db, case.id, "agent1", lang="en", body="Sorry! Please DM us.")
    reply = replies.approve(store.db, reply.id, "manager")
    reply = replies.edit(store.db, reply.id, "We will refund you", "agent1")
    assert (reply.status, reply.approved_by) == ("draft", None)
    assert reply.warnings == ["compensation", "no_private_channel"]
    reply = replies.send(store.db, reply.id, "manager", may_approve=True)
    assert (reply.status, reply.approved_by) == ("sent", "manager")


def test_a_new_case_cannot_be_answered_and_a_closed_one_takes_no_draft(
    store: SQLiteStore,
) -> None:
    case = _open(store)
    reply = replies.draft(store.db, case.id, "manager", lang="en", body="Hi, DM us")
    with pytest.raises(Conflict):
        replies.send(store.db, reply.id, "manager", may_approve=True)  # new -> answered: no
    cases.transition(store.db, case.id, "closed", "manager")
    with pytest.raises(Conflict):
        replies.draft(store.db, case.id, "manager", lang="en", body="late")


def test_templates_are_editable_and_checked(store: SQLiteStore) -> None:
    keys = {(t.key, t.lang) for t in replies.templates(store.db)}
    assert ("acknowledge", "fr") in keys and ("follow_up", "en") in keys
    t = replies.set_template(
        store.db, "acknowledge", "en", "Hi @{handle}, DM us. {agent}", "manager"
    )
    assert t.edited
    assert replies.render(t.body, handle="h", agent="a") == "Hi @h, DM us. a"
    assert replies.render(t.body, handle="\u202eailefac", agent="a") == "Hi @ailefac, DM us. a"
    for bad in (
        "{password}",
        "{handle",
        "{0}",
        "{handle.__class__}",
        "{handle:>999999999}",
        "{handle!r}",
        "",
    ):
        with pytest.raises(Conflict):
            replies.set_template(store.db, "acknowledge", "en", bad, "manager")
    with pytest.raises(Conflict):
        replies.set_template(store.db, "acknowledge", "de", "Hallo", "manager")
    with pytest.raises(NotFound):
        replies.template(store.db, "nope", "fr")


def test_default_templates_follow_the_playbook() -> None:
    for body in replies.DEFAULT_TEMPLATES.values():
        assert replies.render(body, handle="h", agent="a")
        assert playbook_warnings(body) == []


# -- moderation -------------------------------------------------------------------------------


def _stored(store: SQLiteStore, n: int, text: str) -> tuple[str, str]:
    m = mention(n, text=text)
    store.write(Pipeline([]).process([m]))
    return m.platform, m.native_id


def test_hide_needs_a_code_of_conduct_reason(store: SQLiteStore) -> None:
    key = _stored(store, 1, "t'es qu'un idiot")
    for reason in ("criticism", "negative", "", "INSULT"):
        with pytest.raises(Conflict, match="criticism is not one"):
            moderation.hide(store.db, *key, reason, "manager")
    decision = moderation.hide(store.db, *key, "insult", "manager", note="insulte directe")
    assert decision.hidden and decision.reason == "insult"
    assert moderation.hidden_among(store.db, [key, ("x", "nope")]) == {key: decision}
    decision = moderation.unhide(store.db, *key, "admin")
    assert not decision.hidden
    assert moderation.hidden_among(store.db, [key]) == {}
    with pytest.raises(Conflict):
        moderation.unhide(store.db, *key, "admin")
    with pytest.raises(NotFound):
        moderation.hide(store.db, "x", "nope", "spam", "manager")
    assert store.get_mention(*key) is not None  # never deleted
    assert _actions(store) == ["mention.hide", "mention.unhide"]
