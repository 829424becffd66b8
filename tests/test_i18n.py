"""The gettext catalogs: complete, up to date with the code, placeholders intact, and used.

When a test here fails because a string was added or changed, re-extract and update the
catalogs (the commands are under "Translations" in README.md), then translate the new
Vietnamese entries (empty ``msgstr`` or ``#, fuzzy``).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

from polls import i18n
from tests.conftest import OpenPoll, World

ROOT = Path(__file__).resolve().parent.parent
LOCALES_DIR = ROOT / "polls" / "locales"
CATALOGS = {locale: LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po" for locale in i18n.LOCALES}
# The same keywords as the command in README.md.
KEYWORDS = ["-k", "N_", "-k", "gettext", "-k", "ngettext:1,2"]
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0 +-]*\d*(?:\.\d+)?([a-z%])")
UPDATE = (
    "run the extraction and update under 'Translations' in README.md, "
    "then translate the new entries"
)


def load(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as po:
        return read_po(po, locale=locale)


def messages(catalog: Catalog) -> list[Message]:
    return [message for message in catalog if message.id]


def ids(catalog: Catalog) -> set[str]:
    """Message ids (the singular for a plural), without the header."""
    return {
        message.id if isinstance(message.id, str) else message.id[0]
        for message in messages(catalog)
    }


def texts(value: str | tuple[str, ...] | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def placeholders(text: str) -> set[str]:
    """``%(name)s`` as ``name``, a positional ``%s`` as ``%s``; ``%%`` is a literal percent."""
    found = set()
    for match in PLACEHOLDER.finditer(text):
        name, conversion = match.groups()
        if conversion != "%":
            found.add(name or f"%{conversion}")
    return found


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """What ``pybabel extract`` finds in the code today."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    mapping = str(ROOT / "babel.cfg")
    command = ["pybabel", "-q", "extract", "-F", mapping, *KEYWORDS, "-o", str(pot), str(ROOT)]
    status = CommandLineInterface().run(command)
    assert status in (None, 0)
    return load(pot)


@pytest.fixture(scope="module")
def vietnamese() -> Catalog:
    return load(CATALOGS["vi"], "vi")


# --- complete ----------------------------------------------------------------------------


def test_the_catalogs_exist_for_every_locale() -> None:
    for locale, path in CATALOGS.items():
        assert path.is_file(), f"{path} is missing: pybabel init -l {locale}, see README.md"
        assert load(path, locale).locale_identifier == locale


def test_every_vietnamese_message_is_translated(vietnamese: Catalog) -> None:
    assert not vietnamese.fuzzy, "the header of the Vietnamese catalog is marked fuzzy"
    untranslated = [
        m.id for m in messages(vietnamese) if not all(s.strip() for s in texts(m.string) or [""])
    ]
    fuzzy = [m.id for m in messages(vietnamese) if m.fuzzy]
    assert not untranslated, f"untranslated in vi: {untranslated}"
    assert not fuzzy, f"fuzzy (check and remove the flag) in vi: {fuzzy}"


def test_vietnamese_has_one_plural_form_and_is_nfc(vietnamese: Catalog) -> None:
    assert vietnamese.num_plurals == 1
    assert vietnamese.plural_expr == "0"
    for message in messages(vietnamese):
        for text in texts(message.string):
            assert unicodedata.is_normalized("NFC", text), f"not NFC: {text!r}"
            assert text == text.strip(), f"stray spaces around {text!r}"


# --- up to date --------------------------------------------------------------------------


def test_extraction_finds_every_kind_of_source(extracted: Catalog) -> None:
    """The mapping and keywords reach every place strings live (a guard on babel.cfg)."""
    files = {
        Path(path).resolve().relative_to(ROOT).as_posix()
        for message in messages(extracted)
        for path, _ in message.locations
    }
    for expected in (
        "polls/errors.py",
        "polls/web.py",
        "polls/forms/kinds.py",
        "polls/forms/pages.py",
        "polls/console/labels.py",
        "polls/services/polls.py",
        "templates/form/page.html",
        "templates/console/list.html",
    ):
        assert expected in files, f"nothing extracted from {expected}"
    found = ids(extracted)
    assert "The request could not be processed." in found  # N_() in polls/errors.py
    assert "Choose up to %(n)s" in found  # _() with a keyword argument in a template
    assert "%(unit)s (directly)" in found  # gettext() with a keyword argument


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_the_catalog_has_every_message_of_the_code(extracted: Catalog, locale: str) -> None:
    missing = sorted(ids(extracted) - ids(load(CATALOGS[locale], locale)))
    assert not missing, f"not in the {locale} catalog ({UPDATE}): {missing}"


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_the_catalog_has_no_message_the_code_dropped(extracted: Catalog, locale: str) -> None:
    stale = sorted(ids(load(CATALOGS[locale], locale)) - ids(extracted))
    assert not stale, f"no longer in the code, still in the {locale} catalog ({UPDATE}): {stale}"


def test_plurals_are_extracted_as_plurals(extracted: Catalog, vietnamese: Catalog) -> None:
    for message in messages(extracted):
        if message.pluralizable:
            translated = vietnamese.get(message.id[0])
            assert translated is not None, message.id
            assert translated.pluralizable, message.id


# --- placeholders ------------------------------------------------------------------------


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_translations_keep_the_placeholders_of_the_msgid(locale: str) -> None:
    wrong = []
    for message in messages(load(CATALOGS[locale], locale)):
        expected = set().union(*(placeholders(text) for text in texts(message.id)))
        for text in texts(message.string):
            if text and placeholders(text) != expected:
                wrong.append((message.id, text))
    assert not wrong, f"placeholders differ from the msgid in {locale}: {wrong}"


def test_every_vietnamese_translation_formats(vietnamese: Catalog) -> None:
    """Formatted the way gettext() and Jinja's newstyle _() do it: a stray % would raise."""
    for message in messages(vietnamese):
        for text in texts(message.string):
            names = placeholders(text)
            if any(name.startswith("%") for name in names):
                continue  # positional, not used in this code base
            text % dict.fromkeys(names, "1")


# --- used --------------------------------------------------------------------------------


def html_lang(page: str) -> str:
    found = re.search(r'<html lang="([a-z]+)"', page)
    assert found, "the page has no <html lang>"
    return found.group(1)


async def test_the_form_is_vietnamese_by_default(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    page = await client.get(f"/p/{open_poll.code}")
    assert page.status_code == 200
    assert html_lang(page.text) == "vi"
    assert "Gửi ý kiến" in page.text
    assert "Câu trả lời của bạn hoàn toàn ẩn danh" in page.text
    assert "Chọn tối đa 2" in page.text
    assert "Send my answers" not in page.text
    assert "anonymous" not in page.text


async def test_the_form_is_english_on_request(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    page = await client.get(f"/p/{open_poll.code}", params={"lang": "en"})
    assert page.status_code == 200
    assert html_lang(page.text) == "en"
    assert "Send my answers" in page.text
    assert "Choose up to 2" in page.text
    assert "Gửi ý kiến" not in page.text


async def test_a_json_error_is_vietnamese_by_default_and_english_on_request(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    path = f"/api/v1/forms/{open_poll.code}/responses"
    json_type = {"Content-Type": "application/json"}
    vi = await client.post(path, content=b'{"answers": ', headers=json_type)
    assert vi.status_code == 400, vi.text
    assert vi.json()["detail"] == "Nội dung yêu cầu không phải JSON hợp lệ."
    en = await client.post(
        path, content=b'{"answers": ', headers={**json_type, "Accept-Language": "en"}
    )
    assert en.status_code == 400, en.text
    assert en.json()["detail"] == "The request body is not valid JSON."


async def test_answer_errors_are_vietnamese_by_default(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    sent = await client.post(f"/api/v1/forms/{open_poll.code}/responses", json={"answers": {}})
    assert sent.status_code == 422, sent.text
    body = sent.json()
    assert body["detail"] == "Vui lòng kiểm tra lại một số câu trả lời."
    assert body["errors"][str(open_poll.questions[0]["id"])] == "Vui lòng trả lời câu hỏi này."


def test_an_untranslated_plural_falls_back_to_the_msgid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = Catalog(locale="en")
    catalog.add(("%(num)s response", "%(num)s responses"), ("", ""))
    catalog.add("Poll", "")
    po = tmp_path / "en" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    with po.open("wb") as out:
        write_po(out, catalog)
    monkeypatch.setattr(i18n, "LOCALES_DIR", tmp_path)
    compiled = i18n.translations.__wrapped__("en")  # type: ignore[attr-defined]
    assert compiled.ungettext("%(num)s response", "%(num)s responses", 2) == "%(num)s responses"
    assert compiled.ugettext("Poll") == "Poll"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("vi", "18:00 ngày 02/12/2026"), ("en", "Dec 2, 2026, 6:00 PM")],
)
def test_a_moment_is_written_to_the_minute_in_vietnams_time(locale: str, expected: str) -> None:
    # stored times are coarse (to the hour): a reader is never shown seconds that mean nothing
    i18n.set_locale(locale)
    try:
        assert i18n.local_datetime(datetime(2026, 12, 2, 11, 0, tzinfo=UTC)) == expected
    finally:
        i18n.set_locale(i18n.DEFAULT_LOCALE)
