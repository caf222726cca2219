"""POST requests: a valid request becomes a case on channel open311 (with its Open311 row,
the citizen's confirmation mail and a token), and every refusal has the standard's form,
the right status and stores nothing."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

import pytest
from sqlalchemy import select, text

from portal.cases.models import Case, Contact
from portal.cases.workflow import Action, Channel, Kind, Role, Status
from portal.open311.models import ApiClient, Open311Request
from tests.helpers import count
from tests.helpers.open311 import request_form


def post(client: Any, form: dict[str, Any], fmt: str = "json") -> Any:
    return client.post(f"/open311/v2/requests.{fmt}", data=form)



def errors(answer: Any) -> list[tuple[int, str]]:
    if answer.content_type.startswith("text/xml"):
        root = ElementTree.fromstring(answer.data)
        assert root.tag == "errors"
        return [(int(e.findtext("code")), e.findtext("description")) for e in root]
    return [(e["code"], e["description"]) for e in answer.get_json()]


def test_a_valid_request_becomes_a_case_on_the_open311_channel(client, city, api_key, session,
                                                               smtp):
    answer = post(client, request_form(city, api_key))

    assert answer.status_code == 201
    [created] = answer.get_json()
    assert set(created) == {"service_request_id", "token", "service_notice"}
    assert created["service_notice"] == "您的诉求已提交，等待受理"
    session.rollback()
    case = session.get(Case, int(created["service_request_id"]))
    assert (case.channel, case.kind, case.status) == (Channel.OPEN311, Kind.REQUEST,
                                                      Status.SUBMITTED)
    assert case.category_id == city.lights.id and case.consent_publish is False
    assert case.title == "城市管理：幸福里小区东门外三盏路灯连续两周不亮，夜间出行不安全。"
    assert case.location == "幸福里小区东门"
    assert case.content.startswith("幸福里小区东门外三盏路灯连续两周不亮")
    for line in ("损坏的设施：路灯", "损坏数量：3", "发生时段：早高峰、夜间",
                 "（系统未下载，请核实后再打开）：https://photos.example.com/p/123.jpg"):
        assert line in case.content
    assert (case.contact.name, case.contact.phone, case.contact.email) == (
        "欧阳娜娜", "13912345678", "ouyang.nana@example.com")
    [event] = case.events
    assert (event.action, event.actor_role) == (Action.SUBMIT, Role.CITIZEN)
    row = session.scalars(select(Open311Request)).one()
    assert (row.case_id, row.token, row.lat, row.long) == (case.id, created["token"], 30.2598,
                                                           120.1302)
    assert row.attributes == {"facility": "streetlight", "count": "3",
                              "period": ["morning", "night"]}
    assert row.client.name == "网格化管理平台"
    # The citizen's own confirmation carries the secret tracking code; the answer never does.
    [mail] = smtp.mailbox.messages
    assert mail["To"] == "ouyang.nana@example.com"
    assert case.tracking_code in smtp.mailbox.body() and case.tracking_code.startswith("OS-")
    assert case.tracking_code not in answer.get_data(as_text=True)


def test_the_requests_address_and_coordinates_are_encrypted_in_the_database(
        client, city, api_key, session):
    answer = post(client, request_form(city, api_key))
    assert answer.status_code == 201
    session.rollback()

    place = session.execute(text("SELECT location FROM cases")).scalar_one()
    lat, long = session.execute(text("SELECT lat, long FROM open311_requests")).one()

    assert "幸福里" not in place
    assert "30.2598" not in lat and "120.1302" not in long
    row = session.scalars(select(Open311Request)).one()
    assert (row.case.location, row.lat, row.long) == ("幸福里小区东门", 30.2598, 120.1302)


def test_the_xml_answer_has_the_same_fields(client, city, api_key, session):
    answer = post(client, request_form(city, api_key), "xml")

    assert answer.status_code == 201
    root = ElementTree.fromstring(answer.data)
    assert root.tag == "service_requests"
    [request] = root
    assert request.tag == "request"
    assert [child.tag for child in request] == ["service_request_id", "token", "service_notice"]
    session.rollback()
    assert session.get(Case, int(request.findtext("service_request_id"))) is not None


def test_a_phone_without_an_email_is_enough_and_sends_no_mail(client, city, api_key, session,
                                                              smtp):
    answer = post(client, request_form(city, api_key, email=None, lat=None, long=None))

    assert answer.status_code == 201
    session.rollback()
    case = session.scalars(select(Case)).one()
    assert case.contact.email is None and case.contact.phone == "13912345678"
    assert session.scalars(select(Open311Request.lat)).one() is None
    assert smtp.mailbox.messages == []


def test_an_email_without_a_phone_is_enough_too(client, city, api_key, session, smtp):
    answer = post(client, request_form(city, api_key, phone=None, address_string=None,
                                       first_name=None, last_name=None))

    assert answer.status_code == 201
    session.rollback()
    contact = session.scalars(select(Contact)).one()
    assert (contact.phone, contact.name, contact.email) == (None, None,
                                                            "ouyang.nana@example.com")
    assert len(smtp.mailbox.messages) == 1


def test_a_service_without_attributes_needs_none(client, city, api_key, session):
    form = request_form(city, api_key, service_code=str(city.roads.id))
    form = {k: v for k, v in form.items() if not k.startswith("attribute")}

    assert post(client, form).status_code == 201
    session.rollback()
    assert "开放接口补充信息" in session.scalars(select(Case.content)).one()  # the media link


def test_western_names_keep_their_order(client, city, api_key, session):
    post(client, request_form(city, api_key, first_name="Anna", last_name="Smith"))
    session.rollback()
    assert session.scalars(select(Contact.name)).one() == "Anna Smith"


def test_no_csrf_token_or_cookie_is_needed(make_app, city, api_key):
    app = make_app(WTF_CSRF_ENABLED=True)
    answer = app.test_client(use_cookies=False).post("/open311/v2/requests.json",
                                                     data=request_form(city, api_key))
    assert answer.status_code == 201


# --- refusals ----------------------------------------------------------------------------------

REFUSALS = [
    # (what is changed, status, words the description must contain)
    pytest.param({"api_key": None}, 403, "缺少 api_key", id="no-key"),
    pytest.param({"api_key": "not-a-key"}, 403, "api_key 无效", id="bad-key"),
    pytest.param({"api_key": "k" * 5000}, 403, "api_key 无效", id="huge-key"),
    pytest.param({"service_code": None}, 400, "缺少 service_code", id="no-service"),
    pytest.param({"service_code": "999999"}, 404, "service_code 不存在", id="unknown-service"),
    pytest.param({"service_code": "路灯"}, 404, "service_code 不存在", id="junk-service"),
    pytest.param({"description": None}, 400, "缺少 description", id="no-description"),
    pytest.param({"description": " \u200b "}, 400, "缺少 description", id="blank-description"),
    pytest.param({"description": "长" * 4001}, 400, "不能超过 4000", id="long-description"),
    pytest.param({"address_string": None, "lat": None, "long": None}, 400, "缺少位置",
                 id="no-location"),
    pytest.param({"lat": None}, 400, "lat 和 long 须同时提供", id="lat-without-long"),
    pytest.param({"lat": "91"}, 400, "WGS84", id="lat-out-of-range"),
    pytest.param({"long": "nan"}, 400, "WGS84", id="long-not-a-number"),
    pytest.param({"address_string": "路" * 201}, 400, "address_string 不能超过",
                 id="long-address"),
    pytest.param({"phone": None, "email": None}, 400, "请提供 phone 或 email", id="no-contact"),
    pytest.param({"phone": "12345"}, 400, "phone 格式不正确", id="bad-phone"),
    pytest.param({"email": "not-an-email"}, 400, "email 格式不正确", id="bad-email"),
    pytest.param({"first_name": "名" * 20, "last_name": "姓" * 20}, 400, "不能超过 30",
                 id="long-name"),
    pytest.param({"media_url": "file:///etc/passwd"}, 400, "media_url", id="file-media-url"),
    pytest.param({"media_url": "javascript:alert(1)"}, 400, "media_url", id="js-media-url"),
    pytest.param({"attribute[facility]": None}, 400, "缺少必填属性 attribute[facility]",
                 id="required-attribute"),
    pytest.param({"attribute[facility]": "bridge"}, 400, "不在可选范围内", id="bad-choice"),
    pytest.param({"attribute[facility][]": ["streetlight", "manhole"],
                  "attribute[facility]": None}, 400, "只能选择一项", id="two-choices"),
    pytest.param({"attribute[period][]": ["morning", "noon"]}, 400, "不在可选范围内",
                 id="bad-multi-choice"),
    pytest.param({"attribute[count]": "three"}, 400, "须为数字", id="bad-number"),
    pytest.param({"attribute[count]": "inf"}, 400, "须为数字", id="infinite-number"),
    pytest.param({"attribute[seen_at]": "yesterday"}, 400, "ISO 8601", id="bad-datetime"),
    pytest.param({"attribute[where]": "x" * 201}, 400, "不能超过 200", id="long-string"),
    pytest.param({"attribute[colour]": "red"}, 400, "未知的属性 attribute[colour]",
                 id="unknown-attribute"),
]


@pytest.mark.parametrize(("change", "status", "words"), REFUSALS)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_refused_request_answers_the_standard_error_and_stores_nothing(
        client, city, api_key, session, smtp, change, status, words, fmt):
    answer = post(client, request_form(city, api_key, **change), fmt)

    assert answer.status_code == status
    found = errors(answer)
    assert all(code == status for code, _ in found)
    assert any(words in description for _, description in found), found
    assert count(session, Case) == 0 and count(session, Open311Request) == 0
    assert smtp.mailbox.messages == []


def test_every_problem_of_a_request_is_listed_at_once(client, city, api_key):
    answer = post(client, request_form(city, api_key, description=None, phone="1", email=None,
                                       **{"attribute[facility]": None, "lat": "x"}))

    assert answer.status_code == 400
    descriptions = [d for _, d in errors(answer)]
    assert len(descriptions) == 4, descriptions


def test_a_revoked_key_is_refused(app, client, city, api_key, session):
    client_id = session.scalars(select(ApiClient.id)).one()
    result = app.test_cli_runner().invoke(args=["open311", "revoke-key", str(client_id)])
    assert result.exit_code == 0, result.output

    answer = post(client, request_form(city, api_key))

    assert answer.status_code == 403
    assert errors(answer) == [(403, "api_key 无效或已停用")]


def test_the_rate_limit_counts_per_key_and_answers_the_standard_429(make_app, city, issue_key,
                                                                     session):
    app = make_app(OPEN311_RATE_LIMIT="2 per minute")
    client = app.test_client()
    first, second = issue_key("甲平台"), issue_key("乙平台")

    statuses = [post(client, request_form(city, first)).status_code for _ in range(3)]
    limited = post(client, request_form(city, first), "xml")
    other = post(client, request_form(city, second))

    assert statuses == [201, 201, 429]
    assert limited.status_code == 429 and errors(limited)[0][0] == 429
    assert "Retry-After" in limited.headers
    assert other.status_code == 201  # another client's bucket
    assert count(session, Case) == 3
