"""Matching benchmark: normalise + Document + WatchIndex.match, one post at a time.

    python bench/match.py                    # 100,000 posts against 1,000 and 100 watches
    python bench/match.py --posts 20000      # quicker look
    python bench/match.py --profile          # cProfile of the 1,000-watch run
    python bench/match.py --demo-only --demo-file /tmp/match-bench/posts.jsonl

Generates realistic watches (brand names, phrases, prefixes, hashtags, handles, NOT clauses,
NEAR, language and platform restrictions) and French/English posts (accents, elisions, emoji,
hashtags, handles, URLs, the odd look-alike letter or zero-width space; Zipf-like word
frequencies, function words first), deterministically.
Prints posts/s for the three steps together, and separately for normalise alone and
normalise + Document, plus the average number of candidate watches evaluated per post.
Target on the 2-core machine: >= 30,000 posts/s with 100 watches.

Then the pipeline stages on the ingest benchmark's data (bench/ingest.py: the demo posts,
through Tocsin JSONL, with its 100 watches), in batches like the in-process runner:
µs of CPU per post for ``normalise_mention``, ``deduplicate`` and ``match``
(``Document.from_mention`` + ``WatchIndex.match`` + ``MatchedMention``). Target: <= 12 µs for
the three together. ``match`` is timed from a fresh index, so it includes the first
``plan_after`` posts matched with the static plan, before the index re-plans.

All times are CPU time (``time.process_time``): the machine is shared.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from tocsin.bootstrap import default_enrichers
from tocsin.domain import Author, Mention, Watch
from tocsin.engine.stages import deduplicate, enrich, match, normalise_mention
from tocsin.importers.generic import JsonlImporter
from tocsin.query import Document, WatchIndex, normalise

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import make_watches as ingest_watches
from ingest import write_posts


def words(s: str) -> list[str]:
    return s.split()


REAL_BRANDS = words(
    """sncf ratp orange free bouygues sfr decathlon carrefour leclerc auchan fnac darty
boulanger renault peugeot citroen airfrance easyjet ryanair ouigo blablacar uber deliveroo
doctolib ameli laposte chronopost colissimo amazon cdiscount vinted leboncoin netflix canalplus
spotify deezer snapchat tiktok instagram twitch ubisoft nintendo samsung apple google microsoft
lidl aldi intermarche monoprix picard danone nestle michelin totalenergies engie edf veolia axa
maif macif bnp boursorama revolut lydia paypal ikea conforama leroymerlin castorama sephora
loreal zara kiabi shein temu mcdonalds burgerking kfc starbucks dominos"""
)

SYLLABLES = words("ka lo mi ra ne vo tu si pa zen bri cor dal fen gri hol jun lum mor nor")

FR_WORDS = words(
    """je tu il elle on nous vous ils le la les un une des du de au aux et ou mais donc
car ni que qui quoi pas plus très trop encore déjà jamais toujours vraiment franchement
service client commande livraison colis retard remboursement rembourser remboursé annulé
panne bug appli application site compte problème réponse attente heure heures jours semaine
merci bravo génial nul honteux scandale arnaque arnaqué escroquerie boycott grève prix hausse
cher qualité produit magasin caisse file conseiller téléphone mail message réclamation
depuis hier aujourd'hui demain matin soir toujours rien aucun personne quelqu'un
c'est j'ai l'appli d'attente qu'ils n'est s'il m'a"""
)

EN_WORDS = words(
    """i you he she we they the a an and or but so not very too really still never
always customer service order delivery package late refund refunded cancelled outage down
bug app website account problem answer wait hour hours days week thanks great awful shame
scandal scam scammed boycott strike price increase expensive quality product store queue
agent phone email complaint since yesterday today tomorrow morning evening nothing nobody
it's i've don't can't won't they're"""
)

EMOJI = ["😡", "🤬", "😂", "🙄", "👍", "🔥", "💸", "😭", "🚆", "📦", "🤡", "❤️", "👀"]
TOPICS_FR = ["panne", "bug", '"ne marche plus"', "rembours*", "arnaque*", "scandale", "grève"]
TOPICS_EN = ["outage", "down", '"not working"', "refund*", "scam*", "scandal", "strike"]


def make_brands(rng: random.Random, n: int) -> list[str]:
    brands = list(REAL_BRANDS)
    seen = set(brands)
    while len(brands) < n:
        name = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 3, 3, 4))))
        if name not in seen:
            seen.add(name)
            brands.append(name)
    return brands[:n]


def make_watches(rng: random.Random, brands: list[str]) -> list[Watch]:
    watches = []
    for i, b in enumerate(brands):
        fr, en = rng.choice(TOPICS_FR), rng.choice(TOPICS_EN)
        kind = i % 10
        languages: tuple[str, ...] = ()
        platforms: tuple[str, ...] = ()
        if kind == 0:
            q = b
        elif kind == 1:
            q = f"{b} OR #{b} OR @{b}"
        elif kind == 2:
            q = f'({b} OR @{b} OR #{b}) AND ({fr} OR {en} OR "service client")'
        elif kind == 3:
            q = f'{b} AND (rembours* OR refund* OR "pas remboursé") NOT concours NOT #pub'
            languages = ("fr",)
        elif kind == 4:
            q = f'"{b} service client" OR ({b} NEAR/4 (arnaque* OR scam*))'
        elif kind == 5:
            q = f"{b} -jeu -concours -giveaway -#pub lang:fr"
        elif kind == 6:
            q = f'#{b}fail OR #boycott{b} OR "boycott {b}"'
        elif kind == 7:
            q = f"{b[: max(3, len(b) - 2)]}* AND (scandale OR honte OR scandal OR shame)"
        elif kind == 8:
            q = f"(@{b} OR {b}) (retard* OR late OR delay*) -merci"
            platforms = ("x", "bluesky")
        else:
            q = f'{b} AND ({fr} OR {en}) AND NOT ("offre spéciale" OR promo*)'
            languages = ("fr", "en")
        watches.append(Watch(f"w{i:04d}-{b}"[:64], q, languages=languages, platforms=platforms))
    # A couple of watches without anchors (evaluated for every post).
    watches.append(Watch("zz-fr-bluesky", "lang:fr platform:bluesky -concours"))
    watches.append(Watch("zz-not-spam", "NOT (promo* OR concours OR giveaway) lang:en"))
    return watches


FR_WEIGHTS = [1 / (rank + 1) for rank in range(len(FR_WORDS))]
EN_WEIGHTS = [1 / (rank + 1) for rank in range(len(EN_WORDS))]


def make_post(rng: random.Random, brands: list[str]) -> tuple[str, str]:
    fr = rng.random() < 0.6
    vocab, weights = (FR_WORDS, FR_WEIGHTS) if fr else (EN_WORDS, EN_WEIGHTS)
    words = rng.choices(vocab, weights, k=rng.randint(12, 48))
    if rng.random() < 0.35:  # mentions a brand, in one of several ways
        b = rng.choice(brands[:300] if rng.random() < 0.7 else brands)
        form = rng.choice((b, b.capitalize(), b.upper(), "@" + b, "#" + b, "#" + b + "fail"))
        words.insert(rng.randrange(len(words) + 1), form)
    for _ in range(rng.choice((0, 0, 1, 2))):
        words.insert(rng.randrange(len(words) + 1), rng.choice(EMOJI))
    if rng.random() < 0.3:
        words.append("#" + rng.choice(("SAV", "grève", "fail", "help", "boycott", "concours")))
    if rng.random() < 0.1:
        words.append(f"https://exemple.fr/p/{rng.randrange(10**6)}")
    if rng.random() < 0.02:  # look-alike letter or zero-width space
        i = rng.randrange(len(words))
        words[i] = words[i].replace("a", "а").replace("o", "\u200bo")
    text = " ".join(words)
    text = text[0].upper() + text[1:] + rng.choice((".", " !", " ?!", "…", ""))
    return text, "fr" if fr else "en"


def make_mentions(rng: random.Random, brands: list[str], n: int) -> list[Mention]:
    created = datetime(2024, 5, 1, tzinfo=UTC)
    platforms = ("x", "bluesky", "mastodon", "reddit")
    out = []
    for i in range(n):
        text, lang = make_post(rng, brands)
        platform = platforms[i % 4]
        out.append(
            Mention(
                platform=platform,
                native_id=str(i),
                author=Author(platform=platform, id=str(i % 5000), handle=f"user{i % 5000}"),
                text=text,
                created_at=created,
                language=lang,
            )
        )
    return out


def rate(label: str, mentions: list[Mention], step: Callable[[Mention], object]) -> float:
    t0 = time.process_time()
    for m in mentions:
        step(m)
    elapsed = time.process_time() - t0
    per_s = len(mentions) / elapsed
    print(f"  {label:<42} {per_s:>10,.0f} posts/s  ({elapsed * 1e6 / len(mentions):5.1f} µs/post)")
    return per_s


def run(index: WatchIndex, mentions: list[Mention], label: str) -> float:
    match = index.match

    def full(m: Mention) -> object:
        return match(Document.from_mention(m, normalise(m.text)))

    print(f"{label}: {len(index):,} watches, {len(mentions):,} posts")
    rate("normalise", mentions, lambda m: normalise(m.text))
    rate("normalise + Document", mentions, lambda m: Document.from_mention(m, normalise(m.text)))
    rate("normalise + Document + match (warm-up)", mentions[: len(mentions) // 10], full)
    best = rate("normalise + Document + match", mentions, full)
    docs = [Document.from_mention(m) for m in mentions[:20000]]
    candidates = sum(len(index.candidates(d)) for d in docs) / len(docs)
    matched = sum(len(index.match(d)) for d in docs) / len(docs)
    print(f"  candidates evaluated per post: {candidates:.2f}; matches per post: {matched:.3f}")
    return best


def demo_mentions(posts: int, path: Path | None) -> list[Mention]:
    """The ingest benchmark's posts: read from its JSONL file, or generated the same way."""
    if path is None:
        with tempfile.TemporaryDirectory(prefix="tocsin-match-") as tmp:
            generated = Path(tmp) / "posts.jsonl"
            write_posts(generated, posts)
            return demo_mentions(posts, generated)
    with path.open("rb") as f:
        read = [m for m in JsonlImporter().read(f, str(path)) if isinstance(m, Mention)]
    return read[:posts]


def cpu_per_post(run: Callable[[], object], posts: int, repeat: int = 3) -> float:
    """Best of ``repeat`` runs, in µs of CPU per post."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t0 = time.process_time()
        run()
        best = min(best, time.process_time() - t0)
    return best * 1e6 / posts


def stage_figures(mentions: list[Mention], watches: list[Watch], batch: int = 2_000) -> float:
    """µs of CPU per post of the normalise, deduplicate and match stages, as the runner calls
    them (batches of ``batch``; the language enricher runs before match but is not timed)."""
    n = len(mentions)
    batches = [mentions[i : i + batch] for i in range(0, n, batch)]
    before_match = [e for e in default_enrichers() if e.before_match]
    normalised = [[normalise_mention(m) for m in b] for b in batches]
    unique = [deduplicate(b) for b in normalised]
    ready = [enrich(b, before_match) for b in unique]
    WatchIndex(watches)  # compile once, so the first timed run does not pay the parser's caches

    def run_normalise() -> None:
        for b in batches:
            [normalise_mention(m) for m in b]

    def run_deduplicate() -> None:
        for b in normalised:
            deduplicate(b)

    def run_match() -> None:
        index = WatchIndex(watches)  # fresh: plans on its first posts, like a real import
        for b in ready:
            match(b, index)

    figures = {
        "normalise_mention": cpu_per_post(run_normalise, n),
        "deduplicate": cpu_per_post(run_deduplicate, n),
        "match": cpu_per_post(run_match, n),
    }
    index = WatchIndex(watches)
    matched = [item for b in ready for item in match(b, index)]
    docs = [Document.from_mention(m) for b in ready[:10] for m in b]
    candidates = sum(len(index.candidates(d)) for d in docs) / len(docs)
    print(f"demo data (bench/ingest.py): {n:,} posts, {len(watches)} watches, CPU time")
    for name, us in figures.items():
        print(f"  {name:<42} {us:6.2f} µs/post")
    total = sum(figures.values())
    print(f"  {'normalise + deduplicate + match':<42} {total:6.2f} µs/post  (target <= 12)")
    per_post = sum(len(item.watch_ids) for item in matched) / len(matched)
    print(f"  candidates evaluated per post: {candidates:.2f}; matches per post: {per_post:.3f}")
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--watches", type=int, default=1_000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--demo-posts",
        type=int,
        default=50_000,
        help="posts of the ingest benchmark's data for the stage figures (0: skip)",
    )
    parser.add_argument(
        "--demo-file",
        type=Path,
        default=None,
        help="read them from this posts.jsonl (bench/ingest.py --dir)",
    )
    parser.add_argument("--demo-only", action="store_true", help="only the stage figures")
    args = parser.parse_args()

    if not args.demo_only:
        synthetic(args)
    if args.demo_posts and not args.profile:
        print()
        t0 = time.perf_counter()
        mentions = demo_mentions(args.demo_posts, args.demo_file)
        print(f"read {len(mentions):,} demo posts in {time.perf_counter() - t0:.1f} s (not timed)")
        stage_figures(mentions, ingest_watches(100))


def synthetic(args: argparse.Namespace) -> None:
    rng = random.Random(20240501)
    brands = make_brands(rng, args.watches)
    watches = make_watches(rng, brands)
    t0 = time.perf_counter()
    mentions = make_mentions(rng, brands, args.posts)
    print(f"generated {len(mentions):,} posts in {time.perf_counter() - t0:.1f} s (not timed)")
    ascii_share = sum(m.text.isascii() for m in mentions) / len(mentions)
    mean = sum(len(m.text) for m in mentions) / len(mentions)
    print(f"ASCII-only posts: {ascii_share:.0%}; mean length {mean:.0f} characters")

    t0 = time.perf_counter()
    big = WatchIndex(watches)
    print(f"compiled {len(big):,} watches in {(time.perf_counter() - t0) * 1e3:.0f} ms")
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for m in mentions:
            big.match(Document.from_mention(m, normalise(m.text)))
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(15)
        return
    run(big, mentions, "1,000 watches" if args.watches == 1000 else "all watches")
    small = WatchIndex(random.Random(7).sample(watches, 100))
    best = run(small, mentions, "100 watches")
    print(f"\nwith 100 watches: {best:,.0f} posts/s (target >= 30,000)")


if __name__ == "__main__":
    main()
