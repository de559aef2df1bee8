"""Literals as people read them, in Dutch or English.

Dates (``xsd:date`` "12 maart 2024" / "12 March 2024", ``xsd:gYearMonth`` "maart 2024",
``xsd:gYear``), amounts in euros ("€ 1.250.000" / "€1,250,000"), whole numbers with
thousands separators, ISO 8601 durations ("7 minuten"), booleans. Anything that does not parse
is shown as it is written: a page never fails on an odd value.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

XSD = "http://www.w3.org/2001/XMLSchema#"

MONTHS = {
    "nl": (
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}

DATE_RE = re.compile(r"^(-?\d{4,})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?")
YEAR_MONTH_RE = re.compile(r"^(-?\d{4,})-(\d{2})(?:Z|[+-]\d{2}:\d{2})?$")
DURATION_RE = re.compile(
    r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)
DURATION_UNITS = {
    "nl": (
        ("jaar", "jaar"),
        ("maand", "maanden"),
        ("week", "weken"),
        ("dag", "dagen"),
        ("uur", "uur"),
        ("minuut", "minuten"),
        ("seconde", "seconden"),
    ),
    "en": (
        ("year", "years"),
        ("month", "months"),
        ("week", "weeks"),
        ("day", "days"),
        ("hour", "hours"),
        ("minute", "minutes"),
        ("second", "seconds"),
    ),
}


def _month(n: str, lang: str) -> str | None:
    i = int(n)
    return MONTHS[lang][i - 1] if 1 <= i <= 12 else None


def format_date(lexical: str, lang: str) -> str:
    m = DATE_RE.match(lexical.strip())
    if not m:
        return lexical
    month = _month(m.group(2), lang)
    if month is None:
        return lexical
    day = int(m.group(3))
    text = f"{day} {month} {m.group(1)}"
    if m.group(4):
        text += f", {m.group(4)}:{m.group(5)}"
    return text


def format_year_month(lexical: str, lang: str) -> str:
    m = YEAR_MONTH_RE.match(lexical.strip())
    month = _month(m.group(2), lang) if m else None
    return f"{month} {m.group(1)}" if m and month else lexical


def group_digits(whole: str, sep: str) -> str:
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    parts: list[str] = []
    while len(digits) > 3:
        parts.insert(0, digits[-3:])
        digits = digits[:-3]
    parts.insert(0, digits)
    return sign + sep.join(parts)


def format_number(lexical: str, lang: str) -> str:
    try:
        d = Decimal(lexical.strip())
    except InvalidOperation:
        return lexical
    if not d.is_finite():
        return lexical
    thousands, point = (".", ",") if lang == "nl" else (",", ".")
    text = format(d, "f")
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    return group_digits(whole, thousands) + (point + frac if frac else "")


def format_euro(lexical: str, lang: str) -> str:
    """``1250000`` -> ``€ 1.250.000`` (nl) or ``€1,250,000`` (en); cents only when there are."""
    try:
        d = Decimal(lexical.strip())
    except InvalidOperation:
        return lexical
    if not d.is_finite():
        return lexical
    if d != d.to_integral_value():
        d = d.quantize(Decimal("0.01"))
    number = format_number(format(d, "f"), lang)
    if lang == "nl" and "," in number and len(number.rpartition(",")[2]) == 1:
        number += "0"
    if lang == "en" and "." in number and len(number.rpartition(".")[2]) == 1:
        number += "0"
    return f"€ {number}" if lang == "nl" else f"€{number}"


def format_money(value: str, currency: str, lang: str) -> str:
    if currency.strip().upper() in ("EUR", "€", ""):
        return format_euro(value, lang)
    return f"{currency} {format_number(value, lang)}"


def format_duration(lexical: str, lang: str) -> str:
    m = DURATION_RE.match(lexical.strip())
    if not m or not any(m.groups()):
        return lexical
    parts = []
    for amount, (one, many) in zip(m.groups(), DURATION_UNITS[lang], strict=True):
        if amount:
            n = format_number(amount, lang)
            parts.append(f"{n} {one if amount in ('1', '1.0') else many}")
    return (" en " if lang == "nl" else " and ").join(parts)


def format_literal(lexical: str, datatype: str, lang: str) -> str:
    """The text to show for a literal of ``datatype`` (an IRI) to a reader of ``lang``."""
    if not datatype.startswith(XSD):
        return lexical
    local = datatype[len(XSD) :]
    if local in ("date", "dateTime", "dateTimeStamp"):
        return format_date(lexical, lang)
    if local == "gYearMonth":
        return format_year_month(lexical, lang)
    if local == "gYear":
        return lexical.strip().lstrip("0") or lexical
    if local in (
        "integer",
        "int",
        "long",
        "short",
        "nonNegativeInteger",
        "positiveInteger",
        "decimal",
        "double",
        "float",
    ):
        return format_number(lexical, lang)
    if local == "duration":
        return format_duration(lexical, lang)
    if local == "boolean":
        yes = lexical.strip() in ("true", "1")
        return ("ja" if yes else "nee") if lang == "nl" else ("yes" if yes else "no")
    return lexical
