"""Process settings: the only place that reads the environment.

Sandbox settings (the *settings* of RULES.md) are per sandbox and live in
`app.sandboxes.settings`; these are the settings of the process itself.
"""

from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CSPSIM_", extra="ignore")

    data_dir: Path = Path(".cspsim")
    # DATABASE_URL (no prefix) chooses the database, as the README promises.
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    timer_interval_seconds: float = 1.0
    log_level: str = "INFO"
    # Where the platform's links point (invitation and approval pages).
    public_base_url: str = "http://127.0.0.1:8000"

    @cached_property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'cspsim.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")
