"""Open311 GeoReport v2 at ``/open311/v2``: every endpoint as ``.json`` and ``.xml``.

Clients are apps and other systems, not browsers: no cookies, so no CSRF token; writes
are authorised by the ``api_key`` field and rate-limited per client.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, g, request
from flask.blueprints import BlueprintSetupState
from flask_limiter.util import get_remote_address
from werkzeug.wrappers import Response

from portal.db import db, utcnow
from portal.extensions import csrf, limiter
from portal.forms import coerce_id
from portal.site.errors import register_api_errors
from portal.urls import external_url

from .formats import FORMATS, MIMETYPES, Open311Error, format_of_path, render, render_errors
from .keys import client_for_key
from .models import ApiClient
from .public import public_requests, service, service_definition, service_notice
from .queries import (
    RequestFilters,
    active_services,
    attribute_definitions,
    categories_with_attributes,
    find_requests,
    request_by_token,
    service_for_code,
    visible_request,
)
from .submission import create_service_request

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
csrf.exempt(bp)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-26T00:00:00+08:00"  # when this API last changed
READ_LIMIT = "120 per minute"
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,32}")  # what secrets.token_urlsafe makes
HTTP_ERRORS = {
    400: "请求格式不正确",
    403: "无权访问",
    404: "没有这个资源，请核对网址（格式为 .json 或 .xml）",
    405: "该网址不支持这种请求方式",
    413: "请求内容过大",
    429: "请求过于频繁，请稍后再试",
    500: "服务器内部错误，请稍后再试",
    503: "服务暂时不可用，请稍后再试",
}


def _http_error(code: int) -> Response:
    fallback = HTTP_ERRORS[500 if code >= 500 else 400]
    return render_errors(code, [HTTP_ERRORS.get(code, fallback)], format_of_path(request.path))


@bp.record_once
def _answer_errors_in_open311_form(state: BlueprintSetupState) -> None:
    register_api_errors(state.app, bp.url_prefix or "", _http_error)


@bp.errorhandler(Open311Error)
def _refused(error: Open311Error) -> Response:
    return render_errors(error.status, list(error.descriptions),
                         (request.view_args or {}).get("fmt") or format_of_path(request.path))


def route(rule: str, **options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Serve ``rule.json`` and ``rule.xml`` with one view, which gets ``fmt``."""

    def register(view: Callable[..., Any]) -> Callable[..., Any]:
        for fmt in FORMATS:
            bp.add_url_rule(f"{rule}.{fmt}", view_func=view, defaults={"fmt": fmt}, **options)
        return view

    return register


def _client() -> ApiClient | None:
    """The client whose ``api_key`` came with this request (looked up once): in the body of
    a POST, in the query string of a GET, where it lets a client see its own requests."""
    if "open311_client" not in g:
        fields = request.form if request.method == "POST" else request.args
        g.open311_client = client_for_key(db.session, fields.get("api_key"))
    client: ApiClient | None = g.open311_client
    return client


def _rate_key() -> str:
    client = _client()
    return f"open311-client-{client.id}" if client else get_remote_address()


def _write_limit() -> str:
    return str(current_app.config["OPEN311_RATE_LIMIT"])


@route("/discovery")
@limiter.limit(READ_LIMIT)
def discovery(fmt: str) -> Response:
    """Where this API lives, which specification and formats it speaks, how to get a key."""
    endpoint = external_url("open311.discovery").rsplit("/", 1)[0]
    site = f"{current_app.config['CITY_NAME']}{current_app.config['SITE_NAME']}"
    return render({
        "changeset": CHANGESET,
        "contact": f"{site}：{current_app.config['SITE_URL']}",
        "key_service": f"API key 由{site}的系统管理员签发，请说明应用名称和用途后申请。",
        "endpoints": [{"specification": SPECIFICATION, "url": endpoint, "changeset": CHANGESET,
                       "type": "production", "formats": [MIMETYPES[f] for f in ("xml", "json")]}],
    }, "discovery", fmt)


@route("/services")
@limiter.limit(READ_LIMIT)
def services(fmt: str) -> Response:
    """Every active category as a service."""
    with_attributes = categories_with_attributes(db.session)
    return render([service(c, c.id in with_attributes) for c in active_services(db.session)],
                  "services", fmt)


@route("/services/<service_code>")
@limiter.limit(READ_LIMIT)
def definition(fmt: str, service_code: str) -> Response:
    """The extra fields (attributes) a service asks for; none is an empty list."""
    category = service_for_code(db.session, service_code)
    if category is None:
        raise Open311Error(404, f"service_code 不存在：{service_code[:50]}")
    return render(service_definition(category, attribute_definitions(db.session, category.id)),
                  "service_definition", fmt)


@route("/requests", methods=["POST"])
@limiter.limit(_write_limit, key_func=_rate_key)
def create_request(fmt: str) -> Response:
    """Create a case from a client's form-encoded service request."""
    client = _client()
    if client is None:
        raise Open311Error(403, "api_key 无效或已停用" if request.form.get("api_key")
                           else "缺少 api_key")
    row = create_service_request(db.session, client, request.form)
    db.session.commit()
    return render([{"service_request_id": str(row.case_id), "token": row.token,
                    "service_notice": service_notice(row.case)}], "service_requests", fmt, 201)


@route("/requests", methods=["GET"])
@limiter.limit(READ_LIMIT)
def list_requests(fmt: str) -> Response:
    """Requests the caller may see, by id, or by service, status and a window of at most
    90 days."""
    filters = RequestFilters.from_args(request.args, utcnow())
    return render(public_requests(db.session, find_requests(db.session, filters, _client())),
                  "service_requests", fmt)


@route("/requests/<service_request_id>")
@limiter.limit(READ_LIMIT)
def show_request(fmt: str, service_request_id: str) -> Response:
    """One request the caller may see, public fields only."""
    case_id = coerce_id(service_request_id)
    case = visible_request(db.session, case_id, _client()) if case_id else None
    if case is None:
        raise Open311Error(404, "service_request_id 不存在")
    return render(public_requests(db.session, [case]), "service_requests", fmt)


@route("/tokens/<token>")
@limiter.limit(READ_LIMIT)
def token(fmt: str, token: str) -> Response:
    """The service_request_id a token stands for, if the caller may see the request."""
    row = request_by_token(db.session, token, _client()) if TOKEN.fullmatch(token) else None
    if row is None:
        raise Open311Error(404, "token 不存在")
    return render([{"service_request_id": str(row.case_id), "token": row.token}],
                  "service_requests", fmt)
