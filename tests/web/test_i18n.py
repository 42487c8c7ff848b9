from __future__ import annotations

import re
import string
from importlib import resources
from pathlib import Path

import pytest

from tocsin.web.i18n import LANGUAGES, Translator, catalogue

TEMPLATES = Path(str(resources.files("tocsin.web").joinpath("templates")))
PYTHON = Path(str(resources.files("tocsin.web")))


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_catalogues_have_the_same_keys_and_placeholders() -> None:
    english, french = catalogue("en"), catalogue("fr")
    assert english.keys() == french.keys()
    assert {k: _fields(v) for k, v in english.items()} == {k: _fields(v) for k, v in french.items()}
    assert all(v.strip() for v in (*english.values(), *french.values()))


def test_every_key_used_exists() -> None:
    used: set[str] = set()
    for path in [*TEMPLATES.glob("*.html"), *PYTHON.glob("*.py")]:
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z_0-9]+)["']""", path.read_text()))
    assert used, "no strings found"
    assert used - catalogue("en").keys() == set()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translator(lang: str) -> None:
    t = Translator(lang)
    assert t("search.count", count=3).startswith("3 ")
    assert t("no.such.key") == "no.such.key"
    assert Translator("de").lang == LANGUAGES[0]
