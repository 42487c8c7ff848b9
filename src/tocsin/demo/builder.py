"""Authors, ids, urls and texts: the pieces every generated post is made of.

Everything here is deterministic given the random generators it is handed, and cheap per post:
the author pool is a set of numpy arrays whose ``Author`` objects are built on first use, ids are
arithmetic on the timestamp and a counter, templates are compiled once into functions that look
up only the slots they use.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import random
import re
import string
import unicodedata
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np

from tocsin.demo import lexicon as L
from tocsin.domain import Author, Mention, Metrics

PLATFORMS = ("x", "bluesky", "mastodon", "reddit", "web")
X, BSKY, MASTO, REDDIT, WEB = range(5)
#: Share of background posts per platform.
PLATFORM_SHARE = (0.48, 0.20, 0.12, 0.15, 0.05)
#: Share of posts whose source does not report a language (Reddit never does; some Reddit
#: importers guess it from the subreddit, hence not 100 %).
UNREPORTED_LANGUAGE = (0.04, 0.08, 0.10, 0.30, 0.20)

# Author kinds.
OCCASIONAL, FAN, CRITIC, REGULAR, SITE = range(5)
#: Category mix per author kind (praise, question, complaint, neutral, comp+, comp-, comp only,
#: noise).
CATEGORY_MIX: dict[int, tuple[float, ...]] = {
    OCCASIONAL: (0.30, 0.12, 0.18, 0.15, 0.03, 0.03, 0.07, 0.12),
    FAN: (0.60, 0.05, 0.04, 0.16, 0.08, 0.00, 0.02, 0.05),
    CRITIC: (0.03, 0.05, 0.66, 0.06, 0.00, 0.15, 0.02, 0.03),
    REGULAR: (0.30, 0.12, 0.18, 0.20, 0.03, 0.03, 0.06, 0.08),
    SITE: (0.25, 0.05, 0.20, 0.35, 0.03, 0.03, 0.04, 0.05),
}
#: Recurring accounts per platform (critics, fans, regulars) and their share of that platform's
#: background posts, each.
RECURRING = {X: (3, 5, 12), BSKY: (1, 2, 5), MASTO: (1, 1, 4), REDDIT: (1, 1, 4)}
RECURRING_SHARE = {CRITIC: 0.006, FAN: 0.004, REGULAR: 0.0015}

X_EPOCH_MS = 1288834974657
_UNKNOWN = Metrics()
_S32 = "234567abcdefghijklmnopqrstuvwxyz"
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_CODE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

_TAG_RE = re.compile(r"#(\w+)")
#: Bluesky's ``@a.bsky.social`` and Mastodon's ``@user@instance`` whole.
_MENTION_RE = re.compile(r"@(\w+(?:[.@-]\w+)*)")
_URL_RE = re.compile(r"https?://\S+")
_ACCENTS = str.maketrans(
    "àâäáãçéèêëîïíìôöóòõûüúùÿñœæÀÂÄÇÉÈÊËÎÏÔÖÛÜÙ", "aaaaaceeeeiiiiooooouuuuynœæAAACEEEEIIOOUUU"
)


def _fast_constructor(cls: type[Any]) -> Callable[..., Any]:
    """A constructor for a frozen, slotted dataclass, every field positional, that sets the
    slots directly.

    A frozen dataclass's ``__init__`` goes through ``object.__setattr__`` for every field; the
    stream makes over 50,000 mentions a second, where that costs a quarter of the time. The
    result is the same object (tests compare the two). Falls back to the class itself if it
    ever gains a ``__post_init__`` (a validation this shortcut would skip).
    """
    if hasattr(cls, "__post_init__"):
        return cls
    fields = dataclasses.fields(cls)
    names = [f.name for f in fields]
    env = {"new": object.__new__, "cls": cls}
    env.update({f"set_{n}": getattr(cls, n).__set__ for n in names})
    # Every field, in order; the trailing fields with a plain default keep it (fields added
    # later, such as a mention's analysis, need not be passed by every caller).
    optional = 0
    for f in reversed(fields):
        if f.default is dataclasses.MISSING:
            break
        env[f"default_{f.name}"] = f.default
        optional += 1
    params = ", ".join(
        n if i < len(names) - optional else f"{n}=default_{n}" for i, n in enumerate(names)
    )
    body = "".join(f"    set_{n}(o, {n})\n" for n in names)
    src = f"def make({params}):\n    o = new(cls)\n{body}    return o\n"
    exec(src, env)
    fn: Callable[..., Any] = env["make"]  # type: ignore[assignment]
    return fn


#: ``Mention(...)`` and ``Metrics(...)`` with positional arguments, faster.
new_mention: Callable[..., Mention] = _fast_constructor(Mention)
new_metrics: Callable[..., Metrics] = _fast_constructor(Metrics)


def strip_accents(s: str) -> str:
    """What French typists do on a phone: "ça" -> "ca", "café" -> "cafe"."""
    return s.translate(_ACCENTS)


@functools.lru_cache(maxsize=4096)
def ascii_fold(s: str) -> str:
    """Lower-case ASCII letters, digits and ``_`` of ``s``: "Élodie" -> "elodie"."""
    return "".join(
        c
        for c in unicodedata.normalize("NFKD", s.lower())
        if c.isascii() and (c.isalnum() or c == "_")
    )


_B36_2 = [a + b for a in _B36 for b in _B36]


def b36(n: int) -> str:
    """Base 36, as Reddit writes its ids."""
    out = ""
    while n >= 36:
        n, r = divmod(n, 1296)
        out = _B36_2[r] + out
    return (_B36[n] + out if n or not out else out).lstrip("0") or "0"


_DID_MIX = 0x9E3779B97F4A7C15F39CC0605CEDC835
_S32_15 = [_S32[i >> 10] + _S32[(i >> 5) & 31] + _S32[i & 31] for i in range(1 << 15)]


def tid(us: int, clock: int) -> str:
    """A Bluesky record key: 53 bits of microseconds and 10 bits of clock id, base32-sortable."""
    v = (us << 10) | (clock & 0x3FF)
    t = _S32_15
    return (
        _S32[v >> 60] + t[(v >> 45) & 0x7FFF] + t[(v >> 30) & 0x7FFF] + t[(v >> 15) & 0x7FFF]
        + t[v & 0x7FFF]
    )  # fmt: skip


def entities(text: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Hashtags, mentions and links of ``text`` as the platforms report them (without ``#`` and
    ``@``). A ``#`` or ``@`` after a letter, a digit or ``_&/.`` (an e-mail, a link) is not one;
    that is checked by hand, as a look-behind would make the patterns several times slower."""
    tags: tuple[str, ...] = ()
    ments: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    if "#" in text:
        tags = _once(
            [t.group(1) for t in _TAG_RE.finditer(text) if _starts_token(text, t.start(), "&/")]
        )
    if "@" in text:
        ments = _once(
            [h.group(1) for h in _MENTION_RE.finditer(text) if _starts_token(text, h.start(), "./")]
        )
    if "http" in text:
        links = _once([u.rstrip(".,;:!?)»") for u in _URL_RE.findall(text)])
    return tags, ments, links


def _starts_token(text: str, i: int, also: str) -> bool:
    if not i:
        return True
    c = text[i - 1]
    return not (c.isalnum() or c == "_" or c in also)


def _once(items: list[str]) -> tuple[str, ...]:
    """Without case-insensitive repeats, the first spelling kept (as importers store lists)."""
    if len(items) < 2:
        return tuple(items)
    seen: dict[str, str] = {}
    for item in items:
        seen.setdefault(item.casefold(), item)
    return tuple(seen.values())


@functools.lru_cache(maxsize=16_384)
def slug(title: str, limit: int = 60) -> str:
    s = strip_accents(title.lower())
    s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")
    return s[:limit].rstrip("-") or "post"


def cdf_table(weights: Sequence[float], size: int = 1000) -> list[int]:
    """A lookup table: ``table[int(u * size)]`` draws an index with the given weights."""
    w = np.asarray(weights, dtype=float)
    c = np.cumsum(w / w.sum())
    return np.searchsorted(c, (np.arange(size) + 0.5) / size, side="right").tolist()


#: Position in a post's random picks of each template slot ("ap" shares the product's pick);
#: the last pick chooses the template.
SLOT_INDEX = {
    "b": 0, "x": 1, "p": 2, "ap": 2, "c": 3, "s": 4, "t": 5, "e": 6, "n": 7, "m": 8, "d": 9,
    "f": 10, "h": 11,
}  # fmt: skip
N_PICKS = 13
_ARTICLE_PRODUCTS: tuple[L.Pool, L.Pool] = (
    tuple("un " + p for p in L.PRODUCTS[L.FR]),
    tuple(("an " if p[0].lower() in "aeiou" else "a ") + p for p in L.PRODUCTS[L.EN]),
)
_FORMATTER = string.Formatter()
#: A compiled template: ``fn(picks, offset=0, link="")`` gives the text, the post's picks being
#: ``picks[offset : offset + N_PICKS]``.
Text = Callable[..., str]


def _slot_pool(name: str, lang: int, group: int, sentiment: int) -> L.Pool:
    pools: dict[str, L.Pool] = {
        "b": L.BRAND_FORMS[lang][group],
        "x": L.COMPETITOR_FORMS[group],
        "p": L.PRODUCTS[lang],
        "ap": _ARTICLE_PRODUCTS[lang],
        "c": L.CITIES[lang],
        "s": L.STAFF[lang],
        "t": L.MOMENTS[lang],
        "e": L.EMOJI[sentiment],
        "n": L.MINUTES,
        "m": L.PRICES[lang],
        "d": L.DAYS[lang],
        "f": L.FIRST_NAMES[lang],
        "h": L.CAMPAIGN_FORMS,
    }
    if name not in pools:
        raise ValueError(f"unknown template slot {{{name}}}")
    return pools[name]


def _contract(prep: str, noun: str) -> str:
    """French contractions: "à le serveur" -> "au serveur", "de le" -> "du"."""
    if noun.startswith("le "):
        return ("au " if prep == "à" else "du ") + noun[3:]
    return f"{prep} {noun}"


def compile_template(
    tpl: str, lang: int, group: int, sentiment: int, no_accents: bool = False
) -> Text:
    """``tpl`` as a function of the post's picks that looks up only the slots it uses.

    The template becomes a lambda expression over its literal parts (as ``repr``) and one pool
    lookup per slot; an emoji slot takes the space before it, so "no emoji" leaves no trailing
    space. With ``no_accents`` the text comes out as typed without accents ("ca", "cafe").
    Templates are this package's constants, never user input.
    """
    fold = strip_accents if no_accents else str
    env: dict[str, object] = {}
    code: list[str] = []
    for literal, name, _spec, _conv in _FORMATTER.parse(tpl):
        pool: L.Pool = ()
        if name == "e" and literal.endswith(" "):
            literal = literal[:-1]
            pool = tuple(" " + e if e else "" for e in L.EMOJI[sentiment])
        elif name == "s" and lang == L.FR and literal.endswith(("à ", "de ")):
            prep = literal.rsplit(" ", 2)[-2]
            literal = literal[: -len(prep) - 1]
            pool = tuple(_contract(prep, x) for x in L.STAFF[L.FR])
        elif name is not None and name != "u":
            pool = _slot_pool(name, lang, group, sentiment)
        if literal:
            code.append(repr(fold(literal)))
        if name is None:
            continue
        if name == "u":
            code.append("u")
            continue
        var = f"P_{name}"
        env[var] = tuple(fold(x) for x in pool)
        code.append(f"{var}[q[o + {SLOT_INDEX[name]}] % {len(pool)}]")
    fn: Text = eval("lambda q, o=0, u='': " + (" + ".join(code) or "''"), env)
    return fn


class TemplateBook:
    """Compiled templates, by pool, language, platform group and sentiment."""

    def __init__(self) -> None:
        self._cache: dict[tuple[int, int, int, int, bool], list[Text]] = {}

    def get(
        self, pool: L.Pool, lang: int, group: int, sentiment: int, no_accents: bool = False
    ) -> list[Text]:
        key = (id(pool), lang, group, sentiment, no_accents)
        fns = self._cache.get(key)
        if fns is None:
            fns = self._cache[key] = [
                compile_template(t, lang, group, sentiment, no_accents) for t in pool
            ]
        return fns


#: The compiled templates, shared: they depend on the pools only (module constants).
BOOK = TemplateBook()


class AuthorPool:
    """Every account of the stream, one numpy row each; ``Author`` objects are made on first use.

    Accounts are grouped by platform (contiguous blocks). The background activity weight of each
    account is log-normal (a few occasional posters post several times) and recurring accounts
    (critics, fans, regulars) weigh a fixed share of their platform. The accounts with a role in
    the story (the brand, the celebrity, the blogger) are not in the pool (see ``brand``).
    """

    def __init__(self, rng: np.random.Generator, seed: int, occasional: int, french: float) -> None:
        self.seed = seed
        blocks: list[tuple[int, int]] = []
        plat: list[np.ndarray] = []
        kind: list[np.ndarray] = []
        weight: list[np.ndarray] = []
        p_author_fr = min(1.0, max(0.0, (french - 0.08) / 0.84))
        start = 0
        for p in range(5):
            if p == WEB:
                n_occ = len(L.WEB_SITES)
                k = np.full(n_occ, SITE, dtype=np.int8)
                w = rng.lognormal(0.0, 0.8, n_occ)
            else:
                n_occ = max(50, round(occasional * PLATFORM_SHARE[p] / (1 - PLATFORM_SHARE[WEB])))
                critics, fans, regulars = RECURRING[p]
                rec = critics + fans + regulars
                w = rng.lognormal(0.0, 1.0, n_occ + rec)
                k = np.full(n_occ + rec, OCCASIONAL, dtype=np.int8)
                k[:critics] = CRITIC
                k[critics : critics + fans] = FAN
                k[critics + fans : rec] = REGULAR
                rec_share = np.array([RECURRING_SHARE[int(x)] for x in k[:rec]])
                occ_mass = w[rec:].sum()
                w[:rec] = rec_share / (1 - rec_share.sum()) * occ_mass
                n_occ += rec
            w = w / w.sum() * PLATFORM_SHARE[p]
            blocks.append((start, start + n_occ))
            plat.append(np.full(n_occ, p, dtype=np.int8))
            kind.append(k)
            weight.append(w)
            start += n_occ
        self.size = start
        self.blocks = blocks
        self.platform = np.concatenate(plat)
        self.kind = np.concatenate(kind)
        bg = np.concatenate(weight)
        self.cdf = np.cumsum(bg) / bg.sum()
        self.cdf[-1] = 1.0
        n = self.size
        self.lang = (rng.random(n) >= p_author_fr).astype(np.int8)  # 0 fr, 1 en
        for i, site in enumerate(L.WEB_SITES):
            self.lang[blocks[WEB][0] + i] = site[3]
        followers = np.exp(rng.normal(4.7, 2.0, n))
        bsky_lo, bsky_hi = blocks[BSKY]
        followers[bsky_lo:bsky_hi] = np.exp(rng.normal(4.3, 1.7, bsky_hi - bsky_lo))
        masto_lo, masto_hi = blocks[MASTO]
        followers[masto_lo:masto_hi] = np.exp(rng.normal(4.0, 1.5, masto_hi - masto_lo))
        tail = rng.random(n) < 0.002  # a Pareto tail of well-followed accounts
        followers[tail] = 10_000 * (1 + rng.pareto(1.1, int(tail.sum())))
        followers = np.minimum(followers, 3_000_000).astype(np.int64)
        followers[self.platform >= REDDIT] = -1  # not reported
        self.followers = followers
        self.verified = (followers > 100_000) & (rng.random(n) < 0.6) | (rng.random(n) < 0.02)
        self.first = rng.integers(0, 1 << 30, n)
        self.last = rng.integers(0, 1 << 30, n)
        self.style = rng.integers(0, 8, n)
        self.num = rng.integers(0, 10_000, n)
        self._authors: list[Author | None] = [None] * n
        self._handles: list[set[str]] = [set() for _ in range(5)]
        # instance of each mastodon account, subreddit language of each reddit account
        self.instance = rng.integers(0, len(L.MASTODON_INSTANCES), n)
        # one row per account, for building its ``Author`` with a single numpy access
        self._rows = np.stack(
            [
                self.platform, self.lang, self.first, self.last, self.style, self.num,
                self.instance, self.followers, self.verified,
            ],
            axis=1,
        ).astype(np.int64)  # fmt: skip

    # -- sampling ----------

    def sample(self, u: np.ndarray) -> np.ndarray:
        """Background authors for uniform draws ``u``."""
        idx: np.ndarray = np.searchsorted(self.cdf, u, side="right")
        return np.minimum(idx, self.size - 1)

    def sample_on(self, platform: int, u: np.ndarray) -> np.ndarray:
        """Authors of one platform, with their background weights."""
        lo, hi = self.blocks[platform]
        c_lo = self.cdf[lo - 1] if lo else 0.0
        c_hi = self.cdf[hi - 1]
        idx = np.searchsorted(self.cdf, c_lo + u * (c_hi - c_lo), side="right")
        clipped: np.ndarray = np.clip(idx, lo, hi - 1)
        return clipped

    # -- authors ----------

    def author(self, i: int) -> Author:
        a = self._authors[i]
        if a is None:
            a = self._authors[i] = self._make(i)
        return a

    def _make(self, i: int) -> Author:
        p, lang, first_i, last_i, style, num, inst_i, followers, verified_i = self._rows[i].tolist()
        if p == WEB:
            domain, name, _, _ = L.WEB_SITES[i - self.blocks[WEB][0]]
            return Author("web", domain, domain, name, None, None)  # as the feed importer does
        firsts, lasts, words = L.FIRST_NAMES[lang], L.LAST_NAMES[lang], L.HANDLE_WORDS[lang]
        first = firsts[first_i % len(firsts)]
        last = lasts[last_i % len(lasts)]
        word = words[last_i % len(words)]
        f, la = ascii_fold(first), ascii_fold(last)
        if p == REDDIT:
            display = ""
            if style < 4:
                adj = L.REDDIT_ADJ[first_i % len(L.REDDIT_ADJ)]
                noun = L.REDDIT_NOUN[last_i % len(L.REDDIT_NOUN)]
                base = f"{adj}-{noun}-{num}"
            else:
                base = f"{f}_{la}" if style < 6 else f"{word}{num % 100}"
        elif style == 0:
            base, display = f + la, f"{first} {last}"
        elif style == 1:
            base, display = f"{f}_{la[:1]}", first
        elif style == 2:
            base, display = f"{f}{num % 100}", f"{first} {last[:1]}."
        elif style == 3:
            base, display = f"{f[:1]}{la}{num % 100}", f"{first} ☕"
        elif style == 4:
            base, display = f"{word}{num % 1000}", word.replace("_", " ").title()
        elif style == 5:
            base, display = f"{f}_{la}" if p == X else f"{f}.{la}", f"{first} {last}"
        elif style == 6:
            base, display = la + f[:1], last.upper()
        else:
            base, display = f"{word}_{f}", f"{first} 🌿"
        if p == X:
            base = base.replace(".", "_").replace("-", "_")[:15]
        handle = self._unique(p, base, num)
        verified = bool(verified_i) if p == X else None
        if p == X:
            uid = (
                str(100_000_000 + i * 7_919 + num)
                if style < 3
                else str((((1_400_000_000_000 + i * 104_729) - X_EPOCH_MS) << 22) | num)
            )
            return Author("x", uid, handle, display, followers, verified)
        if p == BSKY:
            # 120 bits, distinct for every account (an odd multiplier is a bijection)
            v = ((i + 1) * _DID_MIX + self.seed) & ((1 << 120) - 1)
            did = "did:plc:" + "".join(_S32_15[(v >> (15 * k)) & 0x7FFF] for k in range(8))
            hname = handle.replace("_", "-").replace(".", "-").lower()
            return Author("bluesky", did, f"{hname}.bsky.social", display, followers, None)
        if p == MASTO:
            inst = L.MASTODON_INSTANCES[inst_i]
            uid = str(109_000_000_000_000_000 + i * 65_537 + num)
            return Author("mastodon", uid, f"{handle}@{inst}", display, followers, None)
        return Author(
            "reddit", "t2_" + b36(1_000_000_000 + i * 7_919 + num), handle, "", None, None
        )

    def _unique(self, p: int, base: str, num: int) -> str:
        used = self._handles[p]
        handle = base or "user"
        k = 0
        while handle in used:
            k += 1
            handle = (
                f"{base}{(num + k * 37) % 1000}" if p != X else f"{base[:11]}{(num + k) % 10_000}"
            )
        used.add(handle)
        return handle


class Builder:
    """Ids, urls, texts and metrics for posts; one counter makes every id unique."""

    def __init__(self, rnd: random.Random, rng: np.random.Generator) -> None:
        self.rnd = rnd
        self.rng = rng
        self.counter = 0
        self.book = BOOK
        self.codes = ["".join(rnd.choice(_CODE_CHARS) for _ in range(11)) for _ in range(4096)]
        # random numbers drawn from numpy in blocks, handed out one post at a time
        self._picks: list[int] = []
        self._picks_at = 0
        self._normals: list[float] = []
        self._normals_at = 0

    # -- ids and urls ----------

    def ids(self, platform: int, ms: int, author: Author) -> tuple[str, str]:
        """Native id and url of a new post (Reddit comments and web pages: see ``reddit_ids``)."""
        c = self.counter = self.counter + 1
        if platform == X:
            nid = str(((ms - X_EPOCH_MS) << 22) | (c & 0x3FFFFF))
            return nid, f"https://x.com/{author.handle}/status/{nid}"
        if platform == BSKY:
            key = tid(ms * 1000 + c % 1000, c // 1000)
            return (
                f"at://{author.id}/app.bsky.feed.post/{key}",
                f"https://bsky.app/profile/{author.handle}/post/{key}",
            )
        if platform == MASTO:
            nid = str((ms << 16) | (c & 0xFFFF))
            user, _, inst = author.handle.partition("@")
            return nid, f"https://{inst}/@{user}/{nid}"
        raise ValueError(f"no generic ids for platform {platform}")

    def reddit_submission(self, sub: str, title: str) -> tuple[str, str, str]:
        """Fullname, url and base-36 id of a new Reddit thread."""
        c = self.counter = self.counter + 1
        pid = b36(1_600_000_000 + c * 7)
        return f"t3_{pid}", f"https://www.reddit.com/r/{sub}/comments/{pid}/{slug(title, 48)}/", pid

    def reddit_comment(self, sub: str, post36: str) -> tuple[str, str]:
        c = self.counter = self.counter + 1
        cid = b36(60_000_000_000 + c * 11)
        return f"t1_{cid}", f"https://www.reddit.com/r/{sub}/comments/{post36}/comment/{cid}/"

    def web_url(self, domain: str, kind: int, title: str, when: datetime) -> str:
        c = self.counter = self.counter + 1
        s = slug(title)
        if kind == 3:
            return f"https://{domain}/t/{s}/{100_000 + c}"
        if kind == 1:
            return f"https://{domain}/avis/{s}-{c}"
        return f"https://{domain}/{when:%Y/%m}/{s}-{c}/"

    def link(self, i: int, handle: str, about_brand: bool) -> str:
        links = L.LINKS + L.BRAND_LINKS if about_brand else L.LINKS
        tpl = links[i % len(links)]
        if "{" not in tpl:
            return tpl
        code = self.codes[(i >> 4) % len(self.codes)]
        return tpl.format(code=code, handle=handle or "user", num=7_300_000_000_000_000_000 + i)

    def text(
        self, pool: L.Pool, lang: int, group: int, sentiment: int, q: Sequence[int], u: str = ""
    ) -> str:
        """One template of ``pool`` (picked by ``q[12]``) with its slots filled from ``q``."""
        fns = self.book.get(pool, lang, group, sentiment)
        return fns[q[12] % len(fns)](q, 0, u)

    def picks(self) -> list[int]:
        """Random picks for one post's template (see ``SLOT_INDEX``)."""
        i = self._picks_at
        if i + N_PICKS > len(self._picks):
            self._picks = self.rng.integers(0, 1 << 30, 1024 * N_PICKS).tolist()
            i = 0
        self._picks_at = i + N_PICKS
        return self._picks[i : i + N_PICKS]

    def _four_normals(self) -> list[float]:
        i = self._normals_at
        if i + 4 > len(self._normals):
            self._normals = self.rng.standard_normal(4096).tolist()
            i = 0
        self._normals_at = i + 4
        return self._normals[i : i + 4]

    # -- posts ----------

    def post(
        self,
        platform: int,
        ms: int,
        author: Author,
        text: str,
        language: str | None,
        *,
        title: str | None = None,
        reply_to: str | None = None,
        repost_of: str | None = None,
        quote_of: str | None = None,
        metrics: Metrics | None = None,
        ids: tuple[str, str] | None = None,
    ) -> Mention:
        """A mention with ids, url and entities filled consistently (X, Bluesky, Mastodon, or
        Reddit and web with ``ids`` given)."""
        nid, url = ids if ids is not None else self.ids(platform, ms, author)
        if platform == WEB and title:  # a page's text starts with its title, as in feeds
            text = f"{title}\n\n{text}"
        tags, ments, links = entities(text)
        return new_mention(
            PLATFORMS[platform],
            nid,
            author,
            text,
            datetime.fromtimestamp(ms / 1000, UTC),
            url,
            title,
            language,
            reply_to,
            repost_of,
            quote_of,
            tags,
            ments,
            links,
            metrics if metrics is not None else _UNKNOWN,
            None,
            b"",
        )

    def metrics(self, platform: int, followers: int | None, boost: float = 1.0) -> Metrics:
        """Heavy-tailed engagement for one post (the background draws them by the hour)."""
        z1, z2, z3, z4 = self._four_normals()
        exp = math.exp
        if platform == REDDIT:
            score = int(exp(1.2 + 1.5 * z1) * boost)
            return new_metrics(score, None, int(exp(0.5 + 1.2 * z2) * boost), None)
        if platform == WEB:
            return _UNKNOWN
        f = followers or 0
        likes = int((f + 5) ** 0.75 * exp(-2.2 + 1.3 * z1) * boost)
        reposts = int(likes * exp(-2.0 + z2))
        replies = int(likes * exp(-2.3 + z3))
        views = int((f + 20) * exp(0.5 + 0.9 * z4) + likes * 20) if platform == X else None
        return new_metrics(likes, reposts, replies, views)
