"""A post analysed once for matching against any number of queries.

Tokens, over ``norm_text = normalise(text)``:

* words: maximal runs of ``\\w``, numbered 0, 1, 2... (the word positions). Apostrophes and
  all other punctuation split words, so ``l'arnaque`` is ``l``, ``arnaque``.
* hashtags: ``#`` followed by a word, not preceded by a word character or ``&`` (so
  ``&#39;`` is not a hashtag); token ``#tag`` at the position of its word.
* handles: ``@`` followed by words joined by ``.`` or ``-`` (``@brand.bsky.social``), not
  preceded by a word character or ``@`` (so e-mail addresses are not handles); token
  ``@brand.bsky.social`` at the position of its first word.

A hashtag or handle is also plain words (``#snapchat`` contains the word ``snapchat`` at the
same position), so the query ``snapchat`` matches ``#snapchat``, while ``#snapchat`` only
matches hashtags. The mention's ``hashtags`` and ``mentions`` fields add ``#tag``/``@handle``
tokens without a position (they match ``#tag``/``@handle`` but not plain words nor ``NEAR``);
a mentioned ``user@instance`` also counts as ``@user``.

The hot path does one split (ASCII) or one ``findall`` (other scripts) for the words, plus one
``findall`` per ``#`` / ``@`` sign present. Positions, word spans, the sorted vocabulary and the
joined text used for phrases are computed lazily, only when a candidate query needs them.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from tocsin.query.normalise import normalise

if TYPE_CHECKING:
    from tocsin.domain import Mention

__all__ = ["Document", "lang_matches"]

WORD_RE = re.compile(r"\w+")
TAG_RE = re.compile(r"(?<![\w&])#(\w+)")
HANDLE_RE = re.compile(r"(?<![\w@])@(\w+(?:[.\-]\w+)*)")

#: ASCII non-word characters -> space, so ``str.split`` yields exactly the ``\w+`` runs.
_ASCII_SPLIT: list[int] = [
    c if (chr(c).isalnum() or c == ord("_")) else ord(" ") for c in range(128)
]

_EMPTY: frozenset[str] = frozenset()


def lang_matches(language: str, wanted: str) -> bool:
    """``fr`` matches ``fr`` and ``fr-ca`` (subtag prefix), not ``frr``. Both normalised."""
    return language == wanted or (
        language.startswith(wanted) and language[len(wanted) : len(wanted) + 1] == "-"
    )


_FIELD_CACHE: dict[tuple[str, str], str] = {}


def _cached(kind: str, value: str, compute: Callable[[str], str]) -> str:
    """Languages and platforms take few distinct values: normalise each once."""
    key = (kind, value)
    out = _FIELD_CACHE.get(key)
    if out is None:
        if len(_FIELD_CACHE) > 4096:
            _FIELD_CACHE.clear()
        out = _FIELD_CACHE[key] = compute(value)
    return out


def _norm_language(language: str) -> str:
    return normalise(language).strip().replace("_", "-")


def _norm_platform(platform: str) -> str:
    return normalise(platform).strip()


def norm_language(language: str | None) -> str:
    return _cached("lang", language, _norm_language) if language else ""


def norm_platform(platform: str) -> str:
    return _cached("platform", platform, _norm_platform) if platform else ""


def norm_handle(handle: str) -> str:
    return normalise(handle).strip().removeprefix("@") if handle else ""


def _field_tokens(hashtags: Iterable[str], mentions: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for tag in hashtags:
        t = normalise(tag).strip().removeprefix("#")
        if t:
            out.add("#" + t)
    for m in mentions:
        h = norm_handle(m)
        if h:
            out.add("@" + h)
            local = h.split("@", 1)[0]
            if local and local != h:
                out.add("@" + local)
    return out


class Document:
    """One post, analysed: build with ``from_mention`` or ``from_text``.

    Public attributes: ``text`` (original), ``norm_text``, ``language`` (normalised, ``""`` if
    unknown), ``platform``, ``author`` (normalised handle without ``@``), ``words`` (list, in
    order: index = position), ``word_set`` and ``tokens`` (words plus ``#tag`` and ``@handle``
    tokens, from the text and from the mention's fields).
    """

    __slots__ = (
        "_field",
        "_joined",
        "_positions",
        "_sorted_words",
        "_spans",
        "author",
        "language",
        "norm_text",
        "platform",
        "text",
        "tokens",
        "word_set",
        "words",
    )

    text: str
    norm_text: str
    language: str
    platform: str
    author: str
    words: list[str]
    word_set: frozenset[str]
    tokens: frozenset[str]

    def __init__(
        self,
        text: str,
        norm_text: str,
        language: str,
        platform: str,
        author: str,
        field_tokens: set[str] | None = None,
    ) -> None:
        """Low-level: ``norm_text`` must be ``normalise(text)``, the fields already normalised."""
        self.text = text
        self.norm_text = norm_text
        self.language = language
        self.platform = platform
        self.author = author
        if norm_text.isascii():
            words = norm_text.translate(_ASCII_SPLIT).split()
        else:
            words = WORD_RE.findall(norm_text)
        self.words = words
        self.word_set = word_set = frozenset(words)
        self._field = field_tokens
        if "#" in norm_text or "@" in norm_text or field_tokens:
            extra = set(field_tokens) if field_tokens else set()
            if "#" in norm_text:
                extra.update(["#" + t for t in TAG_RE.findall(norm_text)])
            if "@" in norm_text:
                extra.update(["@" + h for h in HANDLE_RE.findall(norm_text)])
            self.tokens = word_set | extra
        else:
            self.tokens = word_set
        self._positions: dict[str, list[int]] | None = None
        self._spans: list[tuple[int, int]] | None = None
        self._sorted_words: list[str] | None = None
        self._joined: str | None = None

    @classmethod
    def from_mention(cls, mention: Mention, norm_text: str | None = None) -> Document:
        """Analyse a mention; pass ``norm_text`` if ``normalise(mention.text)`` is at hand."""
        text = mention.text
        if norm_text is None:
            norm_text = normalise(text)
        field = (
            _field_tokens(mention.hashtags, mention.mentions)
            if mention.hashtags or mention.mentions
            else None
        )
        return cls(
            text,
            norm_text,
            norm_language(mention.language),
            norm_platform(mention.platform),
            norm_handle(mention.author.handle),
            field,
        )

    @classmethod
    def from_text(
        cls,
        text: str,
        *,
        language: str | None = None,
        platform: str = "",
        author: str = "",
        hashtags: Iterable[str] = (),
        mentions: Iterable[str] = (),
    ) -> Document:
        """Analyse a bare text (``tocsin watch test``), with optional metadata."""
        return cls(
            text,
            normalise(text),
            norm_language(language),
            norm_platform(platform),
            norm_handle(author),
            _field_tokens(hashtags, mentions) or None,
        )

    def __repr__(self) -> str:
        return f"Document({self.text[:60]!r}, language={self.language!r})"

    # -- lazily computed views -----------------------------------------------------------

    @property
    def spans(self) -> list[tuple[int, int]]:
        """``(start, end)`` of each word in ``norm_text``."""
        if self._spans is None:
            self._spans = [m.span() for m in WORD_RE.finditer(self.norm_text)]
        return self._spans

    @property
    def positions(self) -> dict[str, list[int]]:
        """Token -> sorted word positions, for words, ``#tag`` and ``@handle`` in the text."""
        if self._positions is None:
            pos: dict[str, list[int]] = {}
            for i, w in enumerate(self.words):
                lst = pos.get(w)
                if lst is None:
                    pos[w] = [i]
                else:
                    lst.append(i)
            norm = self.norm_text
            if "#" in norm or "@" in norm:
                index = {start: i for i, (start, _) in enumerate(self.spans)}
                for regex, sign in ((TAG_RE, "#"), (HANDLE_RE, "@")):
                    if sign in norm:
                        for m in regex.finditer(norm):
                            pos.setdefault(sign + m.group(1), []).append(index[m.start(1)])
            self._positions = pos
        return self._positions

    @property
    def sorted_words(self) -> list[str]:
        """Distinct words, sorted: prefix lookups are a ``bisect``."""
        if self._sorted_words is None:
            self._sorted_words = sorted(self.word_set)
        return self._sorted_words

    @property
    def joined(self) -> str:
        """``" w0 w1 w2 ... "``: a phrase is a substring search of ``" a b "``."""
        if self._joined is None:
            self._joined = " " + " ".join(self.words) + " "
        return self._joined

    @property
    def fts_text(self) -> str:
        """``norm_text`` plus the ``#tag``/``@handle`` of the mention's fields, one line below.

        Index this rather than ``norm_text`` to let ``fts_expression(..., tags_indexed=True)``
        filter on hashtags and handles.
        """
        if not self._field:
            return self.norm_text
        return self.norm_text + "\n" + " ".join(sorted(self._field))

    def has_prefix(self, prefix: str) -> bool:
        words = self.sorted_words
        i = bisect_left(words, prefix)
        return i < len(words) and words[i].startswith(prefix)

    def words_with_prefix(self, prefix: str) -> list[str]:
        words = self.sorted_words
        i = bisect_left(words, prefix)
        out = []
        while i < len(words) and words[i].startswith(prefix):
            out.append(words[i])
            i += 1
        return out
