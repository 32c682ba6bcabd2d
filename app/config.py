"""Process settings: the only place that reads the environment.

Sandbox settings (the *settings* of RULES.md) are per sandbox and live in
`app.kernel.settings`; these are the settings of the process itself.
"""

import json
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CSPSIM_", extra="ignore")

    data_dir: Path = Path(".cspsim")
    # DATABASE_URL (no prefix) chooses the database, as the README promises.
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    timer_interval_seconds: float = 1.0
    # PostgreSQL: how often tables that changed enough are analyzed (and vacuumed), as autovacuum would (0: never).
    # Not autovacuum's minute: a statement's plan is kept from when its tables were small (a scan of 40 tenants)
    # until the next ANALYZE, and a GET of a customer cost PostgreSQL 1.6 ms, not 0.3, for the minute after a
    # partner grew by 5,000 customers. A pass that finds nothing to do is one catalog read (under 2 ms). Also the
    # interval of the pass that undoes copies whose request died between its commits (`bulk.undo_abandoned`), which
    # runs every 10 s when this is 0.
    analyze_interval_seconds: float = Field(10.0, ge=0)
    log_level: str = "INFO"
    log_format: str = Field("json", pattern="^(json|text)$")
    # Where the platform's links point (invitation and approval pages). When set, it is also the base of the
    # token issuer and of the OpenID discovery documents; when not, those follow the URL the client used.
    public_base_url: str = "http://127.0.0.1:8000"
    # HTTPS with a certificate of the local CA in <data_dir>/tls: MSAL accepts only an https authority.
    tls: bool = False
    # Clients pool connections for about a minute (.NET's HttpClient, the Azure SDKs); uvicorn's own 5 s would close
    # them under the client and answer its next request with a reset.
    keepalive_seconds: int = Field(75, ge=1, le=3600)
    # On SIGTERM, requests under way get this long to finish; then the process exits (a container's stop grace).
    graceful_shutdown_seconds: int = Field(5, ge=0, le=300)
    # PostgreSQL: no statement runs past this, and no request waits on a row lock past the lock timeout: a slow or
    # stuck request answers 503 with Retry-After instead of starving the other sandboxes' requests.
    db_statement_timeout_seconds: float = Field(30, gt=0, le=3600)
    db_lock_timeout_seconds: float = Field(10, gt=0, le=3600)
    # How long a request waits for a pooled connection before it answers 503 (SQLAlchemy's default is 30 s).
    db_pool_timeout_seconds: float = Field(5, gt=0, le=300)
    # PostgreSQL: the most connections each process holds, each opened at its first need and kept (never opened and
    # closed per request: with 10 and 16 calls in flight per worker, that churn tripled a GET's p99). A request
    # holds one throughout; past the pool it waits for one (at most db_pool_timeout_seconds, then 503).
    db_pool_size: int = Field(30, ge=1, le=1000)
    # Browser front-ends (storefronts) allowed to call cspsim: CORS origins, comma-separated or a JSON list.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            value = json.loads(text) if text.startswith("[") else text.split(",")
        if isinstance(value, list | tuple):
            # A browser's Origin never ends with a slash; a pasted URL often does.
            return [str(origin).strip().rstrip("/") for origin in value if str(origin).strip()]
        return value

    @cached_property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'cspsim.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def public_base_url_is_set(self) -> bool:
        """Whether CSPSIM_PUBLIC_BASE_URL (or the constructor) chose the public base, rather than the default."""
        return "public_base_url" in self.model_fields_set
