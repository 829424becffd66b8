"""A tiny keep-alive HTTP/1.1 load generator on raw asyncio streams.

httpx as a load client spends more CPU per request than the server under test does; on a
2-core machine it would measure itself. This one only writes a request and reads a
``Content-Length`` body, so the server stays the bottleneck.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

PHONE = {
    "User-Agent": (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Mobile Safari/537.36 Zalo android/12100616 ZaloTheme/light"
    ),
    "Accept-Language": "vi-VN,vi;q=0.9,en-US;q=0.8,en;q=0.7",
    "Accept-Encoding": "gzip, deflate, br",
    "sec-ch-ua": '"Chromium";v="124", "Android WebView";v="124", "Not-A.Brand";v="99"',
    "sec-ch-ua-mobile": "?1",
    "sec-ch-ua-platform": '"Android"',
}
"""What every request of a phone's browser carries (an Android WebView inside Zalo)."""

PHONE_NAVIGATION = {
    **PHONE,
    "Accept": (
        "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
        "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
    ),
    "Upgrade-Insecure-Requests": "1",
    "Sec-Fetch-Site": "none",
    "Sec-Fetch-Mode": "navigate",
    "Sec-Fetch-User": "?1",
    "Sec-Fetch-Dest": "document",
}
"""Opening a page: the form from a QR code or a Zalo link, the thanks page after it."""


def phone_fetch(origin: str) -> dict[str, str]:
    """The form script's ``fetch`` of its answers (``enhance.js``): same-origin JSON."""
    return {
        **PHONE,
        "Accept": "*/*",
        "Accept-Language": "vi",
        "Content-Type": "application/json",
        "Origin": origin,
        "Sec-Fetch-Site": "same-origin",
        "Sec-Fetch-Mode": "cors",
        "Sec-Fetch-Dest": "empty",
    }


def submission_id() -> str:
    """What ``enhance.js`` makes once per answered form: time and randomness in base 36."""

    def base36(number: int) -> str:
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"
        text = ""
        while number:
            number, digit = divmod(number, 36)
            text = digits[digit] + text
        return text or "0"

    return base36(int(time.time() * 1000)) + base36(random.getrandbits(52))


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user and system) of a process and all its living descendants so far: a
    server's, with its workers and their writer processes. Linux only (``/proc``)."""
    ticks = os.sysconf("SC_CLK_TCK")
    stats: dict[int, list[str]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            stats[int(stat.parent.name)] = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
    family, todo = set(), [pid]
    while todo:
        member = todo.pop()
        family.add(member)
        todo += [child for child, fields in stats.items() if int(fields[1]) == member]
    return sum((int(stats[m][11]) + int(stats[m][12])) / ticks for m in family if m in stats)


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    elapsed: float = 0.0

    @property
    def count(self) -> int:
        return len(self.latencies)

    def rate(self) -> float:
        return self.count / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    def summary(self) -> dict[str, float | int | dict[int, int]]:
        return {
            "requests": self.count,
            "per_second": round(self.rate(), 1),
            "p50_ms": round(self.percentile(50), 2),
            "p99_ms": round(self.percentile(99), 2),
            "mean_ms": round(statistics.fmean(self.latencies) * 1000, 2) if self.latencies else 0,
            "statuses": dict(sorted(self.statuses.items())),
        }


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    return status


async def run(
    url: str,
    make_request: Callable[[int], tuple[str, str, bytes, dict[str, str]]],
    total: int,
    concurrency: int,
) -> Result:
    """Send ``total`` requests over ``concurrency`` keep-alive connections.

    ``make_request(i)`` returns (method, path, body, extra headers) for request ``i``.
    """
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    result = Result()
    counter = iter(range(total))

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for index in counter:
                method, path, body, headers = make_request(index)
                head = f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                head += f"Content-Length: {len(body)}\r\n"
                head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
                started = time.perf_counter()
                writer.write(head.encode() + b"\r\n" + body)
                status = await _read_response(reader)
                result.latencies.append(time.perf_counter() - started)
                result.statuses[status] = result.statuses.get(status, 0) + 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - started
    return result
