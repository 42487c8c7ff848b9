"""Who started and amplified an incident, and who can help: ranked, with reasons and advice."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from tests.people.stored import T0, conversation, store_with
from tocsin.domain import Author, Incident, Mention, Metrics, Sentiment
from tocsin.people.helpers import PLAYBOOK, who_can_help
from tocsin.people.incident_roles import IncidentRole, IncidentRoles, incident_roles
from tocsin.people.profiles import update_profiles
from tocsin.people.segments import SegmentMember
from tocsin.people.service import helpers_for_incident, identities
from tocsin.store.sqlite_incidents import SQLiteIncidents

INCIDENT = Incident(
    id="acme-20261102T1000",
    watch_id="acme",
    story="",
    status="open",
    onset=T0 + timedelta(hours=1),
    opened_at=T0 + timedelta(hours=2),
    last_signal_at=T0 + timedelta(days=2),
    severity=5,
    peak_severity=5,
)


def _key(author: Author) -> str:
    return author.id


def test_who_started_and_who_amplified() -> None:
    def post(n: int, who: str, minutes: int, label: str, **kw: object) -> Mention:
        return Mention(
            "x",
            str(n),
            Author("x", who, who, followers=100),
            f"post {n}",
            T0 + timedelta(minutes=minutes),
            raw=b"{}",
            sentiment=Sentiment(label, 0.9),
            **kw,  # type: ignore[arg-type]
        )

    posts = [
        post(1, "early-fan", 0, "positive", metrics=Metrics(reposts=500)),  # positive: not it
        post(2, "first", 3, "negative", metrics=Metrics(reposts=7)),
        post(3, "second", 9, "negative"),
        post(5, "quiet", 2, "negative"),  # earlier, but nobody picked it up
        post(4, "replier", 1, "negative", reply_to="2"),  # a reply does not start anything
        *(post(10 + i, f"rt{i}", 20 + i, "negative", repost_of="3") for i in range(4)),
        post(20, "rt-first", 30, "negative", repost_of="2"),
        *(post(30 + i, f"cheer{i}", 40 + i, "positive", repost_of="1") for i in range(9)),
    ]
    authors = {p.key: p.author.id for p in posts}
    roles = incident_roles(posts, _key, authors, onset=T0, limit=2)
    assert [r.key for r in roles.started] == ["first", "second"]  # ranked by pickup, then time
    assert incident_roles(posts, _key, authors, onset=T0).started[2].key == "quiet"
    assert roles.started[0].evidence["picked_up"] == 2  # a reply and a repost
    assert roles.started[0].examples == (("x", "2"),)
    # first: 1 repost seen, 7 reported; second: 4 seen; early-fan: positive, left out.
    assert [r.key for r in roles.amplified] == ["first", "second"]
    assert roles.amplified[1].evidence == {"reposted_or_quoted_here": 4, "reposts_reported": 0}
    assert roles.sentiment["rt0"] == Counter(negative=1)


def _member(segment: str, key: str, score: float) -> SegmentMember:
    return SegmentMember(segment, key, score, (f"{segment} a", f"{segment} b"), {})


def test_who_can_help_ranks_with_reasons_and_the_playbook() -> None:
    roles = IncidentRoles(
        "i",
        50,
        started=[IncidentRole("started", "starter", "x", 5, ("first",), {})],
        amplified=[IncidentRole("amplified", "loud", "x", 9, ("reposted 9 times",), {})],
        sentiment={
            "starter": Counter(negative=3),
            "loud": Counter(negative=1),
            "upset-amb": Counter(negative=1),
            "happy-amb": Counter(positive=2),
        },
    )
    helpers = who_can_help(
        roles,
        critics=[_member("critics", "loud", 0.4), _member("critics", "quiet", 0.1)],
        brand_managers=[_member("brand-managers", "manager", 3)],
        ambassadors=[
            _member("ambassadors", "upset-amb", 900),
            _member("ambassadors", "happy-amb", 100),
            _member("ambassadors", "other-amb", 200),
        ],
    )
    engage = [(h.key, h.priority) for h in helpers if h.action == "engage"]
    mobilise = [(h.key, h.priority) for h in helpers if h.action == "mobilise"]
    # loud: amplified + the strongest critic + 1 negative; starter: started + 3 negatives.
    assert engage == [("loud", 0.483), ("starter", 0.45), ("manager", 0.1), ("quiet", 0.05)]
    # The ambassador upset in the incident is left out; already positive helps.
    assert mobilise == [("other-amb", 0.6), ("happy-amb", 0.45)]
    assert helpers[0].action == "engage" and helpers[-1].action == "mobilise"
    assert [h.rank for h in helpers] == [1, 2, 3, 4, 1, 2]
    first = helpers[0]
    assert first.role == "critic" and first.advice == PLAYBOOK["critic"]
    assert any("influential critic" in r for r in first.reasons)
    manager = next(h for h in helpers if h.key == "manager")
    assert manager.role == "brand-manager" and manager.advice[0].startswith("Acknowledge")
    assert [a.split(":")[0] for a in helpers[-1].advice] == [
        "Acknowledge",
        "Take it private",
        "Follow up",
    ]


def test_who_can_help_on_a_stored_incident() -> None:
    store = store_with(conversation())
    update_profiles(store)
    SQLiteIncidents(store.db).put(INCIDENT)
    report = helpers_for_incident(store, INCIDENT)
    names = identities(store, [h.key for h in report.helpers])
    engage = [names[h.key].handle for h in report.helpers if h.action == "engage"]
    mobilise = [names[h.key].handle for h in report.helpers if h.action == "mobilise"]
    assert engage[0] == "critic" and mobilise[0] == "amb"
    assert "helper" in engage  # the brand manager, negative in the incident
    assert "amb" not in engage and "critic" not in mobilise
    started = identities(store, [r.key for r in report.roles.started])
    assert started[report.roles.started[0].key].handle == "critic"
    amplified = [r.key for r in report.roles.amplified]
    assert identities(store, amplified)[amplified[0]].handle == "critic"
    assert report.helpers[0].as_dict()["advice"] == list(PLAYBOOK["critic"])
