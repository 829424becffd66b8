"""Rules carried by configuration, asserted from the app and the server as built.

- No access log: a log line with a client's address next to the time of a submission would
  tie a phone to a response (the server's administrator is one of those a worker fears).
- Cookies: the console's session and the phone's device token are ``HttpOnly`` (out of any
  script's reach), ``SameSite=Lax`` (never sent with another site's post) and ``Secure`` on
  an https site; the session ends after ``POLLS_SESSION_HOURS``.
- Security headers on every kind of answer: scripts only from this origin (no inline script
  but the form's one, by hash), no plugin, no framing except the form inside a messenger, no
  content sniffing, no referrer to another site (none at all from the form, whose address
  holds the placement's code; an unknown code's error page holds no real one).
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from polls import cli, privacy
from polls.app import create_app
from polls.settings import Settings
from tests.conftest import PASSWORD, SECRET, Database, World, create_open_poll
from tests.console.conftest import csrf_token
from tests.servers import POLLS, Deployment

CLIENT_ADDRESS = "203.0.113.77"
"""A documentation address, sent as ``X-Forwarded-For``: it must appear in no log."""


def test_the_serve_command_turns_the_access_log_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the log level: uvicorn's access log is off, and it reads no proxy header."""
    ran: dict[str, Any] = {}
    monkeypatch.setattr("uvicorn.run", lambda app, **options: ran.update(options, app=app))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'polls.sqlite3'}")
    monkeypatch.setenv("SECRET_KEY", SECRET + "-and-more-entropy-ABCDEFGHIJ")
    monkeypatch.setenv("BASE_URL", "http://127.0.0.1:8000")
    assert cli.main(["serve", "--port", "8123"]) == 0
    assert ran["app"] == "polls.asgi:app"
    assert ran["access_log"] is False
    assert ran["proxy_headers"] is False
    assert ran["server_header"] is False


def test_the_running_server_logs_no_client_address(tmp_path: Path) -> None:
    site = Deployment(tmp_path, f"sqlite:///{tmp_path / 'polls.sqlite3'}")
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*POLLS, "serve", "--port", str(site.port)],
            cwd=tmp_path,
            env={**site.env, "POLLS_TRUSTED_PROXIES": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            # a cap, not a wait: it goes on as soon as the server answers (a loaded machine
            # has been seen to need more than 30 s to migrate and start)
            deadline = time.monotonic() + 180
            while True:
                assert process.poll() is None, log.read_text()
                try:
                    if httpx.get(site.url + "/livez", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
            headers = {"X-Forwarded-For": CLIENT_ADDRESS, "User-Agent": "Zalo-Android/23"}
            for path in ("/livez", "/p/NO-SUCH-CODE", "/console/login", "/api/v1/forms/NOPE"):
                httpx.get(site.url + path, headers=headers)
            sent = httpx.post(
                site.url + "/api/v1/forms/NOPE/responses", json={"answers": {}}, headers=headers
            )
            assert sent.status_code == 404
        finally:
            process.terminate()
            process.wait(15)
    written = log.read_text()
    assert "serving on" in written, "the log was not captured"
    for trace in (CLIENT_ADDRESS, "GET /livez", "/p/NO-SUCH-CODE", "Zalo-Android", '" 404'):
        assert trace not in written, f"the server logged {trace!r}:\n{written}"


def set_cookies(response: httpx.Response) -> dict[str, str]:
    """The ``Set-Cookie`` headers of ``response`` by cookie name, lowercased."""
    found = {}
    for header in response.headers.get_list("set-cookie"):
        found[header.split("=", 1)[0]] = header.lower()
    return found


@pytest.mark.parametrize("base_url", ["https://thamdo.congdoan.vn", "http://127.0.0.1:8000"])
async def test_cookies_are_http_only_same_site_and_secure_on_https(
    db: Database, world: World, base_url: str
) -> None:
    settings = Settings.from_env(
        {"DATABASE_URL": db.url, "SECRET_KEY": SECRET, "BASE_URL": base_url}
    )
    https = base_url.startswith("https://")
    app = create_app(settings, engine=db.engine)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="https://testserver.local" if https else "http://testserver.local",
    ) as client:
        page = await client.get("/console/login")
        csrf = set_cookies(page)["polls_csrf"]
        signed_in = await client.post(
            "/console/login",
            data={"username": "officer", "password": PASSWORD, "_csrf_token": csrf_token(page)},
        )
        assert signed_in.status_code in (302, 303), signed_in.text
        session = set_cookies(signed_in)["polls_session"]
        poll = await create_open_poll(client, world)
        client.cookies.clear()
        form = await client.get(f"/p/{poll.code}")
        assert form.status_code == 200
        device = set_cookies(form)[privacy.DEVICE_COOKIE]
    for name, cookie in {"session": session, "device": device}.items():
        assert "httponly" in cookie, name
        assert "samesite=lax" in cookie, name
        assert "path=/" in cookie, name
        assert ("; secure" in cookie) is https, name
    assert "samesite=lax" in csrf
    assert ("; secure" in csrf) is https
    assert f"max-age={12 * 3600}" in session
    await app.state.limiter.counter.close()


async def test_every_kind_of_answer_carries_the_security_headers(
    client: httpx.AsyncClient, world: World
) -> None:
    poll = await create_open_poll(client, world)
    answers = {
        "form": await client.get(f"/p/{poll.code}"),
        "form error": await client.get("/p/NO-SUCH-CODE"),
        "json": await client.get(f"/api/v1/forms/{poll.code}"),
        "json error": await client.post(
            f"/api/v1/forms/{poll.code}/responses", content=b"{", headers={"content-type": "x"}
        ),
        "console": await client.get("/console/login"),
        "console redirect": await client.get("/console"),
        "reference": await client.get("/schema"),
        "health": await client.get("/livez"),
        "notice": await client.get("/privacy"),
        "not found": await client.get("/no/such/page"),
    }
    for what, response in answers.items():
        assert response.status_code < 500, (what, response.status_code)
        headers = response.headers
        assert "content-security-policy" in headers, (what, response.status_code)
        policy = {
            part.strip().split(" ", 1)[0]: part.strip()
            for part in headers["content-security-policy"].split(";")
        }
        assert policy["default-src"] == "default-src 'self'", what
        assert policy["object-src"] == "object-src 'none'", what
        assert policy["base-uri"] == "base-uri 'none'", what
        assert "'unsafe-inline'" not in policy["script-src"], what
        assert "'unsafe-eval'" not in policy["script-src"], what
        assert not any(host in policy["script-src"] for host in ("http:", "https:", "*")), what
        assert headers["x-content-type-options"] == "nosniff", what
        assert headers["referrer-policy"] in ("same-origin", "no-referrer"), what
        if what == "form":
            assert headers["referrer-policy"] == "no-referrer", what
            assert policy["frame-ancestors"].startswith("frame-ancestors 'self' "), what
            assert headers["cache-control"] == "no-store", what
        elif what != "form error":
            assert policy["frame-ancestors"] == "frame-ancestors 'none'", what
