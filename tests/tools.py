"""Debian tools some tests read the app's output with. Where one is missing, those tests
are skipped on a developer's machine, and fail under ``POLLS_REQUIRE_TOOLS=1`` (set by
``.ci/run``, which installs them)."""

from __future__ import annotations

import os
import shutil

import pytest

PACKAGES = {
    "zbarimg": "zbar-tools",
    "rsvg-convert": "librsvg2-bin",
    "pdftoppm": "poppler-utils",
    "pdftotext": "poppler-utils",
    "pdffonts": "poppler-utils",
    "pdfinfo": "poppler-utils",
    "tesseract": "tesseract-ocr tesseract-ocr-vie",
    "soffice": "libreoffice-calc-nogui",
    "redis-server": "redis-server",
}


def require(tool: str) -> None:
    if shutil.which(tool):
        return
    message = f"{tool} is missing: apt-get install {PACKAGES.get(tool, tool)}"
    if os.environ.get("POLLS_REQUIRE_TOOLS") == "1":
        pytest.fail(message)
    pytest.skip(message)
