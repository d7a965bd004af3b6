"""The formats written for prose: ``currency-long`` ("$5.6 million") and
``words`` ("twelve"). Pure functions of a number and a Babel locale, no
Sphinx; :mod:`.formatting` parses the format and calls them.
"""

from __future__ import annotations

import re
from decimal import Decimal

from babel import Locale
from babel import numbers as babel_numbers

#: ``words`` spells out whole numbers from 0 to this (the usual style-guide
#: rule: "a team of twelve", but "a team of 140"); above it, below zero and
#: for a fraction the digits of the ``number`` format read better.
MAX_WORDS = 100

#: Babel's language codes that num2words spells differently.
_NUM2WORDS_ALIASES = {"nb": "no", "kk": "kz"}


def format_currency_long(
    value: Decimal, currency: str, locale: Locale, fraction_digits: int
) -> str:
    """An amount as the long compact number inside the locale's currency
    pattern: "$5.6 million" (en), "5,6 Millionen $" (de), "5,6 millions €"
    (fr), "€ 5,6 miljoen" (nl).

    CLDR has long compact forms for numbers ("5.6 million") and short ones
    for amounts ("$5.6M"), but no long compact form for amounts; and its
    long currency name pattern ("{0} US dollars") reads as a spelt-out sum,
    not the "$5.6 million" of a report. So the number is CLDR's long compact
    form, placed where the locale's standard currency pattern puts the
    digits: the symbol's side and spacing, and the sign's place for a
    negative amount, are the locale's own, as in the ``currency`` format.
    """
    pattern = locale.currency_formats["standard"]
    negative = value < 0
    number = babel_numbers.format_compact_decimal(
        abs(value),
        format_type="long",
        locale=locale,
        fraction_digits=fraction_digits,
    )
    text = pattern.prefix[negative] + number + pattern.suffix[negative]
    text = text.replace("¤", babel_numbers.get_currency_symbol(currency, locale))
    # CLDR quotes literal text in patterns; '' is a quote (as Babel's apply)
    return re.sub(r"'([^']*)'", lambda match: match.group(1) or "'", text)


def spelled_out(value: Decimal) -> int | None:
    """The whole number ``words`` spells out, or None for a value it shows
    in digits (a fraction, a negative number, or one above MAX_WORDS)."""
    if value != value.to_integral_value() or not 0 <= value <= MAX_WORDS:
        return None
    return int(value)


def number_words(number: int, locale: Locale) -> str | None:
    """``number`` in words in the locale's language, through num2words, or
    None for a language num2words does not have.

    A missing language is no warning: the digits of the ``number`` format,
    in the locale's own style, are a correct text in every language, and the
    author cannot fix a library's coverage (num2words has some 45
    languages: https://github.com/savoirfairelinux/num2words).
    """
    # imported here: a build that spells out nothing does not pay for it
    from num2words import CONVERTER_CLASSES, num2words

    language = _NUM2WORDS_ALIASES.get(locale.language, locale.language)
    for code in (f"{language}_{locale.territory}", language):
        # an exact code: num2words' own fallback to the first two letters
        # would read Konkani (kok) as Korean (ko)
        if code in CONVERTER_CLASSES:
            try:
                return str(num2words(number, lang=code))
            except (NotImplementedError, ArithmeticError, LookupError, ValueError):
                return None
    return None
