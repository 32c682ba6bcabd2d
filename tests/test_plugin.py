"""The pytest plugin, as a consumer uses it: examples/consumer_suite runs against a cspsim served on the test
database (`--cspsim-url`), in a pytest of its own. (.ci/run also runs the suite alone, with the plugin starting
cspsim in process.)"""

import importlib.metadata
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import Settings
from app.main import create_app
from tests.live import serving

ROOT = Path(__file__).resolve().parent.parent
SUITE = ROOT / "examples" / "consumer_suite"


@pytest.fixture(scope="module")
def served(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    app = create_app(Settings(database_url=database, data_dir=tmp_path_factory.mktemp("plugin-data")), run_timers=False)
    with serving(app) as base:
        yield base


def registered() -> bool:
    """Whether an install of cspsim registered the plugin (pytest11); a checkout that is not installed names it."""
    return any(e.value == "cspsim_pytest" for e in importlib.metadata.entry_points(group="pytest11"))


def test_the_consumer_suite_passes_with_the_plugin_alone(served: str) -> None:
    plugin = [] if registered() else ["-p", "cspsim_pytest"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CSPSIM_URL": ""}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *plugin, "--cspsim-url", served, str(SUITE)],
        cwd=SUITE,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 passed" in run.stdout
