"""Comentor: an offline, grounded co-mentor assistant.

The library behind the `comentor` command and the API: ingestion and hybrid retrieval of
mentorship guidance, grounded answers with citations, and (in later modules) the planners.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
