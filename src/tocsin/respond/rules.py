"""The inbox's rules as pure functions: no I/O, unit-tested one by one.

``needs_answer(mention)``   why a mention should become a case, or ``None``
``priority(...)``           0-100 from reach, velocity, waiting time (and negativity)
``sla_state(case, now)``    ok | warning | breached
``can_transition(a, b)``    the status machine
``playbook_warnings(text)`` what a public reply must not say

The answer rule combines the analysis models, when a mention was analysed (complaint score,
sentiment), with keywords and a question mark, which also serve posts stored without analysis.
Its contract: a reason or ``None``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal, Protocol

from tocsin.domain import COMPLAINT_SCORE, Mention, WatchKind

# -- what needs an answer ---------------------------------------------------------------------


class Reason(StrEnum):
    QUESTION = "question"
    COMPLAINT = "complaint"
    NEGATIVE_REACH = "negative_reach"
    INCIDENT = "incident"  # a post the evidence of an open incident points at
    MANUAL = "manual"  # opened by hand from the API or a page


#: Complaint words, French and English, matched on word starts after lower-casing and removing
#: accents (``rembours`` matches remboursé, remboursement).
COMPLAINT_WORDS = (
    # French
    "rembours",
    "arnaque",
    "escroc",
    "scandal",
    "honte",
    "honteux",
    "inadmissible",
    "inacceptable",
    "plainte",
    "decu",
    "decue",
    "deception",
    "jamais recu",
    "toujours pas",
    "toujours rien",
    "en panne",
    "casse",
    "defectueu",
    "nul ",
    "lamentable",
    "sav ",
    "service client",
    "aucune reponse",
    "pas de reponse",
    "intoxication",
    "malade",
    # English
    "refund",
    "scam",
    "fraud",
    "disgust",
    "terrible",
    "awful",
    "worst",
    "unacceptable",
    "complain",
    "disappoint",
    "never received",
    "never arrived",
    "still waiting",
    "still no",
    "broken",
    "defective",
    "customer service",
    "no answer",
    "no response",
    "food poisoning",
    "sick",
    "rip off",
    "ripoff",
)
#: Words that make a post negative for the high-reach rule (besides the complaint words).
NEGATIVE_WORDS = ("boycott", "ne plus jamais", "never again", "honte", "shame", "danger")
#: Followers from which a negative post is worth an answer even without a question.
HIGH_REACH_FOLLOWERS = 10_000
#: Watches whose posts the brand answers; competitor and topic watches are for listening.
ANSWERED_KINDS = frozenset({WatchKind.BRAND, WatchKind.CAMPAIGN})
_QUESTION_STARTS = (
    "pourquoi",
    "comment",
    "quand",
    "ou est",
    "est-ce",
    "est ce",
    "qui ",
    "quel",
    "combien",
    "why",
    "how",
    "when",
    "where",
    "who ",
    "what",
    "is there",
    "can you",
    "could you",
    "do you",
    "does ",
    "will you",
)
_URL = re.compile(r"https?://\S+", re.I)


def fold(text: str) -> str:
    """Lower case, accents removed, URLs dropped, spaces squeezed: what keywords match on."""
    text = _URL.sub(" ", text)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " " + " ".join(bare.replace("’", "'").split()) + " "


def _has_word(folded: str, words: tuple[str, ...]) -> bool:
    return any((" " + w) in folded or ("'" + w) in folded or ("#" + w) in folded for w in words)


def is_question(text: str) -> bool:
    folded = fold(text)
    return "?" in folded or folded.strip().startswith(_QUESTION_STARTS)


def is_complaint(text: str) -> bool:
    return _has_word(fold(text), COMPLAINT_WORDS)


def is_negative(text: str) -> bool:
    folded = fold(text)
    return _has_word(folded, COMPLAINT_WORDS) or _has_word(folded, NEGATIVE_WORDS)


def needs_answer(mention: Mention, *, negative: bool | None = None) -> Reason | None:
    """Why this mention needs an answer, or ``None``. In order: a complaint (the complaint
    model's score at least ``COMPLAINT_SCORE`` on a post not read as positive, or keywords,
    FR/EN), a question (a question
    mark or a question word first), a negative post by an author with at least
    ``HIGH_REACH_FOLLOWERS`` followers (``negative`` when given, else the mention's sentiment
    when analysed, else the keywords). Reposts never need an answer (the original does)."""
    if mention.repost_of:
        return None
    text = " ".join(x for x in (mention.title, mention.text) if x)
    # The complaint model counts unless the post reads as positive (on the demo week it scored
    # "best decision this year" 0.78): a complaint is not a compliment. Keywords count too: a
    # missed complaint costs more than one more case to close.
    positive = mention.sentiment is not None and mention.sentiment.label == "positive"
    scored = mention.complaint is not None and mention.complaint >= COMPLAINT_SCORE
    if (scored and not positive) or is_complaint(text):
        return Reason.COMPLAINT
    if is_question(text):
        return Reason.QUESTION
    followers = mention.author.followers or 0
    if followers >= HIGH_REACH_FOLLOWERS:
        if negative is None:
            s = mention.sentiment
            negative = s.label == "negative" if s is not None else is_negative(text)
        if negative:
            return Reason.NEGATIVE_REACH
    return None


def own_handles(queries: Iterable[str]) -> frozenset[str]:
    """The brand's own accounts: every ``@handle`` the watch queries name (not under ``NOT``),
    normalised. The brand's own posts never need an answer from the brand."""
    from tocsin.errors import QueryError
    from tocsin.query import parse
    from tocsin.query.nodes import named_handles

    found: set[str] = set()
    for q in queries:
        try:
            found |= named_handles(parse(q))
        except QueryError:
            continue
    return frozenset(found)


def is_own_account(handle: str, own: AbstractSet[str]) -> bool:
    """``handle`` is one of ``own``, on any platform: ``cafelia``, ``cafelia@instance``
    (Mastodon), ``cafelia.bsky.social`` (Bluesky)."""
    h = handle.strip().lstrip("@").casefold()
    return bool(h) and any(h == o or h.startswith((o + "@", o + ".")) for o in own)


# -- priority ---------------------------------------------------------------------------------

#: Points of each factor (they sum to 100).
REACH_POINTS, VELOCITY_POINTS, WAITING_POINTS, NEGATIVITY_POINTS = 35, 25, 25, 15


def priority(
    followers: int | None,
    reposts: int | None,
    waiting: timedelta,
    *,
    sla: timedelta,
    negativity: float = 0.0,
) -> int:
    """0 to 100, higher first:

    - reach, up to 35: ``7 × log10(1 + followers)`` (100,000 followers give the 35);
    - velocity, up to 25: ``25/6 × log2(1 + reposts)`` (63 reposts give the 25);
    - waiting, up to 25: the share of the SLA already spent, × 25 (a breached case gets 25);
    - negativity, up to 15: the sentiment model's probability that the post is negative
      (0 when it is not read as negative or was not analysed), × 15.
    """
    reach = min(REACH_POINTS, 7 * math.log10(1 + max(0, followers or 0)))
    velocity = min(VELOCITY_POINTS, 25 / 6 * math.log2(1 + max(0, reposts or 0)))
    spent = max(0.0, waiting / sla) if sla > timedelta(0) else 1.0
    waited = min(WAITING_POINTS, WAITING_POINTS * spent)
    negative = NEGATIVITY_POINTS * min(1.0, max(0.0, negativity))
    return round(reach + velocity + waited + negative)


def negativity_of(mention: Mention) -> float:
    """What ``priority`` takes: the negative label's probability, 0 otherwise."""
    s = mention.sentiment
    return s.score if s is not None and s.label == "negative" else 0.0


# -- statuses ---------------------------------------------------------------------------------


class Status(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    WAITING = "waiting"  # for the author's answer (e.g. in private messages)
    ANSWERED = "answered"
    ESCALATED = "escalated"
    CLOSED = "closed"


#: Allowed transitions. ``assigned`` is reached by assigning; ``answered`` by sending a reply
#: or by hand (answered elsewhere); ``escalated`` by escalating (with a role and a reason);
#: a closed case can be reopened (``assigned``).
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.ASSIGNED, Status.ESCALATED, Status.CLOSED}),
    Status.ASSIGNED: frozenset({Status.WAITING, Status.ANSWERED, Status.ESCALATED, Status.CLOSED}),
    Status.WAITING: frozenset({Status.ASSIGNED, Status.ANSWERED, Status.ESCALATED, Status.CLOSED}),
    Status.ANSWERED: frozenset({Status.ASSIGNED, Status.WAITING, Status.CLOSED}),
    Status.ESCALATED: frozenset({Status.ASSIGNED, Status.ANSWERED, Status.CLOSED}),
    Status.CLOSED: frozenset({Status.ASSIGNED}),
}
#: Statuses in which the SLA clock is stopped.
SLA_STOPPED = frozenset({Status.ANSWERED, Status.CLOSED})


def can_transition(old: Status | str, new: Status | str) -> bool:
    return Status(new) in TRANSITIONS[Status(old)]


# -- SLA --------------------------------------------------------------------------------------

SlaState = Literal["ok", "warning", "breached"]
DEFAULT_SLA = timedelta(hours=24)
#: A case is in ``warning`` when this share of its SLA is left or less (6 h of 24 h).
WARNING_SHARE = 0.25


class SlaClock(Protocol):
    """What the SLA needs of a case."""

    @property
    def status(self) -> Status: ...
    @property
    def opened_at(self) -> datetime: ...
    @property
    def due_at(self) -> datetime: ...


def sla_state(case: SlaClock, now: datetime) -> SlaState:
    """``breached`` once ``due_at`` is past, ``warning`` when a quarter of the SLA or less is
    left, else ``ok``. Answered and closed cases are ``ok``: their clock is stopped."""
    if case.status in SLA_STOPPED:
        return "ok"
    if now >= case.due_at:
        return "breached"
    window = case.due_at - case.opened_at
    if case.due_at - now <= window * WARNING_SHARE:
        return "warning"
    return "ok"


# -- escalation and moderation ----------------------------------------------------------------


class EscalationRole(StrEnum):
    PR = "pr"
    LEGAL = "legal"


class HideReason(StrEnum):
    """The code of conduct: the only reasons to hide a post. Criticism is not one of them."""

    INSULT = "insult"
    THREAT = "threat"
    HATE = "hate"
    SPAM = "spam"
    PERSONAL_DATA = "personal_data"


#: Toxicity score (the toxicity model, 0-1) from which moderators are told a post looks abusive.
LIKELY_ABUSIVE = 0.7


def suggested_hide_reason(mention: Mention) -> HideReason | None:
    """A hint for moderators, never an automatic action: ``INSULT`` when the toxicity model
    scores the post at least ``LIKELY_ABUSIVE``. A person decides, with a written reason."""
    if mention.toxicity is not None and mention.toxicity >= LIKELY_ABUSIVE:
        return HideReason.INSULT
    return None


# -- the reply playbook -----------------------------------------------------------------------

#: A public reply promises no compensation: these words are flagged (folded, FR/EN).
COMPENSATION_WORDS = (
    "rembours",
    "dedommag",
    "indemnis",
    "compens",
    "geste commercial",
    "bon d'achat",
    "gratuit",
    "refund",
    "reimburs",
    "compensat",
    "voucher",
    "free of charge",
    "money back",
)


def playbook_warnings(text: str) -> list[str]:
    """What a public reply breaks of the playbook, as stable codes:
    ``compensation`` (a public promise of money or goods) and ``no_private_channel`` (it does
    not invite to continue in private messages)."""
    folded = fold(text)
    warnings = []
    if _has_word(folded, COMPENSATION_WORDS):
        warnings.append("compensation")
    private = ("message prive", "mp ", "dm ", "message direct", "private message", "direct message")
    if not _has_word(folded, private):
        warnings.append("no_private_channel")
    return warnings
