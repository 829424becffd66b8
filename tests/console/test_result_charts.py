"""The console's results page shows a chart per question with its alt text, a heatmap per
question for a breakdown (hidden groups marked, without numbers), and links to the report and
exports; the files come through the session, like the page."""

from __future__ import annotations

import html
import re

import httpx

from tests.conftest import OpenPoll, World
from tests.console.conftest import answer, login
from tests.console.test_results import add_placement

IMG = re.compile(r'<img src="([^"]+)" alt="([^"]*)"')


async def test_results_page_has_charts_with_alt_text_and_downloads(
    english: httpx.AsyncClient, world: World, open_poll: OpenPoll, without_noise: None
) -> None:
    client = english
    board = await add_placement(client, world, open_poll.id, "Bảng tin")
    zalo = await add_placement(client, world, open_poll.id, "Zalo OA")
    for code, n in ((open_poll.code, 6), (board, 2), (zalo, 5)):
        for _ in range(n):
            await answer(client, code, open_poll.answers())
    await login(client, "viewer")

    page = await client.get(f"/console/polls/{open_poll.id}/results")
    assert page.status_code == 200
    images = {src: html.unescape(alt) for src, alt in IMG.findall(page.text)}
    first = open_poll.questions[0]["id"]
    chart = f"/console/polls/{open_poll.id}/charts/{first}.svg"
    assert chart in images
    assert "Zalo: ≈ 13 (100%)" in images[chart]  # said to be perturbed, whole percents
    assert "n = 13" in images[chart]
    assert f"/console/polls/{open_poll.id}/charts/timeline.svg" in images
    text_question = open_poll.questions[4]["id"]
    assert f"/console/polls/{open_poll.id}/charts/{text_question}.svg" not in images
    for link in ("report.pdf", "export.xlsx?kind=summary", "export.csv?kind=responses"):
        assert f"/console/polls/{open_poll.id}/{link}" in page.text
    assert "@media print" in page.text

    svg = await client.get(chart)
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    report = await client.get(f"/console/polls/{open_poll.id}/report.pdf")
    assert report.status_code == 200
    assert report.content.startswith(b"%PDF")

    by_placement = await client.get(f"/console/polls/{open_poll.id}/results?by=placement")
    images = {src: html.unescape(alt) for src, alt in IMG.findall(by_placement.text)}
    heatmap = images[f"/console/polls/{open_poll.id}/charts/{first}.svg?by=placement"]
    assert "Bảng tin: hidden to protect a small group" in heatmap
    # Bảng tin (2) alone would be recoverable from the total: Zalo OA (5) is hidden with it
    assert "Zalo OA: hidden to protect a small group" in heatmap
    assert "Nhà ăn Khai thác 3 (n ≈ 6)" in heatmap
    assert "n = 2" not in heatmap
    assert "Hidden groups together (n ≈ 7)" in heatmap
    assert "Zalo OA (n" not in heatmap
    assert (
        await client.get(f"/console/polls/{open_poll.id}/charts/{first}.png?by=placement")
    ).status_code == 200


async def test_chart_files_need_a_session_and_the_subtree(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    url = f"/console/polls/{open_poll.id}/charts/timeline.svg"
    anonymous = await client.get(url, follow_redirects=False)
    assert anonymous.status_code in (302, 303, 401)
    await login(client, "outsider")
    assert (await client.get(url)).status_code == 404
    assert (await client.get(f"/console/polls/{open_poll.id}/export.csv")).status_code == 404
