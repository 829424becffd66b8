"""What the Telegram send scheduler costs per message: reservations in memory and in Redis,
paced (the clock follows the waits, as when messages go out one after another) and as a
burst (many queued at the same moment, reservations running ahead of the clock).

    uv run python bench/telegram_scheduler.py [--redis redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import time

from polls.messengers.scheduler import (
    MemorySendStore,
    RedisSendStore,
    SendLimits,
    SendScheduler,
    SendStore,
)

CHATS = 500


async def run(store: SendStore, messages: int, *, paced: bool) -> float:
    now = [1_900_000_000.0]

    async def sleep(seconds: float) -> None:
        if paced:
            now[0] += seconds

    scheduler = SendScheduler(
        store, secret=secrets.token_urlsafe(16), clock=lambda: now[0], sleep=sleep, max_wait=1e9
    )
    started = time.perf_counter()
    for i in range(messages):
        await scheduler.wait_turn(5_000_000_000 + i % CHATS)
    return (time.perf_counter() - started) / messages * 1e6


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--redis", default="")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    stores: list[tuple[str, object]] = [("memory", None)]
    if args.redis:
        stores.append(("redis", args.redis))
    for name, url in stores:
        for paced, messages in ((True, 2000), (False, 200)):
            figures = []
            for round_ in range(args.rounds):
                prefix = f"polls-bench:tg:{round_}:{paced}"
                store: SendStore = (
                    RedisSendStore(str(url), SendLimits(), prefix=prefix)
                    if url
                    else MemorySendStore(SendLimits())
                )
                figures.append(await run(store, messages, paced=paced))
                if isinstance(store, RedisSendStore):
                    async for key in store._redis.scan_iter(f"{prefix}:*"):
                        await store._redis.delete(key)
                await store.close()
            kind = "paced" if paced else f"burst of {messages}"
            print(f"{name:6} {kind:14} {statistics.median(figures):8.0f} µs a message")


if __name__ == "__main__":
    asyncio.run(main())
