"""The server: ``create_app(settings)`` builds it, ``serve`` runs it with uvicorn.

Layers, outermost first: security headers → catch-all (a plain 500, never a traceback) →
FastAPI's error handlers (one envelope, or a page) → the CSRF check, before every endpoint →
the endpoint's ``Need(permission)``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from tocsin import __version__
from tocsin.api.auth.accounts import LoginThrottle
from tocsin.api.deps import ServerState, endpoints, verify_csrf
from tocsin.api.errors import CatchAllMiddleware, ErrorResponder, install_error_handlers
from tocsin.api.headers import SecurityHeadersMiddleware
from tocsin.api.models import ErrorEnvelope
from tocsin.api.pool import StorePool
from tocsin.api.routes import api_router
from tocsin.api.settings import ServerSettings, load_settings
from tocsin.bootstrap import Settings, open_store
from tocsin.web import ambassadors, inbox, incidents, pages, people
from tocsin.web.embed import EmbeddableMiddleware
from tocsin.web.render import Pages

_ERROR_STATUSES = {
    "400": "Invalid request (an invalid query gives the position of the fault)",
    "401": "Not signed in, or the API token is invalid",
    "403": "Your role may not do this",
    "404": "Not found",
}


def _operation_id(route: APIRoute) -> str:
    return route.operation_id or route.name


def create_app(settings: ServerSettings | None = None) -> FastAPI:
    """The whole server (API and pages) on the configured database. Opens nothing until the
    first request; the pool is closed when the app shuts down."""
    settings = settings or load_settings()
    pool = StorePool(Settings(db=settings.db, durability=settings.durability))
    throttle = LoginThrottle(settings.login_attempts, settings.login_window_minutes * 60)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        pool.close()

    app = FastAPI(
        title="Tocsin",
        version=__version__,
        summary="Social listening and bad-buzz early warning: REST API.",
        openapi_url="/api/openapi.json",
        docs_url=None,  # Swagger UI and ReDoc load scripts from CDNs: not under this CSP
        redoc_url=None,
        lifespan=lifespan,
        dependencies=[Depends(verify_csrf)],
        generate_unique_id_function=_operation_id,
    )
    app.state.tocsin = ServerState(settings, pool, throttle)
    app.state.pages = renderer = Pages(settings)
    respond = ErrorResponder(renderer.error_response)
    install_error_handlers(app, respond)
    app.include_router(api_router())
    app.include_router(pages.router)
    app.include_router(inbox.router)
    app.include_router(incidents.router)
    app.include_router(people.router)
    app.include_router(ambassadors.router)
    app.mount("/static", StaticFiles(packages=[("tocsin.web", "static")]), name="static")
    app.add_middleware(CatchAllMiddleware, respond=respond)
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.secure_cookies)
    app.add_middleware(EmbeddableMiddleware)  # outermost: /experiences may be framed

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _openapi_document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _openapi_document(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document with Tocsin's error envelope (400, not 422) and each operation's
    permission as ``x-permission``."""
    doc = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["ErrorEnvelope"] = ErrorEnvelope.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}
    permissions = {e.name: e.permission for e in endpoints(app)}
    for operations in doc.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            for status, description in _ERROR_STATUSES.items():
                responses.setdefault(status, {"description": description, "content": error})
            permission = permissions.get(operation.get("operationId", ""))
            if permission is not None:
                operation["x-permission"] = permission.value
    return doc


def serve(
    store_settings: Settings | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    **overrides: Any,
) -> None:
    """Run the server until interrupted (``tocsin serve``). ``store_settings`` (the CLI's
    ``--db``) win over ``TOCSIN_DB``; ``overrides`` over any other ``TOCSIN_*`` setting.
    Raises ``TocsinError`` (one line) on a bad setting or an uninitialised database."""
    import uvicorn

    if store_settings is not None:
        overrides = {"db": store_settings.db, "durability": store_settings.durability, **overrides}
    settings = load_settings(**overrides)
    open_store(Settings(db=settings.db, durability=settings.durability)).close()  # fail early
    uvicorn.run(create_app(settings), host=host, port=port, server_header=False, log_level="info")
