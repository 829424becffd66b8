"""Hostile input: each gets a clean 4xx, stores nothing, and leaves the process healthy."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.conftest import OpenPoll, World, stored_counts

NOTHING = {"response": 0, "answer": 0, "duplicate_key": 0}


async def _healthy(client: httpx.AsyncClient) -> None:
    assert (await client.get("/readyz")).status_code == 200


def _nested(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


@pytest.mark.parametrize(
    ("name", "body", "content_type", "statuses"),
    [
        (
            "deeply nested JSON",
            '{"answers": {"1": ' + _nested(5000) + "}}",
            "application/json",
            {400, 422},
        ),
        ("invalid UTF-8", b'{"answers": {"1": "\xff\xfe\xfa"}}', "application/json", {400, 422}),
        ("NUL bytes in a text answer", None, "application/json", {400}),
        ("a huge number", '{"answers": {"1": 1' + "0" * 400 + "}}", "application/json", {400, 422}),
        (
            "a negative huge number",
            '{"answers": {"1": -9223372036854775809}}',
            "application/json",
            {400, 422},
        ),
        ("a float where an id goes", '{"answers": {"1": 1e308}}', "application/json", {400, 422}),
        ("wrong content type", '{"answers": {}}', "text/plain", {400, 415, 422}),
        (
            "form encoding on the JSON API",
            "answers=1",
            "application/x-www-form-urlencoded",
            {400, 415, 422},
        ),
        ("an array body", "[]", "application/json", {400, 422}),
        ("null body", "null", "application/json", {400, 422}),
        (
            "unknown top-level field",
            '{"answers": {}, "ip": "1.2.3.4"}',
            "application/json",
            {400, 422},
        ),
        (
            "60 000 answers",
            json.dumps({"answers": {str(i): 1 for i in range(60000)}}),
            "application/json",
            {400, 413, 422},
        ),
    ],
)
async def test_hostile_json_bodies_get_a_clean_4xx(
    client: httpx.AsyncClient,
    open_poll: OpenPoll,
    name: str,
    body: str | bytes | None,
    content_type: str,
    statuses: set[int],
) -> None:
    if body is None:  # a NUL byte inside an otherwise valid answer
        answers = open_poll.answers(text="Tốt\x00<script>")
        body = json.dumps({"answers": answers})
    got = await client.post(
        f"/api/v1/forms/{open_poll.code}/responses",
        content=body if isinstance(body, bytes) else body.encode(),
        headers={"Content-Type": content_type},
    )
    assert got.status_code in statuses, (name, got.status_code, got.text[:300])
    assert got.headers["content-type"].startswith("application/json")
    assert "detail" in got.json()
    assert await stored_counts() == NOTHING
    await _healthy(client)


async def test_repeated_form_fields_for_one_answer_are_refused(
    client: httpx.AsyncClient, open_poll: OpenPoll
) -> None:
    single = open_poll.questions[0]
    fields = [(f"q{single['id']}", str(o["id"])) for o in single["options"][:2]]
    got = await client.post(
        f"/p/{open_poll.code}",
        content="&".join(f"{k}={v}" for k, v in fields).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert got.status_code == 422
    assert await stored_counts() == NOTHING


@pytest.mark.parametrize(
    "code",
    [
        "..%2F..%2Fetc%2Fpasswd",
        "%2e%2e",
        "ABC%00DEF",
        "<script>",
        "A" * 500,
        "abc'--",
        "%F0%9F%92%A9",
    ],
)
async def test_strange_codes_are_404_pages(
    client: httpx.AsyncClient, world: World, code: str
) -> None:
    expected = 400 if "%00" in code else 404  # a NUL anywhere is refused before routing
    page = await client.get(f"/p/{code}")
    assert page.status_code == expected, (code, page.status_code)
    assert "<script>" not in page.text.split("</style>", 1)[-1].replace("<script>{", "")
    api = await client.get(f"/api/v1/forms/{code}")
    assert api.status_code == expected
    await _healthy(client)


@pytest.mark.parametrize("query", ["lang=vi%00", "c=AB%00CD", "x=%00", "lang=vi&c=%2500"])
async def test_a_nul_in_a_query_is_refused_in_the_users_words(
    client: httpx.AsyncClient, open_poll: OpenPoll, query: str
) -> None:
    """Only ``%00`` carries a NUL in a query; ``%2500`` is the text "%00", which passes."""
    page = await client.get(f"/p/{open_poll.code}?{query}", headers={"Accept-Language": "vi"})
    if "%2500" in query:
        assert page.status_code == 200
        return
    assert page.status_code == 400
    assert "không thể lưu" in page.text.lower()
    api = await client.get(f"/api/v1/forms/{open_poll.code}?{query}")
    assert api.status_code == 400
    await _healthy(client)


async def test_a_forged_session_cookie_is_a_sign_in_page(
    client: httpx.AsyncClient, world: World
) -> None:
    for forged in ("x", "null", "eyJvZmZpY2VyX2lkIjogMX0=", "A" * 4000):
        client.cookies.set("polls_session", forged)
        page = await client.get("/console", follow_redirects=False)
        assert page.status_code in {302, 303, 307}, (forged, page.status_code)
        assert page.headers["location"].endswith("/console/login")
    client.cookies.clear()
    await _healthy(client)


async def test_a_forged_bearer_token_is_401(client: httpx.AsyncClient, world: World) -> None:
    for token in ("pt_" + "A" * 43, "pt_", "../../", "x" * 5000):
        got = await client.get("/api/v1/polls", headers={"Authorization": f"Bearer {token}"})
        assert got.status_code == 401


async def test_security_headers(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    form = await client.get(f"/p/{open_poll.code}")
    csp = form.headers["content-security-policy"]
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0]
    assert "frame-ancestors 'self' https://web.telegram.org" in csp
    assert form.headers["referrer-policy"] == "no-referrer"
    assert form.headers["x-content-type-options"] == "nosniff"
    for path in ("/console/login", "/privacy", "/api/v1/forms/" + open_poll.code, "/nowhere"):
        page = await client.get(path)
        assert "frame-ancestors 'none'" in page.headers.get("content-security-policy", ""), path
        assert page.headers["x-content-type-options"] == "nosniff", path


@pytest.mark.parametrize("poll_id", ["2710084654539043920572055552", "-1", "0", "2147483648"])
async def test_ids_out_of_range_are_a_4xx(
    client: httpx.AsyncClient, world: World, poll_id: str
) -> None:
    for path in (f"/api/v1/polls/{poll_id}", f"/api/v1/polls/{poll_id}/results"):
        got = await client.get(path, headers=world.auth("admin"))
        assert got.status_code in {404, 422}, (path, got.status_code, got.text)
    closed = await client.post(f"/api/v1/polls/{poll_id}/close", headers=world.auth("admin"))
    assert closed.status_code in {404, 422}
