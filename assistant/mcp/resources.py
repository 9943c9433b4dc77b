"""Guidance passages as MCP resources, addressed by their citation id.

A citation id is a source path and a heading anchor
(``knowledge/guides/reverse-mentoring.md#handling-senior-resistance``). Its ``/`` and
``#`` cannot stand bare in a URI (``#`` would start a fragment), so the id is
percent-encoded as one path segment: ``guidance://passages/knowledge%2Fguides%2F…%23…``.
:func:`citation_uri` builds it; every tool result links the passages it cites this way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from mcp.server.mcpserver import Context

from assistant.errors import ComentorError, NotFoundError
from assistant.knowledge.retrieval import Passage
from assistant.mcp.errors import protocol_error
from assistant.mcp.identity import Identity
from assistant.records.access import Action, authorize

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from assistant.workspace import Workspace

PASSAGE_TEMPLATE = "guidance://passages/{citation_id}"


def citation_uri(citation_id: str) -> str:
    """The resource URI of the passage with this citation id."""
    return "guidance://passages/" + quote(citation_id, safe="")


def render_passage(passage: Passage) -> str:
    """A passage as Markdown: its title and heading, the text, and where it comes from."""
    lines = [f"# {passage.title}" if passage.title else f"# {passage.id}"]
    if passage.heading and passage.heading != passage.title:
        lines.append(f"## {passage.heading}")
    lines += ["", passage.text.strip(), "", f"Source: {passage.source} (citation `{passage.id}`)"]
    return "\n".join(lines) + "\n"


def cited_ids(data: object) -> list[str]:
    """Every citation id in a tool result (its ``citations`` lists of ids or of
    ``{id, …}`` objects, at any depth), in first-seen order."""
    seen: dict[str, None] = {}

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "citations" and isinstance(value, list):
                    for item in value:
                        ident = item.get("id") if isinstance(item, dict) else item
                        if isinstance(ident, str) and "#" in ident:
                            seen.setdefault(ident, None)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    return list(seen)


def register_resources(server: MCPServer, workspace: Workspace, identity: Identity) -> None:
    """The ``guidance://passages/{citation_id}`` template on ``server``."""

    @server.resource(
        PASSAGE_TEMPLATE,
        name="guidance-passage",
        title="Guidance passage",
        description="A passage of the mentoring guidance by its citation id (percent-encoded), "
        "as the tools' results cite it.",
        mime_type="text/markdown",
    )
    def passage(citation_id: str, ctx: Context[Any, Any]) -> str:
        try:
            user = identity.user(ctx.request_context.request)
            authorize(user, Action.READ_RELATIONSHIP, workspace=workspace)  # any active user
            found = workspace.comentor.retriever.get([citation_id])
            if not found:
                raise NotFoundError(
                    f"No guidance passage with citation id {citation_id!r}.",
                    hint="Use a citation id from a tool result, e.g. "
                    "knowledge/guides/goal-setting.md#<anchor>, percent-encoded.",
                    code="unknown_citation",
                )
        except ComentorError as exc:
            raise protocol_error(exc) from None
        return render_passage(found[0])
