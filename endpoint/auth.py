"""The bearer token that guards every write (SPARQL Update, Graph Store PUT/POST/DELETE).

No ``KENNISGRAAF_UPDATE_TOKEN``: writes are disabled (403). With it, a write needs
``Authorization: Bearer <token>``; a missing or wrong token gets 401 with ``WWW-Authenticate``.
The comparison takes the same time whatever the token sent.
"""

from __future__ import annotations

import hmac

from fastapi import Request

from .problems import HttpProblem, writes_disabled
from .settings import ServeSettings

REALM = 'Bearer realm="kennisgraaf"'


def require_write_token(request: Request, settings: ServeSettings) -> None:
    """Raises ``HttpProblem`` (403 or 401) unless the request may write."""
    if settings.update_token is None:
        raise writes_disabled()
    header = request.headers.get("authorization")
    if not header:
        raise HttpProblem(
            401,
            "this request writes to the store and needs the bearer token",
            hint="send the header 'Authorization: Bearer <token>' with the token the operator "
            "set in KENNISGRAAF_UPDATE_TOKEN",
            headers={"WWW-Authenticate": REALM},
        )
    scheme, _, credentials = header.strip().partition(" ")
    expected = settings.update_token.get_secret_value().encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        credentials.strip().encode(), expected
    ):
        raise HttpProblem(
            401,
            "the bearer token is wrong"
            if scheme.lower() == "bearer"
            else f"writes use the Bearer scheme, not {scheme!r}",
            hint="send 'Authorization: Bearer <token>' with the token set in "
            "KENNISGRAAF_UPDATE_TOKEN",
            headers={"WWW-Authenticate": REALM + ', error="invalid_token"'},
        )
