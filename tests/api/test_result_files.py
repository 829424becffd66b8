"""Results as files through the API: charts, the PDF report and exports, in the viewer's
language, matching the results JSON, with small groups hidden in every one of them."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import numpy
import pytest
from openpyxl import load_workbook
from PIL import Image

from polls.analytics.report import paginate
from tests.api.test_results import Scene, make_scene
from tests.conftest import SAMPLE_POLL, World
from tests.spreadsheets import csv_rows
from tests.tools import require

PNG = b"\x89PNG\r\n\x1a\n"
HIDDEN_VI = "ẩn để bảo vệ một nhóm nhỏ"


@pytest.fixture
async def unlimited(make_client: Callable[..., Awaitable[httpx.AsyncClient]]) -> httpx.AsyncClient:
    return await make_client(rate_limit_per_device=0, rate_limit_per_ip=0)


@pytest.fixture
async def scene(unlimited: httpx.AsyncClient, world: World, without_noise: None) -> Scene:
    """A 10, B 6, C 3: C is a small group alone, so B is hidden with it."""
    scene = await make_scene(unlimited, world, {"A": None, "B": None, "C": None})
    await scene.respond("A", 10)
    await scene.respond("B", 6, single=1, yes=False)
    await scene.respond("C", 3, single=2, text="Ý kiến của C")
    return scene


async def fetch(scene: Scene, path: str, expected: int = 200, **params: Any) -> httpx.Response:
    got = await scene.client.get(
        f"/api/v1/polls/{scene.poll['id']}/{path}",
        params=params,
        headers=scene.world.auth("viewer"),
    )
    assert got.status_code == expected, got.text
    return got


def pdf_text(content: bytes, tmp_path: Path) -> str:
    require("pdftotext")
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


async def test_charts_of_every_kind_and_the_timeline(scene: Scene) -> None:
    for question in scene.questions[:4]:
        png = await fetch(scene, f"charts/{question['id']}.png")
        assert png.headers["content-type"] == "image/png"
        assert png.content.startswith(PNG)
        svg = await fetch(scene, f"charts/{question['id']}.svg", by="placement")
        assert svg.headers["content-type"].startswith("image/svg+xml")
        assert b"<svg" in svg.content
    timeline = await fetch(scene, "charts/timeline.png", lang="en")
    assert timeline.content.startswith(PNG)


@pytest.mark.parametrize(
    ("name", "params"),
    [("text", {}), ("9999.png", {}), ("1.gif", {}), ("timeline.pdf", {})],
)
async def test_what_is_not_a_chart_is_404(scene: Scene, name: str, params: dict) -> None:
    if name == "text":
        name = f"{scene.questions[4]['id']}.png"
    got = await scene.client.get(
        f"/api/v1/polls/{scene.poll['id']}/charts/{name}", headers=scene.world.auth("viewer")
    )
    assert got.status_code == 404, got.text
    assert got.json()["detail"]


async def test_a_bad_breakdown_is_a_clear_400(scene: Scene) -> None:
    got = await scene.client.get(
        f"/api/v1/polls/{scene.poll['id']}/charts/{scene.questions[0]['id']}.png?by=day",
        headers=scene.world.auth("viewer"),
    )
    assert got.status_code in (400, 422)
    assert got.json()["detail"]


async def test_a_chart_is_cached_until_a_response_arrives(scene: Scene) -> None:
    name = f"charts/{scene.questions[0]['id']}.svg"
    first = (await fetch(scene, name)).content
    assert (await fetch(scene, name)).content == first
    assert (await fetch(scene, name, lang="en")).content != first
    await scene.respond("A", 1, single=2)
    assert (await fetch(scene, name)).content != first


async def test_the_report_holds_the_title_and_localized_percentages(
    scene: Scene, tmp_path: Path
) -> None:
    vi = await fetch(scene, "report.pdf", lang="vi")
    assert vi.headers["content-type"] == "application/pdf"
    assert "attachment" in vi.headers["content-disposition"]
    text = pdf_text(vi.content, tmp_path)
    assert scene.poll["title"] in text
    assert "Kênh nhanh nhất?" in text
    assert "50 %" in text  # 10 of 19 chose Zalo: under 25 answers, percents in steps of 10
    assert "Phương pháp và bảo đảm ẩn danh" in text
    assert "Ý kiến của C" in text  # 19 responses: free text may show
    # the breakdown by placement: B and C are hidden, never with their numbers
    assert text.count(HIDDEN_VI) >= 2
    assert "n = 6" not in text
    assert "n = 3" not in text
    en = pdf_text((await fetch(scene, "report.pdf", lang="en")).content, tmp_path)
    assert "50%" in en
    assert "Method and anonymity" in en


async def test_summary_exports_match_the_results(scene: Scene) -> None:
    results = await scene.results("placement")
    csv_file = await fetch(scene, "export.csv", kind="summary", by="placement", lang="en")
    assert csv_file.content.startswith("\ufeff".encode())
    rows = csv_rows(csv_file.content)
    assert rows[0] == [
        "Group",
        "Responses (≈ in groups)",
        "Question",
        "Answer",
        "Count (≈)",
        "Percent",
    ]
    single = [r for r in rows if r[0] == "All responses" and r[2] == "1. Kênh nhanh nhất?"]
    assert [(r[3], int(r[4])) for r in single] == [
        (o["label"], o["count"]) for o in results["questions"][0]["options"]
    ]
    workbook = load_workbook(
        io.BytesIO((await fetch(scene, "export.xlsx", kind="summary", lang="en")).content)
    )
    sheet = workbook.active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == (
        "Group",
        "Responses (≈ in groups)",
        "Question",
        "Answer",
        "Count (≈)",
        "Percent",
    )
    zalo = next(v for v in values if v[2] == "1. Kênh nhanh nhất?" and v[3] == "Zalo")
    assert zalo[4] == 10
    assert zalo[5] == pytest.approx(0.5)  # 10 / 19, in steps of 10 %


async def test_hidden_groups_stay_hidden_in_the_summary_export(scene: Scene) -> None:
    rows = csv_rows((await fetch(scene, "export.csv", kind="summary", by="placement")).content)
    hidden = {r[0]: r for r in rows if r[0] in ("B", "C")}
    assert set(hidden) == {"B", "C"}
    for row in hidden.values():
        assert row[1] == row[4] == row[5] == ""
        assert row[2] == HIDDEN_VI
    assert not [r for r in rows if r[0] in ("B", "C") and r[4]]
    groups = ("Tất cả phiếu trả lời", "Các nhóm được ẩn, gộp lại")
    shown = {r[0]: int(r[1]) for r in rows[1:] if r[1] and r[0] not in groups}
    assert shown == {"A": 10}
    assert {int(r[1]) for r in rows if r[0] == groups[1]} == {9}  # shown together
    assert 19 - sum(shown.values()) >= 5  # what is hidden cannot be split by subtraction


async def test_the_responses_export_is_anonymized(scene: Scene) -> None:
    early = await fetch(scene, "export.csv", kind="responses", lang="en", expected=409)
    assert "closed" in early.json()["detail"]
    closed = await scene.client.post(
        f"/api/v1/polls/{scene.poll['id']}/close", headers=scene.world.auth("officer")
    )
    assert closed.status_code == 200
    got = await fetch(scene, "export.csv", kind="responses", lang="en")
    rows = csv_rows(got.content)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Placement", "Unit", "Channel"]  # no time
    assert len(body) == 19
    assert not any(h.lower() == "id" or "receipt" in h.lower() for h in header)
    assert not any("Góp ý" in h for h in header)  # free text never beside its author's choices
    assert "Ý kiến của C" not in got.content.decode("utf-8-sig")
    placement = header.index("Placement")
    by_placement: dict[str, int] = {}
    for row in body:
        by_placement[row[placement]] = by_placement.get(row[placement], 0) + 1
    # B (6) and C (3) are both under 2k - 1 = 9 rows: each class of rows that share their
    # segment columns has at least 9 rows, blanks included
    classes: dict[tuple[str, ...], int] = {}
    for row in body:
        classes[tuple(row[:3])] = classes.get(tuple(row[:3]), 0) + 1
    assert min(classes.values()) >= 9
    assert "C" not in by_placement
    assert "B" not in by_placement
    single = header.index("1. Kênh nhanh nhất?")
    assert sorted({row[single] for row in body}) == ["Bảng tin", "Loa", "Zalo"]
    yes_no = header.index("4. Muốn nhận tin qua Zalo?")
    assert {row[yes_no] for row in body} == {"Yes", "No"}


async def test_exports_of_a_poll_below_the_minimum_hold_no_answers(
    unlimited: httpx.AsyncClient, world: World
) -> None:
    scene = await make_scene(unlimited, world, {"A": None})
    await scene.respond("A", 3)
    await fetch(scene, "export.csv", kind="responses", expected=409)
    closed = await scene.client.post(
        f"/api/v1/polls/{scene.poll['id']}/close", headers=scene.world.auth("officer")
    )
    assert closed.status_code == 200
    await fetch(scene, "export.csv", kind="responses", expected=409)  # too few to export
    xlsx = await fetch(scene, "export.xlsx", kind="summary", lang="en")
    values = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert values[1][2] == "Results appear once the poll has at least 5 responses."
    assert len(values) == 2


# --- the compact report: a summary page, full numbered pages -------------------------------


def test_blocks_fill_a_page_before_the_next_one() -> None:
    assert paginate([4.0, 4.0, 3.0, 1.0, 9.0, 11.0, 0.5], body=10.0) == [
        [0, 1],
        [2, 3],
        [4],
        [5],
        [6],
    ]
    assert paginate([2.0] * 5, body=10.0) == [[0, 1, 2, 3, 4]]


def _pages(content: bytes, tmp_path: Path) -> list[str]:
    require("pdftotext")
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return text.split("\f")[:-1]


def _ink_margins(content: bytes, tmp_path: Path) -> list[float]:
    """For each page, the smallest distance in millimetres from any drawn pixel to the
    paper's edge (rendered at 72 dpi: a pixel is a point)."""
    require("pdftoppm")
    path = tmp_path / "margins.pdf"
    path.write_bytes(content)
    subprocess.run(["pdftoppm", "-r", "72", "-gray", str(path), str(tmp_path / "m")], check=True)
    margins = []
    for image in sorted(tmp_path.glob("m-*.pgm")):
        ink = numpy.asarray(Image.open(image)) < 200
        rows, columns = numpy.flatnonzero(ink.any(axis=1)), numpy.flatnonzero(ink.any(axis=0))
        height, width = ink.shape
        points = min(rows[0], height - 1 - rows[-1], columns[0], width - 1 - columns[-1])
        margins.append(float(points) * 25.4 / 72)
    return margins


def _ink_reach(content: bytes, tmp_path: Path) -> list[float]:
    """For each page, how far down (0-1) its last drawn row above the footer lies."""
    require("pdftoppm")
    path = tmp_path / "ink.pdf"
    path.write_bytes(content)
    subprocess.run(["pdftoppm", "-r", "30", "-gray", str(path), str(tmp_path / "p")], check=True)
    reach = []
    for image in sorted(tmp_path.glob("p-*.pgm")):
        pixels = numpy.asarray(Image.open(image))
        body = pixels[: int(pixels.shape[0] * 0.93)]  # above the footer's line
        rows = numpy.flatnonzero(body.min(axis=1) < 200)
        reach.append(rows[-1] / pixels.shape[0] if rows.size else 0.0)
    return reach


async def test_the_report_is_a_summary_then_full_numbered_pages(
    scene: Scene, tmp_path: Path
) -> None:
    content = (await fetch(scene, "report.pdf", lang="vi")).content
    pages = _pages(content, tmp_path)
    total = len(pages)
    assert 2 <= total <= 5  # a page per block would be 11
    for number, page in enumerate(pages, start=1):
        assert f"Trang {number}/{total}" in page
    summary = " ".join(pages[0].split())
    assert scene.poll["title"] in summary
    assert "Tóm tắt" in summary
    assert "Lượt trả lời 19" in summary
    for index, question in enumerate(scene.questions, start=1):
        assert f"{index}. {question['text']}" in summary
    assert "Được chọn nhiều nhất: Zalo" in summary  # 10 of 19 chose Zalo
    # the breakdowns share pages: fewer pages than blocks
    later = " ".join(" ".join(p.split()) for p in pages[1:])
    assert later.count("Theo điểm đăng ·") >= 3
    assert total - 1 < later.count("Theo điểm đăng ·") + len(scene.questions)
    # no page is nearly empty
    assert all(reach > 0.3 for reach in _ink_reach(content, tmp_path))
    # and nothing lies in a printer's unprintable edge: the later pages had 2 mm
    margins = _ink_margins(content, tmp_path)
    assert len(margins) == total
    assert min(margins) >= 7, margins
    english = _pages((await fetch(scene, "report.pdf", lang="en")).content, tmp_path)
    assert all(f"Page {n} of {len(english)}" in p for n, p in enumerate(english, start=1))
    assert "Summary" in english[0]


async def test_each_question_s_help_text_is_under_its_heading_in_the_report(
    unlimited: httpx.AsyncClient, world: World, without_noise: None, tmp_path: Path
) -> None:
    helps = {
        0: "Kênh bạn thấy tin sớm nhất trong tuần qua",
        4: "Không ghi tên mình hay tên người khác",
    }
    questions = [
        {**q, "help": helps[i]} if i in helps else q for i, q in enumerate(SAMPLE_POLL["questions"])
    ]
    scene = await make_scene(unlimited, world, {"A": None}, questions=questions)
    await scene.respond("A", 12)
    for lang, method in (("vi", "Phương pháp và bảo đảm ẩn danh"), ("en", "Method and anonymity")):
        pages = _pages((await fetch(scene, "report.pdf", lang=lang)).content, tmp_path)
        later = [line.strip() for page in pages[1:] for line in page.splitlines() if line.strip()]
        assert method in " ".join(later)  # the labels around the questions are as before
        for index, help_text in helps.items():
            heading = f"{index + 1}. {SAMPLE_POLL['questions'][index]['text']}"
            at = next(i for i, line in enumerate(later) if line.startswith(heading))
            assert later[at + 1] == help_text, later[at : at + 3]
        assert "2. Các kênh bạn dùng?" in " ".join(later)
        helped = sum(help_text in line for line in later for help_text in helps.values())
        assert helped == len(helps)  # under its own question only, not the breakdowns'
