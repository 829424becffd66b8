"""What ``polls.asgi`` (the app ``polls serve`` runs) does that tests' apps do not."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import SECRET

SCRIPT = """
import asyncio, gc, json
from polls import db
from polls.asgi import app

async def main():
    await db.migrate(app.state.engine, quiet=True)
    before = gc.get_freeze_count()
    async with app.lifespan():
        started = gc.get_freeze_count()
    print(json.dumps({"before": before, "started": started}))

asyncio.run(main())
"""


def test_a_servers_worker_freezes_its_heap_once_started(tmp_path: Path) -> None:
    """The startup heap (modules, catalogs, the app) is kept out of later collections: a
    full pass over it stopped the event loop for about 120 ms every second or two."""
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "SECRET_KEY": SECRET,
        "PATH": "/usr/bin:/bin",
    }
    ran = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120
    )
    assert ran.returncode == 0, ran.stderr
    counts = json.loads(ran.stdout.strip().splitlines()[-1])
    assert counts["before"] == 0
    assert counts["started"] > 50_000, counts  # the app and its libraries, not a few objects
