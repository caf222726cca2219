"""One renderer for every Open311 answer: the same Python structure as JSON or as XML.

GeoReport v2 maps XML to JSON by the "Spark convention": the root element and the
item elements of lists disappear in JSON. So views build plain dicts and lists and
name the root; the item names of lists come from ``ITEM``.
"""

from __future__ import annotations

import json
import re
from typing import Any
from xml.etree import ElementTree

from werkzeug.wrappers import Response

FORMATS = ("json", "xml")
MIMETYPES = {"json": "application/json", "xml": "text/xml"}
# The element of one item of each list, as the standard spells it.
ITEM = {"services": "service", "service_requests": "request", "attributes": "attribute",
        "values": "value", "endpoints": "endpoint", "formats": "format", "errors": "error"}
# What XML 1.0 cannot carry (control characters, lone surrogates, U+FFFE/U+FFFF);
# JSON gets the same text, so both formats always say the same thing.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class Open311Error(Exception):
    """A refusal in the standard's form: the HTTP status and one description per problem."""

    def __init__(self, status: int, *descriptions: str) -> None:
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = descriptions


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _fill(element: ElementTree.Element, value: Any) -> None:
    if isinstance(value, dict):
        for name, child in value.items():
            _fill(ElementTree.SubElement(element, name), child)
    elif isinstance(value, list):
        for item in value:
            _fill(ElementTree.SubElement(element, ITEM[element.tag]), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def render(data: dict[str, Any] | list[Any], root: str, fmt: str, status: int = 200
           ) -> Response:
    """Answer ``data`` as ``fmt`` ("json" or "xml"); ``root`` names the XML root element."""
    data = _clean(data)
    if fmt == "xml":
        element = ElementTree.Element(root)
        _fill(element, data)
        body = ('<?xml version="1.0" encoding="utf-8"?>\n'
                + ElementTree.tostring(element, encoding="unicode"))
    else:
        body = json.dumps(data, ensure_ascii=False)
    return Response(body, status=status, content_type=f"{MIMETYPES[fmt]}; charset=utf-8")


def render_errors(status: int, descriptions: tuple[str, ...] | list[str], fmt: str) -> Response:
    """The standard's error list: ``[{"code": 400, "description": "…"}]`` or ``<errors>``."""
    return render([{"code": status, "description": d} for d in descriptions], "errors", fmt,
                  status)


def format_of_path(path: str) -> str:
    """The format a URL asks for, for errors raised before a view knows it."""
    return "xml" if path.endswith(".xml") else "json"
