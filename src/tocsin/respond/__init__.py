"""The inbox: cases, replies, moderation and the audit log (issue 4, item 3).

Pure rules (``rules``: what needs an answer, priority, SLA state, status transitions,
playbook checks) and SQL over the store's ``sqlite3`` connection (``audit``, ``cases``,
``replies``, ``moderation``). Every state change writes one audit entry in the same
transaction. Nothing here knows about HTTP or roles: the API decides who may call what and
passes what the role allows (``may_approve``).
"""

from tocsin.respond.errors import Conflict, NotFound

__all__ = ["Conflict", "NotFound"]
