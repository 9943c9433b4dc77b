"""Helpers for the web page tests: sign in through the form, read a page's CSRF token."""

from __future__ import annotations

import re
from typing import Any

CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(client: Any, token: str) -> Any:
    """Sign in with the form, as a browser would (pre-session cookie, then the post)."""
    client.cookies.clear()
    form = client.get("/signin")
    assert form.status_code == 200
    return client.post(
        "/signin",
        data={"token": token, "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )
