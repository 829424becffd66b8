"""Zalo's formulas checked with the vectors of shared/reference/messengers.md (Z1: the
webhook MAC, Z2: ``appsecret_proof``), PKCE, the "khảo sát" keyword, and the OA client
against the fake Zalo: errors by kind, and no token in a log line or an exception."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from polls.messengers import zalo
from polls.messengers.zalo import (
    AccessTokenInvalid,
    GrantRefused,
    OutsideReplyWindow,
    ZaloApi,
    signature_valid,
)
from polls.services.zalo import asks_for_polls
from tests.messengers.fake_zalo import APP_ID, APP_SECRET, OA_SECRET_KEY, FakeZalo, serve

Z1_BODY = (
    '{"app_id":"1234567890123456789","user_id_by_app":"552177279717587730",'
    '"event_name":"user_send_text","timestamp":"1760000000123",'
    '"sender":{"id":"246845883529197922"},"recipient":{"id":"388613280878808645"},'
    '"message":{"text":"Xin chào","msg_id":"96d3cdf3af150460909"}}'
).encode()
Z1_MAC = "49245160401627d8e9c40301f982e37a7cfc92432e1dae9618c19edbd56b931b"
FOLLOWER = "246845883529197922"


def valid(body: bytes, header: str | None, app_id: str = APP_ID, key: str = OA_SECRET_KEY) -> bool:
    return signature_valid(body, header, app_id=app_id, oa_secret_key=key)


def test_the_webhook_vector_passes_and_its_tampered_body_fails() -> None:
    assert len(Z1_BODY) == 267
    assert zalo.event_mac(APP_ID, Z1_BODY, "1760000000123", OA_SECRET_KEY) == Z1_MAC
    assert valid(Z1_BODY, f"mac={Z1_MAC}")
    assert valid(Z1_BODY, Z1_MAC)  # without the prefix
    assert valid(Z1_BODY, f"mac={Z1_MAC.upper()}")
    tampered = Z1_BODY.replace("Xin chào".encode(), b"Xin chao")
    assert not valid(tampered, f"mac={Z1_MAC}")


@pytest.mark.parametrize(
    ("body", "header", "app_id", "key"),
    [
        (Z1_BODY, None, APP_ID, OA_SECRET_KEY),
        (Z1_BODY, "", APP_ID, OA_SECRET_KEY),
        (Z1_BODY, "mac=" + Z1_MAC[:-1] + "0", APP_ID, OA_SECRET_KEY),
        (Z1_BODY, f"mac={Z1_MAC}", APP_ID, APP_SECRET),  # the app secret is not the OA key
        (Z1_BODY, f"mac={Z1_MAC}", "1234567890123456780", OA_SECRET_KEY),
        (Z1_BODY, f"mac={Z1_MAC}", APP_ID, ""),
        (
            Z1_BODY.replace(b"1760000000123", b"1760000000124"),
            f"mac={Z1_MAC}",
            APP_ID,
            OA_SECRET_KEY,
        ),
        (Z1_BODY + b" ", f"mac={Z1_MAC}", APP_ID, OA_SECRET_KEY),
        (b"not json", f"mac={Z1_MAC}", APP_ID, OA_SECRET_KEY),
        (b"[]", f"mac={Z1_MAC}", APP_ID, OA_SECRET_KEY),
    ],
    ids=[
        "no-header",
        "empty-header",
        "mac-changed",
        "app-secret",
        "other-app",
        "no-key",
        "timestamp",
        "trailing-space",
        "not-json",
        "not-an-object",
    ],
)
def test_a_wrong_signature_fails(body: bytes, header: str | None, app_id: str, key: str) -> None:
    assert not valid(body, header, app_id, key)


def test_a_body_for_another_app_fails_even_when_signed_with_our_key() -> None:
    body = Z1_BODY.replace(b'"app_id":"1234567890123456789"', b'"app_id":"999"')
    mac = zalo.event_mac(APP_ID, body, "1760000000123", OA_SECRET_KEY)
    assert not valid(body, f"mac={mac}")


def test_appsecret_proof_vector() -> None:
    assert (
        zalo.appsecret_proof("TEST_APP_SECRET_not_real", "TEST_ACCESS_TOKEN_value")
        == "bf8788612f37d5e3e1f3f1bb2b2a36a2f2fa877983845944a028da168a9f2696"
    )


def test_pkce_and_the_permission_url() -> None:
    # RFC 7636, appendix B
    assert (
        zalo.code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )
    verifier = zalo.new_code_verifier()
    assert len(verifier) == 43
    url = zalo.permission_url(
        "https://oauth.zaloapp.com/", APP_ID, "https://polls.example.vn/", verifier, "st4te"
    )
    parts = urlsplit(url)
    assert (parts.netloc, parts.path) == ("oauth.zaloapp.com", "/v4/oa/permission")
    assert parse_qs(parts.query) == {
        "app_id": [APP_ID],
        "redirect_uri": ["https://polls.example.vn/"],
        "code_challenge": [zalo.code_challenge(verifier)],
        "state": ["st4te"],
    }
    assert verifier not in url


@pytest.mark.parametrize(
    "text",
    [
        "khảo sát",
        "Khảo Sát",
        "KHẢO SÁT",
        unicodedata.normalize("NFD", "khảo sát"),
        "khao sat",
        "  Khao  SAT!  ",
        "#khaosat",
        "KHAOSAT",
        "Cho tôi xin khảo sát với",
        "khảo sát.",
        "khảosát ngay",
    ],
)
def test_the_keyword_is_forgiving(text: str) -> None:
    assert asks_for_polls(text)


@pytest.mark.parametrize(
    "text", ["", "Xin chào", "khảo", "sát", "khảo-sátx", "khaosatt", "sát khảo"]
)
def test_other_texts_do_not_ask_for_polls(text: str) -> None:
    assert not asks_for_polls(text)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zalo abc", "abc"),
        ("Zalo  abc ", "abc"),
        ("Bearer abc", None),
        ("zalo ", None),
        (None, None),
    ],
)
def test_authorization_header(header: str | None, expected: str | None) -> None:
    assert zalo.access_token_from_header(header) == expected


# --- the client against the fake ---------------------------------------------------------


@pytest.fixture
def fake_zalo() -> Iterator[FakeZalo]:
    yield from serve(FakeZalo())


def api_for(fake: FakeZalo, secret: str = APP_SECRET) -> ZaloApi:
    return ZaloApi(
        APP_ID, secret, oauth_base=fake.url, openapi_base=fake.url, graph_base=fake.url + "/"
    )


async def test_code_exchange_refresh_and_send(fake_zalo: FakeZalo) -> None:
    api = api_for(fake_zalo)
    verifier = zalo.new_code_verifier()
    code = fake_zalo.consent(verifier)
    pair = await api.exchange_code(code, verifier)
    assert pair.expires_in == 90000
    assert (pair.access_token, pair.refresh_token) == fake_zalo.issued[0]
    assert pair.access_token not in repr(pair)
    assert pair.refresh_token not in repr(pair)
    with pytest.raises(GrantRefused):
        await api.exchange_code(code, verifier)  # a code is single-use
    with pytest.raises(GrantRefused):
        await api.exchange_code(fake_zalo.consent(verifier), zalo.new_code_verifier())

    newer = await api.refresh(pair.refresh_token)
    assert newer.refresh_token != pair.refresh_token
    with pytest.raises(GrantRefused):
        await api.refresh(pair.refresh_token)  # rotated: the old one is spent

    fake_zalo.followers.add(FOLLOWER)
    assert await api.send_text(newer.access_token, FOLLOWER, "Xin chào")
    (message,) = fake_zalo.sent
    assert message == {"recipient": {"user_id": FOLLOWER}, "message": {"text": "Xin chào"}}
    method, path, headers, _ = fake_zalo.requests[-1]
    assert (method, path) == ("POST", "/v3.0/oa/message/cs")
    assert headers["access_token"] == newer.access_token
    assert headers["appsecret_proof"] == zalo.appsecret_proof(APP_SECRET, newer.access_token)
    await api.aclose()


async def test_refusals_by_kind(fake_zalo: FakeZalo) -> None:
    api = api_for(fake_zalo)
    access, _ = fake_zalo.issue_pair()
    with pytest.raises(OutsideReplyWindow) as outside:
        await api.send_text(access, FOLLOWER, "Xin chào")
    assert outside.value.error_code == -230
    assert "outside the reply window" in str(outside.value)
    fake_zalo.followers.add(FOLLOWER)
    fake_zalo.expire_access_tokens()
    with pytest.raises(AccessTokenInvalid) as expired:
        await api.send_text(access, FOLLOWER, "Xin chào")
    assert expired.value.error_code == -216
    assert access not in str(expired.value)
    assert access not in repr(expired.value)
    wrong_secret = api_for(fake_zalo, "another secret")
    with pytest.raises(GrantRefused):
        await wrong_secret.refresh(fake_zalo.refresh_token or "")
    assert fake_zalo.sent == []
    await api.aclose()
    await wrong_secret.aclose()


async def test_the_graph_api_names_the_mini_app_user(fake_zalo: FakeZalo) -> None:
    api = api_for(fake_zalo)
    fake_zalo.mini_app_users["user-token-1"] = "552177279717587730"
    assert await api.user_id("user-token-1") == "552177279717587730"
    _, path, headers, _ = fake_zalo.requests[-1]
    assert path == "/v2.0/me?fields=id"
    assert headers["appsecret_proof"] == zalo.appsecret_proof(APP_SECRET, "user-token-1")
    with pytest.raises(zalo.ZaloApiError):
        await api.user_id("unknown-token")
    wrong_secret = api_for(fake_zalo, "another secret")
    with pytest.raises(zalo.ZaloApiError):
        await wrong_secret.user_id("user-token-1")
    await api.aclose()
    await wrong_secret.aclose()


async def test_no_token_or_secret_reaches_a_log_line(
    fake_zalo: FakeZalo, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api = api_for(fake_zalo)
    verifier = zalo.new_code_verifier()
    pair = await api.exchange_code(fake_zalo.consent(verifier), verifier)
    newer = await api.refresh(pair.refresh_token)
    with pytest.raises(GrantRefused):
        await api.refresh(pair.refresh_token)
    with pytest.raises(OutsideReplyWindow):
        await api.send_text(newer.access_token, FOLLOWER, "x")
    fake_zalo.mini_app_users["user-token-1"] = "552177279717587730"
    await api.user_id("user-token-1")
    await api.aclose()
    assert "/v3.0/oa/message/cs" in caplog.text  # httpx did log the requests
    for secret in (*pair.__dict__.values(), *newer.__dict__.values(), APP_SECRET, verifier):
        if isinstance(secret, str):
            assert secret not in caplog.text
    for secret in ("user-token-1", "552177279717587730", FOLLOWER):
        assert secret not in caplog.text
    assert APP_SECRET not in repr(api)
