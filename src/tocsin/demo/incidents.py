"""The three incidents, each modelled on a documented bad buzz.

Each incident draws its whole schedule (times, platforms, languages, authors, who answers whom)
when the stream is set up, so its size and its key post are known before the stream is consumed.
Posts are made from the schedule hour by hour; a post is kept in memory only while a later post
of the incident still refers to it.

- ``HashtagHijack``: a campaign hashtag turned into a stream of horror stories (#McDStories,
  2012; #AskJPM, 2013). Volume on the hashtag rises over two or three hours, then decays.
- ``CelebrityCascade``: one post by a very large account (Kylie Jenner on Snapchat, 2018),
  spread by reposts and quotes in a self-exciting cascade (a Hawkes-like branching process with
  log-normal delays), with replies piling on, the brand's answer and the press the next day.
- ``SlowBurnBlog``: a blogger's post about a faulty product and a silent customer service (Jeff
  Jarvis's "Dell Hell", 2005), then a slowly rising trickle of "me too" posts linking to it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from tocsin.demo import brand as B
from tocsin.demo import lexicon as L
from tocsin.demo.builder import (
    BSKY,
    MASTO,
    REDDIT,
    UNREPORTED_LANGUAGE,
    WEB,
    AuthorPool,
    Builder,
    X,
    slug,
)
from tocsin.demo.truth import Incident, IncidentKind, PostLabel
from tocsin.domain import Author, Mention, Metrics

MINUTE = 60_000
HOUR = 3_600_000

#: One scheduled post: time (ms), event id, role, platform, language (0 fr, 1 en), author index
#: in the pool (-1: a story account), parent event id (-1: none), a free pick. Kept as rows of
#: an int64 array once the schedule is sealed (a tenth of the memory of tuples).
Event = Sequence[int]
Made = tuple[Mention, PostLabel]

_GROUP = (0, 1, 1, 2, 2)  # brand/competitor surface forms by platform
_ZERO = Metrics(0, 0, 0, None)


def _dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


class IncidentPlan:
    """A scheduled incident: its events in time order and the posts made from them so far."""

    id: str
    kind: IncidentKind
    watch_id: str
    description: str

    def __init__(
        self,
        pool: AuthorPool,
        builder: Builder,
        rng: np.random.Generator,
        onset: int,
        scale: float,
    ) -> None:
        self.onset = onset
        self.scale = scale
        self.pool = pool
        self.b = builder
        self.rng = rng
        self.rnd: random.Random = builder.rnd
        self.events: list[tuple[int, ...]] = []
        self.schedule = np.zeros((0, 8), dtype=np.int64)
        self.pos = 0
        self.prebuilt: dict[int, Made] = {}
        #: posts a later post of the incident refers to, until that last one is made
        self.made: dict[int, Made] = {}
        self.last_use: dict[int, int] = {}
        self.key: Mention | None = None
        self._eid = 0

    def _add(
        self,
        ms: int,
        role: int,
        platform: int,
        lang: int,
        author: int = -1,
        parent: int = -1,
        pick: int = 0,
    ) -> int:
        eid = self._eid
        self._eid += 1
        self.events.append((int(ms), eid, role, platform, lang, int(author), parent, pick))
        return eid

    def _seal(self) -> None:
        """Sort the schedule into an array and note, for each post referred to, the last post
        referring to it (after which it is forgotten)."""
        self.events.sort()
        self.schedule = np.array(self.events, dtype=np.int64).reshape(-1, 8)
        self.events = []
        parents = self.schedule[:, 6]
        for pos in np.flatnonzero(parents >= 0).tolist():
            self.last_use[int(parents[pos])] = pos

    @property
    def size(self) -> int:
        return len(self.schedule)

    def take(self, until_ms: int) -> list[Made]:
        """The incident's posts before ``until_ms`` not taken yet, in time order."""
        end = int(np.searchsorted(self.schedule[:, 0], until_ms, side="left"))
        if end <= self.pos:
            return []
        out: list[Made] = []
        last_use, made_by_eid = self.last_use, self.made
        for pos, ev in enumerate(self.schedule[self.pos : end].tolist(), self.pos):
            eid, parent = ev[1], ev[6]
            made = self.prebuilt.pop(eid, None) or self._make(ev)
            if eid in last_use:
                made_by_eid[eid] = made
            if parent >= 0 and last_use.get(parent) == pos:
                made_by_eid.pop(parent, None)
            out.append(made)
        self.pos = end
        return out

    def _make(self, ev: Event) -> Made:
        raise NotImplementedError

    def horizon(self, end_ms: int) -> None:
        """Told where the stream ends (posts after it are never made)."""

    @classmethod
    def expected_posts(cls, scale: float, hours: float = math.inf) -> float:
        """Mean number of posts of the incident at ``scale`` in its first ``hours``."""
        raise NotImplementedError

    def truth(self, end_ms: int) -> Incident:
        times = self.schedule[:, 0]
        inside = times[times < end_ms].tolist()
        key = self.key
        return Incident(
            id=self.id,
            kind=self.kind,
            watch_id=self.watch_id,
            onset=_dt(inside[0]),
            end=_dt(inside[-1]),
            post_count=len(inside),
            description=self.description,
            key_platform=key.platform if key else None,
            key_post_id=key.native_id if key else None,
            key_url=key.url if key else None,
        )

    # -- helpers ----------

    def _lang(self, platform: int, lang: int) -> str | None:
        return None if self.rnd.random() < UNREPORTED_LANGUAGE[platform] else L.LANGS[lang]

    def _authors(self, platforms: np.ndarray) -> np.ndarray:
        out = np.zeros(len(platforms), dtype=np.int64)
        for p in np.unique(platforms):
            mask = platforms == p
            out[mask] = self.pool.sample_on(int(p), self.rng.random(int(mask.sum())))
        return out

    def _fill(
        self,
        pools: tuple[L.Pool, L.Pool],
        lang: int,
        platform: int,
        sentiment: int = -1,
        u: str = "",
    ) -> str:
        pool = pools[lang]
        q = self.b.picks()
        return self.b.text(pool, lang, _GROUP[platform], sentiment, q, u)

    def _reply_prefix(self, platform: int, to: Author, *more: str) -> str:
        if platform not in (X, MASTO):
            return ""
        return " ".join("@" + h for h in (to.handle, *more)) + " "

    def _press(self, ms: int, item: tuple[str, str, str, str, str], label: PostLabel) -> Made:
        lang, domain, _name, title, body = item
        i = next(k for k, s in enumerate(L.WEB_SITES) if s[0] == domain)
        site = self.pool.author(self.pool.blocks[WEB][0] + i)
        url = self.b.web_url(domain, L.WEB_SITES[i][2], title, _dt(ms))
        m = self.b.post(WEB, ms, site, body, lang, title=title, ids=(url, url))
        return m, label


class HashtagHijack(IncidentPlan):
    id = "hijack"
    kind: IncidentKind = "hashtag_hijack"
    watch_id = B.WATCH_CAMPAIGN
    description = (
        "Cafélia launches #CaféliaMoments to collect happy customer stories; within the hour the "
        "public turns it into mockery and horror stories (#McDStories / #AskJPM pattern)."
    )
    LAUNCH, MOCK, GENUINE, META, REPOST, REPLY, APOLOGY, PRESS = range(8)
    REFERENCE_SIZE = 1400

    @classmethod
    def expected_posts(cls, scale: float, hours: float = math.inf) -> float:
        x = max(hours - 0.2, 0.0) / 1.9  # the gamma(2, 1.9 h) delays drawn below
        within = 1.0 if math.isinf(x) else 1 - math.exp(-x) * (1 + x)
        return cls.REFERENCE_SIZE * scale * within + 4 + 3 * (hours > 6) + 3 * (hours > 26)

    def __init__(
        self,
        pool: AuthorPool,
        builder: Builder,
        rng: np.random.Generator,
        onset: int,
        scale: float,
    ) -> None:
        super().__init__(pool, builder, rng, onset, scale)
        launch_accounts = (
            (0, X, B.BRAND_X),
            (150_000, X, B.BRAND_X),
            (6 * MINUTE, BSKY, B.BRAND_BSKY),
            (9 * MINUTE, MASTO, B.BRAND_MASTO),
        )
        for i, (dt, p, author) in enumerate(launch_accounts):
            lang, text = L.HIJACK_LAUNCH[i]
            eid = self._add(onset + dt, self.LAUNCH, p, L.LANGS.index(lang), pick=i)
            m = builder.post(
                p, onset + dt, author, text, lang, metrics=builder.metrics(p, author.followers)
            )
            self.prebuilt[eid] = (m, PostLabel("hijack_launch", 1, self.id))
            if i == 0:
                self.key = m
        n = int(rng.poisson(self.REFERENCE_SIZE * scale))
        times = np.sort(onset + 12 * MINUTE + rng.gamma(2.0, 1.9 * HOUR, n).astype(np.int64))
        plats = rng.choice(np.array([X, BSKY, MASTO]), size=n, p=[0.66, 0.22, 0.12])
        langs = (rng.random(n) >= 0.55).astype(int)
        authors = self._authors(plats)
        u = rng.random((n, 3))
        originals: dict[int, list[tuple[int, int]]] = {X: [], BSKY: [], MASTO: []}
        for k in range(n):
            ms, p = int(times[k]), int(plats[k])
            form, r = u[k, 0], u[k, 1]
            pool_p = originals[p]
            if form < 0.28 and pool_p:
                if form < 0.20:  # reposts go to the funniest early posts
                    parent = pool_p[min(int(len(pool_p) * r**3), len(pool_p) - 1)]
                    role = self.REPOST
                else:  # replies to a recent one
                    parent = pool_p[-1 - int(min(len(pool_p), 50) * r)]
                    role = self.REPLY
                if parent[1] < ms:
                    self._add(ms, role, p, int(langs[k]), authors[k], parent[0])
                    continue
            elapsed = ms - onset
            if elapsed < 40 * MINUTE:
                role = (
                    self.MOCK if u[k, 2] < 0.45 else (self.GENUINE if u[k, 2] < 0.9 else self.META)
                )
            else:
                role = (
                    self.MOCK if u[k, 2] < 0.86 else (self.GENUINE if u[k, 2] < 0.91 else self.META)
                )
            eid = self._add(ms, role, p, int(langs[k]), authors[k])
            pool_p.append((eid, ms))
        for i, dt in enumerate((5 * HOUR + 20 * MINUTE, 5 * HOUR + 24 * MINUTE)):
            self._add(onset + dt, self.APOLOGY, X, i, pick=i)
        self._add(onset + 5 * HOUR + 31 * MINUTE, self.APOLOGY, BSKY, 0, pick=0)
        for i, dt in enumerate(
            (20 * HOUR + 10 * MINUTE, 22 * HOUR + 45 * MINUTE, 25 * HOUR + 30 * MINUTE)
        ):
            self._add(onset + dt, self.PRESS, WEB, 0, pick=i)
        self._seal()

    def _make(self, ev: Event) -> Made:
        ms, _eid, role, p, lang, ai, parent, pick = ev
        b = self.b
        if role == self.APOLOGY:
            lang_s, text = L.HIJACK_APOLOGY[pick]
            author = B.BRAND_X if p == X else B.BRAND_BSKY
            m = b.post(p, ms, author, text, lang_s, metrics=b.metrics(p, author.followers))
            return m, PostLabel("brand_statement", 0, self.id)
        if role == self.PRESS:
            return self._press(ms, L.HIJACK_PRESS[pick], PostLabel("press", -1, self.id))
        author = self.pool.author(ai)
        if role == self.REPOST:
            src, label = self.made[parent]
            text = f"RT @{src.author.handle}: {src.text}" if p == X else src.text
            m = b.post(p, ms, author, text, src.language, repost_of=src.native_id, metrics=_ZERO)
            return m, PostLabel("hijack_repost", label.sentiment, self.id)
        if role == self.REPLY:
            src = self.made[parent][0]
            text = self._reply_prefix(p, src.author) + self._fill(L.HIJACK_MOCK, lang, p)
            m = b.post(
                p,
                ms,
                author,
                text,
                self._lang(p, lang),
                reply_to=src.native_id,
                metrics=b.metrics(p, author.followers),
            )
            return m, PostLabel("hijack_mock", -1, self.id)
        pools, cat, sent = {
            self.MOCK: (L.HIJACK_MOCK, "hijack_mock", -1),
            self.GENUINE: (L.HIJACK_GENUINE, "hijack_genuine", 1),
            self.META: (L.HIJACK_META, "hijack_meta", -1),
        }[role]
        boost = 3.0 if role == self.MOCK else 1.0
        m = b.post(
            p,
            ms,
            author,
            self._fill(pools, lang, p, sent),
            self._lang(p, lang),
            metrics=b.metrics(p, author.followers, boost),
        )
        return m, PostLabel(cat, sent, self.id)


class CelebrityCascade(IncidentPlan):
    id = "cascade"
    kind: IncidentKind = "high_reach_cascade"
    watch_id = B.WATCH_BRAND
    description = (
        "Singer Nora Vance (4.2M followers on X) asks whether anyone still goes to Cafélia; "
        "reposts and quotes cascade, replies pile on, the brand answers, the press follows "
        "(Kylie Jenner / Snapchat pattern)."
    )
    KEY, REPOST, QUOTE, REPLY, DEFEND, PILE, BRAND_REPLY, PRESS = range(8)
    #: Direct reactions to the key post; each repost or quote brings ``BRANCHING`` more on
    #: average, a reply a third of that: about 3 posts per direct reaction in all.
    REFERENCE_DIRECT = 560
    BRANCHING = 0.8
    TYPE_P = (0.60, 0.11, 0.27, 0.02)  # repost, quote, reply, defending quote
    PILE_ON = 0.12  # posts about it, not in the cascade, per cascade post

    @classmethod
    def expected_posts(cls, scale: float, hours: float = math.inf) -> float:
        repost, quote, reply, defend = cls.TYPE_P
        mean_offspring = cls.BRANCHING * (repost + quote) + cls.BRANCHING * 0.35 * (reply + defend)
        cascade = cls.REFERENCE_DIRECT * scale / (1 - mean_offspring)
        # the cascade's times are close to log-normal, median 1.7 h, sigma 1.2 (measured)
        z = math.log(max(hours, 1e-9) / 1.7) / 1.2 if not math.isinf(hours) else math.inf
        within = 0.5 * (1 + math.erf(z / math.sqrt(2))) if not math.isinf(z) else 1.0
        return cascade * (1 + cls.PILE_ON) * within + 2 + 3 * (hours > 21)

    def __init__(
        self,
        pool: AuthorPool,
        builder: Builder,
        rng: np.random.Generator,
        onset: int,
        scale: float,
    ) -> None:
        super().__init__(pool, builder, rng, onset, scale)
        key_eid = self._add(onset, self.KEY, X, 1)
        types = np.array([self.REPOST, self.QUOTE, self.REPLY, self.DEFEND])
        type_p = list(self.TYPE_P)
        cap = int(40_000 * max(scale, 0.05)) + 100
        # generation by generation: times, types and positions of the parents (-1: the key)
        offspring_by_type = np.zeros(8)
        offspring_by_type[[self.REPOST, self.QUOTE]] = self.BRANCHING
        offspring_by_type[[self.REPLY, self.DEFEND]] = self.BRANCHING * 0.35
        cap = int(40_000 * max(scale, 0.05)) + 100
        n0 = int(rng.poisson(self.REFERENCE_DIRECT * scale))
        # the celebrity's followers see the post over the first hours (timelines, notifications)
        g_t = onset + 1 + rng.lognormal(math.log(45 * MINUTE), 0.8, n0).astype(np.int64)
        g_type = rng.choice(types, size=n0, p=type_p)
        g_parent = np.full(n0, -1)
        cascade: list[tuple[int, int, int]] = []
        while len(g_t) and len(cascade) < cap:
            keep = g_t < onset + 48 * HOUR
            g_t, g_type, g_parent = g_t[keep], g_type[keep], g_parent[keep]
            base = len(cascade)
            cascade.extend(zip(g_t.tolist(), g_type.tolist(), g_parent.tolist(), strict=True))
            kids = rng.poisson(offspring_by_type[g_type])
            n_kids = int(kids.sum())
            g_parent = np.repeat(np.arange(base, base + len(g_t)), kids)
            g_t = (
                np.repeat(g_t, kids)
                + 1
                + rng.lognormal(math.log(25 * MINUTE), 1.1, n_kids).astype(np.int64)
            )
            g_type = rng.choice(types, size=n_kids, p=type_p)
        cascade = cascade[:cap]
        authors = self.pool.sample_on(X, rng.random(len(cascade))).tolist()
        langs = (rng.random(len(cascade)) >= 0.5).astype(int).tolist()
        order = sorted(range(len(cascade)), key=lambda i: cascade[i][0])
        eid_of: dict[int, int] = {}
        for i in order:
            t, ty, ppos = cascade[i]
            parent_eid = -1
            if ty == self.REPLY:
                parent_eid = key_eid
                if ppos >= 0 and cascade[ppos][1] in (self.QUOTE, self.DEFEND, self.REPLY):
                    parent_eid = eid_of.get(ppos, key_eid)
            eid_of[i] = self._add(t, ty, X, langs[i], authors[i], parent_eid)
        # people who talk about it without reposting, on every network
        n_pile = int(rng.poisson(self.PILE_ON * len(cascade))) if cascade else 0
        pile_t = onset + 20 * MINUTE + rng.gamma(1.6, 2.5 * HOUR, n_pile).astype(np.int64)
        pile_p = rng.choice(np.array([X, BSKY, MASTO]), size=n_pile, p=[0.55, 0.28, 0.17])
        pile_a = self._authors(pile_p)
        pile_l = (rng.random(n_pile) >= 0.55).astype(int)
        for k in range(n_pile):
            self._add(int(pile_t[k]), self.PILE, int(pile_p[k]), int(pile_l[k]), int(pile_a[k]))
        self._add(onset + 2 * HOUR + 35 * MINUTE, self.BRAND_REPLY, X, 1, parent=key_eid)
        for i, dt in enumerate((14 * HOUR + 5 * MINUTE, 17 * HOUR + 20 * MINUTE, 21 * HOUR)):
            self._add(onset + dt, self.PRESS, WEB, 0, pick=i)
        self._likes_per_repost = float(rng.lognormal(math.log(6.0), 0.2))
        self.key = builder.post(X, onset, B.CELEBRITY, L.CELEBRITY_POST, "en")
        self._key_eid = key_eid
        self._seal()
        self.horizon(2**62)

    def horizon(self, end_ms: int) -> None:
        """The key post's counts as seen at the end of the stream: its reposts and direct
        replies in the stream, likes and views in proportion."""
        assert self.key is not None
        inside = self.schedule[self.schedule[:, 0] < end_ms]
        reposts = int((inside[:, 2] == self.REPOST).sum())
        replies = int(((inside[:, 2] == self.REPLY) & (inside[:, 6] == self._key_eid)).sum())
        likes = int(reposts * self._likes_per_repost) + 50
        metrics = Metrics(likes, reposts, replies, likes * 180 + 2_000_000)
        self.key = self.key.with_(metrics=metrics)
        self.prebuilt[self._key_eid] = (self.key, PostLabel("cascade_key", -1, self.id))

    def _make(self, ev: Event) -> Made:
        ms, _eid, role, p, lang, ai, parent, pick = ev
        b = self.b
        key = self.key
        assert key is not None
        if role == self.PRESS:
            return self._press(ms, L.CASCADE_PRESS[pick], PostLabel("press", -1, self.id))
        if role == self.BRAND_REPLY:
            m = b.post(
                X,
                ms,
                B.BRAND_X,
                L.CASCADE_BRAND_REPLY,
                "en",
                reply_to=key.native_id,
                metrics=b.metrics(X, B.BRAND_X.followers, 4.0),
            )
            return m, PostLabel("brand_reply", 0, self.id)
        author = self.pool.author(ai)
        if role == self.REPOST:
            m = b.post(
                X,
                ms,
                author,
                f"RT @{B.CELEBRITY.handle}: {key.text}",
                key.language,
                repost_of=key.native_id,
                metrics=_ZERO,
            )
            return m, PostLabel("cascade_repost", -1, self.id)
        if role in (self.QUOTE, self.DEFEND):
            pools = L.CASCADE_QUOTE if role == self.QUOTE else L.CASCADE_DEFEND
            m = b.post(
                X,
                ms,
                author,
                self._fill(pools, lang, X, -1 if role == self.QUOTE else 1),
                self._lang(X, lang),
                quote_of=key.native_id,
                metrics=b.metrics(X, author.followers, 1.5),
            )
            return m, PostLabel("cascade_quote", -1 if role == self.QUOTE else 1, self.id)
        if role == self.REPLY:
            src = self.made[parent][0] if parent in self.made else key
            if src is key:
                prefix = f"@{B.CELEBRITY.handle} @cafelia "
            else:
                prefix = f"@{src.author.handle} @{B.CELEBRITY.handle} @cafelia "
            m = b.post(
                X,
                ms,
                author,
                prefix + self._fill(L.CASCADE_REPLY, lang, X),
                self._lang(X, lang),
                reply_to=src.native_id,
                metrics=b.metrics(X, author.followers),
            )
            return m, PostLabel("cascade_reply", -1, self.id)
        m = b.post(
            p,
            ms,
            author,
            self._fill(L.CASCADE_PILE_ON, lang, p),
            self._lang(p, lang),
            metrics=b.metrics(p, author.followers),
        )
        return m, PostLabel("cascade_pile_on", -1, self.id)


class SlowBurnBlog(IncidentPlan):
    id = "blog"
    kind: IncidentKind = "slow_burn_blog"
    watch_id = B.WATCH_BRAND
    description = (
        "A blogger's long post on a faulty Cafélia Duo machine and an unanswering customer "
        "service; over a day and a half a slowly rising trickle of 'me too' posts links to it, "
        "in French and English (Dell Hell pattern)."
    )
    KEY, PROMO, ECHO, THREAD, COMMENT, FORUM, BRAND_REPLY = range(7)
    REFERENCE_SIZE = 600

    @classmethod
    def expected_posts(cls, scale: float, hours: float = math.inf) -> float:
        rise, fade, growth = cls.RISE_HOURS, cls.FADE_HOURS, cls.GROWTH_HOURS
        peak = math.exp(rise / growth)

        def mass(t: float) -> float:  # integral of the trickle's rate from 0 to t
            t = min(max(t, 0.0), rise + fade)
            up = growth * (math.exp(min(t, rise) / growth) - 1)
            down = max(t - rise, 0.0)
            return up + peak * (down - down * down / (2 * fade))

        within = mass(hours - 1 / 3) / mass(math.inf)
        return cls.REFERENCE_SIZE * scale * within + 6  # post, promotions, thread, brand reply

    RISE_HOURS = 34.0
    FADE_HOURS = 10.0
    GROWTH_HOURS = 11.0  # e-folding time of the rising rate

    def __init__(
        self,
        pool: AuthorPool,
        builder: Builder,
        rng: np.random.Generator,
        onset: int,
        scale: float,
    ) -> None:
        super().__init__(pool, builder, rng, onset, scale)
        when = _dt(onset)
        self.url = f"https://{B.BLOG_SITE.handle}/{when:%Y/%m}/{B.BLOG_SLUG}/"
        key_eid = self._add(onset, self.KEY, WEB, 0)
        self.key = builder.post(
            WEB,
            onset,
            B.BLOG_SITE,
            L.BLOG_TEXT,
            "fr",
            title=B.BLOG_TITLE,
            ids=(self.url, self.url),
            metrics=Metrics(),
        )
        self.prebuilt[key_eid] = (self.key, PostLabel("blog_post", -1, self.id))
        promo_eids = [
            self._add(onset + dt, self.PROMO, X, 0, pick=i)
            for i, dt in enumerate((12 * MINUTE, 9 * HOUR + 4 * MINUTE, 27 * HOUR + 40 * MINUTE))
        ]
        # the trickle: a rate growing exponentially, then fading
        minutes = np.arange(int((self.RISE_HOURS + self.FADE_HOURS) * 60))
        hours = minutes / 60
        peak = math.exp(self.RISE_HOURS / self.GROWTH_HOURS)
        rate = np.where(
            hours < self.RISE_HOURS,
            np.exp(hours / self.GROWTH_HOURS),
            peak * (self.RISE_HOURS + self.FADE_HOURS - hours) / self.FADE_HOURS,
        )
        cdf = np.cumsum(rate) / rate.sum()
        n = int(rng.poisson(self.REFERENCE_SIZE * scale))
        u = rng.random(n)
        times = np.sort(
            onset
            + 20 * MINUTE
            + ((np.searchsorted(cdf, u) + rng.random(n)) * MINUTE).astype(np.int64)
        )
        plats = rng.choice(
            np.array([X, BSKY, MASTO, REDDIT, WEB]), size=n, p=[0.50, 0.15, 0.15, 0.15, 0.05]
        )
        langs = (rng.random(n) >= 0.65).astype(int)
        thread_ms = int(times[int(n * 0.15)]) - 7 * MINUTE if n else onset + HOUR
        thread_author = self.pool.sample_on(REDDIT, rng.random(1))[0]
        thread_eid = self._add(thread_ms, self.THREAD, REDDIT, 0, int(thread_author))
        reddit = plats == REDDIT
        plats[reddit & (times <= thread_ms)] = X
        authors = self._authors(plats)
        for k in range(n):
            p = int(plats[k])
            if p == REDDIT:
                self._add(int(times[k]), self.COMMENT, p, int(langs[k]), authors[k], thread_eid)
            elif p == WEB:
                self._add(int(times[k]), self.FORUM, p, int(langs[k]), authors[k])
            else:
                self._add(int(times[k]), self.ECHO, p, int(langs[k]), authors[k])
        self._add(onset + 36 * HOUR + 12 * MINUTE, self.BRAND_REPLY, X, 0, parent=promo_eids[0])
        self._seal()

    def _make(self, ev: Event) -> Made:
        ms, _eid, role, p, lang, ai, parent, pick = ev
        b = self.b
        url = self.url
        if role == self.PROMO:
            m = b.post(
                X,
                ms,
                B.BLOGGER_X,
                L.BLOG_PROMO[pick].format(u=url),
                "fr",
                metrics=b.metrics(X, B.BLOGGER_X.followers, 3.0),
            )
            return m, PostLabel("blog_promo", -1, self.id)
        if role == self.BRAND_REPLY:
            src = self.made[parent][0]
            m = b.post(
                X,
                ms,
                B.BRAND_CARE_X,
                L.BLOG_BRAND_REPLY,
                "fr",
                reply_to=src.native_id,
                metrics=b.metrics(X, B.BRAND_CARE_X.followers),
            )
            return m, PostLabel("brand_reply", 0, self.id)
        author = self.pool.author(ai)
        if role == self.THREAD:
            title = L.BLOG_REDDIT_TITLE.format(b="Cafélia")
            nid, purl, post36 = b.reddit_submission("france", title)
            self.thread = (nid, post36)
            text = (
                f"Je tombe sur ce billet : {url}\n\nJ'ai exactement le même problème avec ma Duo "
                "achetée il y a un mois : fuite par le dessous puis voyant rouge. Le SAV Cafélia "
                "ne répond pas. Vous aussi ?"
            )
            m = b.post(
                REDDIT,
                ms,
                author,
                text,
                self._lang(REDDIT, 0),
                title=title,
                ids=(nid, purl),
                metrics=b.metrics(REDDIT, None, 4.0),
            )
            return m, PostLabel("blog_thread", -1, self.id)
        if role == self.COMMENT:
            nid, post36 = self.thread
            cid, curl = b.reddit_comment("france", post36)
            m = b.post(
                REDDIT,
                ms,
                author,
                self._fill(L.BLOG_ECHO, lang, REDDIT, u=url),
                self._lang(REDDIT, lang),
                reply_to=nid,
                ids=(cid, curl),
                metrics=b.metrics(REDDIT, None),
            )
            return m, PostLabel("blog_echo", -1, self.id)
        if role == self.FORUM:
            site_i = 6 if lang == 0 else 14  # Conso Entraide, Espresso Nerds
            domain, _name, kind, _ = L.WEB_SITES[site_i]
            site = self.pool.author(self.pool.blocks[WEB][0] + site_i)
            title = (
                "Re: Cafélia Duo en panne (fuite + voyant rouge)"
                if lang == 0
                else "Re: Cafélia Duo leaking and dead after 3 weeks"
            )
            page = b.web_url(domain, kind, slug(title), _dt(ms))
            m = b.post(
                WEB,
                ms,
                site,
                self._fill(L.BLOG_ECHO, lang, WEB, u=url),
                self._lang(WEB, lang),
                title=title,
                ids=(page, page),
            )
            return m, PostLabel("blog_echo", -1, self.id)
        m = b.post(
            p,
            ms,
            author,
            self._fill(L.BLOG_ECHO, lang, p, u=url),
            self._lang(p, lang),
            metrics=b.metrics(p, author.followers),
        )
        return m, PostLabel("blog_echo", -1, self.id)
