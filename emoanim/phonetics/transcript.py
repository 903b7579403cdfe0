"""Transcript text -> the lower-case words pocketsphinx's dictionary is keyed by.

pocketsphinx matches words literally: ``"Hello,"`` and ``"1"`` are not in its dictionary, ``"hello"`` and ``"one"``
are. So this module lower-cases, spells numbers out, splits hyphenated words and drops punctuation, keeping
apostrophes inside words (``don't``, ``party's`` are dictionary entries).
"""
from __future__ import annotations

import re
import unicodedata

_ONES = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
)
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_SCALES = ((1_000_000_000, "billion"), (1_000_000, "million"), (1_000, "thousand"))
_ORDINAL_ENDINGS = {
    "one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth", "nine": "ninth",
    "twelve": "twelfth",
}
_SYMBOL_WORDS = {"&": " and ", "%": " percent ", "+": " plus ", "@": " at ", "=": " equals "}
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})

# A number token: digits with optional thousands commas and decimals, optional ordinal suffix ("21st"),
# an optional leading currency sign. Plain years ("1984") are digits without commas.
_NUMBER = re.compile(r"(?P<currency>[$£€])?(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?(?P<ord>st|nd|rd|th)?"
                     r"(?P<plural>'?s)?(?![\w])", re.IGNORECASE)
# "[laughs]", "<noise>": transcription conventions for sounds that are not words.
_ANNOTATION = re.compile(r"\[[^\]]*\]|<[^>]*>")
_CURRENCY = {"$": "dollars", "£": "pounds", "€": "euros"}


def spell_number(n: int) -> str:
    """Cardinal English words for ``0 <= n < 10**12``: ``spell_number(1205) == "one thousand two hundred five"``."""
    if n < 0:
        return "minus " + spell_number(-n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + ("" if ones == 0 else " " + _ONES[ones])
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return _ONES[hundreds] + " hundred" + ("" if rest == 0 else " " + spell_number(rest))
    for scale, name in _SCALES:
        if n >= scale:
            high, rest = divmod(n, scale)
            return spell_number(high) + " " + name + ("" if rest == 0 else " " + spell_number(rest))
    raise AssertionError("unreachable")


def spell_year(n: int) -> str:
    """How a year is read aloud: 1984 -> "nineteen eighty four", 1900 -> "nineteen hundred", 2005 -> "two
    thousand five", 2024 -> "twenty twenty four"."""
    high, low = divmod(n, 100)
    if 2000 <= n <= 2009:
        return spell_number(n)
    if low == 0:
        return spell_number(high) + " hundred"
    return spell_number(high) + " " + ("oh " + _ONES[low] if low < 10 else spell_number(low))


def spell_ordinal(n: int) -> str:
    """``spell_ordinal(21) == "twenty first"``."""
    words = spell_number(n).split()
    last = words[-1]
    if last in _ORDINAL_ENDINGS:
        words[-1] = _ORDINAL_ENDINGS[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return " ".join(words)


def _looks_like_year(digits: str) -> bool:
    # Four digits from 1100 to 2099 without a thousands comma are read as a year far more often than as a count
    # ("in 1984", "since 2010"); "1,984" keeps the cardinal reading.
    return len(digits) == 4 and 1100 <= int(digits) <= 2099


def _spell_match(match: re.Match) -> str:
    digits = match["int"].replace(",", "")
    value = int(digits)
    if match["ord"]:
        words = spell_ordinal(value)
    elif match["frac"] is None and "," not in match["int"] and _looks_like_year(digits):
        words = spell_year(value)
    elif len(digits) > 12:
        words = " ".join(_ONES[int(d)] for d in digits)  # an id or phone number: read digit by digit
    else:
        words = spell_number(value)
    if match["currency"]:
        words += " " + _CURRENCY[match["currency"]]
        if match["frac"] is not None and len(match["frac"]) == 2:  # "$5.25" -> "five dollars twenty five cents"
            return f" {words} {spell_number(int(match['frac']))} cents "
    if match["frac"] is not None:
        words += " point " + " ".join(_ONES[int(d)] for d in match["frac"])
    if match["plural"]:
        words = words[:-1] + "ies" if words.endswith("y") else words + "s"  # "1990s" -> "nineteen nineties"
    return f" {words} "


def normalize_transcript(text: str) -> list[str]:
    """Transcript text -> lower-case words: numbers spelt out, hyphens split, punctuation and bracketed
    annotations ("[laughs]", "<noise>") dropped.

    >>> normalize_transcript("Press 1, then dial 2,500 - it's 21st-century!")
    ['press', 'one', 'then', 'dial', 'two', 'thousand', 'five', 'hundred', "it's", 'twenty', 'first', 'century']
    """
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).lower()
    text = _ANNOTATION.sub(" ", text)
    for symbol, spoken in _SYMBOL_WORDS.items():
        text = text.replace(symbol, spoken)
    text = _NUMBER.sub(_spell_match, text)
    words = []
    for token in re.split(r"[^\w']+|_", text):  # hyphens, dashes, slashes and other punctuation separate words
        token = token.strip("'")
        if token:
            words.append(token)
    return words
