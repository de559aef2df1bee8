"""How names and text are compared, in one place for the build and the server.

The build writes the search index and the class listings of a release (``ingest/search_index.py``);
the server reads them (``endpoint/search_index_reader.py``, ``endpoint/class_listing.py``) and
shows names (``endpoint/entity_view.py``, ``endpoint/entry_labels.py``). ``ingest`` and
``endpoint`` never import each other, so the rules both must apply the same way live here, like
the IRI scheme in ``iris.py``: the index file's name and format, folding (no accents, case-folded),
words, Dutch and English Snowball stems, sort keys and local names.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

SEARCH_INDEX_FILE = "search.sqlite"  # in the release's folder
# PRAGMA user_version; the reader refuses another (2: with class listings; 3: with the language of
# each text a page shows, which marks a text in another language than its own; 4: with each
# member's place in its class in every order, so that a deep class page is a range read)
SEARCH_INDEX_FORMAT = 4
ANALYZER = "fold+snowball(dutch,english)/1"  # stored in the index; a reader checks it


class _Marks(dict[int, int | None]):
    """``str.translate`` table that drops combining marks, filled as characters are met."""

    def __missing__(self, code: int) -> int | None:
        self[code] = None if unicodedata.combining(chr(code)) else code
        return self[code]


_MARKS = _Marks()
_WORD = re.compile(r"[^\W_]+")
_NL = snowballstemmer.stemmer("dutch")
_EN = snowballstemmer.stemmer("english")


def fold(text: str) -> str:
    """Lower case without accents: "Coördinatieteam" -> "coordinatieteam"."""
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFKD", text).translate(_MARKS).casefold()


def words(text: str) -> list[str]:
    """The folded words of a text."""
    return _WORD.findall(fold(text))


@lru_cache(maxsize=200_000)
def stem_pair(word: str) -> tuple[str, str]:
    """The Dutch and the English Snowball stem of a folded word (numbers and codes as they are)."""
    if not word.isalpha():
        return word, word
    return _NL.stemWord(word), _EN.stemWord(word)


def stems(word: str) -> tuple[str, ...]:
    """The stems of a folded word that differ from it."""
    nl, en = stem_pair(word)
    return tuple(dict.fromkeys(s for s in (nl, en) if s and s != word))


def forms(ws: list[str]) -> list[str]:
    """A phrase of folded words as it is, with Dutch stems and with English stems (once each):
    what an "exact label" match compares."""
    if not ws:
        return []
    pairs = [stem_pair(w) for w in ws]
    found = [" ".join(ws), " ".join(p[0] for p in pairs), " ".join(p[1] for p in pairs)]
    return list(dict.fromkeys(found))


def sort_key(text: str) -> str:
    """Accents and case do not count when sorting names (``é`` sorts with ``e``)."""
    return fold(text).strip()


def local_name(iri: str) -> str:
    """The last segment of an IRI, after the last ``/`` or ``#``: what a thing without a name is
    called."""
    tail = iri.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return tail or iri


def pick_text(names: dict[str, str] | None, lang: str, langs: tuple[str, ...]) -> str | None:
    """The text a reader of ``lang`` is shown from ``names`` (language, ``""`` for none, -> text):
    the one in ``lang``, else in the other of ``langs``, else without language, else the one of
    the smallest language tag (the same on every run); ``None`` without any."""
    found = pick_tagged(names, lang, langs)
    return None if found is None else found[0]


def pick_tagged(
    names: dict[str, str] | None, lang: str, langs: tuple[str, ...]
) -> tuple[str, str] | None:
    """:func:`pick_text` with the language of the text it picks (``""``: none): a page marks
    text in another language than its own (WCAG 2.1, 3.1.2 Language of Parts)."""
    if not names:
        return None
    for want in (lang, *(x for x in langs if x != lang), ""):
        if want in names:
            return names[want], want
    tag = min(names)
    return names[tag], tag


def sort_name(names: dict[str, str], iri: str, lang: str, langs: tuple[str, ...]) -> str:
    """What a thing sorts by in a list for a reader of ``lang``, from its best name per language:
    :func:`pick_text`, else the thing's local name; accents and case aside. The build's class
    listings and the server's listings after a write (``endpoint/class_listing.py``) both sort
    by it."""
    return sort_key(pick_text(names, lang, langs) or local_name(iri))


_LAST = "\U0010ffff"  # sorts after any name


def index_names(nl: str, en: str, other: str, other_lang: str) -> dict[str, str]:
    """A thing's labels per language (``""`` for none) as the search index's ``entry`` row gives
    them: the Dutch, the English, and the one without a language, else the first in another
    (``other_lang``: its language); the names a page shows it by, and orders it by
    (:func:`link_order`), as read from the store."""
    names = {k: v for k, v in (("nl", nl), ("en", en)) if v}
    if other:
        names.setdefault(other_lang, other)
    return names


def link_order(names: dict[str, str], iri: str | None) -> tuple[str, str]:
    """Where a thing that links to an entity stands in the entity page's list of links (by
    relation): by its name in Dutch, else English, else without language (``names``: language,
    ``""`` for none, -> label), else its IRI, case ignored; then by IRI; a blank node
    (``iri`` ``None``) after all. The page (``endpoint/entity_view.py``) and the build's list of
    the links to the most linked-to things (``ingest/incoming_index.py``) both sort by it."""
    if iri is None:
        return _LAST, ""
    key = next((names[k] for k in ("nl", "en", "") if k in names), iri)
    return key.lower(), iri
