"""seed_demo's wall time on a fresh SQLite database: 200 accounts (the default, target
well under 30 s) and 2000 accounts (must stay reasonable)."""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, record


def seed_seconds(preset: str, accounts: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "SQLITE_PATH": str(Path(tmp) / "seed.sqlite3"), "DATABASE_URL": ""}
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
        started = time.perf_counter()
        subprocess.run(
            [*manage, "seed_demo", "--preset", preset, "--accounts", str(accounts)],
            env=env,
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        return time.perf_counter() - started


def main() -> None:
    for preset in ("lv", "ru"):
        record(f"seed_demo_{preset}_200_sqlite", seed_seconds(preset, 200), "s", target="< 30 s")
    record("seed_demo_lv_2000_sqlite", seed_seconds("lv", 2000), "s", target="< 300 s")
