"""The anonymity promise (shared/DESIGN.md, "Rules that always hold"): no stored row and no
log line holds a submitter's address, user agent or device token; time is kept to the hour;
the duplicate key is a keyed hash that differs for every poll."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from polls import privacy
from polls import tables as t
from tests.conftest import SECRET, World, answer, create_open_poll
from tests.traces import every_stored_value, everything_logged

USER_AGENT = "Secret-Agent/9.9"
ADDRESS = "203.0.113.77"
SUBMITTER = {"User-Agent": USER_AGENT, "X-Forwarded-For": f"{ADDRESS}, 10.0.0.1"}

RESPONSE_COLUMNS = {
    "id",
    "poll",
    "placement",
    "unit",
    "channel",
    "submitted_hour",
    "fresh",
}
"""What a response row may hold. A new column must be added here on purpose, after checking
that it cannot identify anyone."""


@pytest.fixture
async def proxied(make_client: Callable[..., Awaitable[httpx.AsyncClient]]) -> httpx.AsyncClient:
    return await make_client(trusted_proxies=1, debug=True)


async def test_no_row_and_no_log_line_holds_address_agent_or_device_token(
    proxied: httpx.AsyncClient,
    world: World,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    poll = await create_open_poll(proxied, world, min_group_size=3)
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)

    # every way in: the form page, the JSON API, the web form, and the refusals
    assert (await proxied.get(f"/p/{poll.code}", headers=SUBMITTER)).status_code == 200
    token = proxied.cookies.get(privacy.DEVICE_COOKIE)
    assert privacy.is_device_token(token, SECRET)
    sent = await answer(proxied, poll.code, poll.answers(), submission_id="s-1")
    assert sent.status_code == 201, sent.text
    refused = [
        await proxied.post(
            f"/api/v1/forms/{poll.code}/responses",
            json={"answers": poll.answers()},
            headers=SUBMITTER,
        ),
        await proxied.post(
            f"/api/v1/forms/{poll.code}/responses", json={"answers": {}}, headers=SUBMITTER
        ),
        await proxied.post(
            f"/api/v1/forms/{poll.code}/responses",
            content=b"{",
            headers={**SUBMITTER, "Content-Type": "application/json"},
        ),
        await proxied.post(f"/p/{poll.code}", data={}, headers=SUBMITTER),
    ]
    assert [r.status_code for r in refused] == [409, 422, 400, 422]
    proxied.cookies.clear()
    web = await proxied.post(
        f"/p/{poll.code}", data=_form_answers(poll.answers()), headers=SUBMITTER
    )
    assert web.status_code == 303, web.text
    proxied.cookies.clear()
    assert await t.Response.count() == 2

    secrets_sent = {"user agent": USER_AGENT, "address": ADDRESS, "device token": token}
    for table, column, value in await every_stored_value():
        for what, secret in secrets_sent.items():
            assert secret not in value, f"{table}.{column} holds the {what}"
    logs = everything_logged(caplog, capsys)
    for what, secret in secrets_sent.items():
        assert secret not in logs, f"a log line holds the {what}"


@pytest.fixture(autouse=True)
def _send_submitter_headers_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every request of these tests carry the distinctive headers, including the ones
    helpers send, so nothing escapes the scan."""
    original = httpx.AsyncClient.send

    async def send(
        self: httpx.AsyncClient, request: httpx.Request, **kwargs: Any
    ) -> httpx.Response:
        request.headers.update(SUBMITTER)
        return await original(self, request, **kwargs)

    monkeypatch.setattr(httpx.AsyncClient, "send", send)


def _form_answers(answers: dict[str, Any]) -> dict[str, Any]:
    form: dict[str, Any] = {}
    for question, value in answers.items():
        if isinstance(value, bool):
            value = "yes" if value else "no"
        form[f"q{question}"] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return form


async def test_a_response_row_has_only_its_allowed_columns(
    client: httpx.AsyncClient, world: World
) -> None:
    poll = await create_open_poll(client, world)
    assert (await answer(client, poll.code, poll.answers())).status_code == 201
    row = await t.Response.select().first()
    assert row is not None
    assert set(row) == RESPONSE_COLUMNS
    assert {c._meta.name for c in t.DuplicateKey._meta.columns} == {"key", "poll"}
    answer_columns = {c._meta.name for c in t.Answer._meta.columns}
    # "poll", "placement", "unit" and "channel" repeat the response's own (for index-only
    # tallies and breakdowns): nothing about a person the response does not already say
    assert answer_columns == {
        "id",
        "response",
        "poll",
        "question",
        "option",
        "value_int",
        "value_text",
        "placement",
        "unit",
        "channel",
    }


async def test_submission_time_is_kept_to_the_hour(client: httpx.AsyncClient, world: World) -> None:
    poll = await create_open_poll(client, world, duplicate_policy="none")
    for _ in range(3):
        assert (await answer(client, poll.code, poll.answers())).status_code == 201
    for row in await t.Response.select(t.Response.submitted_hour):
        moment = row["submitted_hour"]
        assert (moment.minute, moment.second, moment.microsecond) == (0, 0, 0)


async def test_the_duplicate_key_is_a_per_poll_keyed_hash_of_the_device(
    client: httpx.AsyncClient, world: World
) -> None:
    first = await create_open_poll(client, world)
    second = await create_open_poll(client, world)
    assert (await answer(client, first.code, first.answers())).status_code == 201
    token = client.cookies.get(privacy.DEVICE_COOKIE)
    assert token
    assert (await answer(client, second.code, second.answers())).status_code == 201
    assert client.cookies.get(privacy.DEVICE_COOKIE) == token, "one device, one token"

    keys = {row["poll"]: row["key"] for row in await t.DuplicateKey.select()}
    assert set(keys) == {first.id, second.id}
    assert keys[first.id] != keys[second.id], "the same device must not be linkable across polls"
    for poll_id, key in keys.items():
        assert token not in key
        nonce = privacy.device_subject(token)
        assert key == privacy.duplicate_key(SECRET, poll_id, nonce)
        assert key != privacy.duplicate_key("another-secret-" + "y" * 20, poll_id, nonce)


async def test_idempotency_keys_do_not_hold_the_submission_id(
    client: httpx.AsyncClient, world: World
) -> None:
    poll = await create_open_poll(client, world)
    assert (
        await answer(client, poll.code, poll.answers(), submission_id="my-own-id-42")
    ).status_code == 201
    row = await t.IdempotencyKey.select().first()
    assert row is not None
    assert "my-own-id-42" not in row["key"]
    assert set(row) == {"key", "poll"}  # nothing that leads to the response
