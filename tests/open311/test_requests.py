"""GET requests, GET requests/<id> and GET tokens/<token>: the status mapping, the public
fields, the filters and the 90-day window, and the standard's errors. A client reads the
requests it submitted with its key; who sees which case is in test_visibility.py."""

from __future__ import annotations

import datetime as dt
from typing import Any
from xml.etree import ElementTree

import pytest

from portal.cases.models import Case
from portal.cases.workflow import OPEN_STATUSES, Role, Status
from portal.open311 import queries
from portal.open311.public import open311_status
from portal.wall.models import PublicText
from portal.wall.services import edit_publication, publish_case
from tests.helpers import login, make_staff
from tests.helpers.open311 import (
    ADMIN,
    EXPECTED_STATUS,
    MODERATOR,
    STAGES,
    advance,
    request_form,
)

STATUS_TABLE = [
    (Status.SUBMITTED, "open"), (Status.HELD, "open"), (Status.ACCEPTED, "open"),
    (Status.ASSIGNED, "open"),
    (Status.ANSWERED, "open"), (Status.REPLIED, "closed"), (Status.CLOSED, "closed"),
    (Status.DECLINED, "closed"),
]


@pytest.mark.parametrize(("status", "word"), STATUS_TABLE)
def test_each_of_our_statuses_maps_to_one_of_the_standards_two(status, word):
    assert open311_status(status) == word
    assert (status in OPEN_STATUSES) == (word == "open")


def test_the_table_covers_every_status():
    assert {s for s, _ in STATUS_TABLE} == set(Status)


def listed(client: Any, fmt: str = "json", **args: str) -> Any:
    return client.get(f"/open311/v2/requests.{fmt}", query_string=args)


def one(client: Any, case_id: int, fmt: str, api_key: str) -> Any:
    return client.get(f"/open311/v2/requests/{case_id}.{fmt}", query_string={"api_key": api_key})


def ids(answer: Any) -> list[int]:
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return [int(r["service_request_id"]) for r in answer.get_json()]


def test_a_client_lists_its_recent_requests_newest_first_with_their_status(
        client, every_status_by_client):
    cases = every_status_by_client.cases

    answer = listed(client, api_key=every_status_by_client.api_key)

    found = {int(r["service_request_id"]): r for r in answer.get_json()}
    assert list(found) == sorted(found, reverse=True)
    assert set(found) == {c.id for c in cases.values()}
    for stage in STAGES:
        assert found[cases[stage].id]["status"] == open311_status(EXPECTED_STATUS[stage]), stage
    assigned = found[cases["assigned"].id]
    assert assigned["agency_responsible"] == "市城市管理局"
    assert assigned["service_notice"] == "已交承办单位办理"
    assert found[cases["merged"].id]["service_notice"] == "与相同诉求合并办理，答复将一并告知您"
    assert assigned["expected_datetime"].endswith("T23:59:59+08:00")
    assert "expected_datetime" not in found[cases["replied"].id]
    assert found[cases["declined"].id]["service_notice"] == "不予受理"
    for answer in found.values():
        assert answer["requested_datetime"].endswith("+08:00")
        assert dt.datetime.fromisoformat(answer["updated_datetime"]).utcoffset() == \
            dt.timedelta(hours=8)


def test_only_a_published_case_shows_its_letter_reply_and_place(client, every_status_by_client):
    mine = every_status_by_client
    found = {int(r["service_request_id"]): r for r in listed(client, api_key=mine.api_key)
             .get_json()}

    published = found[mine.cases["published"].id]
    assert published["status_notes"].startswith("欧阳某您好：路灯已修复")
    assert "我是欧阳某" in published["description"]
    assert published["address"] == mine.published_address == "幸福里小区*幢*单元***室"
    assert "lat" not in published  # submitted without coordinates
    for stage in STAGES:
        if stage != "published":
            shown = found[mine.cases[stage].id]
            assert shown["status_notes"] == "", stage
            assert not {"description", "address", "lat", "long"} & set(shown), stage


def test_coordinates_are_shown_only_with_a_published_place(client, city, api_key, session):
    created = client.post("/open311/v2/requests.json", data=request_form(city, api_key))
    case_id = int(created.get_json()[0]["service_request_id"])

    def shown() -> dict[str, Any]:
        [request] = one(client, case_id, "json", api_key).get_json()
        assert request["service_request_id"] == str(case_id)
        return request

    assert "lat" not in shown()

    session.rollback()
    case = session.get(Case, case_id)
    case.consent_publish = True  # the standard has no consent field; as if asked by phone
    advance(session, case, "replied", city)
    session.commit()
    publish_case(session, case, MODERATOR, title="路灯不亮", letter="幸福里小区东门外路灯不亮。",
                 reply="已修复。", address=None)
    session.commit()
    request = shown()
    assert request["status_notes"] == "已修复。" and not {"address", "lat", "long"} & set(request)

    edit_publication(session, case, ADMIN, PublicText(
        title="路灯不亮", letter="幸福里小区东门外路灯不亮。", reply="已修复。",
        address="幸福里小区东门"), reason="公开地点")
    session.commit()
    request = shown()
    assert (request["address"], request["lat"], request["long"]) == (
        "幸福里小区东门", 30.2598, 120.1302)


def test_the_xml_list_has_the_same_requests(client, every_status_by_client):
    mine = every_status_by_client
    root = ElementTree.fromstring(listed(client, "xml", api_key=mine.api_key).data)

    assert root.tag == "service_requests"
    assert [int(r.findtext("service_request_id")) for r in root] == ids(
        listed(client, api_key=mine.api_key))
    assert len(root) == len(STAGES)
    published = next(r for r in root if r.findtext("service_request_id")
                     == str(mine.cases["published"].id))
    assert published.findtext("address") == mine.published_address


def test_ids_override_every_other_filter(client, every_status_by_client):
    cases = every_status_by_client.cases
    wanted = f"{cases['declined'].id}, {cases['submitted'].id},{cases['declined'].id}"

    answer = listed(client, service_request_id=wanted, status="open", service_code="999",
                    start_date="2001-01-01", end_date="2001-01-02",
                    api_key=every_status_by_client.api_key)

    assert sorted(ids(answer)) == sorted([cases["declined"].id, cases["submitted"].id])


def test_status_and_service_code_filter(client, every_status_by_client, city):
    cases, api_key = every_status_by_client.cases, every_status_by_client.api_key
    other = client.post("/open311/v2/requests.json", data=request_form(
        city, api_key, service_code=str(city.roads.id), **{"attribute[facility]": None,
                                                            "attribute[count]": None,
                                                            "attribute[period][]": None}))
    other_id = int(other.get_json()[0]["service_request_id"])

    opened = set(ids(listed(client, status="open", api_key=api_key)))
    closed = set(ids(listed(client, status="closed", api_key=api_key)))
    both = set(ids(listed(client, status="open,closed", api_key=api_key)))

    assert opened == {cases[s].id for s in ("submitted", "accepted", "assigned", "answered")} \
        | {other_id}
    assert closed == {cases[s].id for s in ("declined", "replied", "closed", "merged",
                                            "published", "withdrawn")}
    assert both == opened | closed
    assert ids(listed(client, service_code=str(city.roads.id), api_key=api_key)) == [other_id]
    assert set(ids(listed(client, service_code=f"{city.roads.id},{city.lights.id}",
                          api_key=api_key))) == both


def test_the_window_defaults_to_the_last_90_days_and_can_be_moved(client, every_status_by_client,
                                                                  session):
    api_key = every_status_by_client.api_key
    old = every_status_by_client.cases["submitted"]
    old.submitted_at = old.submitted_at - dt.timedelta(days=100)
    session.commit()
    submitted = old.submitted_at.isoformat()

    assert old.id not in ids(listed(client, api_key=api_key))
    assert old.id in ids(listed(client, start_date=(old.submitted_at - dt.timedelta(days=1))
                                .isoformat(), api_key=api_key))
    assert ids(listed(client, end_date=submitted, api_key=api_key)) == [old.id]  # 90 days back
    assert ids(listed(client, start_date=submitted[:10], end_date=submitted,
                      api_key=api_key)) == [old.id]
    assert old.id in ids(listed(client, service_request_id=str(old.id), api_key=api_key))


def test_at_most_1000_requests_are_answered(client, every_status_by_client, monkeypatch):
    monkeypatch.setattr(queries, "MAX_RESULTS", 3)

    assert len(ids(listed(client, api_key=every_status_by_client.api_key))) == 3


BAD_FILTERS = [
    ({"start_date": "yesterday"}, "start_date"),
    ({"end_date": "2026-13-01"}, "end_date"),
    ({"start_date": "0001-01-01"}, "start_date"),
    ({"end_date": "9999-12-31T23:59:59+14:00"}, "end_date"),
    ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "90 天"),
    ({"start_date": "2026-02-01", "end_date": "2026-01-01"}, "不能早于"),
    ({"status": "pending"}, "status"),
    ({"service_request_id": "1,abc"}, "service_request_id"),
    ({"service_code": "路灯"}, "service_code"),
]


@pytest.mark.parametrize(("args", "words"), BAD_FILTERS)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_filters_get_the_standard_400(client, args, words, fmt):
    answer = listed(client, fmt, **args)

    assert answer.status_code == 400
    if fmt == "xml":
        root = ElementTree.fromstring(answer.data)
        assert root.findtext("error/code") == "400" and words in root.findtext(
            "error/description")
    else:
        [error] = answer.get_json()
        assert error["code"] == 400 and words in error["description"]


def test_one_request_by_id_is_a_list_of_one(client, every_status_by_client):
    case, api_key = every_status_by_client.cases["closed"], every_status_by_client.api_key

    answer = one(client, case.id, "json", api_key)
    root = ElementTree.fromstring(one(client, case.id, "xml", api_key).data)

    [shown] = answer.get_json()
    assert (shown["service_request_id"], shown["status"]) == (str(case.id), "closed")
    assert [r.findtext("service_request_id") for r in root] == [str(case.id)]


@pytest.mark.parametrize("request_id", ["987654", "abc", "0", "-3", "99999999999999999999"])
def test_an_unknown_request_gets_the_standard_404(client, request_id):
    for fmt in ("json", "xml"):
        answer = client.get(f"/open311/v2/requests/{request_id}.{fmt}")
        assert answer.status_code == 404


def test_a_token_resolves_to_its_service_request_id(client, city, api_key):
    [created] = client.post("/open311/v2/requests.json",
                            data=request_form(city, api_key)).get_json()

    mine = {"api_key": api_key}
    answer = client.get(f"/open311/v2/tokens/{created['token']}.json", query_string=mine)
    root = ElementTree.fromstring(client.get(f"/open311/v2/tokens/{created['token']}.xml",
                                             query_string=mine).data)

    assert answer.get_json() == [{"service_request_id": created["service_request_id"],
                                  "token": created["token"]}]
    assert root.findtext("request/service_request_id") == created["service_request_id"]


@pytest.mark.parametrize("token", ["nosuchtoken", "x" * 33, "%00", "1"])
def test_an_unknown_token_gets_the_standard_404(client, token):
    for fmt in ("json", "xml"):
        answer = client.get(f"/open311/v2/tokens/{token}.{fmt}")
        assert answer.status_code == 404


def test_the_moderator_sees_the_coordinates_a_published_place_would_carry(
        app, client, city, api_key, session):
    created = client.post("/open311/v2/requests.json", data=request_form(city, api_key))
    case_id = int(created.get_json()[0]["service_request_id"])
    session.rollback()
    case = session.get(Case, case_id)
    case.consent_publish = True
    advance(session, case, "replied", city)
    session.commit()
    make_staff(session, "mod1", Role.MODERATOR)
    moderator = app.test_client()
    login(moderator, "mod1")

    page = moderator.get(f"/staff/publication/{case_id}").get_data(as_text=True)

    assert "开放接口提交的经纬度：30.2598, 120.1302" in page
