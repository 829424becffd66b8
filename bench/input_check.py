"""The cost of the request-wide check for unstorable text (``polls.web.refuse_unstorable_text``)
on a submission: the same ASGI call with and without the middleware, side by side.

    uv run python bench/input_check.py [--requests 20000] [--rounds 5]

The body is the demo poll's kind of answer (5 questions, a 200-character free text) sent as
JSON and as the HTML form's encoding. It prints the median microseconds per request of each,
and the difference: what the check adds to every submission before any handler runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from polls.web import refuse_unstorable_text

TEXT = "Bữa ăn giữa ca cần thêm rau và canh nóng cho công nhân ca ba. " * 3
JSON_BODY = json.dumps({"answers": {"11": 31, "12": [33, 35], "13": 4, "14": True, "15": TEXT}})
FORM_BODY = urlencode(
    [("q11", "31"), ("q12", "33"), ("q12", "35"), ("q13", "4"), ("q14", "yes"), ("q15", TEXT)]
)
APP = SimpleNamespace(state=SimpleNamespace(settings=SimpleNamespace(max_body_bytes=256 * 1024)))


async def endpoint(scope: Any, receive: Any, send: Any) -> None:
    message = await receive()
    assert message["body"]


async def one_round(app: Any, content_type: bytes, body: bytes, n: int) -> float:
    scope = {
        "type": "http",
        "path": "/api/v1/forms/ABC123/responses",
        "query_string": b"",
        "headers": [(b"content-type", content_type)],
        "app": APP,
    }

    async def send(message: Any) -> None:
        return None

    started = time.perf_counter()
    for _ in range(n):
        sent = False

        async def receive() -> Any:
            nonlocal sent
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await app(scope, receive, send)
    return (time.perf_counter() - started) / n * 1e6


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    checked = refuse_unstorable_text(endpoint)
    for name, content_type, body in (
        ("json", b"application/json", JSON_BODY.encode()),
        ("form", b"application/x-www-form-urlencoded", FORM_BODY.encode()),
    ):
        bare, with_check = [], []
        for _ in range(args.rounds):
            bare.append(await one_round(endpoint, content_type, body, args.requests))
            with_check.append(await one_round(checked, content_type, body, args.requests))
        b, c = statistics.median(bare), statistics.median(with_check)
        print(f"{name}: bare {b:.2f} µs, checked {c:.2f} µs, the check adds {c - b:.2f} µs")


asyncio.run(main())
