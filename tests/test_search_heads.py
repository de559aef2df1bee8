"""The results of frequent words that the build ranks (``endpoint/search_heads.py``): a search
for one of them is answered from what the build ranked, with the same results, order, scores,
totals and counts per kind as ranked per request, and is ranked per request whenever that may
not be right (other code, a damaged or missing file, past the results kept). On the real build
of data/, whose words are ranked from 20 entries on (the build's own threshold is for graphs
of a million triples)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from endpoint import page_models, search_heads
from endpoint.search_index_reader import FILENAME as INDEX
from endpoint.search_index_reader import Query, connect_readonly
from ingest import pipeline
from tests.conftest import copied_store, damage_models, release_of, rendering_client

MIN_DOCS = 20
JSON = {"accept": "application/json"}
HTML = {"accept": "text/html"}


def rank_heads(root: Path) -> int:
    """Ranks the words of ``root``'s release in :data:`MIN_DOCS` entries or more anew."""
    release = release_of(root)
    out = sqlite3.connect(release / page_models.FILENAME)
    index = connect_readonly(release / INDEX)
    try:
        out.execute(f"DROP TABLE {search_heads.TABLE}")
        out.execute("DELETE FROM meta WHERE key = ?", (search_heads.META_KEY,))
        made = search_heads.write_heads(index, out, MIN_DOCS)
        out.commit()
    finally:
        index.close()
        out.close()
    return made


def head_words(root: Path) -> list[tuple[str, int]]:
    """(a word form the build ranked, its total) for each of its queries."""
    db = connect_readonly(release_of(root) / INDEX)
    try:
        db.execute(search_heads.VOCABULARY)
        terms = db.execute("SELECT term FROM temp.head_vocab WHERE doc >= ?", (MIN_DOCS,))
        words = [t for (t,) in terms.fetchall()]
    finally:
        db.close()
    models = sqlite3.connect(release_of(root) / page_models.FILENAME)
    try:
        totals = dict(models.execute(f"SELECT key, total FROM {search_heads.TABLE}").fetchall())
    finally:
        models.close()
    found: dict[str, tuple[str, int]] = {}
    for word in words:
        key = search_heads.key_of(Query.parse(word))
        found.setdefault(key, (word, totals[key]))
    return sorted(found.values())


@pytest.fixture(scope="module")
def heads_root(real_build: pipeline.Outcome, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copied_store(real_build, tmp_path_factory.mktemp("heads") / "s")
    assert rank_heads(root) > 10
    return root


@pytest.fixture
def damaged_heads(heads_root: Path, tmp_path: Path) -> Iterator[Path]:
    copy = tmp_path / "store"
    shutil.copytree(heads_root, copy, symlinks=True)
    yield copy


def test_a_default_build_ranks_the_words_in_a_thousand_entries_or_more(
    built_root: Path,
) -> None:
    db = sqlite3.connect(release_of(built_root) / page_models.FILENAME)
    try:
        ranked = db.execute(f"SELECT count(*) FROM {search_heads.TABLE}").fetchone()[0]
        key = "SELECT value FROM meta WHERE key = ?"
        assert db.execute(key, (search_heads.META_KEY,)).fetchone() == (search_heads.FINGERPRINT,)
    finally:
        db.close()
    assert search_heads.HEAD_DOCS == 1000
    assert ranked == 0  # no word of the real data is in a thousand entries


def searches(word: str, total: int) -> Iterator[dict[str, str]]:
    pages = -(-total // 20)
    for page in sorted({1, 2, min(pages, 5), 6}):
        yield {"q": word, "page": str(page)}
    yield {"q": word, "kind": "kg:Product"}  # with a kind: ranked per request


def test_a_frequent_word_finds_what_ranking_it_per_request_finds(
    heads_root: Path, live_root: Path
) -> None:
    """Byte for byte, HTML and JSON, both languages, the first pages, past the results kept
    and with a kind."""
    words = head_words(heads_root)
    assert len(words) > 10 and any(total > search_heads.HEAD_HITS for _w, total in words)
    compared = 0
    with rendering_client(heads_root) as c, rendering_client(live_root) as live:
        for word, total in words:
            for params in searches(word, total):
                for headers in (
                    {**HTML, "accept-language": "nl"},
                    {**HTML, "accept-language": "en"},
                    JSON,
                ):
                    a = c.get("/search", params=params, headers=headers)
                    b = live.get("/search", params=params, headers=headers)
                    assert a.status_code == b.status_code, (params, a.text[:300])
                    assert a.text == b.text, (params, headers)
                    compared += 1
    assert compared > 100


def most_frequent(root: Path) -> tuple[str, int]:
    return max(head_words(root), key=lambda found: found[1])


def test_a_frequent_word_is_answered_from_what_the_build_ranked(damaged_heads: Path) -> None:
    word, total = most_frequent(damaged_heads)
    db = sqlite3.connect(release_of(damaged_heads) / page_models.FILENAME)
    db.execute(f"UPDATE {search_heads.TABLE} SET total = total + 1000")
    db.commit()
    db.close()
    with rendering_client(damaged_heads) as c:
        assert c.get("/search", params={"q": word}, headers=JSON).json()["total"] == total + 1000
        two = c.get("/search", params={"q": word + " " + word}, headers=JSON).json()
    assert two["total"] == total  # the word twice: other exact forms, ranked per request


@pytest.mark.parametrize(
    "damage", ["other code", "an entry that is not there", "not JSON", "no table", "no file"]
)
def test_ranked_words_that_cannot_be_used_are_ranked_per_request(
    damaged_heads: Path, live_root: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    word, _total = most_frequent(damaged_heads)

    def change(db: sqlite3.Connection) -> None:
        db.execute(f"UPDATE {search_heads.TABLE} SET total = total + 1000")  # if used: seen
        if damage == "other code":
            db.execute("UPDATE meta SET value = 'another version' WHERE key = 'search_heads'")
        elif damage == "an entry that is not there":
            for key, hits in db.execute(f"SELECT key, hits FROM {search_heads.TABLE}").fetchall():
                gone = [[10**9, bm, tier] for _id, bm, tier in json.loads(hits)]
                db.execute(
                    f"UPDATE {search_heads.TABLE} SET hits = ? WHERE key = ?",
                    (json.dumps(gone), key),
                )
        elif damage == "not JSON":
            db.execute(f"UPDATE {search_heads.TABLE} SET facets = '{{not json'")
        else:
            db.execute(f"DROP TABLE {search_heads.TABLE}")

    damage_models(damaged_heads, damage, change)
    with rendering_client(damaged_heads) as c, rendering_client(live_root) as live:
        for headers in (HTML, JSON):
            for _ in range(2):  # and again, once the damage is known
                a = c.get("/search", params={"q": word}, headers=headers)
                b = live.get("/search", params={"q": word}, headers=headers)
                assert a.status_code == 200
                assert a.text == b.text
    # a file that says it holds ranked words it cannot give is a defect to tell the operator of
    told = caplog.text.count("frequent words the build ranked")
    assert told == (damage in ("an entry that is not there", "not JSON", "no table")), caplog.text


def test_searches_of_nothing_and_of_stopwords_are_answered_as_per_request(
    heads_root: Path, live_root: Path
) -> None:
    with rendering_client(heads_root) as c, rendering_client(live_root) as live:
        for q in ("", "   ", "de", "de het", "DE", "dé"):
            a = c.get("/search", params={"q": q}, headers=JSON)
            assert a.status_code == 200, (q, a.text[:200])
            assert a.text == live.get("/search", params={"q": q}, headers=JSON).text
