"""What a topic page shows of an evidence item or claim, as one SPARQL group pattern.

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
