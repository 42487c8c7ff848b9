"""Roles and the one permission table. Every endpoint names the permission it needs
(``tocsin.api.deps.require``); nothing else decides who may do what."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"  # everything, including users
    MANAGER = "manager"  # the brand's team lead: exports, and later watches and templates
    AGENT = "agent"  # a community manager: reads, and later works the inbox
    VIEWER = "viewer"  # reads only


class Permission(StrEnum):
    ACCOUNT_SELF = "account:self"  # one's own profile and API tokens
    WATCHES_READ = "watches:read"
    MENTIONS_READ = "mentions:read"
    MENTIONS_EXPORT = "mentions:export"
    USERS_MANAGE = "users:manage"


_ALL = frozenset(Role)

#: The permission table: who holds each permission.
PERMISSIONS: dict[Permission, frozenset[Role]] = {
    Permission.ACCOUNT_SELF: _ALL,
    Permission.WATCHES_READ: _ALL,
    Permission.MENTIONS_READ: _ALL,
    Permission.MENTIONS_EXPORT: frozenset({Role.ADMIN, Role.MANAGER}),
    Permission.USERS_MANAGE: frozenset({Role.ADMIN}),
}


def allowed(role: Role, permission: Permission) -> bool:
    return role in PERMISSIONS[permission]


def permissions_of(role: Role) -> frozenset[Permission]:
    return frozenset(p for p, roles in PERMISSIONS.items() if role in roles)
