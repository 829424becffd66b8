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
difference of two released cells is never exact. Pages say "≈" and round percents to whole
numbers.

**Free text and rows.** A text answer names its author more than any choice, so a question's
texts are released only from ``text_threshold`` answers to it (10, never below ``2k - 1``),
sorted (``text_order``: never in the order they came), with no segment or time beside
them. The per-response export is made only after the poll closed, from
``export_threshold`` respondents, with no free text and segments only in classes of
``export_threshold`` rows.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

NOISE_RATIO = 3
"""Noise ratio of the two-sided geometric distribution: P(noise = z) ∝ (1/3)^|z|."""
RELEASE_SHARE = 0.10
"""A release waits for this share of the released total (and at least k) new respondents."""
MIN_TEXT_ANSWERS = 10
MIN_VISITS_FOR_RATE = 10
"""Visits of a placement (and so its conversion) are released only from this many."""
SALT_BYTES = 16


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
    placement is kept before a unit before a channel. Only *which* cells are shown depends
    on this choice; that no small group can be derived does not (see the module doc).
    """
    k = max(1, min_group_size)
    dimensions = len(weights) if weights else len(atoms[0].cells) if atoms else 0
    weight = list(weights or [1] * dimensions)
    total = sum(a.respondents for a in atoms)
    if total < k:
        return Protection((), tuple(frozenset() for _ in range(dimensions)), ())
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
