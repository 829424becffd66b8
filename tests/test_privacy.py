"""The anonymity rules of ``polls.privacy`` as pure functions: keys, time, suppression."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from polls import privacy
from polls.privacy import Suppression, suppress

SECRET = "s" * 32


# --- keys ---------------------------------------------------------------------------------


def test_duplicate_keys_differ_per_poll_subject_and_secret() -> None:
    key = privacy.duplicate_key(SECRET, 1, "device-a")
    assert key == privacy.duplicate_key(SECRET, 1, "device-a")
    assert (
        len(
            {
                key,
                privacy.duplicate_key(SECRET, 2, "device-a"),
                privacy.duplicate_key(SECRET, 1, "device-b"),
                privacy.duplicate_key("t" * 32, 1, "device-a"),
            }
        )
        == 4
    )
    assert "device-a" not in key
    assert len(key) == 64


def test_poll_and_subject_cannot_be_shifted_into_each_other() -> None:
    """(poll 1, subject "2:x") and (poll 12, subject ":x") must not collide."""
    assert privacy.duplicate_key(SECRET, 1, "2:x") != privacy.duplicate_key(SECRET, 12, ":x")


def test_idempotency_and_duplicate_keys_never_coincide() -> None:
    assert privacy.idempotency_key(SECRET, 1, "abc") != privacy.duplicate_key(SECRET, 1, "abc")
    assert privacy.idempotency_key(SECRET, 1, "abc") != privacy.idempotency_key(SECRET, 2, "abc")


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        (privacy.new_device_token(SECRET), True),
        (privacy.sign_device_token(SECRET, "a" * 16), True),
        (privacy.sign_device_token(SECRET, "a" * 64), True),
        (privacy.sign_device_token(SECRET, "a" * 15), False),
        (privacy.sign_device_token("another-secret-" + "y" * 20, "a" * 16), False),
        ("b" * 16 + "." + "A" * 22, False),
        ("a" * 16, False),
        ("a" * 16 + ".", False),
        ("a" * 15, False),
        ("a" * 65, False),
        ("", False),
        (None, False),
        ("abc def ghi jkl mno", False),
        ("<script>alert(1)</script>", False),
        ("abcdefghijklmnop;x=1", False),
    ],
)
def test_device_tokens_are_checked_before_use(value: str | None, valid: bool) -> None:
    """Only a token this server signed counts as a device; its nonce is the device."""
    assert privacy.is_device_token(value, SECRET) is valid


def test_a_device_is_its_nonce_so_an_earlier_unsigned_cookie_keeps_its_identity() -> None:
    token = privacy.sign_device_token(SECRET, "a" * 22)
    assert privacy.device_subject(token) == "a" * 22
    assert privacy.is_device_nonce("a" * 22)
    assert not privacy.is_device_nonce("a" * 22 + ".x")


def test_row_ids_are_random_63_bit_numbers() -> None:
    ids = [privacy.new_row_id() for _ in range(2000)]
    assert len(set(ids)) == 2000
    assert all(0 < i < 2**63 for i in ids)
    assert max(ids) > 2**62  # spread over the whole range, not a counter
    assert ids != sorted(ids)


# --- time ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 26, 7, 59, 59, 999_999, tzinfo=UTC),
        datetime(2026, 11, 26, 14, 30, 5, tzinfo=timezone(timedelta(hours=7))),
        datetime(2026, 11, 26, 0, 0, 0, tzinfo=UTC),
        datetime(2026, 11, 26, 5, 45, tzinfo=timezone(timedelta(hours=5, minutes=45))),
    ],
)
def test_time_is_coarsened_to_the_utc_hour(moment: datetime) -> None:
    hour = privacy.coarsen_to_hour(moment)
    assert (hour.minute, hour.second, hour.microsecond) == (0, 0, 0)
    assert hour.utcoffset() == timedelta(0)
    assert timedelta(0) <= moment - hour < timedelta(hours=1)


@pytest.mark.parametrize(
    ("responses", "k", "visible"), [(0, 5, False), (4, 5, False), (5, 5, True), (9, 10, False)]
)
def test_text_answers_wait_for_the_minimum_group(responses: int, k: int, visible: bool) -> None:
    assert privacy.text_answers_visible(responses, k) is visible


# --- suppression --------------------------------------------------------------------------


def _shown(result: Suppression[str]) -> set[str]:
    return {s.key for s in result.segments if s.shown}


def _merged(result: Suppression[str]) -> set[str]:
    return {s.key for s in result.segments if s.merged}


@pytest.mark.parametrize(
    ("counts", "k", "shown", "other"),
    [
        pytest.param([("a", 10), ("b", 8)], 5, {"a", "b"}, (), id="all large"),
        pytest.param(
            [("a", 10), ("b", 3), ("c", 2), ("d", 0)],
            5,
            {"a", "d"},
            ("b", "c"),
            id="small ones merge",
        ),
        pytest.param(
            [("a", 10), ("b", 6), ("c", 3)], 5, {"a"}, (), id="one small hides the smallest other"
        ),
        pytest.param(
            [("a", 10), ("b", 2), ("c", 1)], 5, set(), (), id="small ones under k hide one more"
        ),
        pytest.param([("a", 3)], 5, set(), (), id="a lone small group"),
        pytest.param([("a", 3), ("b", 0)], 5, {"b"}, (), id="empty segments stay shown"),
        pytest.param([("a", 0), ("b", 0)], 5, {"a", "b"}, (), id="nothing at all"),
        pytest.param([], 5, set(), (), id="no segments"),
        pytest.param([("a", 5), ("b", 5)], 5, {"a", "b"}, (), id="exactly k is shown"),
        pytest.param(
            [("a", 4), ("b", 4), ("c", 4)], 5, set(), ("a", "b", "c"), id="all small merge"
        ),
        pytest.param(
            [("a", 20), ("b", 7), ("c", 6), ("d", 1)],
            5,
            {"a", "b"},
            (),
            id="hides the smallest shown",
        ),
        pytest.param([("a", 2), ("b", 1)], 1, {"a", "b"}, (), id="k of one hides nothing"),
    ],
)
def test_suppression_cases(
    counts: list[tuple[str, int]], k: int, shown: set[str], other: tuple[str, ...]
) -> None:
    result = suppress(counts, k)
    assert [s.key for s in result.segments] == [key for key, _ in counts]
    assert _shown(result) == set(shown)
    assert result.other == other
    assert _merged(result) == set(other)


def _check_suppression_rules(counts: list[tuple[str, int]], k: int) -> None:
    result = suppress(counts, k)
    sizes = dict(counts)
    shown, merged = _shown(result), _merged(result)
    hidden = {key for key in sizes if key not in shown and key not in merged}
    total = sum(sizes.values())

    assert [s.key for s in result.segments] == [key for key, _ in counts]
    # no shown group is small
    assert all(sizes[key] == 0 or sizes[key] >= k for key in shown), (counts, k)
    # a merged "other" group is big enough and holds at least two small groups
    if merged:
        assert set(result.other) == merged
        assert len(merged) >= 2
        assert sum(sizes[key] for key in merged) >= k
        assert all(0 < sizes[key] < k for key in merged)
        assert not hidden, "merging already protects the small groups"
    # what is hidden cannot be derived by subtracting shown groups from the total: it is
    # nothing, or at least k together, or everything (when the total itself is under k)
    hidden_total = sum(sizes[key] for key in hidden)
    assert hidden_total == 0 or hidden_total >= k or hidden_total == total, (counts, k)
    # a single hidden group with people in it could be derived from the total
    assert len([key for key in hidden if sizes[key] > 0]) != 1 or hidden_total == total, (counts, k)
    # nothing is hidden without need
    if all(n == 0 or n >= k for n in sizes.values()):
        assert not hidden
        assert not merged


def test_suppression_rules_hold_for_many_random_breakdowns() -> None:
    rng = random.Random(20261126)
    for _ in range(5000):
        k = rng.randint(2, 10)
        segments = rng.randint(1, 9)
        counts = [
            (f"s{i}", rng.choice([0, rng.randint(1, k), rng.randint(1, 4 * k)]))
            for i in range(segments)
        ]
        _check_suppression_rules(counts, k)


def test_suppression_rules_hold_for_every_small_breakdown() -> None:
    """Exhaustive over up to four segments of 0-7 respondents with k = 5."""
    sizes = range(8)
    for a in sizes:
        for b in sizes:
            for c in sizes:
                for d in sizes:
                    for width in (2, 3, 4):
                        _check_suppression_rules(
                            list(zip("abcd", (a, b, c, d), strict=True))[:width], 5
                        )
