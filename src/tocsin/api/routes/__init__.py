"""The REST API under ``/api``: every route has a stable ``operation_id`` and names the
permission it needs."""

from fastapi import APIRouter

from tocsin.api.routes import (
    account,
    ambassadors,
    authors,
    inbox,
    incidents,
    mentions,
    stream,
    users,
    watches,
)


def api_router() -> APIRouter:
    router = APIRouter(prefix="/api")
    for module in (
        watches,
        mentions,
        stream,
        incidents,
        account,
        users,
        inbox,
        authors,
        ambassadors,
    ):
        router.include_router(module.router)
    return router


__all__ = ["api_router"]
