"""Error pages in Chinese; a 500 shows only a correlation id (docs/security.md A18), and while
the database is unreachable every page answers 503 and the citizens' forms keep their input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, jsonify, make_response, render_template, request
from flask.sansio.app import App
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Response

from portal.auth.access import as_signed_out
from portal.cases.attachments import human_size
from portal.db import database_unreachable, db
from portal.forms import CSRF_FAILED, DATABASE_UNAVAILABLE, rerender_keeping_input
from portal.logs import request_id

MESSAGES = {
    400: ("请求无法处理", "提交的内容格式不正确，或页面已过期。请返回上一页刷新后重试。"),
    403: ("无权访问", "您没有访问该页面的权限。"),
    404: ("页面不存在", "您访问的页面不存在或已被移除。"),
    405: ("请求方式不正确", "该页面不支持这种访问方式。"),
    413: ("上传的内容过大", "单个附件不能超过 {max_size}，最多 {max_count} 个。请压缩图片或减少附件后，用浏览器“后退”返回重新提交，您填写的文字仍在页面中。"),
    429: ("操作过于频繁", "您的操作过于频繁，请稍后再试。您填写的内容没有提交，可用浏览器“后退”返回页面，内容仍在。"),
    500: ("系统繁忙", "服务器出现了问题，我们已记录并将尽快处理。请稍后再试。"),
    503: ("服务暂时不可用", "系统暂时无法查询或提交，请稍后再试。如有急事，请拨打 12345 市民热线（24小时）。"),
}

RETRY_AFTER_SECONDS = 120  # while the database is unreachable: a restart or fail-over


# Messages for a status on one endpoint, where the general one would mislead.
ENDPOINT_MESSAGES = {
    (429, "wall.search"): ("操作过于频繁", "您的搜索过于频繁，请稍后再试。"),
    (429, "auth.login"): ("登录已暂时锁定", "登录失败次数过多，为保护账号安全，该账号或本机的登录已暂时锁定 15 分钟，请稍后再试。忘记密码请联系系统管理员。"),
}


API_ERRORS = "portal.api_errors"
ApiErrorRenderer = Callable[[int], Response]


def register_api_errors(app: App, prefix: str, render: ApiErrorRenderer) -> None:
    """Let the API under ``prefix`` answer errors raised outside its views (unknown URL,
    wrong method, body too large, too many requests, server error) in its own format."""
    app.extensions.setdefault(API_ERRORS, {})[prefix] = render


def _api_renderer() -> ApiErrorRenderer | None:
    renderers: dict[str, ApiErrorRenderer] = current_app.extensions.get(API_ERRORS, {})
    for prefix, render in renderers.items():
        if request.path == prefix or request.path.startswith(prefix + "/"):
            return render
    return None


def json_error(code: int) -> Response:
    """The JSON APIs' error: ``{"error": "not_found", "message": "页面不存在"}``."""
    title, _ = MESSAGES.get(code, MESSAGES[500 if code >= 500 else 400])
    response = jsonify(error=HTTP_STATUS_CODES.get(code, "error").lower().replace(" ", "_"),
                       message=title)
    response.status_code = code
    return response


def render_error(code: int) -> tuple[str, int]:
    title, message = ENDPOINT_MESSAGES.get((code, request.endpoint or ""),
                                           MESSAGES.get(code, MESSAGES[500]))
    message = message.format(max_size=human_size(current_app.config["ATTACHMENT_MAX_BYTES"]),
                             max_count=current_app.config["ATTACHMENT_MAX_COUNT"])
    return render_template("errors/error.html", code=code, title=title, message=message,
                           request_id=request_id()), code


def _roll_back() -> None:
    """End the request's transaction (files it wrote go with it, see ``attachments``)."""
    try:
        db.session.rollback()
    except Exception:  # the database may be what failed; the page must still render
        current_app.logger.warning("rollback after error failed")


def _driver_said(error: Exception) -> str:
    """The driver's own first line, e.g. "connection refused"; not SQLAlchemy's message,
    which adds the statement and its parameters: what a citizen typed."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).splitlines()
    return f"{type(cause).__name__}: {lines[0][:200] if lines else ''}"


def _database_unavailable(error: Exception) -> Response:
    """503 while the database is unreachable: a form keeping input, the API's answer, or
    the page."""
    current_app.logger.error("database unavailable (%s)", _driver_said(error))
    _roll_back()
    as_signed_out()
    kept = rerender_keeping_input(DATABASE_UNAVAILABLE)
    response: Response
    if kept is not None:
        response = make_response(kept)
    else:
        api = _api_renderer()
        response = api(503) if api is not None else make_response(render_error(503))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def init_app(app: Flask) -> None:
    register_api_errors(app, "/api", json_error)

    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError) -> Any:
        try:
            kept = rerender_keeping_input(CSRF_FAILED)
        except Exception as error:  # the re-rendered form reads its categories
            if not database_unreachable(error):
                raise
            return _database_unavailable(error)
        return kept if kept is not None else render_error(400)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Any:
        if error.code is None or error.code < 400:
            return error
        if isinstance(error, InternalServerError):  # logged there, with its cause
            return _server_error(error)
        api = _api_renderer()
        if api is not None:
            response = api(error.code)
        else:
            known = error.code in MESSAGES or error.code >= 500  # render_error words any 5xx
            body, _ = render_error(error.code if known else 400)
            response = make_response(body, error.code)
        for name, value in error.get_headers():  # e.g. Allow on a 405
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _server_error(error: Exception) -> Any:
        if database_unreachable(error):
            return _database_unavailable(error)
        if isinstance(error, HTTPException) and not isinstance(error, InternalServerError):
            return _http(error)
        current_app.logger.exception("unhandled error")
        _roll_back()
        api = _api_renderer()
        return api(500) if api is not None else render_error(500)
