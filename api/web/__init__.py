"""The web pages: sign-in, chat for mentees and mentors, review for program staff.

Server-rendered with Jinja2 (``api/templates``), one stylesheet and one small script
(``api/static``); every page works without JavaScript. The pages authenticate with a
session cookie (see :mod:`api.web.session`) through the API's own user resolution and
enforce the API's role rules through the same :func:`api.deps.Access` dependency.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.web import chat_pages, pages, review
from api.web.common import install_error_pages

STATIC = Path(__file__).resolve().parents[1] / "static"


def install(app: FastAPI) -> None:
    """Register the pages, the static files and the HTML error pages on ``app``."""
    app.include_router(pages.router)
    app.include_router(chat_pages.router)
    app.include_router(review.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    install_error_pages(app)


__all__ = ["install"]
