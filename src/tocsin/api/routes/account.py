from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter

from tocsin.api.auth.accounts import Accounts
from tocsin.api.deps import AccountUser, StoreDep
from tocsin.api.errors import ApiError
from tocsin.api.models import TokenCreate, TokenCreated, TokenPublic, TokensPublic, UserPublic
from tocsin.api.routes.params import RowId
from tocsin.respond import audit

router = APIRouter(tags=["account"])


@router.get("/me", operation_id="getMe")
def get_me(user: AccountUser) -> UserPublic:
    """Who you are, your role and what it allows."""
    return UserPublic.of(user)


@router.get("/tokens", operation_id="listTokens")
def list_tokens(user: AccountUser, store: StoreDep) -> TokensPublic:
    """Your API tokens (never their secrets)."""
    data = [TokenPublic.of(t) for t in Accounts(store.db).list_tokens(user.id)]
    return TokensPublic(data=data, count=len(data))


@router.post("/tokens", operation_id="createToken", status_code=201)
def create_token(body: TokenCreate, user: AccountUser, store: StoreDep) -> TokenCreated:
    """A new API token acting with your role; its secret is in this answer only. Send it as
    ``Authorization: Bearer <token>``."""
    expires = (
        datetime.now(UTC) + timedelta(days=body.expires_in_days) if body.expires_in_days else None
    )
    info, secret = Accounts(store.db).create_token(user.id, body.name, expires)
    audit.record(
        store.db,
        user.username,
        "token.create",
        f"user:{user.id}",
        {"token": info.id, "name": info.name, "prefix": info.prefix},
    )
    return TokenCreated(**TokenPublic.of(info).model_dump(), token=secret)


@router.delete("/tokens/{token_id}", operation_id="revokeToken", status_code=204)
def revoke_token(token_id: RowId, user: AccountUser, store: StoreDep) -> None:
    """Revoke one of your tokens."""
    if not Accounts(store.db).revoke_token(user.id, token_id):
        raise ApiError(404, "no such active token of yours")
    audit.record(store.db, user.username, "token.revoke", f"user:{user.id}", {"token": token_id})
