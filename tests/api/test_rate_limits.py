"""Submission rate limits: per device first, per address only generously (canteens share
one carrier-grade NAT address); 0 turns a limit off."""

from __future__ import annotations

import os
import secrets
from collections.abc import Awaitable, Callable

import httpx
import pytest

from polls import privacy
from polls import tables as t
from tests.conftest import World, answer, answer_as_new_device, create_open_poll, frozen_minute

MakeClient = Callable[..., Awaitable[httpx.AsyncClient]]


async def test_a_device_over_its_limit_gets_429(make_client: MakeClient, world: World) -> None:
    client = await make_client(clock=frozen_minute, rate_limit_per_device=2, rate_limit_per_ip=0)
    poll = await create_open_poll(client, world, duplicate_policy="none")
    statuses = [(await answer(client, poll.code, poll.answers())).status_code for _ in range(2)]
    assert statuses == [201, 201]
    third = await answer(client, poll.code, poll.answers())
    assert third.status_code == 429, third.text
    assert third.json()["status_code"] == 429
    assert 1 <= int(third.headers["retry-after"]) <= 60
    assert await t.Response.count() == 2
    # another device is not held back
    assert (await answer_as_new_device(client, poll.code, poll.answers())).status_code == 201


async def test_the_web_form_is_limited_too(make_client: MakeClient, world: World) -> None:
    client = await make_client(clock=frozen_minute, rate_limit_per_device=1, rate_limit_per_ip=0)
    poll = await create_open_poll(client, world, duplicate_policy="none")
    await client.get(f"/p/{poll.code}")  # the form page gives the device its token
    first = await client.post(f"/p/{poll.code}", data={})
    second = await client.post(f"/p/{poll.code}", data={})
    assert (first.status_code, second.status_code) == (422, 429)
    assert "retry-after" in second.headers
    assert second.headers["content-type"].startswith("text/html")


async def test_an_address_over_its_limit_gets_429(make_client: MakeClient, world: World) -> None:
    client = await make_client(clock=frozen_minute, rate_limit_per_device=0, rate_limit_per_ip=3)
    poll = await create_open_poll(client, world)
    statuses = [
        (await answer_as_new_device(client, poll.code, poll.answers())).status_code
        for _ in range(4)
    ]
    assert statuses == [201, 201, 201, 429]
    assert await t.Response.count() == 3


async def test_the_address_comes_from_the_proxy_only_when_trusted(
    make_client: MakeClient, world: World
) -> None:
    trusting = await make_client(
        clock=frozen_minute, rate_limit_per_device=0, rate_limit_per_ip=1, trusted_proxies=1
    )
    poll = await create_open_poll(trusting, world, duplicate_policy="none")
    for address in ("203.0.113.1", "203.0.113.2", "203.0.113.3"):
        sent = await trusting.post(
            f"/api/v1/forms/{poll.code}/responses",
            json={"answers": poll.answers()},
            headers={"X-Forwarded-For": address},
        )
        assert sent.status_code == 201, address
    wary = await make_client(clock=frozen_minute, rate_limit_per_device=0, rate_limit_per_ip=1)
    spoofed = [
        (
            await wary.post(
                f"/api/v1/forms/{poll.code}/responses",
                json={"answers": poll.answers()},
                headers={"X-Forwarded-For": address},
            )
        ).status_code
        for address in ("198.51.100.1", "198.51.100.2")
    ]
    assert spoofed == [201, 429], "an untrusted X-Forwarded-For must not dodge the limit"


async def test_zero_turns_both_limits_off(make_client: MakeClient, world: World) -> None:
    client = await make_client(clock=frozen_minute, rate_limit_per_device=0, rate_limit_per_ip=0)
    poll = await create_open_poll(client, world, duplicate_policy="none")
    statuses = {(await answer(client, poll.code, poll.answers())).status_code for _ in range(25)}
    assert statuses == {201}


async def test_many_devices_behind_one_address_are_not_locked_out(
    client: httpx.AsyncClient, world: World
) -> None:
    """Default settings: 10 a minute per device, 600 per address."""
    poll = await create_open_poll(client, world)
    statuses = {
        (await answer_as_new_device(client, poll.code, poll.answers())).status_code
        for _ in range(60)
    }
    assert statuses == {201}
    assert await t.Response.count() == 60


REDIS_URL = os.environ.get("POLLS_TEST_REDIS_URL", "")


@pytest.mark.skipif(not REDIS_URL, reason="needs POLLS_TEST_REDIS_URL")
async def test_limits_hold_across_processes_through_redis(
    make_client: MakeClient, world: World
) -> None:
    # two app instances (two processes in production) share one Redis; a fresh secret keeps
    # this run's counters apart from any other run's
    shared = {
        "rate_limit_per_device": 2,
        "rate_limit_per_ip": 0,
        "redis_url": REDIS_URL,
        "secret_key": "redis-test-" + secrets.token_hex(16),
    }
    first = await make_client(clock=frozen_minute, **shared)
    second = await make_client(clock=frozen_minute, **shared)
    poll = await create_open_poll(first, world, duplicate_policy="none")
    device = {"polls_device": privacy.new_device_token(str(shared["secret_key"]))}
    for client in (first, second):
        client.cookies.update(device)
    assert (await answer(first, poll.code, poll.answers())).status_code == 201
    assert (await answer(second, poll.code, poll.answers())).status_code == 201
    third = await answer(first, poll.code, poll.answers())
    assert third.status_code == 429, third.text
    assert await t.Response.count() == 2
