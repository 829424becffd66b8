"""matplotlib as every drawing of the app wants it, set up in one place.

Imported only by the modules that draw (charts, reports, posters), never by the app's
start-up or the submission path: importing matplotlib takes most of a second.

- DejaVu Sans, from matplotlib's own data, carries every Vietnamese diacritic;
- PDFs embed TrueType fonts (Type 3, the default, draws non-Latin-1 glyphs as pictures,
  which loses the text for search, copy and screen readers);
- SVG text as paths, so a chart looks the same where the font is missing;
- officer text drawn as typed: matplotlib reads text between two ``$`` as math, so a title
  "$5 or $10" came out as italic math and one with ``$\\frac`` broke every chart and the
  report of its poll; math text is off everywhere (no chart of the app draws a formula);
- fontTools, which subsets the embedded fonts, logs every glyph at INFO: kept quiet.
"""

from __future__ import annotations

import logging
from pathlib import Path

import matplotlib

matplotlib.rcParams.update(
    {
        "font.family": "DejaVu Sans",
        "pdf.fonttype": 42,
        "svg.fonttype": "path",
        "svg.hashsalt": "polls",  # the same chart gives the same bytes
        "axes.unicode_minus": False,
        "text.parse_math": False,
    }
)
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
