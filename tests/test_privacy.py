"""The anonymity rules of ``polls.privacy`` as pure functions: keys and time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest

from polls import privacy

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


@pytest.mark.parametrize(
    "draw",
    [lambda: [privacy.new_row_id() for _ in range(2000)], lambda: privacy.new_row_ids(2000)],
    ids=["one at a time", "a submission's batch"],
)
def test_row_ids_are_random_63_bit_numbers(draw: Callable[[], list[int]]) -> None:
    ids = draw()
    assert len(ids) == len(set(ids)) == 2000
    assert all(0 < i < 2**63 for i in ids)
    assert max(ids) > 2**62  # spread over the whole range, not a counter
    assert ids != sorted(ids)
    assert min(ids) < 2**61  # and low bits too: no byte of the draw lost or fixed


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


def test_a_responses_answer_ids_are_one_random_block_and_its_own_id_is_apart() -> None:
    drawn = [privacy.new_response_ids(6) for _ in range(2000)]
    blocks = [answers[0] >> privacy.ANSWER_BLOCK_BITS for _, answers in drawn]
    for response_id, answers in drawn:
        assert 0 < response_id < 2**63
        assert answers == list(range(answers[0], answers[0] + 6))
        assert answers[0] % privacy.ANSWER_BLOCK == 1  # never 0, never past the block
        assert 0 < answers[-1] < 2**63
    assert len(set(blocks)) == 2000
    assert max(blocks) > 2 ** (62 - privacy.ANSWER_BLOCK_BITS)  # spread, not a counter
    assert blocks != sorted(blocks)
    assert len({r for r, _ in drawn} | {a for _, ids in drawn for a in ids}) == 2000 * 7


def test_an_answer_block_holds_the_largest_response_a_poll_can_have() -> None:
    from polls.services.polls import MAX_OPTIONS, MAX_QUESTIONS

    largest = MAX_QUESTIONS * (MAX_OPTIONS + 1)  # every option of every question, and "other"
    ids = privacy.new_answer_ids(largest)
    assert len(set(ids)) == largest
    assert len({i >> privacy.ANSWER_BLOCK_BITS for i in ids}) == 1
    with pytest.raises(ValueError, match="do not fit"):
        privacy.new_answer_ids(privacy.ANSWER_BLOCK)
