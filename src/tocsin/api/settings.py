"""The web server's settings: environment variables ``TOCSIN_*``, read when asked, never at import.

``TOCSIN_ENVIRONMENT`` is ``production`` unless set to ``development``; outside development the
server refuses to start with the default secret key or one shorter than 32 characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, StringConstraints, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from tocsin.errors import UsageError

#: The development secret. Anything signed with it is forgeable: refused outside development.
DEFAULT_SECRET = "tocsin-development-secret-do-not-use-in-production"
MIN_SECRET_CHARS = 32

Environment = Literal["development", "production"]
WatchId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
SlaHours = Annotated[float, Field(gt=0, le=24 * 30)]
Language = Literal["en", "fr"]


class ServerSettings(BaseSettings):
    """What ``tocsin serve`` reads. Every field is ``TOCSIN_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="TOCSIN_", frozen=True, extra="ignore")

    environment: Environment = "production"
    db: Path = Path("tocsin.db")
    durability: Literal["normal", "full"] = "normal"
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET)
    #: ``Secure`` flag on cookies; ``None``: on in production, off in development.
    cookie_secure: bool | None = None
    session_hours: float = Field(default=12.0, gt=0, le=24 * 30)
    default_language: Language = "fr"
    #: Failed logins allowed per user name in ``login_window_minutes`` before refusing (429).
    login_attempts: int = Field(default=10, ge=1)
    login_window_minutes: float = Field(default=15.0, gt=0)
    sse_interval_seconds: float = Field(default=5.0, gt=0)
    #: A stream ends after this long; browsers reconnect by themselves (bounded connections).
    sse_lifetime_seconds: float = Field(default=300.0, gt=0)
    export_max_rows: int = Field(default=100_000, ge=1)
    #: A new case is due this many hours after it opens (the inbox's SLA).
    sla_hours: SlaHours = 24.0
    #: Per watch, its own SLA in hours (JSON: ``{"cafelia": 4, "campaign": 48}``); a case
    #: takes the strictest SLA of the watches its post matched (``sla_for``).
    sla_hours_by_watch: dict[WatchId, SlaHours] = Field(default_factory=dict)

    def sla_for(self, watch_ids: Iterable[str]) -> timedelta:
        """A new case's SLA: the smallest among its post's watches, each with its own SLA
        or ``sla_hours``; ``sla_hours`` for a post no watch matched."""
        hours = [self.sla_hours_by_watch.get(w, self.sla_hours) for w in watch_ids]
        return timedelta(hours=min(hours, default=self.sla_hours))

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> ServerSettings:
        if self.environment != "development":
            secret = self.secret_key.get_secret_value()
            if secret == DEFAULT_SECRET:
                raise ValueError(
                    "TOCSIN_SECRET_KEY must be set outside development "
                    "(or set TOCSIN_ENVIRONMENT=development on a machine of your own)"
                )
            if len(secret) < MIN_SECRET_CHARS:
                raise ValueError(
                    f"TOCSIN_SECRET_KEY must be at least {MIN_SECRET_CHARS} characters"
                )
        return self

    @property
    def secure_cookies(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.environment != "development"

    @property
    def secret(self) -> bytes:
        return self.secret_key.get_secret_value().encode()


def load_settings(**overrides: object) -> ServerSettings:
    """Settings from the environment, ``overrides`` first; a bad value is one readable line."""
    try:
        return ServerSettings(**overrides)  # type: ignore[arg-type]
    except SettingsError as exc:  # a structured value (a JSON object) that is not JSON
        name = re.search(r'field "(\w+)"', str(exc))
        field = name.group(1) if name else "a setting"
        raise UsageError(f"{field}: not valid JSON (TOCSIN_{field.upper()})") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        raise UsageError(f"{where + ': ' if where else ''}{message}") from None
