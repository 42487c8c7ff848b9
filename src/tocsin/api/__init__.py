"""The REST API and the server's core: settings, security, errors, store access.

    settings.py   ServerSettings (TOCSIN_*), refuses default secrets outside development
    auth/         users (scrypt), sessions, API tokens, roles and their one permission table, CSRF
    deps.py       typed dependencies: store, current user, Need(permission), CSRF check
    errors.py     the JSON error envelope and the catch-all
    headers.py    Content-Security-Policy and the other security headers
    reads.py      keyset pages of a search, volume series
    routes/       the endpoints under /api

``tocsin.web`` builds the whole server (``create_app``) from these and its pages.
"""

from tocsin.api.routes import api_router
from tocsin.api.settings import ServerSettings, load_settings

__all__ = ["ServerSettings", "api_router", "load_settings"]
