"""Hypothesis throws arbitrary unicode, numbers and dates at every input of the public form
(the JSON API and the HTML form), the sign-in form, and the poll editor (the console's form
and the API), on SQLite and PostgreSQL: every answer is a 4xx or a success, never a 5xx.

Bounded by ``POLLS_INPUT_FUZZ_EXAMPLES`` examples per surface (default 50, which keeps the
file within a couple of minutes on both databases in CI); raise it to hunt by hand. The
examples are derandomized, so a failure in CI is the same failure on a developer's machine.
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import SAMPLE_POLL, OpenPoll, World, create_open_poll
from tests.console.conftest import csrf_token, login

EXAMPLES = int(os.environ.get("POLLS_INPUT_FUZZ_EXAMPLES", "50"))

fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

ODD_NUMBERS = [
    "--5",
    "-0",
    "+5",
    "²",
    "\u00b9\u2070",
    "٣",
    "\u0661\u0660",
    "１",
    "1_000",
    " 5",
    "5\n",
    "\u00a05",
    "1e3",
    "5.0",
    "0x10",
    "9" * 40,
    "-" + "9" * 40,
    "NaN",
    "Infinity",
    "",
]
ODD_TEXTS = [
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "\x07",
    "\x85",
    "\u202e",
    "\ufeff",
    "$\\frac{1}{2}$",
    "=1+1",
    "' OR 1=1 --",
    "%00",
    "\r\n\r\n",
    "\U0001f4a9",
    "\u0301",
    "ẩn danh",
]
# every Unicode code point but the lone surrogates, which no form encoding can carry
form_text = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=60), st.sampled_from(ODD_TEXTS)
)
# JSON can write a lone surrogate as an escape: those too
json_text = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=60), st.sampled_from(ODD_TEXTS)
)
numbers_as_text = st.one_of(
    st.sampled_from(ODD_NUMBERS), st.integers().map(str), st.floats().map(str), form_text
)
moments = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)
offsets = st.builds(
    lambda minutes: timezone(timedelta(minutes=minutes)), st.integers(-23 * 60, 23 * 60)
)
moment_texts = st.one_of(
    moments.map(lambda m: m.strftime("%Y-%m-%dT%H:%M")),
    st.builds(lambda m, tz: m.replace(tzinfo=tz).isoformat(), moments, offsets),
    st.sampled_from(
        ["0000-01-01T00:00", "20266-01-01T00:00", "٢٠٢٦-01-01T00:00", "2026-02-30T00:00"]
    ),
    form_text,
)
json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        json_text,
        numbers_as_text,
    ),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(json_text, inner, max_size=3),
    max_leaves=8,
)


def as_json(body: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """The body as ASCII JSON, so a lone surrogate travels as its ``\\ud800`` escape."""
    return {
        "content": json.dumps(body).encode(),
        "headers": {**(headers or {}), "Content-Type": "application/json"},
    }


def no_server_error(response: httpx.Response) -> None:
    assert response.status_code < 500, (
        response.request.method,
        str(response.request.url)[:300],
        response.status_code,
        response.text[:300],
    )


@pytest.fixture
async def unlimited(make_client: Callable[..., Awaitable[httpx.AsyncClient]]) -> httpx.AsyncClient:
    return await make_client(rate_limit_per_device=0, rate_limit_per_ip=0)


@pytest.fixture
async def poll(unlimited: httpx.AsyncClient, world: World) -> OpenPoll:
    opened = await create_open_poll(unlimited, world, duplicate_policy="none")
    # the form page hands the client its device token, as a phone gets it: without one,
    # every submission would be refused before its answers are read
    assert (await unlimited.get(f"/p/{opened.code}")).status_code == 200
    return opened


def _answer_keys(poll: OpenPoll) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from([str(q["id"]) for q in poll.questions]), json_text)


@given(data=st.data())
@fuzz
async def test_the_public_json_api(
    unlimited: httpx.AsyncClient, poll: OpenPoll, data: st.DataObject
) -> None:
    answers = data.draw(st.dictionaries(_answer_keys(poll), json_values, max_size=6))
    body: dict[str, Any] = {"answers": {**poll.answers(), **answers}}
    if data.draw(st.booleans()):
        body["submission_id"] = data.draw(json_values)
    no_server_error(await unlimited.post(f"/api/v1/forms/{poll.code}/responses", **as_json(body)))
    code = quote(data.draw(st.one_of(st.just(poll.code), form_text)), safe="")
    no_server_error(
        await unlimited.get(f"/api/v1/forms/{code}", params={"lang": data.draw(form_text)})
    )


@given(data=st.data())
@fuzz
async def test_the_public_html_form(
    unlimited: httpx.AsyncClient, poll: OpenPoll, data: st.DataObject
) -> None:
    fields: list[tuple[str, str]] = []
    for question in poll.questions:
        for _ in range(data.draw(st.integers(0, 3))):
            fields.append((f"q{question['id']}", data.draw(numbers_as_text)))
    fields += data.draw(st.lists(st.tuples(form_text, form_text), max_size=3))
    sent = await unlimited.post(
        f"/p/{poll.code}",
        content=urlencode(fields).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    no_server_error(sent)
    code = quote(data.draw(st.one_of(st.just(poll.code), form_text)), safe="")
    no_server_error(await unlimited.get(f"/p/{code}", params={"lang": data.draw(form_text)}))


@given(username=form_text, password=form_text)
@fuzz
async def test_the_sign_in_form(
    unlimited: httpx.AsyncClient, world: World, username: str, password: str
) -> None:
    page = await unlimited.get("/console/login")
    sent = await unlimited.post(
        "/console/login",
        data={"username": username, "password": password, "_csrf_token": csrf_token(page)},
    )
    no_server_error(sent)


@given(data=st.data())
@fuzz
async def test_the_console_editor(
    unlimited: httpx.AsyncClient, world: World, data: st.DataObject
) -> None:
    if "polls_session" not in unlimited.cookies:
        await login(unlimited, "officer")
    page = await unlimited.get("/console/polls/new")
    form: dict[str, Any] = {
        "_csrf_token": csrf_token(page),
        "unit": data.draw(st.one_of(st.just("than-mao-khe"), form_text)),
        "title": data.draw(form_text),
        "description": data.draw(form_text),
        "language": data.draw(st.one_of(st.sampled_from(["vi", "en"]), form_text)),
        "opens_at": data.draw(moment_texts),
        "closes_at": data.draw(moment_texts),
        "min_group_size": data.draw(numbers_as_text),
        "duplicate_policy": data.draw(st.one_of(st.just("device"), form_text)),
        "blocks": data.draw(st.one_of(st.just("2"), numbers_as_text)),
    }
    for i in range(2):
        form |= {
            f"q{i}.kind": data.draw(
                st.one_of(
                    st.sampled_from(["single", "multi", "scale", "yes_no", "text"]), form_text
                )
            ),
            f"q{i}.text": data.draw(form_text),
            f"q{i}.options": data.draw(form_text),
            f"q{i}.max_choices": data.draw(numbers_as_text),
            f"q{i}.min": data.draw(numbers_as_text),
            f"q{i}.max": data.draw(numbers_as_text),
            f"q{i}.min_label": data.draw(form_text),
            f"q{i}.max_label": data.draw(form_text),
        }
    no_server_error(await unlimited.post("/console/polls/new", data=form))


@given(data=st.data())
@fuzz
async def test_the_api_editor(
    unlimited: httpx.AsyncClient, world: World, data: st.DataObject
) -> None:
    changes = data.draw(
        st.fixed_dictionaries(
            {},
            optional={
                "title": json_values,
                "description": json_values,
                "unit": json_values,
                "opens_at": st.one_of(moment_texts, json_values),
                "closes_at": st.one_of(moment_texts, json_values),
                "min_group_size": json_values,
                "language": json_values,
            },
        )
    )
    question = data.draw(
        st.fixed_dictionaries(
            {"kind": st.sampled_from(["single", "multi", "scale", "yes_no", "text"])},
            optional={
                "text": json_values,
                "options": st.lists(json_text, max_size=4),
                "max_choices": json_values,
                "min": json_values,
                "max": json_values,
                "min_label": json_values,
            },
        )
    )
    body = {**SAMPLE_POLL, **changes, "questions": [SAMPLE_POLL["questions"][0], question]}
    headers = world.auth("officer")
    created = await unlimited.post("/api/v1/polls", **as_json(body, headers))
    no_server_error(created)
    target = (
        created.json()["id"]
        if created.status_code == 201
        else quote(data.draw(numbers_as_text), safe="")
    )
    patched = await unlimited.patch(f"/api/v1/polls/{target}", **as_json(changes, headers))
    no_server_error(patched)
