"""Match one post against many watches at once, through anchors.

An anchor set of a query is a set of keys such that the query cannot match a document that
contains none of them:

* ``Term`` -> ``{word}``; ``Phrase`` -> its most selective-looking word (longest, not a stop
  word); ``Prefix`` -> ``{"stem*"}``; ``Hashtag`` -> ``{"#tag"}``; ``Handle`` -> ``{"@handle"}``;
* ``And`` / ``Near`` -> the cheapest anchor set among the children that have one (fewest,
  longest keys);
* ``Or`` -> the union of its children's sets, or none if one child has none;
* ``Not`` and fields -> none.

``WatchIndex`` files each watch under its anchor keys. For a document it intersects the
document's distinct tokens with the exact keys (one C-level set intersection), looks up each
distinct word's prefixes of the lengths that prefix anchors use (memoised per word), and fully
evaluates only those candidates plus the few watches without anchors. The cost per post is
proportional to its distinct words and to its candidates, not to the number of watches.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from tocsin.domain import Watch
from tocsin.errors import QueryError
from tocsin.query.document import Document, lang_matches, norm_language
from tocsin.query.match import Predicate, compile_node
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
from tocsin.query.normalise import normalise
from tocsin.query.parser import parse

__all__ = ["WatchIndex", "anchors"]

#: Frequent French and English words: poor anchors when a phrase offers better.
_STOP = """a an and are as at au aux be but by c ce ces d dans de des du en est et for from
    il in is it j l la le les m mais n ne of on or ou par pas pour qu que qui s sa se
    ses son sur t the this to un une vous was we with y you"""
STOP_WORDS = frozenset(_STOP.split())

_PREFIX_MEMO_LIMIT = 100_000


def _key_cost(key: str) -> int:
    if key[0] in "#@":
        return 1
    if key.endswith("*"):
        return 2 * _key_cost(key[:-1])
    if key in STOP_WORDS:
        return 100
    return max(1, 12 - len(key))


def _set_cost(keys: frozenset[str]) -> int:
    return sum(_key_cost(k) for k in keys)


def anchors(node: Node) -> frozenset[str] | None:
    """Keys one of which a document must contain for ``node`` to match, or ``None``.

    Keys are words, ``#tag``, ``@handle`` or ``stem*`` (a prefix).
    """
    if isinstance(node, Term):
        return frozenset((node.value,))
    if isinstance(node, Phrase):
        return frozenset((min(node.words, key=_key_cost),))
    if isinstance(node, Prefix):
        return frozenset((node.value + "*",))
    if isinstance(node, Hashtag):
        return frozenset(("#" + node.value,))
    if isinstance(node, Handle):
        return frozenset(("@" + node.value,))
    if isinstance(node, Field | Not):
        return None
    if isinstance(node, And | Near):
        kids = node.children if isinstance(node, And) else (node.left, node.right)
        options = [a for a in map(anchors, kids) if a is not None]
        return min(options, key=_set_cost) if options else None
    if isinstance(node, Or):
        union: set[str] = set()
        for c in node.children:
            a = anchors(c)
            if a is None:
                return None
            union |= a
        return frozenset(union)
    raise TypeError(f"not a query node: {node!r}")


class _Entry:
    __slots__ = ("id", "languages", "node", "platforms", "predicate")

    def __init__(self, watch: Watch, node: Node) -> None:
        self.id = watch.id
        self.node = node
        self.predicate: Predicate = compile_node(node)
        self.languages = tuple(norm_language(x) for x in watch.languages)
        self.platforms = frozenset(normalise(x).strip() for x in watch.platforms)

    def accepts(self, doc: Document) -> bool:
        if self.platforms and doc.platform not in self.platforms:
            return False
        if self.languages and not any(lang_matches(doc.language, x) for x in self.languages):
            return False
        return self.predicate(doc)


class WatchIndex:
    """All watch queries compiled once; ``match(doc)`` gives the ids of the watches it matches."""

    def __init__(self, watches: Iterable[Watch]) -> None:
        entries: dict[str, _Entry] = {}
        for w in watches:
            if w.id in entries:
                raise ValueError(f"duplicate watch id {w.id!r}")
            try:
                node = parse(w.query)
            except QueryError as e:
                raise QueryError(f"watch {w.id!r}: {e.reason}", e.query, e.position) from e
            entries[w.id] = _Entry(w, node)
        # Slot order = id order: sorted slots give sorted ids.
        self._entries: list[_Entry] = [entries[k] for k in sorted(entries)]
        exact: defaultdict[str, list[int]] = defaultdict(list)
        by_length: defaultdict[int, defaultdict[str, list[int]]] = defaultdict(
            lambda: defaultdict(list)
        )
        unanchored: list[int] = []
        for slot, entry in enumerate(self._entries):
            keys = anchors(entry.node)
            if keys is None:
                unanchored.append(slot)
                continue
            for key in keys:
                if key.endswith("*"):
                    by_length[len(key) - 1][key[:-1]].append(slot)
                else:
                    exact[key].append(slot)
        self._exact: dict[str, tuple[int, ...]] = {k: tuple(v) for k, v in exact.items()}
        self._exact_keys = frozenset(self._exact)
        self._prefixes: list[tuple[int, dict[str, tuple[int, ...]]]] = [
            (length, {k: tuple(v) for k, v in table.items()})
            for length, table in sorted(by_length.items())
        ]
        self._unanchored: tuple[int, ...] = tuple(unanchored)
        self._prefix_memo: dict[str, tuple[int, ...]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(e.id for e in self._entries)

    @property
    def unanchored(self) -> tuple[str, ...]:
        """Watches evaluated for every post (no anchor: pure negations, fields only...)."""
        return tuple(self._entries[s].id for s in self._unanchored)

    def _prefix_slots(self, word: str) -> tuple[int, ...]:
        found: list[int] = []
        for length, table in self._prefixes:
            if len(word) < length:
                break
            slots = table.get(word[:length])
            if slots:
                found.extend(slots)
        return tuple(found)

    def _candidates(self, doc: Document) -> set[int]:
        cands: set[int] = set(self._unanchored)
        exact = self._exact
        for key in doc.tokens & self._exact_keys:
            cands.update(exact[key])
        if self._prefixes:
            memo = self._prefix_memo
            for word in doc.word_set:
                slots = memo.get(word)
                if slots is None:
                    if len(memo) >= _PREFIX_MEMO_LIMIT:
                        memo.clear()
                    slots = memo[word] = self._prefix_slots(word)
                if slots:
                    cands.update(slots)
        return cands

    def candidates(self, doc: Document) -> tuple[str, ...]:
        """Ids of the watches ``match`` evaluates fully for ``doc`` (a superset of matches)."""
        return tuple(self._entries[s].id for s in sorted(self._candidates(doc)))

    def match(self, doc: Document) -> tuple[str, ...]:
        """Sorted ids of the watches whose query, languages and platforms all accept ``doc``."""
        entries = self._entries
        return tuple(
            entries[s].id for s in sorted(self._candidates(doc)) if entries[s].accepts(doc)
        )
