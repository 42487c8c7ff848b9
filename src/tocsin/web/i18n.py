"""The interface in French and English: one catalogue per language (``locales/<lang>.json``),
the same keys in each (a test checks it). The user's choice is kept in the ``tocsin_lang``
cookie; without it, the browser's ``Accept-Language`` decides, then the server's default."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from starlette.requests import Request

LANGUAGES = ("fr", "en")
LANG_COOKIE = "tocsin_lang"


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    text = resources.files("tocsin.web").joinpath("locales", f"{lang}.json").read_text("utf-8")
    data: dict[str, str] = json.loads(text)
    return data


class Translator:
    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else LANGUAGES[0]
        self.strings = catalogue(self.lang)

    def __call__(self, key: str, **values: Any) -> str:
        text = self.strings.get(key)
        if text is None:  # a missing key shows itself rather than breaking the page
            return key
        return text.format(**values) if values else text


def choose_language(request: Request, default: str) -> str:
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return default if default in LANGUAGES else LANGUAGES[0]
