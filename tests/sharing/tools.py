"""Real tools that read what the app makes, as a phone or a printer would: zbar decodes QR
codes, librsvg rasterizes SVG, poppler renders PDF pages and extracts their text.
``.ci/run`` installs them (zbar-tools, librsvg2-bin, poppler-utils)."""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from tests.tools import require

TOOL_SECONDS = 300
"""A cap for one run of a tool, not a wait: under load, rendering or decoding a page took
more than a minute, and a killed zbar looked like a poster that does not decode."""


def _run(*command: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    require(command[0])
    return subprocess.run(
        command, input=stdin, capture_output=True, timeout=TOOL_SECONDS, check=False
    )


def decode(png: bytes) -> list[str]:
    """Every QR code zbar finds in the image, top to bottom."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "image.png"
        path.write_bytes(png)
        found = _run("zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(path))
    assert found.returncode in (0, 4), found.stderr  # 4: nothing found
    return found.stdout.decode().splitlines()


def rasterize_svg(svg: str, width: int = 400) -> bytes:
    done = _run("rsvg-convert", "--width", str(width), "--format", "png", stdin=svg.encode())
    assert done.returncode == 0, done.stderr
    return done.stdout


def pdf_pages(pdf: bytes, dpi: int = 100) -> list[bytes]:
    """Each page of ``pdf`` as a PNG, in order."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "doc.pdf"
        source.write_bytes(pdf)
        done = _run("pdftoppm", "-r", str(dpi), "-png", str(source), str(Path(folder) / "page"))
        assert done.returncode == 0, done.stderr
        return [page.read_bytes() for page in sorted(Path(folder).glob("page-*.png"))]


def _pdf_tool(pdf: bytes, *command: str) -> str:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "doc.pdf"
        source.write_bytes(pdf)
        done = _run(*command, str(source), "-")
        assert done.returncode == 0, done.stderr
        return done.stdout.decode()


def pdf_text(pdf: bytes) -> str:
    return _pdf_tool(pdf, "pdftotext", "-enc", "UTF-8")


def pdf_fonts(pdf: bytes) -> list[list[str]]:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "doc.pdf"
        source.write_bytes(pdf)
        done = _run("pdffonts", str(source))
    assert done.returncode == 0, done.stderr
    return [line.split() for line in done.stdout.decode().splitlines()[2:]]


def pdf_page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """Each page's width and height in points as it is shown (turned by its rotation), as
    ``pdfinfo`` reads them from the file."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "doc.pdf"
        source.write_bytes(pdf)
        done = _run("pdfinfo", "-f", "1", "-l", "9999", str(source))
    assert done.returncode == 0, done.stderr
    said = done.stdout.decode()
    sizes = re.findall(r"^Page +\d+ size: +([\d.]+) x ([\d.]+) pts", said, re.MULTILINE)
    turns = re.findall(r"^Page +\d+ rot: +(\d+)", said, re.MULTILINE)
    pages = re.search(r"^Pages: +(\d+)$", said, re.MULTILINE)
    assert pages, said
    assert len(sizes) == len(turns) == int(pages.group(1)), said
    return [
        (float(h), float(w)) if int(turn) % 180 else (float(w), float(h))
        for (w, h), turn in zip(sizes, turns, strict=True)
    ]


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    """Points from the top-left corner of the page."""


@dataclass(frozen=True)
class PageWords:
    width: float
    height: float
    words: list[Word]


def pdf_words(pdf: bytes) -> list[PageWords]:
    """Every word of every page with its box (``pdftotext -bbox``)."""
    html = _pdf_tool(pdf, "pdftotext", "-enc", "UTF-8", "-bbox")
    root = ElementTree.fromstring(  # noqa: S314
        re.sub(r"<!DOCTYPE[^>]*>", "", html)
    )
    pages = []
    for page in root.iter("{http://www.w3.org/1999/xhtml}page"):
        words = [
            Word(w.text or "", *(float(w.attrib[k]) for k in ("xMin", "yMin", "xMax", "yMax")))
            for w in page.iter("{http://www.w3.org/1999/xhtml}word")
        ]
        pages.append(PageWords(float(page.attrib["width"]), float(page.attrib["height"]), words))
    return pages
