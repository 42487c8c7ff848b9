"""Match one post against many watches at once, through anchors.

An anchor set of a query is a set of keys such that the query cannot match a document that
contains none of them:

* ``Term`` -> ``{word}``; ``Phrase`` -> its most selective-looking word (longest, not a stop
  word); ``Prefix`` -> ``{"stem*"}``; ``Hashtag`` -> ``{"#tag"}``; ``Handle`` -> ``{"@handle"}``;
* ``And`` / ``Near`` -> the cheapest anchor set among the children that have one (fewest,
  longest keys);
* ``Or`` -> the union of one set per child, or none if one child has none. Where a child
  offers alternatives (any word of a phrase, any conjunct of an ``And``), the choice favours
  keys that other children already contribute;
* ``Not`` and fields -> none.

``WatchIndex`` files each watch under its anchor keys. For a document it intersects the
document's distinct tokens with the exact keys (one C-level set intersection), looks up each
distinct word's prefixes of the lengths that prefix anchors use (memoised per word), and fully
evaluates only those candidates plus the few watches without anchors. The cost per post is
proportional to its distinct words and to its candidates, not to the number of watches.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from collections.abc import Set as AbstractSet

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
_STOP = """
    a ai aie au aux avec c ca ce ces cet cette d dans de des du elle en es est et etait eu
    il ils j je l la le les leur lui m ma mais me mes moi mon n ne nos notre nous on ou par
    pas plus pour qu que qui s sa sans se ses si son sont sur t ta te tes toi ton tres tu un
    une vos votre vous y ete etre avoir fait faire comme tout tous bien aussi encore deja
    a about after all also am an and any are as at be been but by can could did do does
    for from get got had has have he her him his how i if in into is it its just like me
    my no not now of on one only or our out so some than that the their them then there
    these they this to too up us very was we were what when which who will with would you
    your http https www com fr rt amp
"""
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


def _rank(keys: frozenset[str]) -> tuple[int, list[str]]:
    """Cost, then the keys themselves: ties never depend on hash order."""
    return _set_cost(keys), sorted(keys)


_MAX_OPTIONS = 8


def _options(node: Node) -> list[frozenset[str]] | None:
    """Alternative anchor sets for ``node``, cheapest first (any one is sound), or None."""
    if isinstance(node, Term):
        return [frozenset((node.value,))]
    if isinstance(node, Phrase):
        return [frozenset((w,)) for w in sorted(set(node.words), key=lambda w: (_key_cost(w), w))]
    if isinstance(node, Prefix):
        return [frozenset((node.value + "*",))]
    if isinstance(node, Hashtag):
        return [frozenset(("#" + node.value,))]
    if isinstance(node, Handle):
        return [frozenset(("@" + node.value,))]
    if isinstance(node, Field | Not):
        return None
    if isinstance(node, And | Near):
        kids = node.children if isinstance(node, And) else (node.left, node.right)
        found = [o for c in kids for o in (_options(c) or ())]
        return sorted(found, key=_rank)[:_MAX_OPTIONS] if found else None
    if isinstance(node, Or):
        per_child = []
        for c in node.children:
            opts = _options(c)
            if opts is None:
                return None
            per_child.append(opts)
        # Greedy: children with the fewest alternatives first; then each child takes the
        # option adding the least cost to what is already chosen (shared keys are free), so
        # '"brand service client" OR (brand NEAR/4 scam)' is anchored on {brand} alone.
        offered = Counter(k for opts in per_child for o in opts for k in o)
        chosen: set[str] = set()

        def added_cost(option: frozenset[str]) -> tuple[float, list[str]]:
            return sum(_key_cost(k) / offered[k] for k in option if k not in chosen), sorted(option)

        for opts in sorted(per_child, key=lambda o: (len(o), _rank(o[0]))):
            best: frozenset[str] = min(opts, key=added_cost)
            chosen |= best
        return [frozenset(chosen)]
    raise TypeError(f"not a query node: {node!r}")


def anchors(node: Node) -> frozenset[str] | None:
    """Keys one of which a document must contain for ``node`` to match, or ``None``.

    Keys are words, ``#tag``, ``@handle`` or ``stem*`` (a prefix).
    """
    options = _options(node)
    return min(options, key=_rank) if options else None


class _Entry:
    __slots__ = ("accepts", "id", "node")

    def __init__(self, watch: Watch, node: Node) -> None:
        self.id = watch.id
        self.node = node
        self.accepts = _restricted(
            compile_node(node),
            tuple(norm_language(x) for x in watch.languages),
            frozenset(normalise(x).strip() for x in watch.platforms),
        )


def _restricted(
    predicate: Predicate, languages: tuple[str, ...], platforms: frozenset[str]
) -> Predicate:
    """The watch's query, behind its language and platform restrictions."""
    if languages:

        def in_languages(d: Document) -> bool:
            return any(lang_matches(d.language, x) for x in languages) and predicate(d)

        if not platforms:
            return in_languages
        return lambda d: d.platform in platforms and in_languages(d)
    if platforms:
        return lambda d: d.platform in platforms and predicate(d)
    return predicate


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
        self._accepts: list[Predicate] = [e.accepts for e in self._entries]
        # Prefix anchors, memoised per word: words already looked at, and among them those
        # that start with some prefix anchor (-> their slots).
        self._prefix_seen: set[str] = set()
        self._prefix_hits: dict[str, tuple[int, ...]] = {}
        self._prefix_hit_words: set[str] = set()

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
            words = doc.word_set
            new = words - self._prefix_seen
            if new:
                self._learn_prefixes(new)
            hits = self._prefix_hits
            for word in words & self._prefix_hit_words:
                cands.update(hits.get(word, ()))
        return cands

    def _learn_prefixes(self, words: AbstractSet[str]) -> None:
        if len(self._prefix_seen) + len(words) > _PREFIX_MEMO_LIMIT:
            self._prefix_seen = set()
            self._prefix_hits = {}
            self._prefix_hit_words = set()
        for word in words:
            slots = self._prefix_slots(word)
            if slots:
                self._prefix_hits[word] = slots
                self._prefix_hit_words.add(word)
        self._prefix_seen.update(words)

    def candidates(self, doc: Document) -> tuple[str, ...]:
        """Ids of the watches ``match`` evaluates fully for ``doc`` (a superset of matches)."""
        return tuple(self._entries[s].id for s in sorted(self._candidates(doc)))

    def match(self, doc: Document) -> tuple[str, ...]:
        """Sorted ids of the watches whose query, languages and platforms all accept ``doc``."""
        accepts = self._accepts
        matched = [s for s in self._candidates(doc) if accepts[s](doc)]
        if not matched:
            return ()
        entries = self._entries
        return tuple(entries[s].id for s in sorted(matched))
