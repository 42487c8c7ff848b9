"""The one place that reads settings and picks implementations."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tocsin.deliver.channels import SmtpSettings
from tocsin.engine.pipeline import Pipeline
from tocsin.enrich.base import Enricher
from tocsin.errors import StoreError, UsageError
from tocsin.plugins import enrichers
from tocsin.store.sqlite import Durability, SQLiteStore

DEFAULT_DB = "tocsin.db"


@dataclass(frozen=True, slots=True)
class Settings:
    """``TOCSIN_DB`` and ``TOCSIN_DURABILITY`` (normal | full) override the defaults."""

    db: Path = Path(DEFAULT_DB)
    durability: Durability = "normal"

    @classmethod
    def from_env(cls, db: str | Path | None = None) -> Settings:
        durability = os.environ.get("TOCSIN_DURABILITY", "normal")
        if durability not in ("normal", "full"):
            durability = "normal"
        path = db or os.environ.get("TOCSIN_DB") or DEFAULT_DB
        return cls(db=Path(path), durability=durability)  # type: ignore[arg-type]


def open_store(settings: Settings, *, create: bool = False) -> SQLiteStore:
    """The configured store; unless ``create``, it must have been initialised."""
    if not create and str(settings.db) != ":memory:" and not settings.db.exists():
        raise StoreError(f"no database at {settings.db}: run `tocsin init` first")
    store = SQLiteStore(settings.db, durability=settings.durability)
    if create:
        store.migrate()
    else:
        store.require_schema()
    return store


def default_enrichers() -> list[Enricher]:
    return [cls() for cls in enrichers().values()]


def build_pipeline(store: SQLiteStore) -> Pipeline:
    return Pipeline(store.list_watches(), default_enrichers())


def smtp_settings() -> SmtpSettings:
    """From ``TOCSIN_SMTP_HOST``, ``_PORT``, ``_FROM``, ``_USER``, ``_PASSWORD``, ``_STARTTLS``."""
    env = os.environ
    try:
        port = int(env.get("TOCSIN_SMTP_PORT", "25"))
    except ValueError:
        raise UsageError("TOCSIN_SMTP_PORT must be a number") from None
    return SmtpSettings(
        host=env.get("TOCSIN_SMTP_HOST", "localhost"),
        port=port,
        sender=env.get("TOCSIN_SMTP_FROM", "tocsin@localhost"),
        username=env.get("TOCSIN_SMTP_USER", ""),
        password=env.get("TOCSIN_SMTP_PASSWORD", ""),
        starttls=env.get("TOCSIN_SMTP_STARTTLS", "") in ("1", "true", "yes"),
    )
