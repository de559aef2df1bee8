"""Evidence on the pages: what a topic page shows of an evidence item or claim, as one SPARQL
group pattern, and what counts as evidence about a thing on its entity page.

Both the build, which lists these fields for every evidence item and claim
(``ingest/topic_index.py``), and the topic pages, which ask the store for those they show after a
write (``endpoint/topic_pages.py``), use this pattern, so the list and the store give the same
rows: ``?e`` the evidence item or claim, ``?field`` the field's name, ``?v`` its value, ``?w``
for ``supported_by`` the supporter's strength.
"""

FIELDS_OF_E = """
  { ?e kg:evidenceType ?v BIND("type" AS ?field) }
  UNION { ?e kg:evidenceStrength ?v BIND("strength" AS ?field) }
  UNION { ?e kg:evidenceStrength/skos:notation ?v BIND("notation" AS ?field) }
  UNION { ?e prov:wasDerivedFrom ?v . ?v a kg:SourceDocument BIND("source" AS ?field) }
  UNION { ?e kg:supportsClaim ?v BIND("supports" AS ?field) }
  UNION {
    ?v kg:supportsClaim ?e BIND("supported_by" AS ?field)
    OPTIONAL { ?v kg:evidenceStrength ?w }
  }
"""

# What makes a thing evidence about another (``?ev kg:about|kg:supportsClaim|dcterms:subject
# ?thing``) on the thing's entity page, and the kinds of evidence in order of preference (a thing
# of both kinds shows as the first): the entity pages (``endpoint/entity_view.py``) and the
# build's list for the most linked-to things (``ingest/incoming_index.py``).
EVIDENCE_LINKS = ("kg:about", "kg:supportsClaim", "dcterms:subject")
EVIDENCE_KINDS = ("kg:EvidenceItem", "kg:EvidenceClaim")
