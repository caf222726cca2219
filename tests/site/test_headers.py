"""The content security policy of pages with server-drawn charts."""

from __future__ import annotations

import base64
import hashlib

from portal.security import csp_allowing_styles_of


def source(css: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"


def test_an_svg_style_is_allowed_as_the_browser_reads_it():
    # Inside <svg> a browser decodes character references in <style> before it hashes
    # the text; an HTML <style> is raw text. Both readings are allowed, nothing else.
    page = "<p>x</p><svg><style>a &gt; b { fill: red }</style></svg>"
    csp = csp_allowing_styles_of(page)
    assert source("a > b { fill: red }") in csp
    assert source("a &gt; b { fill: red }") in csp
    assert csp.count("'sha256-") == 2


def test_a_page_without_styles_allows_none():
    assert "sha256" not in csp_allowing_styles_of("<p>no style</p>")
