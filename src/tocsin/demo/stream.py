"""The generator: an hour-by-hour stream of mentions, with its ground truth known up front.

Each hour: draw its background posts (count from the daily and weekly rhythm, times, authors,
engagement, all vectorised with numpy), make them in time order (so replies and reposts point to
earlier posts), add the posts the incidents, the brand and its customer service scheduled for
that hour, sort, yield. At high rates an hour is cut into chunks of at most ``BUCKET_MAX``
background posts. Memory holds one chunk, small ring buffers of recent posts, the author pool
(at most 150,000 accounts) and the incidents' schedules (int64 arrays).
"""

from __future__ import annotations

import gc
import heapq
import math
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from operator import itemgetter

import numpy as np

from tocsin.demo import brand as B
from tocsin.demo import lexicon as L
from tocsin.demo.builder import (
    BOOK,
    BSKY,
    CATEGORY_MIX,
    MASTO,
    N_PICKS,
    PLATFORMS,
    REDDIT,
    UNREPORTED_LANGUAGE,
    WEB,
    X_EPOCH_MS,
    AuthorPool,
    Builder,
    X,
    cdf_table,
    entities,
    new_mention,
    new_metrics,
)
from tocsin.demo.config import WEEKEND_FACTOR, DemoConfig
from tocsin.demo.incidents import (
    CelebrityCascade,
    HashtagHijack,
    IncidentPlan,
    SlowBurnBlog,
)
from tocsin.demo.truth import GroundTruth, PostLabel
from tocsin.domain import Author, Mention, Metrics

HOUR_MS = 3_600_000

#: Relative volume by UTC hour (the audience is mostly in Europe): a night trough, a lunch peak
#: and an evening peak on weekdays; later mornings and a flatter, brunch-shaped day at weekends.
WEEKDAY_PROFILE = (
    0.22, 0.14, 0.10, 0.08, 0.09, 0.18,  # 00-05 h
    0.45, 0.85, 1.15, 1.10, 1.15, 1.55,  # 06-11 h
    1.75, 1.35, 1.05, 1.00, 1.10, 1.30,  # 12-17 h
    1.60, 1.80, 1.65, 1.25, 0.85, 0.48,  # 18-23 h
)  # fmt: skip
WEEKEND_PROFILE = (
    0.40, 0.28, 0.18, 0.12, 0.09, 0.10,
    0.16, 0.30, 0.60, 0.95, 1.25, 1.45,
    1.55, 1.45, 1.25, 1.15, 1.15, 1.20,
    1.35, 1.50, 1.45, 1.20, 0.90, 0.60,
)  # fmt: skip
#: Time of day (UTC) of each incident's onset, before a jitter of ±30 minutes (never near
#: midnight); the day comes from ``incident_days``.
ONSET_TIMES = {"blog": (8, 53), "hijack": (11, 25), "cascade": (20, 41)}

# Background forms by platform, as cumulative thresholds on one draw: a reply below the first,
# a repost below the second, a quote below the third.
_REPLY_P = (0.10, 0.10, 0.09, 0.0, 0.0)
_REPOST_P = (0.18, 0.17, 0.17, 0.0, 0.0)
_QUOTE_P = (0.21, 0.20, 0.17, 0.0, 0.0)
_TAG_P = (0.22, 0.12, 0.30, 0.0, 0.0)
_CARE_P = (0.18, 0.08, 0.06, 0.0, 0.0)  # the brand answers complaints and questions
_RING = 512
#: Most background posts made at once: higher rates split the hour (memory stays bounded).
BUCKET_MAX = 20_000
#: Brand replies to customers, as a share of the background.
CARE_SHARE = 0.029
_GROUP = (0, 1, 1, 2, 2)
_ORIGINAL, _REPLY, _REPOST, _QUOTE = range(4)
_ZERO = Metrics(0, 0, 0, None)
_NO_METRICS = Metrics()
_SITE_KIND = {site[0]: site[2] for site in L.WEB_SITES}
_CARE_AUTHOR = {X: B.BRAND_CARE_X, BSKY: B.BRAND_BSKY, MASTO: B.BRAND_MASTO}
_BRAND_HANDLE = {BSKY: "@cafelia.fr", MASTO: "@cafelia@piaille.fr"}
#: The brand's marketing posts: hours (weekdays, weekends) and the chance of each account.
PROMO_HOURS = {False: (8, 12, 17), True: (10, 16)}
PROMO_ACCOUNTS = ((X, B.BRAND_X, 1.0), (BSKY, B.BRAND_BSKY, 0.5), (MASTO, B.BRAND_MASTO, 0.3))


def _promos(config: DemoConfig) -> float:
    """Expected marketing posts (the brand's and the competitor's, one a day) in a stream."""
    per_slot = sum(chance for _, _, chance in PROMO_ACCOUNTS)
    days = [config.start + timedelta(days=d) for d in range(config.days)]
    return sum(len(PROMO_HOURS[d.weekday() >= 5]) * per_slot + 1 for d in days)


LabeledMention = tuple[Mention, PostLabel]
#: A recent post the background may answer: mention, category, language, time (ms).
_Recent = tuple[Mention, int, int, int]


def _profiles() -> tuple[list[float], list[float]]:
    wd = [v * 24 / sum(WEEKDAY_PROFILE) for v in WEEKDAY_PROFILE]
    we = [v * 24 / sum(WEEKEND_PROFILE) * WEEKEND_FACTOR for v in WEEKEND_PROFILE]
    return wd, we


def expected_rate(config: DemoConfig, when: datetime) -> float:
    """Mean background posts per hour at ``when`` (before the day-to-day and hourly noise)."""
    wd, we = _profiles()
    prof = we if when.weekday() >= 5 else wd
    return config.posts_per_hour * prof[when.hour]


def incident_days(days: int) -> list[tuple[type[IncidentPlan], int]]:
    """Which incidents a stream of ``days`` days holds, and on which day (0 = the first).

    The first day is always quiet; the incidents are spread over the other days, one a day
    (in a week: the blog on Tuesday, the hijack on Thursday, the cascade on Saturday), so that
    quiet stretches of a day or more separate them. Shorter streams hold fewer incidents.
    """
    if days < 2:
        return []
    slots = [1, 1 + (days - 1) // 3, 1 + 2 * (days - 1) // 3]
    kinds: list[type[IncidentPlan]] = [SlowBurnBlog, HashtagHijack, CelebrityCascade]
    out: list[tuple[type[IncidentPlan], int]] = []
    used: set[int] = set()
    for cls, day in zip(kinds, slots, strict=True):
        if day not in used and day < days:
            used.add(day)
            out.append((cls, day))
    return out


def expected_posts(config: DemoConfig) -> float:
    """The expected size of the stream ``config`` gives (before any random variation)."""
    hours = config.days * 24
    background = sum(expected_rate(config, config.start + timedelta(hours=h)) for h in range(hours))
    incidents = 0.0
    if config.incidents:
        for cls, day in incident_days(config.days):
            hh, mm = ONSET_TIMES[cls.id]
            left = hours - (day * 24 + hh + mm / 60)
            incidents += cls.expected_posts(config.scale, left)
    return background * (1 + CARE_SHARE) + incidents + _promos(config)


def generate(config: DemoConfig | None = None) -> tuple[Iterator[Mention], GroundTruth]:
    """A stream of mentions in ``created_at`` order and its ground truth.

    Deterministic: the same config gives the same stream. The ground truth is complete before
    the first mention is read; the stream is produced lazily, an hour at a time.
    """
    gen = _Generator(config or DemoConfig())
    return gen.mentions(), gen.truth


def generate_labeled(
    config: DemoConfig | None = None,
) -> tuple[Iterator[LabeledMention], GroundTruth]:
    """Like ``generate``, each mention paired with what the generator meant it to be."""
    gen = _Generator(config or DemoConfig())
    return gen.labeled(), gen.truth


class _Generator:
    def __init__(self, config: DemoConfig) -> None:
        self.config = config
        self.rng = np.random.default_rng([config.seed, 0x7C5])
        self.rnd = random.Random(config.seed)
        self.start_ms = int(config.start.timestamp() * 1000)
        self.hours = config.days * 24
        self.end_ms = self.start_ms + self.hours * HOUR_MS
        self.counts = self._hourly_counts()
        expected = float(self.counts.sum())
        occasional = int(min(150_000, max(3_000, expected * 0.6)))
        self.pool = AuthorPool(self.rng, config.seed, occasional, config.french_share)
        self.builder = Builder(self.rnd, np.random.default_rng([config.seed, 0xB11D]))
        self.plans: list[IncidentPlan] = self._place_incidents() if config.incidents else []
        hijack = next((p for p in self.plans if isinstance(p, HashtagHijack)), None)
        self.campaign_ms = hijack.onset if hijack else None
        self.truth = self._truth()

    # -- set-up ----------

    def _hourly_counts(self) -> np.ndarray:
        """Posts per hour: the rhythm, times a day-to-day and an hour-to-hour variation (which
        keep the expected total, so that a stream's size is predictable), Poisson-drawn."""
        cfg, rng = self.config, self.rng
        base = np.array(
            [expected_rate(cfg, cfg.start + timedelta(hours=h)) for h in range(self.hours)]
        )
        day_factor = rng.lognormal(0.0, 0.08, cfg.days + 1)
        noise = rng.gamma(25.0, 1 / 25.0, self.hours)
        lam = base * day_factor[np.arange(self.hours) // 24] * noise
        lam *= base.sum() / lam.sum()
        counts: np.ndarray = rng.poisson(lam)
        return counts

    def _place_incidents(self) -> list[IncidentPlan]:
        plans: list[IncidentPlan] = []
        scale = self.config.scale
        for cls, day in incident_days(self.config.days):
            hh, mm = ONSET_TIMES[cls.id]
            jitter = self.rnd.randint(-30, 30)
            onset_ms = self.start_ms + ((day * 24 + hh) * 60 + mm + jitter) * 60_000
            onset_ms += self.rnd.randint(0, 59_999)
            plan = cls(self.pool, self.builder, self.rng, onset_ms, scale)
            plan.horizon(self.end_ms)
            plans.append(plan)
        return plans

    def _truth(self) -> GroundTruth:
        incidents = [p.truth(self.end_ms) for p in self.plans]
        windows = sorted((i.onset, i.end) for i in incidents)
        start, end = self.config.start, self.config.start + timedelta(hours=self.hours)
        quiet: list[tuple[datetime, datetime]] = []
        cursor = start
        for a, b in [*windows, (end, end)]:
            if a - cursor >= timedelta(days=1):
                quiet.append((cursor, a))
            cursor = max(cursor, b)
        extra = sum(i.post_count for i in incidents) + round(_promos(self.config))
        return GroundTruth(
            seed=self.config.seed,
            start=start,
            end=end,
            posts_per_hour=self.config.posts_per_hour,
            estimated_posts=int(self.counts.sum() * (1 + CARE_SHARE)) + extra,
            brand=B.BRAND_INFO,
            watches=list(B.WATCHES),
            incidents=incidents,
            quiet_periods=quiet,
        )

    # -- streaming ----------

    def labeled(self) -> Iterator[LabeledMention]:
        for items in self._hours():
            yield from items

    def mentions(self) -> Iterator[Mention]:
        first = itemgetter(0)
        for items in self._hours():
            yield from map(first, items)

    def _hours(self) -> Iterator[list[LabeledMention]]:
        """The stream in time-ordered chunks: an hour, or a part of an hour at high rates."""
        st = _State()
        for h in range(self.hours):
            n = int(self.counts[h])
            parts = max(1, -(-n // BUCKET_MAX))
            sizes = self.rng.multinomial(n, [1 / parts] * parts).tolist() if parts > 1 else [n]
            hour_ms = self.start_ms + h * HOUR_MS
            st.scheduled.extend(self._brand_posts(hour_ms))
            for i, size in enumerate(sizes):
                start = hour_ms + HOUR_MS * i // parts
                end = hour_ms + HOUR_MS * (i + 1) // parts
                # A chunk makes thousands of long-lived objects and no cyclic garbage: the
                # cyclic collector would only re-scan them (15 % of the time). It is paused
                # while the chunk is made, never while the consumer runs.
                paused = gc.isenabled()
                gc.disable()
                try:
                    items = self._chunk(size, start, end, st)
                finally:
                    if paused:
                        gc.enable()
                yield items

    def _chunk(self, n: int, start_ms: int, end_ms: int, st: _State) -> list[LabeledMention]:
        items = self._background(n, start_ms, end_ms - start_ms, st)
        extra: list[LabeledMention] = []
        scheduled = st.scheduled
        while scheduled and scheduled[0][0] < end_ms:
            extra.append(scheduled.pop(0)[1])
        pending = st.pending
        while pending and pending[0][0] < end_ms:
            ms, _seq, target, lang, p = heapq.heappop(pending)
            extra.append(self._care_reply(ms, target, lang, p))
        for plan in self.plans:
            extra.extend(plan.take(end_ms))
        if extra:
            items.extend(extra)
            items.sort(key=_created_at)
        return items

    def _background(self, n: int, start_ms: int, span_ms: int, st: _State) -> list[LabeledMention]:
        if not n:
            return []
        rng, pool, b = self.rng, self.pool, self.builder
        pending = st.pending
        # everything that does not depend on earlier posts is drawn for the whole chunk at once
        ts = (np.sort(rng.integers(0, span_ms, n)) + start_ms).tolist()
        aidx_a = pool.sample(rng.random(n))
        plat_a = pool.platform[aidx_a]
        u_a = rng.random((n, 6))
        lang_a = pool.lang[aidx_a] ^ (u_a[:, 0] < 0.08)  # people post in their other language too
        cat_a = st.cat_matrix[pool.kind[aidx_a], (u_a[:, 1] * 1000).astype(np.int64)]
        unreported = u_a[:, 5] < np.asarray(UNREPORTED_LANGUAGE)[plat_a]
        f = np.maximum(pool.followers[aidx_a], 0).astype(float)
        likes_a = (np.power(f + 5, 0.75) * np.exp(rng.normal(-2.2, 1.3, n))).astype(np.int64)
        likes_a = np.where(plat_a == MASTO, likes_a // 2, likes_a)
        reposts_a = (likes_a * np.exp(rng.normal(-2.0, 1.0, n))).astype(np.int64)
        replies_a = (likes_a * np.exp(rng.normal(-2.3, 1.0, n))).astype(np.int64)
        views_a = ((f + 20) * np.exp(rng.normal(0.5, 0.9, n)) + likes_a * 20).astype(np.int64)
        score_a = np.exp(rng.normal(1.2, 1.5, n)).astype(np.int64)
        comments_a = np.exp(rng.normal(0.5, 1.2, n)).astype(np.int64)
        # reddit has no likes, reposts or views: its score and comment count take their place
        reddit = plat_a == REDDIT
        likes = np.where(reddit, score_a, likes_a).tolist()
        replies = np.where(reddit, comments_a, replies_a).tolist()
        reposts = reposts_a.tolist()
        views = views_a.tolist()
        aidx = aidx_a.tolist()
        plats = plat_a.tolist()
        langs = lang_a.astype(np.int64).tolist()
        cats = cat_a.tolist()
        silent = unreported.tolist()
        xs, ys, zs = u_a[:, 2].tolist(), u_a[:, 3].tolist(), u_a[:, 4].tolist()
        # post k's picks: Q[k * N_PICKS : (k + 1) * N_PICKS] (one flat list, no list per post)
        Q = rng.integers(0, 1 << 30, n * N_PICKS).tolist()

        authors = pool._authors
        make_author = pool.author
        compiled = st.compiled
        fromts = datetime.fromtimestamp
        brand_cats = L.BRAND_CATEGORIES
        langs_s = L.LANGS
        rings = st.rings
        ring_pos = st.ring_pos
        subs = st.reddit_threads
        campaign_ms = self.campaign_ms if self.campaign_ms is not None else self.end_ms
        labels = st.labels
        sentiment_of = L.CATEGORY_SENTIMENT
        mention = new_mention
        metrics_of = new_metrics
        out: list[LabeledMention] = []
        append = out.append
        plat_names = PLATFORMS
        for k in range(n):
            ms = ts[k]
            p = plats[k]
            ai = aidx[k]
            author = authors[ai] or make_author(ai)
            lang = langs[k]
            cat = cats[k]
            x, y, z = xs[k], ys[k], zs[k]  # form, target, decorations
            o = k * N_PICKS
            form = _ORIGINAL
            target: _Recent | None = None
            title: str | None = None
            reply_to = quote_of = None
            dt = fromts(ms / 1000, UTC)
            if p <= MASTO:
                ring = rings[p]
                if ring:
                    if x < _REPLY_P[p]:
                        form = _REPLY
                    elif x < _REPOST_P[p]:
                        form = _REPOST
                    elif x < _QUOTE_P[p]:
                        form = _QUOTE
                    if form != _ORIGINAL:
                        target = ring[int(y * len(ring))]
                        if target[3] >= ms:
                            form, target = _ORIGINAL, None
                if target is not None:
                    src = target[0]
                    if form == _REPOST:
                        if p == X:
                            text = f"RT @{src.author.handle}: {src.text}"
                            ments: tuple[str, ...] = (src.author.handle, *src.mentions)
                        else:
                            text = src.text
                            ments = src.mentions
                        nid, url = b.ids(p, ms, author)
                        m = mention(
                            plat_names[p], nid, author, text, dt, url, None, src.language, None,
                            src.native_id, None, src.hashtags, ments, src.links, _ZERO, None, b"",
                        )  # fmt: skip
                        append((m, labels[target[1]]))
                        continue
                    if Q[o] & 7:  # answers are mostly in the language of the post answered
                        lang = target[2]
                    if form == _REPLY:
                        reply_to = src.native_id
                    else:
                        quote_of = src.native_id
            group = _GROUP[p]
            # typing habits: dropped accents in French, all lower case
            fns = compiled[z > 0.80 and lang == 0][lang][group][cat]
            text = fns[Q[o + 12] % len(fns)](Q, o)
            if p == WEB:
                title, text = self._web_page(lang, cat, text, Q[o : o + N_PICKS])
            elif p == REDDIT:
                if subs and x < 0.78:
                    thread = subs[int(y * len(subs))]
                    reply_to = thread[0]
                    nid, url = b.reddit_comment(thread[1], thread[2])
                else:
                    sub = L.SUBREDDITS[lang][Q[o + 9] % len(L.SUBREDDITS[lang])]
                    title = b.text(
                        L.TITLES[lang][cat], lang, group, sentiment_of[cat], Q[o : o + N_PICKS]
                    )
                    nid, url, post36 = b.reddit_submission(sub, title)
                    st.push_thread((nid, sub, post36))
            # decorations: hashtags, links
            if z < _TAG_P[p]:
                tags = L.BRAND_TAGS[lang] if cat in brand_cats else L.NOISE_TAGS[lang]
                text = f"{text} #{tags[Q[o + 4] % len(tags)]}"
                if z < _TAG_P[p] / 3:  # a second, different one
                    second = (Q[o + 4] + 1 + Q[o + 5] % (len(tags) - 1)) % len(tags)
                    text = f"{text} #{tags[second]}"
            elif z > 0.97 and ms > campaign_ms and p <= MASTO and cat in brand_cats:
                text = f"{text} {L.CAMPAIGN_FORMS[Q[o + 11] % len(L.CAMPAIGN_FORMS)]}"
            elif 0.73 < z <= 0.80 and p != WEB:
                text = text.lower()
            if Q[o + 8] & 31 == 0 and p <= REDDIT:  # 1 in 32
                text = f"{text} {b.link(Q[o + 6], author.handle, cat in brand_cats)}"
            if Q[o + 7] & 15 == 0 and p in (BSKY, MASTO) and cat in brand_cats:  # 1 in 16
                text = f"{_BRAND_HANDLE[p]} {text}"
            if target is not None and form == _REPLY and p != BSKY:
                text = f"@{target[0].author.handle} {text}"
            language = None if silent[k] else langs_s[lang]
            if p == X:
                metrics = metrics_of(likes[k], reposts[k], replies[k], views[k])
                c = b.counter = b.counter + 1
                nid = str(((ms - X_EPOCH_MS) << 22) | (c & 0x3FFFFF))
                url = f"https://x.com/{author.handle}/status/{nid}"
            elif p <= MASTO:
                metrics = metrics_of(likes[k], reposts[k], replies[k], None)
                nid, url = b.ids(p, ms, author)
            elif p == REDDIT:
                metrics = metrics_of(likes[k], None, replies[k], None)
            else:
                metrics = _NO_METRICS
                nid = url = self._web_url(author, title or "page", dt)
            if "#" in text or "@" in text or "http" in text:
                tags_t, ments_t, links_t = entities(text)
            else:
                tags_t = ments_t = links_t = ()
            edited = (
                dt + timedelta(minutes=1 + Q[o + 7] % 30)
                if Q[o + 10] % 400 == 0 and p != WEB
                else None
            )
            m = mention(
                plat_names[p], nid, author, text, dt, url, title, language, reply_to, None,
                quote_of, tags_t, ments_t, links_t, metrics, edited, b"",
            )  # fmt: skip
            append((m, labels[cat]))
            if p <= MASTO:
                ring = rings[p]
                if len(ring) < _RING:
                    ring.append((m, cat, lang, ms))
                else:
                    ring[ring_pos[p]] = (m, cat, lang, ms)
                    ring_pos[p] = (ring_pos[p] + 1) % _RING
                if cat in (L.COMPLAINT, L.QUESTION) and y < _CARE_P[p] and form != _REPLY:
                    st.seq += 1
                    heapq.heappush(pending, (ms + self._care_delay(ms), st.seq, m, lang, p))
        return out

    def _web_page(self, lang: int, cat: int, first: str, q: list[int]) -> tuple[str, str]:
        b = self.builder
        sentiment = L.CATEGORY_SENTIMENT[cat]
        title = b.text(L.TITLES[lang][cat], lang, 2, sentiment, q)
        q2 = b.picks()
        second = b.text(L.TEMPLATES[lang][cat], lang, 2, sentiment, q2)
        if second == first:
            q2[12] += 1
            second = b.text(L.TEMPLATES[lang][cat], lang, 2, sentiment, q2)
        sep = " " if first[-1:] in ".!?…" else ". "
        return title, f"{title}\n\n{first}{sep}{second}"  # as feeds give pages

    def _web_url(self, author: Author, title: str, when: datetime) -> str:
        return self.builder.web_url(author.handle, _SITE_KIND[author.handle], title, when)

    def _care_delay(self, ms: int) -> int:
        """Customer service answers within the hour by day, the next morning by night."""
        delay = int(self.rnd.lognormvariate(math.log(50 * 60_000), 0.9)) + 3 * 60_000
        hour = ((ms + delay) // HOUR_MS) % 24
        if hour >= 21 or hour < 7:
            nights = (7 - hour) % 24
            delay += nights * HOUR_MS + self.rnd.randint(0, 90 * 60_000)
        return delay

    def _care_reply(self, ms: int, target: Mention, lang: int, p: int) -> LabeledMention:
        b = self.builder
        author = _CARE_AUTHOR[p]
        q = b.picks()
        body = b.text(L.BRAND_CARE[lang], lang, _GROUP[p], 0, q)
        text = body if p == BSKY else f"@{target.author.handle} {body}"
        m = b.post(
            p,
            ms,
            author,
            text,
            L.LANGS[lang],
            reply_to=target.native_id,
            metrics=b.metrics(p, author.followers, 0.2),
        )
        return m, PostLabel("brand_reply", 0, None)

    def _brand_posts(self, hour_ms: int) -> list[tuple[int, LabeledMention]]:
        """The brand's marketing posts (three a weekday, two a weekend day, on X and often on
        Bluesky and Mastodon) and the competitor's (one a day), with their times (ms)."""
        when = datetime.fromtimestamp(hour_ms / 1000, UTC)
        out: list[tuple[int, LabeledMention]] = []
        rnd, b = self.rnd, self.builder
        if when.hour in PROMO_HOURS[when.weekday() >= 5]:
            lang = 0 if rnd.random() < 0.6 else 1
            for p, author, chance in PROMO_ACCOUNTS:
                if rnd.random() < chance:
                    ms = hour_ms + rnd.randint(0, 59) * 60_000 + rnd.randint(0, 999)
                    q = b.picks()
                    text = b.text(L.BRAND_PROMOS[lang], lang, _GROUP[p], 1, q)
                    m = b.post(
                        p,
                        ms,
                        author,
                        text,
                        L.LANGS[lang],
                        metrics=b.metrics(p, author.followers, 0.5),
                    )
                    out.append((ms, (m, PostLabel("brand_promo", 1, None))))
        if when.hour == 11:
            lang = 1 if rnd.random() < 0.5 else 0
            ms = hour_ms + rnd.randint(0, 3_599_999)
            q = b.picks()
            text = b.text(L.COMPETITOR_PROMOS[lang], lang, 0, 1, q)
            m = b.post(
                X,
                ms,
                B.COMPETITOR_X,
                text,
                L.LANGS[lang],
                metrics=b.metrics(X, B.COMPETITOR_X.followers, 0.5),
            )
            out.append((ms, (m, PostLabel("competitor_promo", 0, None))))
        out.sort(key=itemgetter(0))
        return out


def _created_at(item: LabeledMention) -> datetime:
    return item[0].created_at


class _State:
    """What the stream remembers between chunks: recent posts to answer, threads to join, the
    brand's posts and answers to come."""

    def __init__(self) -> None:
        #: the brand's replies to come: (time, sequence, post answered, language, platform)
        self.pending: list[tuple[int, int, Mention, int, int]] = []
        #: the brand's and the competitor's own posts of the current hour, in time order
        self.scheduled: list[tuple[int, LabeledMention]] = []
        self.rings: list[list[_Recent]] = [[], [], []]
        self.ring_pos = [0, 0, 0]
        self.reddit_threads: list[tuple[str, str, str]] = []
        self._thread_pos = 0
        self.seq = 0
        #: cat_matrix[author kind, int(u * 1000)]: a background category.
        self.cat_matrix = np.array(
            [cdf_table(CATEGORY_MIX.get(k, CATEGORY_MIX[0])) for k in range(max(CATEGORY_MIX) + 1)]
        )
        self.labels = [
            PostLabel(name, L.CATEGORY_SENTIMENT[i], None)
            for i, name in enumerate(L.CATEGORY_NAMES)
        ]
        book = BOOK
        #: compiled[no_accents][lang][group][category]: the background templates, ready to fill.
        self.compiled = [
            [
                [
                    [book.get(L.TEMPLATES[lang][cat], lang, group, L.CATEGORY_SENTIMENT[cat],
                              bool(plain))
                     for cat in range(len(L.CATEGORY_NAMES))]
                    for group in range(3)
                ]
                for lang in (L.FR, L.EN)
            ]
            for plain in (0, 1)
        ]  # fmt: skip

    def push_thread(self, item: tuple[str, str, str]) -> None:
        threads = self.reddit_threads
        if len(threads) < 64:
            threads.append(item)
        else:
            threads[self._thread_pos] = item
            self._thread_pos = (self._thread_pos + 1) % 64
