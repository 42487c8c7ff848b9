"""The ``tocsin`` command. Errors are one readable line on stderr and exit status 1."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from tocsin import __version__
from tocsin.bootstrap import Settings, build_pipeline, open_store
from tocsin.domain import Channel, ChannelKind, Watch, WatchKind
from tocsin.errors import QueryError, TocsinError, UsageError
from tocsin.export import (
    ColumnType,
    table,
    terminal_safe,
    write_csv,
    write_jsonl,
    write_parquet,
)
from tocsin.store.base import SearchQuery, StoredMention
from tocsin.store.rollup import ALL
from tocsin.store.sqlite import SQLiteStore

F = TypeVar("F", bound=Callable[..., Any])

_RELATIVE = re.compile(r"^(\d{1,6})([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_when(value: str | None, *, now: datetime | None = None) -> datetime | None:
    """``2026-11-02``, ``2026-11-02T14:00``, ``2026-11-02T14:00+01:00`` or relative ``36h``."""
    if value is None:
        return None
    rel = _RELATIVE.match(value.strip())
    if rel:
        try:
            delta = timedelta(**{_UNITS[rel.group(2)]: int(rel.group(1))})
            return (now or datetime.now(UTC)) - delta
        except OverflowError:
            raise UsageError(f"{value!r} reaches too far back") from None
    try:
        dt = datetime.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(
            f"cannot read the date {value!r}: use 2026-11-02, 2026-11-02T14:00 or 36h / 7d"
        ) from None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


class _Context:
    def __init__(self, db: str | None) -> None:
        self.settings = Settings.from_env(db)


pass_ctx = click.make_pass_decorator(_Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--db",
    metavar="PATH",
    help="SQLite database file [default: $TOCSIN_DB or ./tocsin.db].",
)
@click.version_option(__version__, prog_name="tocsin")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """Tocsin: listen to what is said of a brand, search it, count it, and ring the bell early.

    \b
    Start with:
      tocsin init
      tocsin watch add acme 'acme OR @acme OR #acme'
      tocsin import mentions.jsonl
      tocsin search 'acme AND (rembours* OR refund)' --since 7d
      tocsin stats --by hour --chart volume.png
    Or try everything on generated data:  tocsin demo
    """
    ctx.obj = _Context(db)


# -- init -------------------------------------------------------------------------------------


@cli.command()
@pass_ctx
def init(ctx: _Context) -> None:
    """Create the database, or bring its schema up to date."""
    with open_store(ctx.settings, create=True) as store:
        applied = store.applied_migrations()
    click.echo(f"database {ctx.settings.db} ready ({len(applied)} migrations applied)")


# -- watches ----------------------------------------------------------------------------------


@cli.group()
def watch() -> None:
    """Define what to listen for: brands, campaigns, competitors, topics."""


def _check_query(query: str, label: str = "query", *, watch: bool = False) -> None:
    from tocsin.query import parse

    try:
        parse(query, watch=watch)
    except QueryError as exc:
        q, at = exc.query, exc.position
        marked = f"{terminal_safe(q[:at])} ▶ {terminal_safe(q[at:])}".strip()
        raise UsageError(
            f"invalid {label}: {exc.reason} at position {exc.position + 1}: {marked}"
        ) from None


@watch.command("add")
@click.argument("watch_id", metavar="ID")
@click.argument("query")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in WatchKind]),
    default=WatchKind.BRAND.value,
    show_default=True,
)
@click.option("--name", default="", help="Display name (default: the id).")
@click.option("--lang", "languages", multiple=True, metavar="CODE", help="Only these languages.")
@click.option(
    "--platform", "platforms", multiple=True, metavar="NAME", help="Only these platforms."
)
@click.option(
    "--backfill/--no-backfill",
    default=True,
    show_default=True,
    help="Apply the watch to the mentions already stored.",
)
@pass_ctx
def watch_add(
    ctx: _Context,
    watch_id: str,
    query: str,
    kind: str,
    name: str,
    languages: tuple[str, ...],
    platforms: tuple[str, ...],
    backfill: bool,
) -> None:
    """Add or replace the watch ID with QUERY.

    \b
    Query language: terms, "exact phrases", AND OR NOT ( ), prefix*,
    #hashtag, @handle, lang:fr, platform:bluesky, author:handle, a NEAR/3 b.
    Matching ignores case, accents, width, zero-width and look-alike letters.
    Example: tocsin watch add cafelia 'cafélia OR @cafelia OR #cafelia'

    The watch is applied to the mentions already stored (unless --no-backfill) and to
    every mention imported from now on.
    """
    _check_query(query, watch=True)
    try:
        w = Watch(
            id=watch_id,
            query=query,
            kind=WatchKind(kind),
            name=name,
            languages=tuple(x.lower() for x in languages),
            platforms=tuple(x.lower() for x in platforms),
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    with open_store(ctx.settings) as store:
        store.put_watch(w)
        click.echo(f"watch {w.id} saved")
        if backfill and store.count_mentions():
            _rematch(store)


def _rematch(store: SQLiteStore) -> None:
    from tocsin.query import WatchIndex

    moved = store.rematch(WatchIndex(store.list_watches()))
    click.echo(f"{store.count_mentions():,} stored mentions matched again: {moved:,} changed")


@watch.command("rematch")
@pass_ctx
def watch_rematch(ctx: _Context) -> None:
    """Match every stored mention against the current watches again."""
    with open_store(ctx.settings) as store:
        _rematch(store)


@watch.command("list")
@pass_ctx
def watch_list(ctx: _Context) -> None:
    """List the watches."""
    with open_store(ctx.settings) as store:
        watches = store.list_watches()
    if not watches:
        click.echo("no watches yet: tocsin watch add ID QUERY")
        return
    rows = [
        (
            w.id,
            w.kind.value,
            ",".join(w.languages) or "all",
            ",".join(w.platforms) or "all",
            w.query,
        )
        for w in watches
    ]
    click.echo(table(["id", "kind", "languages", "platforms", "query"], rows, [16, 10, 9, 10, 60]))


@watch.command("remove")
@click.argument("watch_id", metavar="ID")
@pass_ctx
def watch_remove(ctx: _Context, watch_id: str) -> None:
    """Remove a watch (its mentions stay stored)."""
    with open_store(ctx.settings) as store:
        if not store.remove_watch(watch_id):
            raise UsageError(f"no watch {watch_id!r}")
    click.echo(f"watch {watch_id} removed")


@watch.command("test")
@click.argument("query_or_id", metavar="QUERY|ID")
@click.argument("texts", nargs=-1)
@click.option(
    "--file",
    "sample_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Sample texts, one per line.",
)
@click.option("--lang", default=None, help="Language to assume for the samples.")
@click.option("--platform", default="", help="Platform to assume for the samples.")
@pass_ctx
def watch_test(
    ctx: _Context,
    query_or_id: str,
    texts: tuple[str, ...],
    sample_file: Path | None,
    lang: str | None,
    platform: str,
) -> None:
    """Show which sample TEXTS a query (or a saved watch's) matches, and why.

    Example: tocsin watch test 'rembours* AND cafélia' "Cafelia m'a remboursé" "rien à voir"
    """
    from tocsin.query import Document, evaluate, explain, parse

    query = query_or_id
    if ctx.settings.db.exists() and re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", query_or_id):
        with open_store(ctx.settings) as store:
            saved = store.get_watch(query_or_id)
        if saved is not None:
            query = saved.query
            lang = lang or (saved.languages[0] if saved.languages else None)
    _check_query(query, watch=True)
    node = parse(query)
    samples = list(texts)
    if sample_file is not None:
        samples += [
            line for line in sample_file.read_text(encoding="utf-8").splitlines() if line.strip()
        ]
    if not samples:
        raise UsageError("give sample texts as arguments or with --file")
    matched = 0
    for text in samples:
        doc = Document.from_text(text, language=lang, platform=platform)
        ok = evaluate(node, doc)
        matched += ok
        click.echo(f"{'MATCH' if ok else 'no   '}  {terminal_safe(text, 100)}")
        if ok:
            for hit in explain(node, doc):
                where = "" if hit.start < 0 else f" at {hit.start}-{hit.end}"
                click.echo(
                    f"       {terminal_safe(hit.operand)} ← {terminal_safe(hit.text)!r}{where}"
                )
    click.echo(f"{matched} of {len(samples)} samples match")


# -- import -----------------------------------------------------------------------------------


def _format_names() -> list[str]:
    from tocsin.plugins import importers

    return sorted(importers())


@cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    default=None,
    metavar="NAME",
    help="Skip auto-detection (a wrong name lists the installed formats, plugins included).",
)
@click.option("--batch-size", default=2000, show_default=True, type=click.IntRange(1, 100_000))
@click.option(
    "--progress/--no-progress", default=None, help="Progress bar [default: on big files]."
)
@click.option(
    "--workers",
    type=click.IntRange(0, 64),
    default=None,
    help="Processes that parse and match while one writes (JSONL and Jetstream files) "
    "[default: cores - 1 for files over 16 MB; 0: none].",
)
@pass_ctx
def import_(
    ctx: _Context,
    files: tuple[Path, ...],
    fmt: str | None,
    batch_size: int,
    progress: bool | None,
    workers: int | None,
) -> None:
    """Import mentions from FILES; the format is detected.

    Formats: Tocsin JSONL and CSV (docs/formats.md), X API v2 responses, the X archive's
    tweets.js, Mastodon statuses, Bluesky Jetstream events, Reddit listings, RSS 2.0 and Atom.
    Records that cannot be read go to the dead-letter table (tocsin dead-letters) with their
    reason; the rest is stored. Importing the same file again adds nothing.
    """
    from tocsin.engine.inprocess import import_file

    if fmt is not None and fmt not in _format_names():
        raise UsageError(f"unknown format {fmt!r}; known: {', '.join(_format_names())}")
    with open_store(ctx.settings) as store:
        pipeline = build_pipeline(store)
        totals = [0, 0, 0, 0, 0]
        for path in files:
            summary = import_file(
                path,
                store,
                pipeline,
                format=fmt,
                batch_size=batch_size,
                progress=progress,
                workers=workers,
            )
            for line in summary.lines():
                click.echo(terminal_safe(line))
            w = summary.written
            for i, v in enumerate(
                (summary.records, w.inserted, w.updated, w.unchanged, w.dead_letters)
            ):
                totals[i] += v
        if len(files) > 1:
            click.echo(
                f"total: {totals[0]:,} records · new {totals[1]:,} · updated {totals[2]:,}"
                f" · unchanged {totals[3]:,} · dead letters {totals[4]:,}"
            )
        if totals[1] >= BIG_IMPORT:
            click.echo(
                "authors: `tocsin authors update` counts the new posts into the profiles now "
                "(otherwise the first people read or page does)"
            )


#: New posts from which ``tocsin import`` suggests ``tocsin authors update`` (~10 s of counting).
BIG_IMPORT = 100_000


@cli.command("dead-letters")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000))
@pass_ctx
def dead_letters(ctx: _Context, limit: int) -> None:
    """Show the records that could not be imported, newest first, with their reason."""
    with open_store(ctx.settings) as store:
        letters = store.dead_letters(limit)
        total = store.count_dead_letters()
    rows = [
        (
            d.received_at.strftime("%Y-%m-%d %H:%M"),
            Path(d.letter.source).name,
            d.letter.position,
            d.letter.reason,
            d.letter.raw[:200].decode("utf-8", "replace"),
        )
        for d in letters
    ]
    click.echo(table(["received", "source", "where", "reason", "raw"], rows, [16, 20, 10, 40, 40]))
    click.echo(f"{total:,} dead letters in all")


# -- search -----------------------------------------------------------------------------------

_SEARCH_COLUMNS = (
    "created_at",
    "platform",
    "native_id",
    "author",
    "followers",
    "language",
    "watches",
    "text",
    "url",
    "sentiment",
    "sentiment_score",
    "toxicity",
    "complaint",
)


#: ``search --format parquet``: the CSV's columns, typed.
_SEARCH_TYPE_OF: dict[str, ColumnType] = {
    "created_at": "time",
    "followers": "int",
    "sentiment_score": "float",
    "toxicity": "float",
    "complaint": "float",
}
_SEARCH_TYPES = tuple((c, _SEARCH_TYPE_OF.get(c, "text")) for c in _SEARCH_COLUMNS)


def _write_search(fmt: str, results: Iterator[StoredMention], out: IO[str]) -> None:
    if fmt == "jsonl":
        write_jsonl((dict(zip(_SEARCH_COLUMNS, _row(r), strict=True)) for r in results), out)
    else:
        write_csv(_SEARCH_COLUMNS, (_row(r) for r in results), out)


def _row(item: StoredMention) -> tuple[Any, ...]:
    m = item.mention
    return (
        m.created_at.isoformat(),
        m.platform,
        m.native_id,
        m.author.handle,
        m.author.followers,
        m.language,
        " ".join(item.watch_ids),
        m.text,
        m.url,
        m.sentiment.label if m.sentiment else None,
        m.sentiment.score if m.sentiment else None,
        m.toxicity,
        m.complaint,
    )


@cli.command()
@click.argument("query", required=False)
@click.option("--since", help="From this date/time (UTC), or a relative 36h / 7d.")
@click.option("--until", help="Until this date/time, exclusive.")
@click.option("--lang", "languages", multiple=True, metavar="CODE")
@click.option("--platform", "platforms", multiple=True, metavar="NAME")
@click.option("--watch", "watch_id", metavar="ID", help="Only mentions matched by this watch.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "jsonl", "csv", "parquet"]),
    default="table",
    show_default=True,
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of the terminal (required for parquet).",
)
@pass_ctx
def search(
    ctx: _Context,
    query: str | None,
    since: str | None,
    until: str | None,
    languages: tuple[str, ...],
    platforms: tuple[str, ...],
    watch_id: str | None,
    limit: int,
    fmt: str,
    output: Path | None,
) -> None:
    """Search stored mentions, newest first, with the watch query language.

    Example: tocsin search '"service client" AND (arnaque OR scam)' --lang fr --since 7d

    Filters in the query: lang:fr, platform:bluesky, author:handle, sentiment:negative
    (or neutral, positive: posts not analysed match none of them).
    """
    if query is not None:
        _check_query(query)
    q = SearchQuery(
        text=query,
        since=parse_when(since),
        until=parse_when(until),
        languages=tuple(x.lower() for x in languages),
        platforms=tuple(x.lower() for x in platforms),
        watch_id=watch_id,
        limit=limit,
    )
    if fmt == "parquet" and output is None:
        raise UsageError("--format parquet writes a file: give it with -o FILE")
    if fmt == "table" and output is not None:
        raise UsageError("-o FILE takes --format csv, jsonl or parquet")
    with open_store(ctx.settings) as store:
        results: Iterator[StoredMention] = store.search(q)
        if output is not None:
            try:
                if fmt == "parquet":
                    n = write_parquet(_SEARCH_TYPES, (_row(r) for r in results), str(output))
                    click.echo(f"{n} mention{'' if n == 1 else 's'} written to {output}", err=True)
                else:
                    with output.open("w", encoding="utf-8", newline="") as file:
                        _write_search(fmt, results, file)
            except OSError as exc:
                raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from exc
        elif fmt in ("jsonl", "csv"):
            _write_search(fmt, results, sys.stdout)
        else:
            rows = [
                (
                    r.mention.created_at.strftime("%Y-%m-%d %H:%M"),
                    r.mention.platform,
                    "@" + r.mention.author.handle,
                    r.mention.language or "",
                    r.mention.sentiment.label[:3] if r.mention.sentiment else "",
                    r.mention.text,
                )
                for r in results
            ]
            click.echo(
                table(
                    ["when (UTC)", "platform", "author", "lang", "sent", "text"],
                    rows,
                    [16, 9, 18, 4, 4, 80],
                )
            )
            n = len(rows)
            click.echo(
                f"{n} mention{'' if n == 1 else 's'}" + (" (limit reached)" if n == limit else "")
            )


# -- stats ------------------------------------------------------------------------------------


@cli.command()
@click.option("--watch", "watch_ids", multiple=True, metavar="ID", help="[default: all watches]")
@click.option(
    "--by", "bucket", type=click.Choice(["hour", "day"]), default="day", show_default=True
)
@click.option("--since", help="From this date/time (UTC) or relative 7d [default: first mention].")
@click.option("--until", help="Until this date/time, exclusive [default: after the last mention].")
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also draw the volumes to this PNG file.",
)
@pass_ctx
def stats(
    ctx: _Context,
    watch_ids: tuple[str, ...],
    bucket: str,
    since: str | None,
    until: str | None,
    chart: Path | None,
) -> None:
    """Volume of mentions per watch, per hour or day (UTC), and their sentiment."""
    from tocsin.stats import (
        draw_volume_chart,
        negative_share_table,
        sentiment_totals,
        volume_table,
    )

    with open_store(ctx.settings) as store:
        ids = list(watch_ids) or [w.id for w in store.list_watches()]
        for wid in ids:
            if store.get_watch(wid) is None:
                raise UsageError(f"no watch {wid!r}")
        span = store.span()
        if span is None:
            click.echo("no mentions stored yet")
            return
        start = parse_when(since) or span[0]
        end = parse_when(until) or span[1] + timedelta(minutes=1)
        series = volume_table(store, [ALL, *ids], start, end, bucket)  # type: ignore[arg-type]
        totals = sentiment_totals(store, [ALL, *ids], start, end)
        negative = (
            negative_share_table(store, [ALL, *ids], start, end, bucket)  # type: ignore[arg-type]
            if chart is not None
            else None
        )
    header = ["bucket (UTC)", "all", *ids]
    fmt = "%Y-%m-%d %H:00" if bucket == "hour" else "%Y-%m-%d"
    rows = [(b.strftime(fmt), *counts) for b, counts in series]
    click.echo(table(header, rows, [16] + [max(6, min(len(h), 16)) for h in header[1:]]))
    click.echo("")
    width = max(len(w) for w in ["all", *ids])
    for wid, label in [(ALL, "all"), *((w, w) for w in ids)]:
        click.echo(f"{terminal_safe(label):<{width}}  {totals[wid].describe()}")
    if chart is not None:
        draw_volume_chart(series, ["all", *ids], chart, bucket, negative)
        click.echo(f"chart written to {chart}")


# -- alerts -----------------------------------------------------------------------------------


@cli.group()
def channel() -> None:
    """Where alerts go: signed webhooks, Slack incoming webhooks, e-mail."""


@channel.command("add")
@click.argument("name")
@click.argument("kind", type=click.Choice([k.value for k in ChannelKind]))
@click.argument("target", metavar="URL|ADDRESS")
@click.option("--secret", default="", help="Webhook signing secret (whsec_…).")
@click.option("--min-severity", default=1, show_default=True, type=click.IntRange(1, 10))
@click.option("--per-minute", default=30, show_default=True, type=click.IntRange(1, 10_000))
@pass_ctx
def channel_add(
    ctx: _Context,
    name: str,
    kind: str,
    target: str,
    secret: str,
    min_severity: int,
    per_minute: int,
) -> None:
    """Add or replace a delivery channel.

    Example: tocsin channel add ops webhook https://ops.example/hooks --secret whsec_…
    """
    if kind != "email" and not target.startswith(("https://", "http://")):
        raise UsageError("a webhook or Slack target is an http(s) URL")
    if secret:
        from tocsin.deliver.signing import sign

        try:
            sign(secret, "check", 0, b"")
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    c = Channel(name, ChannelKind(kind), target, secret, min_severity, per_minute)
    with open_store(ctx.settings) as store:
        store.outbox().put_channel(c)
    click.echo(f"channel {name} saved")


@channel.command("list")
@pass_ctx
def channel_list(ctx: _Context) -> None:
    """List delivery channels (secrets are not shown)."""
    with open_store(ctx.settings) as store:
        rows = [
            (
                c.name,
                c.kind.value,
                c.target,
                c.min_severity,
                c.per_minute,
                "yes" if c.secret else "",
            )
            for c in store.outbox().channels()
        ]
    click.echo(
        table(
            ["name", "kind", "target", "min sev", "per min", "signed"], rows, [12, 8, 50, 7, 7, 6]
        )
    )


@channel.command("remove")
@click.argument("name")
@pass_ctx
def channel_remove(ctx: _Context, name: str) -> None:
    """Remove a delivery channel."""
    with open_store(ctx.settings) as store:
        if not store.outbox().remove_channel(name):
            raise UsageError(f"no channel {name!r}")
    click.echo(f"channel {name} removed")


@cli.group()
def alerts() -> None:
    """Raise, deliver and list alerts (the outbox)."""


@alerts.command("check")
@click.option("--now", "now_text", help="Check as of this time (UTC) [default: now].")
@pass_ctx
def alerts_check(ctx: _Context, now_text: str | None) -> None:
    """Raise a "source is silent" alert for each watch or platform that stopped receiving posts
    when it usually does."""
    from tocsin.detect.silence import Activity, silence_alerts

    now = parse_when(now_text) or datetime.now(UTC)
    baseline = timedelta(days=7)
    with open_store(ctx.settings) as store:
        activities = [
            Activity(k, s, last, n, baseline, same) for k, s, last, n, same in store.activity(now)
        ]
        raised = silence_alerts(activities, now)
        box = store.outbox()
        queued = sum(box.enqueue(a, now) for a in raised)
    for a in raised:
        click.echo(f"{a.title}: {terminal_safe(a.summary)}")
    click.echo(f"{len(raised)} alerts raised, {queued} deliveries queued")


@alerts.command("deliver")
@click.option("--loop", is_flag=True, help="Keep delivering every --every seconds.")
@click.option("--every", default=10.0, show_default=True, type=click.FloatRange(0.5, 3600))
@pass_ctx
def alerts_deliver(ctx: _Context, loop: bool, every: float) -> None:
    """Send due deliveries, with retries, backoff and rate limits."""
    import time

    from tocsin.bootstrap import smtp_settings
    from tocsin.deliver import Dispatcher

    with open_store(ctx.settings) as store:
        dispatcher = Dispatcher(store.outbox(), smtp=smtp_settings())
        while True:
            s = dispatcher.run_once()
            click.echo(
                f"sent {s.sent} · retrying {s.retried} · failed {s.failed}"
                f" · held by rate limit {s.rate_limited}"
            )
            if not loop:
                return
            time.sleep(every)


@alerts.command("list")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000))
@pass_ctx
def alerts_list(ctx: _Context, limit: int) -> None:
    """The outbox, newest first: each delivery's status, attempts and last error."""
    with open_store(ctx.settings) as store:
        rows = [
            (
                d.alert.created_at.strftime("%Y-%m-%d %H:%M"),
                d.channel,
                d.status,
                d.attempts,
                d.alert.severity,
                d.alert.title,
                d.last_error or "",
            )
            for d in store.outbox().deliveries(limit)
        ]
    click.echo(
        table(
            ["raised", "channel", "status", "tries", "sev", "alert", "last error"],
            rows,
            [16, 12, 7, 5, 3, 40, 30],
        )
    )


# -- detection --------------------------------------------------------------------------------


@cli.command("detect-series")
@click.argument("source", metavar="FILE.csv", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write timestamp,value,anomaly_score,alert.",
)
@click.option(
    "--direction",
    type=click.Choice(["up", "down", "both"]),
    default="up",
    show_default=True,
    help="Surges only, drops only, or both.",
)
@click.option(
    "--timezone",
    default="UTC",
    show_default=True,
    help="Wall clock of the daily and weekly rhythm.",
)
def detect_series_command(source: Path, output: Path, direction: str, timezone: str) -> None:
    """Score a `timestamp,value` series (any regular step) for anomalies: backtest any volume
    export. Writes `timestamp,value,anomaly_score,alert` (score 0-1, alert 0/1)."""
    from tocsin.detect import VolumeConfig, detect_series_file

    report = detect_series_file(
        source,
        output,
        VolumeConfig(direction=direction, timezone=timezone),  # type: ignore[arg-type]
    )
    click.echo(
        f"{report.rows:,} points, step {report.step_seconds:g} s, {report.alerts:,} alerts"
        f" -> {output}"
    )


# -- enrich -----------------------------------------------------------------------------------


@cli.command()
@click.argument("source", metavar="IN", type=click.File("rb"))
@click.option(
    "-o",
    "--output",
    "output",
    type=click.File("wb"),
    default="-",
    show_default=True,
    help="Where the enriched JSONL goes ('-': standard output).",
)
@click.option(
    "--mode",
    type=click.Choice(["full", "fast", "off"]),
    default=None,
    help="full: sentence encoder and every head; fast: character n-grams only (no encoder); "
    "off: language only [default: $TOCSIN_ANALYSIS, else full].",
)
@click.option("--fast", is_flag=True, help="Same as --mode fast.")
@click.option(
    "--workers",
    default=0,
    show_default=True,
    type=click.IntRange(0, 64),
    help="Worker processes, one encoder thread each (0: this process). One per core is best.",
)
@click.option(
    "--progress/--no-progress", default=None, help="Progress bar [default: on a terminal]."
)
def enrich(
    source: Any, output: Any, mode: str | None, fast: bool, workers: int, progress: bool | None
) -> None:
    """Add language, sentiment, emotions (anger, fear, sadness, joy), toxicity and complaint
    scores to posts: IN is JSONL with a `text` field (other fields are kept) or plain text, one
    post per line; '-' reads standard input.

    Example: tocsin enrich posts.jsonl -o enriched.jsonl
    """
    from tocsin.enrich.stream import enrich_stream

    if fast and mode not in (None, "fast"):
        raise click.UsageError(f"--fast contradicts --mode {mode}")
    count = enrich_stream(
        source, output, mode="fast" if fast else mode, progress=progress, workers=workers
    )
    click.echo(f"{count:,} posts enriched", err=True)


# -- web server and users ---------------------------------------------------------------------


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--dev",
    is_flag=True,
    help="Development mode on your own machine: built-in secret key, cookies without Secure.",
)
@pass_ctx
def serve(ctx: _Context, host: str, port: int, dev: bool) -> None:
    """Run the web dashboard and REST API (http://HOST:PORT, OpenAPI at /api/openapi.json).

    Outside --dev, TOCSIN_SECRET_KEY must be set (32 characters or more). Create a user first:
    tocsin user add NAME --role admin
    """
    from tocsin.web import serve as run_server

    overrides: dict[str, Any] = {"environment": "development"} if dev else {}
    run_server(ctx.settings, host=host, port=port, **overrides)


@cli.group()
def user() -> None:
    """Web users and their roles: admin, manager, agent, viewer."""


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(click.prompt("password", hide_input=True, confirmation_prompt=True))


@user.command("add")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(["admin", "manager", "agent", "viewer"]),
    default="viewer",
    show_default=True,
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_ctx
def user_add(ctx: _Context, name: str, role: str, password_stdin: bool) -> None:
    """Create a web user (the password is asked for, at least 10 characters)."""
    from tocsin.api.admin import accounts

    password = _read_password(password_stdin)
    with accounts(ctx.settings) as a:
        created = a.create_user(name, password, role)
    click.echo(f"user {created.username} created ({created.role})")


@user.command("list")
@pass_ctx
def user_list(ctx: _Context) -> None:
    """List web users."""
    from tocsin.api.admin import accounts

    with accounts(ctx.settings) as a:
        rows = [(u.username, u.role, "yes" if u.active else "no") for u in a.list_users()]
    click.echo(table(["user", "role", "active"], rows, [24, 8, 6]))


@user.command("set")
@click.argument("name")
@click.option("--role", type=click.Choice(["admin", "manager", "agent", "viewer"]))
@click.option("--active/--inactive", default=None, help="Allow or forbid logging in.")
@click.option("--password", "new_password", is_flag=True, help="Ask for a new password.")
@click.option("--password-stdin", is_flag=True, help="With --password: read it from stdin.")
@pass_ctx
def user_set(
    ctx: _Context,
    name: str,
    role: str | None,
    active: bool | None,
    new_password: bool,
    password_stdin: bool,
) -> None:
    """Change a user's role, activity or password (a new password ends their sessions)."""
    from tocsin.api.admin import accounts

    with accounts(ctx.settings) as a:
        found = a.find_user(name)
        if found is None:
            raise UsageError(f"no user {name!r}")
        if role is not None:
            a.set_role(found.id, role)
        if active is not None:
            a.set_active(found.id, active)
        if new_password:
            a.set_password(found.id, _read_password(password_stdin))
    click.echo(f"user {found.username} updated")


# -- people's rights --------------------------------------------------------------------------


@cli.command()
@click.option(
    "--author",
    required=True,
    metavar="PLATFORM:ID",
    help="The author's platform and id, as in `tocsin search --format jsonl` (x:12345).",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_ctx
def erase(ctx: _Context, author: str, yes: bool) -> None:
    """Erase an author: every mention they posted, their profile, raw records and, if they
    joined the ambassador programme, its personal fields.

    For the right to erasure. Per-minute volume counts are kept (they hold no personal data).
    """
    platform, sep, author_id = author.partition(":")
    if not sep or not platform or not author_id:
        raise UsageError("give the author as PLATFORM:ID, e.g. x:12345")
    if not yes and not click.confirm(f"erase every mention by {author}?", default=False):
        raise click.exceptions.Abort()
    from tocsin.ambassadors.enrolment import erase_author as erase_ambassador

    with open_store(ctx.settings) as store:
        deleted = store.erase_author(platform, author_id)
        ambassador = erase_ambassador(store.db, platform, author_id, "cli")
    click.echo(f"erased {deleted:,} mentions by {terminal_safe(author)}")
    if ambassador is not None:
        click.echo("erased their ambassador record (consents kept as dates, texts removed)")


@cli.command()
@click.option(
    "--keep",
    required=True,
    metavar="DURATION",
    help="Keep what is younger than this (90d, 12w, 36h); delete the rest.",
)
@pass_ctx
def retention(ctx: _Context, keep: str) -> None:
    """Delete mentions and dead letters older than --keep. Volume counts are kept."""
    if not _RELATIVE.match(keep.strip()):
        raise UsageError("give --keep as a duration: 90d, 12w or 36h")
    cutoff = parse_when(keep)
    assert cutoff is not None
    with open_store(ctx.settings) as store:
        mentions, letters = store.apply_retention(cutoff)
    click.echo(
        f"deleted {mentions:,} mentions and {letters:,} dead letters older than "
        f"{cutoff:%Y-%m-%d %H:%M} UTC"
    )


# -- the ambassador programme -----------------------------------------------------------------

_ACTOR = "cli"


def _author_ref(value: str) -> tuple[str, str]:
    platform, sep, native = value.partition(":")
    if not sep or not platform.strip() or not native.strip():
        raise UsageError(f"give {value!r} as PLATFORM:ID, e.g. x:12345")
    return platform.strip().lower(), native.strip()


def _until(value: str) -> datetime:
    """A deadline: a date/time, or ``3d`` / ``36h`` from now."""
    rel = _RELATIVE.match(value.strip())
    if rel:
        return datetime.now(UTC) + timedelta(**{_UNITS[rel.group(2)]: int(rel.group(1))})
    when = parse_when(value)
    assert when is not None
    return when


@cli.group()
def ambassadors() -> None:
    """The ambassador programme, opt-in only: invite, record consent, opt out, erase."""


@ambassadors.command("invite")
@click.argument("author", metavar="PLATFORM:ID")
@click.option("--country", required=True, metavar="CC", help="Their country (ISO 3166-1: FR).")
@click.option("--handle", default="", help="Default: the stored author profile's handle.")
@click.option("--name", default="", help="Display name. Default: the stored profile's.")
@pass_ctx
def ambassadors_invite(ctx: _Context, author: str, country: str, handle: str, name: str) -> None:
    """Invite an author to the programme (refused in an excluded country)."""
    from tocsin.ambassadors import enrolment

    platform, author_id = _author_ref(author)
    with open_store(ctx.settings) as store:
        a = enrolment.invite(
            store.db, platform, author_id, _ACTOR, country=country, handle=handle, display_name=name
        )
    click.echo(f"ambassador {a.id} invited ({terminal_safe(a.label)}, {a.country})")


@ambassadors.command("enrol")
@click.argument("ambassador_id", metavar="ID", type=int)
@click.option(
    "--consent-file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The text the ambassador agreed to, recorded word for word.",
)
@click.option("--consent-version", required=True, metavar="VERSION", help="That text's version.")
@click.option("--show-name", is_flag=True, help="They also agreed to their name being shown.")
@pass_ctx
def ambassadors_enrol(
    ctx: _Context, ambassador_id: int, consent_file: Path, consent_version: str, show_name: bool
) -> None:
    """Record an invited author's consent and enrol them."""
    from tocsin.ambassadors import enrolment

    try:
        text = consent_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {consent_file}: {exc}") from None
    with open_store(ctx.settings) as store:
        a = enrolment.enrol(
            store.db, ambassador_id, text, consent_version, _ACTOR, show_name=show_name
        )
    click.echo(f"ambassador {a.id} enrolled (consent {terminal_safe(consent_version)})")


@ambassadors.command("opt-out")
@click.argument("ambassador_id", metavar="ID", type=int)
@pass_ctx
def ambassadors_opt_out(ctx: _Context, ambassador_id: int) -> None:
    """Stop everything for an ambassador: no missions, no points; history kept."""
    from tocsin.ambassadors import enrolment

    with open_store(ctx.settings) as store:
        a = enrolment.opt_out(store.db, ambassador_id, _ACTOR)
    click.echo(f"ambassador {a.id} opted out")


@ambassadors.command("erase")
@click.argument("ambassador_id", metavar="ID", type=int)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_ctx
def ambassadors_erase(ctx: _Context, ambassador_id: int, yes: bool) -> None:
    """Erase an ambassador's personal fields (handle, name, id, post texts); points stay."""
    from tocsin.ambassadors import enrolment

    if not yes and not click.confirm(f"erase ambassador {ambassador_id}?", default=False):
        raise click.exceptions.Abort()
    with open_store(ctx.settings) as store:
        a = enrolment.erase(store.db, ambassador_id, _ACTOR)
    click.echo(f"ambassador {a.id} erased")


@ambassadors.command("list")
@click.option("--status", type=click.Choice(["invited", "enrolled", "opted_out"]), default=None)
@pass_ctx
def ambassadors_list(ctx: _Context, status: str | None) -> None:
    """Ambassadors with their status, country, points and streak."""
    from tocsin.ambassadors import enrolment, points

    now = datetime.now(UTC)
    with open_store(ctx.settings) as store:
        excluded = enrolment.excluded_countries(store.db)
        rows = [
            (
                a.id,
                f"{a.platform}:{a.author_id}",
                a.label,
                a.country + (" (excluded)" if a.country in excluded else ""),
                a.status.value,
                points.balance(store.db, a.id),
                points.streak(store.db, a.id, now),
            )
            for a in enrolment.list_ambassadors(store.db, status)
        ]
    click.echo(
        table(
            ["id", "author", "handle", "country", "status", "points", "streak"],
            rows,
            [5, 24, 20, 14, 10, 7, 6],
        )
    )


@ambassadors.command("show")
@click.argument("ambassador_id", metavar="ID", type=int)
@pass_ctx
def ambassadors_show(ctx: _Context, ambassador_id: int) -> None:
    """One ambassador: consents (version, dates), points, streak, badges, proofs, redemptions."""
    from tocsin.ambassadors import enrolment, missions, points

    now = datetime.now(UTC)
    with open_store(ctx.settings) as store:
        a = enrolment.get(store.db, ambassador_id)
        consents = enrolment.consents(store.db, a.id)
        balance, streak = points.balance(store.db, a.id), points.streak(store.db, a.id, now)
        badges = points.badges(store.db, a.id)
        proofs = missions.completions(store.db, ambassador_id=a.id)
        spent = points.redemptions(store.db, a.id)
    click.echo(
        f"ambassador {a.id}: {terminal_safe(a.label)} ({a.platform}:{terminal_safe(a.author_id)}),"
        f" {a.country}, {a.status.value}; name shown: {'yes' if a.public_name else 'no'}"
    )
    click.echo(f"points {balance} · streak {streak} weeks · badges: {', '.join(badges) or '-'}")
    for c in consents:
        until = f", withdrawn {c.withdrawn_at:%Y-%m-%d %H:%M}" if c.withdrawn_at else ""
        click.echo(
            f"consent {terminal_safe(c.version)} given {c.given_at:%Y-%m-%d %H:%M} UTC"
            f" (recorded by {terminal_safe(c.recorded_by)}{until}): {terminal_safe(c.text, 120)}"
        )
    for p in proofs:
        state = "counted" if p.counted else "flagged"
        click.echo(f"mission {p.mission_id}: {state}, {p.posted_at:%Y-%m-%d %H:%M}: {p.reason}")
    for r in spent:
        click.echo(f"redemption {r.id}: reward {r.reward_id}, {r.cost} points, {r.at:%Y-%m-%d}")


@ambassadors.command("exclude-country")
@click.argument("country", metavar="CC")
@click.option("--reason", required=True, help="Why the programme must not run there.")
@pass_ctx
def ambassadors_exclude_country(ctx: _Context, country: str, reason: str) -> None:
    """Stop the programme in a country: no enrolment, no missions, no points there."""
    from tocsin.ambassadors import enrolment

    with open_store(ctx.settings) as store:
        enrolment.exclude_country(store.db, country, reason, _ACTOR)
        codes = ", ".join(enrolment.excluded_countries(store.db))
    click.echo(f"excluded countries: {codes}")


@ambassadors.command("allow-country")
@click.argument("country", metavar="CC")
@pass_ctx
def ambassadors_allow_country(ctx: _Context, country: str) -> None:
    """Let the programme run again in a country excluded before."""
    from tocsin.ambassadors import enrolment

    with open_store(ctx.settings) as store:
        enrolment.allow_country(store.db, country, _ACTOR)
        codes = ", ".join(enrolment.excluded_countries(store.db)) or "none"
    click.echo(f"excluded countries: {codes}")


@ambassadors.command("experiences")
@click.option("--watch", "watch_id", default=None, metavar="ID")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.option(
    "--html",
    "html_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the embeddable page to this file.",
)
@pass_ctx
def ambassadors_experiences(
    ctx: _Context, watch_id: str | None, limit: int, html_file: Path | None
) -> None:
    """Customer experiences shared through the programme, as posted, with their disclosure."""
    from tocsin.ambassadors import experiences

    with open_store(ctx.settings) as store:
        items = experiences.published(store.db, watch_id=watch_id, limit=limit)
    for x in items:
        who = x.author or "a customer"
        click.echo(
            f"{x.posted_at:%Y-%m-%d} {terminal_safe(who, 40)} [{terminal_safe(x.disclosure)}]"
        )
        click.echo(f"  {terminal_safe(x.text, 500)}")
    if html_file is not None:
        try:
            html_file.write_text(experiences.html_page(items), encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {html_file}: {exc.strerror or exc}") from None
        click.echo(f"page written to {html_file}")
    elif not items:
        click.echo("no experience published yet")


@cli.group()
def missions() -> None:
    """Ambassador missions: add, list, check proofs among stored posts, leaderboard."""


@missions.command("add")
@click.argument("kind", type=click.Choice(["share", "answer", "experience"]))
@click.option("--title", required=True)
@click.option("--instructions", required=True, help="What to do, disclosure included.")
@click.option("--watch", "watch_id", default=None, metavar="ID", help="The campaign.")
@click.option("--incident", "incident_id", default=None, metavar="ID")
@click.option("--deadline", required=True, help="A date/time (UTC), or 3d / 36h from now.")
@click.option("--start", "start", default=None, help="Default: now.")
@click.option("--points", "points_", required=True, type=click.IntRange(0, 10_000))
@click.option("--target", default=None, metavar="PLATFORM:ID", help="Post to share / thread.")
@click.option("--link", default=None, help="share: the campaign's link.")
@click.option("--hashtag", default=None, help="share / experience: the campaign's hashtag.")
@click.option("--ambassador", "assignees", multiple=True, type=int, metavar="ID",
              help="Only these ambassadors [default: every enrolled one].")  # fmt: skip
@pass_ctx
def missions_add(
    ctx: _Context,
    kind: str,
    title: str,
    instructions: str,
    watch_id: str | None,
    incident_id: str | None,
    deadline: str,
    start: str | None,
    points_: int,
    target: str | None,
    link: str | None,
    hashtag: str | None,
    assignees: tuple[int, ...],
) -> None:
    """Add a mission tied to a campaign (--watch) or an incident, with a deadline and points."""
    from tocsin.ambassadors import missions as ms

    with open_store(ctx.settings) as store:
        m = ms.add(
            store.db,
            kind,
            _ACTOR,
            title=title,
            instructions=instructions,
            watch_id=watch_id,
            incident_id=incident_id,
            deadline=_until(deadline),
            starts_at=parse_when(start),
            points=points_,
            target=_author_ref(target) if target else None,
            link=link,
            hashtag=hashtag,
            assignees=assignees,
        )
    click.echo(f"mission {m.id} added: {m.kind.value}, until {m.deadline:%Y-%m-%d %H:%M} UTC")


@missions.command("list")
@click.option("--status", type=click.Choice(["open", "closed"]), default=None)
@pass_ctx
def missions_list(ctx: _Context, status: str | None) -> None:
    """Missions, latest deadline first, with their counted and flagged proofs."""
    from tocsin.ambassadors import missions as ms

    with open_store(ctx.settings) as store:
        rows = []
        for m in ms.list_missions(store.db, status):
            done = ms.completions(store.db, mission_id=m.id)
            rows.append(
                (
                    m.id,
                    m.kind.value,
                    m.title,
                    m.watch_id or "",
                    m.incident_id or "",
                    m.deadline.strftime("%Y-%m-%d %H:%M"),
                    m.points,
                    m.status,
                    sum(c.counted for c in done),
                    sum(not c.counted for c in done),
                )
            )
    click.echo(
        table(
            ["id", "kind", "title", "watch", "incident", "deadline", "pts", "status", "ok", "flag"],
            rows,
            [5, 10, 24, 12, 16, 16, 5, 6, 4, 4],
        )
    )


@missions.command("show")
@click.argument("mission_id", metavar="ID", type=int)
@pass_ctx
def missions_show(ctx: _Context, mission_id: int) -> None:
    """A mission and its proofs: counted, or flagged with the reason."""
    from tocsin.ambassadors import missions as ms

    with open_store(ctx.settings) as store:
        m = ms.get(store.db, mission_id)
        done = ms.completions(store.db, mission_id=m.id)
    click.echo(f"mission {m.id} ({m.kind.value}, {m.status}): {terminal_safe(m.title)}")
    click.echo(f"  {terminal_safe(m.instructions, 500)}")
    click.echo(
        f"  {m.starts_at:%Y-%m-%d %H:%M} → {m.deadline:%Y-%m-%d %H:%M} UTC · {m.points} points"
    )
    rows = [
        (
            c.ambassador_id,
            f"{c.platform}/{c.native_id}",
            c.posted_at.strftime("%Y-%m-%d %H:%M"),
            "counted" if c.counted else "flagged",
            c.disclosure,
            c.reason,
        )
        for c in done
    ]
    click.echo(table(["amb", "post", "posted", "status", "disclosure", "reason"], rows,
                     [5, 24, 16, 8, 20, 60]))  # fmt: skip


@missions.command("close")
@click.argument("mission_id", metavar="ID", type=int)
@pass_ctx
def missions_close(ctx: _Context, mission_id: int) -> None:
    """Close a mission: no more proofs are checked; what counted stays."""
    from tocsin.ambassadors import missions as ms

    with open_store(ctx.settings) as store:
        m = ms.close(store.db, mission_id, _ACTOR)
    click.echo(f"mission {m.id} closed")


@missions.command("check")
@click.option("--now", "now_text", help="Check as of this time (UTC) [default: now].")
@pass_ctx
def missions_check(ctx: _Context, now_text: str | None) -> None:
    """Check open missions against the stored posts: a matching post with a disclosure counts,
    one without is flagged. Safe to run again."""
    from tocsin.ambassadors import check_missions

    now = parse_when(now_text) or datetime.now(UTC)
    with open_store(ctx.settings) as store:
        r = check_missions(store, now, actor=_ACTOR)
    for c in r.flagged:
        click.echo(f"flagged: mission {c.mission_id}, ambassador {c.ambassador_id}: {c.reason}")
    for aid, badge in r.badges:
        click.echo(f"badge: ambassador {aid} earned {badge}")
    click.echo(
        f"{r.missions} missions checked · {len(r.counted)} counted · {len(r.flagged)} flagged"
    )


@missions.command("leaderboard")
@click.option("--since", help="Points earned from this date/time, or relative 30d.")
@click.option("--watch", "watch_id", default=None, metavar="ID", help="Only this campaign.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000))
@pass_ctx
def missions_leaderboard(
    ctx: _Context, since: str | None, watch_id: str | None, limit: int
) -> None:
    """Enrolled ambassadors by points earned; names only where they consented."""
    from tocsin.ambassadors import points

    with open_store(ctx.settings) as store:
        board = points.leaderboard(
            store.db, datetime.now(UTC), since=parse_when(since), watch_id=watch_id, limit=limit
        )
    rows = [(s.rank, s.name, s.points, s.missions, s.streak) for s in board]
    click.echo(table(["rank", "ambassador", "points", "missions", "streak"], rows,
                     [4, 30, 7, 8, 6]))  # fmt: skip


@cli.group()
def rewards() -> None:
    """The reward catalogue of the ambassador programme, and redemptions."""


@rewards.command("add")
@click.argument("name")
@click.option("--cost", required=True, type=click.IntRange(1, 10_000_000), help="In points.")
@click.option("--stock", type=click.IntRange(0, 10_000_000), help="[default: unlimited]")
@click.option("--description", default="")
@pass_ctx
def rewards_add(ctx: _Context, name: str, cost: int, stock: int | None, description: str) -> None:
    """Add a reward to the catalogue."""
    from tocsin.ambassadors import points

    with open_store(ctx.settings) as store:
        r = points.add_reward(store.db, name, cost, _ACTOR, description=description, stock=stock)
    click.echo(f"reward {r.id} added: {terminal_safe(r.name)} for {r.cost} points")


@rewards.command("list")
@pass_ctx
def rewards_list(ctx: _Context) -> None:
    """The active rewards, cheapest first."""
    from tocsin.ambassadors import points

    with open_store(ctx.settings) as store:
        items = points.list_rewards(store.db)
    rows = [(r.id, r.name, r.cost, "∞" if r.stock is None else r.stock, r.description)
            for r in items]  # fmt: skip
    click.echo(table(["id", "reward", "cost", "stock", "description"], rows, [5, 24, 8, 6, 50]))


@rewards.command("withdraw")
@click.argument("reward_id", metavar="REWARD", type=int)
@pass_ctx
def rewards_withdraw(ctx: _Context, reward_id: int) -> None:
    """Take a reward out of the catalogue; redemptions already made stay."""
    from tocsin.ambassadors import points

    with open_store(ctx.settings) as store:
        r = points.withdraw_reward(store.db, reward_id, _ACTOR)
    click.echo(f"reward {r.id} withdrawn: {terminal_safe(r.name)}")


@rewards.command("redeem")
@click.argument("reward_id", metavar="REWARD", type=int)
@click.option("--ambassador", "ambassador_id", required=True, type=int, metavar="ID")
@pass_ctx
def rewards_redeem(ctx: _Context, reward_id: int, ambassador_id: int) -> None:
    """Spend an ambassador's points on a reward (never below zero)."""
    from tocsin.ambassadors import points

    with open_store(ctx.settings) as store:
        r = points.redeem(store.db, reward_id, ambassador_id, _ACTOR)
    click.echo(f"redemption {r.id}: {r.cost} points spent, balance {r.balance}")


# -- incidents --------------------------------------------------------------------------------

_BUCKET_OPTION = click.option(
    "--bucket",
    "bucket_minutes",
    default=60,
    show_default=True,
    type=click.IntRange(1, 1440),
    help="Bucket width in minutes (keep it: the detectors' state is per bucket width).",
)


@cli.command()
@click.option("--now", "now_text", help="Run as of this time (UTC) [default: now].")
@_BUCKET_OPTION
@click.option("--loop", is_flag=True, help="Keep running every --every seconds.")
@click.option(
    "--every",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0.1, 3600),
    help="Seconds between ticks: what a new post waits at most (bench/alert_latency.py).",
)
@pass_ctx
def monitor(
    ctx: _Context, now_text: str | None, bucket_minutes: int, loop: bool, every: float
) -> None:
    """Run the detectors of every watch over the buckets written since the last run, group
    their signals into incidents and queue the incidents' alerts (tocsin alerts deliver)."""
    import time

    from tocsin.incidents import Monitor, MonitorConfig

    with open_store(ctx.settings) as store:
        mon = Monitor(store, MonitorConfig(bucket=timedelta(minutes=bucket_minutes)))
        while True:
            now = parse_when(now_text) or datetime.now(UTC)
            r = mon.run(now)
            for a in r.alerts:
                click.echo(f"{a.title}: {terminal_safe(a.summary, 300)}")
            for e in r.errors:
                click.echo(f"detector error: {terminal_safe(e, 300)}", err=True)
            click.echo(
                f"{now:%Y-%m-%d %H:%M:%S} · {r.buckets} buckets scored · {len(r.signals)} signals"
                f" · {len(r.updates)} incident updates · {len(r.alerts)} alerts"
                f" ({r.queued} deliveries queued) · detectors: {', '.join(mon.detectors)}"
            )
            if not loop:
                return
            time.sleep(every)


@cli.group()
def incidents() -> None:
    """Incidents found by the monitor: list them, explain one."""


@incidents.command("list")
@click.option("--status", type=click.Choice(["open", "resolved"]), default=None)
@click.option("--watch", "watch_id", default=None, metavar="ID")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000))
@pass_ctx
def incidents_list(ctx: _Context, status: str | None, watch_id: str | None, limit: int) -> None:
    """Incidents, newest onset first: status, severity (peak), signal kinds."""
    from tocsin.store.sqlite_incidents import SQLiteIncidents

    with open_store(ctx.settings) as store:
        found = SQLiteIncidents(store.db).find(status=status, watch_id=watch_id, limit=limit)
    rows = [
        (
            i.id,
            i.status,
            f"{i.severity} ({i.peak_severity})",
            i.onset.strftime("%Y-%m-%d %H:%M"),
            i.last_signal_at.strftime("%Y-%m-%d %H:%M"),
            ", ".join(i.kinds),
        )
        for i in found
    ]
    click.echo(
        table(
            ["incident", "status", "sev", "onset", "last signal", "signals"],
            rows,
            [40, 8, 6, 16, 16, 40],
        )
    )


@incidents.command("show")
@click.argument("incident_id", metavar="ID")
@_BUCKET_OPTION
@click.option("--json", "as_json", is_flag=True, help="The explanation as JSON.")
@pass_ctx
def incidents_show(ctx: _Context, incident_id: str, bucket_minutes: int, as_json: bool) -> None:
    """Explain an incident: onset, top terms against the baseline, top posts and authors,
    sentiment before and now, languages, platforms and a timeline."""
    import orjson

    from tocsin.incidents import explain
    from tocsin.store.sqlite_incidents import SQLiteIncidents

    with open_store(ctx.settings) as store:
        inc = SQLiteIncidents(store.db).get(incident_id)
        if inc is None:
            raise UsageError(f"no incident {incident_id!r} (tocsin incidents list)")
        ex = explain(store, inc, timedelta(minutes=bucket_minutes))
    if as_json:
        data = {"incident": inc.as_dict(), "explanation": ex.as_dict()}
        click.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())
        return
    for line in ex.lines():
        click.echo(line)  # lines() makes post texts terminal-safe


@incidents.command("helpers")
@click.argument("incident_id", metavar="ID")
@_BUCKET_OPTION
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1_000))
@click.option("--json", "as_json", is_flag=True, help="Roles and suggestions as JSON.")
@pass_ctx
def incidents_helpers(
    ctx: _Context, incident_id: str, bucket_minutes: int, limit: int, as_json: bool
) -> None:
    """Who can help on an incident: critics to engage first and ambassadors to mobilise,
    ranked with reasons and the playbook's advice; who started and who amplified it."""
    import orjson

    from tocsin.people.service import helpers_for_incident, identities
    from tocsin.store.sqlite_incidents import SQLiteIncidents

    with open_store(ctx.settings) as store:
        inc = SQLiteIncidents(store.db).get(incident_id)
        if inc is None:
            raise UsageError(f"no incident {incident_id!r} (tocsin incidents list)")
        report = helpers_for_incident(store, inc, timedelta(minutes=bucket_minutes), limit=limit)
        roles = report.roles.started + report.roles.amplified
        names = identities(store, [h.key for h in report.helpers] + [r.key for r in roles])
    label = {k: v.label for k, v in names.items()}
    if as_json:
        data = {
            "incident": inc.id,
            "started": [{**r.as_dict(), "author": label.get(r.key)} for r in report.roles.started],
            "amplified": [
                {**r.as_dict(), "author": label.get(r.key)} for r in report.roles.amplified
            ],
            "helpers": [{**h.as_dict(), "author": label.get(h.key)} for h in report.helpers],
        }
        click.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())
        return
    click.echo(f"incident {inc.id} · {report.roles.posts_read:,} posts read")
    for title, found in (
        ("Started it", report.roles.started),
        ("Amplified it", report.roles.amplified),
    ):
        click.echo(f"{title}:" + ("" if found else " nobody stands out"))
        for r in found:
            who = terminal_safe(label.get(r.key, r.key), 60)
            click.echo(f"  {who} ({'; '.join(r.reasons)})")
    for action, title in (("engage", "Engage first"), ("mobilise", "Mobilise")):
        click.echo("")
        click.echo(f"{title}:")
        shown = [h for h in report.helpers if h.action == action]
        if not shown:
            click.echo("  nobody suggested")
        for h in shown:
            who = terminal_safe(label.get(h.key, h.key), 60)
            click.echo(f"  {h.rank}. {who} · {h.role} · priority {h.priority}")
            for reason in h.reasons:
                click.echo(f"     why: {reason}")
            for advice in h.advice:
                click.echo(f"     - {advice}")


# -- authors ----------------------------------------------------------------------------------

_SEGMENT_EVIDENCE = {
    "ambassadors": ("posts", "active_days", "positive", "followers", "engagement"),
    "detractors": ("posts", "active_days", "negative", "followers", "engagement"),
    "critics": ("negative", "posts", "followers", "interacted_by", "percentile"),
    "brand-managers": ("posts", "active_days", "detailed", "constructive", "toxic"),
    "rising": ("influence_before", "influence_now", "growth", "posts", "followers"),
}


@cli.group()
def authors() -> None:
    """Who is talking: author profiles, segments with their evidence, coordination signals.

    Profiles are brought up to date from the stored mentions before each command."""


@authors.command("top")
@click.option("--watch", "watch_id", required=True, metavar="ID")
@click.option(
    "--segment",
    required=True,
    type=click.Choice(["critics", "ambassadors", "detractors", "brand-managers", "rising"]),
)
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--now", "now_text", help="As of this time (UTC) [default: the watch's last post].")
@click.option(
    "--window",
    "window_days",
    default=2.0,
    show_default=True,
    type=click.FloatRange(0.01, 365),
    help="Rising voices: growth of influence over this many days.",
)
@click.option("--json", "as_json", is_flag=True, help="Members and their evidence as JSON.")
@pass_ctx
def authors_top(
    ctx: _Context,
    watch_id: str,
    segment: str,
    limit: int,
    now_text: str | None,
    window_days: float,
    as_json: bool,
) -> None:
    """The members of a watch's segment, best first, with the numbers behind each."""
    import orjson

    from tocsin.people.profiles import update_profiles
    from tocsin.people.segments import watch_segments
    from tocsin.people.service import identities

    with open_store(ctx.settings) as store:
        if store.get_watch(watch_id) is None:
            raise UsageError(f"no watch {watch_id!r} (tocsin watch list)")
        update_profiles(store)
        members = watch_segments(
            store,
            watch_id,
            names=(segment,),
            limit=limit,
            now=parse_when(now_text),
            window=timedelta(days=window_days),
        ).segments[segment]
        names = identities(store, [m.key for m in members])
    if as_json:
        data = [
            {**m.as_dict(), "author": names[m.key].label if m.key in names else None}
            for m in members
        ]
        click.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())
        return
    columns = _SEGMENT_EVIDENCE[segment]
    rows = [
        (
            n,
            names[m.key].label if m.key in names else m.key,
            f"{m.score:g}",
            *("" if m.evidence.get(c) is None else f"{m.evidence[c]:,}" for c in columns),
        )
        for n, m in enumerate(members, 1)
    ]
    click.echo(table(["#", "author", "score", *columns], rows, [3, 28, 10, *[13] * len(columns)]))
    if not members:
        click.echo(f"no {segment} in watch {watch_id} (see docs/people.md for the rules)")


@authors.command("show")
@click.argument("author", metavar="PLATFORM:ID")
@click.option("--json", "as_json", is_flag=True, help="The profile as JSON.")
@pass_ctx
def authors_show(ctx: _Context, author: str, as_json: bool) -> None:
    """An author's profile in every watch: reach, engagement received, activity, sentiment per
    day, first and last seen, latest posts."""
    import orjson

    from tocsin.people.profiles import author_profile, update_profiles

    platform, sep, author_id = author.partition(":")
    if not sep or not platform or not author_id:
        raise UsageError("give the author as PLATFORM:ID, e.g. x:12345")
    with open_store(ctx.settings) as store:
        update_profiles(store, influence=False)  # a profile reads no influence
        view = author_profile(store, platform, author_id)
    if view is None:
        raise UsageError(f"no profile for {author!r} in any watch")
    if as_json:
        click.echo(orjson.dumps(view.as_dict(), option=orjson.OPT_INDENT_2).decode())
        return
    click.echo(
        f"{terminal_safe(view.platform)}:{terminal_safe(view.author_id)} · "
        f"@{terminal_safe(view.handle, 60)} · {terminal_safe(view.display_name, 60)}"
    )
    for p in view.profiles:
        click.echo("")
        click.echo(f"watch {p.watch_id} · platforms {', '.join(p.platforms)}")
        click.echo(
            f"  reach {p.followers or 0:,} followers (largest seen) · engagement received "
            f"{p.likes:,} likes, {p.reposts:,} reposts, {p.replies:,} replies"
        )
        click.echo(
            f"  activity {p.posts:,} posts ({p.reposts_made:,} reposts) on {p.active_days} days"
            f" · first {p.first_seen:%Y-%m-%d %H:%M} · last {p.last_seen:%Y-%m-%d %H:%M} UTC"
        )
        click.echo(
            f"  sentiment {p.negative} negative / {p.neutral} neutral / {p.positive} positive"
            f" ({p.posts - p.analysed} not analysed) · detailed {p.detailed} · constructive "
            f"{p.constructive} · toxic {p.toxic}"
        )
        click.echo("  per day (posts, negative/neutral/positive):")
        for d in view.days.get(p.watch_id, [])[-14:]:
            click.echo(f"    {d.day}  {d.posts:>4}  {d.negative}/{d.neutral}/{d.positive}")
        recent = view.recent.get(p.watch_id, [])[:5]
        click.echo(
            "  latest posts: "
            + ", ".join(f"{terminal_safe(pf)}:{terminal_safe(nid, 40)}" for pf, nid in recent)
        )


@authors.command("coordination")
@click.option("--watch", "watch_id", required=True, metavar="ID")
@click.option("--since", help="From this date/time (UTC) [default: a week before --until].")
@click.option("--until", help="Until this date/time, exclusive [default: after the last post].")
@click.option(
    "--min-confidence",
    default=0.3,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Leave out weaker signals (their number is still printed).",
)
@click.option("--json", "as_json", is_flag=True, help="Signals and their evidence as JSON.")
@pass_ctx
def authors_coordination(
    ctx: _Context,
    watch_id: str,
    since: str | None,
    until: str | None,
    min_confidence: float,
    as_json: bool,
) -> None:
    """Possible coordination in a watch: bursts of near-identical posts or of one link from
    several accounts, with their evidence and a confidence (never an accusation)."""
    import orjson

    from tocsin.people.profiles import update_profiles
    from tocsin.people.service import identities, watch_coordination

    with open_store(ctx.settings) as store:
        if store.get_watch(watch_id) is None:
            raise UsageError(f"no watch {watch_id!r} (tocsin watch list)")
        update_profiles(store, influence=False)  # coordination reads no influence
        every = watch_coordination(
            store, watch_id, since=parse_when(since), until=parse_when(until)
        )
        found = [s for s in every if s.confidence >= min_confidence]
        names = identities(store, [k for s in found for k in s.authors])
    if as_json:
        data = [
            {**s.as_dict(), "accounts": [names[k].label for k in s.authors if k in names]}
            for s in found
        ]
        click.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())
        return
    if not found:
        click.echo(f"no sign of coordination in watch {watch_id}")
    for s in found:
        who = [names[k].label for k in s.authors if k in names]
        click.echo(f"confidence {s.confidence:.2f} · {terminal_safe(s.summary, 300)}")
        click.echo(
            f"  {s.first_at:%Y-%m-%d %H:%M:%S} to {s.last_at:%H:%M:%S} UTC · "
            + " · ".join(f"{k} {v}" for k, v in s.evidence.items() if k != "link")
        )
        shown = ", ".join(terminal_safe(w, 40) for w in who[:10])
        more = f" and {len(who) - 10} more" if len(who) > 10 else ""
        click.echo(f"  accounts: {shown}{more}")
    weaker = len(every) - len(found)
    if weaker:
        click.echo(
            f"({weaker:,} weaker signal{'s' if weaker > 1 else ''} below {min_confidence:g} "
            "left out: --min-confidence 0)"
        )


@authors.command("update")
@click.option(
    "--progress/--no-progress", default=None, help="Progress bar [default: when on a terminal]."
)
@pass_ctx
def authors_update(ctx: _Context, progress: bool | None) -> None:
    """Count the mentions stored since the last update into the authors' profiles and the
    stored influence. Run it after a large import: otherwise the first people read (a command,
    the People page, the API) does it, and that can take minutes for millions of posts."""
    import sys
    import time

    from tqdm import tqdm

    from tocsin.people.profiles import mentions_to_count, update_profiles
    from tocsin.people.stored_influence import update_influence

    with open_store(ctx.settings) as store:
        started = time.perf_counter()
        with tqdm(
            total=mentions_to_count(store),
            unit=" mentions",
            desc="profiles",
            disable=None if progress is None else not progress,
            file=sys.stderr,
            leave=False,
        ) as bar:
            done = update_profiles(store, influence=False, progress=bar.update)
        profiled = time.perf_counter() - started
        folded = update_influence(store)
    click.echo(
        f"profiles: {done.mentions_read:,} mentions read, {done.posts:,} (post, watch) pairs "
        f"counted in {profiled:.1f} s"
        + (f"; profiled from the start: {', '.join(done.rebuilt)}" if done.rebuilt else "")
    )
    click.echo(
        f"influence: {folded.mentions_read:,} mentions read, {folded.interactions:,} "
        f"interactions, {folded.seconds:.1f} s"
    )


@authors.command("influence")
@click.option(
    "--rebuild",
    is_flag=True,
    help="Fold every stored mention again (after retention or graph compaction).",
)
@click.option("--top", "watch_id", metavar="ID", help="Then list this watch's most influential.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1_000))
@pass_ctx
def authors_influence(ctx: _Context, rebuild: bool, watch_id: str | None, limit: int) -> None:
    """Bring the stored influence up to date (incremental: the mentions since the last run),
    or rebuild it. The other commands and the web pages update it before reading."""
    from tocsin.people.service import identities
    from tocsin.people.stored_influence import (
        influence_top,
        rebuild_influence,
        update_influence,
    )

    with open_store(ctx.settings) as store:
        if watch_id is not None and store.get_watch(watch_id) is None:
            raise UsageError(f"no watch {watch_id!r} (tocsin watch list)")
        done = rebuild_influence(store) if rebuild else update_influence(store)
        top = influence_top(store, watch_id, limit) if watch_id else []
        names = identities(store, [k for k, _ in top])
    how = "rebuilt" if done.rebuilt else "updated"
    click.echo(
        f"influence {how}: {done.mentions_read:,} mentions read, {done.interactions:,} "
        f"interactions, {done.seconds:.2f} s"
        + (f"; computed from scratch: {', '.join(done.recomputed)}" if done.recomputed else "")
    )
    for n, (key, value) in enumerate(top, 1):
        label = names[key].label if key in names else key
        click.echo(f"{n:>3}  {terminal_safe(label, 40):<40}  {value:.6f}")


@cli.command()
@click.option(
    "--seed",
    "seeds",
    multiple=True,
    type=int,
    help="Demo seed to generate and replay (repeat for several) [default: 7].",
)
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 60))
@click.option(
    "--stream",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Replay this file (any import format) instead of a generated stream.",
)
@click.option(
    "--truth",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Ground truth (truth.json of tocsin demo) to score a --stream against; its watches "
    "are used unless --db has some.",
)
@_BUCKET_OPTION
@click.option("--tick", "tick_minutes", default=5, show_default=True, type=click.IntRange(1, 1440))
@click.option(
    "--sentiment",
    type=click.Choice(["none", "oracle", "pipeline"]),
    default="none",
    show_default=True,
    help="Sentiment of generated posts: none (analysis enrichers left out), oracle (the "
    "generator's labels) or pipeline (the installed analysis, mode from $TOCSIN_ANALYSIS).",
)
@click.option("--silence/--no-silence", default=False, help="Also raise silence alerts.")
@click.option(
    "--quiet",
    is_flag=True,
    help="Generate background traffic only (no incident): every incident found is false.",
)
@click.option(
    "--detector",
    "detectors",
    multiple=True,
    metavar="KIND",
    help="Run only this detector (repeat for several) [default: every installed one].",
)
@pass_ctx
def backtest(
    ctx: _Context,
    seeds: tuple[int, ...],
    days: int,
    stream: Path | None,
    truth: Path | None,
    bucket_minutes: int,
    tick_minutes: int,
    sentiment: str,
    silence: bool,
    quiet: bool,
    detectors: tuple[str, ...],
) -> None:
    """Replay a generated (or stored) stream through the real pipeline and the monitor in
    simulated time; report each incident's detection delay and the false incidents."""
    from dataclasses import replace

    from tocsin.incidents.backtest import BacktestConfig, replay_demo, replay_file
    from tocsin.incidents.sources import available_sources

    unknown = sorted(set(detectors) - set(available_sources()))
    if unknown:
        raise UsageError(
            f"unknown detector {', '.join(unknown)}; known: {', '.join(available_sources())}"
        )
    config = BacktestConfig(
        bucket=timedelta(minutes=bucket_minutes),
        tick=timedelta(minutes=tick_minutes),
        silence=silence,
    )
    if detectors:
        config = replace(config, detectors=detectors)
    if stream is not None:
        r = replay_file(stream, truth, config)
        for line in r.lines(config.bucket):
            click.echo(terminal_safe(line))
        return
    for seed in seeds or (7,):
        click.echo(f"seed {seed}:")
        r = replay_demo(seed, days, config, sentiment=sentiment, incidents=not quiet)
        for line in r.lines(config.bucket):
            click.echo(line)


# -- demo -------------------------------------------------------------------------------------


@cli.command()
@click.option(
    "--dir",
    "directory",
    default="tocsin-demo",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the demo database, stream and ground truth go.",
)
@click.option("--seed", default=7, show_default=True, type=int)
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 60))
@click.option("--progress/--no-progress", default=None)
@click.option(
    "--serve/--no-serve",
    default=False,
    help="Then open the dashboard on the demo (until Ctrl-C).",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
def demo(
    directory: Path,
    seed: int,
    days: int,
    progress: bool | None,
    serve: bool,
    host: str,
    port: int,
) -> None:
    """Generate a week of FR/EN mentions for a fictional brand, with documented incidents,
    play them through the pipeline and the monitor into a fresh database (incidents as they
    would have rung), open the inbox's cases, create a demo login and print a summary."""
    import secrets

    from tocsin.demo_run import DemoLogin, run_demo

    login: list[DemoLogin] = []
    for line in run_demo(directory, seed=seed, days=days, progress=progress, login=login):
        click.echo(line)  # run_demo makes post texts terminal-safe itself
    if serve:
        from tocsin.web import serve as run_server

        click.echo("")
        who = login[0].username
        click.echo(f"Dashboard: http://{host}:{port}  (log in as {who}; Ctrl-C stops)")
        run_server(
            Settings(db=directory / "tocsin.db"),
            host=host,
            port=port,
            secret_key=secrets.token_urlsafe(48),  # sessions last as long as this demo server
            cookie_secure=False,  # plain http on this machine
        )


# -- entry point ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; every error becomes one line on stderr, never a traceback."""
    try:
        cli.main(args=list(argv) if argv is not None else None, standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except TocsinError as exc:
        click.echo(f"error: {exc}", err=True)
        return 1
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    except BrokenPipeError:
        # `tocsin search ... | head`: the reader left; not an error.
        sys.stderr.close()
        return 0
    except Exception as exc:  # the last line of defence: no traceback reaches a user
        if os.environ.get("TOCSIN_DEBUG"):
            raise
        click.echo(
            f"error: unexpected {type(exc).__name__}: {exc} (set TOCSIN_DEBUG=1 for details)",
            err=True,
        )
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
