"""Disclosure control: what of a poll's answers may leave the server, given all else it releases.

The people a worker fears (the officer who made the poll, the unit's leadership) read every
number the server gives out, at any moment, and may answer the poll themselves. Three
mechanisms, each against one way of reading a person out of aggregates:

**Released states (against watching).** Nothing is ever counted from live rows for display.
A poll's answers are copied into a *release* (``polls.services.releases``) once at least
``release_step`` new respondents have arrived since the last one (``k`` or a tenth of the
released total, whichever is larger), and once more when the poll closes. Results, counts,
visits, charts, exports, the live view and shares all read the latest release, so two
readings at any two moments differ by a whole step of respondents or not at all. The first
release needs ``k`` respondents, so below ``k`` nothing is counted anywhere ("fewer than k").

**Joint suppression (against subtraction).** Every breakdown (placement, unit, channel), the
total and the unit roll-ups are sums of *atoms*: the respondents of one combination of
placement, unit and channel. ``protect`` groups the atoms into *classes* of at least ``k``
respondents, merging a small atom first with one of the same placement, then of the same
unit, then of the same channel (so the least is lost), and releases a breakdown's cell only
when it has at least ``k`` respondents *and* is a union of whole classes. Every released
number is then a sum of classes, and so is anything computed from them by adding and
subtracting: the smallest group arithmetic can isolate, across all breakdowns together, is
one class, of at least ``k``. A placement or unit nobody answered from is a structural atom
of 0 and is merged like a small one, so an empty group looks exactly like a small one and a
personal link's silence is not readable. The cells a breakdown hides are a union of classes
too, shown together as one group ("hidden groups together").

**Cell-key perturbation (against padding).** An officer who answers ``k - 1`` times himself
makes a class of ``k`` that holds one real worker; suppression cannot see that. So every
released count except the release's total gets two-sided geometric noise (``perturb``, ratio
``NOISE_RATIO``: any one person changes a cell's probability of showing a value by at most a
factor of 3, ``ln 3``-differential privacy per cell), drawn from a key derived from the cell's
identity and its exact count with a per-poll random salt (``cell_fraction``). This is the
cell-key method of the ABS, ONS and Cantabular: the same cell with the same respondents
always shows the same figure, so asking again or averaging releases removes nothing, and a
difference of two released cells is never exact. The key is the set of atoms a figure
covers (``group_identity``), not the breakdown's name for it, so the same people shown twice
get one figure. Pages say "≈", round percents to the precision their base has
(``released_share``) and say the live view's waiting answers in steps of ``k``.

**Free text and rows.** A text answer names its author more than any choice, so a question's
texts are released only from ``text_threshold`` answers to it (10, never below ``2k - 1``),
sorted (``text_order``: never in the order they came), with no segment or time beside
them, and move only by at least ``k`` new texts (``released_texts``), since a step of ``k``
respondents may bring a single one. The per-response export is made only after the poll
closed, from ``export_threshold`` respondents, with no free text and segments only in
classes of ``export_threshold`` rows.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

NOISE_RATIO = 3
"""Noise ratio of the two-sided geometric distribution: P(noise = z) ∝ (1/3)^|z|."""
RELEASE_SHARE = 0.10
"""A release waits for this share of the released total (and at least k) new respondents."""
MIN_TEXT_ANSWERS = 10
MIN_VISITS_FOR_RATE = 10
"""Visits of a placement (and so its conversion) are released only from this many."""
SALT_BYTES = 16

K = TypeVar("K")

WEIGHT_FACTORS = (2, 4, 8)
"""``protect`` also tries the given weights with each breakdown's scaled by these."""


def release_step(released_total: int, min_group_size: int) -> int:
    """How many new respondents the next release needs."""
    k = max(1, min_group_size)
    return max(k, math.ceil(RELEASE_SHARE * released_total))


def release_due(released_total: int, live_total: int, min_group_size: int, closed: bool) -> bool:
    """Whether a new release is to be made: a step of new respondents has arrived, or the poll
    closed with some not yet released. Never below ``k`` respondents in all."""
    if live_total <= released_total or live_total < max(1, min_group_size):
        return False
    if closed:
        return True
    return live_total - released_total >= release_step(released_total, min_group_size)


def merge_consecutive(
    counts: Sequence[tuple[K, int]], min_group_size: int
) -> tuple[tuple[tuple[K, ...], int], ...]:
    """Join ordered segments (days of a timeline) with their neighbours into runs of at
    least ``min_group_size`` respondents, so no run is a small group.

    A day is a breakdown segment like any other, but on a timeline an "other" group means
    nothing and a hidden day would still show as the step between its neighbours' running
    totals. So a small day is counted together with the days after it, until the run reaches
    the minimum; a small run at the end, empty days included, joins the run before it, so an
    empty day looks exactly like a small one. When all of it is smaller than the minimum,
    nothing can be shown and the result is empty.
    """
    k = max(1, min_group_size)
    runs: list[tuple[tuple[K, ...], int]] = []
    keys: list[K] = []
    total = 0
    for key, n in counts:
        keys.append(key)
        total += n
        if total >= k:
            runs.append((tuple(keys), total))
            keys, total = [], 0
    if keys:
        if not runs:
            return ()
        last_keys, last_total = runs[-1]
        runs[-1] = ((*last_keys, *keys), last_total + total)
    return tuple(runs)


def shown_waiting(waiting: int, min_group_size: int) -> int:
    """How many answers waiting for the next release may be said to wait: a whole number of
    steps of ``k`` (0 below ``k``), so that the live view's "N new answers are waiting"
    moves like everything else, by at least ``k`` people at a time, and never tells the
    moment one person answered."""
    k = max(1, min_group_size)
    return waiting // k * k


def released_texts(
    previous: Sequence[str], current: Sequence[str], min_group_size: int
) -> Sequence[str]:
    """A question's texts in a new release: all of them once at least ``k`` were written
    since the last release, else the last release's. A step of ``k`` respondents may hold a
    single new text, which the two lists would give exactly; texts move by ``k`` at a time."""
    if len(current) - len(previous) >= max(1, min_group_size):
        return current
    return previous


def text_threshold(min_group_size: int) -> int:
    """Answers a free-text question needs before any of its texts is shown."""
    return max(MIN_TEXT_ANSWERS, 2 * max(1, min_group_size) - 1)


def text_order(text: str) -> tuple[str, str]:
    """The order texts are released in: alphabetical, ignoring case, so the order of arrival
    (which an officer who watched one worker answer could match) is gone and equal answers
    are neighbours (the console shows them once, with their count)."""
    return (text.casefold(), text)


def export_threshold(min_group_size: int) -> int:
    """Respondents (and rows per segment class) the per-response export needs: with ``k - 1``
    answers of his own, an officer still faces at least ``k`` others in any class."""
    k = max(1, min_group_size)
    return max(k, 2 * k - 1)


def placements_at_risk(placements: int, respondents: int, min_group_size: int) -> bool:
    """Whether a poll has more placements than its (expected) respondents can protect: with
    fewer than ``k`` people behind each, placements become personal links whose figures must
    all be hidden. ``respondents`` is the released total once there is one, the unit's
    headcount before; unknown (0) says nothing."""
    return placements > 1 and respondents > 0 and placements * max(1, min_group_size) > respondents


def percent_step(base: int) -> int:
    """The precision, in whole percents, of a share of ``base`` perturbed answers. The noise
    moves a count by about one (its standard deviation is 1.2), that is by 120/base
    percentage points: whole percents from 100 answers, steps of 5 from 25, of 10 below."""
    if base >= 100:
        return 1
    return 5 if base >= 25 else 10


def released_share(fraction: float, base: int) -> float:
    """``fraction`` of ``base`` answers rounded to the precision it has (``percent_step``),
    so that "31 %" of 16 answers does not pretend to a precision that "30 %" has."""
    step = percent_step(base) / 100
    return min(1.0, round(fraction / step) * step)


MEAN_DIGITS = 1
"""A mean of perturbed counts is shown with one decimal, as approximate."""


def new_salt() -> str:
    return secrets.token_hex(SALT_BYTES)


def cell_fraction(salt: str, identity: str) -> float:
    """A number in [0, 1) fixed by the poll's salt and the cell (its identity and exact
    count): the cell key. Without the salt it cannot be computed or predicted."""
    digest = hmac.new(bytes.fromhex(salt), identity.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def perturb(count: int, fraction: float) -> int:
    """``count`` plus two-sided geometric noise picked by ``fraction`` (inverse CDF), never
    below 0. Half the time the noise is 0, a third of the time ±1, and so on by thirds."""
    alpha = 1 / NOISE_RATIO
    zero = (1 - alpha) / (1 + alpha)
    if fraction < zero:
        return count
    rest = (fraction - zero) / (1 - zero)
    sign = 1 if rest < 0.5 else -1
    tail = min((rest % 0.5) * 2, 1 - 1e-12)
    magnitude = 1 + math.floor(math.log(1 - tail) / math.log(alpha))
    return max(0, count + sign * magnitude)


def noisy(salt: str, identity: str, count: int) -> int:
    """The released figure of one cell: ``count`` perturbed by its own key."""
    return perturb(count, cell_fraction(salt, f"{identity}|{count}"))


def group_identity(atoms: Iterable[Hashable]) -> str:
    """The name a released group's figures are keyed by: the set of atoms (with anyone in
    them) it covers, whatever breakdown shows it. A unit with one placement, a channel
    holding everyone, "hidden groups together" equal to a cell: the same people under two
    names get the same figures, never two independent readings to average."""
    members = sorted(repr(a) for a in set(atoms))
    return "group:" + hashlib.sha256("\n".join(members).encode()).hexdigest()


# --- joint suppression ---------------------------------------------------------------------


@dataclass(frozen=True)
class Atom:
    """The respondents of one combination of cells, one cell key per breakdown."""

    cells: tuple[str, ...]
    respondents: int


@dataclass(frozen=True)
class Protection:
    """What ``protect`` decided: the classes and, per breakdown, the cells it releases."""

    classes: tuple[tuple[int, ...], ...]
    """Atom indices of each class; every class has at least k respondents (when the total
    has)."""
    released: tuple[frozenset[str], ...]
    """Per breakdown (in the atoms' order), the cell keys that may be shown."""
    rest: tuple[frozenset[str], ...] = field(default=())
    """Per breakdown, the hidden cells, shown together as one group when not empty."""

    def shows(self, breakdown: int, cell: str) -> bool:
        return cell in self.released[breakdown]


UNIT, PLACEMENT, CHANNEL = 0, 1, 2
"""The position of each breakdown's cell in an atom laid out by ``with_empty_cells``."""


def with_empty_cells(
    atoms: Sequence[Atom], placement_units: Mapping[str, str], channels: Sequence[str]
) -> list[Atom]:
    """``atoms`` (cells: unit, placement, channel) and a structural atom of 0 for every
    placement nobody answered from (in its unit, on the first channel) and every channel
    nobody answered through (in the busiest atom's unit and placement).

    ``protect`` merges an atom of 0 like a small one, so an empty placement or channel is
    hidden exactly as one with a few people in it would be, and the cells around it too: a
    0 derived as a unit minus its other placements, or the total minus the other channels,
    would tell that a personal link's worker did not answer, or that nobody used Telegram.
    A unit with no placement in it is known to be empty from the poll's own set-up and needs
    none.
    """
    laid_out = list(atoms)
    answered = {a.cells[PLACEMENT] for a in laid_out} | {a.cells[UNIT] for a in laid_out}
    for placement, unit in placement_units.items():
        if placement not in answered:
            laid_out.append(Atom((unit, placement, channels[0]), 0))
            answered |= {placement, unit}
    busiest = max(laid_out, key=lambda a: a.respondents, default=None)
    if busiest is None:
        return laid_out
    through = {a.cells[CHANNEL] for a in laid_out}
    for channel in channels:
        if channel not in through:
            laid_out.append(Atom((busiest.cells[UNIT], busiest.cells[PLACEMENT], channel), 0))
    return laid_out


def _cells(atoms: Sequence[Atom], members: Sequence[int], dimension: int) -> set[str]:
    return {atoms[i].cells[dimension] for i in members}


def protect(
    atoms: Sequence[Atom], min_group_size: int, weights: Sequence[int] | None = None
) -> Protection:
    """Classes of at least ``k`` respondents, and the cells that are unions of them.

    A class under ``k`` (the smallest first) merges with the class whose merge hides the
    fewest respondents from cells still shown: merging two classes that lie in different
    cells of a breakdown hides those cells. ``weights`` (one per breakdown, in the atoms'
    order) scale what a hidden cell of each breakdown costs, so that, at equal cost, a
    placement is kept before a unit before a channel.

    That greedy choice is made under a few weightings (as given, equal, and each breakdown
    put first: keeping the small Zalo answers of many placements together costs those
    placements, merging each into its own placement costs the channel; which is cheaper
    depends on the poll), and each result is *refined*: a class that can itself be split
    into classes of at least ``k`` is split (by the same rule, among its own atoms), which
    only ever shows more. The partition that keeps most respondents visible, summed over
    the breakdowns (then weighted as asked, at a tie), wins. Only *which* cells are shown
    depends on this choice; that no small group can be derived does not (see the module
    doc): every candidate is a partition into classes of at least ``k``.
    """
    k = max(1, min_group_size)
    dimensions = len(weights) if weights else len(atoms[0].cells) if atoms else 0
    weight = tuple(weights or (1,) * dimensions)
    if sum(a.respondents for a in atoms) < k:
        return Protection((), tuple(frozenset() for _ in range(dimensions)), ())
    tries = [weight, (1,) * dimensions]
    for d in range(dimensions):
        for factor in WEIGHT_FACTORS:
            tries.append(tuple(w * (factor if i == d else 1) for i, w in enumerate(weight)))
    best: Protection | None = None
    best_score: tuple[int, int] = (-1, -1)
    for tried in dict.fromkeys(tries):
        classes = _refine(atoms, _greedy(atoms, k, tried), k, tried)
        candidate = _protection(atoms, classes, k, dimensions)
        score = (
            _shown_respondents(atoms, candidate, (1,) * dimensions),
            _shown_respondents(atoms, candidate, weight),
        )
        if score > best_score:
            best, best_score = candidate, score
    assert best is not None
    return best


def _refine(
    atoms: Sequence[Atom], classes: list[list[int]], k: int, weight: Sequence[int]
) -> list[list[int]]:
    """Each class split into smaller classes of at least ``k`` where its own atoms allow."""
    refined: list[list[int]] = []
    for members in classes:
        if len(members) < 2 or sum(atoms[i].respondents for i in members) < 2 * k:
            refined.append(members)
            continue
        inner = _greedy([atoms[i] for i in members], k, weight)
        if len(inner) == 1:
            refined.append(members)
            continue
        refined.extend(_refine(atoms, [[members[j] for j in part] for part in inner], k, weight))
    return refined


def _shown_respondents(atoms: Sequence[Atom], protection: Protection, weight: Sequence[int]) -> int:
    return sum(
        weight[d] * sum(a.respondents for a in atoms if a.cells[d] in cells)
        for d, cells in enumerate(protection.released)
    )


def _greedy(atoms: Sequence[Atom], min_group_size: int, weight: Sequence[int]) -> list[list[int]]:
    """Atom indices of each class of the greedy merge (see ``protect``); empty when all of
    ``atoms`` together are fewer than ``k``."""
    k = max(1, min_group_size)
    dimensions = len(weight)
    total = sum(a.respondents for a in atoms)
    if total < k:
        return []
    size_of: list[dict[str, int]] = [{} for _ in range(dimensions)]
    for a in atoms:
        for d in range(dimensions):
            size_of[d][a.cells[d]] = size_of[d].get(a.cells[d], 0) + a.respondents
    broken: list[set[str]] = [
        {c for c, n in size_of[d].items() if n < k} for d in range(dimensions)
    ]
    classes: list[list[int]] = [[i] for i in range(len(atoms))]
    sizes = [a.respondents for a in atoms]
    while len(classes) > 1:
        small = [c for c in range(len(classes)) if sizes[c] < k]
        if not small:
            break
        c = min(small, key=lambda c: (sizes[c], classes[c][0]))
        own = [_cells(atoms, classes[c], d) for d in range(dimensions)]

        def spanned(o: int, own: list[set[str]] = own) -> list[set[str]]:
            joined = [own[d] | _cells(atoms, classes[o], d) for d in range(dimensions)]
            return [cells if len(cells) > 1 else set() for cells in joined]

        def cost(o: int) -> tuple[int, bool, int, int]:
            lost = sum(
                weight[d] * sum(size_of[d][cell] for cell in cells - broken[d])
                for d, cells in enumerate(spanned(o))
            )
            return (lost, sizes[o] >= k, sizes[o], classes[o][0])

        partner = min((o for o in range(len(classes)) if o != c), key=cost)
        for d, cells in enumerate(spanned(partner)):
            broken[d] |= cells
        classes[partner].extend(classes[c])
        sizes[partner] += sizes[c]
        del classes[c], sizes[c]
    return classes


def _protection(
    atoms: Sequence[Atom], classes: list[list[int]], k: int, dimensions: int
) -> Protection:
    released: list[frozenset[str]] = []
    rest: list[frozenset[str]] = []
    for d in range(dimensions):
        count: dict[str, int] = {}
        for a in atoms:
            count[a.cells[d]] = count.get(a.cells[d], 0) + a.respondents
        whole = {cell for cell in count if count[cell] >= k}
        for members in classes:
            spans = _cells(atoms, members, d)
            if len(spans) > 1:
                whole -= spans
        released.append(frozenset(whole))
        rest.append(frozenset(set(count) - whole))
    return Protection(tuple(tuple(c) for c in classes), tuple(released), tuple(rest))


def derivable_small_groups(
    atoms: Sequence[Atom],
    released: Sequence[Mapping[str, bool]] | Protection,
    k: int,
    most_atoms: int | None = None,
) -> list[frozenset[int]]:
    """Every set of atoms (by index) of fewer than k respondents, an empty one included, that
    adding and subtracting the released cells (and the total) gives exactly, found by linear
    algebra over the rationals.

    Used by tests and benches to check ``protect``; exponential in the number of small atoms
    and meant for small polls only (``most_atoms`` bounds the groups tried).
    """
    from fractions import Fraction
    from itertools import combinations

    if isinstance(released, Protection):
        shown = released.released
    else:
        shown = tuple(frozenset(c for c, v in r.items() if v) for r in released)
    n = len(atoms)
    rows = [[Fraction(1)] * n]
    for d, cells in enumerate(shown):
        for cell in cells:
            rows.append([Fraction(1 if a.cells[d] == cell else 0) for a in atoms])
    basis = _row_reduce(rows)
    candidates = [i for i, a in enumerate(atoms) if a.respondents < k]
    found = []
    for size in range(1, min(k, (most_atoms or k - 1) + 1)):
        for group in combinations(candidates, size):
            if sum(atoms[i].respondents for i in group) >= k:
                continue
            vector = [Fraction(1 if i in group else 0) for i in range(n)]
            if _in_span(basis, vector):
                found.append(frozenset(group))
    return found


def _row_reduce(rows: list[list]) -> list[tuple[int, list]]:
    basis: list[tuple[int, list]] = []
    for row in rows:
        row = _reduce(basis, list(row))
        pivot = next((j for j, v in enumerate(row) if v != 0), None)
        if pivot is None:
            continue
        row = [v / row[pivot] for v in row]
        basis = [(p, [x - b[pivot] * y for x, y in zip(b, row, strict=True)]) for p, b in basis]
        basis.append((pivot, row))
    return basis


def _reduce(basis: list[tuple[int, list]], row: list) -> list:
    for pivot, b in basis:
        if row[pivot] != 0:
            factor = row[pivot]
            row = [x - factor * y for x, y in zip(row, b, strict=True)]
    return row


def _in_span(basis: list[tuple[int, list]], vector: list) -> bool:
    return all(v == 0 for v in _reduce(basis, vector))
