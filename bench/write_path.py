"""The submission path's own cost, without HTTP: N submissions through ``submit_response``
in one process, at concurrency 50, on a fresh SQLite file (``synchronous=FULL``).

    uv run python bench/write_path.py                # 20,000 submissions
    uv run python bench/write_path.py --submissions 5000

Each submission is a new device answering the demo's 5-question poll at its first
placement. It prints submissions per second and the process's CPU time per submission
(the event loop and the group-commit writer thread together): what the database layout
costs each write, with the HTTP stack out of the way.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from polls import db, demo
from polls import tables as t
from polls.services import placements, polls
from polls.services.submission import Submission, submit_response

SECRET = "bench-secret-key-bench-secret-key"  # noqa: S105  (a throwaway database)


async def main(n: int, concurrency: int) -> None:
    url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'write.sqlite3'}"
    engine = db.engine_for_url(url, "FULL")
    await db.migrate(engine, quiet=True)
    await db.start(engine)
    try:
        db.activate(engine)
        await demo.load_demo(SECRET)
        poll = await polls.load(1)
        first = await t.Placement.select(t.Placement.code).where(t.Placement.poll == 1).first()
        assert first is not None
        placement = await placements.by_code(first["code"])
        answers = demo.full_answers(poll, "Cần thêm quạt gió ở lò chợ.")
        gate = asyncio.Semaphore(concurrency)

        async def one(i: int) -> None:
            async with gate:
                await submit_response(
                    poll,
                    Submission(answers=answers, placement=placement, subject=f"device-{i:012d}"),
                    secret=SECRET,
                )

        began, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(one(i) for i in range(n)))
        wall, cpu = time.perf_counter() - began, time.process_time() - cpu
        print(
            f"{n:,} submissions: {n / wall:,.0f} per s, CPU {cpu / n * 1e6:,.0f} µs per submission",
            flush=True,
        )
    finally:
        await db.stop(engine)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(main(args.submissions, args.concurrency))
