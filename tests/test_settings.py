"""Settings read from the environment: the live view's check interval and stream lifetime, the
Zalo Mini App's id, the Zalo Bot's."""

from __future__ import annotations

import pytest

from polls.settings import Settings

BASE = {"SECRET_KEY": "s" * 32}


def test_the_live_view_defaults_to_a_check_every_2_s_and_an_hour_long_stream() -> None:
    settings = Settings.from_env(BASE)
    assert settings.live_check_seconds == 2.0
    assert settings.live_max_seconds == 3600.0


def test_the_live_view_timings_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {**BASE, "LIVE_CHECK_SECONDS": " 0.5 ", "LIVE_STREAM_SECONDS": "900"}
    )
    assert settings.live_check_seconds == 0.5
    assert settings.live_max_seconds == 900.0


@pytest.mark.parametrize("name", ["LIVE_CHECK_SECONDS", "LIVE_STREAM_SECONDS"])
@pytest.mark.parametrize("raw", ["soon", "0", "-2", "nan", "inf", "1e999"])
def test_a_live_view_timing_must_be_a_positive_number_of_seconds(name: str, raw: str) -> None:
    with pytest.raises(ValueError, match=name):
        Settings.from_env({**BASE, name: raw})


def test_the_check_interval_must_fit_in_the_stream() -> None:
    with pytest.raises(ValueError, match=r"LIVE_CHECK_SECONDS .* LIVE_STREAM_SECONDS"):
        Settings.from_env({**BASE, "LIVE_CHECK_SECONDS": "30", "LIVE_STREAM_SECONDS": "10"})
    assert Settings.from_env({**BASE, "LIVE_CHECK_SECONDS": "10", "LIVE_STREAM_SECONDS": "10"})


def test_the_zalo_mini_app_id_is_numeric_or_unset() -> None:
    assert Settings.from_env(BASE).zalo_mini_app_id == ""
    assert Settings.from_env(
        {**BASE, "ZALO_MINI_APP_ID": " 2145963870157032459 "}
    ).zalo_mini_app_id == ("2145963870157032459")


@pytest.mark.parametrize("raw", ["abc", "12 34", "1/../x", "١٢٣", "9" * 26])
def test_a_zalo_mini_app_id_that_would_build_a_dead_link_is_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="ZALO_MINI_APP_ID"):
        Settings.from_env({**BASE, "ZALO_MINI_APP_ID": raw})


def test_the_zalo_bot_settings() -> None:
    default = Settings.from_env(BASE)
    assert not default.zalo_bot_configured
    assert default.zalo_bot_api_base == "https://bot-api.zaloplatforms.com"
    bot = Settings.from_env(
        {
            **BASE,
            "ZALO_BOT_TOKEN": " 1:abc ",
            "ZALO_BOT_WEBHOOK_SECRET": "s3cret-0123",
            "ZALO_BOT_API_BASE": "http://127.0.0.1:9/",
            "ZALO_BOT_UNIT": "than-mao-khe",
        }
    )
    assert bot.zalo_bot_configured
    assert (bot.zalo_bot_token, bot.zalo_bot_webhook_secret) == ("1:abc", "s3cret-0123")
    assert bot.zalo_bot_api_base == "http://127.0.0.1:9"
    assert bot.zalo_bot_unit == "than-mao-khe"
    assert "1:abc" not in repr(bot)
    assert "s3cret" not in repr(bot)


@pytest.mark.parametrize("raw", ["short", "with space inside", "dấu-tiếng-việt", "x" * 257])
def test_a_zalo_bot_secret_zalo_would_refuse_is_refused_at_start(raw: str) -> None:
    with pytest.raises(ValueError, match="ZALO_BOT_WEBHOOK_SECRET"):
        Settings.from_env({**BASE, "ZALO_BOT_WEBHOOK_SECRET": raw})
