"""Evaluate a query against a ``Document``, and explain which parts of the text matched.

Semantics:

* ``Term`` — the word occurs (also inside a hashtag or handle: ``snapchat`` matches
  ``#snapchat``). ``Phrase`` — its words occur adjacent and in order. ``Prefix`` — a word
  starts with it. ``Hashtag`` / ``Handle`` — the ``#tag`` / ``@handle`` token occurs in the
  text or in the mention's ``hashtags`` / ``mentions`` field.
* ``lang:fr`` — the mention language is ``fr`` or starts with ``fr-`` (``fr-CA``);
  ``platform:x`` — the platform is ``x``; ``author:x`` — the author's handle is ``x``.
* ``a NEAR/n b`` — an occurrence of ``a`` and one of ``b`` at most ``n`` words apart, in either
  order: for single words at positions ``i`` and ``j``, ``|i - j| <= n`` (adjacent words are 1
  apart); for phrases and handles, the gap between the end of one and the start of the other;
  overlapping occurrences are 0 apart. Hashtags and handles known only from the mention's
  fields have no position and never satisfy ``NEAR``.

Every operation is linear in the length of the text (``NEAR`` is a merge of two sorted
occurrence lists); nothing is compiled from user input into a regular expression.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from tocsin.query.document import HANDLE_RE, TAG_RE, WORD_RE, Document, lang_matches
from tocsin.query.nodes import (
    And,
    Field,
    Handle,
    Hashtag,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    Term,
)
from tocsin.query.normalise import normalise_with_offsets

__all__ = ["Hit", "Predicate", "compile_node", "evaluate", "explain"]

Predicate = Callable[[Document], bool]
Span = tuple[int, int]  # first and last word position, inclusive
SpansOf = Callable[[Document], list[Span]]


# -- compilation to closures ---------------------------------------------------------------


def _cost(node: Node) -> int:
    """Rough evaluation cost, to test cheap conjuncts first."""
    if isinstance(node, Term | Hashtag | Handle | Field):
        return 0
    if isinstance(node, Prefix | Phrase):
        return 1
    if isinstance(node, Not):
        return _cost(node.child)
    if isinstance(node, And | Or):
        return 1 + max(_cost(c) for c in node.children)
    return 3


def _field(node: Field) -> Predicate:
    v = node.value
    if node.name == "lang":
        return lambda d: lang_matches(d.language, v)
    if node.name == "platform":
        return lambda d: d.platform == v
    if node.name == "sentiment":
        return lambda d: d.sentiment == v
    return lambda d: d.author == v


def _all(preds: list[Predicate]) -> Predicate:
    """``p1(d) and p2(d) and ...`` as nested closures (faster than ``all`` over a generator)."""
    head, *rest = preds
    if not rest:
        return head
    tail = _all(rest)
    return lambda d: head(d) and tail(d)


def _any(preds: list[Predicate]) -> Predicate:
    head, *rest = preds
    if not rest:
        return head
    tail = _any(rest)
    return lambda d: head(d) or tail(d)


def _token_key(node: Node) -> str | None:
    """The ``Document.tokens`` key a leaf tests, for leaves that are a plain membership test."""
    if isinstance(node, Term):
        return node.value
    if isinstance(node, Hashtag):
        return "#" + node.value
    if isinstance(node, Handle):
        return "@" + node.value
    return None


def _combine(node: And | Or) -> Predicate:
    """Token leaves become one C-level set test (``<=`` for AND, ``isdisjoint`` for OR)."""
    keys = frozenset(k for c in node.children if (k := _token_key(c)) is not None)
    others = sorted((c for c in node.children if _token_key(c) is None), key=_cost)
    preds = [compile_node(c) for c in others]
    if isinstance(node, And):
        if keys:
            preds.insert(0, lambda d: keys <= d.tokens)
        return _all(preds)
    if keys:
        preds.insert(0, lambda d: not keys.isdisjoint(d.tokens))
    return _any(preds)


def _phrase(words: tuple[str, ...]) -> Predicate:
    wanted = frozenset(words)
    needle = " " + " ".join(words) + " "
    return lambda d: wanted <= d.tokens and needle in d.joined


@lru_cache(maxsize=4096)
def compile_node(node: Node) -> Predicate:
    """A fast predicate equivalent to ``evaluate(node, doc)``."""
    if isinstance(node, Term):
        key = node.value
        return lambda d: key in d.tokens
    if isinstance(node, Hashtag | Handle):
        key = ("#" if isinstance(node, Hashtag) else "@") + node.value
        return lambda d: key in d.tokens
    if isinstance(node, Phrase):
        return _phrase(node.words)
    if isinstance(node, Prefix):
        prefix = node.value
        return lambda d: d.has_prefix(prefix)
    if isinstance(node, Field):
        return _field(node)
    if isinstance(node, Not):
        inner = compile_node(node.child)
        return lambda d: not inner(d)
    if isinstance(node, And | Or):
        return _combine(node)
    if isinstance(node, Near):
        present = _all([compile_node(node.left), compile_node(node.right)])
        left, right, n = _spans_of(node.left), _spans_of(node.right), node.distance
        return lambda d: present(d) and near(left(d), right(d), n)
    raise TypeError(f"not a query node: {node!r}")


def evaluate(node: Node, doc: Document) -> bool:
    """Whether ``doc`` matches the query ``node``."""
    return compile_node(node)(doc)


# -- occurrences and NEAR ----------------------------------------------------------------


def _phrase_starts(doc: Document, words: tuple[str, ...]) -> list[int]:
    k = len(words)
    seq = list(words)
    dw = doc.words
    return [p for p in doc.positions.get(words[0], ()) if dw[p : p + k] == seq]


def _spans_of(node: Node) -> SpansOf:
    """Occurrences of a NEAR operand as sorted ``(first, last)`` word positions."""
    if isinstance(node, Term | Hashtag):
        key = node.value if isinstance(node, Term) else "#" + node.value
        return lambda d: [(p, p) for p in d.positions.get(key, ())]
    if isinstance(node, Handle):
        hkey, extra = "@" + node.value, len(WORD_RE.findall(node.value)) - 1
        return lambda d: [(p, p + extra) for p in d.positions.get(hkey, ())]
    if isinstance(node, Phrase):
        words, extra = node.words, len(node.words) - 1
        return lambda d: [(p, p + extra) for p in _phrase_starts(d, words)]
    if isinstance(node, Prefix):
        prefix = node.value
        return lambda d: [(i, i) for i, w in enumerate(d.words) if w.startswith(prefix)]
    if isinstance(node, Or):
        parts = tuple(_spans_of(c) for c in node.children)
        return lambda d: sorted(s for part in parts for s in part(d))
    raise TypeError(f"not a NEAR operand: {node!r}")


def near(a: list[Span], b: list[Span], n: int) -> bool:
    """Whether some span of ``a`` and some span of ``b`` are at most ``n`` words apart.

    Both lists sorted by start. A sweep over the intervals ``a`` widened by ``n`` on each side
    and ``b``: drop whichever ends first until two overlap; O(len(a) + len(b)).
    """
    i = j = 0
    la, lb = len(a), len(b)
    while i < la and j < lb:
        a_start, a_end = a[i]
        b_start, b_end = b[j]
        if b_start <= a_end + n and a_start - n <= b_end:
            return True
        if a_end + n < b_end:
            i += 1
        else:
            j += 1
    return False


def _gap(x: Span, y: Span) -> int:
    return max(0, y[0] - x[1], x[0] - y[1])


# -- explanations ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hit:
    """A matched positive leaf: ``operand`` as in the canonical query, and where it is in the
    ORIGINAL text (``text[start:end]``); ``start == end == -1`` for field matches and for
    hashtags/handles known only from the mention's metadata."""

    operand: str
    start: int
    end: int
    text: str


class _Explainer:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        norm, self.offsets = normalise_with_offsets(doc.text)
        # The same analysis as doc, over the text we hold offsets for.
        self.view = Document(doc.text, norm, doc.language, doc.platform, doc.author)
        self.field_tokens = doc.tokens - self.view.tokens
        self.hits: set[Hit] = set()

    def hit_chars(self, operand: Node, start: int, end: int) -> None:
        """A hit spanning ``[start, end)`` in the normalised text."""
        if end <= start:
            return
        o_start, o_end = self.offsets[start], self.offsets[end - 1] + 1
        self.hits.add(Hit(str(operand), o_start, o_end, self.doc.text[o_start:o_end]))

    def hit_words(self, operand: Node, span: Span) -> None:
        spans = self.view.spans
        self.hit_chars(operand, spans[span[0]][0], spans[span[1]][1])

    def occurrences(self, leaf: Node) -> list[Span]:
        return _spans_of(leaf)(self.view)

    def leaf(self, node: Node) -> None:
        doc = self.doc
        if isinstance(node, Field):
            if compile_node(node)(doc):
                value = {
                    "lang": doc.language,
                    "platform": doc.platform,
                    "sentiment": doc.sentiment,
                }.get(node.name, doc.author)
                self.hits.add(Hit(str(node), -1, -1, value))
        elif isinstance(node, Hashtag | Handle):
            sign, regex = ("#", TAG_RE) if isinstance(node, Hashtag) else ("@", HANDLE_RE)
            found = False
            for m in regex.finditer(self.view.norm_text):
                if m.group(1) == node.value:
                    self.hit_chars(node, m.start(), m.end())
                    found = True
            if not found and sign + node.value in self.field_tokens:
                self.hits.add(Hit(str(node), -1, -1, sign + node.value))
        else:
            for span in self.occurrences(node):
                self.hit_words(node, span)

    def near(self, node: Near) -> None:
        sides = (_leaves(node.left), _leaves(node.right))
        occ = [[(s, leaf) for leaf in side for s in self.occurrences(leaf)] for side in sides]
        for mine, other in ((occ[0], occ[1]), (occ[1], occ[0])):
            other.sort(key=lambda item: item[0])
            starts = [s[0] for s, _ in other]
            longest = max((s[1] - s[0] for s, _ in other), default=0)
            for span, leaf in mine:
                # candidates start in [span.start - n - longest, span.end + n]
                k = bisect_left(starts, span[0] - node.distance - longest)
                while k < len(other) and starts[k] <= span[1] + node.distance:
                    if _gap(span, other[k][0]) <= node.distance:
                        self.hit_words(leaf, span)
                        break
                    k += 1

    def walk(self, node: Node, positive: bool) -> None:
        if isinstance(node, Not):
            self.walk(node.child, not positive)
        elif isinstance(node, And | Or):
            for c in node.children:
                self.walk(c, positive)
        elif not positive:
            return
        elif isinstance(node, Near):
            self.near(node)
        else:
            self.leaf(node)


def _leaves(node: Node) -> list[Node]:
    if isinstance(node, Or):
        return [leaf for c in node.children for leaf in _leaves(c)]
    return [node]


def explain(node: Node, doc: Document) -> list[Hit]:
    """Every occurrence of a positive leaf of ``node`` (not under ``NOT``) in ``doc``.

    Sorted by position, field hits first. This does not decide whether the query matches
    (use ``evaluate``): a query that fails can still have hits for some of its leaves. Under
    ``NEAR``, only occurrences that are near an occurrence of the other side are reported.
    """
    ex = _Explainer(doc)
    ex.walk(node, True)
    return sorted(ex.hits, key=lambda h: (h.start, h.end, h.operand))
