"""``/schema``: the API's reference as one plain HTML page, with no script at all.

Litestar's stock pages (Redoc, Swagger, Scalar...) load their scripts, fonts and icons from
CDNs: a third party would learn who reads the API and could change what runs on our origin,
and the site's Content-Security-Policy (``script-src 'self'``) blocks them anyway, leaving a
blank page. This page lists every operation (method, path, summary, description, the
answers it can give) from the same OpenAPI document, and links to the document itself
(``/schema/openapi.json``) for tools that want more.
"""

from __future__ import annotations

from html import escape
from typing import Any

from litestar import Request
from litestar.openapi.plugins import OpenAPIRenderPlugin

METHODS = ("get", "post", "put", "patch", "delete")
STYLE = (
    "body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
    "color:#1b2430}code{background:#eef2f6;padding:0 .25rem;border-radius:3px}"
    "h2{margin-top:2rem;border-bottom:1px solid #c9d2db}.op{margin:1rem 0}"
    ".m{display:inline-block;min-width:4rem;font-weight:700}.codes{color:#51606f}"
)


def _operation(method: str, path: str, operation: dict[str, Any]) -> str:
    codes = ", ".join(sorted(str(code) for code in operation.get("responses", {})))
    description = operation.get("description") or ""
    return (
        f'<div class="op"><p><span class="m">{escape(method.upper())}</span>'
        f"<code>{escape(path)}</code> {escape(operation.get('summary') or '')}</p>"
        + (f"<p>{escape(description)}</p>" if description else "")
        + f'<p class="codes">{escape(codes)}</p></div>'
    )


def render_page(schema: dict[str, Any]) -> str:
    """The whole page for an OpenAPI document, operations grouped by their first tag."""
    info = schema.get("info", {})
    groups: dict[str, list[str]] = {}
    for path, item in schema.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                tag = (item[method].get("tags") or ["other"])[0]
                groups.setdefault(tag, []).append(_operation(method, path, item[method]))
    sections = "".join(
        f"<h2>{escape(tag)}</h2>{''.join(operations)}" for tag, operations in groups.items()
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(info.get('title', 'API'))}</title><style>{STYLE}</style></head><body>"
        f"<h1>{escape(info.get('title', 'API'))} {escape(str(info.get('version', '')))}</h1>"
        f"<p>{escape(info.get('description', ''))}</p>"
        '<p>The OpenAPI document: <a href="/schema/openapi.json">openapi.json</a>.</p>'
        f"{sections}</body></html>"
    )


class PlainDocsPlugin(OpenAPIRenderPlugin):
    def __init__(self) -> None:
        super().__init__(path="/", favicon="", style="")

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        return render_page(openapi_schema).encode()
