"""Opt-in enrolment: invitation, consent recorded word for word, opt-out, erasure, audit."""

from __future__ import annotations

from datetime import timedelta

import orjson
import pytest

from tests.ambassadors.conversation import BRAND_POST, T0, author, post, write
from tests.ambassadors.test_missions import CONSENT, NOW, enrolled, share_mission
from tocsin.ambassadors import Status, check_missions, enrolment, experiences, missions, points
from tocsin.respond import audit
from tocsin.respond.errors import Conflict, NotFound
from tocsin.store.sqlite import SQLiteStore


def test_consent_is_recorded_with_its_text_and_version(store: SQLiteStore) -> None:
    a = enrolment.invite(store.db, "X", " u300 ", "manager", country="fr", handle="@zoe", now=T0)
    assert (a.platform, a.author_id, a.handle, a.country, a.status) == (
        "x", "u300", "zoe", "FR", Status.INVITED,
    )  # fmt: skip
    with pytest.raises(Conflict, match="text"):
        enrolment.enrol(store.db, a.id, "  ", "v3", "manager")
    with pytest.raises(Conflict, match="version"):
        enrolment.enrol(store.db, a.id, CONSENT, "", "manager")
    at = T0 + timedelta(hours=1)
    a = enrolment.enrol(store.db, a.id, CONSENT, "v3", "agent1", show_name=True, now=at)
    assert a.status is Status.ENROLLED and a.enrolled_at == at and a.public_name == "@zoe"
    [c] = enrolment.consents(store.db, a.id)
    assert (c.text, c.version, c.show_name, c.given_at, c.recorded_by, c.withdrawn_at) == (
        CONSENT, "v3", True, at, "agent1", None,
    )  # fmt: skip
    with pytest.raises(Conflict, match="enrolled already"):
        enrolment.enrol(store.db, a.id, CONSENT, "v3", "manager")
    with pytest.raises(Conflict, match="enrolled already"):
        enrolment.invite(store.db, "x", "u300", "manager", country="FR")

    out = enrolment.opt_out(store.db, a.id, "manager", now=NOW)
    assert out.status is Status.OPTED_OUT and out.public_name is None
    assert enrolment.consents(store.db, a.id)[0].withdrawn_at == NOW
    entries = audit.entries(store.db, target=a.target)
    assert [e.action for e in entries] == [
        "ambassador.opt_out",
        "ambassador.enrol",
        "ambassador.invite",
    ]
    assert entries[1].actor == "agent1" and entries[1].details["version"] == "v3"
    # Invited again after opting out: consent must be given again.
    again = enrolment.invite(store.db, "x", "u300", "manager", country="FR", now=NOW)
    assert again.id == a.id and again.status is Status.INVITED and not again.show_name


def test_enrolment_is_opt_in_only(store: SQLiteStore) -> None:
    with pytest.raises(NotFound):
        enrolment.enrol(store.db, 999, CONSENT, "v3", "manager")
    a = enrolled(store, 301)
    enrolment.opt_out(store.db, a.id, "manager", now=NOW)
    with pytest.raises(Conflict, match="opt-in"):
        enrolment.enrol(store.db, a.id, CONSENT, "v3", "manager")
    with pytest.raises(Conflict, match="opted out already"):
        enrolment.opt_out(store.db, a.id, "manager")


def test_invitation_takes_the_stored_profile(store: SQLiteStore) -> None:
    write(store, [post(author(302, "Léa"), "bonjour", T0)])
    a = enrolment.invite(store.db, "x", "u302", "manager", country="BE", now=T0)
    assert (a.handle, a.display_name) == ("user302", "Léa")


def test_opted_out_ambassador_stops_everything(store: SQLiteStore) -> None:
    a = enrolled(store, 303)
    share_mission(store)
    write(store, [post(author(303), "#ad top", T0 + timedelta(hours=2), quote_of=BRAND_POST)])
    enrolment.opt_out(store.db, a.id, "manager", now=T0 + timedelta(hours=3))
    assert check_missions(store, NOW).counted == []
    assert points.leaderboard(store.db, NOW) == []
    with pytest.raises(Conflict, match="not enrolled"):
        missions.add(
            store.db, "share", "manager", title="t", instructions="i", watch_id="cafelia",
            hashtag="x", deadline=NOW, points=1, starts_at=T0, assignees=[a.id], now=T0,
        )  # fmt: skip


def test_erasure_keeps_history_without_personal_fields(store: SQLiteStore) -> None:
    a = enrolled(store, 304, show_name=True)
    missions.add(
        store.db, "experience", "manager", title="Tell us", instructions="#ad",
        watch_id="cafelia", deadline=NOW, points=5, starts_at=T0, now=T0,
    )  # fmt: skip
    secret = "Cafélia chez moi à Lyon, rue X #ad"
    proof = post(author(304), secret, T0 + timedelta(hours=2), url="https://x.com/u/1")
    write(store, [proof])
    assert len(check_missions(store, NOW).counted) == 1
    erased = enrolment.erase(store.db, a.id, "admin", now=NOW)
    assert erased.status is Status.OPTED_OUT and erased.erased_at == NOW
    assert (erased.author_id, erased.handle, erased.display_name) == (f"erased:{a.id}", "", "")
    [c] = missions.completions(store.db, ambassador_id=a.id)
    assert c.counted and c.text == "" and c.url is None and c.native_id.startswith("erased:")
    assert points.balance(store.db, a.id) == 5  # the ledger holds no personal data: it stays
    assert experiences.published(store.db) == []
    log = orjson.dumps([e.details for e in audit.entries(store.db, limit=1000)]).decode()
    assert "Lyon" not in log and "u304" not in log and proof.native_id not in log
    with pytest.raises(Conflict, match="erased already"):
        enrolment.erase(store.db, a.id, "admin")
    assert enrolment.erase_author(store.db, "x", "u304", "admin") is None  # the id is gone


def test_erase_by_author(store: SQLiteStore) -> None:
    a = enrolled(store, 305)
    erased = enrolment.erase_author(store.db, "x", "u305", "admin", now=NOW)
    assert erased is not None and erased.id == a.id and erased.erased_at == NOW


def test_enrolment_is_refused_once_the_country_is_excluded(store: SQLiteStore) -> None:
    a = enrolment.invite(store.db, "x", "u306", "manager", country="BE", now=T0)
    enrolment.exclude_country(store.db, "BE", "paused", "admin", now=T0)
    with pytest.raises(Conflict, match="does not run in BE: paused"):
        enrolment.enrol(store.db, a.id, CONSENT, "v3", "manager")
    assert enrolment.get(store.db, a.id).status is Status.INVITED
    assert enrolment.consents(store.db, a.id) == []
    with pytest.raises(Conflict, match="not excluded"):
        enrolment.allow_country(store.db, "FR", "admin")


def test_posts_stored_before_the_enrolment_but_dated_after_it_are_listed(
    store: SQLiteStore,
) -> None:
    who = author(301)
    early = post(who, "avant", T0 - timedelta(hours=1))
    late = post(who, "après", T0 + timedelta(minutes=5))  # stored first, dated after (clocks)
    write(store, [early, late])
    a = enrolment.invite(store.db, "x", who.id, "manager", country="FR", now=T0)
    enrolment.enrol(store.db, a.id, CONSENT, "v3", "manager", now=T0)
    listed = store.db.execute(
        "SELECT m.native_id FROM ambassador_posts p JOIN mentions m ON m.id = p.mention_id "
        "WHERE p.author_id = ?",
        (who.id,),
    ).fetchall()
    assert listed == [(late.native_id,)]  # the earlier one could never count anyway
