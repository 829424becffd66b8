"""Time to draw a poll's batch of posters (one A4 page per placement) as PDF.

    uv run python bench/posters.py [--runs 5] [--counts 1,10,100]

Pure drawing, no database or HTTP: ``polls.sharing.posters.posters_pdf`` over sheets built
the way the service builds them (a long Vietnamese title, a deadline, the poll's language).
Each count is measured ``--runs`` times in a fresh order; the median is printed, with the
first import of matplotlib timed apart (it is paid once per process).
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime

from polls.models import Placement, Poll
from polls.sharing import codes
from polls.sharing.sheets import sheet_for

TITLE = (
    "Khảo sát ý kiến đoàn viên, người lao động về công tác truyền thông của công đoàn "
    "và điều kiện làm việc tại các phân xưởng năm 2026"
)


def make_sheets(count: int) -> tuple:
    poll = Poll(
        id=1,
        unit_id=1,
        unit_slug="than-mao-khe",
        unit_name="Công đoàn Công ty Than Mạo Khê",
        unit_path="/1/2/",
        title=TITLE,
        description="",
        language="vi",
        status="open",
        opens_at=None,
        closes_at=datetime(2026, 11, 30, 10, tzinfo=UTC),
        min_group_size=5,
        duplicate_policy="device",
        series="",
        version=1,
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
    )
    return tuple(
        sheet_for(
            poll,
            Placement(i, 1, codes.new_code(), f"Nhà ăn phân xưởng {i}", "canteen", None, None),
            "https://thamdo.vinacomin.vn",
        )
        for i in range(count)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--counts", default="1,10,100")
    args = parser.parse_args()
    started = time.perf_counter()
    from polls.sharing import posters

    print(f"import matplotlib and posters: {time.perf_counter() - started:.2f} s")
    posters.posters_pdf(make_sheets(1))  # fonts loaded, caches warm
    print(f"{'placements':>10} {'median s':>9} {'per page ms':>12} {'size KB':>8}  runs")
    for count in (int(c) for c in args.counts.split(",")):
        times = []
        size = 0
        for _ in range(args.runs):
            sheets = make_sheets(count)  # new codes each run: no cached QR or text widths help
            begun = time.perf_counter()
            size = len(posters.posters_pdf(sheets))
            times.append(time.perf_counter() - begun)
        median = statistics.median(times)
        runs = " ".join(f"{t:.2f}" for t in times)
        print(
            f"{count:>10} {median:>9.2f} {median / count * 1000:>12.0f} {size / 1024:>8.0f}  {runs}"
        )


if __name__ == "__main__":
    main()
