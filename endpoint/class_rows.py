"""The rows of the class pages (``/klasse``): one thing in one language, as HTML.

A row shows a thing's name (linked), the start of its description and its number of incoming
links, in the reader's language: all of it fixed by the release, none of it by the class, the
order or the request. Made per request, the 50 rows of a page were most of its time (their
names chosen, 300 values escaped by the template); ``kennisgraaf build`` therefore makes the row
of every thing in the class listings in Dutch and in English (:func:`write_rows`, into the
release's ``pages.sqlite``, table ``class_row``, keyed by the thing's id in the listing), and a
page reads its rows with its listing (``endpoint/class_listing.py``, one query). Rows made by
other code (:data:`FINGERPRINT`), after a write to the live store and without the file are made
per request by :func:`row_html`, the function the build uses.
"""

from __future__ import annotations

import sqlite3
import sys

from markupsafe import escape

from ontology import iris, namespaces, text

from . import entry_labels, page_common, vocab_labels
from .built_models import built_fingerprint, fingerprint
from .entity_view import Html, Shown
from .entry_labels import TEXT_COLUMNS, Texts, listed_texts, short
from .page_common import LANGS, href, lang_attr, link

TABLE = "class_row"
SCHEMA = f"""
CREATE TABLE {TABLE} (member INTEGER NOT NULL, lang TEXT NOT NULL, html TEXT NOT NULL,
                      PRIMARY KEY (member, lang)) WITHOUT ROWID;
"""
META_KEY = "class_rows"
# Whatever makes a row: rows made by other code are not used.
FINGERPRINT = fingerprint(
    entry_labels,
    page_common,
    vocab_labels,
    iris,
    namespaces,
    text,
    sys.modules[__name__],
)


def row_html(iri: str, texts: Texts, links: int, lang: str, base: str) -> Html:
    """The row of ``iri`` for a reader of ``lang``: its name linked to its page, the start of
    its description, its number of incoming links; every part escaped, a text in another
    language marked (``lang``)."""
    label = texts.label(iri, lang)
    name = link(Shown(label, href(iri, base), label.lang, "link"))
    description = short(texts.description(lang))
    return Html(
        f'<tr><th scope="row">{name}</th><td{lang_attr(description)}>{escape(description)}</td>'
        f"<td>{int(links)}</td></tr>"
    )


def write_rows(index: sqlite3.Connection, out: sqlite3.Connection, base: str) -> int:
    """Writes the row of every thing in the class listings of ``index`` in each of
    :data:`LANGS` into ``out`` (its table and its fingerprint); returns how many things."""
    out.executescript(SCHEMA)
    select = f"SELECT id, iri, links, {', '.join(TEXT_COLUMNS)} FROM member"
    members = index.execute(select).fetchall()
    out.executemany(
        f"INSERT INTO {TABLE} VALUES (?, ?, ?)",
        (
            (member, lang, str(row_html(iri, texts, links, lang, base)))
            for member, iri, links, *shown in members
            for texts in (listed_texts(*shown),)
            for lang in LANGS
        ),
    )
    out.execute("INSERT INTO meta VALUES (?, ?)", (META_KEY, FINGERPRINT))
    return len(members)


def usable(db: sqlite3.Connection) -> bool:
    """Whether the rows beside the index ``db`` reads were made by this code (a check for
    :func:`~endpoint.search_index_reader.checked_once`; attaches the file)."""
    return built_fingerprint(db, META_KEY) == FINGERPRINT
