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

The hot path does one bytes translation and split (ASCII) or one ``findall`` (other scripts)
for the words, plus one ``findall`` per ``#`` / ``@`` sign present, and builds ``tokens``.
Positions, word spans, the set of plain words, the sorted vocabulary, the joined text used for
phrases and the normalised author are computed lazily, only when a candidate query needs them;
languages, platforms and the tokens of the mention's fields are memoised per distinct value.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, TypeVar

from tocsin.query.normalise import normalise

if TYPE_CHECKING:
    from tocsin.domain import Mention

__all__ = ["Document", "lang_matches"]

_T = TypeVar("_T")

WORD_RE = re.compile(r"\w+")
# The look-behinds come after the sign (``#(?<![\w&]#)`` is ``(?<![\w&])#``) so that each
# pattern starts with a literal, which the regex engine scans for instead of trying the
# look-behind at every position (4x faster).
TAG_RE = re.compile(r"#(?<![\w&]#)(\w+)")
HANDLE_RE = re.compile(r"@(?<![\w@]@)(\w+(?:[.\-]\w+)*)")
#: The same, as whole tokens (``#tag``, ``@handle``).
TAG_TOKEN_RE = re.compile(r"#(?<![\w&]#)\w+")
HANDLE_TOKEN_RE = re.compile(r"@(?<![\w@]@)\w+(?:[.\-]\w+)*")

#: ASCII non-word characters -> space, so ``bytes.split`` yields exactly the ``\w+`` runs
#: (a bytes table: ``bytes.translate`` is a plain C loop, unlike ``str.translate``).
_ASCII_SPLIT = bytes(
    c if (c < 128 and (chr(c).isalnum() or c == ord("_"))) else ord(" ") for c in range(256)
)

_EMPTY: frozenset[str] = frozenset()


def lang_matches(language: str, wanted: str) -> bool:
    """``fr`` matches ``fr`` and ``fr-ca`` (subtag prefix), not ``frr``. Both normalised."""
    return language == wanted or (
        language.startswith(wanted) and language[len(wanted) : len(wanted) + 1] == "-"
    )


_CACHE_LIMIT = 4096

# Languages, platforms, hashtags and handles take few distinct values: normalise each once.
_LANGUAGES: dict[str, str] = {}
_PLATFORMS: dict[str, str] = {}
_TAG_TOKENS: dict[str, tuple[str, ...]] = {}
_HANDLE_TOKENS: dict[str, tuple[str, ...]] = {}


def _cached(cache: dict[str, _T], value: str, compute: Callable[[str], _T]) -> _T:
    out = cache.get(value)
    if out is None:
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
        out = cache[value] = compute(value)
    return out


def _norm_language(language: str) -> str:
    return normalise(language).strip().replace("_", "-")


def _norm_platform(platform: str) -> str:
    return normalise(platform).strip()


def norm_language(language: str | None) -> str:
    return _cached(_LANGUAGES, language, _norm_language) if language else ""


def norm_platform(platform: str) -> str:
    return _cached(_PLATFORMS, platform, _norm_platform) if platform else ""


def norm_handle(handle: str) -> str:
    return normalise(handle).strip().removeprefix("@") if handle else ""


def _tag_tokens(tag: str) -> tuple[str, ...]:
    t = normalise(tag).strip().removeprefix("#")
    return ("#" + t,) if t else ()


def _handle_tokens(mention: str) -> tuple[str, ...]:
    h = norm_handle(mention)
    if not h:
        return ()
    local = h.split("@", 1)[0]
    return ("@" + h, "@" + local) if local and local != h else ("@" + h,)


def _field_tokens(hashtags: Iterable[str], mentions: Iterable[str]) -> set[str]:
    out: set[str] = set()
    tokens: tuple[str, ...]
    for tag in hashtags:
        tokens = _cached(_TAG_TOKENS, tag, _tag_tokens)
        out.update(tokens)
    for m in mentions:
        tokens = _cached(_HANDLE_TOKENS, m, _handle_tokens)
        out.update(tokens)
    return out


_FIELDS: dict[tuple[tuple[str, ...], tuple[str, ...]], frozenset[str]] = {}


def _mention_field_tokens(
    hashtags: tuple[str, ...], mentions: tuple[str, ...]
) -> AbstractSet[str] | None:
    """``_field_tokens``, memoised per (hashtags, mentions) pair: posts repeat the same ones."""
    if type(hashtags) is not tuple or type(mentions) is not tuple:
        return _field_tokens(hashtags, mentions) or None
    key = (hashtags, mentions)
    out = _FIELDS.get(key)
    if out is None:
        if len(_FIELDS) > 4 * _CACHE_LIMIT:
            _FIELDS.clear()
        out = _FIELDS[key] = frozenset(_field_tokens(hashtags, mentions))
    return out or None


class Document:
    """One post, analysed: build with ``from_mention`` or ``from_text``.

    Public attributes: ``text`` (original), ``norm_text``, ``language`` (normalised, ``""`` if
    unknown), ``platform``, ``author`` (normalised handle without ``@``), ``words`` (list, in
    order: index = position), ``word_set`` and ``tokens`` (words plus ``#tag`` and ``@handle``
    tokens, from the text and from the mention's fields), ``sentiment`` (the label, ``""`` if
    not analysed). ``author`` and ``word_set`` are
    computed on first use (matching needs ``tokens``, rarely the others).
    """

    __slots__ = (
        "_author",
        "_field",
        "_handle",
        "_joined",
        "_positions",
        "_sorted_words",
        "_spans",
        "_word_set",
        "language",
        "norm_text",
        "platform",
        "sentiment",
        "text",
        "tokens",
        "words",
    )

    text: str
    norm_text: str
    language: str
    platform: str
    sentiment: str
    words: list[str]
    tokens: frozenset[str]

    def __init__(
        self,
        text: str,
        norm_text: str,
        language: str,
        platform: str,
        author: str,
        field_tokens: AbstractSet[str] | None = None,
        *,
        handle: str | None = None,
        sentiment: str = "",
    ) -> None:
        """Low-level: ``norm_text`` must be ``normalise(text)``, the fields already normalised.

        ``handle``: instead of ``author``, the raw handle, normalised if ``author`` is read.
        ``sentiment``: the post's sentiment label, ``""`` if it was not analysed.
        """
        self.text = text
        self.sentiment = sentiment
        self.norm_text = norm_text
        self.language = language
        self.platform = platform
        self._author = author if handle is None else None
        self._handle = handle
        if norm_text.isascii():
            words = norm_text.encode().translate(_ASCII_SPLIT).decode().split()
        else:
            words = WORD_RE.findall(norm_text)
        self.words = words
        self._field = field_tokens
        has_tag = "#" in norm_text
        has_handle = "@" in norm_text
        if has_tag or has_handle or field_tokens:
            extra = words.copy()
            if field_tokens:
                extra.extend(field_tokens)
            if has_tag:
                extra.extend(TAG_TOKEN_RE.findall(norm_text))
            if has_handle:
                extra.extend(HANDLE_TOKEN_RE.findall(norm_text))
            self.tokens = frozenset(extra)
            self._word_set = None
        else:
            self.tokens = self._word_set = frozenset(words)
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
            _mention_field_tokens(mention.hashtags, mention.mentions)
            if mention.hashtags or mention.mentions
            else None
        )
        language = mention.language
        platform = mention.platform
        return cls(
            text,
            norm_text,
            (_LANGUAGES.get(language) or norm_language(language)) if language else "",
            (_PLATFORMS.get(platform) or norm_platform(platform)) if platform else "",
            "",
            field,
            handle=mention.author.handle,
            sentiment=mention.sentiment.label if mention.sentiment is not None else "",
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

    @property
    def author(self) -> str:
        """The author's handle, normalised, without ``@`` (``""`` if unknown)."""
        if self._author is None:
            self._author = norm_handle(self._handle or "")
        return self._author

    @property
    def word_set(self) -> frozenset[str]:
        """The distinct words (``tokens`` without the ``#tag`` and ``@handle`` tokens)."""
        if self._word_set is None:
            self._word_set = frozenset(self.words)
        return self._word_set

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
