"""The `comentor` command line: ``core`` holds the app and the shared helpers (ingest, ask,
sources); ``plan`` the planners; ``evaluate`` the eval suite. :func:`main` registers them all."""

from assistant.cli.core import app, main

__all__ = ["app", "main"]
