"""``polls telegram set-webhook`` and ``polls telegram info`` against the fake Bot API: what
they send, what they refuse, and that the token never reaches the terminal."""

from __future__ import annotations

import pytest

from polls import cli
from tests.messengers.conftest import BOT_TOKEN
from tests.messengers.fake_telegram import FakeTelegram

SECRET = "webhook-secret_0123456789"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, fake_telegram: FakeTelegram) -> pytest.MonkeyPatch:
    for name, value in {
        "SECRET_KEY": "cli-test-secret",
        "BASE_URL": "https://polls.example.vn/",
        "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
        "TELEGRAM_BOT_USERNAME": "test_bot",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_API_BASE": fake_telegram.url,
    }.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(["telegram", *argv])
    out, err = capsys.readouterr()
    for secret in (BOT_TOKEN, BOT_TOKEN.split(":")[1], SECRET):
        assert secret not in out + err
    return code, out, err


def test_set_webhook_points_telegram_at_the_app(
    env: pytest.MonkeyPatch, fake_telegram: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "set-webhook")
    assert code == 0
    assert "https://polls.example.vn/webhooks/telegram" in out
    (params,) = fake_telegram.sent("setwebhook")
    assert params == {
        "url": "https://polls.example.vn/webhooks/telegram",
        "secret_token": SECRET,
        "allowed_updates": ["message"],
    }
    assert fake_telegram.webhook["url"] == "https://polls.example.vn/webhooks/telegram"


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"TELEGRAM_WEBHOOK_SECRET": ""}, "TELEGRAM_WEBHOOK_SECRET is not set"),
        ({"TELEGRAM_WEBHOOK_SECRET": "has spaces!"}, "A-Z a-z 0-9 _ -"),
        ({"BASE_URL": "http://polls.example.vn"}, "https://"),
        ({"TELEGRAM_BOT_TOKEN": ""}, "TELEGRAM_BOT_TOKEN is not set"),
    ],
)
def test_set_webhook_refuses_an_unsafe_setup(
    env: pytest.MonkeyPatch,
    fake_telegram: FakeTelegram,
    capsys: pytest.CaptureFixture[str],
    changes: dict[str, str],
    complaint: str,
) -> None:
    for name, value in changes.items():
        env.setenv(name, value)
    code, _, err = run(capsys, "set-webhook")
    assert code == 2
    assert complaint in err
    assert fake_telegram.calls == []


def test_http_only_with_the_explicit_flag(
    env: pytest.MonkeyPatch, fake_telegram: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("BASE_URL", "http://127.0.0.1:8000")
    # the flag lets the command ask; the cloud (like the fake) still wants HTTPS
    code, _, err = run(capsys, "set-webhook", "--allow-http")
    assert code == 1
    assert "An HTTPS URL must be provided" in err
    assert len(fake_telegram.sent("setwebhook")) == 1


def test_info_shows_the_bot_and_its_webhook(
    env: pytest.MonkeyPatch, fake_telegram: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "info")
    assert code == 0
    assert "@test_bot" in out
    assert "id 123456789" in out
    assert "(none set)" in out
    run(capsys, "set-webhook")
    fake_telegram.webhook["url"] = "https://old.example.vn/webhooks/telegram"
    code, out, _ = run(capsys, "info")
    assert "https://old.example.vn/webhooks/telegram" in out
    assert "warning: this server expects https://polls.example.vn/webhooks/telegram" in out
    assert "allowed updates:  message" in out
    assert [m for m, _ in fake_telegram.calls][-2:] == ["getme", "getwebhookinfo"]


def test_info_reports_a_wrong_token_and_an_unreachable_api(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("TELEGRAM_BOT_TOKEN", "1:wrong")
    code, _, err = run(capsys, "info")
    assert (code, err.strip()) == (1, "error: Telegram refused: 401 Unauthorized")
    env.setenv("TELEGRAM_BOT_TOKEN", BOT_TOKEN)
    env.setenv("TELEGRAM_API_BASE", "http://127.0.0.1:9")
    code, _, err = run(capsys, "info")
    assert code == 1
    assert "cannot reach http://127.0.0.1:9 (ConnectError)" in err
