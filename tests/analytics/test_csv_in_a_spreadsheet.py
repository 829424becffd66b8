"""The CSV opened the way Excel opens it in Vietnam and in English, through a real
spreadsheet engine (LibreOffice Calc, headless): Excel splits a CSV at the list separator of
Windows' regional settings (";" in Vietnamese, "," in English) and reads numbers with that
region's decimal sign, so LibreOffice is told exactly that (separator, UTF-8, the region's
language: 1066 vi-VN, 1033 en-US) and its cells are read back: one column per field, the
diacritics whole, every figure a number equal to what the page shows."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from polls.analytics.exports import to_csv
from polls.i18n import using_locale
from tests.analytics.test_exports import FIGURES
from tests.api.test_export_formulas import libreoffice

EXCEL = {
    "vi": "CSV:59,34,76,1,,1066",  # ";", '"', UTF-8, from line 1, Vietnamese (Vietnam)
    "en": "CSV:44,34,76,1,,1033",  # ",", '"', UTF-8, from line 1, English (USA)
}
SHOWN = [
    ["Phương án", "Số phiếu", "Tỷ lệ", "Trung bình"],
    ["Bảng tin, loa", 1234, 15, 3.5],
    ["Zalo", 7, 46, 2.3],
    ["Họp tổ", 0, 1, 4],
]


def _cells(path: Path) -> list[list[object]]:
    sheet = load_workbook(path).active
    assert sheet is not None
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_csv_opens_in_columns_with_its_numbers_in_the_readers_excel(
    language: str, tmp_path: Path
) -> None:
    with using_locale(language):
        (tmp_path / "results.csv").write_bytes(to_csv(FIGURES))
    opened = libreoffice([tmp_path / "results.csv"], "xlsx", tmp_path, infilter=EXCEL[language])
    assert _cells(opened / "results.xlsx") == SHOWN


def test_a_comma_csv_is_one_column_in_a_vietnamese_excel(tmp_path: Path) -> None:
    """The control: what the export wrote before (commas, decimal commas quoted) opened the
    same Vietnamese way is one column of text, the failure leaders saw."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows([SHOWN[0], ["Zalo", "7", "46", "2,3"]])
    (tmp_path / "old.csv").write_bytes(("\ufeff" + buffer.getvalue()).encode())
    opened = libreoffice([tmp_path / "old.csv"], "xlsx", tmp_path, infilter=EXCEL["vi"])
    assert [len([c for c in row if c is not None]) for row in _cells(opened / "old.xlsx")] == [1, 1]
