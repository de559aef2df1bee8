"""``endpoint.form_decode.parse_qsl`` gives exactly what ``urllib.parse.parse_qsl`` gives."""

from __future__ import annotations

import random
import urllib.parse
from pathlib import Path

import httpx
import pytest

from endpoint.form_decode import parse_qsl
from tests.live_server import live_server


def reference(text: str) -> list[tuple[str, str]] | str:
    try:
        return urllib.parse.parse_qsl(
            text, keep_blank_values=True, encoding="utf-8", errors="strict"
        )
    except UnicodeDecodeError:
        return "UnicodeDecodeError"


def ours(text: str) -> list[tuple[str, str]] | str:
    try:
        return parse_qsl(text)
    except UnicodeDecodeError:
        return "UnicodeDecodeError"


CASES = [
    "",
    "query=SELECT+%3Fs+WHERE+%7B+%3Fs+%3Fp+%3Fo+%7D",
    urllib.parse.urlencode({"query": 'ASK { ?s <urn:x> "é ≠ 🙂" }', "format": "json"}),
    "query=a%2Bb+c",  # an escaped plus is a plus, a plus a space
    "a=1&&b=2&",  # empty parts are skipped
    "a&b=",  # blank values are kept
    "=x",  # a value without a name
    "a=b=c",  # '=' inside a value
    "a=%41%4a%4A%7e",  # hex in either case
    "a=%4",  # an escape cut short stays as it is
    "a=%%41",
    "a=%zz",
    "a=100%",
    "a=%C3%A9",  # UTF-8
    "a=%E9",  # Latin-1 byte: not UTF-8
    "a=%C3",  # a cut UTF-8 sequence
    "a=é%C3%A9",  # raw non-ASCII next to escapes
    "a=%0D%0A%00",
    "a=x\r\ny",  # raw line breaks
    "a=%\nb",
    "a=%3D%26",  # escaped '=' and '&'
    "a=x;b=y",  # ';' is no separator
    "a=raw space\ttab",
    "%61=%62",  # escaped names
]


@pytest.mark.parametrize("text", CASES)
def test_the_same_as_urllib_on_chosen_texts(text: str) -> None:
    assert ours(text) == reference(text)


def test_the_same_as_urllib_on_random_texts() -> None:
    rng = random.Random(20261206)
    pieces = [
        "%",
        "%4",
        "%41",
        "%c3%a9",
        "%C3",
        "%e9",
        "%ZZ",
        "+",
        "=",
        "&",
        "a",
        "Z",
        "9",
        " ",
        "é",
        "\n",
        "\r",
        "%0A",
        "%3D",
        "%26",
        "%2B",
        "~",
        ".",
        "-",
        "_",
        "?",
        "{",
        "<",
    ]
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert ours(text) == reference(text), repr(text)


def test_queries_with_every_kind_of_character_reach_the_store_by_form_and_url(
    mini_store: Path,
) -> None:
    text = "a+b %41 =& é 🙂 <> \\n"
    query = f'SELECT ?x WHERE {{ BIND("{text}" AS ?x) }}'
    accept = {"Accept": "application/sparql-results+json"}
    with live_server(mini_store) as url, httpx.Client(base_url=url) as c:
        answers = [
            c.post("/sparql", data={"query": query}, headers=accept),
            c.get("/sparql", params={"query": query}, headers=accept),
            c.post(  # a raw '=' inside the value: decoded the long way, same answer
                "/sparql",
                content="query=" + urllib.parse.quote(query).replace("%3D", "="),
                headers={**accept, "Content-Type": "application/x-www-form-urlencoded"},
            ),
        ]
        bad = c.post(  # an escape that is not UTF-8
            "/sparql",
            content="query=ASK%7B%7D%E9",
            headers={**accept, "Content-Type": "application/x-www-form-urlencoded"},
        )
    for r in answers:
        assert r.status_code == 200, r.text
        assert r.json()["results"]["bindings"][0]["x"]["value"] == text.replace("\\n", "\n")
    assert bad.status_code == 400 and "not valid UTF-8" in bad.text
