"""Who can help on an incident: critics to engage first, ambassadors to mobilise.

A pure function over what is already known: the watch's segments (``tocsin.people.segments``)
and who started and amplified the incident (``tocsin.people.incident_roles``). Each suggestion
says why, and what the playbook advises: acknowledge, take it private, follow up.

Engage (priority, 0-1): started the incident 0.35, amplified it 0.25, influential critic 0.2
(x its influence relative to the strongest critic), self-appointed brand manager 0.1, negative
posts in the incident 0.1 (x min(1, posts / 3)). Candidates: critics, brand managers, and the
starters and amplifiers of the incident who posted nothing positive in it.

Mobilise (priority, 0-1): ambassador 0.6 (x their score relative to the best one suggested),
active in the watch in the week before the onset 0.25, already positive in the incident 0.15.
An ambassador who posted negatively in the incident is not suggested.

Critics come first in the list: the playbook answers critics before it asks anyone for help.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tocsin.people.incident_roles import IncidentRoles
from tocsin.people.segments import SegmentMember

PLAYBOOK: dict[str, tuple[str, str, str]] = {
    "critic": (
        "Acknowledge: answer in public, quickly and with empathy; promise no compensation in "
        "public.",
        "Take it private: invite them to direct messages to settle their case.",
        "Follow up: come back in public once it is settled, and thank them.",
    ),
    "brand-manager": (
        "Acknowledge: thank them for the detail and answer their question in public.",
        "Take it private: offer a direct conversation with the team about their suggestions.",
        "Follow up: tell them what changed because of their feedback.",
    ),
    "ambassador": (
        "Acknowledge: tell them first what happened and what is being done, facts only.",
        "Take it private: ask in direct messages whether they wish to share their own "
        "experience; no script, and any link with the brand disclosed (#ad).",
        "Follow up: thank them, whatever they decide.",
    ),
}
ACTIVE_BEFORE = timedelta(days=7)
_NONE: Counter[str] = Counter()


@dataclass(frozen=True)
class Helper:
    """``action`` is engage or mobilise; ``rank`` counts within the action, from 1."""

    action: str
    rank: int
    key: str
    role: str  # critic | brand-manager | ambassador
    priority: float
    reasons: tuple[str, ...]
    advice: tuple[str, ...]
    examples: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "rank": self.rank,
            "key": self.key,
            "role": self.role,
            "priority": self.priority,
            "reasons": list(self.reasons),
            "advice": list(self.advice),
            "examples": [list(k) for k in self.examples],
        }


def who_can_help(
    roles: IncidentRoles,
    *,
    critics: Sequence[SegmentMember] = (),
    brand_managers: Sequence[SegmentMember] = (),
    ambassadors: Sequence[SegmentMember] = (),
    onset: datetime | None = None,
    limit: int = 10,
) -> list[Helper]:
    """Critics to engage (best first, at most ``limit``), then ambassadors to mobilise."""
    return _engage(roles, critics, brand_managers, limit) + _mobilise(
        roles, ambassadors, onset, limit
    )


def _engage(
    roles: IncidentRoles,
    critics: Sequence[SegmentMember],
    brand_managers: Sequence[SegmentMember],
    limit: int,
) -> list[Helper]:
    started = {r.key: r for r in roles.started}
    amplified = {r.key: r for r in roles.amplified}
    critic = {m.key: m for m in critics}
    manager = {m.key: m for m in brand_managers}
    best_critic = max((m.score for m in critics), default=0.0)
    candidates = set(critic) | set(manager)
    for key in set(started) | set(amplified):
        if roles.sentiment.get(key, _NONE).get("positive", 0) == 0:
            candidates.add(key)
    scored = []
    for key in candidates:
        priority, reasons = 0.0, []
        if key in started:
            priority += 0.35
            reasons.append("among the first to post in the incident")
        if key in amplified:
            priority += 0.25
            reasons.append(amplified[key].reasons[0])
        if key in critic:
            relative = critic[key].score / best_critic if best_critic else 0.0
            priority += 0.2 * relative
            reasons.append("influential critic: " + "; ".join(critic[key].reasons[1:]))
        if key in manager:
            priority += 0.1
            reasons.append("self-appointed brand manager: " + "; ".join(manager[key].reasons[:2]))
        negative = roles.sentiment.get(key, _NONE).get("negative", 0)
        if negative:
            priority += 0.1 * min(1.0, negative / 3)
            reasons.append(f"{_posts(negative)} negative in the incident")
        role = "brand-manager" if key in manager and key not in critic else "critic"
        examples = _examples(key, started, amplified, critic, manager)
        scored.append((round(priority, 3), key, role, tuple(reasons), examples))
    scored.sort(key=lambda s: (-s[0], s[1]))
    return [
        Helper("engage", n, key, role, priority, reasons, PLAYBOOK[role], examples)
        for n, (priority, key, role, reasons, examples) in enumerate(scored[:limit], 1)
    ]


def _posts(n: int) -> str:
    return "1 post" if n == 1 else f"{n} posts"


def _examples(key: str, *sources: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    for source in sources:
        if key in source:
            found.extend(source[key].examples)
    return tuple(dict.fromkeys(found))[:3]


def _mobilise(
    roles: IncidentRoles,
    ambassadors: Sequence[SegmentMember],
    onset: datetime | None,
    limit: int,
) -> list[Helper]:
    willing = [m for m in ambassadors if not roles.sentiment.get(m.key, _NONE).get("negative")]
    best = max((m.score for m in willing), default=0.0)
    scored = []
    for m in willing:
        mood = roles.sentiment.get(m.key, _NONE)
        priority = 0.6 * (m.score / best if best else 0.0)
        reasons = [f"ambassador: {'; '.join(m.reasons)}"]
        last = m.profile.last_seen if m.profile is not None else None
        if onset is not None and last is not None and onset - ACTIVE_BEFORE <= last:
            priority += 0.25
            reasons.append(f"active in the watch on {last:%Y-%m-%d}")
        if mood.get("positive", 0):
            priority += 0.15
            reasons.append(f"already {_posts(mood['positive'])} positive in the incident")
        scored.append((round(priority, 3), m.key, tuple(reasons), m.examples))
    scored.sort(key=lambda s: (-s[0], s[1]))
    return [
        Helper("mobilise", n, key, "ambassador", priority, reasons, PLAYBOOK["ambassador"], ex)
        for n, (priority, key, reasons, ex) in enumerate(scored[:limit], 1)
    ]
