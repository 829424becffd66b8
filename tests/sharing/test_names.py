"""Downloads are named after their poll or placement, in plain ASCII."""

from __future__ import annotations

import httpx

from polls.sharing.names import ascii_slug, file_name
from tests.conftest import OpenPoll, World


def test_vietnamese_labels_become_ascii_slugs() -> None:
    assert ascii_slug("Nhà ăn PX3") == "nha-an-px3"
    assert ascii_slug("Đường lò số 1 – Công đoàn") == "duong-lo-so-1-cong-doan"
    assert ascii_slug("  ?!  ") == ""
    assert len(ascii_slug("Bảng tin " * 30)) <= 60
    assert not ascii_slug("Bảng tin " * 30).endswith("-")
    assert file_name("poster", "Nhà ăn PX3", "pdf") == "poster-nha-an-px3.pdf"
    assert file_name("poster", "食堂", "pdf", fallback="7") == "poster-7.pdf"


async def test_poster_and_report_downloads_carry_the_names(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    auth = world.auth("officer")
    placements = await client.get(f"/api/v1/polls/{open_poll.id}/placements", headers=auth)
    placement_id = placements.json()[0]["id"]
    poster = await client.get(f"/api/v1/placements/{placement_id}/poster.pdf", headers=auth)
    assert poster.status_code == 200
    assert (
        poster.headers["content-disposition"]
        == 'attachment; filename="poster-nha-an-khai-thac-3.pdf"'
    )
    summary = await client.get(f"/api/v1/polls/{open_poll.id}/export.csv", headers=auth)
    assert summary.headers["content-disposition"] == (
        'attachment; filename="summary-ban-nhan-thong-tin-cong-doan-qua-kenh-nao.csv"'
    )
