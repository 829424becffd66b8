"""What paper tallies add to every results read: ``releases.current`` counts the poll's
respondents now with one statement, stored responses plus the people of its paper tallies
(``releases.LIVE_COUNT``), instead of counting responses alone.

    uv run python bench/live_count.py                 # 100,000 responses, SQLite
    uv run python bench/live_count.py --responses 1000000

It migrates a fresh SQLite database, stores one poll with four placements (one of kind
``paper``, with a tally) and N responses, then times both statements side by side, 7 rounds
of 200 runs each (alternating), and prints the median time of one run for each.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from polls import db
from polls.services.releases import LIVE_COUNT

RESPONSES_ONLY = 'SELECT COUNT(*) AS n FROM "response" WHERE "poll" = ?'


UNIT = (
    "INSERT INTO unit (id, slug, name, kind, path, headcount) "
    "VALUES (1, 'u', 'U', 'national', '/1/', 0)"
)
POLL = (
    "INSERT INTO poll (id, unit, title, description, language, status, min_group_size, "
    "duplicate_policy, publish_results, series, created_at, updated_at, version, "
    "keys_destroyed) VALUES (1, 1, 'P', '', 'vi', 'open', 5, 'none', 0, 's', '2026-12-03', "
    "'2026-12-03', 1, 0)"
)
PLACEMENT = (
    "INSERT INTO placement (id, poll, code, label, kind, created_at, chat_unreachable) "
    "VALUES (?, 1, ?, ?, ?, '2026-12-03', 0)"
)
TALLY = (
    "INSERT INTO paper_tally (placement, respondents, entered_by_name, entered_at) "
    "VALUES (4, 40, 'x', '2026-12-03')"
)
RESPONSE = (
    "INSERT INTO response (id, poll, placement, unit, channel, submitted_hour, fresh) "
    "VALUES (?, 1, ?, 1, 'web', '2026-12-03 07:00:00+00:00', 0)"
)


def _fill(path: Path, responses: int) -> None:
    with sqlite3.connect(path) as c:
        c.execute(UNIT)
        c.execute(POLL)
        for p, kind in enumerate(("canteen", "link", "meeting", "paper"), start=1):
            c.execute(PLACEMENT, (p, f"CODE{p}", kind, kind))
        c.execute(TALLY)
        c.executemany(RESPONSE, ((i + 1, 1 + i % 3) for i in range(responses)))


def _medians(c: sqlite3.Connection, runs: list[tuple[str, tuple[int, ...]]]) -> list[float]:
    """Median time of one run of each statement over 7 rounds, the statements alternating
    round by round so a busy machine slows both alike."""
    rounds: list[list[float]] = [[] for _ in runs]
    for _ in range(7):
        for i, (sql, args) in enumerate(runs):
            started = time.perf_counter()
            for _ in range(200):
                c.execute(sql, args).fetchall()
            rounds[i].append((time.perf_counter() - started) / 200)
    return [statistics.median(r) for r in rounds]


async def main(responses: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        engine = db.engine_for_url(f"sqlite:///{path}", "NORMAL")
        await db.migrate(engine, quiet=True)
        _fill(path, responses)
        with sqlite3.connect(path) as c:
            both = LIVE_COUNT.replace("{}", "?")
            assert c.execute(both, (1, 1)).fetchone()[0] == responses + 40
            for row in c.execute("EXPLAIN QUERY PLAN " + both, (1, 1)):
                print("plan:", row[-1])
            old, new = _medians(c, [(RESPONSES_ONLY, (1,)), (both, (1, 1))])
    print(f"{responses} responses: responses only {old * 1e6:.1f} µs, ", end="")
    print(f"with paper tallies {new * 1e6:.1f} µs")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=100_000)
    asyncio.run(main(parser.parse_args().responses))
