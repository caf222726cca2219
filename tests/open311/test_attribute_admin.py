"""Admins define a category's Open311 attributes on /staff/admin/service-attributes: what
they add is in the service definition at once, bad input is refused in Chinese beside its
field with the input kept and nothing written, and a deleted attribute is no longer asked."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from portal.auth.models import SecurityEvent
from portal.cases.workflow import Role
from portal.open311.models import ServiceAttribute
from tests.helpers import form_tokens, login, make_staff

PAGE = "/staff/admin/service-attributes"


@pytest.fixture
def admin(app: Any, session: Any) -> Any:
    make_staff(session, "admin1", Role.ADMIN)
    client = app.test_client()
    assert login(client, "admin1").status_code == 303
    return client


def add(client: Any, **fields: Any) -> Any:
    return client.post(PAGE, data={**form_tokens(client, PAGE), **fields})


def attributes(session: Any) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(ServiceAttribute))


def definition(client: Any, category_id: int) -> list[dict[str, Any]]:
    return client.get(f"/open311/v2/services/{category_id}.json").get_json()["attributes"]


def test_an_added_list_attribute_is_in_the_service_definition(admin, session, city, client):
    response = add(admin, category=str(city.roads.id), code="pothole_size",
                   description="坑洼大小", datatype="singlevaluelist", required="y",
                   options="small=小于一米\nlarge = 一米以上\n", sort_order="2")

    assert response.status_code == 303
    assert definition(client, city.roads.id) == [{
        "variable": True, "code": "pothole_size", "datatype": "singlevaluelist",
        "required": True, "datatype_description": "", "order": 2, "description": "坑洼大小",
        "values": [{"key": "small", "name": "小于一米"}, {"key": "large", "name": "一米以上"}]}]
    page = admin.get(PAGE).get_data(as_text=True)
    assert "pothole_size" in page and "large=一米以上" in page
    session.rollback()
    assert session.scalar(select(func.count()).select_from(SecurityEvent)
                          .where(SecurityEvent.action == "add_service_attribute")) == 1


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"code": "1st"}, "code", "代码须以英文字母开头"),
    ({"code": "坑洼"}, "code", "代码须以英文字母开头"),
    ({"datatype": "singlevaluelist", "options": ""}, "options", "请至少填写一个选项"),
    ({"datatype": "singlevaluelist", "options": "small 小"}, "options", "第 1 行应写成"),
    ({"datatype": "multivaluelist", "options": "a=甲\na=乙"}, "options", "第 2 行的代码 a 重复"),
    ({"datatype": "string", "options": "a=甲"}, "options", "只有单选、多选类型需要填写选项"),
    ({"datatype": "bogus"}, "datatype", ""),
    ({"sort_order": "0"}, "sort_order", "请填写 1 至 999 之间的整数"),
    ({"category": "999999"}, "category", ""),
    ({"description": ""}, "description", "请填写问题"),
])
def test_bad_input_is_refused_beside_its_field_and_nothing_is_written(
        admin, session, city, fields, field, message):
    before = attributes(session)
    data = {"category": str(city.roads.id), "code": "pothole_size", "description": "坑洼大小",
            "datatype": "string", **fields}

    response = add(admin, **data)
    html = response.get_data(as_text=True)

    assert response.status_code == 400
    assert f'id="{field}-error"' in html and message in html
    assert attributes(session) == before
    if data["description"]:
        assert f'value="{data["description"]}"' in html  # the input is kept


def test_a_code_a_category_already_has_is_refused(admin, session, city):
    data = {"category": str(city.lights.id), "code": "facility", "description": "设施",
            "datatype": "string"}
    before = attributes(session)

    response = add(admin, **data)

    assert response.status_code == 400 and "该类别已有这个代码" in response.get_data(as_text=True)
    assert attributes(session) == before


def test_a_deleted_attribute_is_no_longer_asked(admin, session, city, client):
    session.rollback()
    note = session.scalar(select(ServiceAttribute).where(
        ServiceAttribute.category_id == city.lights.id, ServiceAttribute.code == "note"))
    token = form_tokens(admin, PAGE)["csrf_token"]

    response = admin.post(f"{PAGE}/{note.id}/delete", data={"csrf_token": token})

    assert response.status_code == 303
    assert "note" not in [a["code"] for a in definition(client, city.lights.id)]
    assert admin.post(f"{PAGE}/{note.id}/delete", data={"csrf_token": token}).status_code == 404


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.SUPERVISOR, Role.MODERATOR])
def test_only_admins_reach_the_page(app, session, role):
    make_staff(session, "someone", role)
    client = app.test_client()
    login(client, "someone")

    assert client.get(PAGE).status_code == 403
