"""Words of posts as detectors read them: the query language's normalisation (case, accents,
look-alikes folded), split into word tokens; plain phrases matched token by token (never a
regular expression from a user); distinctive terms of a group of posts against a background."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping

from tocsin.query.normalise import normalise

_WORD = re.compile(r"\w+")

STOPWORDS = frozenset(
    """
    the and for are but not you your with this that have has had was were will would can could
    just from they them their there what when who why how all any our out its it's about been
    into than then too very more most some such only own same also over after before here get
    got one two via amp http https www com
    les des une est pas que qui pour dans par sur avec son ses aux ces mes tes nos vos leur
    leurs mais ont sont etait fait tout tous elle elles ils nous vous est cette cet etre avoir
    plus moins tres bien encore comme quand donc car sans chez entre deja aussi alors meme
    """.split()  # noqa: SIM905
)


def tokens(text: str) -> list[str]:
    """Word tokens of the normalised text (``L'Arnaque!`` → ``l``, ``arnaque``)."""
    return _WORD.findall(normalise(text))


def content_tokens(text: str) -> list[str]:
    """Tokens worth comparing between posts: 3 characters or more, not digits, not stop words."""
    return [w for w in tokens(text) if len(w) >= 3 and not w.isdigit() and w not in STOPWORDS]


def phrase(text: str) -> tuple[str, ...]:
    """A user's word or phrase, as tokens (empty if it has no word at all)."""
    return tuple(tokens(text))


def _stems(token: str) -> tuple[str, ...]:
    """The words a token can be: itself, or a word of 4+ letters with a plural ``s`` / ``x``."""
    if len(token) >= 5 and token[-1] in "sx":
        return (token, token[:-1])
    return (token,)


class PhraseIndex:
    """Plain phrases (token tuples) found in a post's tokens, indexed by their first word: a
    token matches a word, or the word with a plural ``s`` / ``x`` (words of 4+ letters)."""

    def __init__(self, phrases: Mapping[str, tuple[str, ...]]) -> None:
        self.order = {name: i for i, name in enumerate(phrases)}
        self.first: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for name, p in phrases.items():
            if p:
                self.first.setdefault(p[0], []).append((name, p))

    def find(self, words: list[str]) -> list[str]:
        """The names of the phrases that occur in ``words``, in the order they were given."""
        found: set[str] = set()
        for i, token in enumerate(words):
            for stem in _stems(token):
                for name, p in self.first.get(stem, ()):
                    if (
                        name not in found
                        and len(p) <= len(words) - i
                        and all(p[j] in _stems(words[i + j]) for j in range(1, len(p)))
                    ):
                        found.add(name)
        return sorted(found, key=self.order.__getitem__)


def top_terms(group: Counter[str], background: Mapping[str, float], k: int = 5) -> list[str]:
    """The ``k`` terms most over-represented in ``group`` against ``background`` counts:
    ranked by count times log-lift (add-one smoothed), ties by the term."""
    total_g = sum(group.values()) or 1
    total_b = sum(background.values()) + len(group) + 1.0

    def weight(item: tuple[str, int]) -> tuple[float, str]:
        term, c = item
        lift = (c / total_g) / ((background.get(term, 0.0) + 1.0) / total_b)
        return (-(c * math.log(max(lift, 1e-9))), term)

    ranked = sorted(group.items(), key=weight)
    return [t for t, c in ranked[:k] if c >= 2 or len(group) <= k]


def count_terms(texts: Iterable[str]) -> Counter[str]:
    """Documents per content token (a word repeated in one post counts once)."""
    c: Counter[str] = Counter()
    for text in texts:
        c.update(set(content_tokens(text)))
    return c
