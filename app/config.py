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
    log_level: str = "INFO"
    log_format: str = Field("json", pattern="^(json|text)$")
    # Where the platform's links point (invitation and approval pages). When set, it is also the base of the
    # token issuer and of the OpenID discovery documents; when not, those follow the URL the client used.
    public_base_url: str = "http://127.0.0.1:8000"
    # HTTPS with a certificate of the local CA in <data_dir>/tls: MSAL accepts only an https authority.
    tls: bool = False
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
