"""Roles and the one permission table. Every endpoint names the permission it needs
(``tocsin.api.deps.require``); nothing else decides who may do what."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"  # everything, including users
    MANAGER = "manager"  # the brand's team lead: exports, approvals, escalation, moderation
    AGENT = "agent"  # a community manager: reads and works the inbox
    VIEWER = "viewer"  # reads only


class Permission(StrEnum):
    ACCOUNT_SELF = "account:self"  # one's own profile and API tokens
    WATCHES_READ = "watches:read"
    MENTIONS_READ = "mentions:read"
    MENTIONS_EXPORT = "mentions:export"
    USERS_MANAGE = "users:manage"
    CASES_READ = "cases:read"  # the inbox, cases, reply templates
    CASES_WORK = "cases:work"  # open, assign, change status, note, draft and send replies
    REPLIES_APPROVE = "replies:approve"  # approve a draft; send without approval
    CASES_ESCALATE = "cases:escalate"  # hand a case to PR or legal
    TEMPLATES_MANAGE = "templates:manage"  # edit the reply templates
    MENTIONS_MODERATE = "mentions:moderate"  # hide and unhide posts; see hidden ones
    AUDIT_READ = "audit:read"  # the audit log and its export
    INCIDENTS_READ = "incidents:read"  # incidents and their explanations
    AUTHORS_READ = "authors:read"  # author profiles, segments, coordination, who can help
    AMBASSADORS_READ = "ambassadors:read"  # the programme: enrolments, missions, leaderboard
    AMBASSADORS_MANAGE = "ambassadors:manage"  # invite, enrol, opt out, missions, rewards


_ALL = frozenset(Role)
_WORKERS = frozenset({Role.ADMIN, Role.MANAGER, Role.AGENT})
_LEADS = frozenset({Role.ADMIN, Role.MANAGER})

#: The permission table: who holds each permission.
PERMISSIONS: dict[Permission, frozenset[Role]] = {
    Permission.ACCOUNT_SELF: _ALL,
    Permission.WATCHES_READ: _ALL,
    Permission.MENTIONS_READ: _ALL,
    Permission.MENTIONS_EXPORT: frozenset({Role.ADMIN, Role.MANAGER}),
    Permission.USERS_MANAGE: frozenset({Role.ADMIN}),
    Permission.CASES_READ: _ALL,
    Permission.CASES_WORK: _WORKERS,
    Permission.REPLIES_APPROVE: _LEADS,
    Permission.CASES_ESCALATE: _LEADS,
    Permission.TEMPLATES_MANAGE: _LEADS,
    Permission.MENTIONS_MODERATE: _LEADS,
    Permission.AUDIT_READ: _LEADS,
    Permission.INCIDENTS_READ: _ALL,
    Permission.AUTHORS_READ: _ALL,
    Permission.AMBASSADORS_READ: _WORKERS,
    Permission.AMBASSADORS_MANAGE: _LEADS,
}


def allowed(role: Role, permission: Permission) -> bool:
    return role in PERMISSIONS[permission]


def permissions_of(role: Role) -> frozenset[Permission]:
    return frozenset(p for p, roles in PERMISSIONS.items() if role in roles)
