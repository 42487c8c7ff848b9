from __future__ import annotations

from fastapi import APIRouter

from tocsin.api.auth.accounts import Accounts
from tocsin.api.deps import StoreDep, UserManager
from tocsin.api.models import UserCreate, UserPublic, UsersPublic
from tocsin.respond import audit

router = APIRouter(tags=["users"])


@router.get("/users", operation_id="listUsers")
def list_users(user: UserManager, store: StoreDep) -> UsersPublic:
    """Every local user (admins only)."""
    data = [UserPublic.of(u) for u in Accounts(store.db).list_users()]
    return UsersPublic(data=data, count=len(data))


@router.post("/users", operation_id="createUser", status_code=201)
def create_user(body: UserCreate, user: UserManager, store: StoreDep) -> UserPublic:
    """Add a local user (admins only). The password needs 10 characters or more."""
    created = Accounts(store.db).create_user(body.username, body.password, body.role)
    audit.record(
        store.db,
        user.username,
        "user.create",
        f"user:{created.id}",
        {"username": created.username, "role": created.role.value},
    )
    return UserPublic.of(created)
