"""What disclosure control costs leadership: how much each breakdown still shows under joint
suppression across all breakdowns (``polls.disclosure.protect``); run it before and after
a change of ``protect`` to compare.

    uv run python bench/disclosure.py

On the demo data (loaded into a throwaway SQLite database, read from its first release)
and on a generated poll of 2,000 respondents over 20 placements in 6 units (some placements
busy, some nearly empty, one in five answers on Zalo, one in twenty on Telegram), it prints
per breakdown: the cells shown on their own (of those with anyone in them), the share of
respondents in shown cells, and how many groups under k the figures shown allow to derive
by adding and subtracting (``disclosure.derivable_small_groups``, counted up to 3 atoms
for the large poll, where the full search would take too long).
"""

from __future__ import annotations

import asyncio
import random
import tempfile
from collections.abc import Sequence
from pathlib import Path

from polls import db, demo, disclosure
from polls.disclosure import Atom
from polls.services import polls as poll_service
from polls.services import results

SECRET = "bench-disclosure-" + "x" * 24
NAMES = ("unit", "placement", "channel")


def derivable(atoms: Sequence[Atom], protection: disclosure.Protection, k: int, most: int) -> int:
    return len(disclosure.derivable_small_groups(atoms, protection, k, most))


def rows(atoms: Sequence[Atom], k: int, most: int = 4) -> list[tuple[str, ...]]:
    total = sum(a.respondents for a in atoms)
    out = []
    for label, protection in (("joint", protect(atoms, k)),):
        for d, name in enumerate(NAMES):
            counts: dict[str, int] = {}
            for a in atoms:
                counts[a.cells[d]] = counts.get(a.cells[d], 0) + a.respondents
            cells = [c for c, n in counts.items() if n]
            shown = [c for c in cells if c in protection.released[d]]
            people = sum(counts[c] for c in shown)
            out.append(
                (
                    name,
                    label,
                    f"{len(shown)} / {len(cells)}",
                    f"{100 * people / total:.0f} %" if total else "-",
                )
            )
        out.append(("(all)", label, "", f"{derivable(atoms, protection, k, most)} derivable"))
    return out


def protect(atoms: Sequence[Atom], k: int) -> disclosure.Protection:
    return disclosure.protect(atoms, k, results.WEIGHTS)


def table(title: str, lines: list[tuple[str, ...]]) -> None:
    print(f"\n{title}\n")
    print("| breakdown | rule | cells shown alone | respondents in shown cells |")
    print("| --- | --- | ---: | ---: |")
    for line in lines:
        print("| " + " | ".join(line) + " |")


def generated(seed: int = 11) -> list[Atom]:
    """2,000 respondents, 20 placements in 6 units: 16 with sizes from a long tail, 4 nearly
    empty (a poster nobody reads, a link sent to one team)."""
    rng = random.Random(seed)
    placements = [(f"p{i}", f"u{i % 6}") for i in range(20)]
    weights = [rng.paretovariate(1.2) for _ in placements[:16]] + [0.004, 0.002, 0.001, 0.0]
    counts: dict[tuple[str, str, str], int] = {}
    for _ in range(2000):
        placement, unit = rng.choices(placements, weights=weights)[0]
        channel = rng.choices(("web", "zalo", "telegram"), weights=(75, 20, 5))[0]
        counts[(unit, placement, channel)] = counts.get((unit, placement, channel), 0) + 1
    atoms = [Atom(cells, n) for cells, n in sorted(counts.items())]
    answered = {a.cells[1] for a in atoms}
    atoms += [Atom((u, p, "web"), 0) for p, u in placements if p not in answered]
    return atoms


async def on_demo() -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = db.engine_for_url(f"sqlite:///{Path(folder) / 'demo.sqlite3'}", "OFF")
        await db.migrate(engine, quiet=True)
        await db.start(engine)
        try:
            db.activate(engine)
            await demo.load_demo(SECRET)
            rows_found = await poll_service.t.Poll.select(poll_service.t.Poll.id)
            for row in rows_found:
                poll = await poll_service.load(row["id"])
                laid_out = await results.released(poll)
                if not laid_out.release.respondents:
                    continue
                table(
                    f"Demo poll {poll.id}: {poll.title} ({laid_out.release.respondents} "
                    f"respondents, k = {poll.min_group_size})",
                    rows(laid_out.atoms, poll.min_group_size),
                )
        finally:
            await db.stop(engine)


def main() -> None:
    asyncio.run(on_demo())
    table("Generated: 2,000 respondents, 20 placements in 6 units, k = 5", rows(generated(), 5, 2))


if __name__ == "__main__":
    main()
