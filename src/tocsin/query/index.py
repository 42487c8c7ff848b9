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

"Cheapest" means rarest: at first a static guess (stop words and short words are frequent,
``#tag``/``@handle`` rare), then, once ``WatchIndex`` has seen its first documents, the share
of them that contained each key (see ``WatchIndex``).

``WatchIndex`` files each watch under its anchor keys. For a document it intersects the
document's tokens with the tokens known to make candidates (exact keys, and words that start
with a prefix key: memoised per token, so two C-level set operations per post), looks the
resulting set up in a memo of plans, and fully evaluates only those candidates plus the few
watches without anchors; watches that are a plain ``OR`` of words, hashtags and handles, without
restrictions, match as soon as they are candidates. The cost per post is proportional to its
distinct tokens and to its candidates, not to the number of watches.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
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

_MEMO_LIMIT = 100_000


def _key_cost(key: str) -> int:
    if key[0] in "#@":
        return 1
    if key.endswith("*"):
        return 2 * _key_cost(key[:-1])
    if key in STOP_WORDS:
        return 100
    return max(1, 12 - len(key))


KeyCost = Callable[[str], float]


def _set_cost(keys: frozenset[str], cost: KeyCost = _key_cost) -> float:
    return sum(cost(k) for k in keys)


def _ranker(cost: KeyCost) -> Callable[[frozenset[str]], tuple[float, list[str]]]:
    def rank(keys: frozenset[str]) -> tuple[float, list[str]]:
        """Cost, then the keys themselves: ties never depend on hash order."""
        return _set_cost(keys, cost), sorted(keys)

    return rank


_rank = _ranker(_key_cost)

_MAX_OPTIONS = 8


def _options(node: Node, cost: KeyCost = _key_cost) -> list[frozenset[str]] | None:
    """Alternative anchor sets for ``node``, cheapest first (any one is sound), or None."""
    if isinstance(node, Term):
        return [frozenset((node.value,))]
    if isinstance(node, Phrase):
        return [frozenset((w,)) for w in sorted(set(node.words), key=lambda w: (cost(w), w))]
    if isinstance(node, Prefix):
        return [frozenset((node.value + "*",))]
    if isinstance(node, Hashtag):
        return [frozenset(("#" + node.value,))]
    if isinstance(node, Handle):
        return [frozenset(("@" + node.value,))]
    if isinstance(node, Field | Not):
        return None
    rank = _rank if cost is _key_cost else _ranker(cost)
    if isinstance(node, And | Near):
        kids = node.children if isinstance(node, And) else (node.left, node.right)
        found = [o for c in kids for o in (_options(c, cost) or ())]
        return sorted(found, key=rank)[:_MAX_OPTIONS] if found else None
    if isinstance(node, Or):
        per_child = []
        for c in node.children:
            opts = _options(c, cost)
            if opts is None:
                return None
            per_child.append(opts)
        # Greedy: children with the fewest alternatives first; then each child takes the
        # option adding the least cost to what is already chosen (shared keys are free), so
        # '"brand service client" OR (brand NEAR/4 scam)' is anchored on {brand} alone.
        offered = Counter(k for opts in per_child for o in opts for k in o)
        chosen: set[str] = set()

        def added_cost(option: frozenset[str]) -> tuple[float, list[str]]:
            return sum(cost(k) / offered[k] for k in option if k not in chosen), sorted(option)

        for opts in sorted(per_child, key=lambda o: (len(o), rank(o[0]))):
            best: frozenset[str] = min(opts, key=added_cost)
            chosen |= best
        return [frozenset(chosen)]
    raise TypeError(f"not a query node: {node!r}")


def anchors(node: Node, cost: KeyCost = _key_cost) -> frozenset[str] | None:
    """Keys one of which a document must contain for ``node`` to match, or ``None``.

    Keys are words, ``#tag``, ``@handle`` or ``stem*`` (a prefix). ``cost`` estimates how
    often a key occurs (default: a static guess from its kind and length); the anchors are
    the cheapest of the sound choices.
    """
    options = _options(node, cost)
    if not options:
        return None
    return min(options, key=_rank if cost is _key_cost else _ranker(cost))


def _keys(node: Node) -> set[str]:
    """Every key an anchor set of ``node`` may use (the keys of its positive leaves)."""
    if isinstance(node, Term):
        return {node.value}
    if isinstance(node, Phrase):
        return set(node.words)
    if isinstance(node, Prefix):
        return {node.value + "*"}
    if isinstance(node, Hashtag):
        return {"#" + node.value}
    if isinstance(node, Handle):
        return {"@" + node.value}
    if isinstance(node, And | Or):
        return set().union(*(_keys(c) for c in node.children))
    if isinstance(node, Near):
        return _keys(node.left) | _keys(node.right)
    return set()  # Field, Not: never anchors


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


def _is_token_disjunction(node: Node) -> bool:
    """Whether ``node`` matches exactly when one of its anchor keys is a document token."""
    if isinstance(node, Term | Hashtag | Handle):
        return True
    return isinstance(node, Or) and all(_is_token_disjunction(c) for c in node.children)


class _Plan:
    """What a set of anchor keys found in a document leaves to do.

    ``sure``: candidate slots that match without evaluation (a watch ``brand OR #brand`` with
    no restriction matches whenever one of its keys is there); ``check``: the other candidates,
    to evaluate; ``sure_ids``: the ids of ``sure``, the answer when no check passes.
    """

    __slots__ = ("check", "sure", "sure_ids")

    def __init__(self, sure: tuple[int, ...], check: tuple[int, ...], ids: list[str]) -> None:
        self.sure = sure
        self.check = check
        self.sure_ids = tuple([ids[s] for s in sure])


class WatchIndex:
    """All watch queries compiled once; ``match(doc)`` gives the ids of the watches it matches.

    Anchors are first chosen with a static guess of how frequent each key is. Over the first
    ``plan_after`` documents matched, the index also counts how many contain each key its
    watches could be anchored on, then re-plans every watch on the keys actually rarest in
    that stream (a brand name that is in most posts is a poor anchor for ``(brand OR x) AND
    (arnaque* OR scam*)``). Any anchor set the planner offers is sound, so the answers never
    depend on the plan, only the number of candidates evaluated does. ``plan_after=0`` keeps
    the static plan.

    Per document, the index intersects its tokens with the tokens known to make candidates
    (exact keys, and words starting with a prefix key: memoised per token), and looks the
    resulting set of keys up in a memo of plans (which slots match for sure, which to check).
    """

    def __init__(self, watches: Iterable[Watch], *, plan_after: int = 1_000) -> None:
        entries: dict[str, _Entry] = {}
        watch_of: dict[str, Watch] = {}
        for w in watches:
            if w.id in entries:
                raise ValueError(f"duplicate watch id {w.id!r}")
            try:
                node = parse(w.query, watch=True)
            except QueryError as e:
                raise QueryError(f"watch {w.id!r}: {e.reason}", e.query, e.position) from e
            entries[w.id] = _Entry(w, node)
            watch_of[w.id] = w
        # Slot order = id order: sorted slots give sorted ids.
        self._entries: list[_Entry] = [entries[k] for k in sorted(entries)]
        self._ids: list[str] = [e.id for e in self._entries]
        self._accepts: list[Predicate] = [e.accepts for e in self._entries]
        self._sure: list[bool] = [
            not watch_of[e.id].languages
            and not watch_of[e.id].platforms
            and _is_token_disjunction(e.node)
            for e in self._entries
        ]
        self._plan(_key_cost)
        # Key statistics for re-planning: every key some watch could be anchored on.
        universe: set[str] = set().union(*(_keys(e.node) for e in self._entries))
        self._observe_left = plan_after if universe else 0
        self._counts: Counter[str] = Counter()
        self._universe_exact = frozenset(k for k in universe if not k.endswith("*"))
        stems: defaultdict[int, set[str]] = defaultdict(set)
        for k in universe:
            if k.endswith("*"):
                stems[len(k) - 1].add(k[:-1])
        self._universe_stems = sorted(stems.items())
        self._stems_seen: set[str] = set()
        self._stem_keys: dict[str, list[str]] = {}

    def _plan(self, cost: KeyCost) -> None:
        """(Re)build the anchor tables, anchoring each watch on its cheapest keys."""
        exact: defaultdict[str, list[int]] = defaultdict(list)
        by_length: defaultdict[int, defaultdict[str, list[int]]] = defaultdict(
            lambda: defaultdict(list)
        )
        unanchored: list[int] = []
        for slot, entry in enumerate(self._entries):
            keys = anchors(entry.node, cost)
            if keys is None:
                unanchored.append(slot)
                continue
            for key in sorted(keys):
                if key.endswith("*"):
                    by_length[len(key) - 1][key[:-1]].append(slot)
                else:
                    exact[key].append(slot)
        self._exact: dict[str, tuple[int, ...]] = {k: tuple(v) for k, v in exact.items()}
        self._prefixes: list[tuple[int, dict[str, tuple[int, ...]]]] = [
            (length, {k: tuple(v) for k, v in table.items()})
            for length, table in sorted(by_length.items())
        ]
        self._unanchored: tuple[int, ...] = tuple(unanchored)
        self._forget()

    def _forget(self) -> None:
        """Empty the memos (after a re-plan, or when they grow too big)."""
        # Tokens already looked at, and among them those that make candidates (-> slots).
        self._seen: set[str] = set()
        self._hit_tokens: set[str] = set()
        self._token_slots: dict[str, tuple[int, ...]] = {}
        # Set of hit tokens -> plan.
        self._plans: dict[frozenset[str], _Plan] = {}

    def _observe(self, doc: Document) -> None:
        """Count the document's candidate anchor keys; re-plan after the last one."""
        counts = self._counts
        tokens = doc.tokens
        counts.update(tokens & self._universe_exact)
        if self._universe_stems:
            # Prefix keys: memoised per token, like the index's own memo.
            if not self._stems_seen.issuperset(tokens):
                for token in tokens - self._stems_seen:
                    keys = [
                        token[:length] + "*"
                        for length, stems in self._universe_stems
                        if token[:length] in stems and len(token) >= length
                    ]
                    if keys:
                        self._stem_keys[token] = keys
                self._stems_seen.update(tokens)
            found: set[str] = set()
            stem_keys = self._stem_keys
            for token in tokens & stem_keys.keys():
                found.update(stem_keys[token])
            counts.update(found)
        self._observe_left -= 1
        if not self._observe_left:
            # Documents containing the key, plus a fraction of the static guess that only
            # breaks ties between keys rare enough not to have been seen.
            self._plan(lambda k: counts[k] + _key_cost(k) / 100)
            self._counts = Counter()
            self._stems_seen = set()
            self._stem_keys = {}

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._ids)

    @property
    def unanchored(self) -> tuple[str, ...]:
        """Watches evaluated for every post (no anchor: pure negations, fields only...)."""
        return tuple(self._ids[s] for s in self._unanchored)

    def _slots_of(self, token: str) -> tuple[int, ...]:
        """Slots a token makes candidates: as an exact key, and as a word with a prefix key."""
        found = list(self._exact.get(token, ()))
        for length, table in self._prefixes:
            if len(token) < length:
                break
            slots = table.get(token[:length])
            if slots:
                found.extend(slots)
        return tuple(found)

    def _learn(self, tokens: AbstractSet[str]) -> None:
        """Look up the tokens not seen yet (all of ``tokens`` if the memo has to start over)."""
        new = tokens - self._seen
        if len(self._seen) + len(new) > _MEMO_LIMIT:
            self._forget()
            new = tokens
        for token in new:
            slots = self._slots_of(token)
            if slots:
                self._token_slots[token] = slots
                self._hit_tokens.add(token)
        self._seen.update(new)

    def _plan_for(self, hit: frozenset[str]) -> _Plan:
        if len(self._plans) >= _MEMO_LIMIT:
            self._plans = {}
        slots = set(self._unanchored)
        for token in hit:
            slots.update(self._token_slots[token])
        sure = self._sure
        plan = _Plan(
            tuple(sorted(s for s in slots if sure[s])),
            tuple(sorted(s for s in slots if not sure[s])),
            self._ids,
        )
        self._plans[hit] = plan
        return plan

    def _lookup(self, doc: Document) -> _Plan:
        tokens = doc.tokens
        if not self._seen.issuperset(tokens):
            self._learn(tokens)
        hit = tokens & self._hit_tokens
        plan = self._plans.get(hit)
        return self._plan_for(hit) if plan is None else plan

    def candidates(self, doc: Document) -> tuple[str, ...]:
        """Ids of the watches ``match`` evaluates fully for ``doc`` (a superset of matches)."""
        plan = self._lookup(doc)
        return tuple(self._ids[s] for s in sorted(plan.sure + plan.check))

    def match(self, doc: Document) -> tuple[str, ...]:
        """Sorted ids of the watches whose query, languages and platforms all accept ``doc``."""
        if self._observe_left:
            self._observe(doc)
        # _lookup, inlined: this is the hot path.
        tokens = doc.tokens
        if not self._seen.issuperset(tokens):
            self._learn(tokens)
        hit = tokens & self._hit_tokens
        plan = self._plans.get(hit)
        if plan is None:
            plan = self._plan_for(hit)
        if not plan.check:
            return plan.sure_ids
        accepts = self._accepts
        matched = [s for s in plan.check if accepts[s](doc)]
        if not matched:
            return plan.sure_ids
        if plan.sure:
            matched.extend(plan.sure)
            matched.sort()
        ids = self._ids
        return tuple([ids[s] for s in matched])
