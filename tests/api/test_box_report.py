"""The question box's numbers as the unit's PDF report (issue 15), through the API and the
console: the numbers read back from the PDF are the numbers page's, a hidden group prints in
the poll results' words ("hidden to protect a small group", true of a large group hidden
for a small neighbour's sake too) and never as its count, no question's text is in it,
both languages, and who may read which unit's report."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from polls.i18n import number, percent, using_locale
from polls.services import question_box as box
from tests.conftest import SECRET, World
from tests.console.conftest import login
from tests.tools import require

SAFETY = "Ca ba ở lò chợ 5 không có nước uống, đề nghị công đoàn kiểm tra số {n}."
MEALS = "Suất ăn ca đêm ở phân xưởng Cơ điện còn thiếu rau, lần {n}."


def pdf_text(content: bytes, tmp_path: Path) -> str:
    require("pdftotext")
    path = tmp_path / "box.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


@pytest.fixture
async def asked(world: World) -> datetime:
    """Seven safety questions in KT3 (five replied after two hours, two not) and two meals
    questions in Cơ điện (a small group), all asked 60 hours ago."""
    moment = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=60)
    for n in range(7):
        await box.ask("mk-kt3", "safety", SAFETY.format(n=n), secret=SECRET, now=moment)
    for n in range(2):
        await box.ask("mk-cd", "meals", MEALS.format(n=n), secret=SECRET, now=moment)
    items = await box.queue(world.principals["admin"], now=moment, sort="topic")
    safety = [i for i in items if i.topic == "safety"]
    for item in safety[:5]:
        await box.reply(
            world.principals["officer"], item.id, "Đã kiểm tra.", now=moment + timedelta(hours=2)
        )
    return moment


HIDDEN_VI = "ẩn để bảo vệ một nhóm nhỏ"


def line_of(text: str, label: str) -> str:
    [line] = [row for row in text.splitlines() if label in row]
    return line


async def test_the_api_report_reads_back_the_numbers_in_vietnamese(
    client: httpx.AsyncClient, world: World, asked: datetime, tmp_path: Path
) -> None:
    got = await client.get("/api/v1/box/numbers.pdf", headers=world.auth("viewer"))
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == "application/pdf"
    assert got.content.startswith(b"%PDF")
    assert "attachment" in got.headers["content-disposition"]
    text = pdf_text(got.content, tmp_path)
    shown = await box.leadership_numbers(world.principals["viewer"], now=datetime.now(UTC))
    [month] = shown.months
    assert month.total == 9
    with using_locale("vi"):
        row = line_of(text, f"{month.month}   ")
        assert number(9) in row.split()
        assert "2 giờ" in row
        assert month.within_due is not None
        assert percent(month.within_due) in row
        assert percent(5 / 9) in row
    assert "Công đoàn Than – Khoáng sản Việt Nam" in text
    assert "Trang 1/" in text
    assert "Số liệu hộp thư hỏi đáp" in text
    # Cơ điện's two meals questions are a small group: shown as hidden, never as "2"
    meals = line_of(text, "Bữa ăn, nhà ở")
    assert HIDDEN_VI in meals
    assert not re.search(r"\b2\b", meals)
    assert HIDDEN_VI in line_of(text, "Phân xưởng Cơ điện")
    for n in range(7):
        assert SAFETY.format(n=n)[:30] not in text
    assert MEALS.format(n=0)[:30] not in text
    assert "Đã kiểm tra" not in text


async def test_a_large_group_hidden_for_a_small_ones_sake_is_not_called_small(
    client: httpx.AsyncClient, world: World, asked: datetime, tmp_path: Path
) -> None:
    """Seven safety questions in KT3, shown beside the month's nine, would give Cơ điện's
    two meals questions by subtraction: they are hidden too, and their label must be true
    of seven (the page's, the PDF's and the chart's one wording, never "under 5")."""
    shown = await box.leadership_numbers(world.principals["viewer"], now=datetime.now(UTC))
    [month] = shown.months
    assert month.total == 9
    assert month.topics["safety"] is None  # seven, hidden for the two's sake
    got = await client.get("/api/v1/box/numbers.pdf", headers=world.auth("viewer"))
    text = pdf_text(got.content, tmp_path)
    for label in ("An toàn", "Phân xưởng Khai thác 3"):
        line = line_of(text, label)
        assert HIDDEN_VI in line, line
        assert "dưới" not in line, line
        assert not re.search(r"\b7\b", line), line
    await login(client, "mk-viewer")
    page = await client.get("/console/hoi/so-lieu")
    assert page.status_code == 200
    labels = re.findall(r'<span class="suppressed">([^<]*)</span>', page.text)
    assert labels == [HIDDEN_VI] * 4  # two topics and two units, each in the true words


async def test_the_console_report_in_english_and_its_link(
    client: httpx.AsyncClient, world: World, asked: datetime, tmp_path: Path
) -> None:
    await login(client, "mk-viewer")
    client.headers["accept-language"] = "en"
    page = await client.get("/console/hoi/so-lieu")
    assert 'href="/console/hoi/so-lieu.pdf"' in page.text
    got = await client.get("/console/hoi/so-lieu.pdf")
    assert got.status_code == 200
    text = pdf_text(got.content, tmp_path)
    assert "Công đoàn Công ty Than Mạo Khê" in text
    assert "Page 1 of" in text
    assert "Median time" in text
    assert "2 hours" in text
    assert "hidden to protect a small group" in line_of(text, "Meals and housing")
    assert SAFETY.format(n=0)[:30] not in text


async def test_a_unit_of_the_subtree_and_one_outside_it(
    client: httpx.AsyncClient, world: World, asked: datetime, tmp_path: Path
) -> None:
    kt3 = await client.get(
        "/api/v1/box/numbers.pdf", params={"unit": "mk-kt3"}, headers=world.auth("officer")
    )
    assert kt3.status_code == 200
    text = pdf_text(kt3.content, tmp_path)
    assert "Phân xưởng Khai thác 3" in text
    assert "Phân xưởng Cơ điện" not in text  # its questions are not in KT3's report
    for who, slug in (("outsider", "than-mao-khe"), ("outsider", "mk-kt3"), ("officer", "cdtkv")):
        refused = await client.get(
            "/api/v1/box/numbers.pdf", params={"unit": slug}, headers=world.auth(who)
        )
        assert refused.status_code == 404, (who, slug)
        assert b"%PDF" not in refused.content
    for bad in ("KHONG", "x" * 300, "mk kt3"):
        sent = await client.get(
            "/api/v1/box/numbers.pdf", params={"unit": bad}, headers=world.auth("admin")
        )
        assert sent.status_code == 404
    own = await client.get("/api/v1/box/numbers.pdf", headers=world.auth("outsider"))
    assert own.status_code == 200
    outside = pdf_text(own.content, tmp_path)
    assert "Công đoàn Công ty Than Hà Lầm" in outside
    assert "Khai thác 3" not in outside
    assert "Mạo Khê" not in outside
    anonymous = await client.get("/api/v1/box/numbers.pdf")
    assert anonymous.status_code == 401


async def test_the_console_refuses_a_unit_outside_and_the_anonymous(
    client: httpx.AsyncClient, world: World, asked: datetime
) -> None:
    anonymous = await client.get("/console/hoi/so-lieu.pdf", follow_redirects=False)
    assert anonymous.status_code == 302
    assert anonymous.headers["location"] == "/console/login"
    await login(client, "outsider")
    assert (await client.get("/console/hoi/so-lieu.pdf?unit=mk-kt3")).status_code == 404
    assert (await client.get("/console/hoi/so-lieu.pdf")).status_code == 200
