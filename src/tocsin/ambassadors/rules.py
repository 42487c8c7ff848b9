"""The programme's rules as pure functions: no I/O, unit-tested one by one.

``find_disclosure(text, hashtags)``  the disclosure a post carries (#ad, #partenariat …) or ""
``check_proof(mission, post)``       does this post prove this mission, and does it count
``country_code(text)``               an ISO 3166-1 alpha-2 code, upper case, or ``UsageError``
``streak_weeks(days, today)``        consecutive ISO weeks with a counted mission, up to now
``badges_earned(stats)``             the badges an ambassador's record earns
``rank(rows)``                       a leaderboard: points earned, then the earliest to get there

Disclosures are a fixed list, compared after the project's ``normalise`` (case, accents,
width, look-alikes), as whole hashtags or as whole-word phrases: a user never supplies a
pattern. A post that proves a mission without a disclosure is *flagged*, never counted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from tocsin.errors import UsageError
from tocsin.query.normalise import normalise, normalise_link


class MissionKind(StrEnum):
    SHARE = "share"  # repost or quote the target post, or post the campaign's link or hashtag
    ANSWER = "answer"  # reply in the target post's thread
    EXPERIENCE = "experience"  # an original post on the campaign's watch query


class Status(StrEnum):
    INVITED = "invited"
    ENROLLED = "enrolled"
    OPTED_OUT = "opted_out"


# -- disclosure -------------------------------------------------------------------------------

#: Hashtags that disclose a paid or rewarded post, normalised (no accents, lower case, no '#').
DISCLOSURE_TAGS: tuple[str, ...] = (
    "ad",
    "ads",
    "advert",
    "advertisement",
    "sponsored",
    "sponsor",
    "partner",
    "paidpartnership",
    "brandambassador",
    "pub",
    "publicite",
    "partenariat",
    "partenariatremunere",
    "sponsorise",
    "sponsorisee",
    "collaborationcommerciale",
    "ambassadeur",
    "ambassadrice",
    "werbung",
    "anzeige",
    "publicidad",
    "patrocinado",
)

#: Whole-word phrases that disclose, normalised (words separated by one space).
DISCLOSURE_PHRASES: tuple[str, ...] = (
    "paid partnership",
    "sponsored by",
    "in partnership with",
    "partenariat remunere",
    "collaboration commerciale",
    "sponsorise par",
    "sponsorisee par",
    "en partenariat avec",
    "publicite pour",
)

_WORD = re.compile(r"\w+")
_TAG = re.compile(r"#(?<![\w&]#)(\w+)")


def _words(text: str) -> str:
    """`` w1 w2 … `` over the normalised text: phrases match on whole words only."""
    return " " + " ".join(_WORD.findall(normalise(text))) + " "


_PHRASES = tuple((p, _words(p)) for p in DISCLOSURE_PHRASES)


def find_disclosure(text: str, hashtags: Iterable[str] = ()) -> str:
    """The first disclosure in ``text`` (or among the post's ``hashtags`` field) as the
    normalised tag (``#partenariat``) or phrase (``paid partnership``); ``""`` if none."""
    norm = normalise(text)
    tags = list(_TAG.findall(norm))
    tags += [normalise(h).lstrip("#").strip() for h in hashtags]
    for tag in tags:
        if tag in DISCLOSURE_TAGS:
            return f"#{tag}"
    words = _words(text)
    for phrase, padded in _PHRASES:
        if padded in words:
            return phrase
    return ""


def own_text(text: str, inherited: str | None) -> str:
    """A repost's own words: its text without the reposted post's text (a disclosure in the
    original post is not the ambassador's)."""
    if inherited and inherited.strip() and inherited in text:
        return text.replace(inherited, " ")
    return text


# -- proofs -----------------------------------------------------------------------------------


def normalise_tag(tag: str) -> str:
    """A campaign hashtag as stored: normalised, without ``#``; ``UsageError`` if not one word."""
    norm = normalise(tag.strip()).lstrip("#")
    if not norm or not re.fullmatch(r"\w+", norm):
        raise UsageError(f"{tag!r} is not a hashtag: one word, with or without '#'")
    return norm


def _link_in_text(link: str, text: str) -> bool:
    """The link as one of the text's whitespace-separated words (punctuation around it aside)."""
    want = normalise_link(link)
    return any(normalise_link(w.strip("()[]<>.,;:!?\"'")) == want for w in text.split())


@dataclass(frozen=True, slots=True)
class MissionSpec:
    """What a proof is checked against (a ``Mission``'s rule fields)."""

    kind: MissionKind
    starts_at: datetime
    deadline: datetime
    target_platform: str | None = None
    target_id: str | None = None
    link: str | None = None
    hashtag: str | None = None  # normalised, without '#'


@dataclass(frozen=True, slots=True)
class Post:
    """A stored post of the ambassador, with what the store knows around it.

    ``thread`` holds the native ids of the posts above it (its ``reply_to`` chain);
    ``inherited`` the reposted post's text; ``on_watch`` whether it matches the campaign's
    query."""

    platform: str
    created_at: datetime
    text: str
    reply_to: str | None = None
    repost_of: str | None = None
    quote_of: str | None = None
    hashtags: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    thread: tuple[str, ...] = ()
    inherited: str | None = None
    on_watch: bool = False


@dataclass(frozen=True, slots=True)
class Verdict:
    """``matches`` False: the post has nothing to do with the mission (nothing is recorded).
    Otherwise ``counted`` or flagged, with the ``reason`` and the ``disclosure`` found."""

    matches: bool
    counted: bool = False
    reason: str = ""
    disclosure: str = ""


NO_MATCH = Verdict(False)
NO_DISCLOSURE = "no disclosure (#ad, #partenariat, #sponsorisé, 'paid partnership' …)"


def _tags(post: Post) -> set[str]:
    tags = set(_TAG.findall(normalise(post.text)))
    tags.update(normalise(h).lstrip("#") for h in post.hashtags)
    return tags


def _proves(m: MissionSpec, post: Post) -> str:
    """Why the post proves the mission (``""``: it does not)."""
    on_target = m.target_id is not None and post.platform == (m.target_platform or post.platform)
    if m.kind is MissionKind.SHARE:
        if on_target and post.repost_of == m.target_id:
            return "repost of the target post"
        if on_target and post.quote_of == m.target_id:
            return "quote of the target post"
        if m.link and any(normalise_link(x) == normalise_link(m.link) for x in post.links):
            return "shares the campaign's link"
        if m.link and _link_in_text(m.link, post.text):
            return "shares the campaign's link"
        if m.hashtag and m.hashtag in _tags(post):
            return "carries the campaign's hashtag"
        return ""
    if m.kind is MissionKind.ANSWER:
        if on_target and post.reply_to is not None and m.target_id in post.thread:
            return "reply in the target thread"
        return ""
    original = post.reply_to is None and post.repost_of is None and post.quote_of is None
    if original and post.on_watch and (m.hashtag is None or m.hashtag in _tags(post)):
        return "original post on the campaign"
    return ""


def check_proof(m: MissionSpec, post: Post) -> Verdict:
    """Whether ``post`` (by an eligible ambassador) completes mission ``m``: inside the window
    ``[starts_at, deadline]``, matching the mission, and carrying a disclosure of its own."""
    if not (m.starts_at <= post.created_at <= m.deadline):
        return NO_MATCH
    why = _proves(m, post)
    if not why:
        return NO_MATCH
    if post.inherited:
        # A repost: only its own words count (the platform may copy the original's hashtags).
        disclosure = find_disclosure(own_text(post.text, post.inherited))
    else:
        disclosure = find_disclosure(post.text, post.hashtags)
    if not disclosure:
        return Verdict(True, False, f"{why}; {NO_DISCLOSURE}")
    return Verdict(True, True, why, disclosure)


# -- countries --------------------------------------------------------------------------------


def country_code(text: str) -> str:
    code = text.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", code):
        raise UsageError(f"{text!r} is not a country code: two letters, ISO 3166-1 (FR, BE, US)")
    return code


# -- points, streaks, badges, leaderboards ----------------------------------------------------


def _week(d: date) -> tuple[int, int]:
    iso = d.isocalendar()
    return (iso.year, iso.week)


def streak_weeks(days: Iterable[date], today: date) -> int:
    """Consecutive ISO weeks with at least one counted mission, ending this week or, if this
    week has none yet, last week (a streak is not broken before the week is over)."""
    weeks = {_week(d) for d in days if d <= today}
    monday = today - timedelta(days=today.weekday())
    if _week(monday) not in weeks:
        monday -= timedelta(weeks=1)
    n = 0
    while _week(monday) in weeks:
        n += 1
        monday -= timedelta(weeks=1)
    return n


@dataclass(frozen=True, slots=True)
class Record:
    """An ambassador's counted missions, for badges."""

    counted: int
    by_kind: dict[str, int]
    streak: int
    points_earned: int


#: badge -> what earns it
BADGES: dict[str, str] = {
    "first-mission": "a first mission counted",
    "five-missions": "five missions counted",
    "twenty-missions": "twenty missions counted",
    "storyteller": "shared an experience",
    "helper": "answered in a thread",
    "relay": "shared a post",
    "streak-3": "a mission three weeks in a row",
    "streak-8": "a mission eight weeks in a row",
    "hundred-points": "100 points earned",
}


def badges_earned(r: Record) -> set[str]:
    out: set[str] = set()
    for n, badge in ((1, "first-mission"), (5, "five-missions"), (20, "twenty-missions")):
        if r.counted >= n:
            out.add(badge)
    for kind, badge in (
        (MissionKind.EXPERIENCE, "storyteller"),
        (MissionKind.ANSWER, "helper"),
        (MissionKind.SHARE, "relay"),
    ):
        if r.by_kind.get(kind.value, 0) > 0:
            out.add(badge)
    if r.streak >= 3:
        out.add("streak-3")
    if r.streak >= 8:
        out.add("streak-8")
    if r.points_earned >= 100:
        out.add("hundred-points")
    return out


@dataclass(frozen=True, slots=True)
class Standing:
    rank: int
    ambassador_id: int
    name: str
    points: int
    missions: int
    streak: int


def rank(rows: Sequence[tuple[int, str, int, int, int, datetime | None]]) -> list[Standing]:
    """Rows ``(ambassador_id, name, points, missions, streak, reached_at)`` -> standings: most
    points first; equal points share a rank, listed by who got there first (then by id)."""
    ordered = sorted(
        rows, key=lambda r: (-r[2], r[5] is None, r[5].timestamp() if r[5] else 0, r[0])
    )
    out: list[Standing] = []
    for i, (aid, name, points, missions, streak, _) in enumerate(ordered):
        place = out[-1].rank if out and out[-1].points == points else i + 1
        out.append(Standing(place, aid, name, points, missions, streak))
    return out
