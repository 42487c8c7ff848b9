"""The web server: pages (server-rendered, French and English) over ``tocsin.api``.

``create_app(settings)`` builds the FastAPI app (API, pages, static files); ``serve`` runs it.
"""

from tocsin.web.app import create_app, serve

__all__ = ["create_app", "serve"]
