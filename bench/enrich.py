"""Enrichment benchmark: USE embeddings and every head, posts per second and peak RSS.

    python bench/enrich.py                 # 20,000 demo posts, 1 encoder thread
    python bench/enrich.py --posts 5000 --threads 2

Posts come from the demo generator (FR/EN brand mentions, reposts included: ~15 % of texts
repeat). They go through in batches of 2,000, as the in-process runner sends them. Printed:

- embedding, every text encoded (cache off) and with the cache of identical texts;
- the heads alone (sentiment, emotions, toxicity, complaint), on embeddings already computed;
- the full stack end to end (``AnalysisEnricher("full")``: one embedding with cache + every
  head), the figure the pipeline will see;
- the full stack in worker processes, one per core, one encoder thread each
  (``enrich_records(workers=…)``, language identification included; worker start-up included);
- the fast mode (``AnalysisEnricher("fast")``: character n-grams only, no encoder), in this
  process;
- the peak resident memory of this process (the encoder holds ~100 MB), and the peak of the
  whole process tree (this process, the forkserver and the workers, each holding its own
  models) while the workers run, sampled from ``/proc`` every 0.2 s. The workers run first,
  before this process loads any model, as under ``tocsin enrich --workers``.

Set the BLAS threads with ``--threads`` (default 1, as ``Embedder``): more threads than free cores
is far slower, and the figures move with whatever else the machine runs: say what it ran.
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from tocsin.demo import DemoConfig, generate
from tocsin.enrich.analysis import AnalysisEnricher, AnalysisModels
from tocsin.enrich.embedding import Embedder
from tocsin.enrich.stream import enrich_records

BATCH = 2_000


def batches(items: Sequence[str], size: int = BATCH) -> list[Sequence[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def timed(label: str, n: int, run: Callable[[], object]) -> float:
    """Prints posts per wall-clock second and per CPU second of this process (the second does
    not count worker processes, and is the steadier figure on a shared machine)."""
    started, cpu = time.perf_counter(), time.process_time()
    run()
    took, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"{label:<56} {n / took:>8,.0f} posts/s  ({took:.1f} s wall, {cpu:.1f} s CPU here: "
        f"{n / max(cpu, 1e-9):,.0f} posts per CPU second)",
        flush=True,
    )
    return n / took


def tree_rss_mb() -> float:
    """Resident memory of this process and all its descendants (Linux ``/proc``), in MB."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    tree, todo = set(), [os.getpid()]
    while todo:
        pid = todo.pop()
        tree.add(pid)
        todo += [child for child, parent in parents.items() if parent == pid]
    return sum(rss.get(pid, 0) for pid in tree) / 1e6


class PeakTreeRss:
    """Samples ``tree_rss_mb`` in a thread while the ``with`` block runs."""

    def __enter__(self) -> PeakTreeRss:
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, tree_rss_mb())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_workers(texts: Sequence[str], langs: Sequence[str | None], workers: int) -> None:
    procs = workers or os.cpu_count() or 1
    records = [{"text": t, "lang": lang} for t, lang in zip(texts, langs, strict=True)]
    with PeakTreeRss() as tree:
        timed(
            f"full stack, {procs} processes x 1 thread",
            len(records),
            lambda: list(
                enrich_records(records, AnalysisEnricher("full"), batch_size=BATCH, workers=procs)
            ),
        )
    print(f"peak RSS of the process tree while the workers ran {tree.peak:,.0f} MB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=1, help="encoder BLAS threads")
    parser.add_argument("--workers", type=int, default=0, help="worker processes (0: cores)")
    parser.add_argument(
        "--only-workers",
        action="store_true",
        help="only the worker-process run, this process loading no model (as `tocsin enrich` "
        "with workers): its speed and the process tree's peak RSS",
    )
    args = parser.parse_args()

    stream, _ = generate(DemoConfig.sized(args.posts, days=7))
    mentions = list(itertools.islice(stream, args.posts))
    texts = [m.text for m in mentions]
    langs = [m.language for m in mentions]
    n = len(texts)
    print(
        f"{n:,} demo posts, {len(set(texts)):,} distinct texts; encoder threads {args.threads}, "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, "
        f"{os.cpu_count()} cores",
        flush=True,
    )

    # First, while this process holds no model: the tree's peak is then what `tocsin enrich
    # --workers` holds (its parent loads none), not that plus the models of the runs below.
    run_workers(texts, langs, args.workers)
    if args.only_workers:
        return
    models = AnalysisModels.load()
    warm = Embedder(threads=args.threads, cache_size=0)
    warm.encode(["warm up"])  # loading (~1 s) is not throughput

    timed(
        "embedding, cache off",
        n,
        lambda: [warm.encode(b) for b in batches(texts)],
    )
    cached = Embedder(threads=args.threads)
    cached._use = warm._use
    timed(
        "embedding, cache of identical texts", n, lambda: [cached.encode(b) for b in batches(texts)]
    )

    emb = np.vstack([warm.encode(b) for b in batches(texts[: min(n, 4_000)])])
    k = len(emb)
    timed(
        "all heads alone (on embeddings)",
        k,
        lambda: models.analyse(texts[:k], emb, langs[:k]),
    )
    full = AnalysisEnricher("full", models=models, embedder=Embedder(threads=args.threads))
    full.embedder._use = warm._use
    timed(
        "full stack, one process (embedding with cache + heads)",
        n,
        lambda: [
            full.analyse_texts(texts[i : i + BATCH], langs[i : i + BATCH])
            for i in range(0, n, BATCH)
        ],
    )
    fast = AnalysisEnricher("fast", models=models)
    timed(
        "fast mode (character n-grams only, no encoder)",
        n,
        lambda: [
            fast.analyse_texts(texts[i : i + BATCH], langs[i : i + BATCH])
            for i in range(0, n, BATCH)
        ],
    )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average at the end {load} (1, 5, 15 min)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS {peak / 1024:,.0f} MB", flush=True)


if __name__ == "__main__":
    sys.exit(main())
