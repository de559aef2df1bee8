"""``using-graph-uri`` / ``using-named-graph-uri`` become USING clauses: checked on the text
and by running the rewritten update on a real pyoxigraph store."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from endpoint.update_dataset import DatasetConflict, with_dataset

G1, G2, G3 = "http://ex.org/g1", "http://ex.org/g2", "http://ex.org/g3"
OUT = "http://ex.org/out"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def store() -> ox.Store:
    s = ox.Store()
    s.update(
        f"""INSERT DATA {{
          GRAPH <{G1}> {{ <http://ex.org/a> a <http://ex.org/Doc> }}
          GRAPH <{G2}> {{ <http://ex.org/b> a <http://ex.org/Doc> }}
          GRAPH <{G3}> {{ <http://ex.org/c> a <http://ex.org/Doc> }}
        }}"""
    )
    return s


def copied(s: ox.Store) -> set[str]:
    return {str(q.subject)[1:-1] for q in s.quads_for_pattern(None, None, None, ox.NamedNode(OUT))}


COPY = f"INSERT {{ GRAPH <{OUT}> {{ ?s a <http://ex.org/Copy> }} }} WHERE {{ ?s a <http://ex.org/Doc> }}"


def test_without_parameters_the_update_is_untouched() -> None:
    assert with_dataset(COPY, [], []).text == COPY


def test_using_graph_uri_sets_the_default_graph_of_the_where_clause() -> None:
    s = store()
    s.update(with_dataset(COPY, [G1, G2], []).text)
    assert copied(s) == {"http://ex.org/a", "http://ex.org/b"}


def test_using_named_graph_uri_sets_the_named_graphs() -> None:
    s = store()
    update = (
        f"INSERT {{ GRAPH <{OUT}> {{ ?s a <http://ex.org/Copy> }} }} "
        "WHERE { GRAPH ?g { ?s a <http://ex.org/Doc> } }"
    )
    s.update(with_dataset(update, [], [G3]).text)
    assert copied(s) == {"http://ex.org/c"}


def test_every_operation_gets_the_dataset() -> None:
    s = store()
    update = f"""PREFIX ex: <http://ex.org/>
    {COPY} ;
    INSERT DATA {{ GRAPH <{G3}> {{ ex:d a ex:Doc }} }} ;
    INSERT {{ GRAPH <{OUT}> {{ ?s a ex:Copy }} }} WHERE {{ ?s a ex:Doc }}"""
    rewritten = with_dataset(update, [G2], [])
    assert rewritten.text.count(f"USING <{G2}>") == 2
    s.update(rewritten.text)
    assert copied(s) == {"http://ex.org/b"}


def test_delete_where_is_expanded_to_take_the_dataset() -> None:
    s = store()
    update = "PREFIX ex: <http://ex.org/> delete where { GRAPH ?g { ?s a ex:Doc } }"
    rewritten = with_dataset(update, [], [G2])
    assert "USING NAMED" in rewritten.text
    s.update(rewritten.text)
    doc = ox.NamedNode("http://ex.org/Doc")
    left = {str(q.subject)[1:-1] for q in s.quads_for_pattern(None, RDF_TYPE, doc, None)}
    assert left == {"http://ex.org/a", "http://ex.org/c"}  # only g2 was read


def test_where_in_strings_comments_iris_subqueries_and_names_is_left_alone() -> None:
    update = """PREFIX where: <http://ex.org/where#>
# WHERE { in a comment
INSERT { GRAPH <http://ex.org/out> { ?s where:p "WHERE }" } }
WHERE { ?s ?p '''a
WHERE''' . { SELECT ?s WHERE { ?s ?q <http://ex.org/WHERE#x> } } }"""
    rewritten = with_dataset(update, [G1], [])
    assert rewritten.text.count("USING") == 1
    assert f"USING <{G1}> WHERE {{ ?s ?p" in rewritten.text
    assert rewritten.original == update
    ox.Store().update(rewritten.text)  # still a valid update


@pytest.mark.parametrize(
    "update",
    [
        f"WITH <{G1}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
        f"DELETE {{ ?s ?p ?o }} USING <{G1}> WHERE {{ ?s ?p ?o }}",
        f"insert {{ ?s ?p ?o }} using named <{G1}> where {{ ?s ?p ?o }}",
    ],
)
def test_an_update_with_its_own_dataset_conflicts(update: str) -> None:
    with pytest.raises(DatasetConflict):
        with_dataset(update, [G2], [])
    assert with_dataset(update, [], []).text == update  # fine without the parameters


def test_a_graph_that_is_not_an_iri_is_refused() -> None:
    with pytest.raises(ValueError):
        with_dataset(COPY, ["not an iri"], [])
    with pytest.raises(ValueError):
        with_dataset(COPY, [], ["http://ex.org/> . DROP ALL ; <x"])


def test_a_syntax_error_is_reported_where_the_client_wrote_it() -> None:
    update = "INSERT { ?s ?p 1 }\nWHERE { ?s ?p ?o FILTER( }"
    rewritten = with_dataset(update, [G1, G2], [])
    with pytest.raises(SyntaxError) as e:
        ox.Store().update(rewritten.text)
    line, column = (int(x) for x in str(e.value).split()[2].rstrip(":").split(":"))
    assert line == 2 and column > len("WHERE { ?s ?p ?o FILTER( ")  # shifted by the insertion
    assert rewritten.original_position(line, column) == (2, len("WHERE { ?s ?p ?o FILTER( }") + 1)
