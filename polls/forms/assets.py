"""The form's one script, inlined into the page and allowed by its hash.

Inline saves the phone a second request; the Content-Security-Policy names the script's
SHA-256 instead of allowing ``unsafe-inline``, so no injected script could run.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

FORM_SCRIPT = (Path(__file__).parent / "static" / "enhance.js").read_text(encoding="utf-8")
FORM_SCRIPT_HASH = (
    "sha256-" + base64.b64encode(hashlib.sha256(FORM_SCRIPT.encode()).digest()).decode()
)
