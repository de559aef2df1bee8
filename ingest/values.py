"""Turn one YAML value into an RDF term, or say what is wrong with it and how to write it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from pyoxigraph import Literal, NamedNode

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_DATE = NamedNode(XSD + "date")
XSD_GYEARMONTH = NamedNode(XSD + "gYearMonth")
XSD_GYEAR = NamedNode(XSD + "gYear")
XSD_DECIMAL = NamedNode(XSD + "decimal")
XSD_INTEGER = NamedNode(XSD + "integer")
XSD_DURATION = NamedNode(XSD + "duration")


class BadValue(ValueError):
    """``str(e)`` says what is wrong; ``e.hint`` how to write it instead."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_AMOUNT_RE = re.compile(
    r"^(?:(?:€|EUR)\s*(?P<a>[\d.]+(?:,\d{1,2})?)|(?P<b>[\d.]+(?:,\d{1,2})?)\s*(?:€|EUR))$"
)
_EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$")
_URL_RE = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
_DURATION_RE = re.compile(
    r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$"
)

DATE_HINT = "schrijf een datum als JJJJ-MM-DD (2023-05-11), JJJJ-MM (2023-05) of JJJJ (2023)"
AMOUNT_HINT = (
    "schrijf een bedrag als '€ 603.000.000' of 'EUR 603000000' (euro, punt voor duizendtallen)"
)


def text(value: object, language: str = "nl") -> Literal:
    if isinstance(value, (bool, list, dict)) or value is None:
        raise BadValue(
            "verwacht een tekst",
            "schrijf de tekst na de dubbele punt, tussen aanhalingstekens als er een ':' in staat",
        )
    s = " ".join(str(value).split())
    if not s:
        raise BadValue("de tekst is leeg", "vul een tekst in of laat het veld weg")
    return Literal(s, language=language)


def plain(value: object) -> Literal:
    if isinstance(value, (bool, list, dict)) or value is None or str(value).strip() == "":
        raise BadValue("verwacht een korte tekst", "schrijf één waarde, zonder lijst")
    return Literal(str(value).strip())


def date(value: object) -> Literal:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise BadValue(f"'{value}' is geen datum", DATE_HINT)
    m = _DATE_RE.match(value.strip())
    if not m:
        raise BadValue(f"'{value}' is geen datum", DATE_HINT)
    year, month, day = m.groups()
    try:
        if day:
            dt.date(int(year), int(month), int(day))
            return Literal(value.strip(), datatype=XSD_DATE)
        if month:
            if not 1 <= int(month) <= 12:
                raise ValueError(month)
            return Literal(value.strip(), datatype=XSD_GYEARMONTH)
    except ValueError:
        raise BadValue(f"'{value}' bestaat niet als datum", DATE_HINT) from None
    return Literal(year, datatype=XSD_GYEAR)


def amount(value: object) -> Literal:
    """Returns the amount in euros as an xsd:decimal literal."""
    if isinstance(value, bool) or not isinstance(value, str):
        raise BadValue(f"'{value}' is geen bedrag: de munteenheid ontbreekt", AMOUNT_HINT)
    m = _AMOUNT_RE.match(value.strip())
    if not m:
        raise BadValue(f"'{value}' is geen bedrag", AMOUNT_HINT)
    digits = m.group("a") or m.group("b") or ""
    if "." in digits and not re.fullmatch(r"\d{1,3}(?:\.\d{3})*(?:,\d{1,2})?", digits):
        raise BadValue(f"'{value}': de punten staan niet op de duizendtallen", AMOUNT_HINT)
    try:
        number = Decimal(digits.replace(".", "").replace(",", "."))
    except InvalidOperation:
        raise BadValue(f"'{value}' is geen bedrag", AMOUNT_HINT) from None
    return Literal(format(number, "f"), datatype=XSD_DECIMAL)


def integer(value: object) -> Literal:
    if isinstance(value, bool) or not (
        isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())
    ):
        raise BadValue(
            f"'{value}' is geen geheel getal", "schrijf alleen cijfers, bijvoorbeeld 200"
        )
    n = int(value)
    if n < 0:
        raise BadValue(f"'{value}' is negatief", "schrijf een getal van 0 of meer")
    return Literal(str(n), datatype=XSD_INTEGER)


def duration(value: object) -> Literal:
    if not isinstance(value, str) or not _DURATION_RE.match(value.strip()):
        raise BadValue(
            f"'{value}' is geen duur", "schrijf een ISO 8601-duur, bijvoorbeeld PT7M voor 7 minuten"
        )
    return Literal(value.strip(), datatype=XSD_DURATION)


def email(value: object) -> NamedNode:
    s = str(value).strip() if isinstance(value, str) else ""
    if s.startswith("mailto:"):
        s = s[len("mailto:") :]
    if not _EMAIL_RE.match(s):
        raise BadValue(
            f"'{value}' is geen e-mailadres", "schrijf een adres als naam@organisatie.nl"
        )
    return NamedNode("mailto:" + s)


def url(value: object) -> NamedNode:
    s = value.strip() if isinstance(value, str) else ""
    if not _URL_RE.match(s):
        raise BadValue(
            f"'{value}' is geen webadres", "schrijf een volledig adres dat begint met https://"
        )
    try:
        return NamedNode(s)
    except ValueError:
        raise BadValue(
            f"'{value}' is geen geldig webadres",
            "controleer het adres op spaties en vreemde tekens",
        ) from None


PARSERS: dict[str, Callable[[object], NamedNode | Literal]] = {
    "date": date,
    "amount": amount,
    "integer": integer,
    "duration": duration,
    "email": email,
    "url": url,
    "literal": plain,
}
