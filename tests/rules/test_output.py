"""Rule: percents are rounded to the nearest whole percent, never truncated, wherever they
are shown (pages, the JSON API, exports, charts and reports through ``i18n.percent``). None
of the other tests' expected percents needs rounding (they are multiples of 20); these do."""

from __future__ import annotations

import httpx
import pytest

from polls import i18n
from tests.conftest import OpenPoll, World, answer_as_new_device
from tests.console.conftest import login
from tests.spreadsheets import csv_dicts


@pytest.mark.parametrize(
    ("fraction", "vi", "en"),
    [
        (2 / 3, "67 %", "67%"),
        (1 / 3, "33 %", "33%"),
        (0.996, "100 %", "100%"),
        (0.129, "13 %", "13%"),
    ],
)
def test_percents_are_rounded_not_truncated(fraction: float, vi: str, en: str) -> None:
    with i18n.using_locale("vi"):
        assert i18n.percent(fraction).replace("\xa0", " ") == vi
    with i18n.using_locale("en"):
        assert i18n.percent(fraction) == en


async def test_released_percents_are_rounded_in_the_api_the_export_and_the_page(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll, without_noise: None
) -> None:
    q = open_poll.questions[0]
    for i in range(6):  # two thirds Zalo, one third Bảng tin
        given = {**open_poll.answers(), str(q["id"]): q["options"][0 if i % 3 else 1]["id"]}
        sent = await answer_as_new_device(client, open_poll.code, given)
        assert sent.status_code == 201, sent.text
    got = await client.get(f"/api/v1/polls/{open_poll.id}/results", headers=world.auth("officer"))
    shares = {o["label"]: o["percent"] for o in got.json()["questions"][0]["options"]}
    # 6 answers carry a percent to the nearest 10 (disclosure.released_share): 4 of 6 is
    # 66.7 %, rounded 70; truncated it would be 60
    assert shares == {"Zalo": 70, "Bảng tin": 30, "Loa": 0}
    export = await client.get(
        f"/api/v1/polls/{open_poll.id}/export.csv",
        params={"kind": "summary"},
        headers={**world.auth("officer"), "Accept-Language": "en"},
    )
    rows = csv_dicts(export.content)
    zalo = [r for r in rows if r["Answer"] == "Zalo" and r["Question"].startswith("1.")]
    assert zalo
    assert zalo[0]["Percent"] == "70"
    await login(client, "officer")
    page = await client.get(f"/console/polls/{open_poll.id}/results")
    text = page.text.replace("\xa0", " ").replace("&nbsp;", " ")
    assert "70 %" in text
    assert "30 %" in text
    assert "60 %" not in text
