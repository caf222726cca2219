"""Logging: one line per record, a request id on each, no forged lines (ASVS 7.3.1)."""

from __future__ import annotations

import logging
import secrets

from flask import Flask, g, has_request_context
from werkzeug.wrappers import Response

_ESCAPES = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}


# Besides the C0 controls and DEL: NEL and the Unicode line and paragraph separators,
# where ``str.splitlines`` and many log viewers start a new line too.
_LINE_BREAKERS = {"\x85", "\u2028", "\u2029"}


def _escaped(ch: str) -> str:
    code = ord(ch)
    if code < 32 or code == 127 or ch in _LINE_BREAKERS:
        return _ESCAPES.get(ch, f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}")
    return ch


def neutralise(text: str) -> str:
    """Escape CR, LF and every other line-breaking or control character, so one record
    stays one line."""
    return "".join(_escaped(ch) for ch in text)


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

