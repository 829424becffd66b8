"""Trends through the API and the console: a question across the polls of a series, a poll
below its minimum group size only marked hidden, and only the series' polls the caller sees."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from polls.models import Principal
from polls.services import trends
from tests.api.test_results import make_scene
from tests.conftest import SAMPLE_POLL, World, add_placement, answer
from tests.console.conftest import login
from tests.console.test_result_charts import IMG

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
async def unlimited(make_client: Callable[..., Awaitable[httpx.AsyncClient]]) -> httpx.AsyncClient:
    return await make_client(rate_limit_per_device=0, rate_limit_per_ip=0)


async def _next_in_series(
    client: httpx.AsyncClient, world: World, poll_id: int, times: int, **changes: Any
) -> dict[str, Any]:
    """Duplicate the poll (same series), change it, open it and take ``times`` answers."""
    officer = world.auth("officer")
    copy = (await client.post(f"/api/v1/polls/{poll_id}/duplicate", headers=officer)).json()
    if changes:
        changed = await client.patch(f"/api/v1/polls/{copy['id']}", json=changes, headers=officer)
        assert changed.status_code == 200, changed.text
        copy = changed.json()
    code = (await add_placement(client, world, copy["id"], "Bảng tin"))["code"]
    opened = await client.post(f"/api/v1/polls/{copy['id']}/open", headers=officer)
    assert opened.status_code == 200, opened.text
    q = copy["questions"]
    for _ in range(times):
        sent = await answer(
            client,
            code,
            {
                str(q[0]["id"]): q[0]["options"][1]["id"],
                str(q[1]["id"]): [q[1]["options"][0]["id"]],
                str(q[2]["id"]): 3,
                str(q[3]["id"]): False,
            },
        )
        assert sent.status_code == 201, sent.text
    return copy


@pytest.fixture
async def series(unlimited: httpx.AsyncClient, world: World) -> list[dict[str, Any]]:
    """Four polls of one series: 10 answers, 3 (hidden), 6 with the first question's options
    changed, and 7."""
    scene = await make_scene(unlimited, world, {"A": None})
    await scene.respond("A", 10)
    first = scene.poll
    small = await _next_in_series(unlimited, world, first["id"], 3)
    questions = [dict(q) for q in SAMPLE_POLL["questions"]]  # type: ignore[union-attr]
    questions[0] = {**questions[0], "options": ["Zalo", "Facebook", "Loa"]}
    changed = await _next_in_series(unlimited, world, first["id"], 6, questions=questions)
    last = await _next_in_series(unlimited, world, first["id"], 7)
    return [first, small, changed, last]


async def test_the_trend_service_hides_the_small_poll_and_skips_the_changed_one(
    series: list[dict[str, Any]], world: World, without_noise: None
) -> None:
    viewer: Principal = world.principals["viewer"]
    trend = await trends.trend(viewer, series[0]["series"], 1)
    assert [p.poll_id for p in trend.points] == [p["id"] for p in series]
    assert [p.status for p in trend.points] == ["shown", "hidden", "differs", "shown"]
    assert trend.points[0].shares == (1.0, 0.0, 0.0)
    assert trend.points[3].shares == (0.0, 1.0, 0.0)
    assert trend.points[3].responses == 7
    assert trend.points[1].responses is None
    assert trend.points[1].shares is None
    yes_no = await trends.trend(viewer, series[0]["series"], 4)
    assert [p.status for p in yes_no.points] == ["shown", "hidden", "shown", "shown"]
    assert yes_no.points[2].shares == (0.0, 1.0)


async def test_the_trend_chart_through_the_api(
    unlimited: httpx.AsyncClient, series: list[dict[str, Any]], world: World
) -> None:
    url = f"/api/v1/series/{series[0]['series']}/trend"
    for lang in ("vi", "en"):
        png = await unlimited.get(f"{url}/1.png?lang={lang}", headers=world.auth("viewer"))
        assert png.status_code == 200, png.text
        assert png.headers["content-type"] == "image/png"
        assert png.content.startswith(PNG)
    svg = await unlimited.get(f"{url}/3.svg", headers=world.auth("viewer"))
    assert svg.status_code == 200
    assert b"<svg" in svg.content
    for name in ("5.png", "0.png", "9.png", "1.gif", "x.png"):  # 5 is free text
        missing = await unlimited.get(f"{url}/{name}", headers=world.auth("viewer"))
        assert missing.status_code == 404, name
    unknown = await unlimited.get(
        "/api/v1/series/ffffffffffffffff/trend/1.png", headers=world.auth("viewer")
    )
    assert unknown.status_code == 404
    odd = await unlimited.get("/api/v1/series/..%2Fx/trend/1.png", headers=world.auth("viewer"))
    assert odd.status_code == 404
    outsider = await unlimited.get(f"{url}/1.png", headers=world.auth("outsider"))
    assert outsider.status_code == 404
    assert (await unlimited.get(f"{url}/1.png")).status_code == 401


async def test_a_draft_in_the_series_is_not_a_point(
    unlimited: httpx.AsyncClient, series: list[dict[str, Any]], world: World
) -> None:
    await unlimited.post(
        f"/api/v1/polls/{series[0]['id']}/duplicate", headers=world.auth("officer")
    )
    trend = await trends.trend(world.principals["viewer"], series[0]["series"], 1)
    assert len(trend.points) == 4


async def test_the_results_page_shows_a_trend_per_question(
    unlimited: httpx.AsyncClient, series: list[dict[str, Any]], world: World, without_noise: None
) -> None:
    client = unlimited
    client.headers["accept-language"] = "en"
    last = series[-1]["id"]
    await login(client, "viewer")
    page = await client.get(f"/console/polls/{last}/results")
    assert page.status_code == 200
    images = {src: html.unescape(alt) for src, alt in IMG.findall(page.text)}
    trend = images[f"/console/polls/{last}/trends/1.svg"]
    assert trend.startswith("Trend across the polls of the series: Kênh nhanh nhất?")
    assert "hidden: fewer than 5 responses" in trend
    assert "the question was asked differently" in trend
    assert "(n = 7): Zalo 0%, Bảng tin 100%, Loa 0%" in trend
    assert "n = 3" not in trend
    assert f"/console/polls/{last}/trends/5.svg" not in images  # free text
    chart = await client.get(f"/console/polls/{last}/trends/1.svg")
    assert chart.status_code == 200
    assert chart.headers["content-type"].startswith("image/svg+xml")
    # a poll alone in its series has no trend
    alone = await make_scene(client, world, {"A": None})
    await alone.respond("A", 5)
    page = await client.get(f"/console/polls/{alone.poll['id']}/results")
    assert "/trends/" not in page.text
