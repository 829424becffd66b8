"""The palette in templates/_style.html meets WCAG 2.2 AA contrast for every text pair it uses."""

from __future__ import annotations

import re

import pytest

from polls.templating import TEMPLATES_DIR

STYLE = (TEMPLATES_DIR / "_style.html").read_text()
PALETTE = dict(re.findall(r"--([a-z-]+):(#[0-9a-fA-F]{6})", STYLE))


def luminance(hex_colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize(
    ("text", "background", "minimum"),
    [
        ("ink", "bg", 4.5),
        ("ink", "card", 4.5),
        ("muted", "bg", 4.5),
        ("muted", "card", 4.5),
        ("brand-ink", "brand", 4.5),  # header text, buttons
        ("err", "card", 4.5),  # error messages
        ("ok", "card", 4.5),
        ("muted", "card", 3.0),  # inputs' borders are non-text UI: 3:1
    ],
)
def test_palette_contrast(text: str, background: str, minimum: float) -> None:
    assert contrast(PALETTE[text], PALETTE[background]) >= minimum


def test_error_summary_text_on_its_tint() -> None:
    tint = re.search(r"\.summary\{[^}]*background:(#[0-9a-fA-F]{6})", STYLE)
    assert tint is not None
    assert contrast(PALETTE["ink"], tint.group(1)) >= 4.5
    assert contrast(PALETTE["err"], tint.group(1)) >= 4.5


def test_focus_ring_stands_out_on_light_and_brand_backgrounds() -> None:
    # dark ring with a white halo: 3:1 against the page, the cards and the header
    assert contrast(PALETTE["ink"], PALETTE["bg"]) >= 3
    assert contrast("#ffffff", PALETTE["brand"]) >= 3
