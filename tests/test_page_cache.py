"""The in-memory cache of rendered documents: bounded, and never stale after a write."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from endpoint.app import create_app
from endpoint.page_cache import PageCache
from endpoint.settings import ServeSettings

HTML = {"accept": "text/html"}


def test_the_cache_keeps_to_its_byte_budget_least_recently_used_first() -> None:
    cache = PageCache(max_bytes=800)
    for n in range(10):
        cache.put((f"e{n}", ""), b"x" * 100)
    assert len(cache) == 8
    assert cache.get(("e0", "")) is None and cache.get(("e1", "")) is None
    assert cache.get(("e2", "")) == b"x" * 100
    cache.put(("e10", ""), b"y" * 100)  # e3 is now the least recently used
    assert cache.get(("e3", "")) is None and cache.get(("e2", "")) is not None
    cache.put(("huge", ""), b"z" * 500)  # more than an eighth of the budget: not kept
    assert cache.get(("huge", "")) is None


def test_a_page_answers_the_same_from_the_cache_and_changes_after_a_write(mini_store: Path) -> None:
    settings = ServeSettings(store=mini_store, query_workers=0, update_token="geheim")
    with TestClient(create_app(settings)) as c:
        iri_path = "/doc/hub/pilothub-xr"
        first = c.get(iri_path, headers=HTML)
        assert first.status_code == 200, first.text[:300]
        again = c.get(iri_path, headers=HTML)
        assert again.content == first.content
        assert again.headers["etag"] == first.headers["etag"]
        klasse = c.get("/klasse?iri=kg:Hub", headers=HTML)
        assert klasse.status_code == 200
        assert c.get("/klasse?iri=kg:Hub", headers=HTML).content == klasse.content
        english = c.get(iri_path + "?lang=en", headers=HTML)
        assert english.content != first.content
        label = "Een nieuwe naam voor de test"
        update = (
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
            "INSERT DATA { GRAPH <https://kennisgraaf.nl/graph/redactie> { "
            f'<https://kennisgraaf.nl/id/hub/pilothub-xr> skos:altLabel "{label}"@nl }} }}'
        )
        w = c.post(
            "/sparql",
            content=update,
            headers={
                "content-type": "application/sparql-update",
                "authorization": "Bearer geheim",
            },
        )
        assert w.status_code in (200, 204), w.text
        after = c.get(iri_path, headers=HTML)
        assert after.headers["etag"] != first.headers["etag"]
        assert label in after.text and label not in first.text
        # the entry pages' cache follows the version too
        klasse_after = c.get("/klasse?iri=kg:Hub", headers=HTML)
        assert klasse_after.headers["etag"] != klasse.headers["etag"]
