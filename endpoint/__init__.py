"""The web side: FastAPI app over the current release of the store.

Public API: :func:`endpoint.app.create_app`, :class:`endpoint.settings.ServeSettings`.
"""
