"""The OA's token pair in the database: sealed at rest, refreshed shortly before expiry and
when Zalo calls it invalid (then the message is sent once more), and refreshed once however
many refresh at the same time: two app instances in this process, two processes, and the
``polls zalo`` commands, all against the fake Zalo on 127.0.0.1."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from polls import tables as t
from polls.errors import NotConfigured
from polls.messengers import zalo as zalo_api
from polls.messengers.zalo import OutsideReplyWindow, TokenPair, ZaloApi
from polls.services import zalo
from tests.conftest import SECRET, Database
from tests.messengers.fake_zalo import APP_ID, APP_SECRET, OA_SECRET_KEY, FakeZalo, serve

ROOT = Path(__file__).resolve().parents[2]
FOLLOWER = "246845883529197922"


@pytest.fixture
def fake_zalo() -> Iterator[FakeZalo]:
    yield from serve(FakeZalo())


@pytest.fixture(autouse=True)
def only_pytest_logs() -> Iterator[None]:
    """Every app made by an earlier test pointed the root logger at that test's captured
    stderr, closed since; these tests make no app, so they log to pytest's handlers only."""
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers = []
    yield
    root.handlers = saved


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def setup_for(fake: FakeZalo, clock: Clock | None = None) -> zalo.ZaloSetup:
    """What one app instance holds: its own client, and its own in-process lock."""
    api = ZaloApi(
        APP_ID, APP_SECRET, oauth_base=fake.url, openapi_base=fake.url, graph_base=fake.url
    )
    return zalo.ZaloSetup(
        api=api,
        app_id=APP_ID,
        oa_secret_key=OA_SECRET_KEY,
        secret_key=SECRET,
        base_url="https://polls.example.vn",
        clock=clock or time.time,
    )


async def first_pair(fake: FakeZalo, setup: zalo.ZaloSetup) -> TokenPair:
    access, refresh = fake.issue_pair()
    pair = TokenPair(access, refresh, 90000)
    await zalo.store_pair(setup, pair)
    return pair


async def close(*setups: zalo.ZaloSetup) -> None:
    for setup in setups:
        assert setup.api is not None
        await setup.api.aclose()


async def test_the_pair_is_sealed_at_rest(db: Database, fake_zalo: FakeZalo) -> None:
    setup = setup_for(fake_zalo)
    pair = await first_pair(fake_zalo, setup)
    (row,) = await t.ZaloToken.select()
    assert pair.access_token not in str(row)
    assert pair.refresh_token not in str(row)
    assert (await zalo.access_token(setup)).value == pair.access_token
    other_secret = setup_for(fake_zalo)
    other_secret.secret_key = "another-secret-" + "y" * 20
    with pytest.raises(NotConfigured):
        await zalo.access_token(other_secret)
    await close(setup, other_secret)


async def test_without_a_pair_the_commands_are_named(db: Database, fake_zalo: FakeZalo) -> None:
    setup = setup_for(fake_zalo)
    with pytest.raises(NotConfigured) as missing:
        await zalo.access_token(setup)
    assert "exchange-code" in missing.value.message
    await close(setup)


async def test_a_token_near_its_expiry_is_refreshed_first(
    db: Database, fake_zalo: FakeZalo
) -> None:
    clock = Clock()
    setup = setup_for(fake_zalo, clock)
    pair = await first_pair(fake_zalo, setup)
    assert (await zalo.access_token(setup)).value == pair.access_token
    clock.now += 90000 - zalo.REFRESH_MARGIN + 1
    fresh = await zalo.access_token(setup)
    assert fresh.value == fake_zalo.issued[1][0]
    assert fresh.generation == 2
    assert fake_zalo.spent_refresh_tokens == {pair.refresh_token: 1}
    assert (await zalo.access_token(setup)).value == fresh.value  # stored: no second refresh
    assert len(fake_zalo.issued) == 2
    await close(setup)


async def test_an_expired_token_is_refreshed_and_the_message_sent_once_more(
    db: Database, fake_zalo: FakeZalo
) -> None:
    setup = setup_for(fake_zalo)
    pair = await first_pair(fake_zalo, setup)
    fake_zalo.followers.add(FOLLOWER)
    fake_zalo.expire_access_tokens()  # Zalo revoked it early: our clock still trusts it
    await zalo.send_text(setup, FOLLOWER, "Xin chào")
    sends = [(path, h["access_token"]) for _, path, h, _ in fake_zalo.requests if "cs" in path]
    assert sends == [
        ("/v3.0/oa/message/cs", pair.access_token),
        ("/v3.0/oa/message/cs", fake_zalo.issued[1][0]),
    ]
    assert len(fake_zalo.sent) == 1
    assert fake_zalo.spent_refresh_tokens == {pair.refresh_token: 1}
    # outside the reply window: a clear refusal, no refresh, no retry
    with pytest.raises(OutsideReplyWindow):
        await zalo.send_text(setup, "111111111111111111", "Xin chào")
    assert len(fake_zalo.issued) == 2
    await close(setup)


async def test_a_refused_refresh_token_is_reported_and_released(
    db: Database, fake_zalo: FakeZalo, caplog: pytest.LogCaptureFixture
) -> None:
    setup = setup_for(fake_zalo)
    pair = await first_pair(fake_zalo, setup)
    fake_zalo.refresh_token = "RT-revoked-by-zalo"
    with pytest.raises(zalo_api.GrantRefused):
        await zalo.refresh_after(setup)
    row = await t.ZaloToken.select().first()
    assert row is not None
    assert (row["generation"], row["lease_until"]) == (1, None)
    assert "authorize the app again" in caplog.text
    assert pair.refresh_token not in caplog.text
    await close(setup)


async def test_two_app_instances_refresh_at_once_and_spend_the_token_once(
    db: Database, fake_zalo: FakeZalo
) -> None:
    first, second = setup_for(fake_zalo), setup_for(fake_zalo)
    pair = await first_pair(fake_zalo, first)
    stale = await zalo.access_token(first)
    fake_zalo.refresh_delay = 0.3
    tokens = await asyncio.gather(
        zalo.refresh_after(first, stale),
        zalo.refresh_after(second, stale),
        zalo.refresh_after(second, stale),
    )
    assert fake_zalo.spent_refresh_tokens == {pair.refresh_token: 1}
    assert {token.value for token in tokens} == {fake_zalo.issued[1][0]}
    assert {token.generation for token in tokens} == {2}
    row = await t.ZaloToken.select().first()
    assert row is not None
    assert row["lease_until"] is None
    assert zalo.unseal(SECRET, row["refresh_token"]) == fake_zalo.issued[1][1]
    await close(first, second)


def run(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def finished(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = await asyncio.to_thread(process.communicate, timeout=60)
    return process.returncode, out, err


async def test_two_processes_refresh_at_once_and_spend_the_token_once(
    db: Database, fake_zalo: FakeZalo
) -> None:
    setup = setup_for(fake_zalo)
    pair = await first_pair(fake_zalo, setup)
    fake_zalo.refresh_delay = 1.0
    start_at = str(time.time() + 4)
    args = ["-m", "tests.messengers.zalo_refresher", db.url, SECRET, fake_zalo.url, start_at]
    processes = [run(args, {}), run(args, {})]
    outcomes = [await finished(p) for p in processes]
    for status, _, err in outcomes:
        assert status == 0, err
    assert fake_zalo.spent_refresh_tokens == {pair.refresh_token: 1}
    digest = hashlib.sha256(fake_zalo.issued[1][0].encode()).hexdigest()
    assert [out.split() for _, out, _ in outcomes] == [["2", digest], ["2", digest]]
    assert (await zalo.access_token(setup)).value == fake_zalo.issued[1][0]
    await close(setup)


def cli_env(db: Database, fake: FakeZalo) -> dict[str, str]:
    return {
        "DATABASE_URL": db.url,
        "SECRET_KEY": SECRET,
        "BASE_URL": "https://polls.example.vn",
        "ZALO_APP_ID": APP_ID,
        "ZALO_APP_SECRET": APP_SECRET,
        "ZALO_OAUTH_BASE": fake.url,
        "ZALO_OPENAPI_BASE": fake.url,
        "ZALO_GRAPH_BASE": fake.url,
    }


async def test_the_commands_authorize_and_refresh(db: Database, fake_zalo: FakeZalo) -> None:
    env = cli_env(db, fake_zalo)
    status, out, err = await finished(run(["-m", "polls", "zalo", "auth-url"], env))
    assert status == 0, err
    url = next(line for line in out.splitlines() if line.startswith(fake_zalo.url))
    assert "/v4/oa/permission?app_id=" + APP_ID in url
    assert "redirect_uri=https%3A%2F%2Fpolls.example.vn" in url
    verifier = out.split("ZALO_CODE_VERIFIER=")[1].split()[0]
    assert zalo_api.code_challenge(verifier) in url

    code = fake_zalo.consent(verifier)
    wrong = await finished(
        run(["-m", "polls", "zalo", "exchange-code", code, "--verifier", "x" * 43], env)
    )
    assert wrong[0] == 2
    assert "Zalo refused" in wrong[2]
    code = fake_zalo.consent(verifier)
    status, out, err = await finished(
        run(["-m", "polls", "zalo", "exchange-code", code], {**env, "ZALO_CODE_VERIFIER": verifier})
    )
    assert status == 0, err
    assert "stored" in out
    setup = setup_for(fake_zalo)
    (access, refresh) = fake_zalo.issued[0]
    assert (await zalo.access_token(setup)).value == access

    status, out, err = await finished(run(["-m", "polls", "zalo", "refresh"], env))
    assert status == 0, err
    assert "refreshed" in out
    assert fake_zalo.spent_refresh_tokens == {refresh: 1}
    assert (await zalo.access_token(setup)).value == fake_zalo.issued[1][0]
    for secret in (*fake_zalo.issued[0], *fake_zalo.issued[1], APP_SECRET):
        assert secret not in out + err

    unset = {**env, "ZALO_APP_ID": "", "ZALO_APP_SECRET": ""}
    for command in (["auth-url"], ["refresh"]):
        status, _, err = await finished(run(["-m", "polls", "zalo", *command], unset))
        assert status == 2
        assert "ZALO_APP_ID" in err
    await close(setup)


async def test_nothing_is_logged_about_tokens(
    db: Database, fake_zalo: FakeZalo, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    clock = Clock()
    setup = setup_for(fake_zalo, clock)
    pair = await first_pair(fake_zalo, setup)
    clock.now += 90000
    await zalo.access_token(setup)
    assert "refreshed" in caplog.text
    for secret in (pair.access_token, pair.refresh_token, *fake_zalo.issued[1], APP_SECRET, SECRET):
        assert secret not in caplog.text
    assert pair.access_token not in repr(setup)
    assert SECRET not in repr(setup)
    await close(setup)
