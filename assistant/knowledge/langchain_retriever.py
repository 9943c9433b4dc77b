"""The hybrid retriever as a LangChain ``BaseRetriever``.

Kept out of :mod:`assistant.knowledge.retrieval` so that the command line does not pay for importing
LangChain's tracing stack on every start.
"""

from __future__ import annotations

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.knowledge.retrieval import HybridRetriever


class GuidanceRetriever(BaseRetriever):
    """LangChain face of :class:`HybridRetriever` (``retriever.invoke("question")``)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    hybrid: HybridRetriever
    k: int = 5
    modes: list[str] | None = None
    audiences: list[str] | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        passages = self.hybrid.search(query, self.k, modes=self.modes, audiences=self.audiences)
        return [
            Document(
                page_content=p.text,
                id=p.id,
                metadata={
                    "citation": p.id,
                    "title": p.title,
                    "heading": p.heading,
                    "source": p.source,
                    "score": p.score,
                    "similarity": p.similarity,
                },
            )
            for p in passages
        ]
