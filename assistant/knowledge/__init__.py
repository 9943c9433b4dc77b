"""The knowledge pipeline: load documents, split them into passages, embed them, store them
(Chroma plus a BM25 lexical index) and retrieve them with hybrid search.

Modules: ``loaders`` (md/txt/html/pdf to text), ``chunking`` (heading-aware passages),
``embeddings`` (MiniLM on onnxruntime), ``store`` (Chroma, embedded or server), ``lexical``
(bm25s), ``retrieval`` (dense + lexical fused by reciprocal rank), ``langchain_retriever``
(the same search as a LangChain retriever) and ``ingest`` (the idempotent pipeline).
"""
