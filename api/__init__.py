"""Comentor's HTTP service: a thin FastAPI shell over :mod:`assistant`.

``api.create_app(settings)`` builds the app; ``comentor serve`` runs it.
"""

from api.main import create_app

__all__ = ["create_app"]
