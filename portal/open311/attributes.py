"""Attribute definitions: the standard's service definition, and reading ``attribute[code]``
fields against it."""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from portal.auth.events import record_security_event
from portal.auth.models import StaffUser
from portal.textclean import clean_text

from .models import Datatype, ServiceAttribute

MAX_LENGTH = {Datatype.STRING: 200, Datatype.TEXT: 2000}
_FIELD = re.compile(r"attribute\[([^\[\]]{1,50})\](\[\])?")


def describe(attribute: ServiceAttribute) -> dict[str, Any]:
    """One ``attribute`` of a service definition, in the standard's fields and order."""
    return {
        "variable": True,
        "code": attribute.code,
        "datatype": attribute.datatype.value,
        "required": attribute.required,
        "datatype_description": attribute.datatype_description,
        "order": attribute.sort_order,
        "description": attribute.description,
        "values": [{"key": o["key"], "name": o["name"]} for o in attribute.options],
    }


def _number(value: str) -> str | None:
    try:
        number = float(unicodedata.normalize("NFKC", value))
    except ValueError:
        return None
    return value if math.isfinite(number) else None


def _datetime(value: str) -> str | None:
    try:
        return dt.datetime.fromisoformat(unicodedata.normalize("NFKC", value)).isoformat()
    except ValueError:
        return None


def _check(attribute: ServiceAttribute, values: list[str]) -> tuple[str | list[str] | None,
                                                                    str | None]:
    """The value to keep, or why it cannot be kept."""
    name = f"attribute[{attribute.code}]"
    if attribute.is_list:
        keys = {o["key"] for o in attribute.options}
        if any(v not in keys for v in values):
            return None, f"{name} 的值不在可选范围内（{'、'.join(sorted(keys))}）"
        if attribute.datatype is Datatype.MULTIVALUELIST:
            return list(dict.fromkeys(values)), None
        return (values[0], None) if len(values) == 1 else (None, f"{name} 只能选择一项")
    value = values[0]
    if attribute.datatype is Datatype.NUMBER:
        kept = _number(value)
        return (kept, None) if kept else (None, f"{name} 须为数字")
    if attribute.datatype is Datatype.DATETIME:
        kept = _datetime(value)
        return (kept, None) if kept else (None, f"{name} 须为 ISO 8601 日期时间")
    limit = MAX_LENGTH[attribute.datatype]
    return (value, None) if len(value) <= limit else (None, f"{name} 不能超过 {limit} 个字")


def read_attributes(form: MultiDict[str, str], definitions: list[ServiceAttribute]
                    ) -> tuple[dict[str, str | list[str]], list[str]]:
    """The ``attribute[code]`` (and ``attribute[code][]``) fields of ``form``, checked
    against the category's definitions: the values to keep, and the problems."""
    by_code = {a.code: a for a in definitions}
    given: dict[str, list[str]] = {}
    problems: list[str] = []
    for field in form:
        match = _FIELD.fullmatch(field)
        if match is None:
            continue
        code = match.group(1)
        if code not in by_code:
            problems.append(f"未知的属性 attribute[{clean_text(code)}]")
            continue
        multiline = by_code[code].datatype is Datatype.TEXT
        cleaned = [clean_text(v, multiline=multiline) for v in form.getlist(field)]
        given.setdefault(code, []).extend(v for v in cleaned if v)
    kept: dict[str, str | list[str]] = {}
    for attribute in sorted(definitions, key=lambda a: a.sort_order):
        values = given.get(attribute.code)
        if not values:
            if attribute.required:
                problems.append(f"缺少必填属性 attribute[{attribute.code}]（{attribute.description}）")
            continue
        value, problem = _check(attribute, values)
        if problem:
            problems.append(problem)
        elif value is not None:
            kept[attribute.code] = value
    return kept, problems


def as_text(definitions: list[ServiceAttribute], values: dict[str, str | list[str]]) -> list[str]:
    """One line per given attribute, with list keys shown by their names, for staff."""
    lines = []
    for attribute in sorted(definitions, key=lambda a: a.sort_order):
        value = values.get(attribute.code)
        if value is None:
            continue
        shown = value if isinstance(value, list) else [value]
        if attribute.is_list:
            shown = [attribute.value_name(v) for v in shown]
        lines.append(f"{attribute.description}：{'、'.join(shown)}")
    return lines


class CodeTaken(ValueError):
    """The category already asks for an attribute with this code."""


def add_service_attribute(session: Session, *, category_id: int, code: str, description: str,
                          datatype: Datatype, required: bool, sort_order: int,
                          options: list[dict[str, str]], by: StaffUser) -> ServiceAttribute:
    """Ask client apps one more question for a category (audited)."""
    taken = session.scalar(select(ServiceAttribute.id).where(
        ServiceAttribute.category_id == category_id, ServiceAttribute.code == code))
    if taken:
        raise CodeTaken("该类别已有这个代码")
    attribute = ServiceAttribute(category_id=category_id, code=code, description=description,
                                 datatype=datatype, required=required, sort_order=sort_order,
                                 options=options)
    session.add(attribute)
    session.flush()
    record_security_event("add_service_attribute", user=by, object_type="service_attribute",
                          object_id=attribute.id)
    return attribute


def delete_service_attribute(session: Session, attribute: ServiceAttribute, by: StaffUser
                             ) -> None:
    """Stop asking for an attribute; what earlier requests sent stays with them (audited)."""
    session.delete(attribute)
    record_security_event("delete_service_attribute", user=by, object_type="service_attribute",
                          object_id=attribute.id)
