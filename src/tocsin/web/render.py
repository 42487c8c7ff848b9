"""Pages from Jinja2 templates, autoescaped: every value put in a page is escaped for HTML
unless a template marks it safe, which only the server-drawn charts are."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined

from tocsin.api.auth import csrf
from tocsin.api.auth.permissions import Permission, allowed
from tocsin.api.settings import ServerSettings
from tocsin.web.i18n import LANGUAGES, Translator, choose_language
from tocsin.web.safe import neutralise, safe_href

log = logging.getLogger("tocsin.web")


def _when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def _number(value: int | None, lang: str = "en") -> str:
    if value is None:
        return "–"
    text = f"{value:,}"
    return text.replace(",", "\u202f") if lang == "fr" else text


class Pages:
    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.env = Environment(
            loader=PackageLoader("tocsin.web", "templates"),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["neutral"] = neutralise
        self.env.filters["href"] = safe_href
        self.env.filters["when"] = _when
        self.env.filters["number"] = _number
        self.env.filters["urlpart"] = lambda value: quote(str(value), safe="")

    def render(
        self, request: Request, name: str, *, status: int = 200, **context: Any
    ) -> HTMLResponse:
        lang = choose_language(request, self.settings.default_language)
        bound = csrf.binding(dict(request.cookies))
        new_binding = None
        if bound is None:  # first visit: bind the forms of this browser to a fresh cookie
            new_binding = csrf.new_binding()
            bound = "anonymous:" + new_binding
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        user = getattr(request.state, "user", None)

        def can(permission: str) -> bool:
            return user is not None and allowed(user.role, Permission(permission))

        html = self.env.get_template(name).render(
            t=Translator(lang),
            lang=lang,
            languages=LANGUAGES,
            user=user,
            can=can,
            csrf_field=csrf.CSRF_FIELD,
            csrf_token=csrf.token_for(self.settings.secret, bound),
            here=here,
            **context,
        )
        response = HTMLResponse(html, status_code=status)
        if new_binding is not None:
            response.set_cookie(
                csrf.CSRF_COOKIE,
                new_binding,
                httponly=True,
                samesite="lax",
                secure=self.settings.secure_cookies,
            )
        return response

    def error_response(self, request: Request, status: int, message: str) -> Response:
        """An error as a page; a signed-out visitor asking for a page is sent to the login."""
        if status == 401 and request.method in ("GET", "HEAD"):
            here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(here, safe='')}", status_code=303)
        try:
            return self.render(
                request, "error.html", status=status, status_code=status, message=message
            )
        except Exception:  # the error page itself must never fail
            log.exception("cannot render the error page")
            return PlainTextResponse(f"error {status}", status_code=status)
