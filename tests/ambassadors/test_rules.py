"""The pure rules: disclosure, proofs, streaks, badges, ranking, country codes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tocsin.ambassadors.rules import (
    MissionKind,
    MissionSpec,
    Post,
    Record,
    badges_earned,
    check_proof,
    country_code,
    find_disclosure,
    normalise_link,
    rank,
    streak_weeks,
)
from tocsin.errors import UsageError

T = datetime(2026, 11, 2, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "tags", "found"),
    [
        ("Super café #ad", (), "#ad"),
        ("Super café #AD", (), "#ad"),
        ("Super café #ＡＤ", (), "#ad"),  # full width
        ("Merci #Sponsorisé", (), "#sponsorise"),
        ("#Partenariat avec Cafélia", (), "#partenariat"),
        ("#pub", (), "#pub"),
        ("Partenariat RÉMUNÉRÉ avec Cafélia", (), "partenariat remunere"),
        ("This is a Paid  Partnership.", (), "paid partnership"),
        ("Par\u200bte\u200bnariat rémunéré", (), "partenariat remunere"),  # zero-width
        ("rien dans le texte", ("#Sponsored",), "#sponsored"),
        ("rien dans le texte", ("ad",), "#ad"),
    ],
)
def test_disclosures_are_found_after_normalisation(
    text: str, tags: tuple[str, ...], found: str
) -> None:
    assert find_disclosure(text, tags) == found


@pytest.mark.parametrize(
    "text",
    [
        "#adventure time",
        "a bad day",
        "la pub est nulle",  # the word, not the hashtag
        "un partenariat ? non",
        "#pubg",
        "paid partnerships are everywhere" + "x",  # 'partnershipsx': not the phrase
        "email me at a#ad",  # not a hashtag: preceded by a word character
        "",
    ],
)
def test_no_disclosure(text: str) -> None:
    assert find_disclosure(text) == ""


SHARE = MissionSpec(MissionKind.SHARE, T, T + timedelta(days=2), "x", "900", hashtag="moments")
ANSWER = MissionSpec(MissionKind.ANSWER, T, T + timedelta(days=2), "x", "900")
EXPERIENCE = MissionSpec(MissionKind.EXPERIENCE, T, T + timedelta(days=2))
AT = T + timedelta(hours=1)


def test_share_proofs() -> None:
    quote = Post("x", AT, "Allez-y ! #partenariat", quote_of="900")
    v = check_proof(SHARE, quote)
    assert (v.matches, v.counted, v.disclosure) == (True, True, "#partenariat")
    assert check_proof(SHARE, Post("x", AT, "#moments avec Cafélia #ad")).counted
    # The same post on another platform, or another post: not the mission.
    assert not check_proof(SHARE, Post("bluesky", AT, "#ad", quote_of="900")).matches
    assert not check_proof(SHARE, Post("x", AT, "#ad", quote_of="901")).matches
    # Link shared.
    link = MissionSpec(
        MissionKind.SHARE, T, T + timedelta(days=1), link="https://www.cafelia.fr/m/"
    )
    assert check_proof(link, Post("x", AT, "#ad", links=("http://cafelia.fr/m",))).counted
    assert check_proof(link, Post("x", AT, "#ad voir cafelia.fr/m")).counted
    assert not check_proof(link, Post("x", AT, "#ad", links=("https://cafelia.fr/other",))).matches


def test_matching_post_without_disclosure_is_flagged() -> None:
    v = check_proof(SHARE, Post("x", AT, "Allez-y !", quote_of="900"))
    assert v.matches and not v.counted and "no disclosure" in v.reason and v.disclosure == ""


def test_a_repost_does_not_inherit_the_original_disclosure() -> None:
    original = "Nouvelle capsule #ad"
    bare = Post("x", AT, f"RT @cafelia: {original}", repost_of="900", inherited=original,
                hashtags=("ad",))  # fmt: skip
    assert check_proof(SHARE, bare).matches and not check_proof(SHARE, bare).counted
    own = Post(
        "x", AT, f"#partenariat RT @cafelia: {original}", repost_of="900", inherited=original
    )
    assert check_proof(SHARE, own).counted


def test_window() -> None:
    quote = Post("x", SHARE.deadline, "#ad", quote_of="900")
    assert check_proof(SHARE, quote).counted  # the deadline itself is inside
    late = Post("x", SHARE.deadline + timedelta(microseconds=1), "#ad", quote_of="900")
    early = Post("x", T - timedelta(seconds=1), "#ad", quote_of="900")
    assert not check_proof(SHARE, late).matches and not check_proof(SHARE, early).matches


def test_answer_is_a_reply_anywhere_in_the_target_thread() -> None:
    deep = Post("x", AT, "Moi aussi ! #ad", reply_to="905", thread=("905", "901", "900"))
    assert check_proof(ANSWER, deep).counted
    elsewhere = Post("x", AT, "Moi aussi ! #ad", reply_to="950", thread=("950",))
    assert not check_proof(ANSWER, elsewhere).matches
    assert not check_proof(ANSWER, Post("x", AT, "#ad", quote_of="900")).matches


def test_experience_is_an_original_post_on_the_watch() -> None:
    assert check_proof(EXPERIENCE, Post("x", AT, "Mon café #ad", on_watch=True)).counted
    assert not check_proof(EXPERIENCE, Post("x", AT, "Mon café #ad")).matches
    reply = Post("x", AT, "Mon café #ad", on_watch=True, reply_to="900", thread=("900",))
    assert not check_proof(EXPERIENCE, reply).matches
    repost = Post("x", AT, "Mon café #ad", on_watch=True, repost_of="900")
    assert not check_proof(EXPERIENCE, repost).matches


def test_streak_weeks() -> None:
    monday = date(2026, 11, 2)
    weeks = [monday - timedelta(weeks=k) for k in (0, 1, 2, 4)]
    assert streak_weeks(weeks, monday + timedelta(days=3)) == 3
    # This week not done yet: the streak still stands, counted up to last week.
    assert streak_weeks(weeks[1:], monday + timedelta(days=6)) == 2
    assert streak_weeks(weeks[2:], monday) == 0  # last week missed: broken
    assert streak_weeks([], monday) == 0
    assert streak_weeks([monday + timedelta(days=7)], monday) == 0  # the future does not count


def test_badges() -> None:
    assert badges_earned(Record(0, {}, 0, 0)) == set()
    r = Record(5, {"share": 4, "experience": 1}, 3, 100)
    assert badges_earned(r) == {
        "first-mission", "five-missions", "relay", "storyteller", "streak-3", "hundred-points",
    }  # fmt: skip


def test_rank_ties_share_a_place_and_the_first_to_get_there_leads() -> None:
    rows = [
        (1, "a", 30, 2, 0, T + timedelta(hours=2)),
        (2, "b", 50, 3, 1, T),
        (3, "c", 30, 1, 0, T + timedelta(hours=1)),
        (4, "d", 0, 0, 0, None),
    ]
    got = [(s.rank, s.ambassador_id, s.points) for s in rank(rows)]
    assert got == [(1, 2, 50), (2, 3, 30), (2, 1, 30), (4, 4, 0)]


def test_country_code() -> None:
    assert country_code(" fr ") == "FR"
    for bad in ("FRA", "F", "1A", ""):
        with pytest.raises(UsageError):
            country_code(bad)


def test_normalise_link() -> None:
    assert normalise_link("HTTPS://WWW.Cafelia.fr/Path/#x") == "cafelia.fr/Path"
