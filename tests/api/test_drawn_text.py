"""Officer text is drawn as typed in every chart and in the PDF report: matplotlib would read
text between two ``$`` as math, so "$5 or $10" came out as italic math and a ``$\\frac`` broke
every chart and the report of its poll."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from tests.api.test_result_files import PNG, pdf_text
from tests.api.test_results import make_scene
from tests.conftest import World

TITLE = "Thưởng $5 or $10 mỗi ca?"
BROKEN = r"Tỷ lệ $\frac{1}{2 ca"
MATH = r"$\sqrt{x}$ lương"


@pytest.fixture
async def unlimited(make_client: Callable[..., Awaitable[httpx.AsyncClient]]) -> httpx.AsyncClient:
    return await make_client(rate_limit_per_device=0, rate_limit_per_ip=0)


async def test_dollars_and_math_are_drawn_as_typed(
    unlimited: httpx.AsyncClient, world: World, tmp_path: Path
) -> None:
    questions = [
        {"kind": "single", "text": BROKEN, "options": ["$5 or $10", MATH, "Zalo"]},
        {"kind": "multi", "text": "$a$ $b$", "options": ["$x^2$", "Bảng tin", "Loa"]},
        {"kind": "scale", "text": "Mức?", "min": 1, "max": 5, "min_label": "$\\frac"},
        {"kind": "yes_no", "text": "$$"},
        {"kind": "text", "text": "Góp ý", "required": False},
    ]
    scene = await make_scene(
        unlimited, world, {"$Nhà ăn$": None}, title=TITLE, questions=questions, min_group_size=3
    )
    await scene.respond("$Nhà ăn$", 4)
    headers = scene.world.auth("viewer")
    base = f"/api/v1/polls/{scene.poll['id']}"
    for question in scene.questions[:4]:
        for fmt in ("png", "svg"):
            chart = await scene.client.get(f"{base}/charts/{question['id']}.{fmt}", headers=headers)
            assert chart.status_code == 200, (question["text"], chart.text[:200])
        assert chart.content.lstrip().startswith(b"<?xml")
    png = await scene.client.get(f"{base}/charts/timeline.png", headers=headers)
    assert png.status_code == 200
    assert png.content.startswith(PNG)
    heatmap = await scene.client.get(
        f"{base}/charts/{scene.questions[0]['id']}.png", params={"by": "placement"}, headers=headers
    )
    assert heatmap.status_code == 200
    report = await scene.client.get(f"{base}/report.pdf", headers=headers)
    assert report.status_code == 200, report.text[:300]
    text = pdf_text(report.content, tmp_path)
    assert TITLE in text
    assert "$5 or $10" in text
    assert BROKEN in text
    assert MATH in text
