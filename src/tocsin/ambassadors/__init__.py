"""The ambassador programme (issue 5, item 5): opt-in enrolment, missions proved by ingested
posts with a mandatory disclosure, points, badges, streaks, leaderboards, rewards, and the
customer experiences published unedited.

``rules``        pure: disclosures, what proves a mission, streaks, badges, ranking
``enrolment``    invitation, consent (text and version), opt-out, erasure, excluded countries
``missions``     missions and their completions (counted, or flagged with the reason)
``proofs``       ``check_missions(store, now)``: proofs among stored posts, idempotent
``points``       ledger (append-only, never negative), badges, leaderboard, rewards, redemption
``experiences``  the published experiences and an embeddable page

SQL runs on the store's ``sqlite3`` connection; every state change writes the audit log
(``tocsin.respond.audit``) in its transaction. Errors are ``NotFound`` and ``Conflict``
(``tocsin.respond.errors``): user errors, 404 and 409 for the API.
"""

from tocsin.ambassadors.enrolment import Ambassador, Consent
from tocsin.ambassadors.experiences import PublishedExperience
from tocsin.ambassadors.missions import Completion, Mission
from tocsin.ambassadors.points import LedgerEntry, Redemption, Reward
from tocsin.ambassadors.proofs import CheckResult, check_missions
from tocsin.ambassadors.rules import MissionKind, Standing, Status, find_disclosure

__all__ = [
    "Ambassador",
    "CheckResult",
    "Completion",
    "Consent",
    "LedgerEntry",
    "Mission",
    "MissionKind",
    "PublishedExperience",
    "Redemption",
    "Reward",
    "Standing",
    "Status",
    "check_missions",
    "find_disclosure",
]
