"""The disclosure-control rules on their own (``polls.disclosure``), without a database.

Property 1 (no small group by arithmetic) is checked by linear algebra: for random polls
(units, placements in them, channels, counts, k), no set of atoms of fewer than k
respondents, an empty one included, is a combination of the released cells and the total.
Property 2 (no person by watching) is checked over random arrival orders and reading times:
two readings differ by at least k respondents or not at all (the last release, at close,
excepted, where only noise protects). The noise is checked against its distribution.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from polls import disclosure
from polls.disclosure import Atom

CHANNELS = ("web", "telegram", "zalo")


def layout(unit_of: list[int], counts: dict[tuple[int, str], int]) -> list[Atom]:
    """Atoms as ``services.results.released`` lays them out: (unit, placement, channel),
    the answered ones, and a 0 for each placement and each channel nobody answered from."""
    atoms = [Atom((f"u{unit_of[p]}", f"p{p}", c), n) for (p, c), n in sorted(counts.items()) if n]
    if not atoms:
        return []
    return disclosure.with_empty_cells(
        atoms, {f"p{p}": f"u{u}" for p, u in enumerate(unit_of)}, CHANNELS
    )


@st.composite
def polls(draw: st.DrawFn) -> tuple[list[Atom], int]:
    k = draw(st.integers(2, 5))
    units = draw(st.integers(1, 3))
    unit_of = draw(st.lists(st.integers(0, units - 1), min_size=1, max_size=5))
    counts = {}
    for p in range(len(unit_of)):
        for c in draw(st.lists(st.sampled_from(CHANNELS), min_size=1, max_size=2, unique=True)):
            counts[(p, c)] = draw(st.integers(0, 2 * k))
    return layout(unit_of, counts), k


@settings(max_examples=150, deadline=None)
@given(polls())
def test_no_group_under_k_is_derivable_from_all_breakdowns_together(
    poll: tuple[list[Atom], int],
) -> None:
    atoms, k = poll
    protection = disclosure.protect(atoms, k, (2, 4, 1))
    total = sum(a.respondents for a in atoms)
    if total < k or not atoms:
        assert all(not cells for cells in protection.released)
        return
    assert disclosure.derivable_small_groups(atoms, protection, k) == []
    for d, cells in enumerate(protection.released):
        for cell in cells:
            assert sum(a.respondents for a in atoms if a.cells[d] == cell) >= k
        hidden = sum(a.respondents for a in atoms if a.cells[d] in protection.rest[d])
        has_hidden_cells = any(a.cells[d] in protection.rest[d] for a in atoms)
        assert hidden >= k or not has_hidden_cells  # "hidden groups together" is not small
    for members in protection.classes:
        assert sum(atoms[i].respondents for i in members) >= k


def test_the_checker_finds_what_per_breakdown_suppression_lets_through() -> None:
    """The old rule (each breakdown on its own) shows placement A (12, all web), channel
    web (14) and the total (15): web minus A is the 2 web answers from B, and the total
    minus web is B's one Zalo answer. The checker sees both; ``protect`` hides enough."""
    atoms = [
        Atom(("u0", "A", "web"), 12),
        Atom(("u0", "B", "web"), 2),
        Atom(("u0", "B", "zalo"), 1),
    ]
    per_breakdown = (
        frozenset({"u0"}),
        frozenset({"A"}),
        frozenset({"web"}),
    )
    naive = disclosure.Protection((), per_breakdown)
    found = disclosure.derivable_small_groups(atoms, naive, 5)
    assert frozenset({1}) in found
    assert frozenset({2}) in found
    protection = disclosure.protect(atoms, 5, (2, 4, 1))
    assert disclosure.derivable_small_groups(atoms, protection, 5) == []
    assert "A" not in protection.released[1] or "web" not in protection.released[2]


def test_a_placement_nobody_answered_from_is_not_readable_as_zero() -> None:
    """A personal link with no answer is a structural 0: it is merged like a small group, so
    the unit minus the other placements is not 0 (which would say he did not answer)."""
    atoms = layout([0, 0, 0], {(0, "web"): 9, (1, "web"): 8, (2, "web"): 0})
    protection = disclosure.protect(atoms, 5, (2, 4, 1))
    assert "p2" not in protection.released[1]
    assert not {"p0", "p1"} <= protection.released[1]  # else unit - p0 - p1 = p2 = 0
    assert disclosure.derivable_small_groups(atoms, protection, 5) == []


def test_a_channel_nobody_answered_through_is_not_readable_as_zero() -> None:
    """All answers on the web: a shown Web with the exact total would say "Telegram and Zalo:
    0". The empty channels are merged like small ones, so Web is hidden with them, exactly
    as when two people had answered through Telegram."""
    empty = layout([0, 1], {(0, "web"): 12, (1, "web"): 9})
    small = layout([0, 1], {(0, "web"): 12, (1, "web"): 9, (0, "telegram"): 2})
    assert {a.cells[2] for a in empty} == set(CHANNELS)
    shown_empty = disclosure.protect(empty, 5, (2, 4, 1)).released
    shown_small = disclosure.protect(small, 5, (2, 4, 1)).released
    assert shown_empty == shown_small
    assert "web" not in shown_empty[2]
    assert disclosure.derivable_small_groups(empty, disclosure.Protection((), shown_empty), 5) == []
    naive = disclosure.Protection((), (frozenset(), frozenset(), frozenset({"web"})))
    assert disclosure.derivable_small_groups(empty, naive, 5)  # the checker sees the 0


def test_protect_keeps_the_partition_that_shows_most() -> None:
    """One greedy pass (placements weighted first) merged Telegram's 7 in p3 with p4's 3 web
    answers and hid p3; another weighting keeps p3 whole (its 7 are a class), hides the 3
    with p0's 4 Telegram answers instead, and shows p3 as well, with nothing derivable."""
    atoms = [
        Atom(("u0", "p0", "telegram"), 4),
        Atom(("u2", "p1", "zalo"), 17),
        Atom(("u2", "p3", "telegram"), 7),
        Atom(("u2", "p4", "web"), 3),
        Atom(("u2", "p2", "web"), 0),
    ]
    protection = disclosure.protect(atoms, 5, (2, 4, 1))
    assert protection.released[1] == {"p1", "p3"}
    assert protection.released[2] == {"zalo"}
    assert disclosure.derivable_small_groups(atoms, protection, 5) == []
    assert all(sum(atoms[i].respondents for i in c) >= 5 for c in protection.classes)


def test_everything_hidden_by_one_greedy_pass_can_show_a_channel() -> None:
    atoms = [
        Atom(("u1", "p0", "telegram"), 2),
        Atom(("u2", "p1", "web"), 3),
        Atom(("u2", "p1", "zalo"), 25),
        Atom(("u0", "p2", "telegram"), 2),
    ]
    protection = disclosure.protect(atoms, 5, (2, 4, 1))
    assert protection.released[2] == {"zalo"}  # the other 7 together
    assert disclosure.derivable_small_groups(atoms, protection, 5) == []


@st.composite
def arrivals(draw: st.DrawFn) -> tuple[int, list[int], list[bool]]:
    k = draw(st.integers(1, 8))
    gaps = draw(st.lists(st.integers(0, 7), min_size=1, max_size=60))
    reads = draw(st.lists(st.booleans(), min_size=len(gaps), max_size=len(gaps)))
    return k, gaps, reads


@settings(max_examples=300, deadline=None)
@given(arrivals())
def test_two_readings_differ_by_a_step_of_at_least_k_or_not_at_all(
    case: tuple[int, list[int], list[bool]],
) -> None:
    """Answers arrive in bursts; readers look at random moments (each reading releases if
    due, as ``releases.current`` does); the poll closes after the last burst."""
    k, gaps, reads = case
    live = released = 0
    seen = [0]
    for gap, read in zip(gaps, reads, strict=True):
        live += gap
        if read and disclosure.release_due(released, live, k, closed=False):
            assert live - released >= disclosure.release_step(released, k) >= k
            released = live
        seen.append(released)
    before_close = released
    if disclosure.release_due(released, live, k, closed=True):
        released = live
    for a, b in itertools.pairwise(seen):
        assert b == a or b - a >= k
    assert released == before_close or live >= k  # nothing is ever shown below k
    assert released == 0 or released >= k


def test_a_release_waits_for_a_tenth_of_what_is_released() -> None:
    assert disclosure.release_step(0, 5) == 5
    assert disclosure.release_step(1000, 5) == 100
    assert not disclosure.release_due(1000, 1099, 5, closed=False)
    assert disclosure.release_due(1000, 1100, 5, closed=False)
    assert disclosure.release_due(1000, 1001, 5, closed=True)
    assert not disclosure.release_due(0, 4, 5, closed=True)


def test_thresholds() -> None:
    assert disclosure.text_threshold(5) == 10
    assert disclosure.text_threshold(8) == 15
    assert disclosure.export_threshold(5) == 9
    assert disclosure.export_threshold(1) == 1


def test_the_noise_is_two_sided_geometric_with_ratio_three() -> None:
    """Over evenly spread cell keys the noise has P(z) ∝ 3^-|z|: any one person more or less
    changes the chance of any released figure by at most a factor of 3 (ln 3-DP per cell)."""
    steps = 300_000
    noise = Counter(disclosure.perturb(100, (i + 0.5) / steps) - 100 for i in range(steps))
    alpha = 1 / 3
    for z in range(-4, 5):
        expected = (1 - alpha) / (1 + alpha) * alpha ** abs(z)
        assert math.isclose(noise[z] / steps, expected, abs_tol=2e-3), z
    for z in range(-3, 3):
        ratio = noise[z] / noise[z + 1] if z >= 0 else noise[z + 1] / noise[z]
        assert math.isclose(ratio, 3, rel_tol=0.05), z


def test_the_same_cell_always_gets_the_same_figure_and_neighbours_do_not() -> None:
    salt = disclosure.new_salt()
    first = disclosure.noisy(salt, "placement:7|responses", 12)
    assert all(disclosure.noisy(salt, "placement:7|responses", 12) == first for _ in range(5))
    figures = {disclosure.noisy(salt, f"placement:{p}|responses", 12) for p in range(60)}
    assert len(figures) > 1  # keyed to the cell: not one offset for the whole poll
    assert 0 <= disclosure.cell_fraction(salt, "x") < 1
    assert disclosure.cell_fraction(salt, "x") != disclosure.cell_fraction(
        disclosure.new_salt(), "x"
    )
    assert disclosure.perturb(0, 0.99) == 0  # never below zero


def test_placements_at_risk() -> None:
    assert disclosure.placements_at_risk(20, 50, 5)
    assert not disclosure.placements_at_risk(6, 400, 5)
    assert not disclosure.placements_at_risk(1, 3, 5)
    assert not disclosure.placements_at_risk(30, 0, 5)
