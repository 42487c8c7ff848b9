"""Errors of the inbox: both are user errors (``TocsinError``); the API maps them to 404/409."""

from __future__ import annotations

from tocsin.errors import UsageError


class NotFound(UsageError):
    """No such case, reply, template or mention."""


class Conflict(UsageError):
    """The action does not fit the current state (a transition not allowed, a case that
    exists already, a reply not approved yet)."""
