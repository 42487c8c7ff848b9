"""The ambassador programme's pages: enrolments, missions, leaderboard and rewards, with the
forms managers use (invite, record consent, opt out, create and close a mission, add and redeem
a reward), and the embeddable page of published experiences.

Forms post here (CSRF-checked like every state change, ``ambassadors:manage``) and go back to
the page, or to the local path in ``next`` (the incident page's "create a mission"). The rules
are ``tocsin.ambassadors``: a refused change (an excluded country, enrolling twice, a short
balance…) is a 409 page naming why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tocsin.ambassadors import check_missions, enrolment, experiences, missions
from tocsin.ambassadors import points as ledger
from tocsin.ambassadors.missions import MAX_POINTS, MAX_TEXT_CHARS
from tocsin.api.deps import AmbassadorManager, AmbassadorReader, StoreDep
from tocsin.api.errors import ApiError
from tocsin.api.reads import parse_time
from tocsin.api.routes.params import MAX_ROW_ID, RowId
from tocsin.store.sqlite import SQLiteStore
from tocsin.web.inbox import PagesDep
from tocsin.web.safe import safe_next

router = APIRouter(include_in_schema=False)

#: A mission created without a deadline lasts this long.
DEFAULT_MISSION_HOURS = 48
MAX_MISSION_HOURS = 366 * 24


def _now() -> datetime:
    return datetime.now(UTC)


def _back(next: str = "", anchor: str = "") -> Response:
    return RedirectResponse(safe_next(next, "/ambassadors" + anchor), status_code=303)


def _proofs(store: SQLiteStore, mission_id: int) -> tuple[int, int]:
    """(counted, flagged) proofs of a mission."""
    found = missions.completions(store.db, mission_id=mission_id)
    counted = sum(1 for c in found if c.counted)
    return counted, len(found) - counted


@router.get("/ambassadors", response_class=HTMLResponse)
def ambassadors_page(
    request: Request,
    pages: PagesDep,
    store: StoreDep,
    user: AmbassadorReader,
    watch: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    now = _now()
    people = enrolment.list_ambassadors(store.db)
    shown = missions.list_missions(store.db)[:200]
    return pages.render(
        request,
        "ambassadors.html",
        ambassadors=people,
        enrolled=[a for a in people if a.status.value == "enrolled"],
        balances={a.id: ledger.balance(store.db, a.id) for a in people},
        excluded=enrolment.excluded_countries(store.db),
        missions=shown,
        proofs={m.id: _proofs(store, m.id) for m in shown},
        leaderboard=ledger.leaderboard(store.db, now, watch_id=watch or None, limit=50),
        rewards=ledger.list_rewards(store.db, active_only=False),
        watches=store.list_watches(),
        watch=watch,
        default_deadline=(now + timedelta(hours=DEFAULT_MISSION_HOURS)).strftime("%Y-%m-%dT%H:%M"),
    )


@router.post("/ambassadors/invite")
def invite_form(
    store: StoreDep,
    user: AmbassadorManager,
    platform: Annotated[str, Form(min_length=1, max_length=32)],
    author_id: Annotated[str, Form(min_length=1, max_length=512)],
    country: Annotated[str, Form(min_length=2, max_length=64)],
    next: Annotated[str, Form(max_length=2048)] = "",
) -> Response:
    enrolment.invite(store.db, platform, author_id, user.username, country=country)
    return _back(next, "#enrolments")


@router.post("/ambassadors/{ambassador_id}/enrol")
def enrol_form(
    ambassador_id: RowId,
    store: StoreDep,
    user: AmbassadorManager,
    consent_text: Annotated[str, Form(min_length=1, max_length=enrolment.MAX_CONSENT_CHARS)],
    consent_version: Annotated[str, Form(min_length=1, max_length=200)],
    show_name: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    enrolment.enrol(
        store.db,
        ambassador_id,
        consent_text,
        consent_version,
        user.username,
        show_name=bool(show_name),
    )
    return _back(anchor="#enrolments")


@router.post("/ambassadors/{ambassador_id}/opt-out")
def opt_out_form(ambassador_id: RowId, store: StoreDep, user: AmbassadorManager) -> Response:
    enrolment.opt_out(store.db, ambassador_id, user.username)
    return _back(anchor="#enrolments")


@router.post("/ambassadors/countries")
def exclude_form(
    store: StoreDep,
    user: AmbassadorManager,
    country: Annotated[str, Form(min_length=2, max_length=64)],
    reason: Annotated[str, Form(min_length=1, max_length=500)],
) -> Response:
    enrolment.exclude_country(store.db, country, reason, user.username)
    return _back(anchor="#enrolments")


@router.post("/ambassadors/countries/{country}/allow")
def allow_form(
    country: Annotated[str, Path(min_length=2, max_length=64)],
    store: StoreDep,
    user: AmbassadorManager,
) -> Response:
    enrolment.allow_country(store.db, country, user.username)
    return _back(anchor="#enrolments")


@router.post("/missions/check")
def check_form(store: StoreDep, user: AmbassadorManager) -> Response:
    """Check the open missions' proofs now (as ``tocsin missions check``)."""
    check_missions(store, _now(), actor=user.username)
    return _back(anchor="#missions")


@router.post("/missions/new")
def mission_form(
    store: StoreDep,
    user: AmbassadorManager,
    kind: Annotated[str, Form(max_length=16)],
    title: Annotated[str, Form(min_length=1, max_length=200)],
    instructions: Annotated[str, Form(min_length=1, max_length=MAX_TEXT_CHARS)],
    points: Annotated[int, Form(ge=0, le=MAX_POINTS)] = 10,
    deadline: Annotated[str, Form(max_length=64)] = "",
    hours: Annotated[int, Form(ge=1, le=MAX_MISSION_HOURS)] = DEFAULT_MISSION_HOURS,
    watch_id: Annotated[str, Form(max_length=64)] = "",
    incident_id: Annotated[str, Form(max_length=200)] = "",
    target_platform: Annotated[str, Form(max_length=32)] = "",
    target_id: Annotated[str, Form(max_length=512)] = "",
    link: Annotated[str, Form(max_length=2048)] = "",
    hashtag: Annotated[str, Form(max_length=200)] = "",
    assignee: Annotated[str, Form(max_length=19)] = "",
    next: Annotated[str, Form(max_length=2048)] = "",
) -> Response:
    """A mission from the ambassadors page, or from an incident's "who can help" (tied to
    the incident, for the ambassador suggested)."""
    now = _now()
    if assignee and not (assignee.isdigit() and 1 <= int(assignee) <= MAX_ROW_ID):
        raise ApiError(400, "assignee: an ambassador's id")
    due = parse_time(deadline) if deadline.strip() else now + timedelta(hours=hours)
    if due is None or due <= now:
        raise ApiError(400, "the deadline is in the future")
    target = (target_platform, target_id) if target_platform and target_id else None
    missions.add(
        store.db,
        kind,
        user.username,
        title=title,
        instructions=instructions,
        deadline=due,
        points=points,
        watch_id=watch_id or None,
        incident_id=incident_id or None,
        target=target,
        link=link or None,
        hashtag=hashtag or None,
        assignees=(int(assignee),) if assignee else (),
        now=now,
    )
    return _back(next, "#missions")


@router.post("/missions/{mission_id}/close")
def close_form(mission_id: RowId, store: StoreDep, user: AmbassadorManager) -> Response:
    missions.close(store.db, mission_id, user.username)
    return _back(anchor="#missions")


@router.post("/rewards/new")
def reward_form(
    store: StoreDep,
    user: AmbassadorManager,
    name: Annotated[str, Form(min_length=1, max_length=200)],
    cost: Annotated[int, Form(ge=1, le=10_000_000)],
    description: Annotated[str, Form(max_length=2_000)] = "",
    stock: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    count = None
    if stock.strip():
        if not stock.strip().isdigit() or int(stock) > 10_000_000:
            raise ApiError(400, "stock: a whole number, or nothing for unlimited")
        count = int(stock)
    ledger.add_reward(store.db, name, cost, user.username, description=description, stock=count)
    return _back(anchor="#rewards")


@router.post("/rewards/{reward_id}/withdraw")
def withdraw_form(reward_id: RowId, store: StoreDep, user: AmbassadorManager) -> Response:
    ledger.withdraw_reward(store.db, reward_id, user.username)
    return _back(anchor="#rewards")


@router.post("/rewards/{reward_id}/redeem")
def redeem_form(
    reward_id: RowId,
    store: StoreDep,
    user: AmbassadorManager,
    ambassador_id: Annotated[int, Form(ge=1, le=MAX_ROW_ID)],
) -> Response:
    ledger.redeem(store.db, reward_id, ambassador_id, user.username)
    return _back(anchor="#rewards")


@router.get("/experiences", response_class=HTMLResponse)
def experiences_page(
    request: Request,
    pages: PagesDep,
    store: StoreDep,
    watch: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """Public and embeddable (an ``<iframe>`` on the brand's site): the experiences shared
    through the programme, unedited, with their disclosure; names and links only with
    consent. Nothing on it acts: no form, no session."""
    found = experiences.published(store.db, watch_id=watch or None, limit=50)
    return pages.render(request, "experiences.html", items=found)
