"""Typed dependencies: the settings, a borrowed store, the signed-in user, and ``Need(P)``,
the one check of a permission (see ``auth.permissions.PERMISSIONS``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, Request
from fastapi import routing as fastapi_routing
from fastapi.routing import APIRoute

from tocsin.api.auth import csrf
from tocsin.api.auth.accounts import Accounts, LoginThrottle, User
from tocsin.api.auth.permissions import Permission, allowed
from tocsin.api.errors import ApiError
from tocsin.api.pool import StorePool
from tocsin.api.settings import ServerSettings
from tocsin.store.sqlite import SQLiteStore


@dataclass(slots=True)
class ServerState:
    """What one app instance holds (``app.state.tocsin``): no module-level state anywhere."""

    settings: ServerSettings
    pool: StorePool
    throttle: LoginThrottle


def get_state(request: Request) -> ServerState:
    state: ServerState = request.app.state.tocsin
    return state


StateDep = Annotated[ServerState, Depends(get_state)]


def get_settings(state: StateDep) -> ServerSettings:
    return state.settings


SettingsDep = Annotated[ServerSettings, Depends(get_settings)]


def get_store(state: StateDep) -> Iterator[SQLiteStore]:
    with state.pool.borrow() as store:
        yield store


StoreDep = Annotated[SQLiteStore, Depends(get_store)]


def current_user(request: Request, store: StoreDep) -> User | None:
    """The user of an ``Authorization: Bearer`` token, else of the session cookie. A request
    that sends the header is judged by it alone (no falling back on cookies)."""
    accounts = Accounts(store.db)
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, value = header.partition(" ")
        user = accounts.token_user(value.strip()) if scheme.lower() == "bearer" else None
        request.state.auth = "token"
    else:
        secret = request.cookies.get(csrf.SESSION_COOKIE)
        user = accounts.session_user(secret) if secret else None
        request.state.auth = "session"
    request.state.user = user
    return user


MaybeUser = Annotated[User | None, Depends(current_user)]


class Need:
    """Dependency: the signed-in user, if their role holds ``permission``; else 401 or 403."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    def __call__(self, user: MaybeUser) -> User:
        if user is None:
            error = ApiError(401, "sign in first, or send a valid API token")
            error.headers["www-authenticate"] = "Bearer"
            raise error
        if not allowed(user.role, self.permission):
            raise ApiError(403, f"your role ({user.role}) may not do this ({self.permission})")
        return user

    def __repr__(self) -> str:
        return f"Need({self.permission.value!r})"


AccountUser = Annotated[User, Depends(Need(Permission.ACCOUNT_SELF))]
WatchReader = Annotated[User, Depends(Need(Permission.WATCHES_READ))]
MentionReader = Annotated[User, Depends(Need(Permission.MENTIONS_READ))]
MentionExporter = Annotated[User, Depends(Need(Permission.MENTIONS_EXPORT))]
UserManager = Annotated[User, Depends(Need(Permission.USERS_MANAGE))]
CaseReader = Annotated[User, Depends(Need(Permission.CASES_READ))]
CaseWorker = Annotated[User, Depends(Need(Permission.CASES_WORK))]
ReplyApprover = Annotated[User, Depends(Need(Permission.REPLIES_APPROVE))]
CaseEscalator = Annotated[User, Depends(Need(Permission.CASES_ESCALATE))]
TemplateManager = Annotated[User, Depends(Need(Permission.TEMPLATES_MANAGE))]
Moderator = Annotated[User, Depends(Need(Permission.MENTIONS_MODERATE))]
AuditReader = Annotated[User, Depends(Need(Permission.AUDIT_READ))]
IncidentReader = Annotated[User, Depends(Need(Permission.INCIDENTS_READ))]
AuthorReader = Annotated[User, Depends(Need(Permission.AUTHORS_READ))]
AmbassadorReader = Annotated[User, Depends(Need(Permission.AMBASSADORS_READ))]
AmbassadorManager = Annotated[User, Depends(Need(Permission.AMBASSADORS_MANAGE))]


async def verify_csrf(request: Request, settings: SettingsDep) -> None:
    """Runs before every endpoint: a state-changing request from a browser must come from
    this site (Origin, Sec-Fetch-Site) and carry the CSRF token of its cookies."""
    if request.method in csrf.SAFE_METHODS or "authorization" in request.headers:
        return
    site = request.headers.get("sec-fetch-site")
    if site == "cross-site":
        raise ApiError(403, "cross-site request refused")
    origin = request.headers.get("origin")
    # Under ``Referrer-Policy: no-referrer`` browsers send ``Origin: null`` with every form
    # POST, even to their own site: then Sec-Fetch-Site must say it is ours.
    if origin == "null":
        if site != "same-origin":
            raise ApiError(403, "cross-origin request refused")
    elif origin is not None and urlsplit(origin).netloc != request.headers.get("host"):
        raise ApiError(403, "cross-origin request refused")
    sent = request.headers.get(csrf.CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(csrf.CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not csrf.valid(settings.secret, csrf.binding(dict(request.cookies)), sent):
        raise ApiError(403, "missing or invalid CSRF token: reload the page and try again")


@dataclass(frozen=True, slots=True)
class Endpoint:
    method: str
    path: str
    name: str
    permission: Permission | None  # None: public
    in_schema: bool


def route_permission(route: object) -> Permission | None:
    """The permission a route needs (its ``Need`` dependency, however deep), or ``None``."""
    dependant = getattr(route, "dependant", None)
    stack = [dependant] if dependant is not None else []
    while stack:
        current = stack.pop()
        call = getattr(current, "call", None)
        if isinstance(call, Need):
            return call.permission
        stack.extend(getattr(current, "dependencies", []))
    return None


def endpoints(app: FastAPI) -> list[Endpoint]:
    """Every endpoint of the app with the permission it needs (for the OpenAPI document and
    the test that tries every role on every endpoint)."""
    iter_contexts = getattr(fastapi_routing, "iter_route_contexts", None)
    if iter_contexts is not None:  # FastAPI >= 0.16x nests included routers
        pairs = [(c.path, c.methods, c.original_route) for c in iter_contexts(app.routes)]
    else:
        pairs = [(getattr(r, "path", ""), getattr(r, "methods", None), r) for r in app.routes]
    out = []
    for path, methods, route in pairs:
        if not isinstance(route, APIRoute):
            continue
        for method in sorted(methods or ()):
            out.append(
                Endpoint(
                    method=method,
                    path=str(path),
                    name=route.operation_id or route.name,
                    permission=route_permission(route),
                    in_schema=route.include_in_schema,
                )
            )
    return out
