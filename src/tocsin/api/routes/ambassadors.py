"""The ambassador programme: enrolments (invite, enrol with consent, opt out), missions,
completions, the leaderboard, rewards and the published experiences. Reading the programme is
``ambassadors:read``; every change is ``ambassadors:manage`` and is audited by
``tocsin.ambassadors`` in its transaction. Unknown ids are 404, a change the current state does
not allow (enrolling twice, an excluded country, a short balance…) is 409."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from tocsin.ambassadors import check_missions, enrolment, experiences, missions, points
from tocsin.api.deps import AmbassadorManager, AmbassadorReader, StoreDep
from tocsin.api.errors import ApiError
from tocsin.api.people_models import (
    AmbassadorDetailPublic,
    AmbassadorEnrol,
    AmbassadorInvite,
    AmbassadorPublic,
    AmbassadorsPublic,
    AmbassadorStatus,
    CheckPublic,
    CompletionPublic,
    CompletionsPublic,
    ConsentPublic,
    CountryExclude,
    ExperiencePublic,
    ExperiencesPublic,
    LeaderboardPublic,
    MissionCreate,
    MissionPublic,
    MissionsPublic,
    RedemptionPublic,
    RewardCreate,
    RewardPublic,
    RewardRedeem,
    RewardsPublic,
    StandingPublic,
)
from tocsin.api.routes.params import RowId

router = APIRouter(tags=["ambassadors"])
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "Not possible in the current state"}
}


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(value: datetime) -> datetime:
    """A time without an offset is UTC; years outside 1970–2999 are refused."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if not 1970 <= value.year <= 2999:
        raise ApiError(400, "a time between 1970 and 2999")
    return value


# -- enrolments -------------------------------------------------------------------------------


@router.get("/ambassadors", operation_id="listAmbassadors")
def list_ambassadors(
    user: AmbassadorReader, store: StoreDep, status: AmbassadorStatus | None = None
) -> AmbassadorsPublic:
    """Every invited, enrolled or opted-out ambassador, by id, and the excluded countries."""
    found = enrolment.list_ambassadors(store.db, status)
    return AmbassadorsPublic(
        data=[AmbassadorPublic.of(a) for a in found],
        count=len(found),
        excluded_countries=enrolment.excluded_countries(store.db),
    )


@router.post("/ambassadors", operation_id="inviteAmbassador", status_code=201, responses=_CONFLICT)
def invite_ambassador(
    body: AmbassadorInvite, user: AmbassadorManager, store: StoreDep
) -> AmbassadorPublic:
    """Invite an author (nothing happens until they consent). Refused in an excluded country
    or when already invited or enrolled."""
    a = enrolment.invite(
        store.db,
        body.platform,
        body.author_id,
        user.username,
        country=body.country,
        handle=body.handle,
        display_name=body.display_name,
    )
    return AmbassadorPublic.of(a)


@router.get("/ambassadors/{ambassador_id}", operation_id="getAmbassador")
def get_ambassador(
    ambassador_id: RowId, user: AmbassadorReader, store: StoreDep
) -> AmbassadorDetailPublic:
    """One ambassador with their balance, streak, badges and consents (word for word)."""
    a = enrolment.get(store.db, ambassador_id)
    return AmbassadorDetailPublic(
        **AmbassadorPublic.of(a).model_dump(),
        balance=points.balance(store.db, a.id),
        streak=points.streak(store.db, a.id, _now()),
        badges=points.badges(store.db, a.id),
        consents=[ConsentPublic.of(c) for c in enrolment.consents(store.db, a.id)],
    )


@router.post(
    "/ambassadors/{ambassador_id}/enrol", operation_id="enrolAmbassador", responses=_CONFLICT
)
def enrol_ambassador(
    ambassador_id: RowId, body: AmbassadorEnrol, user: AmbassadorManager, store: StoreDep
) -> AmbassadorPublic:
    """Record the invited author's consent word for word, with its version, and enrol them.
    ``show_name``: they also agreed to their name being shown in public."""
    a = enrolment.enrol(
        store.db,
        ambassador_id,
        body.consent_text,
        body.consent_version,
        user.username,
        show_name=body.show_name,
    )
    return AmbassadorPublic.of(a)


@router.post(
    "/ambassadors/{ambassador_id}/opt-out", operation_id="optOutAmbassador", responses=_CONFLICT
)
def opt_out_ambassador(
    ambassador_id: RowId, user: AmbassadorManager, store: StoreDep
) -> AmbassadorPublic:
    """Stop everything at once: no missions, points or redemptions; consents withdrawn."""
    return AmbassadorPublic.of(enrolment.opt_out(store.db, ambassador_id, user.username))


@router.post(
    "/ambassadors/countries", operation_id="excludeCountry", status_code=204, responses=_CONFLICT
)
def exclude_country(body: CountryExclude, user: AmbassadorManager, store: StoreDep) -> Response:
    """Stop the programme in a country: no enrolment there, and no missions or points for
    the ambassadors already enrolled there while it stays excluded."""
    enrolment.exclude_country(store.db, body.country, body.reason, user.username)
    return Response(status_code=204)


@router.delete(
    "/ambassadors/countries/{country}",
    operation_id="allowCountry",
    status_code=204,
    responses=_CONFLICT,
)
def allow_country(
    country: Annotated[str, Path(min_length=2, max_length=64)],
    user: AmbassadorManager,
    store: StoreDep,
) -> Response:
    enrolment.allow_country(store.db, country, user.username)
    return Response(status_code=204)


# -- missions ---------------------------------------------------------------------------------


@router.get("/missions", operation_id="listMissions")
def list_missions(
    user: AmbassadorReader, store: StoreDep, status: Literal["open", "closed"] | None = None
) -> MissionsPublic:
    """Newest deadline first."""
    found = missions.list_missions(store.db, status)
    return MissionsPublic(data=[MissionPublic.of(m) for m in found], count=len(found))


@router.post("/missions", operation_id="createMission", status_code=201, responses=_CONFLICT)
def create_mission(body: MissionCreate, user: AmbassadorManager, store: StoreDep) -> MissionPublic:
    """A mission tied to a campaign (a watch) or an incident: share a post, a link or a
    hashtag; answer in a thread; or tell one's own experience. Proofs are ingested posts with
    a disclosure (``tocsin missions check``)."""
    m = missions.add(
        store.db,
        body.kind,
        user.username,
        title=body.title,
        instructions=body.instructions,
        deadline=_utc(body.deadline),
        points=body.points,
        watch_id=body.watch_id or None,
        incident_id=body.incident_id or None,
        target=(body.target.platform, body.target.native_id) if body.target else None,
        link=body.link,
        hashtag=body.hashtag,
        starts_at=_utc(body.starts_at) if body.starts_at else None,
        assignees=tuple(dict.fromkeys(body.assignees)),
    )
    return MissionPublic.of(m)


@router.post("/missions/{mission_id}/close", operation_id="closeMission", responses=_CONFLICT)
def close_mission(mission_id: RowId, user: AmbassadorManager, store: StoreDep) -> MissionPublic:
    """No more proofs are checked; what counted stays counted."""
    return MissionPublic.of(missions.close(store.db, mission_id, user.username))


@router.post("/missions/check", operation_id="checkMissions")
def check_open_missions(user: AmbassadorManager, store: StoreDep) -> CheckPublic:
    """Check the open missions' proofs among the stored posts now (what ``tocsin missions
    check`` runs on a schedule): idempotent; points and badges awarded."""
    return CheckPublic.of(check_missions(store, _now(), actor=user.username))


@router.get("/missions/{mission_id}/completions", operation_id="listCompletions")
def list_completions(
    mission_id: RowId,
    user: AmbassadorReader,
    store: StoreDep,
    counted: bool | None = None,
) -> CompletionsPublic:
    """Proofs recorded for a mission: counted, or flagged with the reason (no disclosure…)."""
    missions.get(store.db, mission_id)  # 404 for an unknown mission
    found = missions.completions(store.db, mission_id=mission_id, counted=counted)
    return CompletionsPublic(data=[CompletionPublic.of(c) for c in found], count=len(found))


# -- points and rewards -----------------------------------------------------------------------


@router.get("/leaderboard", operation_id="getLeaderboard")
def get_leaderboard(
    user: AmbassadorReader,
    store: StoreDep,
    watch: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
) -> LeaderboardPublic:
    """Enrolled ambassadors by points earned (spending does not lower a rank); names only
    with consent."""
    rows = points.leaderboard(store.db, _now(), watch_id=watch or None, limit=limit)
    return LeaderboardPublic(data=[StandingPublic.of(s) for s in rows], count=len(rows))


@router.get("/rewards", operation_id="listRewards")
def list_rewards(user: AmbassadorReader, store: StoreDep, withdrawn: bool = False) -> RewardsPublic:
    """The catalogue, cheapest first (``withdrawn``: withdrawn rewards too)."""
    found = points.list_rewards(store.db, active_only=not withdrawn)
    return RewardsPublic(data=[RewardPublic.of(r) for r in found], count=len(found))


@router.post("/rewards", operation_id="createReward", status_code=201, responses=_CONFLICT)
def create_reward(body: RewardCreate, user: AmbassadorManager, store: StoreDep) -> RewardPublic:
    r = points.add_reward(
        store.db,
        body.name,
        body.cost,
        user.username,
        description=body.description,
        stock=body.stock,
    )
    return RewardPublic.of(r)


@router.post("/rewards/{reward_id}/withdraw", operation_id="withdrawReward", responses=_CONFLICT)
def withdraw_reward(reward_id: RowId, user: AmbassadorManager, store: StoreDep) -> RewardPublic:
    """Out of the catalogue; redemptions already made stay."""
    return RewardPublic.of(points.withdraw_reward(store.db, reward_id, user.username))


@router.post("/rewards/{reward_id}/redeem", operation_id="redeemReward", responses=_CONFLICT)
def redeem_reward(
    reward_id: RowId, body: RewardRedeem, user: AmbassadorManager, store: StoreDep
) -> RedemptionPublic:
    """Spend an ambassador's points: balance, debit, stock and audit in one transaction."""
    r = points.redeem(store.db, reward_id, body.ambassador_id, user.username)
    return RedemptionPublic.of(r)


@router.get("/experiences", operation_id="listExperiences")
def list_experiences(
    user: AmbassadorReader,
    store: StoreDep,
    watch: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ExperiencesPublic:
    """Customer experiences shared through the programme, published unedited with their
    disclosure, newest first (names and links only with consent)."""
    found = experiences.published(store.db, watch_id=watch or None, limit=limit)
    return ExperiencesPublic(data=[ExperiencePublic.of(x) for x in found], count=len(found))
