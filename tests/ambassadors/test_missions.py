"""Missions proved by the generated conversation: only a matching, disclosed post of an
enrolled ambassador inside the window counts; points, badges and audit entries follow."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.ambassadors.conversation import (
    BRAND_POST,
    OTHER_THREAD,
    T0,
    THREAD_REPLY,
    author,
    post,
    write,
)
from tocsin.ambassadors import Ambassador, check_missions, enrolment, experiences, missions, points
from tocsin.ambassadors.missions import Mission
from tocsin.respond import audit
from tocsin.respond.errors import Conflict
from tocsin.store.sqlite import SQLiteStore

DEADLINE = T0 + timedelta(days=2)
NOW = T0 + timedelta(days=3)
CONSENT = "J'accepte de participer au programme ambassadeurs de Cafélia (v3)…"


def enrolled(
    store: SQLiteStore, n: int, *, country: str = "FR", show_name: bool = False, name: str = ""
) -> Ambassador:
    a = enrolment.invite(
        store.db, "x", f"u{n}", "manager", country=country, display_name=name, now=T0
    )
    return enrolment.enrol(
        store.db, a.id, CONSENT, "v3", "manager", show_name=show_name, now=T0 + timedelta(hours=1)
    )


def share_mission(store: SQLiteStore, points_: int = 10) -> Mission:
    return missions.add(
        store.db,
        "share",
        "manager",
        title="Relay the launch",
        instructions="Quote the launch post with your own words and #partenariat.",
        watch_id="cafelia",
        target=("x", BRAND_POST),
        deadline=DEADLINE,
        points=points_,
        starts_at=T0,
        now=T0,
    )


def ids(items: list[missions.Completion]) -> set[int]:
    return {c.ambassador_id for c in items}


def test_only_a_matching_disclosed_post_counts(store: SQLiteStore) -> None:
    good, bare, offtopic, late, quitter = (enrolled(store, n) for n in (201, 202, 203, 204, 205))
    invited_only = enrolment.invite(store.db, "x", "u206", "manager", country="FR", now=T0)
    m = share_mission(store)
    at = T0 + timedelta(hours=5)
    write(
        store,
        [
            post(author(201), "Je l'ai goûtée : top. #partenariat", at, quote_of=BRAND_POST),
            post(author(202), "Je l'ai goûtée : top.", at, quote_of=BRAND_POST),
            post(author(203), "Mon vélo est génial #ad", at),
            post(author(203), "#ad réponse", at, reply_to=OTHER_THREAD),
            post(
                author(204), "Trop tard #ad", DEADLINE + timedelta(minutes=1), quote_of=BRAND_POST
            ),
            post(author(205), "Je quitte #ad", at, quote_of=BRAND_POST),
            post(author(206), "Pas inscrit #ad", at, quote_of=BRAND_POST),
        ],
    )
    enrolment.opt_out(store.db, quitter.id, "manager", now=T0 + timedelta(hours=6))

    r = check_missions(store, NOW)
    assert ids(r.counted) == {good.id}
    assert ids(r.flagged) == {bare.id}
    flagged = r.flagged[0]
    assert "no disclosure" in flagged.reason and not flagged.counted
    assert r.counted[0].disclosure == "#partenariat"
    assert r.counted[0].text == "Je l'ai goûtée : top. #partenariat"
    balances = {a.id: points.balance(store.db, a.id) for a in (good, bare, offtopic, late, quitter)}
    assert balances == {good.id: 10, bare.id: 0, offtopic.id: 0, late.id: 0, quitter.id: 0}
    assert points.balance(store.db, invited_only.id) == 0
    recorded = missions.completions(store.db, mission_id=m.id)
    assert [(c.ambassador_id, c.counted) for c in recorded] == [(good.id, True), (bare.id, False)]
    assert r.badges == [(good.id, "first-mission"), (good.id, "relay")]

    actions = [e.action for e in audit.entries(store.db, target=m.target)]
    assert sorted(actions) == ["mission.add", "mission.complete", "mission.flag"]

    # Idempotent: nothing new, nothing written.
    before = len(audit.entries(store.db, limit=10_000))
    again = check_missions(store, NOW + timedelta(hours=1))
    assert again.counted == again.flagged == again.badges == []
    assert len(audit.entries(store.db, limit=10_000)) == before
    assert points.balance(store.db, good.id) == 10


def test_a_flagged_ambassador_counts_with_a_later_disclosed_post(store: SQLiteStore) -> None:
    a = enrolled(store, 210)
    share_mission(store)
    write(store, [post(author(210), "Top !", T0 + timedelta(hours=2), quote_of=BRAND_POST)])
    assert ids(check_missions(store, T0 + timedelta(hours=3)).flagged) == {a.id}
    write(store, [post(author(210), "Top ! #ad", T0 + timedelta(hours=4), quote_of=BRAND_POST)])
    r = check_missions(store, NOW)
    assert ids(r.counted) == {a.id} and r.flagged == []
    # A second disclosed post for the same mission earns nothing more.
    write(store, [post(author(210), "Encore #ad", T0 + timedelta(hours=5), quote_of=BRAND_POST)])
    assert check_missions(store, NOW).counted == []
    assert points.balance(store.db, a.id) == 10


def test_posts_before_enrolment_do_not_count(store: SQLiteStore) -> None:
    share_mission(store)
    write(store, [post(author(211), "#ad top", T0 + timedelta(minutes=30), quote_of=BRAND_POST)])
    a = enrolled(store, 211)  # enrolled at T0 + 1h, after the post
    assert check_missions(store, NOW).counted == []
    assert points.balance(store.db, a.id) == 0


def test_answer_in_the_thread(store: SQLiteStore) -> None:
    helper, lost = enrolled(store, 220), enrolled(store, 221)
    m = missions.add(
        store.db, "answer", "manager", title="Help in the launch thread",
        instructions="Answer questions under the launch post; say #ad.", watch_id="cafelia",
        target=("x", BRAND_POST), deadline=DEADLINE, points=15, starts_at=T0, now=T0,
    )  # fmt: skip
    at = T0 + timedelta(hours=3)
    write(
        store,
        [
            post(author(220), "Elle se trouve en magasin #ad", at, reply_to=THREAD_REPLY),
            post(author(221), "Elle se trouve en magasin #ad", at, reply_to=OTHER_THREAD),
        ],
    )
    r = check_missions(store, NOW)
    assert ids(r.counted) == {helper.id} and r.flagged == []
    assert r.counted[0].reason == "reply in the target thread"
    assert points.balance(store.db, helper.id) == 15 and points.balance(store.db, lost.id) == 0
    assert m.id == r.counted[0].mission_id


def test_experience_is_published_unedited_with_its_disclosure(store: SQLiteStore) -> None:
    named, anonymous = enrolled(store, 230, show_name=True, name="Zoé"), enrolled(store, 231)
    missions.add(
        store.db, "experience", "manager", title="Tell us", instructions="Your first cup, #ad.",
        watch_id="cafelia", deadline=DEADLINE, points=20, starts_at=T0, now=T0,
    )  # fmt: skip
    text1 = "Ma 1ʳᵉ tasse Cafélia : <b>divine</b> ☕ — Partenariat rémunéré"
    text2 = "Cafélia, franchement bof. #pub"
    write(
        store,
        [
            post(author(230, "Zoé"), text1, T0 + timedelta(hours=2), url="https://x.com/z/1"),
            post(author(231), text2, T0 + timedelta(hours=3)),
            post(author(231), "Mon vélo #ad", T0 + timedelta(hours=1)),  # not on the watch
        ],
    )
    r = check_missions(store, NOW)
    assert ids(r.counted) == {named.id, anonymous.id}
    got = [(x.text, x.disclosure, x.author, x.url) for x in experiences.published(store.db)]
    assert got == [
        (text2, "#pub", None, None),
        (text1, "partenariat remunere", "Zoé", "https://x.com/z/1"),
    ]
    page = experiences.html_page(experiences.published(store.db))
    assert "&lt;b&gt;divine&lt;/b&gt;" in page and "<b>" not in page
    enrolment.opt_out(store.db, named.id, "manager", now=NOW)
    assert [x.text for x in experiences.published(store.db)] == [text2]


def test_excluded_country(store: SQLiteStore) -> None:
    enrolment.exclude_country(store.db, "de", "no programme under local rules", "admin", now=T0)
    with pytest.raises(Conflict, match="does not run in DE: no programme under local rules"):
        enrolment.invite(store.db, "x", "u240", "manager", country="DE", now=T0)
    assert enrolment.find(store.db, "x", "u240") is None
    fr = enrolled(store, 241, country="FR")
    share_mission(store)
    write(store, [post(author(241), "#ad top", T0 + timedelta(hours=2), quote_of=BRAND_POST)])
    enrolment.exclude_country(store.db, "FR", "paused", "admin", now=T0 + timedelta(hours=3))
    assert check_missions(store, NOW).counted == []  # the programme stopped there
    assert points.balance(store.db, fr.id) == 0
    enrolment.allow_country(store.db, "FR", "admin", now=NOW)
    assert ids(check_missions(store, NOW).counted) == {fr.id}
    actions = [e.action for e in audit.entries(store.db, target="country:FR")]
    assert actions == ["ambassadors.allow_country", "ambassadors.exclude_country"]


def test_leaderboard_streaks_and_points(store: SQLiteStore) -> None:
    a, b, c = (
        enrolled(store, 250, show_name=True, name="Ana"),
        enrolled(store, 251),
        enrolled(store, 252),
    )
    week = timedelta(weeks=1)
    for k in range(3):  # one share mission a week, three weeks
        start = T0 + k * week
        missions.add(
            store.db, "share", "manager", title=f"week {k}", instructions="share #moments, #ad",
            watch_id="cafelia", hashtag="#Moments", deadline=start + timedelta(days=5),
            points=10 * (k + 1), starts_at=start, now=start,
        )  # fmt: skip
    at = [T0 + k * week + timedelta(hours=2) for k in range(3)]
    posts = [post(author(250), f"#moments semaine {k} #ad", at[k]) for k in range(3)]
    posts.append(post(author(251), "#moments #ad", T0 + 2 * week + timedelta(hours=1)))
    posts.append(post(author(251), "#moments #ad", T0 + 1 * week + timedelta(hours=1)))
    write(store, posts)
    now = T0 + 2 * week + timedelta(days=1)
    for k in range(3):  # run weekly: a mission is checked until LAG after its deadline
        check_missions(store, T0 + k * week + timedelta(days=1))
    assert points.balance(store.db, a.id) == 10 + 20 + 30
    assert points.balance(store.db, b.id) == 20 + 30
    assert points.streak(store.db, a.id, now) == 3 and points.streak(store.db, b.id, now) == 2
    assert set(points.badges(store.db, a.id)) == {"first-mission", "relay", "streak-3"}
    board = points.leaderboard(store.db, now)
    assert [(s.rank, s.name, s.points, s.missions, s.streak) for s in board] == [
        (1, "Ana", 60, 3, 3),
        (2, f"ambassador #{b.id}", 50, 2, 2),
        (3, f"ambassador #{c.id}", 0, 0, 0),
    ]
    recent = points.leaderboard(store.db, now, since=T0 + 2 * week)
    assert [(s.ambassador_id, s.points) for s in recent][:2] == [(b.id, 30), (a.id, 30)]


def test_experience_on_the_query_before_a_rematch_and_within_its_restrictions(
    store: SQLiteStore,
) -> None:
    from tocsin.domain import Watch
    from tocsin.query import normalise
    from tocsin.store.base import MatchedMention

    store.put_watch(Watch("cafelia-en", "cafelia", languages=("en",)))
    fr, en = enrolled(store, 260), enrolled(store, 261)
    mission = {
        wid: missions.add(
            store.db, "experience", "manager", title=wid, instructions="#ad",
            watch_id=wid, deadline=DEADLINE, points=7, starts_at=T0, now=T0,
        ).id
        for wid in ("cafelia", "cafelia-en")
    }  # fmt: skip
    at = T0 + timedelta(hours=2)
    posts = [
        post(author(260), "Cafélia au petit-déj #ad", at),  # language fr
        post(author(261), "Cafelia for breakfast #ad", at, language="en"),
    ]
    # Stored without watch memberships, as before a `tocsin watch rematch`.
    store.write([MatchedMention(m, normalise(m.text), ()) for m in posts])
    r = check_missions(store, NOW)
    got = sorted((c.ambassador_id, c.mission_id) for c in r.counted)
    # The French post is not on the English-only watch.
    assert got == [(fr.id, mission["cafelia"]), (en.id, mission["cafelia"]),
                   (en.id, mission["cafelia-en"])]  # fmt: skip


def test_missions_are_checked_until_a_week_after_their_deadline(store: SQLiteStore) -> None:
    a = enrolled(store, 270)
    share_mission(store)
    write(store, [post(author(270), "#ad top", T0 + timedelta(hours=2), quote_of=BRAND_POST)])
    assert check_missions(store, DEADLINE + timedelta(days=8)).missions == 0
    assert points.balance(store.db, a.id) == 0
    assert ids(check_missions(store, DEADLINE + timedelta(days=6)).counted) == {a.id}


def test_assigned_closed_and_incident_missions(store: SQLiteStore) -> None:
    chosen, other = enrolled(store, 280), enrolled(store, 281)
    store.db.execute(
        "INSERT INTO incidents (id, watch_id, story, status, onset, opened_at, last_signal_at, "
        "severity, peak_severity, alerted_severity, kinds, signal_count, buckets, max_score, "
        "updated_at) VALUES ('cafelia-1', 'cafelia', '', 'open', 0, 0, 0, 5, 5, 5, '[]', 1, 1, "
        "1.0, 0)"
    )
    m = missions.add(
        store.db, "share", "manager", title="Calm it down", instructions="Quote it, #ad",
        incident_id="cafelia-1", target=("x", BRAND_POST), deadline=DEADLINE, points=5,
        starts_at=T0, assignees=[chosen.id], now=T0,
    )  # fmt: skip
    assert (m.watch_id, m.incident_id, m.assignees) == ("cafelia", "cafelia-1", (chosen.id,))
    closed = share_mission(store)
    missions.close(store.db, closed.id, "manager", now=T0)
    at = T0 + timedelta(hours=2)
    write(
        store,
        [
            post(author(280), "Voilà #ad", at, quote_of=BRAND_POST),
            post(author(281), "Voilà #ad", at, quote_of=BRAND_POST),
        ],
    )
    r = check_missions(store, NOW)
    assert [(c.ambassador_id, c.mission_id) for c in r.counted] == [(chosen.id, m.id)]
    assert points.balance(store.db, other.id) == 0
    with pytest.raises(Conflict, match="closed already"):
        missions.close(store.db, closed.id, "manager")


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"kind": "boast"}, "one of share, answer, experience"),
        ({"watch_id": None}, "tied to a campaign"),
        ({"kind": "answer", "target": None}, "thread"),
        ({"target": None}, "post to share, a link or a hashtag"),
        ({"deadline": T0}, "after the start"),
        ({"points": -1}, "between 0 and"),
        ({"title": " "}, "title"),
    ],
)
def test_invalid_missions_are_refused(
    store: SQLiteStore, kw: dict[str, object], message: str
) -> None:
    args: dict[str, object] = {
        "kind": "share", "title": "t", "instructions": "i", "watch_id": "cafelia",
        "target": ("x", BRAND_POST), "deadline": DEADLINE, "points": 1, "starts_at": T0,
    }  # fmt: skip
    args.update(kw)
    kind = args.pop("kind")
    with pytest.raises(Conflict, match=message):
        missions.add(store.db, kind, "manager", **args)  # type: ignore[arg-type]
    assert missions.list_missions(store.db) == []


def test_the_page_escapes_everything_and_links_only_http() -> None:
    from dataclasses import replace
    from datetime import UTC, datetime

    from tocsin.ambassadors.experiences import PublishedExperience, html_page

    item = PublishedExperience(
        1, 1, "x<y", '<script>alert(1)</script> "q" #ad', "#ad", "<b>Zoé</b>",
        "javascript:alert(1)", datetime(2026, 11, 2, tzinfo=UTC),
    )  # fmt: skip
    page = html_page([item], title="<title>")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;Zoé&lt;/b&gt;" in page and "x&lt;y" in page and "javascript:" not in page
    assert "<h1>&lt;title&gt;</h1>" in page
    linked = html_page([replace(item, url="https://x.com/a?b=1&c=2")])
    assert 'href="https://x.com/a?b=1&amp;c=2"' in linked
