"""Mini App launch data checked with the vectors of shared/reference/messengers.md (T0, T1,
T2, T3), and each way of tampering with them refused."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from polls.messengers import telegram
from polls.messengers.telegram import InvalidInitData, signature_valid, validate

T0_TOKEN = "7342037359:AAHI25ES9xCOMPokpYoz-p8XVrZUdygo2J4"
T0 = (
    "user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%20%2B%20-%20%3F%20%5C%2F%22"
    "%2C%22last_name%22%3A%22Kibenko%22%2C%22username%22%3A%22vdkfrost%22%2C%22language_code%22"
    "%3A%22ru%22%2C%22is_premium%22%3Atrue%2C%22allows_write_to_pm%22%3Atrue%2C%22photo_url%22"
    "%3A%22https%3A%5C%2F%5C%2Ft.me%5C%2Fi%5C%2Fuserpic%5C%2F320%5C%2F4FPEE4tmP3ATHa57u6MqTDih13"
    "LTOiMoKoLDRG4PnSA.svg%22%7D&chat_instance=8134722200314281151&chat_type=private"
    "&auth_date=1733509682&signature=TYJxVcisqbWjtodPepiJ6ghziUL94-KNpG8Pau-X7oNNLNBM72APCpi_RKi"
    "UlBvcqo5L-LAxIc3dnTzcZX_PDg&hash=a433d8f9847bd6addcc563bff7cc82c89e97ea0d90c11fe5729cae6796"
    "a36d73"
)
T1_TOKEN = "123456789:AAHtest-ONLY-not-a-real-bot-token_xyz"
T1_USER = (
    "user=%7B%22id%22%3A5000000001%2C%22first_name%22%3A%22Nguy%E1%BB%85n%22%2C%22last_name%22"
    "%3A%22V%C4%83n%20An%22%2C%22username%22%3A%22cong_nhan_an%22%2C%22language_code%22%3A%22vi"
    "%22%2C%22allows_write_to_pm%22%3Atrue%2C%22photo_url%22%3A%22https%3A%5C%2F%5C%2Ft.me%5C%2F"
    "i%5C%2Fuserpic%5C%2F320%5C%2Ftest.svg%22%7D"
)
T1 = (
    T1_USER + "&chat_instance=-4417368920371012345&chat_type=sender&start_param=poll_42"
    "&auth_date=1760000000&hash=5c7248bfa8c27d502bbf5975d913aec7b41090bdac147d0381f20eaabc89dd08"
)
T2 = (
    "query_id=AAHtestQueryId0001&"
    + T1_USER
    + "&auth_date=1760000000&signature=yG9aozOdKjODWMAUA2PKysgtPVHbNxdSy6Caq9_0d4csHLfq9AD8obvJ2zh"
    "3cdRliVJk7W1LSox8ILFPaCcJDw&hash=324a171b3a3c606219aba635a98c96ea006bda2941ea9ed2b52ba66011f"
    "ba076"
)
T3_TOKEN = "5768337691:AAGDAe6rjxu1cUgxK4BizYi--Utc3J9v5AU"
T3 = (
    "user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%22%2C%22last_name%22%3A%22"
    "Kibenko%22%2C%22username%22%3A%22vdkfrost%22%2C%22language_code%22%3A%22en%22%2C%22is_premium"
    "%22%3Atrue%2C%22allows_write_to_pm%22%3Atrue%7D&chat_instance=-3788475317572404878"
    "&chat_type=private&auth_date=1709144340&hash=371697738012ebd26a111ace4aff23ee265596cd64026c8c"
    "3677956a85ca1827"
)


def at(moment: float) -> Callable[[], float]:
    return lambda: moment


def test_telegram_signed_sample_passes_with_signature_in_the_hmac() -> None:
    launch = validate(T0, T0_TOKEN, max_age=3600, now=at(1733509682 + 5))
    assert launch.user_id == 279058397
    assert launch.start_param is None
    assert launch.chat_type == "private"
    without_signature = "&".join(p for p in T0.split("&") if not p.startswith("signature="))
    assert not signature_valid(without_signature, T0_TOKEN)


def test_vietnamese_direct_link_sample_passes() -> None:
    launch = validate(T1, T1_TOKEN, max_age=3600, now=at(1760000100))
    assert (launch.user_id, launch.auth_date, launch.start_param) == (
        5000000001,
        1760000000,
        "poll_42",
    )
    assert launch.subject == "telegram:5000000001"
    assert "5000000001" not in repr(launch)


def test_older_samples_pass() -> None:
    assert signature_valid(T2, T1_TOKEN)
    assert signature_valid(T3, T3_TOKEN)
    assert validate(T3, T3_TOKEN, max_age=60, now=at(1709144340)).user_id == 279058397


@pytest.mark.parametrize(
    ("init_data", "token"),
    [
        (T1.replace("start_param=poll_42", "start_param=poll_43"), T1_TOKEN),
        (T1.replace("%3A5000000001%2C", "%3A5000000002%2C"), T1_TOKEN),
        (T1.replace("auth_date=1760000000", "auth_date=1760000999"), T1_TOKEN),
        (T1, T1_TOKEN[:-1] + "Z"),
        (T1 + "&start_param=poll_42", T1_TOKEN),
        (T1 + "&hash=5c7248bfa8c27d502bbf5975d913aec7b41090bdac147d0381f20eaabc89dd08", T1_TOKEN),
        ("start_param=poll_42&" + T1, T1_TOKEN),
        (T1.replace("&hash=", "&hash=0"), T1_TOKEN),
        (T1.split("&hash=")[0], T1_TOKEN),
        (T1.replace("chat_type=sender", "chat_type=sender&extra=1"), T1_TOKEN),
        (T2.replace("AAHtestQueryId0001", "AAHtestQueryId0002"), T1_TOKEN),
        (T1, ""),
        ("", T1_TOKEN),
        ("not a query string", T1_TOKEN),
        ("a=1&&b=2", T1_TOKEN),
    ],
    ids=[
        "start-param",
        "user-id",
        "auth-date",
        "wrong-token",
        "duplicate-start-param",
        "duplicate-hash",
        "duplicate-key-first",
        "hash-changed",
        "no-hash",
        "extra-field",
        "query-id",
        "no-token",
        "empty",
        "garbage",
        "malformed",
    ],
)
def test_tampered_launch_data_fails(init_data: str, token: str) -> None:
    with pytest.raises(InvalidInitData):
        validate(init_data, token, max_age=3600, now=at(1760000100))


def test_freshness() -> None:
    assert validate(T1, T1_TOKEN, max_age=3600, now=at(1760000100)).user_id == 5000000001
    with pytest.raises(InvalidInitData, match="expired"):
        validate(T1, T1_TOKEN, max_age=3600, now=at(1760003601))
    with pytest.raises(InvalidInitData, match="future"):
        validate(T1, T1_TOKEN, max_age=3600, now=at(1759999000))
    with pytest.raises(InvalidInitData, match="expired"):
        validate(T0, T0_TOKEN, max_age=3600)  # real clock: long expired
    assert validate(T1, T1_TOKEN, max_age=86400, now=at(1760003601)).user_id == 5000000001


def test_signing_for_tests_matches_telegram() -> None:
    fields = {
        "user": '{"id":5000000001,"first_name":"An"}',
        "auth_date": "1760000000",
        "start_param": "ABCD234",
    }
    made = telegram.sign(fields, T1_TOKEN)
    assert validate(made, T1_TOKEN, max_age=3600, now=at(1760000001)).start_param == "ABCD234"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("tma abc=1", "abc=1"),
        ("TMA  abc=1 ", "abc=1"),
        ("Bearer x", None),
        (None, None),
        ("tma ", None),
    ],
)
def test_authorization_header(header: str | None, expected: str | None) -> None:
    assert telegram.init_data_from_header(header) == expected


def test_direct_link() -> None:
    assert (
        telegram.direct_link("congdoan_bot", "phieu", "ABC2345")
        == "https://t.me/congdoan_bot/phieu?startapp=ABC2345"
    )
