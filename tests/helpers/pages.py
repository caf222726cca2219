"""What every error page and every response must carry: the Chinese error page, the
security headers, and a sample URL for each route."""

from __future__ import annotations

from typing import Any

from flask import Flask

ERROR_TITLES = {
    400: "请求无法处理", 404: "页面不存在", 405: "请求方式不正确", 413: "上传的内容过大",
    429: "操作过于频繁", 500: "系统繁忙", 503: "服务暂时不可用",
}


UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def csp_directives(response: Any) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    parts = (d.strip().split(None, 1) for d in policy.split(";") if d.strip())
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts}


def assert_security_headers(response: Any) -> None:
    csp = csp_directives(response)
    assert csp["default-src"] == "'self'"
    assert csp["object-src"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def assert_chinese_error_page(response: Any, code: int) -> str:
    html = response.get_data(as_text=True)
    assert response.status_code == code
    assert response.mimetype == "text/html"
    assert '<html lang="zh-CN">' in html
    assert ERROR_TITLES[code] in html
    assert f'<p class="error-code">{code}</p>' in html
    for english in ("Not Found", "Method Not Allowed", "Bad Request", "Too Many Requests",
                    "Request Entity Too Large", "Internal Server Error", "Service Unavailable"):
        assert english not in html
    assert_security_headers(response)
    return html


def sample_url(app: Flask, rule: Any, values: dict[str, Any]) -> str:
    fixed = rule.defaults or {}  # e.g. Open311's format, one rule per value
    args = {**fixed, **{name: values.get(name, 1) for name in rule.arguments - set(fixed)}}
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **args)
