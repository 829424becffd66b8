"""The Jinja environment: ``templates/``, autoescaping, gettext and formatting helpers."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from polls import disclosure, i18n

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


def _translate(message: str) -> str:
    return i18n.translations(i18n.get_locale()).ugettext(message)


def _ntranslate(singular: str, plural: str, n: int) -> str:
    return i18n.translations(i18n.get_locale()).ungettext(singular, plural, n)


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(gettext=_translate, ngettext=_ntranslate, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        current_locale=i18n.get_locale,
        language_name=i18n.language_name,
        local_datetime=i18n.local_datetime,
        local_date=i18n.local_date,
        number=i18n.number,
        approx=i18n.approx,
        text_threshold=disclosure.text_threshold,
        percent=i18n.percent,
    )
    return env
