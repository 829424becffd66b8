"""QR codes for placement links, as SVG (for print) and PNG (for screens).

Error correction is level H: up to 30% of the symbol can be torn, stained or creased and it
still reads. Uppercase text (``links.qr_link``) is encoded in alphanumeric mode, which keeps
the symbol at the version mixed-case text needs with the weaker level Q (measured in
bench/README.md). The quiet zone is the 4 modules the standard asks for.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_H

QUIET_ZONE = 4
PNG_MIN = 128
PNG_MAX = 2048
PNG_DEFAULT = 512


@dataclass(frozen=True)
class Symbol:
    """A QR symbol: ``rows[y][x]`` is True for a dark module; the quiet zone is included."""

    text: str
    version: int
    rows: tuple[tuple[bool, ...], ...]

    @property
    def size(self) -> int:
        """Modules a side, quiet zone included."""
        return len(self.rows)

    def dark_runs(self) -> list[tuple[int, int, int]]:
        """Each horizontal run of dark modules as (row, first column, length)."""
        runs = []
        for y, row in enumerate(self.rows):
            x = 0
            while x < len(row):
                if row[x]:
                    start = x
                    while x < len(row) and row[x]:
                        x += 1
                    runs.append((y, start, x - start))
                else:
                    x += 1
        return runs


def encode(text: str) -> Symbol:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_H, border=QUIET_ZONE)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    return Symbol(text, code.version or 0, tuple(tuple(bool(m) for m in row) for row in matrix))


def svg(symbol: Symbol) -> str:
    """A scalable SVG, one module per user unit, on an opaque white background."""
    n = symbol.size
    path = "".join(f"M{x} {y}h{w}v1h-{w}z" for y, x, w in symbol.dark_runs())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}" '
        f'width="{n * 8}" height="{n * 8}" shape-rendering="crispEdges">'
        f'<rect width="{n}" height="{n}" fill="#fff"/><path fill="#000" d="{path}"/></svg>\n'
    )


def png(symbol: Symbol, size: int) -> bytes:
    """A ``size`` x ``size`` PNG. Every module is the same whole number of pixels; what is
    left over widens the white margin, so no module is blurred or uneven."""
    n = symbol.size
    scale = max(1, size // n)
    modules = Image.new("1", (n, n), 1)
    modules.putdata([0 if dark else 1 for row in symbol.rows for dark in row])
    scaled = modules.resize((n * scale, n * scale), Image.Resampling.NEAREST)
    canvas = Image.new("1", (max(size, n * scale),) * 2, 1)
    offset = (canvas.width - scaled.width) // 2
    canvas.paste(scaled, (offset, offset))
    out = io.BytesIO()
    canvas.save(out, format="PNG", optimize=True)
    return out.getvalue()
