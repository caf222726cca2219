"""Round trips through Open311 client libraries from PyPI, against the portal served on a
loopback port: civicbot submits and reads JSON with its key, georeport reads the XML answers
without one, so only once the request is on the echo wall."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
import requests
from civicbot import Endpoint, HttpError, HttpTransport, Open311Client
from civicbot.http import RateLimiter
from flask import Flask
from georeport import GeoReport
from sqlalchemy import select

from portal.cases.models import Case
from portal.cases.workflow import Channel
from tests.helpers import serving
from tests.helpers.open311 import advance


@pytest.fixture
def endpoint(make_app: Callable[..., Flask], city) -> Iterator[str]:
    with serving(make_app()) as url:
        yield f"{url}/open311/v2"


class KeyedTransport(HttpTransport):
    """civicbot's transport, sending the client's key on reads too, as a client that wants
    to see its own requests does (civicbot sends it with writes only)."""

    def __init__(self, api_key: str | None) -> None:
        super().__init__(rate_limiter=RateLimiter(min_interval=0), timeout=10)
        self.api_key = api_key

    def get_bytes(self, url: str, params: Mapping[str, Any] | None = None,
                  headers: Mapping[str, str] | None = None) -> bytes:
        keyed = {**(params or {}), **({"api_key": self.api_key} if self.api_key else {})}
        return super().get_bytes(url, keyed, headers)


def civicbot_client(endpoint: str, api_key: str | None = None) -> Open311Client:
    return Open311Client(Endpoint(id="portal", name="示范市", base_url=endpoint, write=True),
                         KeyedTransport(api_key))


def test_a_request_submitted_with_civicbot_reads_back_through_civicbot_and_georeport(
        endpoint, api_key, session, city):
    client = civicbot_client(endpoint, api_key)
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
    with pytest.raises(requests.HTTPError) as unseen:
        geo.get_service_request(request_id)
    assert unseen.value.response.status_code == 404
    case.consent_publish = True  # the standard has no consent field; as if asked by phone
    advance(session, case, "published", city)
    session.commit()
    from_xml = geo.get_service_request(request_id)
    assert (from_xml["service_request_id"], from_xml["status"]) == (request_id, "closed")
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
