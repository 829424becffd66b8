"""Ids in paths and queries are read by one strict parser (``polls.inputs.row_id``): what is
not plain ASCII digits of a 32-bit id is a 404 like an id that is not there, never another
poll (Python's ``int()`` reads ``"٣"`` as 3) and never a server error."""

from __future__ import annotations

import httpx
import pytest

from polls import inputs
from polls.api.guards import SERIAL_MAX, PathId, decode_path_id
from polls.errors import NotFound
from tests.conftest import OpenPoll, World

ODD_IDS = [
    "--5",
    "-1",
    "0",
    "%D9%A3",
    "%C2%B2",
    "1_0",
    "%201",
    "1%20",
    "1.0",
    "1e3",
    "0x1",
    "01",
    "+1",
    "2147483648",
    "9" * 40,
    "%EF%BC%91",
]


@pytest.mark.parametrize("odd", ODD_IDS)
async def test_an_odd_poll_id_is_404_in_the_api_and_the_console(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll, odd: str
) -> None:
    for path in (
        f"/api/v1/polls/{odd}",
        f"/api/v1/polls/{odd}/results",
        f"/api/v1/placements/{odd}",
    ):
        got = await client.get(path, headers=world.auth("admin"))
        assert got.status_code == 404, (path, got.status_code, got.text[:200])
        assert got.json()["detail"]


async def test_the_same_id_in_plain_digits_is_found(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    got = await client.get(f"/api/v1/polls/{open_poll.id}", headers=world.auth("admin"))
    assert got.status_code == 200
    # the Arabic-Indic digits of the same number name no poll
    arabic = "".join(chr(0x660 + int(d)) for d in str(open_poll.id))
    got = await client.get(f"/api/v1/polls/{arabic}", headers=world.auth("admin"))
    assert got.status_code == 404


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5", 5),
        (5, 5),
        (2**63 - 1, 2**63 - 1),
        ("9223372036854775807", 2**63 - 1),
        ("9223372036854775808", None),
        ("0", None),
        ("-5", None),
        ("05", None),
        (" 5", None),
        ("٣", None),
        ("²", None),
        ("1_000", None),
        (True, None),
        (5.0, None),
        ("5\n", None),
    ],
)
def test_row_ids(value: object, expected: int | None) -> None:
    assert inputs.row_id(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5", 5),
        ("-5", -5),
        (" 5\t", 5),
        (7, 7),
        ("--5", None),
        ("٣", None),
        ("²", None),
        ("1_000", None),
        ("5.0", None),
        ("1e3", None),
        ("\u00a05", None),
        ("5\n", None),
        ("", None),
        (True, None),
        (None, None),
        ("9" * 19, None),
    ],
)
def test_decimal_integers(value: object, expected: int | None) -> None:
    assert inputs.decimal(value) == expected


def test_the_largest_row_id_is_read_and_one_more_is_not_found() -> None:
    """A 32-bit serial's last id can name a row, so the path takes it; the next is refused
    before any query, with the page's own message."""
    assert decode_path_id(PathId, str(SERIAL_MAX)) == SERIAL_MAX
    with pytest.raises(NotFound) as refused:
        decode_path_id(PathId, str(SERIAL_MAX + 1))
    assert refused.value.message == "This page does not exist."
