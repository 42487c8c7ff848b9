"""One error envelope for every JSON answer, ``{"ok": false, "error": ..., "status": ...}``,
and one place that picks JSON or a page: paths under ``/api/`` get JSON, the rest a page.

    ApiError            raised by endpoints and dependencies: a status and a message
    QueryError          (tocsin.errors) an invalid watch query: 400 with its ``position``
    StoreError          (tocsin.errors) the database is missing or refuses: 503
    NotFound, Conflict  (tocsin.respond) no such case, reply…: 404; not in this state: 409
    TocsinError         any other user error: 400
    HTTPException       Starlette's (unknown route, wrong method): its status
    RequestValidationError  a bad parameter: 400 naming it
    anything else       logged with its traceback; the user gets a plain 500, never the trace
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tocsin.errors import QueryError, StoreError, TocsinError
from tocsin.respond.errors import Conflict, NotFound

log = logging.getLogger("tocsin.web")

#: Renders an error as a page: (request, status, message) -> response.
HtmlRenderer = Callable[[Request, int, str], Response]


class ApiError(Exception):
    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra
        self.headers: dict[str, str] = {}


def envelope(status: int, message: str, **extra: Any) -> dict[str, Any]:
    return {"ok": False, "error": message, "status": status, **extra}


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def _validation_message(exc: RequestValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return "invalid request"
    first = errors[0]
    loc = [str(p) for p in first.get("loc", ())]
    where = f"{loc[0]} parameter {'.'.join(loc[1:])!r}" if len(loc) > 1 else "request"
    return f"{where}: {first.get('msg', 'invalid')}"


class ErrorResponder:
    """Turns an error into the envelope or a page."""

    def __init__(self, render_html: HtmlRenderer | None = None) -> None:
        self.render_html = render_html

    def __call__(
        self,
        request: Request,
        status: int,
        message: str,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> Response:
        headers = dict(headers or {})
        if self.render_html is not None and not wants_json(request):
            response = self.render_html(request, status, message)
            headers.pop("www-authenticate", None)  # pages sign in through /login
        else:
            response = JSONResponse(envelope(status, message, **extra), status_code=status)
        for name, value in headers.items():
            response.headers[name] = value
        return response


def install_error_handlers(app: FastAPI, respond: ErrorResponder) -> None:
    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return respond(request, exc.status, exc.message, exc.headers, **exc.extra)

    async def query_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, QueryError)
        return respond(request, 400, str(exc), position=exc.position)

    async def store_error(request: Request, exc: Exception) -> Response:
        log.error("store error on %s: %s", request.url.path, exc)
        return respond(request, 503, str(exc))

    async def tocsin_error(request: Request, exc: Exception) -> Response:
        return respond(request, 400, str(exc))

    async def not_found(request: Request, exc: Exception) -> Response:
        return respond(request, 404, str(exc))

    async def conflict(request: Request, exc: Exception) -> Response:
        return respond(request, 409, str(exc))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return respond(request, exc.status_code, str(exc.detail), dict(exc.headers or {}))

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return respond(request, 400, _validation_message(exc))

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(QueryError, query_error)
    app.add_exception_handler(StoreError, store_error)
    app.add_exception_handler(TocsinError, tocsin_error)
    app.add_exception_handler(NotFound, not_found)
    app.add_exception_handler(Conflict, conflict)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)


class CatchAllMiddleware:
    """Any exception no handler took: logged with its traceback, answered with a plain 500
    (the envelope or a page). Not re-raised: nothing of it reaches the user."""

    def __init__(self, app: ASGIApp, respond: ErrorResponder) -> None:
        self.app = app
        self.respond = respond

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:  # headers are gone: the client sees a cut response, not a trace
                return
            response = self.respond(Request(scope), 500, "internal error")
            await response(scope, receive, send)
