"""``polls zalo-bot set-webhook`` and ``polls zalo-bot info`` against the fake Zalo Bot API:
what they send, what they refuse, and that the token and the secret never reach the
terminal."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from polls import cli
from tests.messengers.fake_zalo_bot import FakeZaloBot, serve

TOKEN = "1459232241454765289:test-ONLY-not-a-real-zalo-bot-token"
SECRET = "zalo-bot-secret_0123456789"


@pytest.fixture
def fake() -> Iterator[FakeZaloBot]:
    yield from serve(FakeZaloBot(TOKEN))


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, fake: FakeZaloBot) -> pytest.MonkeyPatch:
    for name, value in {
        "SECRET_KEY": "cli-test-secret",
        "BASE_URL": "https://polls.example.vn/",
        "ZALO_BOT_TOKEN": TOKEN,
        "ZALO_BOT_WEBHOOK_SECRET": SECRET,
        "ZALO_BOT_API_BASE": fake.url,
    }.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(["zalo-bot", *argv])
    out, err = capsys.readouterr()
    for secret in (TOKEN, TOKEN.split(":")[1], SECRET):
        assert secret not in out + err
    return code, out, err


def test_set_webhook_then_info(
    env: pytest.MonkeyPatch, fake: FakeZaloBot, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "set-webhook")
    assert code == 0
    assert out.strip() == "webhook set: https://polls.example.vn/webhooks/zalo-bot"
    assert fake.webhook == {
        "url": "https://polls.example.vn/webhooks/zalo-bot",
        "secret_token": SECRET,
    }
    code, out, _ = run(capsys, "info")
    assert code == 0
    assert "bot.CongDoanTest" in out
    assert "webhook:          https://polls.example.vn/webhooks/zalo-bot" in out
    assert "beta" in out


def test_refusals(
    env: pytest.MonkeyPatch, fake: FakeZaloBot, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("ZALO_BOT_WEBHOOK_SECRET", "short")
    code, _, err = run(capsys, "set-webhook")
    assert code == 2
    assert "8-256" in err
    env.delenv("ZALO_BOT_WEBHOOK_SECRET")
    code, _, err = run(capsys, "set-webhook")
    assert code == 2
    assert "ZALO_BOT_WEBHOOK_SECRET is not set" in err
    env.setenv("ZALO_BOT_WEBHOOK_SECRET", SECRET)
    env.setenv("BASE_URL", "http://polls.example.vn")
    code, _, err = run(capsys, "set-webhook")
    assert code == 2
    assert "https://" in err
    env.setenv("ZALO_BOT_API_BASE", "http://127.0.0.1:9")
    code, _, err = run(capsys, "info")
    assert code == 1
    assert "cannot reach http://127.0.0.1:9" in err
    env.delenv("ZALO_BOT_TOKEN")
    code, _, err = run(capsys, "info")
    assert code == 2
    assert "ZALO_BOT_TOKEN is not set" in err
    assert fake.webhook == {}
