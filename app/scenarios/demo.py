"""The demo world `cspsim serve --demo` starts with: a sandbox built from scenarios/transition.yaml, through the
scenario service, before the server listens; and what it prints for each actor."""

from dataclasses import dataclass
from pathlib import Path

from app.kernel.context import OPERATOR, SandboxContext
from app.kernel.db import Database
from app.sandboxes import service as sandboxes
from app.scenarios import access, service
from app.scenarios.schemas import ScenarioLoaded

# The ready scenarios live at the top of a checkout, beside app/.
SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
TRANSITION = SCENARIOS / "transition.yaml"


@dataclass(frozen=True)
class DemoWorld:
    sandbox_id: str
    admin_key: str
    loaded: ScenarioLoaded

    def text(self, base_url: str) -> str:
        return (
            f"Demo world '{self.loaded.name}' in sandbox {self.sandbox_id}. Its admin key, shown once:\n"
            f"  export CSPSIM_URL={base_url} CSPSIM_SANDBOX={self.sandbox_id} CSPSIM_ADMIN_KEY={self.admin_key}"
            + access.describe(self.loaded)
        )


def read_scenario(path: Path = TRANSITION) -> bytes:
    if not path.is_file():
        raise FileNotFoundError(f"{path} is not there: --demo needs a checkout of cspsim (its scenarios/ folder)")
    return path.read_bytes()


async def build_demo(database: Database, *, base_url: str, document: bytes) -> DemoWorld:
    """A new sandbox named `demo` holding the world of a YAML scenario (`read_scenario()`), in one transaction."""
    async with database.transaction() as session:
        sandbox, admin_key = await sandboxes.create_sandbox(session, name="demo", seed=None, settings={})
        ctx = SandboxContext.of(session, sandbox, OPERATOR)
        loaded = await service.load_scenario_text(ctx, raw=document, media_type="application/yaml")
        handed = await access.handover(ctx, loaded, base_url=base_url, admin_key=admin_key)
    return DemoWorld(sandbox_id=str(sandbox.id), admin_key=admin_key, loaded=handed)
