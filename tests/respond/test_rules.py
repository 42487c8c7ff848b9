"""The pure rules: what needs an answer, priority, SLA, transitions, the reply playbook."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import mention
from tocsin.domain import Author, Metrics, Sentiment
from tocsin.respond.rules import (
    TRANSITIONS,
    Reason,
    Status,
    can_transition,
    needs_answer,
    playbook_warnings,
    priority,
    sla_state,
)

BIG = Author("x", "big", "big", "Big", 250_000, True)
SMALL = Author("x", "small", "small", "Small", 120, False)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Toujours pas reçu ma commande Cafélia, inadmissible", Reason.COMPLAINT),
        ("Je veux être REMBOURSÉ", Reason.COMPLAINT),
        ("cafelia is a scam", Reason.COMPLAINT),
        ("Still waiting for my refund from @cafelia", Reason.COMPLAINT),
        ("Vous livrez le dimanche ?", Reason.QUESTION),
        ("pourquoi le magasin de Lyon est fermé", Reason.QUESTION),
        ("How do I reset my card", Reason.QUESTION),
        ("J'adore Cafélia", None),
        ("Lovely coffee this morning", None),
        ("Voir https://example.com/?a=1", None),  # a ? inside a URL is no question
    ],
)
def test_needs_answer_by_keywords_and_questions(text: str, reason: Reason | None) -> None:
    assert needs_answer(mention(1, text=text, author=SMALL)) == reason


def test_negative_high_reach_posts_need_an_answer() -> None:
    text = "Boycott Cafélia"
    assert needs_answer(mention(1, text=text, author=SMALL)) is None
    assert needs_answer(mention(1, text=text, author=BIG)) == Reason.NEGATIVE_REACH
    # the sentiment model, when it has spoken, wins over the keywords
    assert needs_answer(mention(1, text="Cafélia, hmm.", author=BIG), negative=True) == (
        Reason.NEGATIVE_REACH
    )
    assert needs_answer(mention(1, text=text, author=BIG), negative=False) is None


def test_reposts_never_need_an_answer() -> None:
    assert needs_answer(mention(1, text="refund?", repost_of="9")) is None


def test_the_analysis_models_add_to_the_keywords() -> None:
    quiet = "Cafélia, trois semaines que j'attends ma commande."  # no keyword, no question
    assert needs_answer(mention(1, text=quiet, author=SMALL)) is None
    assert needs_answer(mention(1, text=quiet, author=SMALL, complaint=0.8)) == Reason.COMPLAINT
    assert needs_answer(mention(1, text=quiet, author=SMALL, complaint=0.2)) is None
    praise = Sentiment("positive", 0.9)
    assert (
        needs_answer(mention(1, text=quiet, author=SMALL, complaint=0.8, sentiment=praise)) is None
    )
    # Keywords still count when the model says no: a missed complaint costs more.
    loud = "Cafélia, remboursez-moi"
    assert needs_answer(mention(1, text=loud, author=SMALL, complaint=0.1)) == Reason.COMPLAINT
    # High reach: the mention's own sentiment decides when it was analysed.
    neg, pos = Sentiment("negative", 0.9), Sentiment("positive", 0.9)
    plain = "Cafélia a changé sa recette."
    assert needs_answer(mention(1, text=plain, author=BIG, sentiment=neg)) == Reason.NEGATIVE_REACH
    assert needs_answer(mention(1, text=plain, author=BIG, sentiment=pos)) is None
    assert needs_answer(mention(1, text=plain, author=BIG)) is None  # no keyword either


def test_priority_grows_with_reach_velocity_and_waiting() -> None:
    sla = timedelta(hours=24)
    zero = timedelta(0)
    assert priority(0, 0, zero, sla=sla) == 0
    assert priority(100_000, 0, zero, sla=sla) == 35
    assert priority(0, 63, zero, sla=sla) == 25
    assert priority(0, 0, timedelta(hours=12), sla=sla) == 12  # 12.5, rounded to even
    assert priority(0, 0, timedelta(days=9), sla=sla) == 25
    assert priority(0, 0, zero, sla=sla, negativity=0.8) == 12
    assert priority(10**9, 10**6, timedelta(days=9), sla=sla, negativity=1.0) == 100
    assert priority(1_000, 5, zero, sla=sla) < priority(1_000, 5, zero, sla=sla, negativity=0.9)
    assert priority(None, None, zero, sla=sla) == 0
    assert priority(1_000, 5, zero, sla=sla) < priority(10_000, 5, zero, sla=sla)
    assert priority(1_000, 5, zero, sla=sla) < priority(1_000, 50, zero, sla=sla)


@dataclass(frozen=True)
class Clock:
    status: Status
    opened_at: datetime
    due_at: datetime


T = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("hours", "status", "state"),
    [
        (0, Status.NEW, "ok"),
        (17.9, Status.ASSIGNED, "ok"),
        (18, Status.ASSIGNED, "warning"),
        (23.9, Status.WAITING, "warning"),
        (24, Status.NEW, "breached"),
        (40, Status.ESCALATED, "breached"),
        (40, Status.ANSWERED, "ok"),
        (40, Status.CLOSED, "ok"),
    ],
)
def test_sla_state(hours: float, status: Status, state: str) -> None:
    case = Clock(status, T, T + timedelta(hours=24))
    assert sla_state(case, T + timedelta(hours=hours)) == state


def test_transitions() -> None:
    assert can_transition("new", "assigned")
    assert can_transition("assigned", "answered")
    assert can_transition("closed", "assigned")  # reopened
    assert not can_transition("new", "answered")
    assert not can_transition("closed", "answered")
    assert not can_transition("answered", "escalated")
    for old, news in TRANSITIONS.items():
        assert old not in news
    assert set(TRANSITIONS) == set(Status)


def test_playbook_warnings() -> None:
    good = "Bonjour, désolés. Écrivez-nous en message privé, nous revenons vers vous."
    assert playbook_warnings(good) == []
    assert playbook_warnings("We will refund you, send us a DM") == ["compensation"]
    assert playbook_warnings("Nous allons vous dédommager") == [
        "compensation",
        "no_private_channel",
    ]


def test_metrics_in_factory() -> None:
    assert mention(1, metrics=Metrics(reposts=3)).metrics.reposts == 3


def test_the_brands_own_accounts_are_known_from_the_watch_queries() -> None:
    from tocsin.respond.rules import is_own_account, own_handles

    own = own_handles(["cafélia OR @Cafelia OR #cafelia", "brewster NOT @brewster_fan", "(("])
    assert own == frozenset({"cafelia"})
    for handle in ("cafelia", "@Cafelia", "cafelia@mastodon.social", "cafelia.bsky.social"):
        assert is_own_account(handle, own), handle
    for handle in ("cafelia_fan", "brewster_fan", "", "notcafelia"):
        assert not is_own_account(handle, own), handle
