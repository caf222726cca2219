"""Response headers every page gets (docs/security.md A17, A21) and the ``no_store`` marker."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from functools import wraps
from html import unescape
from typing import Any, TypeVar

from flask import Flask, make_response
from werkzeug.wrappers import Response

CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


F = TypeVar("F", bound=Callable[..., Any])
_STYLE_ELEMENT = re.compile(r"<style[^>]*>(.*?)</style>", re.S)


def csp_allowing_styles_of(html: str) -> str:
    """The policy, letting the ``<style>`` elements of ``html`` (and no others) apply:
    server-drawn SVG charts carry their styles inline. A browser hashes an SVG style after
    decoding its character references (``&gt;``), an HTML one as written: both are allowed."""
    styles = _STYLE_ELEMENT.findall(html)
    hashes = sorted({"'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
                     + "'" for css in {*styles, *map(unescape, styles)}})
    return f"{CSP}; style-src 'self' {' '.join(hashes)}".rstrip()


def page_with_charts(html: str) -> Response:
    """A page whose server-drawn charts keep their inline styles (and nothing else may)."""
    response = make_response(html)
    response.headers["Content-Security-Policy"] = csp_allowing_styles_of(html)
    return response


def no_store(view: F) -> F:
    """Mark a view whose pages carry personal data: browsers and proxies must not keep them."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        response = make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = "no-store"
        return response

    return wrapper  # type: ignore[return-value]


def init_app(app: Flask) -> None:
    production = app.config["ENV_NAME"] == "production"

    @app.after_request
    def _headers(response: Response) -> Response:
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("X-Frame-Options", "DENY")
        if production:
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
