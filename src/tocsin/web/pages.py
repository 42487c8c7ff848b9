"""The pages: login, dashboard, search, mention, account. Not in the OpenAPI document."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.params import Depends
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from tocsin.api.auth import csrf
from tocsin.api.auth.accounts import Accounts
from tocsin.api.auth.permissions import Permission, allowed
from tocsin.api.deps import AccountUser, MaybeUser, MentionReader, StateDep, StoreDep, WatchReader
from tocsin.api.errors import ApiError
from tocsin.api.reads import Cursor, parse_time, search_page, timeline, volume_window
from tocsin.domain.incident import Incident
from tocsin.domain.watch import MAX_QUERY_CHARS
from tocsin.errors import QueryError, UsageError
from tocsin.query import parse
from tocsin.respond import audit, cases, moderation
from tocsin.respond.rules import HideReason, suggested_hide_reason
from tocsin.store.base import SearchQuery
from tocsin.store.rollup import ALL
from tocsin.store.sqlite import SQLiteStore
from tocsin.store.sqlite_incidents import SQLiteIncidents
from tocsin.web.i18n import LANG_COOKIE, LANGUAGES, Translator, choose_language
from tocsin.web.render import Pages
from tocsin.web.safe import safe_next
from tocsin.web.svg import bar_chart

router = APIRouter(include_in_schema=False)
SEARCH_PAGE_SIZE = 50


def get_pages(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


PagesDep = Annotated[Pages, Depends(get_pages)]


# -- signing in and out -----------------------------------------------------------------------


@router.get("/login")
def login_page(request: Request, pages: PagesDep, user: MaybeUser, next: str = "/") -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return pages.render(request, "login.html", next=safe_next(next), error=None, username="")


@router.post("/login")
def login(
    request: Request,
    pages: PagesDep,
    state: StateDep,
    store: StoreDep,
    username: Annotated[str, Form(max_length=256)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2048)] = "/",
) -> Response:
    settings = state.settings
    lang = choose_language(request, settings.default_language)
    t = Translator(lang)
    if state.throttle.blocked(username):
        return pages.render(
            request,
            "login.html",
            status=429,
            next=safe_next(next),
            error=t("login.throttled"),
            username=username,
        )
    accounts = Accounts(store.db)
    user = accounts.authenticate(username, password)
    if user is None:
        state.throttle.failed(username)
        return pages.render(
            request,
            "login.html",
            status=401,
            next=safe_next(next),
            error=t("login.failed"),
            username=username,
        )
    state.throttle.succeeded(username)
    old = request.cookies.get(csrf.SESSION_COOKIE)
    if old:
        accounts.close_session(old)
    accounts.purge_expired_sessions()
    ttl = timedelta(hours=settings.session_hours)
    secret = accounts.open_session(user.id, ttl)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        csrf.SESSION_COOKIE,
        secret,
        max_age=int(ttl.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
    return response


@router.post("/logout")
def logout(request: Request, store: StoreDep) -> Response:
    secret = request.cookies.get(csrf.SESSION_COOKIE)
    if secret:
        Accounts(store.db).close_session(secret)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(csrf.SESSION_COOKIE, httponly=True, samesite="lax")
    return response


@router.post("/lang")
def set_language(
    lang: Annotated[str, Form(max_length=8)],
    next: Annotated[str, Form(max_length=2048)] = "/",
) -> Response:
    if lang not in LANGUAGES:
        raise ApiError(400, f"language: one of {', '.join(LANGUAGES)}")
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, httponly=True, samesite="lax")
    return response


# -- dashboard --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Card:
    watch_id: str
    label: str
    query: str
    last_hour: int
    last_48h: int
    negative_48h: int
    analysed_48h: int
    hourly: Markup
    minutely: Markup

    @property
    def negative_share(self) -> float | None:
        """Share of negative posts among the analysed ones over 48 hours."""
        return self.negative_48h / self.analysed_48h if self.analysed_48h else None


def dashboard_cards(store: SQLiteStore, t: Translator) -> list[Card]:
    watches = [(ALL, t("dash.all_mentions"), "")]
    watches += [(w.id, w.label, w.query) for w in store.list_watches()]
    ids = [w for w, _, _ in watches]
    h_start, h_end = volume_window(store, "hour", None, None)
    m_start, m_end = volume_window(store, "minute", None, None)
    hourly = timeline(store, ids, "hour", h_start, h_end)
    minutely = timeline(store, ids, "minute", m_start, m_end)
    negative = t("dash.negative")
    cards = []
    for wid, label, query in watches:
        hours, minutes = hourly[wid], minutely[wid]
        cards.append(
            Card(
                watch_id=wid,
                label=label,
                query=query,
                last_hour=sum(p.volume for p in minutes),
                last_48h=sum(p.volume for p in hours),
                negative_48h=sum(p.negative for p in hours),
                analysed_48h=sum(p.negative + p.neutral + p.positive for p in hours),
                hourly=bar_chart(
                    [(p.start, p.volume) for p in hours],
                    "hour",
                    label=t("dash.chart_hourly", watch=label),
                    negative=[p.negative for p in hours],
                    negative_label=negative,
                ),
                minutely=bar_chart(
                    [(p.start, p.volume) for p in minutes],
                    "minute",
                    label=t("dash.chart_minutely", watch=label),
                    height=110,
                    negative=[p.negative for p in minutes],
                    negative_label=negative,
                ),
            )
        )
    return cards


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, pages: PagesDep, store: StoreDep, user: WatchReader) -> Response:
    t = Translator(choose_language(request, pages.settings.default_language))
    return pages.render(
        request, "dashboard.html", cards=dashboard_cards(store, t), incidents=_open(store)
    )


@router.get("/dashboard/cards", response_class=HTMLResponse)
def dashboard_fragment(
    request: Request, pages: PagesDep, store: StoreDep, user: WatchReader
) -> Response:
    """The cards alone: the page's script swaps them in when the volume stream says so."""
    t = Translator(choose_language(request, pages.settings.default_language))
    return pages.render(
        request, "_cards.html", cards=dashboard_cards(store, t), incidents=_open(store)
    )


def _open(store: SQLiteStore) -> list[Incident]:
    """The incident feed of the dashboard: open incidents, newest onset first."""
    return SQLiteIncidents(store.db).find(status="open", limit=10)


# -- search and mentions ----------------------------------------------------------------------


@router.get("/search", response_class=HTMLResponse)
def search(
    request: Request,
    pages: PagesDep,
    store: StoreDep,
    user: MentionReader,
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS)] = "",
    since: Annotated[str, Query(max_length=64)] = "",
    until: Annotated[str, Query(max_length=64)] = "",
    lang: Annotated[str, Query(max_length=16)] = "",
    platform: Annotated[str, Query(max_length=32)] = "",
    watch: Annotated[str, Query(max_length=64)] = "",
    cursor: Annotated[str, Query(max_length=512)] = "",
) -> Response:
    form = {
        "q": q,
        "since": since,
        "until": until,
        "lang": lang,
        "platform": platform,
        "watch": watch,
    }
    context: dict[str, Any] = {
        "form": form,
        "watches": store.list_watches(),
        "results": None,
        "error": None,
        "error_position": None,
        "next_url": None,
        "export_url": None,
    }
    asked = any(form.values()) or "q" in request.query_params
    if not asked:
        return pages.render(request, "search.html", **context)
    try:
        text = q.strip() or None
        if text is not None:
            parse(text)
        query = SearchQuery(
            text=text,
            since=parse_time(since),
            until=parse_time(until),
            languages=(lang.strip().lower(),) if lang.strip() else (),
            platforms=(platform.strip().lower(),) if platform.strip() else (),
            watch_id=watch or None,
        )
        results, next_cursor = search_page(
            store, query, SEARCH_PAGE_SIZE, Cursor.decode(cursor) if cursor else None
        )
    except QueryError as exc:
        context.update(error=str(exc), error_position=exc.position)
        return pages.render(request, "search.html", status=400, **context)
    except UsageError as exc:
        context["error"] = str(exc)
        return pages.render(request, "search.html", status=400, **context)
    filled = {k: v for k, v in form.items() if v}
    context["results"] = results
    context["hidden"] = moderation.hidden_among(store.db, (i.mention.key for i in results))
    context["reveal"] = allowed(user.role, Permission.MENTIONS_MODERATE)
    if next_cursor is not None:
        context["next_url"] = "/search?" + urlencode({**filled, "cursor": next_cursor.encode()})
    if allowed(user.role, Permission.MENTIONS_EXPORT):
        context["export_url"] = "/api/mentions.csv?" + urlencode(filled)
        context["parquet_url"] = "/api/mentions.parquet?" + urlencode(filled)
    return pages.render(request, "search.html", **context)


@router.get("/mentions/{platform}/{native_id:path}", response_class=HTMLResponse)
def mention_page(
    request: Request,
    pages: PagesDep,
    store: StoreDep,
    user: MentionReader,
    platform: str,
    native_id: str,
) -> Response:
    item = store.get_mention(platform, native_id)
    if item is None:
        raise ApiError(404, "no such mention")
    m = item.mention
    context = []
    for relation, ref in (
        ("reply_to", m.reply_to),
        ("quote_of", m.quote_of),
        ("repost_of", m.repost_of),
    ):
        if ref:
            context.append((relation, ref, store.get_mention(m.platform, ref)))
    decision = moderation.get(store.db, m.platform, m.native_id)
    return pages.render(
        request,
        "mention.html",
        item=item,
        m=m,
        thread=context,
        case=cases.find(store.db, m.platform, m.native_id),
        hidden=decision if decision is not None and decision.hidden else None,
        reveal=allowed(user.role, Permission.MENTIONS_MODERATE),
        hide_reasons=[r.value for r in HideReason],
        suggested_reason=suggested_hide_reason(m),
    )


# -- account ----------------------------------------------------------------------------------


def _account(
    request: Request, pages: PagesDep, store: SQLiteStore, user: Any, **extra: Any
) -> Response:
    tokens = Accounts(store.db).list_tokens(user.id)
    context: dict[str, Any] = {"tokens": tokens, "new_token": None, "error": None}
    context.update(extra)
    return pages.render(request, "account.html", **context)


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, pages: PagesDep, store: StoreDep, user: AccountUser) -> Response:
    return _account(request, pages, store, user)


@router.post("/account/tokens", response_class=HTMLResponse)
def account_new_token(
    request: Request,
    pages: PagesDep,
    store: StoreDep,
    user: AccountUser,
    name: Annotated[str, Form(min_length=1, max_length=100)],
) -> Response:
    """The secret is on this page only: it is stored hashed."""
    info, secret = Accounts(store.db).create_token(user.id, name)
    audit.record(
        store.db,
        user.username,
        "token.create",
        f"user:{user.id}",
        {"token": info.id, "name": info.name, "prefix": info.prefix},
    )
    return _account(request, pages, store, user, new_token=secret)


@router.post("/account/tokens/{token_id}/revoke")
def account_revoke_token(token_id: int, store: StoreDep, user: AccountUser) -> Response:
    if not Accounts(store.db).revoke_token(user.id, token_id):
        raise ApiError(404, "no such active token of yours")
    audit.record(store.db, user.username, "token.revoke", f"user:{user.id}", {"token": token_id})
    return RedirectResponse("/account", status_code=303)
