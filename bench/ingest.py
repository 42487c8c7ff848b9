"""Ingest benchmark: import + language identification + match (100 watches) + store.

Analysis (sentiment, emotions, toxicity, complaint) is off by default, as in the figure the
core issue asked for; ``--analysis fast`` or ``full`` adds it (``$TOCSIN_ANALYSIS``).

    python bench/ingest.py                 # 1,000,000 posts (the issue's figure)
    python bench/ingest.py --posts 100000  # quicker look

1. Generates the posts with the demo generator and writes them as Tocsin JSONL (not timed in
   the ingest figure; printed apart).
2. Imports the file into a fresh SQLite database with 100 watches, through the real CLI code
   path (`import_file`: importer, pipeline, store, worker processes chosen as the CLI chooses
   them), in a child process; the memory figure is the peak of the summed PSS of that process
   and its workers (shared pages counted once).
3. Prints posts/s, peak memory and the database size. Targets on the 2-core machine:
   >= 20,000 posts/s and < 500 MB.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from tocsin.demo import DemoConfig, generate
from tocsin.domain import Watch, WatchKind
from tocsin.importers.generic import to_record

BRANDS = [
    "brewster",
    "kaffa",
    "moka",
    "latteo",
    "grano",
    "torrefia",
    "barista",
    "espressa",
    "crema",
    "noisette",
    "arabica",
    "robusta",
    "cappa",
    "lungo",
    "ristretta",
    "macchia",
    "frappa",
    "mocca",
    "cortado",
    "affogato",
    "doppio",
    "galao",
    "piccolo",
    "flatwhite",
    "cafeine",
    "decaf",
    "chicoree",
    "teavana",
    "matcha",
    "chai",
]
TOPICS = [
    '"service client" OR "customer service"',
    "rembours* OR refund*",
    "arnaque* OR scam* OR escroc*",
    "boycott* OR boycotter",
    "scandal* OR honte OR shame",
    '"mal au ventre" OR "food poisoning" OR intoxication',
    "livraison NEAR/3 retard*",
    "delivery NEAR/3 late",
    "(prix OR price*) AND (hausse OR increase*)",
    "greve OR strike",
    "grossier OR rude NOT merci",
    "attente OR wait* NOT appreciate",
    "lawsuit OR procès OR tribunal",
    "(vegan OR végétalien) AND (lait OR milk)",
    "recrut* OR hiring OR embauche",
    "ouverture OR opening NOT fermeture",
    "fermeture OR closing OR closed",
    "application OR appli OR app",
    "fidélité OR loyalty",
    '"carte cadeau" OR "gift card"',
]


def make_watches(n: int) -> list[Watch]:
    _, truth = generate(DemoConfig(days=1))
    watches = list(truth.watches)
    i = 0
    while len(watches) < n:
        kind = i % 5
        brand = BRANDS[i % len(BRANDS)]
        topic = TOPICS[i % len(TOPICS)]
        if kind == 0:
            w = Watch(f"brand-{i}", f"{brand} OR @{brand} OR #{brand}", WatchKind.COMPETITOR)
        elif kind == 1:
            w = Watch(f"topic-{i}", topic, WatchKind.TOPIC)
        elif kind == 2:
            w = Watch(f"brand-topic-{i}", f"({brand} OR cafelia) AND ({topic})", WatchKind.TOPIC)
        elif kind == 3:
            w = Watch(f"fr-{i}", f"{topic}", WatchKind.TOPIC, languages=("fr",))
        else:
            w = Watch(f"tag-{i}", f"#{brand}{i} OR #{brand}", WatchKind.CAMPAIGN)
        watches.append(w)
        i += 1
    return watches[:n]


def write_posts(path: Path, posts: int) -> tuple[int, float]:
    stream, _ = generate(DemoConfig.sized(posts, days=7))
    started = time.perf_counter()
    written = 0
    with path.open("wb") as out:
        for m in itertools.islice(stream, posts):
            out.write(orjson.dumps(to_record(m)))
            out.write(b"\n")
            written += 1
    return written, time.perf_counter() - started


def child_import(db: Path, source: Path, watches: int) -> None:
    from tocsin.bootstrap import Settings, build_pipeline, open_store
    from tocsin.engine.inprocess import import_file

    with open_store(Settings(db=db), create=True) as store:
        for w in make_watches(watches):
            store.put_watch(w)
        pipeline = build_pipeline(store)
        summary = import_file(source, store, pipeline, progress=False)
        matched = store.db.execute("SELECT count(*) FROM mention_watches").fetchone()[0]
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "records": summary.records,
                "inserted": summary.written.inserted,
                "dead_letters": summary.written.dead_letters,
                "seconds": summary.seconds,
                "memberships": matched,
                "peak_rss_mb": peak_kb / 1024,
            }
        )
    )


def _pss_kb(pid: int) -> int:
    """Proportional set size: shared pages split between the processes sharing them, so that
    the sum over processes is the memory they really hold together."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def watch_tree_rss(proc: subprocess.Popen[str]) -> float:
    """Peak of the summed PSS of ``proc`` and its descendants (worker processes included)."""
    peak = 0
    while proc.poll() is None:
        peak = max(peak, sum(_pss_kb(pid) for pid in _descendants(proc.pid)))
        time.sleep(0.1)
    return peak / 1024


def child_command(watches: int, db: Path, source: Path) -> list[str]:
    return [
        sys.executable,
        __file__,
        "--watches",
        str(watches),
        "--child-import",
        str(db),
        str(source),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--watches", type=int, default=100)
    parser.add_argument("--dir", type=Path, default=None, help="Keep files here.")
    parser.add_argument(
        "--analysis",
        choices=["off", "fast", "full"],
        default="off",
        help="The analysis enricher's mode during the import [off].",
    )
    parser.add_argument("--child-import", nargs=2, metavar=("DB", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_import:
        child_import(Path(args.child_import[0]), Path(args.child_import[1]), args.watches)
        return
    with tempfile.TemporaryDirectory(prefix="tocsin-bench-") as tmp:
        work = args.dir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        source = work / "posts.jsonl"
        db = work / "bench.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        print(f"generating {args.posts:,} posts ...", flush=True)
        written, gen_s = write_posts(source, args.posts)
        size_mb = source.stat().st_size / 2**20
        print(
            f"  {written:,} posts, {size_mb:,.0f} MB of JSONL in {gen_s:.1f} s "
            f"({written / gen_s:,.0f} posts/s generated and written)"
        )
        print(f"importing with {args.watches} watches (child process) ...", flush=True)
        print(f"  analysis: {args.analysis}", flush=True)
        proc = subprocess.Popen(
            child_command(args.watches, db, source),
            env={**os.environ, "TOCSIN_ANALYSIS": args.analysis},
            stdout=subprocess.PIPE,
            text=True,
        )
        tree_peak_mb = watch_tree_rss(proc)
        stdout, _ = proc.communicate()
        if proc.returncode != 0:
            sys.exit(f"import failed with status {proc.returncode}")
        r = json.loads(stdout.strip().splitlines()[-1])
        db_mb = (
            sum(
                Path(str(db) + s).stat().st_size for s in ("", "-wal") if Path(str(db) + s).exists()
            )
            / 2**20
        )
        rate = r["records"] / r["seconds"]
        print(f"  records          {r['records']:,}")
        print(f"  stored           {r['inserted']:,} new, {r['dead_letters']:,} dead letters")
        print(f"  watch matches    {r['memberships']:,}")
        print(f"  time             {r['seconds']:.1f} s")
        print(f"  throughput       {rate:,.0f} posts/s   (target >= 20,000)")
        print(f"  peak memory      {tree_peak_mb:,.0f} MB   (target < 500)")
        print("                   (PSS of the importer and its workers, summed every 0.1 s;")
        print(f"                   the writer's own peak RSS {r['peak_rss_mb']:,.0f} MB)")
        print(f"  database         {db_mb:,.0f} MB")


if __name__ == "__main__":
    main()
