"""POST requests: read the standard's form fields, refuse in the standard's words, and
create the case through ``submit_case`` with the Open311 row, in one transaction."""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from portal.cases.models import Category
from portal.cases.services import ContactData, Submission, submit_case
from portal.cases.workflow import Actor, Channel, Kind
from portal.textclean import clean_text, normalise_phone

from .attributes import as_text, read_attributes
from .formats import Open311Error
from .models import ApiClient, Open311Request
from .queries import attribute_definitions, service_for_code

MAX_DESCRIPTION = 4000  # the standard's limit
MAX_ADDRESS = 200  # the case's location column
MAX_NAME = 30  # as on the letter form
MAX_MEDIA_URL = 500
TITLE_CHARS = 30  # of the description, after the service name


@dataclass
class Place:
    address: str | None
    lat: float | None
    long: float | None


def _field(form: MultiDict[str, str], name: str, *, multiline: bool = False) -> str:
    return clean_text(form.get(name, ""), multiline=multiline)


def _coordinate(value: str, limit: float) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) and -limit <= number <= limit else None


def _place(form: MultiDict[str, str], problems: list[str]) -> Place:
    address = _field(form, "address_string") or None
    lat_text, long_text = _field(form, "lat"), _field(form, "long")
    lat = long = None
    if lat_text or long_text:
        lat, long = _coordinate(lat_text, 90), _coordinate(long_text, 180)
        if lat is None or long is None:
            problems.append("lat 和 long 须同时提供，且为有效的 WGS84 经纬度")
            lat = long = None
    elif address is None:
        problems.append("缺少位置：请提供 lat 和 long，或 address_string")
    if address and len(address) > MAX_ADDRESS:
        problems.append(f"address_string 不能超过 {MAX_ADDRESS} 个字")
    return Place(address, lat, long)


def _name(first: str, last: str) -> str | None:
    """Chinese names are written family name first, without a space."""
    if any(ord(c) >= 0x2E80 for c in first + last):
        return (last + first) or None
    return " ".join(part for part in (first, last) if part) or None


def _contact(form: MultiDict[str, str], problems: list[str]) -> ContactData:
    name = _name(_field(form, "first_name"), _field(form, "last_name"))
    if name and len(name) > MAX_NAME:
        problems.append(f"first_name 和 last_name 合计不能超过 {MAX_NAME} 个字")
    phone_text, email_text = _field(form, "phone"), _field(form, "email")
    phone = normalise_phone(phone_text) if phone_text else None
    if phone_text and phone is None:
        problems.append("phone 格式不正确：请填写手机号码（11位）或固定电话（区号+号码）")
    email = None
    if email_text:
        try:
            email = validate_email(email_text, check_deliverability=False).normalized
        except EmailNotValidError:
            problems.append("email 格式不正确，例如 name@example.com")
    if not phone_text and not email_text:
        problems.append("请提供 phone 或 email，以便联系提交人、告知办理结果")
    return ContactData(phone=phone, name=name, email=email)


def _media_url(form: MultiDict[str, str], problems: list[str]) -> str | None:
    """A link kept for staff to judge; the portal never fetches it."""
    url = _field(form, "media_url")
    if not url:
        return None
    parts = urlsplit(url)
    if len(url) > MAX_MEDIA_URL or parts.scheme not in ("http", "https") or not parts.netloc:
        problems.append(f"media_url 须为 http 或 https 网址，且不超过 {MAX_MEDIA_URL} 个字符")
        return None
    return url


def _title(category: Category, description: str) -> str:
    first_line = description.splitlines()[0]
    snippet = first_line[:TITLE_CHARS] + ("…" if len(first_line) > TITLE_CHARS else "")
    return f"{category.name}：{snippet}"[:200]


def create_service_request(session: Session, client: ApiClient, form: MultiDict[str, str]
                           ) -> Open311Request:
    """Create a case (channel open311, kind request) from the form; raise ``Open311Error``
    with every problem found, or 404 for an unknown service."""
    code = _field(form, "service_code")
    if not code:
        raise Open311Error(400, "缺少 service_code")
    category = service_for_code(session, code)
    if category is None:
        raise Open311Error(404, f"service_code 不存在：{code[:50]}")
    problems: list[str] = []
    description = _field(form, "description", multiline=True)
    if not description:
        problems.append("缺少 description（问题描述）")
    elif len(description) > MAX_DESCRIPTION:
        problems.append(f"description 不能超过 {MAX_DESCRIPTION} 个字")
    place = _place(form, problems)
    contact = _contact(form, problems)
    media_url = _media_url(form, problems)
    definitions = attribute_definitions(session, category.id)
    attributes, attribute_problems = read_attributes(form, definitions)
    problems += attribute_problems
    if problems:
        raise Open311Error(400, *problems)

    details = as_text(definitions, attributes)
    if media_url:
        details.append(f"图片或视频链接（系统未下载，请核实后再打开）：{media_url}")
    content = description + ("\n\n【开放接口补充信息】\n" + "\n".join(details) if details else "")
    case = submit_case(session, Submission(
        channel=Channel.OPEN311, kind=Kind.REQUEST, title=_title(category, description),
        content=content, contact=contact, category_id=category.id, location=place.address,
    ), Actor.citizen())
    row = Open311Request(client=client, case=case, token=secrets.token_urlsafe(16),
                         attributes=attributes, lat=place.lat, long=place.long)
    session.add(row)
    session.flush()
    return row
