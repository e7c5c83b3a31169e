"""The report's languages: the translation catalogue, numbers and dates written the
way each language writes them (2.822 and 4 september 2020 in Dutch, 2,822 and
4 September 2020 in English), and the template environment of one language.

The words of the templates and of the report's code are in English; the Dutch
translation is the catalogue locale/nl/LC_MESSAGES/messages.po, shipped with the
package and compiled when the report is rendered (no compiled file to go stale).
`make translations` adds new words to it.
"""

from __future__ import annotations

import functools
import gettext
from dataclasses import dataclass
from datetime import date, datetime
from importlib.resources import files
from io import BytesIO

import jinja2
from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import NumberPattern, parse_pattern
from babel.support import Translations

# The report's languages, the default first; Babel's locale for each: Belgian
# Dutch, and British English for "4 September 2020".
LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = LANGUAGES[0]
LOCALES = {"nl": "nl_BE", "en": "en_GB"}
# The language the templates and the code are written in: it needs no catalogue.
SOURCE_LANGUAGE = "en"
CATALOGUE_DOMAIN = "messages"


def catalogue_path(language: str) -> str:
    """The catalogue of `language`, relative to this package."""
    return f"locale/{language}/LC_MESSAGES/{CATALOGUE_DOMAIN}.po"


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The translations of `language`, compiled from its catalogue. Entries marked
    fuzzy (unchecked) are left out, so their English shows instead."""
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    if language not in LOCALES:
        raise ValueError(
            f"The report has no language {language!r}: choose one of "
            f"{', '.join(LANGUAGES)}."
        )
    catalogue_file = files(__package__).joinpath(catalogue_path(language))
    with catalogue_file.open("rb") as po_file:
        catalogue = read_po(po_file, locale=LOCALES[language], domain=CATALOGUE_DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalogue, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=CATALOGUE_DOMAIN)


@functools.cache
def _number_format(locale: str, decimals: int) -> tuple[Locale, NumberPattern]:
    """Babel's locale, and the pattern of a number with `decimals` decimals
    (grouped thousands: 2.822 in Dutch, 2,822 in English)."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return Locale.parse(locale), parse_pattern(pattern)


@dataclass(frozen=True)
class Formats:
    """Numbers and dates as `language` writes them."""

    language: str

    @property
    def locale(self) -> str:
        return LOCALES[self.language]

    def number(self, value: float, decimals: int = 0) -> str:
        # Babel's format_decimal, with the locale and the pattern parsed once: it
        # parses both again on every call, which a report of many thousands of
        # figures (the benchmark's grown inputs) pays hundreds of thousands times.
        locale, pattern = _number_format(self.locale, decimals)
        return pattern.apply(value, locale)

    def count(self, value: float) -> str:
        return self.number(value, 0)

    def ratio(self, value: float) -> str:
        return self.number(value, 1)

    def file_size(self, size: int) -> str:
        """A file's size in kB or MB (of 1,000 and 1,000,000 bytes)."""
        if size >= 1_000_000:
            return f"{self.number(size / 1_000_000, 1)} MB"
        return f"{self.number(max(size / 1_000, 0.1), 1)} kB"

    def day(self, value: date) -> str:
        """4 september 2020 / 4 September 2020."""
        return format_date(value, "long", locale=self.locale)

    def month(self, value: date) -> str:
        """september 2020 / September 2020."""
        return format_skeleton("yMMMM", value, locale=self.locale)

    def short_month(self, value: date) -> str:
        """sep 2020 / Sept 2020."""
        return format_skeleton("yMMM", value, locale=self.locale)

    def moment(self, value: datetime) -> str:
        """4 september 2020 14:05."""
        return f"{self.day(value.date())} {value:%H:%M}"

    def dated(self, value: date, precision: str) -> str:
        """A date as precisely as it is known: a day, a month or a year."""
        if precision == "day":
            return self.day(value)
        if precision == "month":
            return self.month(value)
        return str(value.year)


def environment(language: str) -> jinja2.Environment:
    """The templates, with the words and formats of `language` installed."""
    formats = Formats(language)
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(__package__, "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)
    env.filters["number"] = formats.number
    env.filters["day"] = formats.day
    env.filters["month"] = formats.month
    env.globals["language"] = language
    return env
