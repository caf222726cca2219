"""Round trips through Open311 client libraries from PyPI, against the portal served on a
loopback port: civicbot submits and reads JSON, georeport reads the XML answers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from civicbot import Endpoint, HttpError, HttpTransport, Open311Client
from civicbot.http import RateLimiter
from flask import Flask
from georeport import GeoReport
from sqlalchemy import select

from portal.cases.models import Case
from portal.cases.workflow import Channel
from tests.helpers import serving


@pytest.fixture
def endpoint(make_app: Callable[..., Flask], city) -> Iterator[str]:
    with serving(make_app()) as url:
        yield f"{url}/open311/v2"


def civicbot_client(endpoint: str) -> Open311Client:
    transport = HttpTransport(rate_limiter=RateLimiter(min_interval=0), timeout=10)
    return Open311Client(Endpoint(id="portal", name="示范市", base_url=endpoint, write=True),
                         transport)


def test_a_request_submitted_with_civicbot_reads_back_through_civicbot_and_georeport(
        endpoint, api_key, session, city):
    client = civicbot_client(endpoint)
    code = next(s["service_code"] for s in client.list_services()
                if s["service_name"] == "城市管理")

    sent = client.create_request(
        code, dry_run=False, confirm="SEND", api_key=api_key, validate_remote=True,
        address_string="解放路与人民路交叉口", lat=30.2598, lng=120.1302,
        description="解放路与人民路交叉口的路灯夜间不亮。", email="reporter@example.com",
        first_name="Lei", last_name="Li", attributes={"facility": "streetlight",
                                                        "period": ["night"]})

    [created] = sent.response
    request_id = created["service_request_id"]
    assert client.get_token(created["token"]) == [{"service_request_id": request_id,
                                                   "token": created["token"]}]
    shown = client.get_request(request_id)
    assert (shown["status"], shown["service_code"], shown["service_name"]) == (
        "open", code, "城市管理")
    assert [r["service_request_id"] for r in client.list_requests(
        service_request_ids=[request_id])] == [request_id]
    session.rollback()
    case = session.scalars(select(Case)).one()
    assert (str(case.id), case.channel, case.location) == (request_id, Channel.OPEN311,
                                                           "解放路与人民路交叉口")

    geo = GeoReport(endpoint, output_format="xml")
    assert [s["service_name"] for s in geo.get_service_list()] == ["城市管理", "交通出行"]
    definition = geo.get_service_definition(code)
    assert definition["attributes"]["attribute"][0]["code"] == "facility"
    from_xml = geo.get_service_request(request_id)
    assert (from_xml["service_request_id"], from_xml["status"]) == (request_id, "open")
    assert from_xml["requested_datetime"] == shown["requested_datetime"]
    assert geo.get_service_requests(service_request_id=request_id)["service_request_id"] == \
        request_id


def test_a_refusal_reaches_the_client_in_the_standard_form(endpoint, city):
    client = civicbot_client(endpoint)

    with pytest.raises(HttpError) as refused:
        client.create_request(str(city.roads.id), dry_run=False, confirm="SEND",
                              api_key="not-a-key", address_string="人民路",
                              description="路面坑洼", phone="13800138000")

    assert refused.value.status == 403
    assert json.loads(refused.value.body) == [{"code": 403, "description": "api_key 无效或已停用"}]
