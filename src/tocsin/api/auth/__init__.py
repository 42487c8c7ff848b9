"""Who may do what: local users, sessions, API tokens, roles and CSRF."""

from tocsin.api.auth.accounts import Accounts, LoginThrottle, TokenInfo, User
from tocsin.api.auth.permissions import PERMISSIONS, Permission, Role, allowed, permissions_of

__all__ = [
    "PERMISSIONS",
    "Accounts",
    "LoginThrottle",
    "Permission",
    "Role",
    "TokenInfo",
    "User",
    "allowed",
    "permissions_of",
]
