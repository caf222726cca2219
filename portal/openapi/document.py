"""The OpenAPI 3 description of ``/api/*`` and ``/open311/v2/*``, built from the same
enums and limits the code uses, so it cannot drift from them."""

from __future__ import annotations

from typing import Any

from flask import current_app

from portal.cases.workflow import Adoption, Channel, Kind, Satisfaction
from portal.open311.formats import FORMATS, MIMETYPES
from portal.open311.queries import MAX_RESULTS
from portal.open311.submission import MAX_DESCRIPTION
from portal.wall.queries import CAMPAIGN_PATTERN, OPEN_DATA_MAX_PER_PAGE, YEAR_PATTERN

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _string(description: str = "", **extra: Any) -> Schema:
    return {"type": "string", **({"description": description} if description else {}), **extra}


def _object(properties: dict[str, Schema], required: list[str] | None = None) -> Schema:
    """A closed object: an undocumented field in an answer is a failure (no leaks)."""
    return {"type": "object", "properties": properties, "required": required or list(properties),
            "additionalProperties": False}


def _nullable(schema: Schema) -> Schema:
    """OpenAPI 3.0's null; an enum must then list null too."""
    extra = {"enum": [*schema["enum"], None]} if "enum" in schema else {}
    return {**schema, **extra, "nullable": True}


def _query(name: str, schema: Schema, description: str) -> Schema:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


def _path(name: str, description: str) -> Schema:
    return {"name": name, "in": "path", "required": True, "schema": _string(),
            "description": description}


def _json(schema: Schema, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


WALL_FILTERS = [
    _query("department", _string(), "承办单位名称"),
    _query("category", _string(), "类别名称"),
    _query("kind", _string(enum=[k.value for k in Kind]), "诉求类型"),
    _query("channel", _string(enum=[c.value for c in Channel]), "渠道"),
    _query("year", _string(pattern=f"^{YEAR_PATTERN}$"), "答复年份"),
    _query("campaign", _string(pattern=f"^{CAMPAIGN_PATTERN}$"), "专项征集编号（见 /campaigns）"),
]
SEARCH_HIT = _object({"id": {"type": "integer"}, "title": _string(), "department": _string(),
                      "category": _string(), "replied_at": _string(format="date-time"),
                      "url": _string(), "snippet": _string()})
WALL_RECORD = _object({
    "id": {"type": "integer"}, "url": _string("回音壁上的页面"), "title": _string(),
    "letter": _string("脱敏后的来信"), "reply": _string("脱敏后的答复"),
    "department": _string(), "category": _string(),
    "kind": _string(enum=[k.value for k in Kind]),
    "channel": _string(enum=[c.value for c in Channel]),
    "adoption": _nullable(_string(enum=[a.value for a in Adoption])),
    "satisfaction": _nullable(_string(enum=[s.value for s in Satisfaction])),
    "address": _nullable(_string("审核员决定公开的地点")),
    "submitted_at": _string(format="date-time"), "replied_at": _string(format="date-time"),
    "published_at": _string(format="date-time"), "days_taken": {"type": "integer"},
})
OPEN311_SCHEMAS: dict[str, Schema] = {
    "Discovery": _object({
        "changeset": _string(format="date-time"), "contact": _string(), "key_service": _string(),
        "endpoints": {"type": "array", "items": _object({
            "specification": _string(), "url": _string(), "changeset": _string(format="date-time"),
            "type": _string(enum=["production", "test"]),
            "formats": {"type": "array", "items": _string()}})}}),
    "Service": _object({
        "service_code": _string(), "service_name": _string(), "description": _string(),
        "metadata": {"type": "boolean"}, "type": _string(enum=["realtime", "batch", "blackbox"]),
        "keywords": _string(), "group": _string()}),
    "ServiceDefinition": _object({"service_code": _string(), "attributes": {
        "type": "array", "items": _object({
            "variable": {"type": "boolean"}, "code": _string(),
            "datatype": _string(enum=["string", "number", "datetime", "text", "singlevaluelist",
                                      "multivaluelist"]),
            "required": {"type": "boolean"}, "datatype_description": _string(),
            "order": {"type": "integer"}, "description": _string(),
            "values": {"type": "array", "items": _object({"key": _string(), "name": _string()})},
        })}}),
    "ServiceRequest": _object({
        "service_request_id": _string("诉求的公开编号（不是受理编号）"),
        "status": _string(enum=["open", "closed"]),
        "status_notes": _string("回音壁上公开的答复；未公开时为空"),
        "service_name": _string(), "service_code": _string(),
        "description": _string("回音壁上公开的来信；未公开时没有此项"),
        "agency_responsible": _string("承办单位"), "service_notice": _string("最近一步的公开进度"),
        "requested_datetime": _string(format="date-time"),
        "updated_datetime": _string(format="date-time"),
        "expected_datetime": _string("办理时限", format="date-time"),
        "address": _string("审核员决定公开的地点；否则没有此项"),
        "lat": {"type": "number"}, "long": {"type": "number"},
    }, required=["service_request_id", "status", "status_notes", "service_name", "service_code",
                 "agency_responsible", "service_notice", "requested_datetime",
                 "updated_datetime"]),
    "ServiceRequestCreated": _object({
        "service_request_id": _string(), "token": _string(), "service_notice": _string()}),
    "Token": _object({"service_request_id": _string(), "token": _string()}),
    "Errors": {"type": "array", "minItems": 1, "items": _object({
        "code": {"type": "integer"}, "description": _string()})},
}
REQUEST_FORM = {
    "type": "object",
    "required": ["api_key", "service_code"],
    "properties": {
        "api_key": _string("管理员签发的 API key"),
        "service_code": _string("services 中的 service_code（类别编号）", example="1"),
        "description": _string(f"问题描述，必填，最多 {MAX_DESCRIPTION} 字",
                               example="人民路中段路灯连续三晚不亮"),
        "lat": {"type": "number", "minimum": -90, "maximum": 90, "example": 30.2741},
        "long": {"type": "number", "minimum": -180, "maximum": 180, "example": 120.1551},
        "address_string": _string("与 lat/long 至少提供一项", example="人民路与解放路交叉口"),
        "email": _string("与 phone 至少提供一项；提供时发送受理确认邮件",
                         example="citizen@example.com"),
        "phone": _string("手机或固定电话", example="13800138000"),
        "first_name": _string(), "last_name": _string(),
        "media_url": _string("图片或视频的 http(s) 链接；只记录，不下载"),
        "jurisdiction_id": _string("单一辖区，可省略"), "device_id": _string("不保存"),
        "account_id": _string("不保存"),
    },
    "description": "另可按 services/{service_code} 的定义提交 attribute[code]=value"
                   "（多选为 attribute[code][]=value）。",
}


def _list(name: str) -> Schema:
    return {"type": "array", "items": _ref(name)}


def _open311(method: str, summary: str, answer: Schema, *, errors: tuple[int, ...],
             ok: int = 200, parameters: list[Schema] | None = None,
             body: Schema | None = None) -> dict[str, dict[str, Schema]]:
    """One Open311 operation as ``.json`` (answers described by JSON schemas) and ``.xml``
    (answers are documents with the same elements)."""
    operations: dict[str, dict[str, Schema]] = {}
    for fmt in FORMATS:
        def content(schema: Schema, fmt: str = fmt) -> Schema:
            return {MIMETYPES[fmt]: {"schema": schema if fmt == "json" else _string()}}

        responses = {str(ok): {"description": "成功", "content": content(answer)}}
        for status in errors:
            responses[str(status)] = {"description": "错误（GeoReport v2 的 errors 格式）",
                                      "content": content(_ref("Errors"))}
        operation: Schema = {"summary": summary, "tags": ["Open311 GeoReport v2"],
                             "parameters": parameters or [], "responses": responses}
        if body is not None:
            operation["requestBody"] = {"required": True, "content": {
                "application/x-www-form-urlencoded": {"schema": body}}}
        operations[fmt] = {method: operation}
    return operations


def _open311_paths() -> dict[str, dict[str, Schema]]:
    prefix = "/open311/v2"
    reader = _query("api_key", _string(),
                    "可选：提交诉求所用的 API key，带上时也能看到本应用提交而未公开的诉求")
    listing = [
        _query("service_request_id", _string(), "以逗号分隔的编号；给出时忽略其他条件"),
        _query("service_code", _string(), "以逗号分隔的 service_code"),
        _query("start_date", _string(format="date-time"), "默认为 end_date 前 90 天"),
        _query("end_date", _string(format="date-time"), "与 start_date 相隔不超过 90 天"),
        _query("status", _string(), "open、closed，可用逗号分隔"),
        reader,
    ]
    operations = {
        "/discovery": [_open311("get", "服务发现", _ref("Discovery"), errors=(429,))],
        "/services": [_open311("get", "服务（问题类别）列表", _list("Service"), errors=(429,))],
        "/services/{service_code}": [_open311(
            "get", "服务定义（补充属性）", _ref("ServiceDefinition"), errors=(404, 429),
            parameters=[_path("service_code", "类别编号")])],
        "/requests": [
            _open311("get", f"查询回音壁上公开的和本应用提交的诉求（最多 {MAX_RESULTS} 条）",
                     _list("ServiceRequest"), errors=(400, 429), parameters=listing),
            _open311("post", "提交诉求", _list("ServiceRequestCreated"), ok=201,
                     errors=(400, 403, 404, 413, 429), body=REQUEST_FORM),
        ],
        "/requests/{service_request_id}": [_open311(
            "get", "查询一件诉求（看不到的与不存在的一样答 404）", _list("ServiceRequest"),
            errors=(404, 429),
            parameters=[_path("service_request_id", "诉求的公开编号"), reader])],
        "/tokens/{token}": [_open311(
            "get", "由 token 查 service_request_id（诉求公开前须带提交时的 api_key）",
            _list("Token"), errors=(404, 429),
            parameters=[_path("token", "提交时返回的 token"), reader])],
    }
    paths: dict[str, dict[str, Schema]] = {}
    for rule, variants in operations.items():
        for variant in variants:
            for fmt, operation in variant.items():
                paths.setdefault(f"{prefix}{rule}.{fmt}", {}).update(operation)
    return paths


def _api_paths() -> dict[str, dict[str, Schema]]:
    error = _json(_ref("ApiError"), "错误")
    limited = {"429": _json(_ref("ApiError"), "请求过于频繁")}
    page = _query("page", {"type": "integer", "minimum": 1}, "页码")
    return {
        "/api/search": {"get": {
            "summary": "全文检索回音壁（公开字段）", "tags": ["回音壁"],
            "parameters": [_query("q", _string(maxLength=200), "检索词"), page,
                           _query("per_page", {"type": "integer", "minimum": 1, "maximum": 50},
                                  "每页条数"),
                           _query("sort", _string(enum=["newest"]), "按答复时间排序"),
                           *WALL_FILTERS],
            "responses": {"200": _json(_ref("SearchResults"), "检索结果"),
                          "503": {**error, "description": "检索暂不可用"}, **limited}}},
        "/api/similar": {"get": {
            "summary": "与正在填写的来信相似的已公开答复", "tags": ["回音壁"],
            "parameters": [_query("q", _string(maxLength=200), "来信标题和开头")],
            "responses": {"200": _json(_ref("SimilarResults"), "相似答复"), **limited}}},
        "/api/wall.json": {"get": {
            "summary": "回音壁开放数据（分页）", "tags": ["开放数据"],
            "parameters": [page, _query("per_page", {"type": "integer", "minimum": 1,
                                                     "maximum": OPEN_DATA_MAX_PER_PAGE}, "每页条数"),
                           *WALL_FILTERS],
            "responses": {"200": _json(_ref("WallPage"), "一页公开答复"), **limited}}},
        "/api/wall.csv": {"get": {
            "summary": "回音壁开放数据（CSV，UTF-8 带 BOM）", "tags": ["开放数据"],
            "parameters": WALL_FILTERS,
            "responses": {"200": {"description": "全部公开答复",
                                  "content": {"text/csv": {"schema": _string()}}}, **limited}}},
        "/api/openapi.json": {"get": {
            "summary": "本说明", "tags": ["说明"],
            "responses": {"200": _json({"type": "object"}, "OpenAPI 3 文档")}}},
    }


def openapi_document() -> Schema:
    """The whole description; the server is the site's own address (``SITE_URL``)."""
    config = current_app.config
    return {
        "openapi": "3.0.3",
        "info": {"title": f"{config['CITY_NAME']}{config['SITE_NAME']} API", "version": "1",
                 "description": "回音壁检索与开放数据（/api），以及 Open311 GeoReport v2 接口"
                                "（/open311/v2，提交诉求需 API key）。所有回答只含公开字段。"},
        "servers": [{"url": config["SITE_URL"]}],
        "paths": {**_api_paths(), **_open311_paths()},
        "components": {"schemas": {
            "ApiError": _object({"error": _string(), "message": _string()}),
            "SearchHit": SEARCH_HIT,
            "SearchResults": _object({
                "total": {"type": "integer"},
                "page": {"type": "integer"}, "per_page": {"type": "integer"},
                "results": {"type": "array", "items": _ref("SearchHit")}},
                required=["total", "page", "per_page", "results"]),
            "SimilarResults": _object({"results": {"type": "array", "items": _object({
                "id": {"type": "integer"}, "title": _string(), "department": _string(),
                "url": _string()})}}),
            "WallRecord": WALL_RECORD,
            "WallPage": _object({
                "total": {"type": "integer"}, "page": {"type": "integer"},
                "per_page": {"type": "integer"}, "pages": {"type": "integer"},
                "next": _nullable(_string("下一页；最后一页为 null")),
                "results": {"type": "array", "items": _ref("WallRecord")}}),
            **OPEN311_SCHEMAS,
        }},
    }
