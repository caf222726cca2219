"""Absolute links for mail, feeds and APIs, built from SITE_URL and never from the request's
Host header, which the client chooses."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values: Any) -> str:
    site = urlsplit(current_app.config["SITE_URL"])
    adapter = current_app.url_map.bind(
        site.netloc, script_name=site.path or "/", url_scheme=site.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)
