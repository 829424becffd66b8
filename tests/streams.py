"""Server-sent events read from the app while it sends them.

httpx's ASGI transport hands a response over only once it is complete, so a test that must
act between two events (answer once the stream has sent its first snapshot, close a
question once the screen shows it revealed) cannot use it. ``EventStream`` calls the app
itself, parses each event as its bytes arrive, and lets the test wait for the one it needs;
leaving the ``async with`` block disconnects, as a browser closing the page does.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import httpx

WAIT_SECONDS = 30.0
"""A cap, not a wait: each ``wait_for`` returns as soon as its event has arrived."""


@dataclass
class EventStream:
    client: httpx.AsyncClient
    """A client of ``tests.conftest``'s ``make_client``: its app and its cookies are used."""
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """Every event so far: its name and its data."""
    status_code: int = 0
    response_headers: dict[str, str] = field(default_factory=dict)
    ended: bool = False
    """Whether the app ended the stream by itself."""
    _body: bytearray = field(default_factory=bytearray)
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)
    _gone: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None

    @property
    def text(self) -> str:
        return self._body.decode()

    def named(self, name: str) -> list[dict[str, Any]]:
        return [data for event, data in self.events if event == name]

    async def __aenter__(self) -> EventStream:
        # uncompressed, so each event can be read as it comes
        headers = {"accept-encoding": "identity", **self.headers}
        request = self.client.build_request("GET", self.path, headers=headers)
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "headers": [(key.lower(), value) for key, value in request.headers.raw],
            "scheme": request.url.scheme,
            "path": request.url.path,
            "raw_path": request.url.raw_path.split(b"?")[0],
            "query_string": request.url.query,
            "server": (request.url.host, request.url.port or 80),
            "client": ("127.0.0.1", 50000),
            "root_path": "",
        }
        sent_request = False

        async def receive() -> dict[str, Any]:
            nonlocal sent_request
            if not sent_request:
                sent_request = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await self._gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                self.status_code = message["status"]
                self.response_headers = {
                    key.decode().lower(): value.decode() for key, value in message["headers"]
                }
            elif message["type"] == "http.response.body":
                self._body += message.get("body", b"")
                async with self._arrived:
                    self._parse()
                    if not message.get("more_body", False):
                        self.ended = True
                    self._arrived.notify_all()

        app = self.client.app  # type: ignore[attr-defined]
        self._task = asyncio.create_task(app(scope, receive, send))
        return self

    def _parse(self) -> None:
        blocks = self._body.decode().replace("\r\n", "\n").split("\n\n")[:-1]
        self.events = []
        for block in blocks:
            lines = block.splitlines()
            names = [line[7:] for line in lines if line.startswith("event: ")]
            data = "\n".join(line[6:] for line in lines if line.startswith("data: "))
            if names and data:
                self.events.append((names[0], json.loads(data)))

    async def wait_for(
        self, name: str, until: Callable[[dict[str, Any]], bool] = lambda _: True
    ) -> dict[str, Any]:
        """The first event ``name``, sent already or still to come, whose data satisfy
        ``until``; fails if the stream ends first or nothing comes within the cap."""

        def found() -> dict[str, Any] | None:
            return next((data for data in self.named(name) if until(data)), None)

        async def arrived() -> dict[str, Any]:
            async with self._arrived:
                while (data := found()) is None:
                    assert not self.ended, f"the stream ended without it: {self.events}"
                    await self._arrived.wait()
                return data

        return await asyncio.wait_for(arrived(), WAIT_SECONDS)

    async def wait_for_end(self) -> None:
        """Until the app ends the stream by itself (its lifetime is over)."""

        async def ended() -> None:
            async with self._arrived:
                await self._arrived.wait_for(lambda: self.ended)

        await asyncio.wait_for(ended(), WAIT_SECONDS)

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._gone.set()
        if self._task is not None:
            await asyncio.wait_for(self._task, WAIT_SECONDS)
