"""Who is calling: resolved for every tool call, resource read and prompt.

An identity turns the transport's request (``None`` over stdio, the HTTP request over
streamable HTTP) into a :class:`~assistant.records.User`. It is asked on every call, not
once per connection, so a token revoked while a client stays connected stops working at
its next call.
"""

from __future__ import annotations

from typing import Any, Protocol

from assistant.errors import AuthError
from assistant.records import Records, User

# The key under which the HTTP mount leaves the authenticated user in the ASGI scope.
SCOPE_USER_KEY = "comentor.user"


class Identity(Protocol):
    def user(self, request: Any | None) -> User:
        """The caller of this request; raises AuthError when there is none."""
        ...


class StaticIdentity:
    """Always the same user (``comentor mcp --dev``: the local admin)."""

    def __init__(self, user: User) -> None:
        self._user = user

    def user(self, request: Any | None) -> User:
        return self._user


class TokenIdentity:
    """The user of a bearer token given once (``comentor mcp --token``), checked again at
    every call so revoking it takes effect without restarting the client."""

    def __init__(self, records: Records, token: str) -> None:
        self._records = records
        self._token = token

    def user(self, request: Any | None) -> User:
        return self._records.authenticate(self._token)


class RequestIdentity:
    """The user the HTTP mount authenticated for this very request (from its bearer
    token), read from the request's ASGI scope."""

    def user(self, request: Any | None) -> User:
        scope = getattr(request, "scope", None)
        user = scope.get(SCOPE_USER_KEY) if isinstance(scope, dict) else None
        if not isinstance(user, User):
            raise AuthError(
                "This MCP endpoint needs a bearer token.",
                hint="Send `Authorization: Bearer <token>`; an admin creates tokens with "
                "`comentor users add NAME --role ROLE`.",
                code="unauthenticated",
            )
        return user
