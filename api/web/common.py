"""What every page shares: the template environment, the web marker and error pages."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.web.render import citations, guidance_href, markdown
from api.web.session import CSRF_FIELD, csrf_token, ensure_presession
from assistant.errors import ComentorError
from assistant.records import User

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"

env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
env.filters["markdown"] = markdown
env.globals["guidance_href"] = guidance_href
env.globals["with_links"] = citations


def mark_web(request: Request) -> None:
    """Mark the request as a web page's: only these accept the session cookie (deps.py)."""
    request.state.cookie_auth = True


WEB = [Depends(mark_web)]


def page(
    request: Request,
    template: str,
    *,
    user: User | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render ``template`` with the CSRF token (setting a pre-session cookie if needed)."""
    response = HTMLResponse("", status_code=status_code)
    nonce = ensure_presession(request, response)
    html = env.get_template(template).render(
        request=request,
        user=user,
        csrf_field=CSRF_FIELD,
        csrf=csrf_token(request, nonce),
        **context,
    )
    response.body = response.render(html)
    response.headers["content-length"] = str(len(response.body))
    response.headers["cache-control"] = "no-store"
    return response


async def _call(handler: Any, request: Request, exc: Exception) -> Response:
    """Call an exception handler, sync or async, as Starlette would."""
    result = handler(request, exc)
    if inspect.isawaitable(result):
        result = await result
    assert isinstance(result, Response)
    return result


def install_error_pages(app: FastAPI) -> None:
    """Web requests get HTML error pages (401 goes to sign-in); the API keeps its JSON."""
    api_error = app.exception_handlers[ComentorError]
    api_validation = app.exception_handlers[RequestValidationError]

    async def comentor_error(request: Request, exc: Exception) -> Response:
        if not getattr(request.state, "cookie_auth", False):
            return await _call(api_error, request, exc)
        assert isinstance(exc, ComentorError)
        if exc.http_status == 401:
            return RedirectResponse("/signin", status_code=303)
        return page(request, "error.html", error=exc, status_code=exc.http_status)

    async def validation_error(request: Request, exc: Exception) -> Response:
        if not getattr(request.state, "cookie_auth", False):
            return await _call(api_validation, request, exc)
        error = ComentorError("The form is incomplete or invalid.", hint=str(exc)[:300])
        return page(request, "error.html", error=error, status_code=422)

    app.add_exception_handler(ComentorError, comentor_error)
    app.add_exception_handler(RequestValidationError, validation_error)
