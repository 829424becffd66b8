"""How large SQLite's write-ahead log grows under load, and what it is left at after.

    uv run python bench/wal.py                      # 20,000 submissions, bounded and not
    uv run python bench/wal.py --submissions 5000 --modes bounded

N submissions through ``submit_response`` at concurrency 50 (each a new device answering
the demo's 5-question poll), while readers keep counting the poll's responses beside them
(a live view, a results page: the read snapshots that keep a checkpoint from reaching the
end of the log). The WAL's size is sampled every 20 ms: its peak, and its size 3 s after
the last write. ``unbounded`` runs the engine without its WAL limits (no
``journal_size_limit``, no truncating checkpoints: the behaviour before them), ``bounded``
as it ships; both on fresh files, in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

from piccolo.querystring import QueryString

from polls import db, demo
from polls import tables as t
from polls.services import placements, polls
from polls.services.submission import Submission, submit_response

SECRET = "bench-secret-key-bench-secret-key"  # noqa: S105  (a throwaway database)
MB = 1024 * 1024


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0


async def run(n: int, concurrency: int, readers: int, bounded: bool) -> dict[str, float]:
    path = Path(tempfile.mkdtemp()) / "wal.sqlite3"
    engine = db.engine_for_url(f"sqlite:///{path}", "FULL")
    assert isinstance(engine, db.FastSQLiteEngine)
    if not bounded:
        engine = db.FastSQLiteEngine(str(path), "FULL", wal_limit_bytes=None)
    await db.migrate(engine, quiet=True)
    await db.start(engine)
    wal = path.with_name(path.name + "-wal")
    try:
        db.activate(engine)
        await demo.load_demo(SECRET)
        poll = await polls.load(1)
        first = await t.Placement.select(t.Placement.code).where(t.Placement.poll == 1).first()
        assert first is not None
        placement = await placements.by_code(first["code"])
        answers = demo.full_answers(poll, "Cần thêm quạt gió ở lò chợ. " * 20)
        gate = asyncio.Semaphore(concurrency)
        writing = True
        peak = 0

        async def one(i: int) -> None:
            async with gate:
                await submit_response(
                    poll,
                    Submission(answers=answers, placement=placement, subject=f"device-{i:012d}"),
                    secret=SECRET,
                )

        async def read() -> None:
            count = QueryString(
                'SELECT COUNT(*) AS n, SUM(LENGTH("value_text")) AS s FROM "answer" '
                'WHERE "poll" = {}',
                poll.id,
                query_type="select",
            )
            while writing:
                await engine.run_querystring(count)

        async def sample() -> None:
            nonlocal peak
            while writing:
                peak = max(peak, _size(wal))
                await asyncio.sleep(0.02)

        background = [asyncio.create_task(read()) for _ in range(readers)]
        background.append(asyncio.create_task(sample()))
        began = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        wall = time.perf_counter() - began
        writing = False
        await asyncio.gather(*background)
        await asyncio.sleep(3)
        return {
            "submissions_per_s": n / wall,
            "peak_wal_mb": peak / MB,
            "final_wal_mb": _size(wal) / MB,
            "database_mb": _size(path) / MB,
        }
    finally:
        await db.stop(engine)


async def main(n: int, concurrency: int, readers: int, modes: list[str]) -> None:
    for mode in modes:
        result = await run(n, concurrency, readers, bounded=mode == "bounded")
        print(
            f"{mode:>9}: {n:,} submissions, {result['submissions_per_s']:,.0f} per s; WAL peak "
            f"{result['peak_wal_mb']:.1f} MB, 3 s after {result['final_wal_mb']:.1f} MB; "
            f"database {result['database_mb']:.1f} MB",
            flush=True,
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--readers", type=int, default=2)
    parser.add_argument("--modes", default="unbounded,bounded")
    args = parser.parse_args()
    asyncio.run(main(args.submissions, args.concurrency, args.readers, args.modes.split(",")))
