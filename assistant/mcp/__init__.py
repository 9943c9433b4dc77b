"""Comentor as an MCP server: the jobs as tools, guidance passages as resources, and two
prompts, for any assistant that speaks the Model Context Protocol.

The server definition (:func:`build_mcp_server`) is transport-neutral: ``comentor mcp``
serves it over stdio, and the service mounts it over streamable HTTP at ``/mcp``
(:mod:`api.mcp_mount`). Who the caller is comes from an :class:`Identity`: a token given
at start (stdio), the local admin (``--dev``), or the bearer token of each HTTP request.

Nothing else in ``assistant`` imports this package (the SDK pulls in Starlette); it is
loaded only by the ``mcp`` command and the HTTP mount.
"""

from assistant.mcp.identity import Identity, RequestIdentity, StaticIdentity, TokenIdentity
from assistant.mcp.resources import citation_uri
from assistant.mcp.server import build_mcp_server

__all__ = [
    "Identity",
    "RequestIdentity",
    "StaticIdentity",
    "TokenIdentity",
    "build_mcp_server",
    "citation_uri",
]
