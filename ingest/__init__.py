"""Offline build: curated records and external data -> validated RDF -> a new Oxigraph release.

Public API: :func:`ingest.pipeline.build`, :func:`ingest.pipeline.validate`,
:class:`ingest.settings.BuildSettings`, :class:`ingest.errors.DataError`.
"""
