"""Logging: one line per record, a request id on each, no forged lines (ASVS 7.3.1)."""

from __future__ import annotations

import logging
import secrets

from flask import Flask, g, has_request_context
from werkzeug.wrappers import Response

_ESCAPES = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}


def neutralise(text: str) -> str:
    """Escape CR, LF and other control characters so one record stays one line."""
    return "".join(
        _ESCAPES.get(ch, f"\\x{ord(ch):02x}") if ord(ch) < 32 or ord(ch) == 127 else ch
        for ch in text
    )


class OneLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return neutralise(super().format(record))


def request_id() -> str:
    return g.get("request_id") or "-"


def init_app(app: Flask) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        OneLineFormatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")
    )
    root = logging.getLogger("portal")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    root.propagate = False
    app.logger.handlers[:] = [handler]

    @app.before_request
    def _assign_request_id() -> None:
        g.request_id = secrets.token_hex(8)

    @app.after_request
    def _echo_request_id(response: Response) -> Response:
        if has_request_context() and "request_id" in g:
            response.headers["X-Request-ID"] = g.request_id
        return response

