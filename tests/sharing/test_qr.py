"""QR codes as pure code: the text they carry, and that a real decoder reads them back."""

from __future__ import annotations

import io

import pytest
import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_Q

from polls.sharing import links, qr
from tests.sharing.tools import decode, rasterize_svg

BASE = "https://thamdo.vinacomin.vn"


def test_the_three_spellings_of_a_link() -> None:
    assert links.link(BASE, "7KQ2MZX") == "https://thamdo.vinacomin.vn/p/7KQ2MZX"
    assert links.link(BASE + "/", "7KQ2MZX") == "https://thamdo.vinacomin.vn/p/7KQ2MZX"
    assert links.printed_link(BASE, "7KQ2MZX") == "thamdo.vinacomin.vn/p/7KQ2MZX"
    assert links.printed_link("http://127.0.0.1:8000", "7KQ2MZX") == (
        "http://127.0.0.1:8000/p/7KQ2MZX"
    )
    assert links.qr_link(BASE, "7kq2mzx") == "HTTPS://THAMDO.VINACOMIN.VN/P/7KQ2MZX"


def test_the_mini_app_link_carries_the_code_as_its_k_parameter() -> None:
    assert links.mini_app_link("2145963870157032459", "7KQ2MZX") == (
        "https://zalo.me/s/2145963870157032459/?k=7KQ2MZX"
    )
    assert links.mini_app_link("1", "a/b&c") == "https://zalo.me/s/1/?k=a%2Fb%26c"


def test_a_path_below_the_host_keeps_its_case() -> None:
    assert links.qr_link("https://union.vn/Polls", "7KQ2MZX") == "HTTPS://UNION.VN/Polls/P/7KQ2MZX"


def test_uppercase_fits_alphanumeric_mode_and_a_smaller_symbol() -> None:
    upper = qr.encode(links.qr_link(BASE, "7KQ2MZX"))
    mixed = qrcode.QRCode(error_correction=ERROR_CORRECT_Q)
    mixed.add_data(links.link(BASE, "7KQ2MZX"))
    mixed.make(fit=True)
    # level H in uppercase is no bigger than level Q in mixed case (version 4 both, here)
    assert upper.version <= (mixed.version or 0)
    assert upper.version == 4
    assert upper.size == 33 + 2 * qr.QUIET_ZONE


def test_the_quiet_zone_is_four_light_modules() -> None:
    symbol = qr.encode(links.qr_link(BASE, "7KQ2MZX"))
    edge = range(qr.QUIET_ZONE)
    for i in edge:
        assert not any(symbol.rows[i])
        assert not any(symbol.rows[-1 - i])
        assert not any(row[i] or row[-1 - i] for row in symbol.rows)


@pytest.mark.parametrize("size", [qr.PNG_MIN, 300, qr.PNG_DEFAULT, qr.PNG_MAX])
def test_the_png_is_the_size_asked_and_decodes_to_the_link(size: int) -> None:
    text = links.qr_link("http://127.0.0.1:8000", "ABCDEFG")
    content = qr.png(qr.encode(text), size)
    image = Image.open(io.BytesIO(content))
    assert image.size == (size, size)
    assert decode(content) == [text]


def test_the_svg_rasterized_decodes_to_the_link() -> None:
    text = links.qr_link(BASE, "HJK2345")
    svg = qr.svg(qr.encode(text))
    assert svg.startswith("<?xml")
    assert 'fill="#fff"' in svg
    for width in (200, 600):
        assert decode(rasterize_svg(svg, width)) == [text]
