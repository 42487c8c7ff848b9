"""The one page other sites may frame: the published experiences (``/experiences``), for an
``<iframe>`` on the brand's site. Outermost middleware: on that path only, and only for a
successful GET, ``frame-ancestors`` allows any site and ``X-Frame-Options`` is dropped. The page
holds no form, acts on nothing and shows only what the programme publishes, so framing it
cannot be turned into a click on anything. Every other answer keeps ``frame-ancestors 'none'``.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

EMBEDDABLE = frozenset({"/experiences"})


class EmbeddableMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope.get("method") != "GET"
            or scope.get("path") not in EMBEDDABLE
        ):
            await self.app(scope, receive, send)
            return

        async def framable(message: Message) -> None:
            if message["type"] == "http.response.start" and message.get("status") == 200:
                headers = MutableHeaders(scope=message)
                policy = headers.get("content-security-policy", "")
                headers["content-security-policy"] = policy.replace(
                    "frame-ancestors 'none'", "frame-ancestors *"
                )
                del headers["x-frame-options"]
            await send(message)

        await self.app(scope, receive, framable)
