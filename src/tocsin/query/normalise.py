"""The matching normalisation, applied identically to watch queries and to post texts.

``normalise(text)`` folds case, accents, character width, zero-width characters and common
look-alike letters so that ``Snаpchat`` (Cyrillic ``а``), ``ＳＮＡＰＣＨＡＴ``, ``Snap<U+200B>chat``
and ``snapchat`` are the same word. Per character it is::

    casefold -> NFKD -> drop combining marks (M*) and format characters (Cf: U+200B/C/D,
    U+2060, U+FEFF, U+00AD soft hyphen, bidi controls) -> map look-alikes to Latin
    -> every other character that is neither a word character (``\\w``) nor ASCII -> " "

Choices worth knowing:

* Look-alikes: Cyrillic ``а е о р с у х і ј ѕ к м т н в`` (and ``ԁ ӏ һ ԛ ԝ ү``) and Greek
  ``ο α ε ι κ ν ρ τ υ χ`` map to ``a e o p c y x i j s k m t h b`` / ``o a e i k v p t u x``.
  Upper-case variants are case-folded first, so they map like their lower-case letter
  (``Ν`` -> ``ν`` -> ``v``): case-insensitivity wins over look-alike fidelity.
* Letters NFKD does not decompose: ``œ`` -> ``oe``, ``æ`` -> ``ae``, ``ø`` -> ``o``, ``ł`` -> ``l``,
  ``đ``/``ð`` -> ``d``, ``ħ`` -> ``h``, ``ı`` -> ``i``, ``þ`` -> ``th``; ``ß`` -> ``ss`` (casefold).
  The modifier apostrophes ``ʼ``/``ʻ`` become ``'`` so that French elisions still split.
* Compatibility expansions that would glue letters to a neighbouring word are padded with
  spaces: ``Snapchat™`` -> ``snapchat tm `` (not ``snapchattm``), ``1½`` -> ``1 1 2 ``.
  Single-letter expansions and ligatures stay glued: ``ﬁ`` -> ``fi``, ``ⓢⓝⓐⓟ`` -> ``snap``.
* Symbols, emoji, punctuation and private-use characters outside ASCII become a space.
  This keeps a post's words identical to the tokens SQLite FTS5 ``unicode61`` sees in the
  normalised text (FTS5 counts emoji newer than Unicode 6.1 and private-use characters as
  letters, which would glue ``snapchat🤬`` into one token).
* Hangul syllables are kept composed.

The per-character mapping is precomputed once into a table indexed by code point, so the
hot path is ``text.lower()`` for ASCII text and a single ``str.translate`` otherwise (plus a
rare second pass for characters above U+1FFFF). Because the mapping is per character,
``normalise(a + b) == normalise(a) + normalise(b)``, which is what makes
``normalise_with_offsets`` exact, and ``normalise`` is idempotent.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["normalise", "normalise_link", "normalise_with_offsets"]

#: Look-alike letters (after casefold) and letters NFKD leaves alone.
_OVERRIDES: dict[str, str] = {
    # Cyrillic look-alikes
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i",
    "ј": "j", "ѕ": "s", "к": "k", "м": "m", "т": "t", "н": "h", "в": "b",
    "ԁ": "d", "ӏ": "l", "һ": "h", "ԛ": "q", "ԝ": "w", "ү": "y",
    # Greek look-alikes
    "ο": "o", "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x",
    # Latin letters without a decomposition
    "œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "ħ": "h", "ı": "i",
    "ŧ": "t", "þ": "th", "ɡ": "g", "ɑ": "a",
    # Modifier letters used as apostrophes: keep elisions splitting
    "ʼ": "'", "ʻ": "'",
}  # fmt: skip

_WORD_CHAR = re.compile(r"\w")
#: Characters the translation table does not cover (it stops at U+1FFFF).
_ASTRAL = re.compile("[\U00020000-\U0010ffff]")
_TABLE_SIZE = 0x20000


def _is_word(ch: str) -> bool:
    return _WORD_CHAR.match(ch) is not None


def _is_hangul_syllable(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7a3"


def _reference(c: str, depth: int = 0) -> str:
    """The normalisation of one character, computed the slow, obvious way."""
    if _is_hangul_syllable(c):
        return c
    cat = unicodedata.category(c)
    if cat[0] == "M" or cat == "Cf":
        return ""  # before casefold: U+0345 would become a letter
    out: list[str] = []
    for ch in unicodedata.normalize("NFKD", c.casefold()):
        cat = unicodedata.category(ch)
        if ch in _OVERRIDES:
            out.append(_OVERRIDES[ch])
        elif cat[0] == "M" or cat == "Cf":
            continue
        elif ch.casefold() != ch and depth < 4:
            out.append(_reference(ch, depth + 1))  # NFKD produced a cased letter (ℇ -> Ɛ)
        elif ch.isascii() or _is_word(ch):
            out.append(ch)
        else:
            out.append(" ")
    r = "".join(out)
    if len(r) > 1 and any(_is_word(ch) for ch in r):
        all_word = all(_is_word(ch) for ch in r)
        if not (_is_word(c) and all_word):
            r = f" {r} "
    return r


def _build_table() -> list[int | str | None]:
    table: list[int | str | None] = list(range(_TABLE_SIZE))
    for cp in range(0x80, _TABLE_SIZE):
        c = chr(cp)
        r = _reference(c)
        if r != c:
            table[cp] = r or None
    for cp in range(ord("A"), ord("Z") + 1):
        table[cp] = cp + 32
    return table


_TABLE: list[int | str | None] | None = None  # built on first use: ~80 ms, ~5 MB


def _table() -> list[int | str | None]:
    global _TABLE
    if _TABLE is None:
        _TABLE = _build_table()
    return _TABLE


@lru_cache(maxsize=4096)
def _astral_char(c: str) -> str:
    return _reference(c)


def _astral_sub(m: re.Match[str]) -> str:
    return _astral_char(m.group())


def normalise(text: str) -> str:
    """Case-, accent-, width- and look-alike-insensitive form of ``text`` (see module doc)."""
    if text.isascii():
        return text.lower()
    out = text.translate(_TABLE or _table())
    if not out.isascii() and _ASTRAL.search(out) is not None:
        out = _ASTRAL.sub(_astral_sub, out)
    return out


def normalise_with_offsets(text: str) -> tuple[str, list[int]]:
    """``normalise(text)`` and, for each of its characters, the index in ``text`` it came from.

    Slow path, for explanations. Characters that normalise to nothing (zero-width, combining
    marks) have no entry; a character that expands (``œ`` -> ``oe``) has one entry per output
    character, all pointing at it.
    """
    parts: list[str] = []
    offsets: list[int] = []
    for i, c in enumerate(text):
        piece = normalise(c)
        if piece:
            parts.append(piece)
            offsets.extend([i] * len(piece))
    return "".join(parts), offsets


_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


#: Query parameters that track who shared a link, not which page it is: dropped, so the same
#: page shared from a newsletter, an app and a campaign is one link.
TRACKING_PARAMETERS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "igshid", "mc_cid", "mc_eid", "ref_src", "ref_url"}
)


def _page_query(query: str) -> str:
    kept = [
        p
        for p in query.split("&")
        if p
        and not (p.split("=", 1)[0].lower().startswith("utm_"))
        and p.split("=", 1)[0].lower() not in TRACKING_PARAMETERS
    ]
    return "&".join(kept)


def normalise_link(url: str) -> str:
    """Links compared without scheme, ``www.``, trailing slash, fragment or tracking parameters
    (``utm_*``, ``fbclid``… see ``TRACKING_PARAMETERS``), host in lower case; the rest of the
    query string is kept: it often names the page, ``watch?v=…``."""
    u = _SCHEME.sub("", url.strip())
    u = u.split("#", 1)[0]
    u, sep, query = u.partition("?")
    query = _page_query(query) if sep else ""
    u = u.rstrip("/") + ("?" + query if query else "")
    host, sep, rest = u.partition("/")
    host = host.lower().removeprefix("www.")
    return host + sep + rest
