"""Signals of possible coordination: evidence with a confidence, never an accusation.

Many accounts posting the same thing at the same moment can be a campaign, a copy-paste
"share this" button, a quiz result or a meme. What Tocsin shows is the evidence and a
confidence (0-1) that the pattern is unusual, worded as "possible coordination".

- **near-identical posts**: original posts (reposts left out) are normalised (case, accents,
  look-alikes, links, @handles, #hashtags, digits and punctuation removed), cut into word
  3-shingles and compared by MinHash (64 hashes, 16 bands of 4) then exact Jaccard on the
  candidates; posts at ``similarity`` or more are grouped, groups split where two consecutive
  posts are more than ``max_gap`` apart, and a group counts with ``min_authors`` distinct
  accounts or more (one account repeating itself is not coordination);
- **shared links**: the same link (host and path, lower-case host, query and fragment dropped)
  posted by ``min_authors`` accounts or more within ``max_gap`` of each other, outside any
  near-identical group.

Each group's features, all 0-1: ``new_or_low_history`` (share of accounts first seen less than
``young`` before the group's first post, or with at most ``low_history_posts`` posts stored),
``new_or_low_history_elsewhere`` (the same share among the other accounts of the posts read),
``unusual_accounts`` (how far the first exceeds the second: ``(group - others) / (1 - others)``,
at least 0 — in monitoring most accounts have little history, so only the excess says
something), ``synchronised`` (largest share of the group's posts within ``sync_seconds``),
``shared_link`` (share of posts carrying the group's most common link), and ``size``
(``1 - exp(-(authors - min_authors + 1) / 4)``). Confidence:

    near-identical: size * (0.15 + 0.55 synchronised + 0.2 unusual_accounts + 0.1 shared_link)
    shared link:    size * (0.1 + 0.6 synchronised + 0.3 unusual_accounts)

Timing weighs most: "same here" replies pile up over hours in any real complaint thread and a
popular article is shared all day; a burst of identical text within a minute or two is rarer.
Identical text from established accounts spread over hours stays below 0.2; a burst of
identical text with the same link from unusually new accounts nears 1.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from tocsin.domain import Author, Mention
from tocsin.query.normalise import normalise, normalise_link

_URL = re.compile(r"https?://\S+")
_NOISE = re.compile(r"[@#]\w+|\d+|[^\w\s]|_")
_PRIME = (1 << 61) - 1
_NUM_PERM, _BANDS = 64, 16
_ROWS = _NUM_PERM // _BANDS
_rng = np.random.default_rng(20261122)
_A = _rng.integers(1, 1 << 32, _NUM_PERM, dtype=np.uint64)
_B = _rng.integers(0, 1 << 32, _NUM_PERM, dtype=np.uint64)

PostKey = tuple[str, str]
Account = tuple[str, str]  # (platform, author id)


@dataclass(frozen=True, slots=True)
class CoordinationRules:
    min_authors: int = 3
    similarity: float = 0.7
    min_words: int = 5  # shorter posts ("love it!") are too common to compare
    max_gap: timedelta = timedelta(minutes=30)
    sync_seconds: float = 120.0
    young: timedelta = timedelta(days=2)
    low_history_posts: int = 3


@dataclass(frozen=True)
class CoordinationSignal:
    """``authors`` are pseudonyms; ``summary`` says "possible coordination" and what was seen."""

    kind: str  # near_identical | shared_link
    confidence: float
    summary: str
    authors: tuple[str, ...]
    mention_keys: tuple[PostKey, ...]
    first_at: datetime
    last_at: datetime
    evidence: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "confidence": self.confidence,
            "summary": self.summary,
            "authors": list(self.authors),
            "mention_keys": [list(k) for k in self.mention_keys],
            "first_at": self.first_at.isoformat(),
            "last_at": self.last_at.isoformat(),
            "evidence": self.evidence,
        }


def words(text: str) -> list[str]:
    """A post's words after normalisation, without links, handles, hashtags, digits."""
    return _NOISE.sub(" ", normalise(_URL.sub(" ", text))).split()


def shingles(tokens: Sequence[str], size: int = 3) -> set[str]:
    if len(tokens) <= size:
        return {" ".join(tokens)}
    return {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def minhash(items: set[str]) -> np.ndarray:
    """64 min-hashes of a set of strings (universal hashing of a 32-bit hash of each)."""
    return minhashes([items])[0]


def _base_hash(item: str) -> int:
    return int.from_bytes(hashlib.blake2b(item.encode(), digest_size=4).digest(), "big")


def minhashes(sets: Sequence[Collection[str]], *, chunk: int = 16_384) -> np.ndarray:
    """``minhash`` of each of ``sets`` (none empty), as rows: each distinct string is hashed
    once, and the universal hashes of about ``chunk`` strings are reduced at a time."""
    known: dict[str, int] = {}
    bases: list[int] = []
    for items in sets:
        for s in items:
            base = known.get(s)
            if base is None:
                base = known[s] = _base_hash(s)
            bases.append(base)
    sizes = np.fromiter((len(items) for items in sets), dtype=np.int64, count=len(sets))
    ends = np.cumsum(sizes)
    starts = ends - sizes
    values = np.array(bases, dtype=np.uint64)
    out = np.empty((len(sets), _NUM_PERM), dtype=np.uint64)
    first = 0
    while first < len(sets):
        last = max(first + 1, int(np.searchsorted(ends, starts[first] + chunk, "right")))
        lo, hi = int(starts[first]), int(ends[last - 1])
        hashed = (values[lo:hi, None] * _A[None, :] + _B[None, :]) % np.uint64(_PRIME)
        out[first:last] = np.minimum.reduceat(hashed, starts[first:last] - lo, axis=0)
        first = last
    return out


def link_key(url: str) -> str:
    """``normalise_link`` without the query string: a campaign gives each account its own
    tracking id (``bit.ly/x?src=7``), and coordination is about the page they all point to."""
    return normalise_link(url).partition("?")[0]


class _Groups:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def near_identical_groups(posts: Sequence[Mention], rules: CoordinationRules) -> list[list[int]]:
    """Indices of ``posts`` grouped by near-identical text (singletons left out), smallest
    index first in each group and groups by their smallest index.

    Posts are banded by MinHash; in each band's bucket, every post is compared with the
    bucket's first post (smallest index) and joined to it at ``similarity`` or more. Copies
    and templates repeat their text, so the work is done once per distinct set of shingles
    ("a set" below), which gives the same groups: a post joins its bucket's first post exactly
    when its set is that post's set (similarity 1) or similar enough to it, so the posts of a
    set are either all grouped together or each left alone."""
    index: dict[frozenset[str], int] = {}
    sets: list[frozenset[str]] = []
    members: list[list[int]] = []  # posts of each set, ascending (sets by their first post)
    for i, m in enumerate(posts):
        if m.repost_of:
            continue
        tokens = words(m.text)
        if len(tokens) < rules.min_words:
            continue
        key = frozenset(shingles(tokens))
        s = index.get(key)
        if s is None:
            s = index[key] = len(sets)
            sets.append(key)
            members.append([])
        members[s].append(i)
    if not sets or rules.similarity > 1:  # not even a copy is similar enough
        return []
    signatures = minhashes(sets)
    groups = _Groups(len(sets))
    joined = np.zeros(len(sets), dtype=bool)  # the set's posts are joined together
    for band in range(_BANDS):
        chunk = np.ascontiguousarray(signatures[:, band * _ROWS : (band + 1) * _ROWS])
        keys = chunk.view(np.dtype((np.void, chunk.itemsize * _ROWS))).ravel()
        _, firsts, bucket, counts = np.unique(
            keys, return_index=True, return_inverse=True, return_counts=True
        )
        joined[firsts] = True  # a bucket's first post joins the other copies of its text
        shared = np.flatnonzero(counts[bucket.ravel()] > 1)  # sets in buckets of 2 sets or more
        if not len(shared):
            continue
        order = shared[np.argsort(bucket.ravel()[shared], kind="stable")]
        ids = bucket.ravel()[order]
        starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
        for together in np.split(order, starts[1:]):
            first = int(together[0])
            for other in together[1:].tolist():
                if groups.find(first) == groups.find(other):
                    continue
                a, b = sets[first], sets[other]
                if len(a & b) / len(a | b) >= rules.similarity:
                    groups.union(first, other)
                    joined[other] = True
    found: dict[int, list[int]] = {}
    for s in np.flatnonzero(joined).tolist():
        found.setdefault(groups.find(s), []).extend(members[s])
    return sorted((sorted(g) for g in found.values() if len(g) > 1), key=lambda g: g[0])


def _bursts(indices: list[int], posts: Sequence[Mention], gap: timedelta) -> list[list[int]]:
    ordered = sorted(indices, key=lambda i: (posts[i].created_at, posts[i].native_id))
    out: list[list[int]] = [[ordered[0]]]
    for i in ordered[1:]:
        if posts[i].created_at - posts[out[-1][-1]].created_at > gap:
            out.append([])
        out[-1].append(i)
    return out


def _synchronised(times: Sequence[datetime], seconds: float) -> tuple[float, int]:
    """(largest share of ``times`` within ``seconds`` of each other, that count)."""
    ordered = sorted(t.timestamp() for t in times)
    best, lo = 0, 0
    for hi, t in enumerate(ordered):
        while t - ordered[lo] > seconds:
            lo += 1
        best = max(best, hi - lo + 1)
    return best / len(ordered), best


def coordination_signals(
    posts: Sequence[Mention],
    history: Mapping[Account, tuple[datetime, int]],
    key_of: Callable[[Author], str],
    rules: CoordinationRules | None = None,
) -> list[CoordinationSignal]:
    """Pure. ``history`` gives, per account, when it was first seen and how many posts are
    stored for it (all watches); an account missing from it counts as never heard before.
    Strongest first."""
    rules = rules or CoordinationRules()
    background = _Background(posts, history, rules)
    out: list[CoordinationSignal] = []
    covered: set[int] = set()
    for group in near_identical_groups(posts, rules):
        for burst in _bursts(group, posts, rules.max_gap):
            signal = _signal("near_identical", burst, posts, background, key_of, rules)
            if signal is not None:
                out.append(signal)
                covered.update(burst)
    by_link: dict[str, list[int]] = {}
    for i, m in enumerate(posts):
        if i in covered or m.repost_of:
            continue
        for link in dict.fromkeys(link_key(u) for u in m.links):
            by_link.setdefault(link, []).append(i)
    for indices in by_link.values():
        for burst in _bursts(indices, posts, rules.max_gap):
            signal = _signal("shared_link", burst, posts, background, key_of, rules)
            if signal is not None:
                out.append(signal)
    return sorted(out, key=lambda s: (-s.confidence, s.first_at))


class _Background:
    """Every account of the posts read, to say how unusual a group's accounts are: in
    monitoring, most accounts have little history, so a group's share of new accounts is
    measured against the share among the other accounts posting in the same window."""

    def __init__(
        self,
        posts: Sequence[Mention],
        history: Mapping[Account, tuple[datetime, int]],
        rules: CoordinationRules,
    ) -> None:
        accounts = list(dict.fromkeys((m.platform, m.author.id) for m in posts))
        self.index = {a: i for i, a in enumerate(accounts)}
        self.first = np.array(
            [history[a][0].timestamp() if a in history else math.inf for a in accounts]
        )
        self.count = np.array([history[a][1] if a in history else 0 for a in accounts])
        self.rules = rules

    def new(self, at: datetime) -> np.ndarray:
        """Per account: new (first seen less than ``young`` before ``at``) or little history."""
        since = (at - self.rules.young).timestamp()
        result: np.ndarray = (self.first >= since) | (self.count <= self.rules.low_history_posts)
        return result

    def lift(self, accounts: Sequence[Account], at: datetime) -> tuple[float, float, int]:
        """(share of ``accounts`` new or with little history, the same share among the other
        accounts (0 when there are none), how many of ``accounts`` are new)."""
        new = self.new(at)
        mine = np.array([self.index[a] for a in accounts])
        share = float(new[mine].mean())
        others = len(new) - len(mine)
        if others <= 0:
            return share, 0.0, int(new[mine].sum())
        base = (float(new.sum()) - float(new[mine].sum())) / others
        return share, base, int(new[mine].sum())


def _signal(
    kind: str,
    burst: list[int],
    posts: Sequence[Mention],
    background: _Background,
    key_of: Callable[[Author], str],
    rules: CoordinationRules,
) -> CoordinationSignal | None:
    chosen = [posts[i] for i in burst]
    accounts = list(dict.fromkeys((m.platform, m.author.id) for m in chosen))
    if len(accounts) < rules.min_authors:
        return None
    first_at = min(m.created_at for m in chosen)
    last_at = max(m.created_at for m in chosen)
    new_share, base, new = background.lift(accounts, first_at)
    unusual = max(0.0, (new_share - base) / (1 - base)) if base < 1 else 0.0
    sync, in_window = _synchronised([m.created_at for m in chosen], rules.sync_seconds)
    links = Counter(link for m in chosen for link in dict.fromkeys(link_key(u) for u in m.links))
    top_link, link_posts = links.most_common(1)[0] if links else ("", 0)
    link_share = link_posts / len(chosen)
    size = 1 - math.exp(-(len(accounts) - rules.min_authors + 1) / 4)
    if kind == "near_identical":
        confidence = size * (0.15 + 0.55 * sync + 0.2 * unusual + 0.1 * link_share)
        what = "near-identical text"
    else:
        confidence = size * (0.1 + 0.6 * sync + 0.3 * unusual)
        what = f"the same link ({top_link})"
    span = (last_at - first_at).total_seconds()
    summary = (
        f"possible coordination: {len(accounts)} accounts posted {what} within "
        f"{_duration(span)}; {new} of them new or with little history ({base:.0%} of the "
        f"other accounts); {in_window} of the "
        f"{len(chosen)} posts within {rules.sync_seconds:g} s of each other"
    )
    evidence = {
        "accounts": len(accounts),
        "posts": len(chosen),
        "new_or_low_history": round(new_share, 3),
        "new_or_low_history_elsewhere": round(base, 3),
        "unusual_accounts": round(unusual, 3),
        "synchronised": round(sync, 3),
        "shared_link": round(link_share, 3),
        "link": top_link,
        "span_seconds": round(span, 1),
        "size": round(size, 3),
    }
    keys = tuple(dict.fromkeys(key_of(m.author) for m in chosen))
    return CoordinationSignal(
        kind,
        round(confidence, 3),
        summary,
        keys,
        tuple(m.key for m in chosen),
        first_at,
        last_at,
        evidence,
    )


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
