"""Sign-in cookies and CSRF tokens for the web pages (standard library ``hmac`` only).

The session cookie holds the service token itself (HttpOnly, SameSite=Strict, Secure over
HTTPS): the service already stores tokens as hashes and checks them on every request, so
there is no second session store to keep in step across workers. A form's CSRF token is
an HMAC keyed by that session token (or, before sign-in, by a random pre-session cookie),
so it is bound to the cookie and unknown to another site.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response

from api.deps import SESSION_COOKIE
from assistant.errors import PermissionDenied

PRESESSION_COOKIE = "comentor_csrf"
CSRF_FIELD = "csrf_token"
SESSION_MAX_AGE = 8 * 3600  # seconds: a working day, then sign in again


def _key(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRESESSION_COOKIE)


def csrf_token(request: Request, nonce: str | None = None) -> str:
    """The CSRF token of this browser's session (``nonce``: a pre-session cookie just set)."""
    key = nonce or _key(request)
    if not key:
        return ""
    return hmac.new(key.encode(), b"comentor-web-csrf", hashlib.sha256).hexdigest()


def check_csrf(request: Request, submitted: str | None) -> None:
    """Refuse a form post whose hidden token does not match the session's (403)."""
    expected = csrf_token(request)
    if not expected or not submitted or not hmac.compare_digest(expected, submitted):
        raise PermissionDenied(
            "This form's security token is missing or out of date.",
            hint="Reload the page and submit the form again.",
            code="csrf_failed",
        )


def ensure_presession(request: Request, response: Response) -> str | None:
    """Give a browser without any cookie a random pre-session one; returns its value."""
    if _key(request):
        return None
    nonce = secrets.token_urlsafe(32)
    _set(request, response, PRESESSION_COOKIE, nonce, max_age=SESSION_MAX_AGE)
    return nonce


def sign_in(request: Request, response: Response, token: str) -> None:
    _set(request, response, SESSION_COOKIE, token, max_age=SESSION_MAX_AGE)
    response.delete_cookie(PRESESSION_COOKIE, path="/")


def sign_out(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")


def _set(request: Request, response: Response, name: str, value: str, *, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
