"""The ``kennisgraaf`` command: build, validate and serve the knowledge graph."""
